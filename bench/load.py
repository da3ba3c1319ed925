"""A small closed-loop HTTP load generator: N threads, each with its own keep-alive connection.

Each thread sends its next request as soon as the previous answer is read, for a fixed time after
a warm-up; only requests started after the warm-up count. Latency is measured around one request
(send to last byte), in milliseconds. A transport error or an unexpected status is an error.
"""

from __future__ import annotations

import http.client
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# (method, path, body, headers) for the n-th request of thread t.
RequestFactory = Callable[[int, int], tuple[str, str, bytes | None, dict[str, str]]]


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    def summary(self) -> dict[str, float | int | list[str]]:
        ordered = sorted(self.latencies_ms)
        return {
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "throughput_per_s": round(len(ordered) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": percentile(ordered, 50),
            "p95_ms": percentile(ordered, 95),
            "p99_ms": percentile(ordered, 99),
            "max_ms": round(ordered[-1], 2) if ordered else 0.0,
            "error_samples": self.error_samples[:5],
        }


def percentile(ordered: list[float], percent: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, math.ceil(percent / 100 * len(ordered)) - 1))
    return round(ordered[rank], 2)


def run_load(
    base_url: str,
    make_request: RequestFactory,
    *,
    concurrency: int,
    seconds: float,
    warmup: float = 1.0,
    expect_status: int = 200,
    max_requests: int = 1_000_000,
) -> LoadResult:
    """Drive `concurrency` connections for `warmup + seconds`; bounded in time and in count."""
    parts = urlsplit(base_url)
    assert parts.hostname in {"127.0.0.1", "localhost"}, "the benchmark only loads the local machine"
    lock = threading.Lock()
    result = LoadResult(seconds=seconds)
    start = time.monotonic()
    measure_from, stop_at = start + warmup, start + warmup + seconds
    per_thread = max(1, max_requests // concurrency)

    def worker(thread: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        latencies: list[float] = []
        errors: list[str] = []
        for number in range(per_thread):
            began = time.monotonic()
            if began >= stop_at:
                break
            method, path, body, headers = make_request(thread, number)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                status, payload = 0, repr(exc).encode()
            elapsed = (time.monotonic() - began) * 1000
            if began < measure_from:
                continue
            if status == expect_status:
                latencies.append(elapsed)
            else:
                errors.append(f"{status}: {payload[:200].decode(errors='replace')}")
        connection.close()
        with lock:
            result.latencies_ms.extend(latencies)
            result.errors += len(errors)
            result.error_samples.extend(errors[:2])

    threads = [threading.Thread(target=worker, args=(index,), daemon=True) for index in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A count-bounded run may end before the clock does: throughput over the time actually used.
    result.seconds = max(0.001, min(seconds, time.monotonic() - measure_from))
    return result

"""A small closed-loop HTTP load generator: N threads, each with its own keep-alive connection.

Each thread sends its next request as soon as the previous answer is read, for a fixed time after
a warm-up; only requests started after the warm-up count. Latency is measured around one request
(send to last byte), in milliseconds. A transport error or an unexpected status is an error.
"""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# (method, path, body, headers) for the n-th request of thread t.
RequestFactory = Callable[[int, int], tuple[str, str, bytes | None, dict[str, str]]]
# For a request that carries several items (a batch of events): the body of an answer with the
# expected status -> (items that succeeded, a description of each item that failed).
ItemCounter = Callable[[bytes], tuple[int, list[str]]]


@dataclass
class LoadResult:
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    client_cpu_seconds: float = 0.0  # the generator's own CPU, warm-up included
    sent: int = 0  # requests sent, warm-up included
    items: int | None = None  # with an ItemCounter: items that succeeded (measured requests only)
    item_errors: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    @classmethod
    def merged(cls, results: list[LoadResult]) -> LoadResult:
        """Several rounds of the same load (alternated with other loads) as one measurement."""
        counted = [r.items for r in results if r.items is not None]
        return cls(
            seconds=sum(r.seconds for r in results),
            latencies_ms=[latency for r in results for latency in r.latencies_ms],
            errors=sum(r.errors for r in results),
            error_samples=[sample for r in results for sample in r.error_samples],
            client_cpu_seconds=sum(r.client_cpu_seconds for r in results),
            sent=sum(r.sent for r in results),
            items=sum(counted) if counted else None,
            item_errors=sum(r.item_errors for r in results),
        )

    def summary(self) -> dict[str, float | int | list[str]]:
        ordered = sorted(self.latencies_ms)
        items = {}
        if self.items is not None:
            items = {
                "items": self.items,
                "item_errors": self.item_errors,
                "items_per_s": round(self.items / self.seconds, 1) if self.seconds else 0.0,
            }
        return {
            **items,
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "throughput_per_s": round(len(ordered) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": percentile(ordered, 50),
            "p95_ms": percentile(ordered, 95),
            "p99_ms": percentile(ordered, 99),
            "max_ms": round(ordered[-1], 2) if ordered else 0.0,
            "error_samples": self.error_samples[:5],
            "client_cpu_ms_per_request": round(self.client_cpu_seconds * 1000 / self.sent, 3) if self.sent else 0.0,
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
    count_items: ItemCounter | None = None,
) -> LoadResult:
    """Drive `concurrency` connections for `warmup + seconds`; bounded in time and in count.
    With `count_items`, each answer's items are counted too (an item that failed is an error of
    its own, in `item_errors`; the request is an error only if its status is not the expected one)."""
    parts = urlsplit(base_url)
    assert parts.hostname in {"127.0.0.1", "localhost"}, "the benchmark only loads the local machine"
    lock = threading.Lock()
    result = LoadResult(seconds=seconds)
    start = time.monotonic()
    measure_from, stop_at = start + warmup, start + warmup + seconds
    per_thread = max(1, max_requests // concurrency)

    def worker(thread: int) -> None:
        connection = RawConnection(parts.hostname, parts.port)
        latencies: list[float] = []
        errors: list[str] = []
        items, item_errors = 0, []
        sent = 0
        for number in range(per_thread):
            # The request is built before the clock starts: only the server's time is measured.
            method, path, body, headers = make_request(thread, number)
            began = time.monotonic()
            if began >= stop_at:
                break
            try:
                status, payload = connection.send(method, path, body, headers)
            except (OSError, ValueError) as exc:
                connection.close()
                status, payload = 0, repr(exc).encode()
            elapsed = (time.monotonic() - began) * 1000
            sent += 1
            if began < measure_from:
                continue
            if status == expect_status:
                latencies.append(elapsed)
                if count_items is not None:
                    succeeded, failed = count_items(payload)
                    items += succeeded
                    item_errors.extend(failed)
            else:
                errors.append(f"{status}: {payload[:200].decode(errors='replace')}")
        connection.close()
        with lock:
            result.latencies_ms.extend(latencies)
            result.errors += len(errors)
            result.error_samples.extend(errors[:2] + item_errors[:2])
            result.sent += sent
            if count_items is not None:
                result.items = (result.items or 0) + items
                result.item_errors += len(item_errors)

    threads = [threading.Thread(target=worker, args=(index,), daemon=True) for index in range(concurrency)]
    cpu_started = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A count-bounded run may end before the clock does: throughput over the time actually used.
    result.seconds = max(0.001, min(seconds, time.monotonic() - measure_from))
    # The generator shares the machine with the server: what it costs is part of the picture.
    result.client_cpu_seconds = time.process_time() - cpu_started
    return result


class RawConnection:
    """A minimal HTTP/1.1 client over one socket, far cheaper in CPU than http.client.

    Reuses the connection while the server keeps it open (gthread workers) and reconnects when the
    server closes it after a response (sync workers answer `Connection: close`).
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""

    def send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.sock is None:
            self.sock = socket.create_connection((self.host, self.port), timeout=30)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        body = body or b""
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{head}Content-Length: {len(body)}\r\n\r\n"
        )
        self.sock.sendall(request.encode("latin-1") + body)
        while b"\r\n\r\n" not in self.buffer:
            self._read()
        header_block, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = header_block.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
        length = int(fields.get("content-length", "0"))
        self.buffer = rest
        while len(self.buffer) < length:
            self._read()
        payload, self.buffer = self.buffer[:length], self.buffer[length:]
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, payload

    def _read(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection mid-response")
        self.buffer += chunk

"""The circuit breaker around the chain adapter, as events.md words it: open at 50 % failures over
a minute, half-open after 60 s.

A breaker counting failures in a row (pybreaker's) never opens on an adapter that fails every
other call, and opens on a handful of failures in a quiet minute. This one keeps the outcomes of
the last `window` seconds: with at least `min_calls` of them and a failure share of at least
`ratio`, it opens; every call is then refused without reaching the adapter until `reset_timeout`
has passed, when one trial call goes through (half-open): a success closes it, with a clean
window, a failure opens it again.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


class BreakerOpen(Exception):
    """The breaker is open: the call was not made."""


class RateBreaker:
    def __init__(
        self,
        *,
        ratio: float,
        window: float,
        min_calls: int,
        reset_timeout: float,
        counts: Callable[[BaseException], bool],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ratio, self.window, self.min_calls, self.reset_timeout = ratio, window, min_calls, reset_timeout
        self.counts = counts  # which exceptions are failures of the service (a refusal is an answer)
        self.clock = clock
        self.state = CLOSED
        self._outcomes: deque[tuple[float, bool]] = deque()  # (when, failed)
        self._opened_at = 0.0
        self._lock = threading.Lock()

    def call(self, function: Callable[[], T]) -> T:
        with self._lock:
            now = self.clock()
            if self.state == OPEN:
                if now - self._opened_at < self.reset_timeout:
                    raise BreakerOpen(f"open for {self.reset_timeout - (now - self._opened_at):.0f} s more")
                self.state = HALF_OPEN
            elif self.state == HALF_OPEN:
                raise BreakerOpen("half-open: a trial call is under way")
        try:
            result = function()
        except BaseException as exc:
            self._record(failed=self.counts(exc))
            raise
        self._record(failed=False)
        return result

    def close(self) -> None:
        with self._lock:
            self.state, self._outcomes = CLOSED, deque()

    def _record(self, *, failed: bool) -> None:
        with self._lock:
            now = self.clock()
            if self.state == HALF_OPEN:
                if failed:
                    self.state, self._opened_at = OPEN, now
                else:
                    self.state, self._outcomes = CLOSED, deque()
                return
            self._outcomes.append((now, failed))
            while self._outcomes and self._outcomes[0][0] <= now - self.window:
                self._outcomes.popleft()
            failures = sum(1 for _, f in self._outcomes if f)
            if len(self._outcomes) >= self.min_calls and failures >= self.ratio * len(self._outcomes):
                self.state, self._opened_at = OPEN, now

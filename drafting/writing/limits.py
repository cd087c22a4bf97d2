"""One concurrency limit for drafts, shared by every way in (the page's 起草 button and POST /api/v1/draft).

Model drafts and offline drafts have separate pools, so a slow or hanging provider never makes an offline draft wait;
each pool is one per server process (Services.limiter), so the page and the API together never run more than
DRAFTING_SERVER__CONCURRENCY model drafts.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterator
from contextlib import contextmanager

from drafting.errors import BusyError


class DraftLimiter:
    """Two bounded pools (model drafts, offline drafts) with counts of running and waiting drafts."""

    def __init__(self, model: int, offline: int) -> None:
        self.size = {"model": model, "offline": offline}
        self._pools = {kind: threading.BoundedSemaphore(n) for kind, n in self.size.items()}
        self._lock = threading.Lock()
        self._running = {"model": 0, "offline": 0}
        self._waiting = {"model": 0, "offline": 0}

    @staticmethod
    def _kind(offline: bool) -> str:
        return "offline" if offline else "model"

    def try_acquire(self, offline: bool) -> bool:
        """Take a slot if one is free now."""
        kind = self._kind(offline)
        if not self._pools[kind].acquire(blocking=False):
            return False
        with self._lock:
            self._running[kind] += 1
        return True

    def wait(self, offline: bool, step: float) -> Generator[int, None, None]:
        """Wait for a slot, yielding the number of drafts waiting every `step` seconds until it is taken
        (for a page that shows 排队中 meanwhile). Closing the iterator early gives up the wait."""
        kind = self._kind(offline)
        if self.try_acquire(offline):
            return
        with self._lock:
            self._waiting[kind] += 1
        try:
            while not self._pools[kind].acquire(timeout=step):
                yield self._waiting[kind]
        finally:
            with self._lock:
                self._waiting[kind] -= 1
        with self._lock:
            self._running[kind] += 1

    def release(self, offline: bool) -> None:
        """Give back a slot taken by try_acquire or wait."""
        kind = self._kind(offline)
        with self._lock:
            self._running[kind] -= 1
        self._pools[kind].release()

    @contextmanager
    def hold(self, offline: bool, timeout: float) -> Iterator[None]:
        """A slot for the duration of the block, waiting at most `timeout` seconds (BusyError after)."""
        waited, step = 0.0, min(1.0, timeout)
        turns = self.wait(offline, step)
        try:
            for _ in turns:
                waited += step
                if waited >= timeout:
                    raise BusyError("服务繁忙：同时起草的请求已达上限（DRAFTING_SERVER__CONCURRENCY），请稍后再试")
        finally:
            turns.close()  # stops waiting (counted out) when giving up
        try:
            yield
        finally:
            self.release(offline)

    def status(self) -> dict[str, dict[str, int]]:
        """Running and waiting drafts per pool, with the pool sizes (for /api/v1/health)."""
        with self._lock:
            return {kind: {"limit": self.size[kind], "running": self._running[kind], "waiting": self._waiting[kind]}
                    for kind in self.size}

"""Fair, bounded waiting for a kind of work on the event loop (the API's searches).

A waiting request holds no worker thread: the old threading semaphore was acquired in the thread pool, so 40
waiters took every thread and the few requests holding a slot had none left to run on (33 of 50 searches got 503
after 60 s). Here requests queue first-come first-served on the loop; only a request holding a slot runs in a
thread. A request that waits longer than ``wait`` seconds, or arrives when ``max_waiting`` are already in line,
gets BusyError at once, carrying a Retry-After.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from drafting.errors import BusyError


class Busy(BusyError):
    """No slot within the wait: ``retry_after`` seconds is a fair guess for trying again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class FairGate:
    """At most ``slots`` holders; waiters served in arrival order, each for at most ``wait`` seconds."""

    def __init__(self, slots: int, *, wait: float, max_waiting: int, label: str) -> None:
        self.slots = slots
        self.wait = wait
        self.max_waiting = max_waiting
        self.label = label
        self._busy = 0
        self._line: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def waiting(self) -> int:
        """Requests in line now."""
        return len(self._line)

    def _refuse(self, why: str) -> Busy:
        retry = max(1, int(self.wait // 3) or 1)
        return Busy(f"服务繁忙：{why}（同时{self.label}最多 {self.slots} 个，排队最多等 {self.wait:g} 秒），"
                    f"请 {retry} 秒后再试", retry)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the block; Busy when the line is full or the wait runs out."""
        if self._busy < self.slots and not self._line:
            self._busy += 1
        else:
            if len(self._line) >= self.max_waiting:
                raise self._refuse(f"排队的{self.label}请求已有 {len(self._line)} 个")
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._line.append(turn)
            try:
                await asyncio.wait_for(asyncio.shield(turn), self.wait)
            except TimeoutError:
                if turn.done():  # handed a slot just as the wait ran out: give it on
                    self._hand_on()
                else:
                    self._line.remove(turn)
                raise self._refuse(f"等待 {self.wait:g} 秒仍未轮到") from None
            except BaseException:
                if turn.done():
                    self._hand_on()
                elif turn in self._line:
                    self._line.remove(turn)
                raise
        try:
            yield
        finally:
            self._hand_on()

    def _hand_on(self) -> None:
        """A holder leaves: the slot goes straight to the first in line (so it stays counted), or is freed."""
        while self._line:
            turn = self._line.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._busy -= 1

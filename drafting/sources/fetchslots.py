"""Fetch slots shared by everyone on the page (读取链接, attachments, uploads read as sources), handed out fairly.

Gradio's per-event limit is one first-come queue: four slow links from one editor made everyone else wait a minute.
Here one user holds at most half the slots, a free slot goes to the waiter whose user holds the fewest (first come
among equals), and nobody waits longer than ``wait_s``: past it they are told 请稍后再试 in Chinese.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from drafting.errors import BusyError


class FetchSlots:
    """``slots`` fetches at once, at most ``per_user`` of them for one user, each waiting at most ``wait_s`` seconds."""

    def __init__(self, slots: int, wait_s: float, per_user: int | None = None) -> None:
        self.slots = slots
        self.per_user = per_user or max(1, slots // 2)
        self.wait_s = wait_s
        self._cond = threading.Condition()
        self._running: Counter[str] = Counter()
        self._waiting: list[tuple[int, str]] = []  # (ticket, user) in arrival order
        self._tickets = itertools.count()

    def _next(self) -> int | None:
        """The ticket whose turn it is: a free slot, a user under their share, fewest running first, then oldest."""
        if sum(self._running.values()) >= self.slots:
            return None
        eligible = [(self._running[user], n, ticket) for n, (ticket, user) in enumerate(self._waiting)
                    if self._running[user] < self.per_user]
        return min(eligible)[2] if eligible else None

    @contextmanager
    def hold(self, user: str) -> Iterator[None]:
        """A slot for the block; BusyError (请稍后再试) when none comes within wait_s."""
        with self._cond:
            ticket = next(self._tickets)
            self._waiting.append((ticket, user))
            deadline = time.monotonic() + self.wait_s
            try:
                while self._next() != ticket:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise BusyError(
                            f"读取链接的请求较多（同时最多 {self.slots} 个，每人最多 {self.per_user} 个，"
                            f"已等待 {self.wait_s:g} 秒）：请稍后再试，或直接粘贴原文（DRAFTING_SOURCES__FETCH_SLOTS）"
                        )
                    self._cond.wait(left)
            finally:
                self._waiting.remove((ticket, user))
                self._cond.notify_all()  # the order changed: another waiter may be next
            self._running[user] += 1
        try:
            yield
        finally:
            with self._cond:
                self._running[user] -= 1
                self._cond.notify_all()

    def status(self) -> dict[str, int]:
        """Running and waiting fetches, for logs and tests."""
        with self._cond:
            return {"limit": self.slots, "running": sum(self._running.values()), "waiting": len(self._waiting)}

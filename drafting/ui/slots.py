"""Draft slots: model drafts and offline drafts run under separate limits, so a slow or hanging provider never
makes an offline draft wait (Gradio's own concurrency limit is per event, and both kinds share one button).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

WAIT_STEP = 1.0  # seconds between "still waiting" updates to the page


class DraftSlots:
    """Two semaphores: one for drafts that call the model, one for offline drafts."""

    def __init__(self, model: int, offline: int) -> None:
        self.model = threading.BoundedSemaphore(model)
        self.offline = threading.BoundedSemaphore(offline)
        self._waiting = 0
        self._lock = threading.Lock()

    def limit(
        self, run: Callable[..., Iterator[Any]], *, is_offline: Callable[[tuple[Any, ...]], bool],
        waiting_update: Callable[[int], Any],
    ) -> Callable[..., Iterator[Any]]:
        """``run`` (a generator callback) holding a slot of its kind; while it waits, ``waiting_update(n)`` is yielded."""

        @functools.wraps(run)
        def limited(*args: Any) -> Iterator[Any]:
            slot = self.offline if is_offline(args) else self.model
            if not slot.acquire(blocking=False):
                with self._lock:
                    self._waiting += 1
                try:
                    while not slot.acquire(timeout=WAIT_STEP):
                        yield waiting_update(self._waiting)
                finally:
                    with self._lock:
                        self._waiting -= 1
            try:
                yield from run(*args)
            finally:
                slot.release()  # also when the page is closed mid-draft (the generator is closed)

        return limited

"""Draft slots on the page: the server's one draft limiter (drafting/writing/limits.py, shared with the JSON API), with a
"still waiting" update while a draft waits. Model drafts and offline drafts have separate pools, so a slow or hanging
provider never makes an offline draft wait (Gradio's own concurrency limit is per event, and both kinds share one
button).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from drafting.writing.limits import DraftLimiter

WAIT_STEP = 1.0  # seconds between "still waiting" updates to the page


class DraftSlots:
    """Generator callbacks run holding a slot of the shared limiter."""

    def __init__(self, limiter: DraftLimiter) -> None:
        self.limiter = limiter

    def limit(
        self, run: Callable[..., Iterator[Any]], *, is_offline: Callable[[tuple[Any, ...]], bool],
        waiting_update: Callable[[int], Any],
    ) -> Callable[..., Iterator[Any]]:
        """``run`` (a generator callback) holding a slot of its kind; while it waits, ``waiting_update(n)`` is yielded."""

        @functools.wraps(run)
        def limited(*args: Any) -> Iterator[Any]:
            offline = is_offline(args)
            for waiting in self.limiter.wait(offline, WAIT_STEP):
                yield waiting_update(waiting)
            try:
                yield from run(*args)
            finally:
                self.limiter.release(offline)  # also when the page is closed mid-draft (the generator is closed)

        return limited

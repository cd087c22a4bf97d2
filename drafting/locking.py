"""One writer at a time for the corpus and the index, across threads and processes (page, CLI, a second server)."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


class CorpusLock:
    """Re-entrant in a thread, exclusive across threads and processes (flock on a file in the data folder).

    Accepts, publishes and ingests read a snapshot of the corpus and sync the index with removal on: two of them
    interleaved would let one snapshot drop the other's new item from the index. Holding this lock serialises them.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._depth = 0
        self._fh: BinaryIO | None = None

    @contextmanager
    def hold(self) -> Iterator[None]:
        """Block until this thread holds the lock; nested holds in the same thread are free."""
        with self._lock:
            if self._depth == 0:
                fh = self.path.open("a+b")
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                self._fh = fh
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fh is not None:
                    held, self._fh = self._fh, None
                    fcntl.flock(held.fileno(), fcntl.LOCK_UN)
                    held.close()

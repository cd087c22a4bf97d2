"""One SQLite file written by several threads (Gradio's workers, the scheduler) and processes (the app, cron).

Each call opens its own connection, so threads never share one; a lock serialises this process's writers (an autosave
never meets "database is locked" from its own process), and BEGIN IMMEDIATE with a busy timeout makes other processes'
writers wait their turn. The draft store and the watch's inbox differ only in how long they wait, how durable a commit
is, and what they tell the user when a write fails.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal


class SqliteFile:
    """Connections and write transactions on one database file, created (WAL) with its schema on first use."""

    def __init__(self, path: Path, schema: str, *, busy_s: float, synchronous: Literal["NORMAL", "FULL"],
                 failed: Callable[[sqlite3.OperationalError], Exception | None]) -> None:
        """`failed` turns a write's OperationalError into the error the user sees (None: re-raise it as it is)."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._busy_s = busy_s
        self._synchronous = synchronous
        self._failed = failed
        self._write_lock = threading.Lock()
        with self.connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(schema)
            conn.commit()

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection of its own for this call (rows by column name), closed afterwards."""
        conn = sqlite3.connect(self.path, timeout=self._busy_s)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={int(self._busy_s * 1000)}")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: committed entirely or rolled back."""
        with self._write_lock, self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.commit()
            except sqlite3.OperationalError as exc:
                conn.rollback()
                error = self._failed(exc)
                if error is not None:
                    raise error from exc
                raise
            except BaseException:
                conn.rollback()
                raise

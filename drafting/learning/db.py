"""The learning tables, kept in the drafts' SQLite file but in their own schema (created idempotently)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS precedent_feedback (
    draft_id INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('judgement', 'expanded')),
    value TEXT NOT NULL,
    actor TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (draft_id, item_id, kind)
);
CREATE TABLE IF NOT EXISTS rule_decisions (
    rule_id TEXT PRIMARY KEY,
    decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected', 'removed')),
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    evidence TEXT NOT NULL DEFAULT '[]',
    actor TEXT,
    decided_at TEXT NOT NULL
);
"""


def now() -> str:
    """UTC timestamp as stored in the learning tables."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class LearningDB:
    """Connections to the learning tables; one connection per call, writers serialised in-process."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self.connect() as conn:
            conn.executescript(_SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A read connection (rows as sqlite3.Row)."""
        conn = sqlite3.connect(self.path, timeout=10)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=10000")
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write."""
        with self._lock, self.connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

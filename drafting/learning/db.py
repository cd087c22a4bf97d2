"""The learning tables, kept in the drafts' SQLite file but in their own schema (created idempotently)."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from datetime import UTC, datetime

from drafting.store import DraftStore

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
    """The learning tables, reached through the draft store's connections.

    Sharing DraftStore's connection and transaction helpers means one writer lock per process for the file, so
    an autosave and a feedback click never meet as "database is locked".
    """

    def __init__(self, store: DraftStore) -> None:
        self.store = store
        with self.transaction() as conn:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                conn.execute(statement)

    def connect(self) -> AbstractContextManager[sqlite3.Connection]:
        """A read connection (rows as sqlite3.Row)."""
        return self.store._connect()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One atomic write."""
        return self.store._transaction()




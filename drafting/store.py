"""SQLite store of drafts, in-progress edits and accepts (WAL, so a crash loses nothing committed)."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from drafting.errors import ValidationError
from drafting.models import Draft, StoredDraft

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted')),
    draft_json TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    commentary TEXT NOT NULL,
    source_text TEXT,
    batch_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    accepted_at TEXT,
    accepted_json TEXT
);
CREATE INDEX IF NOT EXISTS drafts_updated ON drafts (updated_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS drafts_batch ON drafts (batch_id);
"""


def _now() -> str:
    # Microseconds keep "newest first" exact when edits land within the same second.
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class DraftStore:
    """Drafts as rows: created pending, edited as the editor types, accepted once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection per call keeps Gradio's worker threads independent; the lock serialises writers
        # inside this process so autosaves never hit "database is locked".
        self._write_lock = threading.Lock()
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable across app crashes, fast autosave
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: committed entirely or rolled back."""
        with self._write_lock, self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    @staticmethod
    def _row(row: sqlite3.Row) -> StoredDraft:
        return StoredDraft(
            id=row["id"],
            status=row["status"],
            draft=Draft.model_validate_json(row["draft_json"]),
            title=row["title"],
            body=row["body"],
            commentary=row["commentary"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            batch_id=row["batch_id"],
        )

    def create(self, draft: Draft, *, batch_id: str | None = None, source_text: str | None = None) -> int:
        """Store a new pending draft; returns its id."""
        now = _now()
        with self._transaction() as conn:
            cur = conn.execute(
                "INSERT INTO drafts (status, draft_json, title, body, commentary, source_text, batch_id, created_at, updated_at)"
                " VALUES ('pending', ?, ?, ?, ?, ?, ?, ?, ?)",
                (draft.model_dump_json(), draft.item.title, draft.item.body, draft.commentary, source_text, batch_id, now, now),
            )
            draft_id = int(cur.lastrowid or 0)
        logger.debug("created draft %s", draft_id)
        return draft_id

    def _update(self, conn: sqlite3.Connection, draft_id: int, sql: str, params: tuple[object, ...]) -> None:
        cur = conn.execute(sql, params)
        if cur.rowcount == 0:
            raise ValidationError(f"草稿 #{draft_id} 不存在：请在「历史」页重新打开一份草稿，或重新起草。")

    def save_edit(self, draft_id: int, *, title: str, body: str, commentary: str) -> None:
        """Autosave the editor's current text."""
        with self._transaction() as conn:
            self._update(
                conn,
                draft_id,
                "UPDATE drafts SET title=?, body=?, commentary=?, updated_at=? WHERE id=?",
                (title, body, commentary, _now(), draft_id),
            )

    def set_draft(self, draft_id: int, draft: Draft) -> None:
        """Replace the machine draft of a row (another variant picked) and reset the text to it."""
        with self._transaction() as conn:
            self._update(
                conn,
                draft_id,
                "UPDATE drafts SET draft_json=?, title=?, body=?, commentary=?, updated_at=? WHERE id=?",
                (draft.model_dump_json(), draft.item.title, draft.item.body, draft.commentary, _now(), draft_id),
            )

    def accept(self, draft_id: int, *, title: str, body: str, commentary: str) -> StoredDraft:
        """Mark accepted with the final text (idempotent)."""
        now = _now()
        accepted = json.dumps({"title": title, "body": body, "commentary": commentary, "accepted_at": now}, ensure_ascii=False)
        with self._transaction() as conn:
            self._update(
                conn,
                draft_id,
                "UPDATE drafts SET status='accepted', title=?, body=?, commentary=?, updated_at=?,"
                " accepted_at=?, accepted_json=? WHERE id=?",
                (title, body, commentary, now, now, accepted, draft_id),
            )
            row = conn.execute("SELECT * FROM drafts WHERE id=?", (draft_id,)).fetchone()
        return self._row(row)

    def accepted_text(self, draft_id: int) -> dict[str, str] | None:
        """Title, body and 短评 as last accepted (autosaves after an accept do not change it); None if never accepted."""
        with self._connect() as conn:
            row = conn.execute("SELECT accepted_json FROM drafts WHERE id=?", (draft_id,)).fetchone()
        if row is None or not row["accepted_json"]:
            return None
        data: dict[str, str] = json.loads(row["accepted_json"])
        return data

    def get(self, draft_id: int) -> StoredDraft:
        """One draft; ValidationError when it does not exist."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM drafts WHERE id=?", (draft_id,)).fetchone()
        if row is None:
            raise ValidationError(f"草稿 #{draft_id} 不存在：请在「历史」页重新打开一份草稿，或重新起草。")
        return self._row(row)

    def source_text(self, draft_id: int) -> str | None:
        """The raw text the editor pasted for this draft, if any (the fact guard checks against it)."""
        with self._connect() as conn:
            row = conn.execute("SELECT source_text FROM drafts WHERE id=?", (draft_id,)).fetchone()
        return row["source_text"] if row else None

    def list(
        self, *, query: str | None = None, status: str | None = None, limit: int = 200, batch_id: str | None = None
    ) -> list[StoredDraft]:
        """Newest first, filtered by text and status."""
        if status not in (None, "", "pending", "accepted"):
            raise ValidationError(f"状态“{status}”无效：只能是 pending（待定）或 accepted（已采纳）。")
        where: list[str] = []
        params: list[object] = []
        if status:
            where.append("status = ?")
            params.append(status)
        if batch_id:
            where.append("batch_id = ?")
            params.append(batch_id)
        for term in (query or "").split():
            where.append("(title LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\' OR commentary LIKE ? ESCAPE '\\')")
            params.extend([_like(term)] * 3)
        sql = "SELECT * FROM drafts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY updated_at DESC, id DESC LIMIT ?"
        params.append(int(limit))
        with self._connect() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [self._row(r) for r in rows]

    def last_pending(self) -> StoredDraft | None:
        """The most recently edited pending draft, to offer reopening it after a restart."""
        rows = self.list(status="pending", limit=1)
        return rows[0] if rows else None

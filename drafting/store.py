"""SQLite store of drafts, in-progress edits and accepts (WAL, so a crash loses nothing committed)."""

from __future__ import annotations

import getpass
import json
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from drafting.errors import ConflictError, StorageError, ValidationError
from drafting.errors_zh import DISK_FULL, is_disk_full
from drafting.models import Draft, StoredDraft
from drafting.sqlitefile import SqliteFile
from drafting.textlimits import check_draft_id, check_lengths

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
CREATE TABLE IF NOT EXISTS issues (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL DEFAULT '',
    period TEXT NOT NULL DEFAULT '',
    editors TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT,
    published_at TEXT,
    published_by TEXT,
    published_path TEXT
);
CREATE TABLE IF NOT EXISTS issue_items (
    issue_id TEXT NOT NULL REFERENCES issues (id),
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    line INTEGER NOT NULL DEFAULT 0,
    draft_id INTEGER NOT NULL REFERENCES drafts (id),
    drafted INTEGER NOT NULL DEFAULT 0,
    ticked INTEGER NOT NULL DEFAULT 0,
    duplicates_json TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (issue_id, key)
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    draft_id INTEGER,
    issue_id TEXT,
    version INTEGER,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX IF NOT EXISTS audit_draft ON audit (draft_id, id);
CREATE INDEX IF NOT EXISTS audit_issue ON audit (issue_id, id);
"""

# Columns added after the first release: an older database gets them by ALTER TABLE at start-up.
_DRAFT_COLUMNS = {
    "version": "INTEGER NOT NULL DEFAULT 1",
    "review_state": "TEXT NOT NULL DEFAULT 'pending'",
    "updated_by": "TEXT",
    "accepted_by": "TEXT",
    "reviewed_by": "TEXT",
    "reviewed_at": "TEXT",
}
# Items moved out of an issue (deleted in a Word review) keep their row: removed_at/removed_by say when and by whom.
_ISSUE_ITEM_COLUMNS = {"removed_at": "TEXT", "removed_by": "TEXT"}


def _now() -> str:
    # Microseconds keep "newest first" exact when edits land within the same second.
    return datetime.now(UTC).isoformat(timespec="microseconds")


def local_user() -> str:
    """The OS user running this process: the actor recorded when nobody is logged in."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "本机用户"


def _text(row: sqlite3.Row) -> dict[str, str]:
    return {"title": row["title"], "body": row["body"], "commentary": row["commentary"]}


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class DraftStore:
    """Drafts as rows: created pending, edited as the editor types, accepted once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # synchronous NORMAL: with WAL, durable across app crashes, and fast enough to save as the editor types
        self._db = SqliteFile(self.path, _SCHEMA, busy_s=10, synchronous="NORMAL", failed=self._failed)
        self._connect = self._db.connect
        self._transaction = self._db.transaction
        with self._connect() as conn:
            self._migrate(conn)

    def _failed(self, exc: sqlite3.OperationalError) -> Exception | None:
        if is_disk_full(exc):  # SQLite's English "database or disk is full", said so the user can act
            return StorageError(f"无法保存到数据库 {self.path.name}：{DISK_FULL}；本次修改未保存")
        return None

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        """Add the columns a database made by an older version lacks (no data is rewritten)."""
        have = {r["name"] for r in conn.execute("PRAGMA table_info(drafts)")}
        for name, decl in _DRAFT_COLUMNS.items():
            if name not in have:
                conn.execute(f"ALTER TABLE drafts ADD COLUMN {name} {decl}")
        have = {r["name"] for r in conn.execute("PRAGMA table_info(issue_items)")}
        for name, decl in _ISSUE_ITEM_COLUMNS.items():
            if name not in have:
                conn.execute(f"ALTER TABLE issue_items ADD COLUMN {name} {decl}")
        conn.commit()

    @staticmethod
    def _row(row: sqlite3.Row) -> StoredDraft:
        names = ("id", "status", "title", "body", "commentary", "created_at", "updated_at", "batch_id", "version",
                 "review_state", "updated_by", "accepted_by", "reviewed_by", "accepted_at")
        return StoredDraft(draft=Draft.model_validate_json(row["draft_json"]), **{n: row[n] for n in names})

    @staticmethod
    def audit(
        conn: sqlite3.Connection, action: str, actor: str | None, *, draft_id: int | None = None,
        issue_id: str | None = None, version: int | None = None, before: object = None, after: object = None,
    ) -> None:
        """One audit row in the caller's transaction: who did what, when, with the text before and after."""
        dump = (lambda v: None if v is None else json.dumps(v, ensure_ascii=False))
        conn.execute(
            "INSERT INTO audit (at, actor, action, draft_id, issue_id, version, before_json, after_json)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (_now(), actor or local_user(), action, draft_id, issue_id, version, dump(before), dump(after)),
        )

    def _locked_row(self, conn: sqlite3.Connection, draft_id: int, expected: int | None,
                    text: dict[str, str] | None = None) -> sqlite3.Row:
        """The row to change; ConflictError when another page saved it since ``expected`` was read.

        A write of the very text already stored loses nothing, so it is let through whatever the version (a page's
        own autosave may land just before its 保存/采纳 click, which still carries the older version).
        """
        check_draft_id(draft_id)
        row = conn.execute("SELECT * FROM drafts WHERE id=?", (draft_id,)).fetchone()
        if row is None:
            raise ValidationError(f"草稿 #{draft_id} 不存在（可能已被删除）：请在「历史」页重新打开一份草稿，或重新起草。")
        if expected is not None and row["version"] != expected and (text is None or _text(row) != text):
            raise ConflictError(draft_id, yours_version=expected, stored_version=row["version"],
                                stored=_text(row), stored_by=row["updated_by"] or "")
        return row

    def _versioned(self, conn: sqlite3.Connection, draft_id: int, expected: int | None, sets: str,
                   params: tuple[object, ...], text: dict[str, str] | None = None) -> sqlite3.Row:
        """UPDATE … version=version+1 WHERE id=? AND version=?; tells "deleted" from "changed elsewhere"."""
        before = self._locked_row(conn, draft_id, expected, text)
        cur = conn.execute(f"UPDATE drafts SET {sets}, version=version+1 WHERE id=? AND version=?",
                           (*params, draft_id, before["version"]))
        if cur.rowcount == 0:  # another process wrote between our read and update (the lock is per process)
            self._locked_row(conn, draft_id, before["version"])
        return before

    def create(
        self, draft: Draft, *, batch_id: str | None = None, source_text: str | None = None, actor: str | None = None
    ) -> int:
        """Store a new pending draft; returns its id."""
        now = _now()
        with self._transaction() as conn:
            cur = conn.execute(
                "INSERT INTO drafts (status, draft_json, title, body, commentary, source_text, batch_id, created_at, updated_at,"
                " updated_by) VALUES ('pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (draft.model_dump_json(), draft.item.title, draft.item.body, draft.commentary, source_text, batch_id, now, now,
                 actor or local_user()),
            )
            draft_id = int(cur.lastrowid or 0)
            self.audit(conn, "create", actor, draft_id=draft_id, issue_id=batch_id, version=1,
                       after={"title": draft.item.title, "body": draft.item.body, "commentary": draft.commentary})
        logger.debug("created draft %s", draft_id)
        return draft_id

    def save_edit(
        self, draft_id: int, *, title: str, body: str, commentary: str, expected_version: int | None = None,
        actor: str | None = None,
    ) -> int:
        """Autosave the editor's current text; returns the new version.

        With ``expected_version`` (the version the page loaded) a save over someone else's newer save is refused
        with ConflictError, which carries the stored text: nothing is overwritten unseen.
        """
        after = {"title": title, "body": body, "commentary": commentary}
        with self._transaction() as conn:
            before = self._versioned(
                conn, draft_id, expected_version,
                "title=?, body=?, commentary=?, updated_at=?, updated_by=?,"
                " review_state=CASE WHEN review_state IN ('pending', 'reviewed') THEN 'edited' ELSE review_state END",
                (title, body, commentary, _now(), actor or local_user()), after,
            )
            self.audit(conn, "save", actor, draft_id=draft_id, issue_id=before["batch_id"],
                       version=before["version"] + 1, before=_text(before), after=after)
        return int(before["version"]) + 1

    def set_draft(self, draft_id: int, draft: Draft, *, expected_version: int | None = None,
                  actor: str | None = None) -> int:
        """Replace the machine draft of a row (another variant picked) and reset the text to it; the new version."""
        with self._transaction() as conn:
            before = self._versioned(
                conn, draft_id, expected_version,
                "draft_json=?, title=?, body=?, commentary=?, updated_at=?, updated_by=?",
                (draft.model_dump_json(), draft.item.title, draft.item.body, draft.commentary, _now(), actor or local_user()),
            )
            self.audit(conn, "variant", actor, draft_id=draft_id, issue_id=before["batch_id"],
                       version=before["version"] + 1, before=_text(before),
                       after={"title": draft.item.title, "body": draft.item.body, "commentary": draft.commentary})
        return int(before["version"]) + 1

    def accept(self, draft_id: int, *, title: str, body: str, commentary: str, expected_version: int | None = None,
               actor: str | None = None, action: str = "accept") -> StoredDraft:
        """Mark accepted with the final text (idempotent); refused from a stale page like save_edit."""
        check_lengths(f"草稿 #{draft_id}", title=title, body=body, commentary=commentary)
        now = _now()
        who = actor or local_user()
        accepted = json.dumps({"title": title, "body": body, "commentary": commentary, "accepted_at": now,
                               "accepted_by": who}, ensure_ascii=False)
        with self._transaction() as conn:
            before = self._versioned(
                conn, draft_id, expected_version,
                "status='accepted', title=?, body=?, commentary=?, updated_at=?, accepted_at=?, accepted_json=?,"
                " updated_by=?, accepted_by=?",
                (title, body, commentary, now, now, accepted, who, who),
                {"title": title, "body": body, "commentary": commentary},
            )
            self.audit(conn, action, who, draft_id=draft_id, issue_id=before["batch_id"], version=before["version"] + 1,
                       before=_text(before), after={"title": title, "body": body, "commentary": commentary})
            row = conn.execute("SELECT * FROM drafts WHERE id=?", (draft_id,)).fetchone()
        return self._row(row)

    def text_at(self, draft_id: int, version: int) -> dict[str, str] | None:
        """Title, body and 短评 as they were at ``version`` (from the audit trail); None when not recorded."""
        with self._connect() as conn:
            row = conn.execute("SELECT after_json FROM audit WHERE draft_id=? AND version=? AND after_json IS NOT NULL"
                               " ORDER BY id DESC LIMIT 1", (draft_id, version)).fetchone()
        if row is None:
            return None
        data = json.loads(row["after_json"])
        if not isinstance(data, dict) or not {"title", "body", "commentary"} <= set(data):
            return None
        return {k: str(data[k] or "") for k in ("title", "body", "commentary")}

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
        check_draft_id(draft_id)
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

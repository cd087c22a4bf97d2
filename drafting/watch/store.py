"""The inbox's memory: every entry the watch found, its links, its status, and each source's polling state.

One SQLite file in the data folder (``<data_dir>/watch.sqlite3``): derived state, rebuilt by polling again. An entry
is one document however many sites list it: the same URL, a title that reads the same once spacing and
punctuation are set aside, or the same ``Scored.document_key`` (triage's own judgement) joins the entry that holds it
and adds its link. ``add`` is idempotent, so a run killed
between polling and storing simply finds the same entries again next time and offers none of them twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import sqlite3
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import get_args
from urllib.parse import urlsplit, urlunsplit

from drafting.errors import StorageError, ValidationError
from drafting.sqlitefile import SqliteFile
from drafting.watch.entry import EntryStatus, InboxEntry, RawEntry, Scored

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    published TEXT,
    first_seen TEXT NOT NULL,
    document_key TEXT,
    relevance REAL NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    section TEXT,
    profile TEXT NOT NULL DEFAULT '{}',
    duplicate_of TEXT,
    status TEXT NOT NULL DEFAULT 'new',
    issue_id TEXT,
    decided_at TEXT
);
CREATE INDEX IF NOT EXISTS entries_status ON entries(status, relevance);
CREATE TABLE IF NOT EXISTS links (
    url TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES entries(id),
    source_id TEXT NOT NULL,
    seen_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS links_entry ON links(entry_id);
CREATE TABLE IF NOT EXISTS doc_keys (
    key TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL REFERENCES entries(id)
);
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    last_polled TEXT,
    last_ok TEXT,
    next_due TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
"""

_STATUSES: tuple[str, ...] = get_args(EntryStatus)
_STATUS_ZH = {"new": "新", "added": "已加入本期", "ignored": "已忽略", "later": "稍后"}
# A title shorter than this (after normalising) is too generic ("通知", "公告") to say two links are one document.
_MIN_DOC_KEY = 8


def canonical_url(url: str) -> str:
    """The form links are compared in: scheme and host lower-cased, default port and fragment dropped."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in {("http", 80), ("https", 443)} else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def doc_key(title: str) -> str | None:
    """The title with width, spacing and punctuation set aside: two sites' listings of one document share it."""
    text = unicodedata.normalize("NFKC", title).lower()
    key = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")
    return key if len(key) >= _MIN_DOC_KEY else None


def entry_id(url: str) -> str:
    """Stable id from the first link: the same entry gets the same id in every run (a re-run after a crash too)."""
    return "w" + hashlib.sha1(canonical_url(url).encode("utf-8")).hexdigest()[:11]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclasses.dataclass(frozen=True)
class SourceState:
    """What polling remembers of a source between runs."""

    id: str
    etag: str | None = None
    last_modified: str | None = None
    last_polled: dt.datetime | None = None
    last_ok: dt.datetime | None = None  # a run that read the source succeeded: the source counts as verified
    next_due: dt.datetime | None = None
    failures: int = 0  # consecutive; sets the back-off
    last_error: str | None = None


def _when(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


class WatchStore:
    """Entries found by the watch, their links, the editors' decisions, the sources' polling state."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # synchronous FULL: a run killed mid-way must not lose a committed entry; 30 s: cron may run beside the app
        self._db = SqliteFile(self.path, _SCHEMA, busy_s=30, synchronous="FULL", failed=lambda exc: StorageError(
            f"无法写入收件箱数据库 {self.path.name}：{exc}；本次结果未保存，下次运行会重新读取"))
        self._connect = self._db.connect
        self._transaction = self._db.transaction

    # --- entries -------------------------------------------------------------------------------------------------

    def add(self, found: Sequence[tuple[RawEntry, Scored]]) -> list[str]:
        """Store what a run found; return the ids of entries that are new (a known URL or document only adds its link)."""
        new: list[str] = []
        now = _now()
        with self._transaction() as conn:
            for raw, scored in found:
                url = canonical_url(raw.url)
                if conn.execute("SELECT 1 FROM links WHERE url = ?", (url,)).fetchone():
                    continue
                keys = [k for k in (f"t:{doc_key(raw.title) or ''}", f"d:{scored.document_key or ''}") if len(k) > 2]
                same = self._entry_by_keys(conn, keys)
                if same is not None:
                    conn.execute("INSERT INTO links(url, entry_id, source_id, seen_at) VALUES (?, ?, ?, ?)",
                                 (url, same, raw.source_id, now))
                    conn.executemany("INSERT OR IGNORE INTO doc_keys(key, entry_id) VALUES (?, ?)", [(k, same) for k in keys])
                    continue
                eid = entry_id(url)
                conn.execute(
                    "INSERT INTO entries(id, title, url, summary, published, first_seen, document_key, relevance, reason,"
                    " section, profile, duplicate_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (eid, raw.title, url, raw.summary, raw.published.isoformat() if raw.published else None, now,
                     scored.document_key,
                     float(scored.relevance), scored.reason, scored.section,
                     json.dumps(scored.profile, ensure_ascii=False, default=str), scored.duplicate_of),
                )
                conn.execute("INSERT INTO links(url, entry_id, source_id, seen_at) VALUES (?, ?, ?, ?)",
                             (url, eid, raw.source_id, now))
                conn.executemany("INSERT OR IGNORE INTO doc_keys(key, entry_id) VALUES (?, ?)", [(k, eid) for k in keys])
                new.append(eid)
        return new

    @staticmethod
    def _entry_by_keys(conn: sqlite3.Connection, keys: Sequence[str]) -> str | None:
        """The entry holding any of these document keys (title or triage's key), if one does."""
        for key in keys:
            row = conn.execute("SELECT entry_id FROM doc_keys WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return str(row["entry_id"])
        return None

    def _entries(self, conn: sqlite3.Connection, where: str, params: tuple[object, ...], limit: int) -> list[InboxEntry]:
        rows = conn.execute(
            f"SELECT * FROM entries {where} ORDER BY relevance DESC, published DESC, first_seen, id LIMIT ?",
            (*params, limit),
        ).fetchall()
        links: dict[str, list[sqlite3.Row]] = {}
        ids = [r["id"] for r in rows]
        for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for link in conn.execute(f"SELECT * FROM links WHERE entry_id IN ({marks}) ORDER BY seen_at, rowid", chunk):
                links.setdefault(link["entry_id"], []).append(link)
        return [self._entry(r, links.get(r["id"], [])) for r in rows]

    @staticmethod
    def _entry(row: sqlite3.Row, links: list[sqlite3.Row]) -> InboxEntry:
        urls = [row["url"]] + [lk["url"] for lk in links if lk["url"] != row["url"]]
        sources = list(dict.fromkeys(lk["source_id"] for lk in links))
        return InboxEntry(
            id=row["id"], title=row["title"], url=row["url"], links=tuple(urls), sources=tuple(sources),
            published=dt.date.fromisoformat(row["published"]) if row["published"] else None,
            first_seen=dt.datetime.fromisoformat(row["first_seen"]),
            scored=Scored(relevance=row["relevance"], reason=row["reason"], section=row["section"],
                          profile=json.loads(row["profile"] or "{}"), duplicate_of=row["duplicate_of"]),
            status=row["status"], issue_id=row["issue_id"], summary=row["summary"],
        )

    def entries(self, status: EntryStatus | None = "new", limit: int = 200) -> list[InboxEntry]:
        """Entries with that status (None: all), most relevant first."""
        with self._connect() as conn:
            if status is None:
                return self._entries(conn, "", (), limit)
            return self._entries(conn, "WHERE status = ?", (self._status(status),), limit)

    def get(self, entry_id: str) -> InboxEntry:
        """One entry by id; ValidationError when the inbox has no such entry."""
        with self._connect() as conn:
            found = self._entries(conn, "WHERE id = ?", (entry_id,), 1)
        if not found:
            raise ValidationError(f"收件箱中没有条目 {entry_id[:40]}：请刷新收件箱后重试")
        return found[0]

    def get_many(self, ids: Sequence[str]) -> list[InboxEntry]:
        """These entries (unknown ids left out), most relevant first."""
        found: list[InboxEntry] = []
        with self._connect() as conn:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start:start + 500])
                found.extend(self._entries(conn, f"WHERE id IN ({','.join('?' * len(chunk))})", tuple(chunk), len(chunk)))
        return sorted(found, key=lambda e: -e.scored.relevance)

    @staticmethod
    def _status(status: str) -> str:
        if status not in _STATUSES:
            raise ValidationError(f"条目状态「{status[:20]}」无效：可用 {', '.join(_STATUSES)}")
        return status

    def set_status(self, entry_id: str, status: EntryStatus, issue_id: str | None = None) -> None:
        """Remember an editor's decision (加入本期 with the issue, 忽略, 稍后) or put an entry back to new."""
        self._status(status)
        if status == "added" and not issue_id:
            raise ValidationError("加入本期需要选择一期进行中的期刊")
        with self._transaction() as conn:
            done = conn.execute(
                "UPDATE entries SET status = ?, issue_id = ?, decided_at = ? WHERE id = ?",
                (status, issue_id if status == "added" else None, None if status == "new" else _now(), entry_id),
            )
            if done.rowcount == 0:
                raise ValidationError(f"收件箱中没有条目 {entry_id[:40]}：请刷新收件箱后重试")

    def count_new(self, min_relevance: float) -> int:
        """New entries at least this relevant that nothing already holds (the number on the 收件箱 tab)."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM entries WHERE status = 'new' AND duplicate_of IS NULL AND relevance >= ?",
                (min_relevance,),
            ).fetchone()
        return int(row[0])

    def decisions(self) -> list[InboxEntry]:
        """Entries editors added, ignored or put off, latest decision first: what triage learns from."""
        with self._connect() as conn:
            rows = conn.execute("SELECT id FROM entries WHERE status != 'new' ORDER BY decided_at DESC").fetchall()
            order = {r["id"]: n for n, r in enumerate(rows)}
            found = self._entries(conn, "WHERE status != 'new'", (), max(len(rows), 1))
        return sorted(found, key=lambda e: order[e.id])

    def seen(self, url: str) -> bool:
        """Whether any run already stored this link (polling skips it before triage fetches it)."""
        with self._connect() as conn:
            return conn.execute("SELECT 1 FROM links WHERE url = ?", (canonical_url(url),)).fetchone() is not None

    def seen_many(self, urls: Sequence[str]) -> set[str]:
        """The links among these already stored, as given (one query per 500 links, for lists of hundreds)."""
        by_canon = {canonical_url(u): u for u in urls}
        keys = list(by_canon)
        found: set[str] = set()
        with self._connect() as conn:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                marks = ",".join("?" * len(chunk))
                found.update(by_canon[r["url"]] for r in conn.execute(f"SELECT url FROM links WHERE url IN ({marks})", chunk))
        return found

    @staticmethod
    def status_label(status: str) -> str:
        """The status in Chinese, for lists and the inbox."""
        return _STATUS_ZH.get(status, status)

    # --- sources' polling state -----------------------------------------------------------------------------------

    def source_state(self, source_id: str) -> SourceState:
        """The polling state of a source (empty for one never polled)."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM sources WHERE id = ?", (source_id,)).fetchone()
        if row is None:
            return SourceState(id=source_id)
        return SourceState(
            id=row["id"], etag=row["etag"], last_modified=row["last_modified"], last_polled=_when(row["last_polled"]),
            last_ok=_when(row["last_ok"]), next_due=_when(row["next_due"]), failures=row["failures"],
            last_error=row["last_error"],
        )

    def record_poll(self, state: SourceState) -> None:
        """Save a source's state after its entries are stored (never before: a validator saved first would turn the
        next run's request into a 304 and the entries of a run killed in between would be lost)."""
        iso = (lambda d: d.isoformat(timespec="seconds") if d else None)
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO sources(id, etag, last_modified, last_polled, last_ok, next_due, failures, last_error)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET etag = excluded.etag,"
                " last_modified = excluded.last_modified, last_polled = excluded.last_polled,"
                " last_ok = excluded.last_ok, next_due = excluded.next_due, failures = excluded.failures,"
                " last_error = excluded.last_error",
                (state.id, state.etag, state.last_modified, iso(state.last_polled), iso(state.last_ok),
                 iso(state.next_due), state.failures, state.last_error),
            )

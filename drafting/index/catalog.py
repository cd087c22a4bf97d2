"""A local copy of what start-up needs from the index (item id, content hash, profile version, item JSON), so a
restart at 100k items reads SQLite instead of every Chroma record (the slow part of start-up).

Derived data in the data folder, like the lexical segment: deleting the file only costs one full read of the index.
It is trusted only while it provably matches the index: the writers that change Chroma update it in the same step
as they stamp the generation marker (drafting/index/chroma.py), with a compare-and-swap on that marker, and a write in
flight (or a writer that died mid-write) leaves a pending row that makes the copy untrusted until it is rebuilt.
"""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

# How long opening waits for another connection's lock (sqlite's busy timeout) before this process does without the
# catalog: a start-up should not stall behind a long write, and a locked file is not a damaged one.
OPEN_BUSY_SECONDS = 5.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (collection TEXT NOT NULL, id TEXT NOT NULL, hash TEXT NOT NULL,
    profile_version TEXT NOT NULL, item_json TEXT, seq INTEGER NOT NULL, PRIMARY KEY (collection, id));
CREATE TABLE IF NOT EXISTS meta (collection TEXT PRIMARY KEY, collection_id TEXT NOT NULL, generation TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0, base INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS pending (token TEXT PRIMARY KEY, collection TEXT NOT NULL, host TEXT NOT NULL,
    pid INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class Row:
    """One indexed item as start-up needs it."""

    id: str
    hash: str
    profile_version: str
    item_json: str


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class ItemCatalog:
    """The catalog of one Chroma collection in a SQLite file (several collections may share the file)."""

    def __init__(self, path: Path, collection: str) -> None:
        self.path = path
        self.collection = collection
        self.host = socket.gethostname()
        self.usable = self._open()

    def _open(self, *, again: bool = True) -> bool:
        """Create or check the file. Only a damaged file is discarded; a locked one is left for its holder."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect(timeout=OPEN_BUSY_SECONDS)) as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(SCHEMA)
                db.execute("SELECT count(*) FROM meta").fetchone()
            return True
        except sqlite3.OperationalError:
            # Locked or busy past the timeout (another process mid-write, an exclusive lock), or a read-only folder:
            # the file may be valid, and rebuilding it costs a full read of the index, so it stays for the others.
            logger.warning("item catalog %s unavailable; this process reads the index instead", self.path, exc_info=True)
            return False
        except sqlite3.DatabaseError:  # not a database, malformed: derived data, so removed and rebuilt
            logger.warning("item catalog %s damaged; it is rebuilt from the index", self.path, exc_info=True)
            return again and self._discard() and self._open(again=False)
        except (OSError, sqlite3.Error):
            logger.warning("item catalog %s unusable; start-up reads the index instead", self.path, exc_info=True)
            return False

    def _discard(self) -> bool:
        """A damaged file is derived data: removed, so it is rebuilt from the index."""
        try:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        except OSError:
            return False
        return True

    def _connect(self, timeout: float = 30) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=timeout, isolation_level=None)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write-locked transaction: readers get a snapshot, a writer's commit lands wholly or not at all."""
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def begin(self) -> str | None:
        """Announce a write to the index (before it touches Chroma); the token is given back to commit or abort."""
        if not self.usable:
            return None
        token = uuid.uuid4().hex
        try:
            with closing(self._connect()) as db:
                db.execute("INSERT INTO pending VALUES (?, ?, ?, ?)", (token, self.collection, self.host, os.getpid()))
        except sqlite3.Error:
            logger.warning("item catalog: could not announce a write", exc_info=True)
            self._invalidate()
            return None
        return token

    def commit(self, token: str | None, *, upserts: Iterable[Row] = (), removed: Iterable[str] = (),
               clear: bool = False, collection_id: str, previous: str | None, generation: str | None) -> int | None:
        """Apply a finished write; returns the catalog's new seq. The copy stays trusted only if it matched the index
        before the write (its generation was `previous`, the marker this writer replaced) and the new marker is known."""
        if token is None:
            self._invalidate()
            return None
        try:
            with self._transaction() as db:
                meta = db.execute("SELECT collection_id, generation, seq, base FROM meta WHERE collection = ?",
                                  (self.collection,)).fetchone()
                seq = (meta[2] if meta else 0) + 1
                base = seq if clear or meta is None else meta[3]
                if clear:
                    db.execute("DELETE FROM items WHERE collection = ?", (self.collection,))
                db.executemany(
                    "INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?, ?)",
                    [(self.collection, r.id, r.hash, r.profile_version, r.item_json, seq) for r in upserts])
                # A removal keeps a tombstone (item_json NULL) so readers following by seq see it.
                db.executemany("INSERT OR REPLACE INTO items VALUES (?, ?, '', '', NULL, ?)",
                               [(self.collection, rid, seq) for rid in removed])
                # Another write in flight may land in Chroma before or after this one while stamping in the other
                # order, so the rows could end up older than the index: only a writer alone keeps the copy trusted.
                others = db.execute("SELECT count(*) FROM pending WHERE collection = ? AND token != ?",
                                    (self.collection, token)).fetchone()[0]
                # An empty marker means "untrusted" as well as "never stamped": it never vouches for the copy.
                matched = not others and (clear or (meta is not None and meta[0] == collection_id
                                                    and meta[1] == previous and bool(previous)))
                stamp = generation if (matched and generation) else ""
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?, ?, ?, ?)",
                           (self.collection, collection_id, stamp, seq, base))
                db.execute("DELETE FROM pending WHERE token = ?", (token,))
        except sqlite3.Error:
            logger.warning("item catalog: could not record a write; it is rebuilt from the index", exc_info=True)
            self._invalidate(token)  # the rollback restored our pending row: left there, it would stall every reader
            return None
        return seq

    def abort(self, token: str | None) -> None:
        """A write failed midway: Chroma may hold part of it, so the copy is no longer trusted."""
        self._invalidate(token)

    def _invalidate(self, token: str | None = None) -> None:
        try:
            with closing(self._connect()) as db:
                db.execute("UPDATE meta SET generation = '' WHERE collection = ?", (self.collection,))
                if token:
                    db.execute("DELETE FROM pending WHERE token = ?", (token,))
        except sqlite3.Error:
            logger.warning("item catalog: could not mark it stale", exc_info=True)

    def _busy(self, db: sqlite3.Connection) -> bool:
        """A write is in flight; pending rows of processes of this host that died are dropped on the way."""
        busy = False
        for token, host, pid in db.execute("SELECT token, host, pid FROM pending WHERE collection = ?", (self.collection,)).fetchall():
            if host == self.host and not _alive(pid):
                # Its Chroma write may be half done: the copy stays untrusted (generation cleared) until rebuilt.
                db.execute("DELETE FROM pending WHERE token = ?", (token,))
                db.execute("UPDATE meta SET generation = '' WHERE collection = ?", (self.collection,))
            else:
                busy = True
        return busy

    def writing(self) -> bool:
        """A write to the index is in flight (this process's or another's on this data folder); True when unknown."""
        if not self.usable:
            return True
        try:
            with self._transaction() as db:
                return self._busy(db)
        except sqlite3.Error:
            return True

    def _matching(self, db: sqlite3.Connection, collection_id: str, generation: str) -> tuple[int, int] | None:
        """(seq, base) when the copy matches the index at this generation and no write is in flight."""
        busy = self._busy(db)
        meta = db.execute("SELECT collection_id, generation, seq, base FROM meta WHERE collection = ?",
                          (self.collection,)).fetchone()
        if busy or meta is None or meta[0] != collection_id or meta[1] != generation:
            return None
        return int(meta[2]), int(meta[3])

    def rows(self, *, collection_id: str, generation: str, count: int) -> tuple[list[Row], int] | None:
        """Every live row and the catalog's seq, if the copy matches the index (same collection, generation marker
        and number of records, no write in flight); None when it must be rebuilt."""
        if not self.usable or not generation:
            return None
        try:
            with self._transaction() as db:
                meta = self._matching(db, collection_id, generation)
                if meta is None:
                    return None
                rows = [Row(*r) for r in db.execute(
                    "SELECT id, hash, profile_version, item_json FROM items WHERE collection = ? AND item_json IS NOT NULL",
                    (self.collection,))]
                seq = meta[0]
        except sqlite3.Error:
            logger.warning("item catalog %s unreadable; reading the index instead", self.path, exc_info=True)
            return None
        if len(rows) != count:
            logger.info("item catalog holds %d items, the index %d: rebuilding it", len(rows), count)
            return None
        return rows, seq

    def changes_since(self, seq: int, *, collection_id: str, generation: str) -> tuple[list[Row], list[str], int] | None:
        """Rows written and ids removed after `seq`, and the new seq, if the copy matches the index; else None."""
        if not self.usable or not generation:
            return None
        try:
            with self._transaction() as db:
                meta = self._matching(db, collection_id, generation)
                if meta is None or seq < meta[1]:
                    return None  # seq < base: rewritten since, tombstones of that time are gone
                got = db.execute("SELECT id, hash, profile_version, item_json FROM items WHERE collection = ? AND seq > ?",
                                 (self.collection, seq)).fetchall()
                new_seq = meta[0]
        except sqlite3.Error:
            return None
        upserts = [Row(*r) for r in got if r[3] is not None]
        removed = [r[0] for r in got if r[3] is None]
        return upserts, removed, new_seq

    def replace(self, rows: list[Row], *, collection_id: str, generation: str) -> int:
        """Store a full read of the index made at this generation (read before the records); returns the new seq.
        Trusted only if no write started meanwhile (a pending row): otherwise kept, but untrusted."""
        if not self.usable:
            return 0
        try:
            with self._transaction() as db:
                busy = self._busy(db)
                meta = db.execute("SELECT seq FROM meta WHERE collection = ?", (self.collection,)).fetchone()
                seq = (meta[0] if meta else 0) + 1
                db.execute("DELETE FROM items WHERE collection = ?", (self.collection,))
                db.executemany("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?)",
                               [(self.collection, r.id, r.hash, r.profile_version, r.item_json, seq) for r in rows])
                db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?, ?, ?, ?)",
                           (self.collection, collection_id, "" if busy else generation, seq, seq))
        except sqlite3.Error:
            logger.warning("item catalog: could not store it; the next start reads the index again", exc_info=True)
            return 0
        return seq

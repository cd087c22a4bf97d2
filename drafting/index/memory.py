"""The index's item vectors in memory, kept in step with Chroma: exact dense search and MMR without a Chroma call.

Read once in the background (inline for a small archive), then followed change by change through the index's change
log; a table that falls short of Chroma's count is not used for exact search, and is read again once if it stays so.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Protocol

import numpy as np

from drafting.index import reading
from drafting.index.embeddings import Embedder
from drafting.index.records import chunks
from drafting.index.vectors import Columns, VectorTable, VectorView
from drafting.models import Item

logger = logging.getLogger(__name__)


def item_columns(item: Item) -> Columns:
    return Columns.of(item.section, item.date, bool(item.commentary))


def columns_of(meta: dict[str, Any]) -> Columns:
    return Columns.of(str(meta["section"]), int(meta.get("date_int") or 0), bool(meta.get("has_commentary")))


class IndexReads(Protocol):
    """What the vectors in memory read from the index they follow (drafting/index/chroma.py's VectorIndex)."""

    embedder: Embedder
    version: int

    def check_fresh(self, max_age: float | None = None) -> bool: ...
    def count(self) -> int: ...
    def changes_since(self, version: int) -> list[tuple[list[Item], list[str]]] | None: ...
    def items(self) -> list[Item]: ...
    def read(self, **kwargs: Any) -> Any: ...
    def writing(self) -> bool: ...


class MemoryVectors:
    """The vectors of one index in memory, with what they have caught up with."""

    def __init__(self, index: IndexReads) -> None:
        self.index = index
        self._table: VectorTable | None = None
        self._version = 0  # the index version the table has caught up with
        self._stale: dict[str, Columns] = {}  # ids written since the table's rows were read: fetch these
        self._complete = False  # its live rows match Chroma's count at _version: exact search may use it
        self._short_at: int | None = None  # the version at which the table was first seen short of Chroma
        self._forced = False  # a count mismatch already forced a reload since the table last matched (never loop)
        self._failed_at = -1e9  # monotonic time of the last failed load: not retried on every search
        self._loader: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def table(self) -> VectorTable | None:
        return self._table

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors of the given items (for MMR and duplicate checks): from memory, else from Chroma."""
        if not ids:
            return {}
        view, _ = self.view()
        found = view.get(ids) if view is not None else {}
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:
            got = self.index.read(ids=missing, include=["embeddings"])
            if got["embeddings"] is not None:
                found.update((rid, np.asarray(v, dtype=np.float32)) for rid, v in zip(got["ids"], got["embeddings"]))
        return {rid: found[rid] for rid in ids if rid in found}

    def wait_vectors(self) -> bool:
        """Load the vectors into memory now if they are not (benchmarks, tests); True when exact search can use them."""
        return self.view(wait=True)[1]

    def view(self, *, wait: bool = False) -> tuple[VectorView | None, bool]:
        """The vectors in memory at the index's current state (None while they are still loading), and whether they
        are all of the index's, so exact search may use them."""
        self.index.check_fresh()
        with self._lock:
            missing = self._table is None
            loader = self._start_loading() if missing else None
        if missing:
            if loader is None or not (wait or self.index.count() <= reading.INLINE_REBUILD_MAX):
                return None, False
            loader.join()
        with self._lock:
            table = self._table
            if table is None:  # the load failed (logged) or another reload was asked for meanwhile
                return None, False
            version = self.index.version
            if self._version != version:
                changes = self.index.changes_since(self._version)
                if changes is None:  # too far behind or an unknown change: read everything again
                    self._table = None
                    self._start_loading()
                    return None, False
                for items, removed in changes:
                    table.remove(removed)
                    for rid in removed:
                        self._stale.pop(rid, None)
                    self._stale.update((i.id, item_columns(i)) for i in items)
                self._version = version
                self._complete = False
            if self._stale:
                self._fetch_stale(table)
            if not self._complete and self.index.version == version:
                self._check_complete(table, version)
            return table.view(), self._complete

    def _check_complete(self, table: VectorTable, version: int) -> None:
        """Exact search may use the table only while it holds as many rows as Chroma (call with _table_lock)."""
        have, count = table.view().count, self.index.count()
        self._complete = have == count
        if self._complete:
            self._short_at, self._forced = None, False
            return
        # Short: most often a write in flight (an ingest writes Chroma batch by batch before it logs its change), so
        # searches ask Chroma meanwhile and nothing is reloaded. Still short at a later version with no write in
        # flight means rows the change log never saw (a writer that died mid-write, a load that paged past a row
        # removed meanwhile): the vectors are read again, once until they match.
        if self._short_at is None:
            self._short_at = version
        elif self._short_at < version and not self._forced and not self.index.writing():
            logger.warning("item vectors in memory (%d) differ from the index (%d): reading them again", have, count)
            self._forced = True
            self._table = None
            self._start_loading()

    def _fetch_stale(self, table: VectorTable) -> None:
        """Read the vectors of items written since the table was read (a handful per accept or ingest)."""
        stale = dict(self._stale)
        for chunk in chunks(list(stale), reading.READ_PAGE):
            got = self.index.read(ids=chunk, include=["embeddings"])
            ids = list(got["ids"])
            if ids and got["embeddings"] is not None:
                table.put(ids, np.asarray(got["embeddings"], dtype=np.float32), [stale[rid] for rid in ids])
            found = set(ids)
            table.remove([rid for rid in chunk if rid not in found])  # gone from Chroma meanwhile
        for rid in stale:
            self._stale.pop(rid, None)

    def _start_loading(self) -> threading.Thread | None:
        """Start reading every vector into a new table, unless a read is already running (call with _table_lock)."""
        if (self._loader is None or not self._loader.is_alive()) and \
                time.monotonic() - self._failed_at > reading.RETRY_AFTER_FAILURE:
            self._loader = threading.Thread(target=self._load_table, name="vector-load", daemon=True)
            self._loader.start()
        return self._loader

    def _load_table(self) -> None:
        try:
            version = self.index.version  # before reading: what is written meanwhile is followed from the change log
            columns = {i.id: item_columns(i) for i in self.index.items()}
            table = VectorTable(int(self.index.embedder.dim), capacity=len(columns) + 1024)
            for got in reading.pages(self.index.read, ["embeddings"]):
                ids = list(got["ids"])
                unknown = [rid for rid in ids if rid not in columns]
                if unknown:  # written after the item list was read, or never logged: its own metadata says
                    meta = self.index.read(ids=unknown, include=["metadatas"])
                    columns.update((rid, columns_of(m)) for rid, m in zip(meta["ids"], meta["metadatas"] or []) if m)
                keep = [n for n, rid in enumerate(ids) if rid in columns]
                if keep and got["embeddings"] is not None:
                    embs = np.asarray(got["embeddings"], dtype=np.float32)[keep]
                    table.put([ids[n] for n in keep], embs, [columns[ids[n]] for n in keep])
        except Exception:  # an optimisation: searches keep asking Chroma
            logger.warning("could not load the item vectors into memory; searches ask the index", exc_info=True)
            self._failed_at = time.monotonic()
            return
        with self._lock:
            self._table, self._version = table, version
            self._stale, self._complete = {}, False
        logger.info("item vectors in memory: %d rows", table.view().count)

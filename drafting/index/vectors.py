"""The index's item vectors held in memory: exact dense search and the vectors MMR needs, without a Chroma call.

At 10k items a Chroma query costs 2–4 ms of fixed overhead (its plan executor, the Rust → Python response) and
returning the candidates' vectors for MMR doubles that, while an exact scan of a 10k × 384 float32 matrix takes
well under a millisecond (docs/scaling.md). The vectors stay Chroma's: this is a copy, loaded once and then kept
up to date from the index's change log, so a restart or a lost copy only costs one read of the vectors.

Every search reads one immutable view (its own live flags and id → row map over shared append-only arrays), so a
concurrent accept never shows it an item twice or not at all.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from drafting.index.records import date_int
from drafting.models import SECTIONS, Item, SearchFilters


def filter_mask(section: np.ndarray, date: np.ndarray, commentary: np.ndarray, filters: SearchFilters | None) -> np.ndarray:
    """Rows passing the filters, over column arrays of section index, YYYYMMDD (0 = undated) and has-commentary:
    the same restrictions as records.where_clause, vectorised (100k rows in well under a millisecond)."""
    ok = np.ones(len(section), dtype=bool)
    if filters is None:
        return ok
    if filters.section:
        ok &= section == SECTIONS.index(filters.section)
    if filters.has_commentary is not None:
        ok &= commentary == filters.has_commentary
    if filters.date_from or filters.date_to:
        ok &= date > 0  # an undated (近日) item cannot be shown to fall inside a range
        if filters.date_from:
            ok &= date >= date_int(filters.date_from)
        if filters.date_to:
            ok &= date <= date_int(filters.date_to, end=True)
    return ok


def column_arrays(items: list[Item]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Section index, YYYYMMDD (0 = undated) and has-commentary of these items, as filter_mask reads them."""
    return (np.array([SECTIONS.index(i.section) for i in items], dtype=np.int8),
            np.array([date_int(i.date) if i.date else 0 for i in items], dtype=np.int64),
            np.array([bool(i.commentary) for i in items], dtype=bool))


@dataclass(frozen=True)
class Columns:
    """One row's filterable fields, as stored in Chroma's metadata."""

    section: int
    date: int
    commentary: bool

    @classmethod
    def of(cls, section: str, date: str | int | None, commentary: bool) -> Columns:
        day = date if isinstance(date, int) else (date_int(date) if date else 0)
        return cls(SECTIONS.index(section), day, bool(commentary))


@dataclass(frozen=True)
class VectorView:
    """Rows [0, size) of the table as they were when the view was taken."""

    matrix: np.ndarray  # (size, dim) float32, L2-normalised
    live: np.ndarray  # this view's own copy: a later replace or remove never changes it
    row: dict[str, int]  # this view's own copy too
    ids: list[str]  # shared and append-only: rows below size never change
    section: np.ndarray
    date: np.ndarray
    commentary: np.ndarray
    count: int  # live rows

    def nearest(self, query: np.ndarray, n: int, filters: SearchFilters | None = None) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the n nearest live rows passing the filters, best first (exact)."""
        if n <= 0 or not self.count:
            return []
        cand = np.flatnonzero(self.live & filter_mask(self.section, self.date, self.commentary, filters))
        if not len(cand):
            return []
        # Every row, dead ones too: one product over the matrix is cheaper than gathering the passing rows first.
        sims = (self.matrix @ np.asarray(query, dtype=np.float32))[cand]
        top = np.argpartition(-sims, n - 1)[:n] if len(cand) > n else np.arange(len(cand))
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(self.ids[cand[i]], float(sims[i])) for i in top]

    def get(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Vectors of those ids that are live in this view."""
        out = {}
        for rid in ids:
            r = self.row.get(rid)
            if r is not None:
                out[rid] = self.matrix[r]
        return out


class VectorTable:
    """Append-only float32 rows with live flags; replacing an item kills its old row and appends a new one."""

    def __init__(self, dim: int, capacity: int = 1024) -> None:
        self.dim = dim
        self._lock = threading.Lock()
        self._matrix = np.zeros((capacity, dim), dtype=np.float32)
        self._section = np.zeros(capacity, dtype=np.int8)
        self._date = np.zeros(capacity, dtype=np.int64)
        self._commentary = np.zeros(capacity, dtype=bool)
        self._ids: list[str] = []
        self._view = self._make_view(np.zeros(0, dtype=bool), {})

    def view(self) -> VectorView:
        return self._view

    def _make_view(self, live: np.ndarray, row: dict[str, int]) -> VectorView:
        size = len(live)
        return VectorView(matrix=self._matrix[:size], live=live, row=row, ids=self._ids,
                          section=self._section[:size], date=self._date[:size], commentary=self._commentary[:size],
                          count=len(row))

    def put(self, ids: list[str], vectors: np.ndarray, columns: list[Columns]) -> None:
        """Add or replace rows (vectors are normalised here, as Chroma's cosine space sees them)."""
        if not ids:
            return
        raw = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        norms = np.linalg.norm(raw, axis=1, keepdims=True)
        vecs = (raw / np.where(norms == 0, 1.0, norms)).astype(np.float32)
        with self._lock:
            old = self._view
            live, row = old.live.copy(), dict(old.row)
            for rid in ids:
                r = row.pop(rid, None)
                if r is not None:
                    live[r] = False
            if len(row) + len(ids) < (len(live) - len(row)):  # mostly dead rows: start over compactly
                live, row = self._compact(live, row)
            start = len(live)
            self._reserve(start + len(ids))
            self._matrix[start : start + len(ids)] = vecs
            self._section[start : start + len(ids)] = [c.section for c in columns]
            self._date[start : start + len(ids)] = [c.date for c in columns]
            self._commentary[start : start + len(ids)] = [c.commentary for c in columns]
            latest: dict[str, int] = {}
            for n, rid in enumerate(ids):
                latest[rid] = start + n  # a later duplicate id wins, as in the corpus
            self._ids.extend(ids)
            live = np.concatenate([live, np.zeros(len(ids), dtype=bool)])
            for rid, r in latest.items():
                live[r] = True
                row[rid] = r
            self._view = self._make_view(live, row)

    def remove(self, ids: list[str]) -> None:
        """Kill the rows of these ids (absent ids are ignored)."""
        with self._lock:
            old = self._view
            gone = [old.row[rid] for rid in ids if rid in old.row]
            if not gone:
                return
            live, row = old.live.copy(), dict(old.row)
            live[gone] = False
            for rid in ids:
                row.pop(rid, None)
            self._view = self._make_view(live, row)

    def _reserve(self, size: int) -> None:
        """Grow the arrays; views taken before keep the old arrays."""
        if size <= len(self._matrix):
            return
        cap = max(size, len(self._matrix) + len(self._matrix) // 4, 1024)  # 1.25×: at 100k a doubling costs 150 MB
        for name in ("_matrix", "_section", "_date", "_commentary"):
            old = getattr(self, name)
            new = np.zeros((cap, *old.shape[1:]), dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def _compact(self, live: np.ndarray, row: dict[str, int]) -> tuple[np.ndarray, dict[str, int]]:
        """Copy the live rows into fresh arrays (views taken before keep the old ones)."""
        keep = np.flatnonzero(live)
        cap = max(1024, 2 * len(keep))
        matrix = np.zeros((cap, self.dim), dtype=np.float32)
        matrix[: len(keep)] = self._matrix[keep]
        arrays = {}
        for name in ("_section", "_date", "_commentary"):
            old = getattr(self, name)
            arrays[name] = np.zeros(cap, dtype=old.dtype)
            arrays[name][: len(keep)] = old[keep]
        self._matrix = matrix
        for name, arr in arrays.items():
            setattr(self, name, arr)
        self._ids = [self._ids[r] for r in keep]
        return np.ones(len(keep), dtype=bool), {rid: n for n, rid in enumerate(self._ids)}

"""Precedent search: dense + BM25 on jieba tokens, fused by RRF, filtered, diversified by MMR."""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from drafting.errors import ValidationError
from drafting.index import reading
from drafting.index.chroma import VectorIndex
from drafting.index.embeddings import QueryVectors
from drafting.index.lexical import IncrementalLexicalIndex, MainStore, TokenCache, text_hash, tokenize_all
from drafting.index.ranking import cached_profile, item_keys, load_weights, rank_by_profile
from drafting.index.records import date_int, passage_text
from drafting.index.vectors import column_arrays, filter_mask
from drafting.models import Item, Precedent, Profile, SearchFilters, SearchResult
from drafting.settings import Settings

logger = logging.getLogger(__name__)

MODES = ("hybrid", "dense", "lexical")

# Character 3-gram Jaccard above which a text is the same item re-extracted or re-pasted.
# Two different provinces' action plans share much phrasing but stay below ~0.3 on full text, ~0.5 on titles.
TEXT_DUPLICATE_JACCARD = 0.6
TITLE_DUPLICATE_JACCARD = 0.8


@functools.lru_cache(maxsize=8192)  # the same candidates come back query after query
def _grams(text: str, n: int = 3) -> frozenset[str]:
    text = re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).lower())
    if len(text) < n:
        return frozenset({text} if text else ())
    return frozenset(text[i : i + n] for i in range(len(text) - n + 1))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _similar(a: frozenset[str], b: frozenset[str], threshold: float) -> bool:
    """Jaccard(a, b) >= threshold. Jaccard is at most min/max of the sizes, so most candidates (a title query
    against a full passage) are ruled out without the set operations, which were most of the duplicate check."""
    small, large = sorted((len(a), len(b)))
    if not small or small < threshold * large:
        return False
    return _jaccard(a, b) >= threshold


def is_text_duplicate(query: str, item: Item) -> bool:
    """True when the query text is (nearly) this item: same full text, or the same title on its first line."""
    if _similar(_grams(query), _grams(passage_text(item)), TEXT_DUPLICATE_JACCARD):
        return True
    first_line = query.strip().split("\n", 1)[0]
    if len(re.sub(r"\W+", "", first_line)) >= 8:
        return _similar(_grams(first_line), _grams(item.title), TITLE_DUPLICATE_JACCARD)
    return False


@dataclass
class _Lexical:
    """BM25 plus column arrays of the filterable fields, aligned with the items list."""

    version: int
    items: list[Item]  # one per row; a replaced or removed item's row stays, dead in bm25 and absent from pos
    bm25: IncrementalLexicalIndex
    view: Any  # the bm25 snapshot matching `items`: later accepts never shift rows under a running search
    pos: dict[str, int]
    section: np.ndarray
    date: np.ndarray
    commentary: np.ndarray
    by_id: dict[str, Item] = field(default_factory=dict)

    def mask(self, filters: SearchFilters | None) -> np.ndarray:
        """Boolean mask of items passing the filters."""
        return filter_mask(self.section, self.date, self.commentary, filters)


DENSE_QUERY_CHARS = 256  # eval set (mean 177 chars) unchanged at 256; a 128 cap lost 0.005 nDCG@5

MAX_K = 100  # precedents one search may return


def _passing(items: dict[str, Item], filters: SearchFilters | None) -> dict[str, Item]:
    """The items that pass the filters (for items read from the index, not from the lexical side's columns)."""
    if filters is None or not items:
        return items
    rows = list(items.values())
    ok = filter_mask(*column_arrays(rows), filters)
    return {i.id: i for i, keep in zip(rows, ok) if keep}


def check_search(k: int | None, filters: SearchFilters | None) -> None:
    """Refuse, in Chinese, what would silently give a default or nothing: k < 1, impossible or reversed dates."""
    if k is not None and not 1 <= k <= MAX_K:
        raise ValidationError(f"返回条数 k 应为 1 到 {MAX_K} 之间的整数（当前 {k}）")
    if filters is None:
        return
    start = date_int(filters.date_from)  # an impossible date (2023-02-30) raises here
    end = date_int(filters.date_to, end=True)
    if start and end and start > end:
        raise ValidationError(
            f"起始日期 {filters.date_from} 晚于截止日期 {filters.date_to}：没有条目能同时满足，请交换或修改这两个日期"
        )


class Retriever:
    """Finds precedents for a new item and reports near-duplicates apart."""

    def __init__(self, settings: Settings, index: VectorIndex) -> None:
        self.settings = settings
        self.index = index
        self._lex: _Lexical | None = None
        self._lex_lock = threading.Lock()  # apart from the query vectors' lock: a rebuild must not hold up embeddings
        self._rebuilding: threading.Thread | None = None
        self._profiling: threading.Thread | None = None
        self._rebuild_failed_at = -1e9
        self._tokens = TokenCache(settings.data_dir / "lexical_tokens.sqlite3")
        self._main_store = MainStore(settings.data_dir / "lexical_main")
        self._merge_at = 2000
        # The same text is searched again with other filters or modes (UI, eval), or was embedded when pasted: the
        # embedding is the slow part. The title and lead carry the topic; embedding cost grows with length, BM25
        # still reads the whole text.
        self.queries = QueryVectors(lambda text: self.index.embedder.embed_query(text[:DENSE_QUERY_CHARS]))
        # Plain RRF (equal weights): other weightings tried on tests/data/retrieval_eval.jsonl differed only by noise.
        self.dense_weight = 1.0
        self.lexical_weight = 1.0
        self.weights = load_weights(settings.data_dir)  # fitted by `drafting eval retrieval --fit`, else the defaults

    def _query_vector(self, text: str) -> np.ndarray:
        return self.queries.get(text)

    def refresh(self) -> None:
        """Rebuild the lexical index from every indexed item (tokens come from the cache where known)."""
        with self._lex_lock:
            self._lex = self._build(self.index.version, self.index.items())
            logger.info("lexical index rebuilt: %d items", len(self._lex.items))

    def _build(self, version: int, items: list[Item]) -> _Lexical:
        self._warm_profiles(items)
        texts = [passage_text(i) for i in items]
        hashes = [text_hash(t) for t in texts]
        restored = self._restore(items, texts, hashes)
        if restored is not None:
            bm25, rows = restored
        else:
            corpus = tokenize_all(texts, self._tokens)
            bm25, rows = IncrementalLexicalIndex(corpus, hashes=hashes, store=self._main_store), list(items)
        live = bm25.snapshot().live
        section, date, commentary = column_arrays(rows)
        return _Lexical(
            version=version,
            items=rows,
            bm25=bm25,
            view=bm25.snapshot(),
            pos={it.id: n for n, it in enumerate(rows) if live[n]},
            section=section,
            date=date,
            commentary=commentary,
            by_id={i.id: i for i in items},
        )

    def _restore(self, items: list[Item], texts: list[str], hashes: list[str]) -> tuple[IncrementalLexicalIndex, list[Item]] | None:
        """The stored main segment with today's items matched to its rows by text hash (rows whose text is gone
        stay dead), the rest appended as delta; None when nothing usable is stored."""
        saved = self._main_store.load()
        if saved is None or not items:
            return None
        main, saved_hashes = saved
        where: dict[str, list[int]] = {}
        for n, h in enumerate(hashes):
            where.setdefault(h, []).append(n)
        order = [where[h].pop() if where.get(h) else -1 for h in saved_hashes]
        rest = [n for left in where.values() for n in left]
        if len(rest) > max(self._merge_at, len(items) // 5):
            return None  # too much changed: a fresh build ranks better than a large delta
        live = np.array([o >= 0 for o in order], dtype=bool)
        row_tokens = tokenize_all([texts[o] if o >= 0 else "" for o in order], self._tokens)
        bm25 = IncrementalLexicalIndex(row_tokens, hashes=saved_hashes, store=self._main_store, main=main, live=live,
                                       merge_at=self._merge_at)
        bm25.add(tokenize_all([texts[n] for n in rest], self._tokens), [hashes[n] for n in rest])
        placeholder = items[0]  # dead rows need some item for the column arrays; they never score
        rows = [items[o] if o >= 0 else placeholder for o in order] + [items[n] for n in rest]
        logger.info("lexical index loaded: %d stored rows, %d new", len(order), len(rest))
        return bm25, rows

    def _follow(self, lex: _Lexical, version: int, changes: list[tuple[list[Item], list[str]]]) -> _Lexical:
        """A new view with the changes applied: old rows of changed or removed items die, new rows are appended."""
        latest: dict[str, Item] = {}
        gone: set[str] = set()
        for items, removed in changes:
            for rid in removed:
                latest.pop(rid, None)
                gone.add(rid)
            for it in items:
                latest[it.id] = it
                gone.discard(it.id)
        pos, by_id = dict(lex.pos), dict(lex.by_id)
        dead = [pos.pop(rid) for rid in (*gone, *latest) if rid in pos]
        for rid in gone:
            by_id.pop(rid, None)
        new = list(latest.values())
        texts = [passage_text(i) for i in new]
        rows = lex.bm25.add(tokenize_all(texts, self._tokens), [text_hash(t) for t in texts])
        lex.bm25.remove(dead)
        view = lex.bm25.snapshot()
        for row, it in zip(rows, new):
            pos[it.id] = row
            by_id[it.id] = it
        section, date, commentary = column_arrays(new)
        return _Lexical(
            version=version,
            items=lex.items + new,
            bm25=lex.bm25,
            view=view,
            pos=pos,
            section=np.append(lex.section, section),
            date=np.append(lex.date, date),
            commentary=np.append(lex.commentary, commentary),
            by_id=by_id,
        )

    def _lexical(self) -> tuple[_Lexical, bool]:
        """The lexical side at the index's version, and whether it is current. After a change it cannot follow (a
        write by an instance with another data folder, a reset) on a large index it stays on its last state while a
        thread rebuilds it, instead of holding up searches for a full read (~50 s at 100k items)."""
        self.index.check_fresh()  # another process (CLI ingest, a second app) may have changed the index
        lex = self._lex
        if lex is not None and lex.version == self.index.version:
            return lex, True
        with self._lex_lock:
            lex = self._lex
            version = self.index.version
            if lex is not None and lex.version == version:
                return lex, True
            changes = self.index.changes_since(lex.version) if lex is not None else None
            if lex is not None and changes is not None:
                self._lex = self._follow(lex, version, changes)
                return self._lex, True
            if lex is not None and len(lex.by_id) > reading.INLINE_REBUILD_MAX:
                self._start_rebuild()
                return lex, False
            self._lex = self._build(version, self.index.items())
            logger.info("lexical index rebuilt: %d items", len(self._lex.items))
            return self._lex, True

    def _start_rebuild(self) -> None:
        """Rebuild the lexical side in a thread unless one is running (call with _lex_lock)."""
        if (self._rebuilding is None or not self._rebuilding.is_alive()) and \
                time.monotonic() - self._rebuild_failed_at > reading.RETRY_AFTER_FAILURE:
            self._rebuilding = threading.Thread(target=self._rebuild, name="lexical-rebuild", daemon=True)
            self._rebuilding.start()

    def _rebuild(self) -> None:
        try:
            version = self.index.version  # before reading: what is written meanwhile is followed afterwards
            lex = self._build(version, self.index.items())
        except Exception:  # searches go on with the last state; tried again after a pause
            logger.warning("lexical index rebuild failed", exc_info=True)
            self._rebuild_failed_at = time.monotonic()
            return
        with self._lex_lock:
            if self._lex is None or self._lex.version <= lex.version:
                self._lex = lex
        logger.info("lexical index rebuilt in the background: %d items", len(lex.items))

    def _warm_profiles(self, items: list[Item]) -> None:
        """Profile every item in a thread after a full read (~5 s of one core at 100k), so that searches find the
        candidates' profiles computed instead of profiling up to 40 fresh candidates each (issue #28)."""
        def warm() -> None:
            for item in items:
                cached_profile(item)
                item_keys(item)

        self._profiling = threading.Thread(target=warm, name="profile-warm", daemon=True)
        self._profiling.start()

    def wait_profiles(self, timeout: float | None = None) -> None:
        """Wait for the profiles of the last full read (benchmarks)."""
        thread = self._profiling
        if thread is not None:
            thread.join(timeout)

    def wait_rebuilt(self, timeout: float | None = None) -> None:
        """Wait for a background rebuild of the lexical side, if one is running (tests, benchmarks)."""
        thread = self._rebuilding
        if thread is not None:
            thread.join(timeout)

    def search(
        self,
        text: str,
        k: int | None = None,
        filters: SearchFilters | None = None,
        *,
        mode: str = "hybrid",  # "hybrid" | "dense" | "lexical", for evaluation
        exclude_ids: set[str] | None = None,  # leave-one-out evaluation
    ) -> SearchResult:
        """Top-k precedents for the text; duplicates of the query go to SearchResult.duplicates."""
        text = (text or "").strip()
        if not text:
            raise ValidationError("检索文本为空：请粘贴新条目的标题或正文")
        if mode not in MODES:
            raise ValidationError(f"未知的检索模式 {mode!r}：可选 {', '.join(MODES)}")
        check_search(k, filters)
        cfg = self.settings.retrieval
        k = k or cfg.k
        n = max(cfg.candidates, k)
        exclude = exclude_ids or set()
        lex, current = self._lexical()

        qvec: np.ndarray | None = None
        dense: list[tuple[str, float]] = []
        if mode in ("hybrid", "dense"):
            qvec = self._query_vector(text)
            hits = self.index.dense_vector(qvec, n + len(exclude), filters)
            dense = [(rid, s) for rid, s in hits if rid not in exclude][:n]

        lexical: list[tuple[str, float]] = []
        if mode in ("hybrid", "lexical") and lex.items:
            scores = lex.bm25.scores(text, lex.view)
            ok = lex.mask(filters) & (scores > 0)
            for rid in exclude:
                if rid in lex.pos:
                    ok[lex.pos[rid]] = False
            cand = np.flatnonzero(ok)
            if len(cand) > n:
                cand = cand[np.argpartition(-scores[cand], n - 1)[:n]]
            cand = cand[np.argsort(-scores[cand], kind="stable")]
            lexical = [(lex.items[i].id, float(scores[i])) for i in cand]

        fused: dict[str, float] = {}
        for weight, ranking in ((self.dense_weight, dense), (self.lexical_weight, lexical)):
            for rank, (rid, _) in enumerate(ranking, 1):
                fused[rid] = fused.get(rid, 0.0) + weight / (cfg.rrf_k + rank)
        if not fused:
            return SearchResult(query=text)

        dense_at = {rid: (r, s) for r, (rid, s) in enumerate(dense, 1)}
        lex_at = {rid: (r, s) for r, (rid, s) in enumerate(lexical, 1)}
        if current:
            missing = [rid for rid in fused if rid not in lex.by_id]
            found = self.index.get(missing) if missing else {}
        else:
            # The lexical side is behind while it rebuilds: every candidate comes from the index itself, so an item
            # removed or changed elsewhere is never shown from the old state, and the filters are checked again.
            found = _passing(self.index.get(list(fused)), filters)
            lex = replace(lex, by_id={})

        pool: list[Precedent] = []
        duplicates: list[Precedent] = []
        for rid, score in sorted(fused.items(), key=lambda kv: -kv[1]):
            item = lex.by_id.get(rid) or found.get(rid)
            if item is None:
                continue
            d, lx = dense_at.get(rid), lex_at.get(rid)
            prec = Precedent(
                item=item,
                score=score,
                dense_rank=d[0] if d else None,
                dense_score=d[1] if d else None,
                lexical_rank=lx[0] if lx else None,
                lexical_score=lx[1] if lx else None,
            )
            if (d and d[1] >= cfg.duplicate_threshold) or is_text_duplicate(text, item):
                prec.duplicate = True
                duplicates.append(prec)
            else:
                pool.append(prec)

        chosen = self._mmr(pool, k, cfg.mmr_lambda)
        return SearchResult(query=text, precedents=chosen, duplicates=duplicates)

    def _mmr(self, pool: list[Precedent], k: int, lam: float) -> list[Precedent]:
        """Maximal marginal relevance over the fused pool, using the stored item vectors."""
        if len(pool) <= 1 or lam >= 1.0:
            return pool[:k]
        vecs = self.index.vectors([p.item.id for p in pool])
        if len(vecs) != len(pool):
            return pool[:k]
        mat = np.stack([vecs[p.item.id] for p in pool])
        # einsum, not `@`: a 60×384 product through threaded OpenBLAS took ~16 ms in the app process (its threads
        # compete with the embedder's on 2 cores), einsum's single-threaded loop well under 1 ms; same cosines.
        sims = np.einsum("ij,kj->ik", mat, mat)
        scores = np.array([p.score for p in pool])
        # Textbook MMR on comparable scales: relevance as a share of the best fused score, redundancy as cosine.
        # Min-max stretching of either side was tried and pushed same-kind precedents (the provincial plans a
        # lawyer wants side by side) below unrelated items; this form only demotes near-copies.
        rel = scores / scores.max()
        # The redundancy of each candidate (its highest cosine to anything chosen) is kept up to date as a vector,
        # one np.maximum per pick, instead of re-slicing the chosen columns every round: the same picks, and the
        # profile ranking's 30-wide list costs about what a 4-wide one did.
        chosen: list[int] = []
        taken = np.zeros(len(pool), dtype=bool)
        penalty = np.zeros(len(pool))
        while len(chosen) < min(k, len(pool)):
            value = rel if not chosen else lam * rel - (1 - lam) * penalty
            value = np.where(taken, -np.inf, value)
            best = int(np.argmax(value))
            chosen.append(best)
            taken[best] = True
            penalty = sims[best] if len(chosen) == 1 else np.maximum(penalty, sims[best])
        return [pool[i] for i in chosen]

    def candidates(self, text: str, k: int | None = None, filters: SearchFilters | None = None, *,
                   exclude_ids: set[str] | None = None) -> SearchResult:
        """The wide hybrid search the profile ranking re-orders, each candidate with its profile (computed in memory
        from the item the lexical side already holds: no Chroma read per search)."""
        k = k or self.settings.retrieval.k
        wide = self.search(text, k=max(4 * k, self.settings.retrieval.candidates), filters=filters, exclude_ids=exclude_ids)
        for p in wide.precedents:  # fresh objects of this search: set in place, no copy
            p.profile = cached_profile(p.item)
        return wide

    def search_profiled(self, text: str, profile: Profile, k: int | None = None, filters: SearchFilters | None = None,
                        *, section: str | None = None, exclude_ids: set[str] | None = None) -> SearchResult:
        """Precedents for an item of this profile: a wider hybrid search, re-ranked by ranking.rank_by_profile."""
        k = k or self.settings.retrieval.k
        wide = self.candidates(text, k, filters, exclude_ids=exclude_ids)
        # A few keywords without a chosen 栏目 give only a guessed profile: annotate the precedents, keep relevance order.
        guessed = section is None and len(text.strip()) < PROFILE_MIN_QUERY_CHARS
        return rank_by_profile(wide, profile, section, k, bonus=not guessed, weights=self.weights, query=text)


# A query shorter than this (a title or keywords) with no chosen 栏目 is ranked by relevance alone.
PROFILE_MIN_QUERY_CHARS = 40

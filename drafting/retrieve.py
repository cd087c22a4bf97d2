"""Precedent search: dense + BM25 on jieba tokens, fused by RRF, filtered, diversified by MMR."""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from drafting.errors import ValidationError
from drafting.index import VectorIndex, date_int, passage_text
from drafting.lexical import LexicalIndex
from drafting.models import SECTIONS, Item, Precedent, SearchFilters, SearchResult
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


def is_text_duplicate(query: str, item: Item) -> bool:
    """True when the query text is (nearly) this item: same full text, or the same title on its first line."""
    if _jaccard(_grams(query), _grams(passage_text(item))) >= TEXT_DUPLICATE_JACCARD:
        return True
    first_line = query.strip().split("\n", 1)[0]
    if len(re.sub(r"\W+", "", first_line)) >= 8:
        return _jaccard(_grams(first_line), _grams(item.title)) >= TITLE_DUPLICATE_JACCARD
    return False


@dataclass
class _Lexical:
    """BM25 plus column arrays of the filterable fields, aligned with the items list."""

    version: int
    items: list[Item]
    bm25: LexicalIndex
    pos: dict[str, int]
    section: np.ndarray
    date: np.ndarray
    commentary: np.ndarray
    by_id: dict[str, Item] = field(default_factory=dict)

    def mask(self, filters: SearchFilters | None) -> np.ndarray:
        """Boolean mask of items passing the filters (vectorised: 100k items in well under a millisecond)."""
        ok = np.ones(len(self.items), dtype=bool)
        if filters is None:
            return ok
        if filters.section:
            ok &= self.section == SECTIONS.index(filters.section)
        if filters.has_commentary is not None:
            ok &= self.commentary == filters.has_commentary
        if filters.date_from or filters.date_to:
            ok &= self.date > 0
            if filters.date_from:
                ok &= self.date >= date_int(filters.date_from)
            if filters.date_to:
                ok &= self.date <= date_int(filters.date_to, end=True)
        return ok


DENSE_QUERY_CHARS = 256  # eval set (mean 177 chars) unchanged at 256; a 128 cap lost 0.005 nDCG@5

MAX_K = 100  # precedents one search may return


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
        self._lock = threading.Lock()
        self._query_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        # Plain RRF (equal weights): other weightings tried on tests/data/retrieval_eval.jsonl differed only by noise.
        self.dense_weight = 1.0
        self.lexical_weight = 1.0

    def _query_vector(self, text: str) -> np.ndarray:
        # The same text is searched again with other filters or modes (UI, eval): embedding is the slow part.
        with self._lock:
            vec = self._query_cache.get(text)
            if vec is not None:
                self._query_cache.move_to_end(text)
                return vec
        # The title and lead carry the topic; embedding cost grows with length, BM25 still reads the whole text.
        vec = self.index.embedder.embed_query(text[:DENSE_QUERY_CHARS])
        with self._lock:
            self._query_cache[text] = vec
            while len(self._query_cache) > 256:
                self._query_cache.popitem(last=False)
        return vec

    def refresh(self) -> None:
        """Rebuild the lexical index after the vector index changed."""
        with self._lock:
            version = self.index.version
            items = self.index.items()
            previous = self._lex.bm25 if self._lex is not None else None
            self._lex = _Lexical(
                version=version,
                items=items,
                bm25=LexicalIndex([passage_text(i) for i in items], previous),
                pos={it.id: n for n, it in enumerate(items)},
                section=np.array([SECTIONS.index(i.section) for i in items], dtype=np.int8),
                date=np.array([date_int(i.date) if i.date else 0 for i in items], dtype=np.int64),
                commentary=np.array([bool(i.commentary) for i in items], dtype=bool),
                by_id={i.id: i for i in items},
            )
            logger.info("lexical index rebuilt: %d items", len(items))

    def _lexical(self) -> _Lexical:
        lex = self._lex
        if lex is None or lex.version != self.index.version:
            self.refresh()
            lex = self._lex
        assert lex is not None
        return lex

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
        lex = self._lexical()

        qvec: np.ndarray | None = None
        dense: list[tuple[str, float]] = []
        if mode in ("hybrid", "dense"):
            qvec = self._query_vector(text)
            hits = self.index.dense_vector(qvec, n + len(exclude), filters)
            dense = [(rid, s) for rid, s in hits if rid not in exclude][:n]

        lexical: list[tuple[str, float]] = []
        if mode in ("hybrid", "lexical") and lex.items:
            scores = lex.bm25.scores(text)
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
        missing = [rid for rid in fused if rid not in lex.by_id]
        found = self.index.get(missing) if missing else {}

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
        sims = mat @ mat.T
        scores = np.array([p.score for p in pool])
        # Textbook MMR on comparable scales: relevance as a share of the best fused score, redundancy as cosine.
        # Min-max stretching of either side was tried and pushed same-kind precedents (the provincial plans a
        # lawyer wants side by side) below unrelated items; this form only demotes near-copies.
        rel = scores / scores.max()
        red = sims
        chosen: list[int] = []
        left = list(range(len(pool)))
        while left and len(chosen) < k:
            if chosen:
                penalty = red[np.ix_(left, chosen)].max(axis=1)
                value = lam * rel[left] - (1 - lam) * penalty
            else:
                value = rel[left]
            best = left[int(np.argmax(value))]
            chosen.append(best)
            left.remove(best)
        return [pool[i] for i in chosen]

"""BM25 over jieba tokens: the exact-term signal (place names, document titles, amounts) that dense vectors blur."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata

import numpy as np

logger = logging.getLogger(__name__)

_JIEBA_LOCK = threading.Lock()
_JIEBA_READY = False

# No stopword list: on tests/data/retrieval_eval.jsonl both a boilerplate list (提出, 推动, 年 …) and a bare
# function-word list (的, 和, 在 …) lowered lexical nDCG@5 (0.934 → 0.924 / 0.913); BM25's IDF already
# discounts words every item shares.
_PUNCT_OR_SPACE = re.compile(r"^[\W_]+$", re.UNICODE)


def _init_jieba() -> None:
    global _JIEBA_READY
    with _JIEBA_LOCK:
        if _JIEBA_READY:
            return
        import jieba

        jieba.setLogLevel(logging.WARNING)  # jieba prints its dictionary loading banner otherwise
        jieba.initialize()
        _JIEBA_READY = True


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens, NFKC-folded and lower-cased, without punctuation and spaces."""
    _init_jieba()
    import jieba

    text = unicodedata.normalize("NFKC", text).lower()
    return [
        t
        for t in jieba.lcut_for_search(text)
        if t.strip() and not _PUNCT_OR_SPACE.match(t)
    ]


class LexicalIndex:
    """A bm25s index over a list of texts; scores every document for a query in one sparse pass."""

    def __init__(self, texts: list[str], previous: LexicalIndex | None = None) -> None:
        """Tokenize and index; tokens of texts already in `previous` are reused (rebuild after one new item)."""
        import bm25s

        # bm25s sets its own logger to DEBUG on import, which would print on every rebuild.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        self.size = len(texts)
        self.tokens: dict[str, list[str]] = {}
        self._bm25: bm25s.BM25 | None = None
        if not texts:
            return
        known = previous.tokens if previous is not None else {}
        corpus: list[list[str]] = []
        for text in texts:
            key = hashlib.sha1(text.encode()).hexdigest()
            toks = self.tokens.get(key) or known.get(key)
            if toks is None:
                toks = tokenize(text)
            self.tokens[key] = toks
            # bm25s needs at least one token per document to build its vocabulary.
            corpus.append(toks or [""])
        bm25 = bm25s.BM25()
        bm25.index(corpus, show_progress=False)
        self._bm25 = bm25

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for the query (zeros when no query term is known)."""
        if self._bm25 is None:
            return np.zeros(0, dtype=np.float32)
        ids = self._bm25.get_tokens_ids(tokenize(query))
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

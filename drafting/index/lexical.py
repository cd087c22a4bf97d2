"""BM25 over jieba tokens: the exact-term signal (place names, document titles, amounts) that dense vectors blur."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import shutil
import sqlite3
import threading
import unicodedata
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

_JIEBA_LOCK = threading.Lock()
_JIEBA_READY = False

# No stopword list: on tests/data/retrieval_eval.jsonl both a boilerplate list (提出, 推动, 年 …) and a bare
# function-word list (的, 和, 在 …) lowered lexical nDCG@5 (0.934 → 0.924 / 0.913); BM25's IDF already
# discounts words every item shares.
_PUNCT_OR_SPACE = re.compile(r"^[\W_]+$", re.UNICODE)
_SEP = "\x1f"  # unit separator: never inside a token, so stored tokens split back exactly


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


class TokenCache:
    """Tokens by text hash in SQLite, so a restart at 100k items does not run jieba over the whole corpus again."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.execute("CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, tokens TEXT NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        return sqlite3.connect(self.path, timeout=30)

    def load(self, hashes: list[str]) -> dict[str, list[str]]:
        """Stored tokens of these hashes (those known)."""
        if self.path is None or not hashes:
            return {}
        wanted = set(hashes)
        out: dict[str, list[str]] = {}
        with self._lock, closing(self._connect()) as db:
            # One scan beats 100k point look-ups; rows of texts no longer indexed are skipped.
            for key, toks in db.execute("SELECT hash, tokens FROM tokens"):
                if key in wanted:
                    out[key] = toks.split(_SEP) if toks else []
        return out

    def save(self, fresh: dict[str, list[str]]) -> None:
        """Remember newly tokenised texts (a failure only costs re-tokenising next time)."""
        if self.path is None or not fresh:
            return
        try:
            with self._lock, closing(self._connect()) as db, db:
                db.executemany("INSERT OR REPLACE INTO tokens VALUES (?, ?)", [(k, _SEP.join(v)) for k, v in fresh.items()])
        except sqlite3.Error:
            logger.warning("could not store lexical tokens in %s", self.path, exc_info=True)


def text_hash(text: str) -> str:
    """Key of a text's tokens."""
    return hashlib.sha1(text.encode()).hexdigest()


def tokenize_all(texts: list[str], cache: TokenCache | None = None, known: dict[str, list[str]] | None = None) -> list[list[str]]:
    """Tokens of every text, reusing `known` and the cache; new ones are stored in the cache."""
    keys = [text_hash(t) for t in texts]
    have = dict(known or {})
    missing = [k for k in keys if k not in have]
    if cache is not None and missing:
        have.update(cache.load(missing))
    fresh: dict[str, list[str]] = {}
    out: list[list[str]] = []
    for key, text in zip(keys, texts):
        toks = have.get(key)
        if toks is None:
            toks = fresh[key] = have[key] = tokenize(text)
        out.append(toks)
    if cache is not None:
        cache.save(fresh)
    return out


@dataclass
class _Segments:
    """An immutable view for one search: the bm25s main segment, then the delta rows, and which rows are live."""

    main: Any  # bm25s.BM25 over rows [0, n_main), or None
    n_main: int
    main_df: dict[str, int]
    delta: list[list[str]]  # tokens of rows n_main … n_main + len(delta) - 1
    delta_postings: dict[str, list[tuple[int, int]]]  # token → (delta row, tf)
    delta_len: np.ndarray
    avgdl: float
    live: np.ndarray  # bool per row; replaced and removed rows are False

    @property
    def size(self) -> int:
        return self.n_main + len(self.delta)


def _bm25(corpus: list[list[str]]) -> Any:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG on import
    bm25 = bm25s.BM25()
    bm25.index([toks or [""] for toks in corpus], show_progress=False)  # bm25s needs a token per document
    return bm25


def _postings(corpus: list[list[str]], first: int, into: dict[str, list[tuple[int, int]]]) -> dict[str, list[tuple[int, int]]]:
    """Add (row, tf) postings of rows first, first+1 … to `into`; touched lists are replaced, never appended to,
    because a search may be reading the previous snapshot's lists."""
    new: dict[str, list[tuple[int, int]]] = {}
    for n, toks in enumerate(corpus, first):
        counts: dict[str, int] = {}
        for t in toks:
            counts[t] = counts.get(t, 0) + 1
        for t, tf in counts.items():
            new.setdefault(t, []).append((n, tf))
    for t, rows in new.items():
        into[t] = into[t] + rows if t in into else rows
    return into


class MainStore:
    """The last built bm25s main segment on disk with the text hash of each row, so a restart loads it instead of
    rebuilding (the rebuild is most of start-up at 100k items). Derived data: deleting the folder is safe."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        # A background merge saves while a rebuild loads: the segment and its row hashes must come from one save.
        self._lock = threading.Lock()

    def load(self) -> tuple[Any, list[str]] | None:
        """(bm25s segment, row hashes), or None when there is none or it is unreadable."""
        with self._lock:
            return self._load()

    def _load(self) -> tuple[Any, list[str]] | None:
        if self.folder is None or not (self.folder / "rows.json").exists():
            return None
        import bm25s

        try:
            rows = json.loads((self.folder / "rows.json").read_text(encoding="utf-8"))
            bm25 = bm25s.BM25.load(str(self.folder), show_progress=False)
        except (OSError, ValueError, KeyError):
            logger.warning("stored lexical index %s unreadable; rebuilding", self.folder, exc_info=True)
            return None
        return bm25, [str(h) for h in rows]

    def save(self, bm25: Any, hashes: list[str]) -> None:
        """Replace the stored segment (a failure only costs a rebuild at the next start)."""
        if self.folder is None:
            return
        with self._lock:
            self._save(bm25, hashes)

    def _save(self, bm25: Any, hashes: list[str]) -> None:
        assert self.folder is not None
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            bm25.save(str(tmp), show_progress=False)
            (tmp / "rows.json").write_text(json.dumps(hashes), encoding="utf-8")  # written last: marks it complete
            shutil.rmtree(self.folder, ignore_errors=True)
            tmp.rename(self.folder)
        except OSError:
            logger.warning("could not store the lexical index in %s", self.folder, exc_info=True)


def _doc_freq(bm25: Any) -> dict[str, int]:
    indptr = np.append(np.asarray(bm25.scores["indptr"]), len(bm25.scores["data"]))
    return {tok: int(indptr[i + 1] - indptr[i]) for tok, i in bm25.vocab_dict.items()}


class IncrementalLexicalIndex:
    """BM25 over rows that only grow: adds go to a small delta segment scored directly, removals clear a live
    flag, and a background merge folds the delta into a new bm25s main segment. Searches read one immutable
    snapshot, so a merge never shows them a half-built index. Row numbers never change."""

    K1, B = 1.5, 0.75  # bm25s's defaults (method "lucene"), so delta and main scores are on one scale

    def __init__(self, corpus: list[list[str]], *, merge_at: int = 2000, hashes: list[str] | None = None,
                 store: MainStore | None = None, main: Any = None, live: np.ndarray | None = None) -> None:
        """Index the rows; `main` is a bm25s segment already built over exactly these rows (loaded from `store`)."""
        self.merge_at = merge_at
        self.store = store
        self._lock = threading.Lock()
        self._merging = False
        self._tokens: list[list[str]] = list(corpus)
        self._hashes: list[str] = list(hashes) if hashes is not None else [""] * len(corpus)
        if main is None and corpus:
            main = _bm25(corpus)
            if store is not None and hashes is not None:
                store.save(main, self._hashes)
        lengths = [len(t) or 1 for t in corpus]
        self._seg = _Segments(main, len(corpus), _doc_freq(main) if main is not None else {}, [], {},
                              np.zeros(0, dtype=np.float32), float(np.mean(lengths)) if lengths else 1.0,
                              live if live is not None else np.ones(len(corpus), dtype=bool))

    @property
    def size(self) -> int:
        return self._seg.size

    def add(self, corpus: list[list[str]], hashes: list[str] | None = None) -> list[int]:
        """Append rows (tokens, and their texts' hashes for the stored main segment); returns their row numbers.
        Cost proportional to the rows added."""
        with self._lock:
            self._hashes.extend(hashes if hashes is not None else [""] * len(corpus))
            seg = self._seg
            delta = seg.delta + list(corpus)
            postings = _postings(corpus, len(seg.delta), dict(seg.delta_postings))
            lengths = np.append(seg.delta_len, [len(t) or 1 for t in corpus]).astype(np.float32)
            live = np.append(seg.live, np.ones(len(corpus), dtype=bool))
            first = seg.size
            self._tokens.extend(corpus)
            self._seg = _Segments(seg.main, seg.n_main, seg.main_df, delta, postings, lengths, seg.avgdl, live)
            rows = list(range(first, first + len(corpus)))
            if len(delta) >= self.merge_at and not self._merging:
                self._merging = True
                threading.Thread(target=self._merge, name="lexical-merge", daemon=True).start()
        return rows

    def remove(self, rows: list[int]) -> None:
        """Mark rows as gone (replaced or deleted items)."""
        if not rows:
            return
        with self._lock:
            seg = self._seg
            live = seg.live.copy()
            live[[r for r in rows if 0 <= r < len(live)]] = False
            self._seg = dataclasses.replace(seg, live=live)

    def merge(self) -> None:
        """Fold the delta into the main segment now (the background merge calls this)."""
        with self._lock:
            corpus = list(self._tokens)
            hashes = self._hashes[: len(corpus)]
        main = _bm25(corpus) if corpus else None  # the slow part, outside the lock: searches go on meanwhile
        if main is not None and self.store is not None:
            self.store.save(main, hashes)
        lengths = [len(t) or 1 for t in corpus]
        with self._lock:
            seg = self._seg
            rest = self._tokens[len(corpus):]  # rows added while merging stay in the delta
            postings = _postings(rest, 0, {})
            self._seg = _Segments(main, len(corpus), _doc_freq(main) if main is not None else {}, rest, postings,
                                  np.asarray([len(t) or 1 for t in rest], dtype=np.float32),
                                  float(np.mean(lengths)) if lengths else 1.0, seg.live)

    def _merge(self) -> None:
        try:
            self.merge()
            logger.info("lexical index merged: %d rows", self.size)
        except Exception:
            logger.exception("lexical merge failed; the delta segment keeps serving")
        finally:
            with self._lock:
                self._merging = False

    def snapshot(self) -> _Segments:
        """The current immutable view (hold it to score a consistent set of rows)."""
        return self._seg

    def scores(self, query: str, view: _Segments | None = None) -> np.ndarray:
        """BM25 score of every row of the view (default: current) for the query; removed rows score 0."""
        seg = self._seg
        if view is not None and (seg.size != view.size or seg.live is not view.live):
            seg = view  # rows were added or removed since: score the caller's view; a finished merge alone is fine
        out = np.zeros(seg.size, dtype=np.float32)
        toks = tokenize(query)
        if not toks or seg.size == 0:
            return out
        if seg.main is not None:
            ids = seg.main.get_tokens_ids(toks)
            if ids:
                out[: seg.n_main] = np.asarray(seg.main.get_scores_from_ids(ids), dtype=np.float32)
        if seg.delta:
            n_docs = seg.size
            norm = self.K1 * (1 - self.B + self.B * seg.delta_len / seg.avgdl)
            for t in toks:
                post = seg.delta_postings.get(t)
                if not post:
                    continue
                df = seg.main_df.get(t, 0) + len(post)
                idf = float(np.log(1 + (n_docs - df + 0.5) / (df + 0.5)))
                rows = np.fromiter((r for r, _ in post), dtype=np.int64, count=len(post))
                tf = np.fromiter((f for _, f in post), dtype=np.float32, count=len(post))
                out[seg.n_main + rows] += idf * tf / (tf + norm[rows])
        out[~seg.live] = 0.0
        return out


class LexicalIndex(IncrementalLexicalIndex):
    """The incremental index built from texts rather than tokens (the name callers used before it was incremental)."""

    def __init__(self, texts: list[str], cache: TokenCache | None = None) -> None:
        super().__init__(tokenize_all(texts, cache))

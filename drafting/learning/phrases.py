"""What an editor changed, on word and clause boundaries: the units house rules and phrase statistics count.

The changes come from the redline diff (drafting/textdiff.py: sentences aligned, then jieba words, a sentence
reworded through and through is one deletion and one insertion), and each is read as one of:

- a **swap**: a word or short phrase replaced inside a clause that otherwise stays (有望 → 预计);
- **words** deleted inside a clause that stays (进一步);
- whole **clauses** deleted (值得注意的是， / 同时，这一举措也为…提供了明确方向…);

and anything else (a clause cut in half, a rewrite across a comma) is no house habit and is not counted. Rules are
applied the same way: a phrase only where it starts and ends on jieba word boundaries of the text, a clause rule
drops the whole clause (and the sentence, when only a connective like 同时 would be left of it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from drafting.textdiff import opcodes, sentences, words

CLAUSE_MARKS = "，。；：！？,;:!?"
SENTENCE_MARKS = "。！？；!?;"
_EDGE = " \n，。；、：,.;:！？!?"
MAX_SWAP = 12  # a swap replaces a word or a short phrase
_CONTENT = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
SIMILAR = 60  # rapidfuzz ratio above which two sentences are one sentence edited, not one deleted and one added
KEPT_SHARE = 0.6  # a swap counts where at least this share of its clause is unchanged
MIN_LEFT = 4  # a sentence left with fewer characters than this after a clause is dropped is dropped whole (同时，)


def content_len(text: str) -> int:
    """Characters that are words (Chinese, Latin, digits), not punctuation or space."""
    return len(_CONTENT.findall(text))


@lru_cache(maxsize=4096)  # the miner asks about the same 短评 once per candidate phrase
def word_cuts(text: str) -> frozenset[int]:
    """Offsets where jieba words start or end in the text."""
    cuts, at = {0}, 0
    for w in words(text):
        at += len(w)
        cuts.add(at)
    return frozenset(cuts)


@dataclass(frozen=True)
class Change:
    """One change of an editor, read on word and clause boundaries."""

    kind: Literal["swap", "words", "clauses"]
    before: str
    after: str = ""
    clauses: tuple[str, ...] = field(default=())
    sentence: bool = False  # the clauses deleted are the whole sentence


def _strip_span(text: str, i1: int, i2: int) -> tuple[int, int]:
    while i1 < i2 and text[i1] in _EDGE:
        i1 += 1
    while i2 > i1 and text[i2 - 1] in _EDGE:
        i2 -= 1
    return i1, i2


def _whole_clauses(text: str, i1: int, i2: int) -> bool:
    return (i1 == 0 or text[i1 - 1] in CLAUSE_MARKS + "\n") and (i2 == len(text) or text[i2] in CLAUSE_MARKS + "\n")


def _classify(machine: str, final: str, i1: int, i2: int, j1: int, j2: int) -> Change | None:
    s, e = _strip_span(machine, i1, i2)
    t, u = _strip_span(final, j1, j2)
    before, after = machine[s:e], final[t:u]
    marks = set(CLAUSE_MARKS + "\n")
    if (before and after and not marks & set(before + after) and len(before) <= MAX_SWAP and len(after) <= MAX_SWAP
            and content_len(before) and content_len(after)):
        return Change("swap", before, after)
    if before and _whole_clauses(machine, s, e):
        clauses = tuple(c for c in re.split(f"[{CLAUSE_MARKS}\n]", before) if content_len(c))
        return Change("clauses", before, clauses=clauses, sentence=(s, e) == _strip_span(machine, 0, len(machine)))
    if before and not after and not marks & set(before) and content_len(before):
        return Change("words", before)
    return None  # a clause cut in half, a rewrite across a comma: no house habit


def _pairs(machine: list[str], final: list[str]) -> list[tuple[str | None, str | None]]:
    """Sentences aligned: equal ones, then in each changed stretch similar ones in order; the rest stand alone."""
    out: list[tuple[str | None, str | None]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, machine, final, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        j = j1
        for a in machine[i1:i2]:
            k = next((k for k in range(j, j2) if fuzz.ratio(a, final[k]) >= SIMILAR), None)
            if k is None:
                out.append((a, None))
                continue
            out.extend((None, b) for b in final[j:k])
            out.append((a, final[k]))
            j = k + 1
        out.extend((None, b) for b in final[j:j2])
    return out


def changes(machine: str, final: str) -> list[Change]:
    """The editor's changes of one text that are swaps, word deletions or whole clauses deleted.

    Sentences are aligned first (a sentence deleted is deleted whole, whatever its neighbour became), then each
    edited sentence is compared by words.
    """
    out: list[Change] = []
    for a, b in _pairs(sentences(machine or ""), sentences(final or "")):
        if a is None or not content_len(a):
            continue
        ops = [op for op in opcodes(a, b or "") if op[0] != "equal"]
        # A swap or a word deletion is a habit only inside a clause that otherwise stays: in a clause rewritten
        # through and through, 了 → 三年内建成 is a coincidence of the diff, not a choice of words.
        spans = _clause_spans(a)
        changed = [sum(max(0, min(i2, e) - max(i1, s)) for _, i1, i2, _, _ in ops) for s, e in spans]
        for _, i1, i2, j1, j2 in ops:
            change = _classify(a, b or "", i1, i2, j1, j2)
            if change is None:
                continue
            touched = [n for n, (s, e) in enumerate(spans) if s <= i1 < e or s < i2 <= e]
            if change.kind == "clauses" or all(changed[n] <= (1 - KEPT_SHARE) * (spans[n][1] - spans[n][0]) for n in touched):
                out.append(change)
    return out


def _clause_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each clause of a sentence, its closing mark included."""
    spans, start = [], 0
    for i, ch in enumerate(text):
        if ch in CLAUSE_MARKS:
            spans.append((start, i + 1))
            start = i + 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def ngrams(clause: str, *, min_chars: int = 4) -> set[str]:
    """Runs of whole jieba words of a clause with at least ``min_chars`` word characters (the clause itself too)."""
    ws = words(clause)
    out = set()
    for i in range(len(ws)):
        if not content_len(ws[i]):
            continue
        for j in range(i + 1, len(ws) + 1):
            if not content_len(ws[j - 1]):
                continue
            gram = "".join(ws[i:j])
            if content_len(gram) >= min_chars:
                out.add(gram)
    return out


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A clause pattern (pieces joined by …) as a regex whose pieces stay within one sentence, in order."""
    gap = f"[^{SENTENCE_MARKS}\n]*?"
    return re.compile(gap.join(re.escape(p) for p in pattern.split("…") if p))


def contains(text: str, pattern: str) -> bool:
    """The text has the pattern (a phrase, or pieces joined by …) within one sentence."""
    return bool(pattern) and pattern_regex(pattern).search(text or "") is not None


def replace_words(text: str, before: str, after: str) -> str:
    """Every occurrence of ``before`` that starts and ends on a word boundary, replaced (a word is never cut)."""
    if not before or before not in text:
        return text
    cuts = word_cuts(text)
    out, at = [], 0
    start = text.find(before)
    while start >= 0:
        end = start + len(before)
        if start >= at and start in cuts and end in cuts:
            out.append(text[at:start] + after)
            at = end
        start = text.find(before, start + 1)
    return "".join(out) + text[at:]


def drop_clauses(text: str, pattern: str, *, sentence: bool = False) -> str:
    """The text without the clauses the pattern falls in (``sentence``: without the whole sentence); a sentence
    left with only a connective (同时，) goes too."""
    regex = pattern_regex(pattern)
    for _ in range(50):  # each pass removes one match; a 短评 has a handful of sentences
        m = regex.search(text)
        if m is None:
            break
        ss = max((text.rfind(c, 0, m.start()) for c in SENTENCE_MARKS + "\n"), default=-1) + 1
        ends = [i for i in (text.find(c, m.end()) for c in SENTENCE_MARKS + "\n") if i >= 0]
        se = min(ends) + 1 if ends else len(text)
        start = max((text.rfind(c, ss, m.start()) for c in CLAUSE_MARKS), default=-1) + 1
        start = max(start, ss)
        marks = [i for i in (text.find(c, m.end(), se) for c in CLAUSE_MARKS) if i >= 0]
        stop = min(marks) if marks else se
        end = stop if stop >= se - 1 and text[stop:stop + 1] in SENTENCE_MARKS else stop + 1
        left = text[ss:start] + text[end:se]
        if sentence or content_len(left) < MIN_LEFT:
            start, end = ss, se
        text = text[:start] + text[end:]
    return text

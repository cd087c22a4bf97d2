"""Redlines a lawyer reads: changes by sentence and by word, never a mosaic of characters.

Sentences are aligned first (split after 。；！？ and line breaks), so an untouched sentence is never cut into a
neighbour's change; inside changed sentences the diff runs on jieba words. Short islands of sameness between two
changes (a shared 的, a comma) are folded into the change around them, and a sentence reworded through and through
becomes one deletion and one insertion. Offsets in the opcodes are character offsets into the two texts, the shape
of difflib's, so every place that shows a change (修改对比, 修改记录, review report, Word tracked changes) takes them.
"""

from __future__ import annotations

import logging
import re
from difflib import SequenceMatcher
from functools import cache
from typing import Any, Literal

Tag = Literal["equal", "replace", "delete", "insert"]
Opcode = tuple[Tag, int, int, int, int]

_SENTENCE = re.compile(r"[^。；！？!?;\n]*(?:[。；！？!?;]+[”’」』）)]*|\n+|$)")
_PUNCT = re.compile(r"^[\s，。；、：！？,.;:!?“”‘’（）()《》〈〉「」『』—…-]+$")
ISLAND_CHARS = 1  # an unchanged run this short between two changes (a shared 的) reads as part of the change
REWORDED = 0.4  # below this share of unchanged characters a sentence is shown as replaced whole


@cache
def _jieba() -> Any:
    import jieba  # loaded on first use: its dictionary takes a second, and most commands never diff

    jieba.setLogLevel(logging.WARNING)
    return jieba


def sentences(text: str) -> list[str]:
    """The text cut after each sentence end or line break; the pieces concatenate back to the text."""
    return [s for s in _SENTENCE.findall(text) if s]


def words(text: str) -> list[str]:
    """jieba words (precise mode, no HMM: the same text always cuts the same way); they concatenate back."""
    return _jieba().lcut(text, HMM=False) if text else []


def _diff(a: list[str], b: list[str]) -> list[Opcode]:
    return list(SequenceMatcher(None, a, b, autojunk=False).get_opcodes())


def _offsets(pieces: list[str]) -> list[int]:
    out = [0]
    for p in pieces:
        out.append(out[-1] + len(p))
    return out


def _word_ops(before: str, after: str, a0: int, b0: int) -> list[Opcode]:
    """Word-level opcodes of one changed stretch, shifted to the whole texts' offsets."""
    wa, wb = words(before), words(after)
    oa, ob = _offsets(wa), _offsets(wb)
    ops: list[Opcode] = [(tag, a0 + oa[i1], a0 + oa[i2], b0 + ob[j1], b0 + ob[j2]) for tag, i1, i2, j1, j2 in _diff(wa, wb)]
    same = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
    if same < REWORDED * max(len(before), len(after)):
        return [("replace", a0, a0 + len(before), b0, b0 + len(after))]
    return ops


def _fold(ops: list[Opcode], before: str) -> list[Opcode]:
    """Merge neighbouring changes, swallowing short unchanged islands between them; name each change by its sides."""
    merged: list[list[Any]] = []
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if i1 == i2 and j1 == j2:
            continue
        island = (tag == "equal" and 0 < n < len(ops) - 1
                  and (i2 - i1 <= ISLAND_CHARS or _PUNCT.match(before[i1:i2]) is not None)
                  and "\n" not in before[i1:i2])
        if tag != "equal" or island:
            if merged and merged[-1][0] != "equal":
                merged[-1][2], merged[-1][4] = i2, j2
                continue
            merged.append(["replace", i1, i2, j1, j2])
        elif merged and merged[-1][0] == "equal":
            merged[-1][2], merged[-1][4] = i2, j2
        else:
            merged.append(["equal", i1, i2, j1, j2])
    out: list[Opcode] = []
    for tag, i1, i2, j1, j2 in merged:
        if tag != "equal":
            tag = "insert" if i1 == i2 else "delete" if j1 == j2 else "replace"
        out.append((tag, i1, i2, j1, j2))
    return out


def opcodes(before: str, after: str) -> list[Opcode]:
    """Sentence-aligned, word-level opcodes turning ``before`` into ``after`` (character offsets)."""
    before, after = before or "", after or ""
    sa, sb = sentences(before), sentences(after)
    oa, ob = _offsets(sa), _offsets(sb)
    ops: list[Opcode] = []
    for tag, i1, i2, j1, j2 in _diff(sa, sb):
        a0, a1, b0, b1 = oa[i1], oa[i2], ob[j1], ob[j2]
        if tag == "equal":
            ops.append(("equal", a0, a1, b0, b1))
        elif tag == "replace" and i2 - i1 == j2 - j1:  # as many sentences on each side: each edited in place
            for k in range(i2 - i1):
                ops.extend(_word_ops(sa[i1 + k], sb[j1 + k], oa[i1 + k], ob[j1 + k]))
        else:
            ops.extend(_word_ops(before[a0:a1], after[b0:b1], a0, b0))
    return _fold(ops, before)


def changed_phrases(before: str, after: str) -> list[tuple[str, str]]:
    """(deleted, inserted) text of each change, in reading order."""
    return [(before[i1:i2], after[j1:j2]) for tag, i1, i2, j1, j2 in opcodes(before, after) if tag != "equal"]

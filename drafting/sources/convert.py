"""Traditional → Simplified Chinese (OpenCC) for drafting, search and the guard; the original is kept."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

logger = logging.getLogger(__name__)

_CJK = re.compile(r"[\u4e00-\u9fff]")
_QUOTED = re.compile(r"《[^《》\n]{1,80}》")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@dataclass(frozen=True)
class Converted:
    """Text ready for drafting, and what it was converted from."""

    text: str
    original: str
    traditional: bool


def is_traditional(text: str) -> bool:
    """True when enough of the Chinese characters change under Traditional → Simplified conversion."""
    sample = text[:20000]
    cjk = _CJK.findall(sample)
    if len(cjk) < 4:
        return False
    simplified = _converter().convert(sample)
    changed = sum(1 for a, b in zip(sample, simplified, strict=False) if a != b)
    # Simplified text has almost no characters OpenCC changes; Traditional text has one in six or more.
    return changed >= 3 and changed / len(cjk) >= 0.04


def to_simplified(text: str, *, keep_quoted_titles: bool = False) -> str:
    """Simplified text; with keep_quoted_titles, 《names》 stay exactly as published."""
    convert = _converter().convert
    if not keep_quoted_titles:
        return convert(text)
    out: list[str] = []
    last = 0
    for m in _QUOTED.finditer(text):
        out.append(convert(text[last:m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(convert(text[last:]))
    return "".join(out)


# A quotation inside a line is its own passage: a Simplified report may quote a Hong Kong text as published.
_QUOTATION = re.compile(r"“[^“”\n]{4,}”|「[^「」\n]{4,}」|『[^『』\n]{4,}』")


def _passage_traditional(passage: str) -> bool:
    """is_traditional for one passage; a short one (a title, a quotation) needs fewer changed characters."""
    cjk = _CJK.findall(passage)
    if len(cjk) >= 40:
        return is_traditional(passage)
    if len(cjk) < 4:
        return False
    simplified = _converter().convert(passage)
    changed = sum(1 for a, b in zip(passage, simplified, strict=False) if a != b)
    # Simplified text almost never has a character OpenCC changes: two in a short passage, one in eight, is Traditional.
    return changed >= 2 and changed / len(cjk) >= 0.12


def _line(line: str, keep_quoted_titles: bool) -> tuple[str, bool]:
    if _passage_traditional(line):
        return to_simplified(line, keep_quoted_titles=keep_quoted_titles), True
    out: list[str] = []
    last, changed = 0, False
    for m in _QUOTATION.finditer(line):
        out.append(line[last:m.start()])
        quoted = m.group(0)
        if _passage_traditional(quoted):
            quoted, changed = to_simplified(quoted, keep_quoted_titles=keep_quoted_titles), True
        out.append(quoted)
        last = m.end()
    out.append(line[last:])
    return "".join(out), changed


def for_drafting(text: str, *, keep_quoted_titles: bool = False) -> Converted:
    """Simplified text for the drafter: each Traditional passage (title, paragraph, quotation) converted, wherever it is.

    A whole Traditional text is converted at once; otherwise line by line and quotation by quotation, so a
    Simplified passage is never touched (OpenCC would change a few Simplified words too).
    """
    if is_traditional(text):
        logger.info("Traditional source converted to Simplified (%d chars)", len(text))
        return Converted(text=to_simplified(text, keep_quoted_titles=keep_quoted_titles), original=text, traditional=True)
    lines, any_changed = [], False
    for line in text.split("\n"):
        converted, changed = _line(line, keep_quoted_titles)
        lines.append(converted)
        any_changed = any_changed or changed
    if any_changed:
        logger.info("Traditional passages converted to Simplified in a mixed-script source")
    return Converted(text="\n".join(lines), original=text, traditional=any_changed)

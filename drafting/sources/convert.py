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


def for_drafting(text: str, *, keep_quoted_titles: bool = False) -> Converted:
    """Simplified text for the drafter when the source is Traditional; otherwise the text unchanged."""
    if not is_traditional(text):
        return Converted(text=text, original=text, traditional=False)
    logger.info("Traditional source converted to Simplified (%d chars)", len(text))
    return Converted(text=to_simplified(text, keep_quoted_titles=keep_quoted_titles), original=text, traditional=True)

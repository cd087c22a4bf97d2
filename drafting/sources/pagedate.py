"""A fetched page's date, checked against what its own text says.

trafilatura falls back to a year alone (a '© 2023' footer becomes 2023-01-01); a policy page's text nearly always
opens with its real date (2023年10月8日，…). The text's date wins over such a January-1st guess, and a date in the
text that cannot exist (2023年13月45日) is reported to the editor instead of being replaced by a guess.
"""

from __future__ import annotations

import datetime as dt
import re

_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|[-/.](\d{1,2})[-/.](\d{1,2})(?!\d))")
HEAD_CHARS = 400  # the date of a notice is in its title or first lines, not in its closing references


def first_date(text: str) -> tuple[str | None, str | None]:
    """(ISO date, None) for the first date in the text's opening, or (None, the literal) when that date cannot exist."""
    m = _DATE.search(text[:HEAD_CHARS])
    if m is None:
        return None, None
    year, month, day = int(m.group(1)), int(m.group(2) or m.group(4)), int(m.group(3) or m.group(5))
    try:
        return dt.date(year, month, day).isoformat(), None
    except ValueError:
        return None, m.group(0)


def settle_date(extracted: str | None, title: str | None, text: str) -> tuple[str | None, list[str]]:
    """The page's date and any problem to show the editor (in Chinese)."""
    found, impossible = first_date(f"{title or ''}\n{text}")
    year_only_guess = extracted is not None and extracted.endswith("-01-01")
    if impossible is not None:
        note = f"正文中的日期「{impossible}」不是有效日期：请核对原文后填写日期"
        if extracted is None or (year_only_guess and extracted[:4] == impossible[:4]):
            return None, [note + "（日期暂留空）"]
        return extracted, [note + f"（暂用网页元数据中的日期 {extracted}）"]
    if found is not None and (extracted is None or (year_only_guess and extracted[:4] == found[:4] and found != extracted)):
        return found, []
    return extracted, []

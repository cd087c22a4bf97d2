"""The house's text conventions, shared by the item written from a paste (item.py) and the 短评 (drafter.py):
Unicode folding, the newsletter's Chinese punctuation, dates found and written, whole sentences."""

from __future__ import annotations

import re
import unicodedata

DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
# Spaces next to Chinese text are PDF-extraction damage ("2023 年 9 月"); spaces between Latin words stay.
_SPACES = re.compile(r"(?<=[\u4e00-\u9fff\d，。、；：（）《》“”])[ \t\u3000]+|[ \t\u3000]+(?=[\u4e00-\u9fff\d，。、；：（）《》“”])")


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def house_punct(text: str) -> str:
    """Chinese punctuation as the newsletter prints it: ，；：（）“” in Chinese text (PDF extraction leaves ASCII)."""
    text = re.sub(r"(?<!\d),|,(?!\d)", "，", text)
    text = re.sub(r";", "；", text)
    text = re.sub(r":(?!//)", "：", text)
    text = re.sub(r"\(([^()]*[\u4e00-\u9fff][^()]*)\)", r"（\1）", text)
    parts = text.split('"')
    if len(parts) % 2 == 1:  # only balanced ASCII quotes become “…”
        text = "".join(p + ("“" if i % 2 == 0 else "”") if i < len(parts) - 1 else p for i, p in enumerate(parts))
    return re.sub(r"\s*([，；：。、（）“”《》])\s*", r"\1", text)


def cn_date(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


def find_date(text: str) -> str | None:
    """The first full date in the text, as ISO (2023年9月22日 → 2023-09-22)."""
    m = DATE.search(fold(text))
    if not m:
        return None
    y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return None
    return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"


def split_sentences(text: str) -> list[str]:
    """Sentences ending in 。！？；; lines without such an ending (headings, signatures) are dropped."""
    parts = re.split(r"(?<=[。！？；])|\n", _SPACES.sub("", text))
    return [p.strip() for p in parts if p.strip() and p.strip()[-1] in "。！？；"]

"""Line-level pieces of an issue's text: character classes, regexes and the small helpers on one line.

Normalising and comparing headings (compact, tidy, section_of), sentence ends, 植德短评 labels,
footnote lines and the markers glued to text, titles, dates and a section guess. No parsing state:
the structural parser (:mod:`drafting.corpus.text`) and the readers build on these.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date as _date

from drafting.models import SECTIONS, Section

# --- character classes and small helpers -------------------------------------------------------

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUP_TO_DIGIT = {c: str(i) for i, c in enumerate(SUPERSCRIPTS)}
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TERMINAL = "。！？!?…；;"
_CLOSERS = "”’\"'』」）)》】]"
# Footnote markers follow the end of a sentence (possibly after a closing quote/bracket).
_MARK_AFTER = "。！？!?；;”\"』」）)》】"

URL_RE = re.compile(r"https?://\S+")
# A footnote line: optional marker, optional short label, then a URL to the end of the line.
_FOOTNOTE_RE = re.compile(
    r"""^\s*
    (?:
        \[\^?(?P<md>\d{1,3})\]\s*:?         # [^1]: url   or   [1] url
      | \$?\s*(?:\^\s*\{\s*)+(?P<tex>\d{1,3})[\s}\\]*\$?   # $^{^{12}}\} url, $^{3}$ url  (LaTeX-ish glitch)
      | (?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})            # ¹⁰ url
      | 注\s*(?P<zhu>\d{1,3})\s*[:：]?        # 注1：url
      | (?P<num>\d{1,3})\s*[.、:：)）]?        # 1 url   1. url
    )?
    \s*(?P<label>[^\s:/][^:/]{0,30}?[:：]\s*)?   # 来源：url
    (?P<url>https?://.+?)\s*\$?\s*$""",
    re.VERBOSE,
)
_SUP_RUN_RE = re.compile(f"[{SUPERSCRIPTS}]+")
_TEX_MARK_RE = re.compile(r"\$?\s*(?:\^\s*\{\s*)+(\d{1,3})\s*[}\\]+\s*\$?")
_TRAILING_MARK_RE = re.compile(f"(?<=[{re.escape(_MARK_AFTER)}])\\s?(\\d{{1,3}})\\s*$")
_CJK_SPACE_RE = re.compile(f"(?<=[{_HAN}])[ \\t\u3000]+(?=[{_HAN}])")
_COMMENTARY_RE = re.compile(r"^\s*[#*【\[〖]*\s*植\s*德\s*[短点]\s*评\s*[】\]〗*]*\s*[:：]?\s*(?P<rest>.*)$")
_DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
    r"|(?P<y2>(?:19|20)\d{2})[-/.](?P<m2>\d{1,2})[-/.](?P<d2>\d{1,2})"
)
_VAGUE_DATE_RE = re.compile(r"近日|日前|近期|近来|昨日|今日|今天|本周|上周|日内")
_TITLE_NEXT_RE = re.compile(
    r"^\s*(?:(?:19|20)\d{2}\s*年|(?:19|20)\d{2}[-/.]\d|\d{1,2}\s*月\s*\d{1,2}\s*日|近日|日前|近期|据|今日|昨日|当地时间|北京时间)"
)
_END_HEADINGS = ("特别声明", "免责声明", "参与成员", "编委会", "联系我们")


def compact(text: str) -> str:
    """NFKC, no whitespace, lower case: the form titles and headings are compared in."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def tidy(text: str) -> str:
    """Strip and drop the spaces that PDF line wrapping leaves between two Chinese characters."""
    return _CJK_SPACE_RE.sub("", text.strip())


def section_of(text: str) -> Section | None:
    """The section a heading names (tolerates `政策\t速递2`, `交易\t,资讯9`), else None."""
    han = "".join(re.findall(f"[{_HAN}]", text))
    if len(han) != 4 or len(compact(text)) > 8:
        return None
    for s in SECTIONS:
        if han == s:
            return s
    return None


def is_terminal(text: str) -> bool:
    """True when the text ends a sentence (so it cannot continue on the next line or page)."""
    t = text.rstrip().rstrip(_CLOSERS)
    return bool(t) and t[-1] in TERMINAL


def commentary_label(text: str) -> str | None:
    """The text after a 植德短评 label ('' when the label stands alone), or None if not a label."""
    m = _COMMENTARY_RE.match(text)
    return m.group("rest").strip().strip("*").strip() if m else None


def _sup_int(s: str) -> int:
    return int("".join(_SUP_TO_DIGIT[c] for c in s))


def parse_footnote(line: str) -> tuple[int | None, str] | None:
    """(number or None, url) when the line is a footnote, else None."""
    m = _FOOTNOTE_RE.match(line)
    if not m:
        return None
    number: int | None = None
    for g in ("md", "tex", "zhu", "num"):
        if m.group(g):
            number = int(m.group(g))
    if m.group("sup"):
        number = _sup_int(m.group("sup"))
    return number, m.group("url")


def strip_markers(text: str) -> tuple[str, list[int]]:
    """Remove footnote markers glued to the text (有效性。1, ², $^{12}$) and return their numbers."""
    markers: list[int] = []

    def sup(m: re.Match[str]) -> str:
        markers.append(_sup_int(m.group(0)))
        return ""

    def tex(m: re.Match[str]) -> str:
        markers.append(int(m.group(1)))
        return ""

    text = _SUP_RUN_RE.sub(sup, text)
    text = _TEX_MARK_RE.sub(tex, text)
    m = _TRAILING_MARK_RE.search(text)
    if m:
        markers.append(int(m.group(1)))
        text = text[: m.start()]
    return text.rstrip(), markers


def is_end_heading(text: str) -> bool:
    """The closing block (特别声明, 参与成员 …) that ends the items."""
    key = compact(text).rstrip(":：")
    return len(key) <= 12 and any(key.startswith(h) for h in _END_HEADINGS)


def looks_like_title(text: str, nxt: str | None, *, loose: bool, page_break: bool = False) -> bool:
    """Title heuristic: a short line with no sentence-final punctuation, then a dated paragraph."""
    key = compact(text)
    if not (4 <= len(key) <= 80) or key[-1] in TERMINAL + ",，、:：(（":
        return False
    if _TITLE_NEXT_RE.match(text) or URL_RE.search(text) or nxt is None:
        return False
    if _TITLE_NEXT_RE.match(nxt):
        return True
    # without a ToC a title may also be followed by any long paragraph, but not across a page
    # break, where a short unfinished line is far more often the first half of a paragraph
    return loose and not page_break and len(key) <= 40 and len(compact(nxt)) >= 60


def iso_date(y: str, m: str, d: str) -> str | None:
    try:
        return _date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def extract_date(body: str) -> tuple[str | None, bool]:
    """(ISO date, found) from the start of an item's body; (None, True) when it says 近日."""
    head = body[:80]
    m = _DATE_RE.search(head)
    v = _VAGUE_DATE_RE.search(head)
    if v and (not m or v.start() < m.start()):
        return None, True
    if m:
        if m.group("y"):
            return iso_date(m.group("y"), m.group("m"), m.group("d")), True
        return iso_date(m.group("y2"), m.group("m2"), m.group("d2")), True
    return None, False


def guess_section(text: str) -> Section:
    """Best guess of the section of an item found outside any section heading."""
    if re.search(r"融资|投资|收购|并购|轮|估值|IPO|上市", text[:200]):
        return "交易资讯"
    if re.search(r"印发|发布.{0,10}(办法|通知|规定|条例|方案|意见|计划)|征求意见|政策|监管|法规", text[:200]):
        return "政策速递"
    return "行业新闻"

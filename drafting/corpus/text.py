"""The one structural parser: a stream of blocks (from any format) → sections, items, 短评, sources.

Readers turn txt/md/docx/pdf into :class:`Block` streams; plain text (the PDF extraction of an
issue, with its damage) goes through :func:`text_to_blocks` first. :func:`parse_blocks` then
finds the table of contents, section headings, item titles, 植德短评 labels and footnotes,
joins paragraphs broken by page breaks and links every item to its footnote URLs.
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date as _date
from typing import Literal

from drafting.models import SECTIONS, Issue, Item, Section

logger = logging.getLogger(__name__)

BlockKind = Literal["line", "section", "title", "doc_title", "footnote", "break"]


@dataclass
class Block:
    """One unit of an issue: a line or paragraph, a heading, a footnote or a page break."""

    text: str = ""
    kind: BlockKind = "line"
    number: int | None = None  # footnote number (None: lost in extraction, implied by position)
    markers: list[int] = field(default_factory=list)  # footnote references already known (DOCX, Markdown)


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
_JUNK_RE = re.compile(r"^[\s\-_—–·•.,，。A-Za-z0-9]{1,3}$")  # stray page numbers (7, q), marker-less rules (_ -)
_SUP_RUN_RE = re.compile(f"[{SUPERSCRIPTS}]+")
_TEX_MARK_RE = re.compile(r"\$?\s*(?:\^\s*\{\s*)+(\d{1,3})\s*[}\\]+\s*\$?")
_TRAILING_MARK_RE = re.compile(f"(?<=[{re.escape(_MARK_AFTER)}])\\s?(\\d{{1,3}})\\s*$")
_CJK_SPACE_RE = re.compile(f"(?<=[{_HAN}])[ \\t\u3000]+(?=[{_HAN}])")
_COMMENTARY_RE = re.compile(r"^\s*[#*【\[〖]*\s*植\s*德\s*[短点]\s*评\s*[】\]〗*]*\s*[:：]?\s*(?P<rest>.*)$")
_DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
    r"|(?P<y2>(?:19|20)\d{2})[-/.](?P<m2>\d{1,2})[-/.](?P<d2>\d{1,2})"
)
_MONTH_DAY_RE = re.compile(r"(?<![\d年])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
_VAGUE_DATE_RE = re.compile(r"近日|日前|近期|近来|昨日|今日|今天|本周|上周|日内")
_TITLE_NEXT_RE = re.compile(
    r"^\s*(?:(?:19|20)\d{2}\s*年|(?:19|20)\d{2}[-/.]\d|\d{1,2}\s*月\s*\d{1,2}\s*日|近日|日前|近期|据|今日|昨日|当地时间|北京时间)"
)
_END_HEADINGS = ("特别声明", "免责声明", "参与成员", "编委会", "联系我们")
_TOC_HEADINGS = ("目录", "contents")
_PERIOD_RE = re.compile(r"((?:19|20)\d{2})\s*年\s*(?:第\s*(\d{1,3})\s*期|(\d{1,2})\s*月)")


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


def join_text(a: str, b: str) -> str:
    """Join two pieces of one paragraph broken by a line or page."""
    # Chinese needs no space; two Latin words/numbers do.
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


def _sup_int(s: str) -> int:
    return int("".join(_SUP_TO_DIGIT[c] for c in s))


# --- plain text → blocks -----------------------------------------------------------------------


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


def text_to_blocks(text: str) -> list[Block]:
    """Lines of extracted text → blocks: 2+ blank lines or a form feed is a page break."""
    blocks: list[Block] = []
    blanks = 0
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        parts = raw.split("\f")
        for n, part in enumerate(parts):
            if n:  # a form feed between pages
                blocks.append(Block(kind="break"))
                blanks = 0
            line = part.strip().strip("\ufeff")
            if not line:
                blanks += 1
                continue
            if blanks >= 2:
                blocks.append(Block(kind="break"))
            blanks = 0
            blocks.append(Block(text=part.rstrip()))
    if blanks >= 2:
        blocks.append(Block(kind="break"))
    return blocks


# --- the structural parser ---------------------------------------------------------------------


@dataclass
class _Para:
    text: str
    kind: Literal["para", "section", "title", "label", "end", "doc_title"] = "para"
    section: Section | None = None
    markers: list[int] = field(default_factory=list)
    brk: bool = False  # a page break (or footnote block) came right before this paragraph


@dataclass
class _Draft:
    section: Section | None
    title: str
    body: list[str] = field(default_factory=list)
    commentary: list[str] | None = None
    markers: list[int] = field(default_factory=list)


class _Toc:
    """Table-of-contents titles, used as a guide for spotting titles in the body."""

    def __init__(self, entries: list[str]) -> None:
        self.entries = entries
        self.keys = [compact(e) for e in entries]
        self.found: set[int] = set()

    def match(self, text: str) -> int | None:
        key = compact(text)
        if len(key) < 4:
            return None
        for n, k in enumerate(self.keys):
            # the ToC line is the title plus its page number
            if k == key or (k.startswith(key) and k[len(key):].isdigit()):
                return n
        best, best_ratio = None, 0.0
        for n, k in enumerate(self.keys):
            if len(key) > 1.3 * len(k) + 4 or len(k) > 1.3 * len(key) + 4:
                continue  # lengths too far apart to reach the ratio; skip the quadratic compare
            kk = re.sub(r"\d{1,3}$", "", k) if not key[-1:].isdigit() else k
            ratio = difflib.SequenceMatcher(None, key, kk).ratio()
            if ratio > best_ratio:
                best, best_ratio = n, ratio
        return best if best_ratio >= 0.9 else None

    def is_prefix(self, text: str) -> bool:
        key = compact(text)
        return len(key) >= 4 and any(k.startswith(key) and len(k) > len(key) + 3 for k in self.keys)


def _extract_toc(blocks: list[Block]) -> tuple[list[Block], _Toc | None]:
    """Remove the table of contents from the stream and return its item titles."""
    start = next(
        (n for n, b in enumerate(blocks) if b.kind == "line" and compact(b.text) in _TOC_HEADINGS), None
    )
    if start is None:
        return blocks, None
    entries: list[str] = []
    listed: set[str] = set()
    end = start + 1
    while end < len(blocks):
        b = blocks[end]
        if b.kind == "break" and entries:
            break
        if b.kind == "line":
            text = b.text.strip()
            sec = section_of(text)
            if sec:
                # a section named twice: the second time it is the body's heading
                if sec in listed and "\t" not in text and not re.search(r"\d", text):
                    break
                listed.add(sec)
            elif not re.fullmatch(r"[\d\s]+", text) and len(compact(text)) >= 4:
                entries.append(text.replace("\t", " "))
        elif b.kind != "break":
            break
        end += 1
    return blocks[:start] + blocks[end:], _Toc(entries)


def _drop_running_heads(blocks: list[Block]) -> list[Block]:
    """Drop page headers/footers: the same line next to a page break on three or more pages."""
    counts: Counter[str] = Counter()
    for n, b in enumerate(blocks):
        if b.kind != "line":
            continue
        near_break = (n > 0 and blocks[n - 1].kind == "break") or (n + 1 < len(blocks) and blocks[n + 1].kind == "break")
        if near_break:
            counts[compact(b.text)] += 1
    heads = {
        k for k, c in counts.items()
        if c >= 3 and len(k) <= 40 and not section_of(k) and commentary_label(k) is None
    }
    if not heads:
        return blocks
    return [b for b in blocks if not (b.kind == "line" and compact(b.text) in heads)]


def _strip_markers(text: str) -> tuple[str, list[int]]:
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


def _looks_like_title(text: str, nxt: str | None, *, loose: bool, page_break: bool = False) -> bool:
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


def _iso_date(y: str, m: str, d: str) -> str | None:
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
            return _iso_date(m.group("y"), m.group("m"), m.group("d")), True
        return _iso_date(m.group("y2"), m.group("m2"), m.group("d2")), True
    return None, False


def guess_section(text: str) -> Section:
    """Best guess of the section of an item found outside any section heading."""
    if re.search(r"融资|投资|收购|并购|轮|估值|IPO|上市", text[:200]):
        return "交易资讯"
    if re.search(r"印发|发布.{0,10}(办法|通知|规定|条例|方案|意见|计划)|征求意见|政策|监管|法规", text[:200]):
        return "政策速递"
    return "行业新闻"


def parse_blocks(
    blocks: list[Block],
    *,
    issue_id: str,
    source_file: str | None = None,
    join_broken: bool = True,
) -> Issue:
    """Blocks of any reader → Issue; `join_broken` mends paragraphs split by lines or pages."""
    problems: list[str] = []
    blocks = _drop_running_heads(blocks)
    blocks, toc = _extract_toc(blocks)
    explicit_titles = any(b.kind == "title" for b in blocks)

    # 1. Footnotes: number them (lost numbers are implied by position) and drop them from the flow.
    footnotes: dict[int, str] = {}
    flow: list[Block] = []
    prev_number = 0
    read: list[Block] = []
    for b in blocks:
        if b.kind == "line":
            fn = parse_footnote(b.text)
            if fn:
                b = Block(text=fn[1], kind="footnote", number=fn[0])
            elif _JUNK_RE.match(b.text.strip()):
                continue
        read.append(b)
    # numbers held by a footnote anywhere, in extracted text as in Word: a lost number is never guessed as one of them
    explicit = {b.number for b in read if b.kind == "footnote" and b.number is not None}
    for b in read:
        if b.kind == "footnote":
            url = b.text.strip()
            if " " in url:
                # PDF extraction turns "_" into a space inside URLs (art_115c…, content_110102)
                url = re.sub(r"\s+", "_", url)
                problems.append(f"脚注网址中的空格已按下划线修复：{url}")
            number = b.number
            if number is None:
                number = prev_number + 1
                if number in explicit:
                    problems.append(f"脚注编号丢失且无法按位置推断：{url}")
                    continue
                problems.append(f"脚注编号丢失，按位置推断为 {number}：{url}")
            if number in footnotes and footnotes[number] != url:
                problems.append(f"脚注 {number} 重复出现，保留第一个：{footnotes[number]}")
            else:
                footnotes[number] = url
            prev_number = number
            flow.append(Block(kind="break"))  # footnotes sit at the bottom of a page
            continue
        flow.append(b)

    # 2. Paragraphs with markers stripped, each noting whether a page break preceded it.
    paras: list[_Para] = []
    brk = False
    for b in flow:
        if b.kind == "break":
            brk = True
            continue
        if b.kind in ("section", "title", "doc_title"):
            text = tidy(b.text)
            sec = section_of(text) if b.kind == "section" else None
            if b.kind == "section" and sec is None:
                problems.append(f"未知栏目「{text}」，按正文推断栏目")
            paras.append(_Para(text=text, kind=b.kind, section=sec, markers=list(b.markers), brk=brk))
        else:
            text, markers = _strip_markers(b.text)
            text = tidy(text)
            if text:
                paras.append(_Para(text=text, markers=list(b.markers) + markers, brk=brk))
            elif markers and paras:
                paras[-1].markers += markers
        brk = False

    # 3. Classify lines: section heading, end of issue, 植德短评 label, item title or body text.
    started = False
    for n, p in enumerate(paras):
        if p.kind == "title" and is_end_heading(p.text):
            p.kind = "end"
            break
        if p.kind != "para":
            if p.kind == "title" and toc is not None and (hit := toc.match(p.text)) is not None:
                toc.found.add(hit)
            started = started or p.kind in ("section", "title")
            continue
        sec = section_of(p.text)
        if sec and len(compact(p.text)) <= 8:
            p.kind, p.section, started = "section", sec, True
            continue
        if started and is_end_heading(p.text):
            p.kind = "end"
            break
        if commentary_label(p.text) is not None:
            p.kind = "label"
            continue
        following = next((q for q in paras[n + 1 :] if q.kind == "para"), None)
        nxt = following.text if following else None
        if toc is not None:
            hit = toc.match(p.text)
            if hit is not None:
                toc.found.add(hit)
                p.kind, started = "title", True
                continue
            # a title wrapped onto two lines
            if following is not None and toc.is_prefix(p.text) and (hit := toc.match(p.text + following.text)) is not None:
                toc.found.add(hit)
                p.text, p.kind, started = join_text(p.text, following.text), "title", True
                following.kind, following.text = "doc_title", ""  # consumed into the title; dropped below
                continue
        brk_next = bool(following and following.brk)
        if not explicit_titles and _looks_like_title(p.text, nxt, loose=toc is None, page_break=brk_next):
            p.kind, started = "title", True
            continue
        if not started:
            p.kind = "doc_title"
    paras = [p for p in paras if p.text or p.kind == "end"]
    if toc is not None:
        for n, entry in enumerate(toc.entries):
            if n not in toc.found:
                problems.append(f"目录中的标题在正文中未找到：{entry}")

    # 4. Mend paragraphs split by a line or page break (…创新型中 | 小企业, 打造…).
    if join_broken:
        mended: list[_Para] = []
        for p in paras:
            prev = mended[-1] if mended else None
            if (
                prev is not None
                and prev.kind == "para"
                and p.kind == "para"
                and not is_terminal(prev.text)
                and len(compact(prev.text)) >= 20
                and commentary_label(p.text) is None
            ):
                prev.text = join_text(prev.text, p.text)
                prev.markers += p.markers
                continue
            mended.append(p)
        paras = mended

    # 5. Items.
    title_lines = [p.text for p in paras if p.kind == "doc_title"]
    drafts: list[_Draft] = []
    section: Section | None = None
    cur: _Draft | None = None
    for p in paras:
        if p.kind == "end":
            break
        if p.kind == "section":
            section, cur = p.section, None
            continue
        if p.kind == "title":
            cur = _Draft(section=section, title=p.text, markers=list(p.markers))
            drafts.append(cur)
            continue
        if p.kind == "doc_title":
            continue
        if cur is None:
            if p.kind == "para":
                problems.append(f"条目标题之前的文字被忽略：{p.text[:30]}")
            continue
        if p.kind == "label":
            cur.commentary = cur.commentary or []
            rest = commentary_label(p.text) or ""
            if rest:
                cur.commentary.append(rest)
            cur.markers += p.markers
            continue
        (cur.commentary if cur.commentary is not None else cur.body).append(p.text)
        cur.markers += p.markers

    items = _finish(drafts, footnotes, issue_id, problems)
    title, period = _issue_title(title_lines)
    return Issue(id=issue_id, title=title, period=period, source_file=source_file, items=items, problems=problems)


def _issue_title(lines: list[str]) -> tuple[str, str | None]:
    title = next((t for t in lines if 2 <= len(compact(t)) <= 40 and compact(t) not in _TOC_HEADINGS), "")
    period = None
    for t in lines:
        m = _PERIOD_RE.search(t)
        if m:
            period = f"{m.group(1)}年第{m.group(2)}期" if m.group(2) else f"{m.group(1)}-{int(m.group(3)):02d}"
            break
    return title, period


def _finish(drafts: list[_Draft], footnotes: dict[int, str], issue_id: str, problems: list[str]) -> list[Item]:
    """Dates, sections and sources for the drafted items; footnotes without a marker go by order."""
    claimed = {m for d in drafts for m in d.markers}
    # The gap (last marker before, first marker after) of every marker-less item, computed once: asking each item
    # about every other one was cubic (an 800-item Markdown issue without footnote markers took minutes).
    gaps = _marker_gaps(drafts, max(footnotes, default=0) + 1)
    sharing = Counter(gaps[n] for n, d in enumerate(drafts) if not d.markers)
    for n, d in enumerate(drafts):
        if d.markers:
            continue
        prev, nxt = gaps[n]
        rivals = sharing[(prev, nxt)] > 1  # other marker-less items competing for the same gap
        free = [k for k in sorted(footnotes) if prev < k < nxt and k not in claimed]
        if free and not rivals:
            d.markers = free
            claimed.update(free)
            problems.append(f"「{d.title}」的脚注标记丢失，按顺序对应脚注 {', '.join(map(str, free))}")
    for k in sorted(set(footnotes) - claimed):
        problems.append(f"脚注 {k} 没有对应的条目：{footnotes[k]}")

    years: Counter[str] = Counter()
    dated: list[tuple[_Draft, str | None, bool]] = []
    for d in drafts:
        iso, found = extract_date("".join(d.body))
        if iso:
            years[iso[:4]] += 1
        dated.append((d, iso, found))

    items: list[Item] = []
    for d, iso, found in dated:
        body = "\n".join(d.body).strip()
        if not found:
            md = _MONTH_DAY_RE.search(body[:60])
            if md and years:
                iso = _iso_date(years.most_common(1)[0][0], md.group("m"), md.group("d"))
                problems.append(f"「{d.title}」的日期没有年份，按本期其他条目推断为 {iso}")
            else:
                problems.append(f"「{d.title}」的正文开头没有日期")
        section = d.section
        if section is None:
            section = guess_section(d.title + body)
            problems.append(f"「{d.title}」不在任何栏目标题下，推断为{section}")
        if not body:
            problems.append(f"「{d.title}」没有正文")
        commentary = "\n".join(d.commentary).strip() if d.commentary else None
        if d.commentary is not None and not commentary:
            problems.append(f"「{d.title}」的植德短评为空")
        if section == "政策速递" and not commentary:
            problems.append(f"政策速递条目「{d.title}」没有植德短评")
        sources: list[str] = []
        for m in d.markers:
            url = footnotes.get(m)
            if url is None:
                problems.append(f"「{d.title}」引用的脚注 {m} 不存在")
            elif url not in sources:
                sources.append(url)
        items.append(
            Item(
                section=section, title=d.title, date=iso, body=body,
                commentary=commentary, sources=sources, issue=issue_id,
            )
        )
    return items


def _marker_gaps(drafts: list[_Draft], end: int) -> list[tuple[int, int]]:
    """Per item: (highest marker of the items before it, lowest marker of the next item that has markers, or end)."""
    gaps: list[tuple[int, int]] = []
    prev = 0
    for d in drafts:
        gaps.append((prev, 0))
        prev = max([prev, *d.markers])
    nxt = end
    for n in range(len(drafts) - 1, -1, -1):
        gaps[n] = (gaps[n][0], nxt)
        if drafts[n].markers:
            nxt = min(drafts[n].markers)
    return gaps

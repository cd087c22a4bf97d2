"""The one structural parser: a stream of blocks (from any format) → sections, items, 短评, sources.

Readers turn txt/md/docx/pdf into :class:`Block` streams; plain text (the PDF extraction of an
issue, with its damage) goes through :func:`text_to_blocks` first. :func:`parse_blocks` then
finds the table of contents, drops running heads, finds section headings, item titles, 植德短评
labels and footnotes, joins paragraphs broken by page breaks and links every item to its footnote
URLs. The one-line helpers it applies (headings, markers, dates) are in :mod:`drafting.corpus.lines`.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from drafting.corpus.lines import (
    commentary_label,
    compact,
    extract_date,
    guess_section,
    is_end_heading,
    is_terminal,
    iso_date,
    looks_like_title,
    parse_footnote,
    section_of,
    strip_markers,
    tidy,
)
from drafting.models import Issue, Item, Section
from drafting.sources.formats import join_text

logger = logging.getLogger(__name__)

BlockKind = Literal["line", "section", "title", "doc_title", "footnote", "break"]


@dataclass
class Block:
    """One unit of an issue: a line or paragraph, a heading, a footnote or a page break."""

    text: str = ""
    kind: BlockKind = "line"
    number: int | None = None  # footnote number (None: lost in extraction, implied by position)
    markers: list[int] = field(default_factory=list)  # footnote references already known (DOCX, Markdown)


_JUNK_RE = re.compile(r"^[\s\-_—–·•.,，。A-Za-z0-9]{1,3}$")  # stray page numbers (7, q), marker-less rules (_ -)
_MONTH_DAY_RE = re.compile(r"(?<![\d年])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
_TOC_HEADINGS = ("目录", "contents")
_PERIOD_RE = re.compile(r"((?:19|20)\d{2})\s*年\s*(?:第\s*(\d{1,3})\s*期|(\d{1,2})\s*月)")


# --- plain text → blocks -----------------------------------------------------------------------


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
            text, markers = strip_markers(b.text)
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
        if not explicit_titles and looks_like_title(p.text, nxt, loose=toc is None, page_break=brk_next):
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
                # a 短评 wrapped right after its label ("植德短评：…配套 | 细则…") is one sentence too
                and prev.kind in ("para", "label")  # a label line alone ("植德短评：") is too short to continue
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
                iso = iso_date(years.most_common(1)[0][0], md.group("m"), md.group("d"))
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

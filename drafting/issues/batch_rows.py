"""A batch's rows: what one good row is (an item, raw text, or a link to fetch), what a rejected row says, and the
validation that turns (line, record) pairs from any reader into entries and problems (bad rows never stop the good
ones; repeats are drafted once, near-identical titles flagged). Kept apart from the file formats (batch_readers.py)."""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from drafting.models import SECTIONS, DraftRequest, Item, Section

# Column/field names accepted for each field, English and Chinese; compared after lower-casing.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "section": ("section", "栏目", "板块", "类别"),
    "title": ("title", "标题", "题目"),
    "date": ("date", "日期", "时间"),
    "body": ("body", "正文", "内容", "text"),
    "raw": ("raw", "raw_text", "原文", "素材"),
    "sources": ("sources", "source", "url", "urls", "来源", "链接", "出处", "source url"),
}
SECTION_ALIASES: dict[str, Section] = {
    "政策": "政策速递", "政策速递": "政策速递", "policy": "政策速递",
    "新闻": "行业新闻", "行业新闻": "行业新闻", "news": "行业新闻",
    "交易": "交易资讯", "交易资讯": "交易资讯", "deal": "交易资讯", "deals": "交易资讯",
}
URL_RE = re.compile(r"https?://[^\s<>\"'）)，,；;]+")
CN_DATE_RE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
NUM_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
NEAR_TITLE = 0.9  # difflib ratio above which two titles are "near-identical"


class BatchEntry(BaseModel):
    """One good row: an item to draft, or raw text whose item the drafter writes first."""

    line: int = Field(description="1-based line/row/paragraph of the input where the row starts")
    key: str = Field(description="stable id in the batch: the item id, or a hash of the raw text")
    item: Item | None = None
    raw_text: str | None = None
    section: Section | None = Field(default=None, description="section of raw text; None = guessed by the drafter")
    link: str | None = Field(default=None, description="a row with only a 来源/链接: its text is fetched (prepare_sources)")
    sources: list[str] = Field(default_factory=list, description="a raw row's 来源: kept on the drafted item")

    @property
    def label(self) -> str:
        """Short human label: the title, or the first characters of the raw text."""
        if self.item:
            return self.item.title
        if self.link and not self.raw_text:
            return self.link
        text = re.sub(r"\s+", " ", self.raw_text or "").strip()
        return text[:30] + ("…" if len(text) > 30 else "")

    def request(self, *, offline: bool = False, commentary: bool | None = None) -> DraftRequest:
        """The drafting request for this row (commentary=True: a 短评 whatever the section)."""
        if self.item is not None:
            return DraftRequest(item=self.item, offline=offline, commentary=commentary)
        return DraftRequest(raw_text=self.raw_text, section=self.section, offline=offline, commentary=commentary)


class RowProblem(BaseModel):
    """A rejected row, or a warning about a kept one (duplicates)."""

    line: int
    reason: str
    fatal: bool = Field(default=True, description="False for warnings: the row is still drafted")

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.reason}"


class BatchInput(BaseModel):
    """The parsed list: good entries in input order, and every problem found."""

    source: str
    entries: list[BatchEntry] = Field(default_factory=list)
    problems: list[RowProblem] = Field(default_factory=list)

    @property
    def errors(self) -> list[RowProblem]:
        """Rows rejected outright."""
        return [p for p in self.problems if p.fatal]

    @property
    def warnings(self) -> list[RowProblem]:
        """Rows kept with a remark (e.g. a near-duplicate title)."""
        return [p for p in self.problems if not p.fatal]


def clean_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").strip()


def parse_date(value: str) -> str | None:
    """ISO date from 2023-09-18, 2023/9/18, 2023.9.18, 2023年9月18日; None for empty/近日; ValueError otherwise."""
    text = unicodedata.normalize("NFKC", value).strip()
    if not text or text in {"近日", "日前", "近期"}:
        return None
    m = NUM_DATE_RE.match(text) or CN_DATE_RE.match(text)
    if not m or (m.re is CN_DATE_RE and m.end() != len(text.rstrip())):
        raise ValueError(text)
    return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()


def date_from_body(body: str) -> str | None:
    """The date a house-style body opens with (\"2023年9月18日，…\"), if any."""
    m = CN_DATE_RE.match(unicodedata.normalize("NFKC", body))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def normalize_section(value: str) -> Section | None:
    """The canonical section for a name or alias; None when unknown."""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).lower()
    return SECTION_ALIASES.get(key)


def split_sources(value: Any) -> list[str]:
    """Source URLs from a list or a string separated by spaces, commas, semicolons or new lines."""
    if isinstance(value, list):
        parts = [clean_value(v) for v in value]
    else:
        parts = re.split(r"[\s,，;；、]+", clean_value(value))
    return [p for p in parts if p]


def canonical(record: dict[str, Any]) -> dict[str, Any]:
    """Map English/Chinese field names onto section/title/date/body/raw/sources."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        key = re.sub(r"\s+", " ", clean_value(name)).lower()
        for field, aliases in FIELD_ALIASES.items():
            if key in aliases and (field not in out or not clean_value(out[field])):
                out[field] = value
    return out


def make_entry(record: dict[str, Any], line: int) -> BatchEntry | RowProblem:
    """Validate one record (already keyed by canonical field names) into an entry or a problem."""
    rec = canonical(record)
    section_text = clean_value(rec.get("section"))
    title = clean_value(rec.get("title"))
    body = clean_value(rec.get("body"))
    raw = clean_value(rec.get("raw"))
    date_text = clean_value(rec.get("date"))
    sources_value = rec.get("sources")
    sources = split_sources(sources_value) if sources_value is not None else []
    if not any([section_text, title, body, raw, date_text, sources]):
        return RowProblem(line=line, reason="空行（没有任何内容），已跳过")
    section: Section | None = None
    if section_text:
        section = normalize_section(section_text)
        if section is None:
            return RowProblem(line=line, reason=f"未知栏目「{section_text}」：应为 {'、'.join(SECTIONS)} 之一")
    try:
        iso = parse_date(date_text)
    except ValueError:
        return RowProblem(line=line, reason=f"日期格式错误「{date_text}」：请写成 2023-09-18 或 2023年9月18日")
    if title and body:
        if section is None:
            return RowProblem(line=line, reason=f"缺少栏目：请填写 {'、'.join(SECTIONS)} 之一（条目「{title[:20]}」）")
        item = Item(section=section, title=title, date=iso or date_from_body(body), body=body, sources=sources)
        return BatchEntry(line=line, key=item.id, item=item)
    text = raw or body
    if not text and len(sources) == 1 and URL_RE.fullmatch(sources[0]):
        # A link with no text: drafted from the page it points to (fetched before the run, once per link).
        key = "u" + hashlib.sha1(f"{section or ''}|{sources[0]}".encode()).hexdigest()[:12]
        return BatchEntry(line=line, key=key, section=section, link=sources[0])
    if not text:
        what = f"条目「{title[:20]}」" if title else "该行"
        return RowProblem(line=line, reason=f"缺少正文：{what}没有正文或原文，请补上正文（或在「原文」列粘贴原文）")
    if title:
        text = f"{title}\n{text}"
    if sources:
        text += "\n" + "\n".join(f"来源：{s}" for s in sources)
    compact = re.sub(r"\s+", "", text)
    key = "r" + hashlib.sha1(f"{section or ''}|{compact}".encode()).hexdigest()[:12]
    return BatchEntry(line=line, key=key, raw_text=text, section=section, sources=sources)



def validate_rows(rows: list[tuple[int, Any]], *, source: str) -> BatchInput:
    """Turn (line, record) pairs into entries and problems; trailing empty rows are ignored."""
    while rows and isinstance(rows[-1][1], dict) and not any(clean_value(v) for v in rows[-1][1].values()):
        rows = rows[:-1]
    result = BatchInput(source=source)
    for line, record in rows:
        if isinstance(record, RowProblem):
            result.problems.append(record)
            continue
        if not isinstance(record, dict):
            result.problems.append(RowProblem(line=line, reason="应为对象（含 section/title/body 等字段），已跳过"))
            continue
        made = make_entry(record, line)
        if isinstance(made, RowProblem):
            result.problems.append(made)
        else:
            result.entries.append(made)
    result.entries, dup_problems = dedupe(result.entries)
    result.problems.extend(dup_problems)
    result.problems.sort(key=lambda p: p.line)
    return result


def _title_key(entry: BatchEntry) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", entry.label)).lower()


def dedupe(entries: list[BatchEntry]) -> tuple[list[BatchEntry], list[RowProblem]]:
    """Drop exact repeats (same id, drafted once) and flag near-identical titles (both kept)."""
    kept: list[BatchEntry] = []
    problems: list[RowProblem] = []
    by_key: dict[str, BatchEntry] = {}
    for e in entries:
        first = by_key.get(e.key)
        if first is not None:
            problems.append(RowProblem(line=e.line, reason=f"与第 {first.line} 行重复（同一条目），只起草一次", fatal=False))
            continue
        by_key[e.key] = e
        kept.append(e)
    titled = [(e, _title_key(e)) for e in kept if e.item is not None]
    for i, (a, ka) in enumerate(titled):
        for b, kb in titled[:i]:
            if ka and kb and difflib.SequenceMatcher(None, ka, kb).ratio() >= NEAR_TITLE:
                problems.append(RowProblem(
                    line=a.line, reason=f"标题与第 {b.line} 行「{b.label[:20]}」几乎相同，可能重复，请核对", fatal=False,
                ))
                break
    return kept, problems

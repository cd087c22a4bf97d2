"""Reading a batch's item list (JSON/JSONL, CSV/XLSX, Markdown, DOCX notes) with row-level validation.

Every row becomes a :class:`BatchEntry` (a structured item, or raw text whose item the drafter
writes first) or a :class:`RowProblem` naming its line/row and the reason in Chinese; bad rows never
stop the good ones.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import logging
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from drafting.errors import ValidationError
from drafting.models import SECTIONS, DraftRequest, Item, Section
from drafting.settings import SourcesSettings

logger = logging.getLogger(__name__)

SUFFIXES = (".json", ".jsonl", ".csv", ".xlsx", ".md", ".markdown", ".docx")

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
# Headings that belong to the issue frame, not to any item (an exported issue read back as notes).
FRAME_HEADINGS = {"目录", "目 录", "特别声明", "参与成员"}
URL_RE = re.compile(r"https?://[^\s<>\"'）)，,；;]+")
CN_DATE_RE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
NUM_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$")
META_RE = re.compile(r"^\s*(栏目|日期|来源|链接|原文链接|section|date|source|url)\s*[:：]\s*(.*)$", re.IGNORECASE)
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


def _clean(value: Any) -> str:
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
        parts = [_clean(v) for v in value]
    else:
        parts = re.split(r"[\s,，;；、]+", _clean(value))
    return [p for p in parts if p]


def _canonical(record: dict[str, Any]) -> dict[str, Any]:
    """Map English/Chinese field names onto section/title/date/body/raw/sources."""
    out: dict[str, Any] = {}
    for name, value in record.items():
        key = re.sub(r"\s+", " ", _clean(name)).lower()
        for field, aliases in FIELD_ALIASES.items():
            if key in aliases and (field not in out or not _clean(out[field])):
                out[field] = value
    return out


def make_entry(record: dict[str, Any], line: int) -> BatchEntry | RowProblem:
    """Validate one record (already keyed by canonical field names) into an entry or a problem."""
    rec = _canonical(record)
    section_text = _clean(rec.get("section"))
    title = _clean(rec.get("title"))
    body = _clean(rec.get("body"))
    raw = _clean(rec.get("raw"))
    date_text = _clean(rec.get("date"))
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


# ---------- readers: each yields (line, record) pairs ----------

def _read_json(path: Path, text: str) -> list[tuple[int, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{path.name}：第 {exc.lineno} 行 JSON 格式错误（{exc.msg}），请修正后重试") from exc
    if isinstance(data, dict):
        data = data.get("items", data.get("条目"))
    if not isinstance(data, list):
        raise ValidationError(f"{path.name}：JSON 应为条目列表，或含 \"items\" 列表的对象")
    # JSON arrays have no line per record: number them 1..n ("第 n 条" in the file).
    return list(enumerate(data, 1))


def _read_jsonl(path: Path, text: str) -> list[tuple[int, Any]]:
    rows: list[tuple[int, Any]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            rows.append((n, {}))
            continue
        try:
            rows.append((n, json.loads(line)))
        except json.JSONDecodeError as exc:
            rows.append((n, RowProblem(line=n, reason=f"JSON 格式错误（{exc.msg}，第 {exc.colno} 列）")))
    return rows


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(f"{path.name}：无法识别文件编码，请另存为 UTF-8")


def _table_rows(rows: list[tuple[int, list[Any]]], path: Path) -> list[tuple[int, Any]]:
    """Header row + data rows → records; the header must name a title/body/raw column."""
    if not rows:
        return []
    header_line, header = rows[0]
    names = [_clean(h) for h in header]
    known = set(_canonical({n: "x" for n in names if n}))
    if not known & {"title", "body", "raw"}:
        raise ValidationError(
            f"{path.name}：第 {header_line} 行应为表头，至少包含「标题/title」「正文/body」或「原文/raw」一列"
            f"（可用列：栏目、标题、日期、正文、原文、来源）"
        )
    return [(line, dict(zip(names, values))) for line, values in rows[1:]]


def _read_csv(path: Path, text: str) -> list[tuple[int, Any]]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = [(reader.line_num, row) for row in reader]
    return _table_rows(rows, path)


def _read_xlsx(path: Path) -> list[tuple[int, Any]]:
    from openpyxl import load_workbook

    _refuse_zip_bomb(path, "XLSX")
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise ValidationError(f"{path.name}：无法读取 Excel 文件（{exc}），请确认是 .xlsx 格式") from exc
    rows: list[tuple[int, Any]] = []
    for sheet in book.worksheets:
        # the first sheet with any content: a list kept on 工作表2 behind an empty first sheet is still read
        rows = [(n, list(r)) for n, r in enumerate(sheet.iter_rows(values_only=True), 1)]
        if any(v is not None and str(v).strip() for _, r in rows for v in r):
            break
    book.close()
    return _table_rows(rows, path)


def _blocks_to_records(blocks: list[tuple[int, str, str]]) -> list[tuple[int, Any]]:
    """(line, kind, text) blocks with kind heading|para → one record per titled item.

    A heading naming a section sets the section for the items after it; any other heading starts an
    item; paragraphs like 日期：/来源：/栏目： are fields; bare URLs are sources; text before the first
    item heading is ignored.
    """
    records: list[tuple[int, Any]] = []
    section = ""
    current: dict[str, Any] | None = None
    stopped = False
    in_commentary = False  # an exported issue read back: its 植德短评 is not part of the body

    def flush() -> None:
        if current is not None:
            current["body"] = "\n".join(current.pop("paras"))
            records.append((current.pop("line"), current))

    for line, kind, text in blocks:
        text = text.strip()
        if re.match(r"^\**植德短评", text):
            in_commentary = True
            continue
        if kind != "para":
            in_commentary = False
        if kind == "frame":
            flush()
            current = None
            continue
        if kind == "heading":
            plain = re.sub(r"\s+", "", text)
            if plain in {"特别声明", "参与成员"}:
                stopped = True
            if stopped or plain in FRAME_HEADINGS or plain.startswith("目录"):
                flush()
                current = None
                continue
            if normalize_section(plain):
                flush()
                current = None
                section = plain
                continue
            flush()
            current = {"line": line, "section": section, "title": text, "paras": [], "sources": []}
            continue
        if current is None or not text or in_commentary:
            continue
        meta = META_RE.match(text)
        if meta:
            field, value = meta.group(1).lower(), meta.group(2).strip()
            if field in {"来源", "链接", "原文链接", "source", "url"}:
                current["sources"].extend(URL_RE.findall(value) or [value])
            elif field in {"栏目", "section"}:
                current["section"] = value
            else:
                current["date"] = value
            continue
        if URL_RE.fullmatch(text):
            current["sources"].append(text)
            continue
        current["paras"].append(text)
    flush()
    return records


def _read_markdown(text: str) -> list[tuple[int, Any]]:
    blocks: list[tuple[int, str, str]] = []
    para: list[str] = []
    start = 0
    footnotes: dict[str, str] = {}

    def end_para() -> None:
        if para:
            blocks.append((start, "para", " ".join(para) if all(p.isascii() for p in para) else "".join(para)))
            para.clear()

    for n, line in enumerate(text.splitlines(), 1):
        fn = re.match(r"^\[\^(\w+)\]:\s*(.+)$", line)
        if fn:
            footnotes[fn.group(1)] = fn.group(2).strip()
            end_para()
            continue
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if m:
            end_para()
            heading = m.group(2).strip("* ")
            # "#" is the document's title unless it names a section; items sit under ##/###.
            kind = "frame" if len(m.group(1)) == 1 and not normalize_section(heading) else "heading"
            blocks.append((n, kind, heading))
            continue
        if not line.strip():
            end_para()
            continue
        if not para:
            start = n
        para.append(line.strip())
    end_para()
    records = _blocks_to_records(blocks)
    # Footnote markers [^n] in a body become that item's sources (the Markdown export's own layout).
    for _, rec in records:
        refs = re.findall(r"\[\^(\w+)\]", rec.get("body", ""))
        rec["body"] = re.sub(r"\[\^\w+\]", "", rec.get("body", ""))
        rec["body"] = re.sub(r"\*\*植德短评[:：]\*\*.*", "", rec["body"], flags=re.DOTALL).strip()
        rec["sources"] = rec["sources"] + [footnotes[r] for r in refs if r in footnotes]
    return records


def _refuse_zip_bomb(path: Path, kind: str) -> None:
    from drafting.errors import ParseError
    from drafting.sources.formats import check_zip

    try:
        check_zip(path, kind)
    except ParseError as exc:
        raise ValidationError(str(exc)) from exc


def _read_docx(path: Path) -> list[tuple[int, Any]]:
    from docx import Document

    _refuse_zip_bomb(path, "DOCX")
    try:
        doc = Document(str(path))
    except Exception as exc:
        raise ValidationError(f"{path.name}：无法读取 Word 文件（{exc}），请确认是 .docx 格式") from exc
    blocks: list[tuple[int, str, str]] = []
    for n, p in enumerate(doc.paragraphs, 1):
        text = p.text.strip()
        if not text:
            continue
        style = (p.style.name if p.style is not None else "") or ""
        runs = [r for r in p.runs if r.text.strip()]
        bold = bool(runs) and all(r.bold or (r.style is not None and r.style.font.bold) for r in runs)
        lowered = style.lower()
        if lowered.startswith(("title", "toc", "subtitle")):
            blocks.append((n, "frame", text))  # an exported issue's cover and 目录
            continue
        # A short all-bold paragraph is how people title notes without heading styles.
        is_heading = lowered.startswith("heading") or (bold and len(text) <= 80)
        blocks.append((n, "heading" if is_heading else "para", text))
    return _blocks_to_records(blocks)


def read_items(path: Path) -> BatchInput:
    """Read and validate an item list; ValidationError only when the whole file is unreadable."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationError(f"{path.name}：不支持的文件类型 {suffix or '（无扩展名）'}，请使用 {'、'.join(SUFFIXES)}")
    if not path.is_file():
        raise ValidationError(f"{path}：文件不存在，请检查路径")
    if suffix == ".xlsx":
        rows = _read_xlsx(path)
    elif suffix == ".docx":
        rows = _read_docx(path)
    else:
        text = _decode(path.read_bytes(), path)
        if suffix == ".json":
            rows = _read_json(path, text)
        elif suffix == ".jsonl":
            rows = _read_jsonl(path, text)
        elif suffix == ".csv":
            rows = _read_csv(path, text)
        else:
            rows = _read_markdown(text)
    return validate_rows(rows, source=str(path))


def validate_rows(rows: list[tuple[int, Any]], *, source: str) -> BatchInput:
    """Turn (line, record) pairs into entries and problems; trailing empty rows are ignored."""
    while rows and isinstance(rows[-1][1], dict) and not any(_clean(v) for v in rows[-1][1].values()):
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


def prepare_sources(batch: BatchInput, settings: SourcesSettings, cache_dir: Path | None, *, workers: int = 4) -> BatchInput:
    """Rows given only as a link get the page's text (cached, each link once; a failed link becomes a row problem);
    Traditional raw texts are converted to Simplified for drafting."""
    from concurrent.futures import ThreadPoolExecutor

    from drafting.errors import SourceError
    from drafting.sources.convert import for_drafting
    from drafting.sources.document import condense
    from drafting.sources.fetch import fetch
    from drafting.writing.service import MAX_SOURCE_CHARS

    def simplified(text: str) -> str:
        return for_drafting(text, keep_quoted_titles=settings.keep_quoted_titles).text

    def one(entry: BatchEntry) -> BatchEntry | RowProblem:
        if entry.raw_text:
            return entry.model_copy(update={"raw_text": simplified(entry.raw_text)})
        if not entry.link:
            return entry
        try:
            src = fetch(entry.link, settings, cache_dir=cache_dir)
        except SourceError as exc:
            return RowProblem(line=entry.line, reason=f"链接无法读取：{exc}")
        return entry.model_copy(update={"raw_text": condense(simplified(src.raw_text(with_date=True)), MAX_SOURCE_CHARS)})

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        done = list(pool.map(one, batch.entries))
    entries = [e for e in done if isinstance(e, BatchEntry)]
    problems = sorted([*batch.problems, *(p for p in done if isinstance(p, RowProblem))], key=lambda p: p.line)
    return batch.model_copy(update={"entries": entries, "problems": problems})

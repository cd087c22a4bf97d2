"""The file formats of a batch's item list, each read into (line, record) pairs for validation (batch_rows.py):
JSON/JSONL and tables (CSV, XLSX: a header row naming the columns), and notes (Markdown, DOCX: a heading per item,
栏目/日期/来源 lines as fields, an exported issue read back without its frame and 短评). A file unreadable as a whole
raises ValidationError; a bad row is left to validation."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from docx import Document
from openpyxl import load_workbook

from drafting.errors import ParseError, ValidationError
from drafting.issues.batch_rows import URL_RE, RowProblem, canonical, clean_value, normalize_section
from drafting.sources.formats import check_zip

# Headings that belong to the issue frame, not to any item (an exported issue read back as notes).
FRAME_HEADINGS = {"目录", "目 录", "特别声明", "参与成员"}
META_RE = re.compile(r"^\s*(栏目|日期|来源|链接|原文链接|section|date|source|url)\s*[:：]\s*(.*)$", re.IGNORECASE)


# ---------- readers: each yields (line, record) pairs ----------

def read_json(path: Path, text: str) -> list[tuple[int, Any]]:
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


def read_jsonl(path: Path, text: str) -> list[tuple[int, Any]]:
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


def decode(data: bytes, path: Path) -> str:
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
    names = [clean_value(h) for h in header]
    known = set(canonical({n: "x" for n in names if n}))
    if not known & {"title", "body", "raw"}:
        raise ValidationError(
            f"{path.name}：第 {header_line} 行应为表头，至少包含「标题/title」「正文/body」或「原文/raw」一列"
            f"（可用列：栏目、标题、日期、正文、原文、来源）"
        )
    return [(line, dict(zip(names, values))) for line, values in rows[1:]]


def read_csv(path: Path, text: str) -> list[tuple[int, Any]]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = [(reader.line_num, row) for row in reader]
    return _table_rows(rows, path)


def read_xlsx(path: Path) -> list[tuple[int, Any]]:
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


def read_markdown(text: str) -> list[tuple[int, Any]]:
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
    try:
        check_zip(path, kind)
    except ParseError as exc:
        raise ValidationError(str(exc)) from exc


def read_docx(path: Path) -> list[tuple[int, Any]]:
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

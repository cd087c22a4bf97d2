"""Format readers: bytes of a txt/md/docx/pdf/json file → text or blocks for the one structural parser."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from drafting.corpus.lines import URL_RE, compact, extract_date, is_end_heading, section_of
from drafting.corpus.text import Block
from drafting.errors import ParseError
from drafting.models import SECTIONS, Issue, Item
from drafting.sources.formats import docx_paragraph, open_docx

logger = logging.getLogger(__name__)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_RE = re.compile(r"(?:heading|标题)\s*(\d)", re.IGNORECASE)


# --- plain text --------------------------------------------------------------------------------


# --- Markdown ----------------------------------------------------------------------------------

_MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_FOOTNOTE_RE = re.compile(r"^\s*\[\^(\d{1,3})\]\s*:\s*(.*)$")
_MD_REF_RE = re.compile(r"\[\^(\d{1,3})\]")
_MD_LINK_RE = re.compile(r"!?\[([^\]]*)\]\((?:[^)]*)\)")


def _md_inline(text: str) -> str:
    text = _MD_LINK_RE.sub(r"\1", text)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    return text.strip()


def markdown_blocks(text: str) -> list[Block]:
    """Markdown → blocks: headings name sections/titles, `[^n]` markers and `[^n]: url` footnotes."""
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            joined = ""
            for line in para:
                joined = joined + (" " if joined[-1:].isascii() and joined[-1:].isalnum() and line[:1].isascii() and line[:1].isalnum() else "") + line
            markers = [int(m) for m in _MD_REF_RE.findall(joined)]
            blocks.append(Block(text=_md_inline(_MD_REF_RE.sub("", joined)), markers=markers))
            para.clear()

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line or re.fullmatch(r"[-*_]{3,}", line):
            flush()
            continue
        if line.startswith(">"):
            line = line.lstrip("> ").strip()
        if m := _MD_HEADING_RE.match(line):
            flush()
            level, heading = len(m.group(1)), _md_inline(m.group(2))
            if section_of(heading):
                blocks.append(Block(text=heading, kind="section"))
            elif compact(heading) in ("目录", "contents") or is_end_heading(heading):
                blocks.append(Block(text=heading))  # the parser finds the ToC and the closing block
            elif re.search(r"植\s*德\s*[短点]\s*评", heading):
                blocks.append(Block(text="植德短评"))
            elif level == 1:
                blocks.append(Block(text=heading, kind="doc_title"))
            else:
                markers = [int(x) for x in _MD_REF_RE.findall(heading)]
                blocks.append(Block(text=_MD_REF_RE.sub("", heading).strip(), kind="title", markers=markers))
            continue
        if m := _MD_FOOTNOTE_RE.match(line):
            flush()
            url = URL_RE.search(m.group(2))
            if url:
                blocks.append(Block(text=url.group(0).rstrip(">)"), kind="footnote", number=int(m.group(1))))
            continue
        if re.match(r"^(?:[-*+]|\d+[.)])\s+", line):
            flush()  # a list item is a block of its own (e.g. a ToC entry)
            para.append(re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", line))
            flush()
            continue
        # a bold line on its own (e.g. **植德短评**) is a block of its own
        if re.fullmatch(r"\*\*[^*]+\*\*[:：]?", line):
            flush()
            para.append(line)
            flush()
            continue
        para.append(line)
    flush()
    return blocks


# --- DOCX --------------------------------------------------------------------------------------


def docx_blocks(path: Path) -> list[Block]:
    """DOCX → blocks: Heading 1 = section, Heading 2 = item title, Word footnotes → sources."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    document = open_docx(path)

    blocks: list[Block] = []
    for paragraph in document.paragraphs:
        text, markers = docx_paragraph(paragraph._p)
        text = text.strip()
        if not text and not markers:
            continue
        style = paragraph.style.name if paragraph.style is not None else ""
        level_m = _HEADING_RE.search(style or "")
        level = int(level_m.group(1)) if level_m else None
        if style == "Title":
            blocks.append(Block(text=text, kind="doc_title"))
        elif compact(text) in ("目录", "contents") or is_end_heading(text):
            blocks.append(Block(text=text))  # the parser finds the ToC and the closing block
        elif level is not None and section_of(text) or level == 1:
            blocks.append(Block(text=text, kind="section"))
        elif level == 2:
            blocks.append(Block(text=text, kind="title", markers=markers))
        else:
            blocks.append(Block(text=text, markers=markers))

    for rel in document.part.rels.values():
        if rel.reltype != RT.FOOTNOTES or rel.is_external:
            continue
        from lxml import etree

        root = etree.fromstring(rel.target_part.blob)
        for fn in root.iter(f"{_W}footnote"):
            fid = int(fn.get(f"{_W}id", "-1"))
            if fid <= 0 or fn.get(f"{_W}type") in ("separator", "continuationSeparator"):
                continue
            note = "".join(t.text or "" for t in fn.iter(f"{_W}t"))
            url = URL_RE.search(note)
            if url:
                blocks.append(Block(text=url.group(0), kind="footnote", number=fid))
    return blocks


# --- PDF ---------------------------------------------------------------------------------------


# --- JSON / JSONL ------------------------------------------------------------------------------

_REQUIRED = ("section", "title", "body")


def json_issue(text: str, *, issue_id: str, source_file: str, jsonl: bool) -> Issue:
    """A parsed Issue JSON, a list of items, {"items": [...]} or JSON Lines → Issue."""
    records: list[Any]
    if jsonl:
        records = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ParseError(f"第 {n} 行不是合法的 JSON：{exc.msg}（第 {exc.colno} 列）", path=source_file) from exc
            except RecursionError as exc:
                raise ParseError(f"第 {n} 行的 JSON 嵌套层数过深，无法读取", path=source_file) from exc
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParseError(f"JSON 语法错误：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}", path=source_file) from exc
        except RecursionError as exc:
            raise ParseError("JSON 嵌套层数过深，无法读取；请提供条目列表 [{...}]", path=source_file) from exc
        if isinstance(data, dict) and "items" in data and "id" in data:
            try:
                issue = Issue.model_validate(data)
            except Exception as exc:
                raise ParseError(f"期刊 JSON 的字段不合法：{_first_error(exc)}", path=source_file) from exc
            check_unique_items(issue, source_file)
            return issue
        if isinstance(data, dict) and isinstance(data.get("items"), list):
            records = data["items"]
        elif isinstance(data, list):
            records = data
        else:
            raise ParseError('JSON 应为条目列表 [{...}] 或 {"items": [...]}', path=source_file)

    items: list[Item] = []
    for n, rec in enumerate(records, 1):
        if not isinstance(rec, dict):
            raise ParseError(f"第 {n} 条不是对象（应为 {{\"section\": …, \"title\": …, \"body\": …}}）", path=source_file)
        wrong = [f for f in (*_REQUIRED, "date", "commentary") if rec.get(f) is not None and not isinstance(rec[f], str)]
        if wrong:
            # str(['a', ['b']]) once became a title: a field must be text, not a list or an object
            raise ParseError(f"第 {n} 条的字段 {', '.join(wrong)} 应为文本（字符串），不能是列表、数字或对象", path=source_file)
        missing = [f for f in _REQUIRED if not str(rec.get(f) or "").strip()]
        if missing:
            raise ParseError(f"第 {n} 条缺少必填字段 {', '.join(missing)}", path=source_file)
        section = section_of(str(rec["section"])) or str(rec["section"]).strip()
        if section not in SECTIONS:
            raise ParseError(f"第 {n} 条的 section「{rec['section']}」无效，应为 {' / '.join(SECTIONS)} 之一", path=source_file)
        sources = rec.get("sources") or []
        if isinstance(sources, str):
            sources = [sources]
        if not isinstance(sources, list) or not all(isinstance(x, str) for x in sources):
            raise ParseError(f"第 {n} 条的 sources 应为链接文本的列表", path=source_file)
        date = rec.get("date") or None
        if date is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(date)):
            iso, found = extract_date(str(date))
            date = iso if found else date  # "2023年9月18日" → ISO, "近日" → None
        if date is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(date)):
            raise ParseError(f"第 {n} 条的 date「{date}」应为 YYYY-MM-DD 或留空（近日）", path=source_file)
        try:
            items.append(
                Item(
                    section=section,  # type: ignore[arg-type]
                    title=str(rec["title"]).strip(),
                    date=date,
                    body=str(rec["body"]).strip(),
                    commentary=(str(rec["commentary"]).strip() or None) if rec.get("commentary") else None,
                    sources=[str(s) for s in sources],
                    issue=issue_id,
                )
            )
        except ValueError as exc:  # e.g. 2023-13-45: checked before anything is written
            raise ParseError(f"第 {n} 条不合法：{_first_error(exc)}", path=source_file) from exc
    issue = Issue(id=issue_id, source_file=source_file, items=items)
    check_unique_items(issue, source_file)
    return issue


def _first_error(exc: BaseException) -> str:
    """The readable part of a pydantic error: our Chinese message when there is one, else its first lines."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        parts = []
        for err in errors()[:3]:
            where = ".".join(str(x) for x in err.get("loc", ()))
            msg = str(err.get("msg", "")).removeprefix("Value error, ")
            parts.append(f"{where}：{msg}" if where else msg)
        return "；".join(parts)
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


def check_unique_items(issue: Issue, name: str) -> None:
    """Two items with one id in one issue would show as two and be indexed as one: refuse, naming both."""
    seen: dict[str, int] = {}
    for n, item in enumerate(issue.items, 1):
        if item.id in seen:
            raise ParseError(
                f"第 {n} 条与第 {seen[item.id]} 条是同一条目（栏目、标题、日期相同，id {item.id}）；请删除重复的一条或修改其标题",
                path=name,
            )
        seen[item.id] = n


def is_issue_json(path: Path) -> bool:
    """True for a parsed Issue JSON written by CorpusFiles (it has "id" and "items")."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096).decode("utf-8", errors="ignore").lstrip("\ufeff").lstrip()
    except OSError:
        return False
    if not head.startswith("{"):
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(data, dict) and "id" in data and "items" in data



"""Format readers: bytes of a txt/md/docx/pdf/json file → text or blocks for the one structural parser."""

from __future__ import annotations

import codecs
import itertools
import json
import logging
import re
import zipfile
from pathlib import Path
from typing import Any

from drafting.corpus.lines import URL_RE, compact, extract_date, is_end_heading, join_text, section_of
from drafting.corpus.text import Block
from drafting.errors import ParseError
from drafting.models import SECTIONS, Issue, Item

logger = logging.getLogger(__name__)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_RE = re.compile(r"(?:heading|标题)\s*(\d)", re.IGNORECASE)


# --- plain text --------------------------------------------------------------------------------


def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (BOM or not), UTF-16 with BOM, then GB18030; binary or garbled bytes raise ParseError."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif b"\x00" in data[:8192]:
        # UTF-16 without a BOM (Windows "Unicode" text): the zero bytes of ASCII characters sit on one parity
        utf16 = _utf16_without_bom(data[:8192])
        if utf16 is None:
            raise ParseError("这是二进制文件，不是文本，无法解析；请提供 txt/md/docx/pdf/json 格式的期刊文件", path=name)
        candidates = [utf16]
    else:
        candidates = ["utf-8", "gb18030"]
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            if enc != "utf-8":
                continue
            # a UTF-8 file with a few damaged bytes is still UTF-8, not GB18030
            text = data.decode(enc, errors="replace")
            if text.count("\ufffd") > max(2, len(text) // 1000):
                continue
            logger.warning("%s: %d undecodable bytes replaced", name, text.count("\ufffd"))
        if _garbled(text):
            break
        return text
    if candidates[0].startswith("utf-16-"):
        # zero bytes that did not turn out to be UTF-16 text: a binary file
        raise ParseError("这是二进制文件，不是文本，无法解析；请提供 txt/md/docx/pdf/json 格式的期刊文件", path=name)
    raise ParseError("文件内容是乱码或未知编码，无法读取；请另存为 UTF-8 编码的文本后重试", path=name)


def _utf16_without_bom(head: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when the zero bytes fall (almost) only on odd/even offsets, else None (binary)."""
    head = head[: len(head) // 2 * 2]
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    if odd and even <= odd // 20:
        return "utf-16-le"
    if even and odd <= even // 20:
        return "utf-16-be"
    return None


def _garbled(text: str) -> bool:
    # Binary decoded as GB18030 is full of control characters and rare/private-use code points.
    sample = text[:20000]
    if not sample.strip():
        return False
    bad = sum(
        1 for c in sample
        if (ord(c) < 32 and c not in "\n\r\t\f") or 0xE000 <= ord(c) <= 0xF8FF or c == "\ufffd"
    )
    return bad / len(sample) > 0.01


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
    try:
        import docx
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ParseError("读取 DOCX 需要 python-docx：pip install python-docx", path=str(path)) from exc
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for broken packages
        raise ParseError("DOCX 文件已损坏或不是 Word 文档，无法打开；请用 Word 重新另存为 .docx 后重试", path=str(path)) from exc

    blocks: list[Block] = []
    for paragraph in document.paragraphs:
        text, markers = _docx_paragraph(paragraph._p)
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


def _docx_paragraph(p: Any) -> tuple[str, list[int]]:
    """Text of a w:p with footnote references returned as marker numbers."""
    parts: list[str] = []
    markers: list[int] = []
    for r in p.iter(f"{_W}r"):
        for child in r:
            if child.tag == f"{_W}t":
                parts.append(child.text or "")
            elif child.tag == f"{_W}tab":
                parts.append(" ")
            elif child.tag == f"{_W}footnoteReference":
                markers.append(int(child.get(f"{_W}id")))
    return "".join(parts), markers


# --- PDF ---------------------------------------------------------------------------------------


def pdf_text(path: Path, *, ocr: bool = False, report: list[str] | None = None) -> str:
    """Text layer of a PDF, lines mended into paragraphs, pages separated by form feeds.

    With ocr=True a scan (no text layer) is recognised instead of refused; a line per page (confidence, what was
    recognised) is appended to report.
    """
    try:
        import pdfplumber
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ParseError("读取 PDF 需要 pdfplumber：pip install pdfplumber", path=str(path)) from exc
    pages: list[str] = []
    images = 0
    try:
        with pdfplumber.open(str(path)) as pdf:
            for page in pdf.pages:
                images += len(page.images)
                pages.append(_pdf_page(page))
    except ParseError:
        raise
    except Exception as exc:  # pdfminer raises many types for broken files
        raise ParseError("PDF 文件已损坏或加密，无法打开；请重新导出 PDF 或提供 docx/txt 版本", path=str(path)) from exc
    if not "".join(pages).strip() and ocr and images:
        return _ocr_pdf(path, report)
    if not "".join(pages).strip():
        what = "是扫描件（只有图片）" if images else "没有文字层"
        raise ParseError(f"这份 PDF {what}，无法提取文字；需要先做 OCR（文字识别）转成带文字层的 PDF 或 txt 后再导入", path=str(path))
    return "\f".join(pages)


def _ocr_pdf(path: Path, report: list[str] | None) -> str:
    from drafting.errors import SourceError
    from drafting.settings import SourcesSettings
    from drafting.sources import ocr

    limits = SourcesSettings()
    try:  # the same page and pixel caps as a scan brought in as a source
        result = ocr.recognise(path, limits.ocr_languages, max_pages=limits.max_pdf_pages, max_pixels=limits.max_image_pixels)
    except SourceError as exc:
        raise ParseError(str(exc), path=str(path)) from exc
    if report is not None:
        report.extend(result.summary(SourcesSettings().ocr_min_confidence))
    if not result.text.strip():
        raise ParseError("这份扫描件经文字识别（OCR）后仍没有文字：请检查扫描质量，或提供 docx/txt 版本", path=str(path))
    return result.text


def _pdf_page(page: Any) -> str:
    lines = [ln for ln in page.extract_text_lines(return_chars=True) if ln["text"].strip()]
    if not lines:
        return ""
    right = max(ln["x1"] for ln in lines)
    left = min(ln["x0"] for ln in lines)
    sizes = sorted(c["size"] for ln in lines for c in ln["chars"]) or [10.0]
    em = sizes[len(sizes) // 2]
    gaps = sorted(b["top"] - a["bottom"] for a, b in itertools.pairwise(lines))
    gap = gaps[len(gaps) // 4] if gaps else em  # lower quartile: the gap between wrapped lines
    paragraphs: list[str] = []
    glued = False
    for n, ln in enumerate(lines):
        text = ln["text"].strip()
        if glued:
            paragraphs[-1] = join_text(paragraphs[-1], text)
        else:
            paragraphs.append(text)
        nxt = lines[n + 1] if n + 1 < len(lines) else None
        glued = (
            nxt is not None
            and ln["x1"] >= right - 1.5 * em  # the line runs to the right margin…
            and nxt["x0"] <= left + 0.5 * em  # …the next one is not indented…
            and nxt["top"] - ln["bottom"] <= max(gap, 0.0) * 1.3 + 0.5  # …and not set apart
        )
    return "\n\n".join(paragraphs)


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


MAX_EXPANDED_BYTES = 100_000_000  # a 100 MB expanded Word/Excel file is far beyond any newsletter
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_RATIO = 200  # expanded : stored, over the whole file; Word's own XML compresses about 10:1, images 1:1
_RATIO_FLOOR = 10_000_000  # small files may compress as they like: a ratio only counts past 10 MB expanded


def check_zip(path: Path, kind: str = "DOCX") -> None:
    """A DOCX/XLSX is a zip: say so plainly when it is not one, and refuse a zip bomb before anything expands it.

    Three limits, each named when it is the one exceeded: parts, expanded size, and compression ratio.
    """
    if not zipfile.is_zipfile(path):
        raise ParseError(f"{kind} 文件已损坏或不是 Office 文档（不是有效的 zip 包）；请用 Word/Excel 重新另存后重试", path=str(path))
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ParseError(f"{kind} 文件已损坏，无法打开；请重新另存后重试", path=str(path)) from exc
    advice = "疑似“压缩炸弹”或被附加了大量无关内容，未解析；请确认文件来源，或在 Word 中另存为新文档后重试"
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ParseError(f"{kind} 文件包含 {len(infos)} 个部件，超过 {MAX_ZIP_ENTRIES} 个上限：{advice}", path=str(path))
    # the sizes are the archive's own claims; zipfile never reads past them, so a lying entry only fails its CRC
    expanded = sum(i.file_size for i in infos)
    if expanded > MAX_EXPANDED_BYTES:
        raise ParseError(f"{kind} 文件解压后约 {expanded / 1e6:.0f} MB，超过 {MAX_EXPANDED_BYTES // 1_000_000} MB 上限：{advice}",
                         path=str(path))
    stored = max(1, sum(i.compress_size for i in infos))
    if expanded > _RATIO_FLOOR and expanded / stored > MAX_ZIP_RATIO:
        raise ParseError(f"{kind} 文件的压缩比约 {expanded / stored:.0f} 倍，超过 {MAX_ZIP_RATIO} 倍上限：{advice}", path=str(path))

"""Office, PDF and text files as text: the byte level that reading an issue and reading a policy file share.

Encodings (a GBK or UTF-16 text file), a PDF's text layer mended into paragraphs (a scan goes through OCR), a Word
paragraph with its footnote markers, and the zip checks every DOCX/XLSX passes before anything expands it.
"""

from __future__ import annotations

import codecs
import itertools
import logging
import zipfile
from pathlib import Path
from typing import Any

from drafting.errors import ParseError, SourceError
from drafting.settings import SourcesSettings
from drafting.sources.ocr import recognise

logger = logging.getLogger(__name__)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

MAX_EXPANDED_BYTES = 100_000_000  # a 100 MB expanded Word/Excel file is far beyond any newsletter

MAX_ZIP_ENTRIES = 5000

MAX_ZIP_RATIO = 200  # expanded : stored, over the whole file; Word's own XML compresses about 10:1, images 1:1

_RATIO_FLOOR = 10_000_000  # small files may compress as they like: a ratio only counts past 10 MB expanded


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


def docx_paragraph(p: Any) -> tuple[str, list[int]]:
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
    limits = SourcesSettings()
    try:  # the same page and pixel caps as a scan brought in as a source
        result = recognise(path, limits.ocr_languages, max_pages=limits.max_pdf_pages, max_pixels=limits.max_image_pixels)
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


def join_text(a: str, b: str) -> str:
    """Join two pieces of one paragraph broken by a line or page."""
    # Chinese needs no space; two Latin words/numbers do.
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


def open_docx(path: Path) -> Any:
    """A python-docx Document, or ParseError in the editor's words for a broken package."""
    import docx  # python-docx loads lxml's whole tree API: only when a Word file is read

    try:
        return docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for broken packages
        raise ParseError("DOCX 文件已损坏或不是 Word 文档，无法打开；请用 Word 重新另存为 .docx 后重试", path=str(path)) from exc


def docx_text(path: Path) -> str:
    """The paragraphs of a Word file as lines of text (footnotes left out): a policy file read as a source."""
    document = open_docx(path)
    texts = (docx_paragraph(p._p)[0].strip() for p in document.paragraphs)
    return "\n".join(t for t in texts if t)

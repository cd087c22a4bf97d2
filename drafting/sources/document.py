"""A policy file itself (PDF, DOCX, DOC/WPS, image, text) → its text, scans through OCR, page furniture removed."""

from __future__ import annotations

import logging
import re
import tempfile
from collections import Counter
from pathlib import Path

from pydantic import BaseModel, Field

from drafting import office
from drafting.errors import ParseError, SourceError
from drafting.settings import SourcesSettings
from drafting.sources import formats, ocr
from drafting.sources.ocr import OcrResult, UnsureWord
from drafting.sources.ocr_repair import repair

logger = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = (".pdf", ".docx", ".doc", ".wps", ".txt", ".md", *(".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"))

# Page furniture: page numbers as printed on Chinese government documents, and the trailing 附件 list.
_PAGE_NO = re.compile(r"^\s*(?:[-—–]\s*\d{1,4}\s*[-—–]|第\s*\d{1,4}\s*页(?:\s*[/，,]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4}|\d{1,4})\s*$")
_ATTACHMENT_HEAD = re.compile(r"^\s*附\s*件\s*[:：]?\s*(?:\d+\s*[.．、]?)?")
_NUMBERED = re.compile(r"^\s*\d{1,2}\s*[.．、]")


class DocumentText(BaseModel):
    """Text read from a policy file, and how: text layer, DOCX, or OCR with a per-page report."""

    name: str
    text: str
    method: str = Field(description="text-layer | docx | ocr | text | converted")
    ocr: list[str] = Field(default_factory=list, description="per-page OCR confidence lines, when OCR was used")
    repairs: list[str] = Field(default_factory=list, description="OCR slips repaired (挛生→孪生（形近字）…), for the editor to check")
    unsure: list[UnsureWord] = Field(default_factory=list, description="words OCR recognised with low confidence")


def strip_furniture(text: str) -> str:
    """Drop page numbers, headers/footers repeated on most pages, and the 附件 list after the signature."""
    pages = text.split("\f")
    lines_per_page = [p.splitlines() for p in pages]
    repeated: set[str] = set()
    if len(pages) >= 3:
        edges: Counter[str] = Counter()
        for page in lines_per_page:
            filled = [x.strip() for x in page if x.strip()]
            edges.update(set(filled[:2] + filled[-2:]))  # a running header or footer sits at a page's edge
        repeated = {ln for ln, n in edges.items() if n >= max(2, len(pages) // 2) and len(ln) <= 40}
    kept: list[str] = []
    for page in lines_per_page:
        for ln in page:
            if _PAGE_NO.match(ln) or ln.strip() in repeated:
                continue
            kept.append(ln)
        kept.append("")
    out: list[str] = []
    in_attachments = False
    for ln in kept:
        # "附件：1. … 2. …" after the body lists enclosures; their titles are not the policy's text.
        if _ATTACHMENT_HEAD.match(ln) and len(ln.strip()) <= 60 and out:
            in_attachments = True
            continue
        if in_attachments and (_NUMBERED.match(ln) or not ln.strip()):
            continue
        in_attachments = False
        out.append(ln)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def _convert_office(path: Path, work: Path) -> Path:
    """DOC and WPS files → DOCX with LibreOffice, where it is installed."""
    try:
        (target,) = office.convert([path], "docx", work, timeout=120)
    except office.OfficeError as exc:
        if exc.reason == "missing":
            raise SourceError(f"{path.name} 是 {path.suffix} 格式，需要 LibreOffice 转换：请安装 libreoffice-writer，或另存为 DOCX/PDF 后上传") from exc
        raise SourceError(f"{path.name} 无法用 LibreOffice 转换为 DOCX（文件可能已损坏）：请另存为 DOCX/PDF 后上传") from exc
    return target


def read_document(path: Path, settings: SourcesSettings | None = None) -> DocumentText:
    """The text of one policy file; a scan or an image goes through OCR. SourceError says what to do instead."""
    settings = settings or SourcesSettings()
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise SourceError(f"不支持的原文文件类型「{path.suffix or '无扩展名'}」：支持 PDF、Word（DOCX/DOC/WPS）、图片和 TXT")
    report: list[str] = []
    recognised: list[OcrResult] = []
    try:
        if suffix == ".pdf":
            text = _pdf(path, settings, report, recognised)
            method = "ocr" if report else "text-layer"
        elif suffix in (".docx", ".doc", ".wps"):
            with tempfile.TemporaryDirectory(prefix="drafting-doc-") as tmp:
                docx_path = path if suffix == ".docx" else _convert_office(path, Path(tmp))
                formats.check_zip(docx_path)
                text = formats.docx_text(docx_path)
            method = "docx" if suffix == ".docx" else "converted"
        elif suffix in ocr.IMAGE_SUFFIXES:
            result = ocr.recognise(path, settings.ocr_languages, max_pixels=settings.max_image_pixels)
            text, report, method = result.text, result.summary(settings.ocr_min_confidence), "ocr"
            recognised.append(result)
        else:
            text, method = formats.decode_text(path.read_bytes(), path.name), "text"
    except ParseError as exc:
        raise SourceError(str(exc)) from exc
    repairs: list[str] = []
    if method == "ocr":  # a scan is read like a person reads it: wrapped lines joined, checked repairs listed
        text, repairs = read_recognised(text)
    else:
        text = strip_furniture(text)
    if not text.strip():
        raise SourceError(f"{path.name} 中没有读出文字：请确认文件内容，或直接粘贴原文")
    unsure = [w for r in recognised for w in r.unsure]
    return DocumentText(name=path.name, text=text, method=method, ocr=report, repairs=repairs, unsure=unsure)


def read_recognised(text: str) -> tuple[str, list[str]]:
    """What OCR returned → the text as a person reads it (furniture dropped, wrapped lines joined, checked repairs)
    and the repairs made; split out so the evaluation can keep Tesseract's slow output and re-read it."""
    fixed = repair(strip_furniture(text))
    return fixed.text, list(dict.fromkeys(r.describe() for r in fixed.repairs))


def _pdf(path: Path, settings: SourcesSettings, report: list[str], recognised: list[OcrResult]) -> str:
    try:
        return formats.pdf_text(path)
    except ParseError as exc:
        if "OCR" not in str(exc):  # broken or encrypted, not a scan
            raise
        result = ocr.recognise(path, settings.ocr_languages, max_pages=settings.max_pdf_pages,
                               max_pixels=settings.max_image_pixels)
        report.extend(result.summary(settings.ocr_min_confidence))
        recognised.append(result)
        return result.text


_KEY_SENTENCE = re.compile(r"\d|目标|提出|重点|鼓励|支持|推动|打造|规模|不得|应当|须|禁止|明确|要求|生效|施行")


def condense(text: str, limit: int) -> str:
    """An extractive digest of a long document: its opening, then the sentences with figures and measures, in order."""
    if len(text) <= limit:
        return text
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]
    head = "\n".join(paragraphs[:3])[: limit // 3]  # title, addressees, the opening that names the document
    budget = limit - len(head) - 1
    sentences = [s for p in paragraphs[3:] for s in re.findall(r"[^。！？；]+[。！？；]?", p) if s.strip()]
    keep: list[int] = []
    for n, sentence in enumerate(sentences):
        if _KEY_SENTENCE.search(sentence) and budget - len(sentence) >= 0:
            keep.append(n)
            budget -= len(sentence)
    return head + "\n" + "".join(sentences[n] for n in keep)

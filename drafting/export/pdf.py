"""The issue as a PDF in the house layout, through the Word export and LibreOffice headless.

The Word file's 目录 holds PAGEREF fields to a bookmark at each heading; LibreOffice computes them while it lays the
pages out, so the PDF's 目录 carries real page numbers. The pages found are returned, so the Word file exported
beside the PDF can carry the same numbers (Word would otherwise only fill them when it updates fields).
"""

from __future__ import annotations

import logging
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import pdfplumber

from drafting import office
from drafting.errors import ExportError
from drafting.export.assemble import AssembledIssue
from drafting.export.docx import TOC_PREFIX, export_docx
from drafting.export.markdown import export_markdown
from drafting.export.wechat import export_wechat
from drafting.fileio import atomic_write

logger = logging.getLogger(__name__)

CONVERT_TIMEOUT_S = 180


def has_libreoffice() -> bool:
    """Whether the PDF (and the Word 目录's page numbers) can be made here."""
    return office.soffice() is not None


def docx_to_pdf(docx: Path, work: Path) -> Path:
    """The Word file laid out by LibreOffice headless."""
    try:
        (pdf,) = office.convert([docx], "pdf", work, timeout=CONVERT_TIMEOUT_S)
    except office.OfficeError as exc:
        if exc.reason == "missing":
            raise ExportError("导出 PDF 需要 LibreOffice：请安装 libreoffice-writer（Debian: apt-get install libreoffice-writer-nogui），"
                              "或导出 Word 后在 Word 中另存为 PDF") from exc
        if exc.reason == "timeout":
            raise ExportError(f"LibreOffice 在 {CONVERT_TIMEOUT_S} 秒内未能生成 PDF：请稍后再试，或导出 Word 后另存为 PDF") from exc
        raise ExportError("LibreOffice 未能生成 PDF：请导出 Word 后在 Word 中另存为 PDF") from exc
    return pdf


def _squash(text: str) -> str:
    """Compared as printed: no white space, and full-width forms folded (text extraction gives ：as :)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def heading_pages(pdf: Path, issue: AssembledIssue) -> dict[str, int]:
    """The page (1-based) each section and item heading is printed on, after the 目录, by bookmark name."""
    with pdfplumber.open(pdf) as doc:
        pages = [_squash(p.extract_text() or "") for p in doc.pages]
    found: dict[str, int] = {}
    at = 1  # headings follow the cover and 目录, in order: search forward from the last one found
    for i, section in enumerate(issue.sections):
        for key, text in [(f"{TOC_PREFIX}s{i}", section.name),
                          *((f"{TOC_PREFIX}{i}_{j}", a.item.title) for j, a in enumerate(section.items))]:
            probe = _squash(text)[:14]
            for n in range(at, len(pages)):
                if probe and probe in pages[n]:
                    found[key] = n + 1
                    at = n
                    break
    return found


def export_pdf(issue: AssembledIssue, path: Path) -> dict[str, int]:
    """Write the issue as PDF (atomic write); returns the 目录's page numbers by bookmark (see export_docx)."""
    with tempfile.TemporaryDirectory(prefix="drafting-pdf-") as tmp:
        work = Path(tmp)
        docx = export_docx(issue, work / "issue.docx")
        pdf = docx_to_pdf(docx, work)
        pages = heading_pages(pdf, issue)
        atomic_write(Path(path), pdf.read_bytes())
    logger.info("wrote %s", path)
    return pages


def export_publishable(issue: AssembledIssue, *, docx: Path | None = None, pdf: Path | None = None,
                       md: Path | None = None, wechat: Path | None = None,
                       docx_options: Mapping[str, object] | None = None) -> dict[str, str]:
    """Every format asked for, the Word file carrying the PDF's page numbers when both are made; paths by format."""
    written: dict[str, str] = {}
    pages = export_pdf(issue, pdf) if pdf else None
    if pdf:
        written["pdf"] = str(pdf)
    if docx:
        export_docx(issue, docx, toc_pages=pages, **(docx_options or {}))  # type: ignore[arg-type]
        written["docx"] = str(docx)
    if md:
        written["md"] = str(export_markdown(issue, md))
    if wechat:
        written["wechat"] = str(export_wechat(issue, wechat))
    return written

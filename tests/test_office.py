"""LibreOffice through drafting/office.py: a DOC the lawyer uploads is read, and a missing LibreOffice is said in Chinese."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import missing_tool
from docx import Document

from drafting import office
from drafting.errors import ExportError, SourceError
from drafting.export.pdf import docx_to_pdf
from drafting.sources.document import read_document

TEXT = "某市人民政府办公厅关于印发《某市元宇宙产业发展行动方案》的通知，提出到2025年产业规模达到500亿元。"


def _docx(folder: Path) -> Path:
    doc = Document()
    doc.add_paragraph(TEXT)
    path = folder / "通知.docx"
    doc.save(str(path))
    return path


@pytest.mark.slow
def test_a_doc_file_is_converted_and_read(tmp_path: Path) -> None:
    if not shutil.which("soffice"):
        missing_tool("soffice not installed (apt: libreoffice-writer-nogui)")
    (doc,) = office.convert([_docx(tmp_path)], "doc:MS Word 97", tmp_path / "out", timeout=180)
    assert doc.suffix == ".doc" and doc.is_file()
    read = read_document(doc)
    assert "500亿元" in read.text and read.method == "converted"


def test_without_libreoffice_each_caller_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "soffice", lambda: None)
    with pytest.raises(office.OfficeError) as raw:
        office.convert([tmp_path / "x.docx"], "pdf", tmp_path, timeout=5)
    assert raw.value.reason == "missing"
    legacy = tmp_path / "旧文件.doc"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(SourceError, match="需要 LibreOffice 转换"):
        read_document(legacy)
    with pytest.raises(ExportError, match="导出 PDF 需要 LibreOffice"):
        docx_to_pdf(_docx(tmp_path), tmp_path)

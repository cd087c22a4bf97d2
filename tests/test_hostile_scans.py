"""Hostile scans (issue #23 findings 6 and 7): page and pixel caps checked before OCR starts.

OCR itself is replaced by a recorder of what it was handed (the real one takes 13 s a page here): the point is
what reaches it. The real OCRmyPDF/Tesseract pipeline is covered by test_sources_ocr.py.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest
from conftest import missing_tool

from drafting.errors import SourceError
from drafting.settings import SourcesSettings
from drafting.sources.document import read_document


@pytest.fixture(autouse=True)
def _ocr_tools() -> None:
    if shutil.which("tesseract") is None or shutil.which("ocrmypdf") is None:
        missing_tool("needs the Debian packages tesseract-ocr, tesseract-ocr-chi-sim and ocrmypdf")


@pytest.fixture
def ocr_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """OCRmyPDF's hOCR stage replaced: records the page count it was given and writes one recognised line per page."""
    import pikepdf
    from ocrmypdf import api

    calls: list[int] = []

    def fake_hocr(source: Path, out: Path, **kw: object) -> None:
        with pikepdf.open(source) as pdf:
            pages = len(pdf.pages)
        calls.append(pages)
        for n in range(1, pages + 1):
            (out / f"{n:06d}_ocr_hocr.hocr").write_text("<span class='ocrx_word' title='bbox 0 0 1 1; x_wconf 91'>字</span>")
            (out / f"{n:06d}_ocr_hocr.txt").write_text(f"第{n}页：元宇宙产业发展行动方案")

    name = "pdf_to_hocr" if hasattr(api, "pdf_to_hocr") else "_pdf_to_hocr"
    monkeypatch.setattr(api, name, fake_hocr)
    return calls


def _blank_scan(path: Path, pages: int) -> Path:
    """An image-only PDF of `pages` small blank pages (a few hundred bytes a page)."""
    from PIL import Image

    frames = [Image.new("1", (200, 280), 1) for _ in range(pages)]
    frames[0].save(path, save_all=True, append_images=frames[1:], resolution=50)
    return path


def test_500_page_scan_reads_its_first_pages_with_a_chinese_note(tmp_path: Path, ocr_calls: list[int]) -> None:
    scan = _blank_scan(tmp_path / "五百页.pdf", 500)
    doc = read_document(scan, SourcesSettings(max_pdf_pages=60))
    assert ocr_calls == [60], f"OCR was handed {ocr_calls} pages"
    assert doc.ocr[0].startswith("扫描件共 500 页，超过 60 页上限") and "MAX_PDF_PAGES" in doc.ocr[0]
    assert "第60页" in doc.text and "第61页" not in doc.text


def test_scan_under_the_cap_is_read_whole(tmp_path: Path, ocr_calls: list[int]) -> None:
    doc = read_document(_blank_scan(tmp_path / "三页.pdf", 3), SourcesSettings(max_pdf_pages=60))
    assert ocr_calls == [3] and not any("上限" in line for line in doc.ocr)


def test_156_megapixel_png_refused_in_chinese_before_decoding(tmp_path: Path, ocr_calls: list[int]) -> None:
    import tracemalloc

    from PIL import Image

    png = tmp_path / "巨图.png"
    Image.new("1", (13_000, 12_000), 1).save(png)  # 156 megapixels, a few hundred KB
    assert png.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            with pytest.raises(SourceError) as err:
                read_document(png, SourcesSettings())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "像素过多" in str(err.value) and "40 百万像素上限" in str(err.value)
    assert not [w for w in seen if issubclass(w.category, Image.DecompressionBombWarning)], "PIL's English warning leaked"
    assert ocr_calls == [] and peak < 20_000_000


def test_image_under_the_cap_still_reaches_ocr(tmp_path: Path, ocr_calls: list[int]) -> None:
    from PIL import Image

    png = tmp_path / "照片.png"
    Image.new("L", (1200, 1600), 255).save(png)
    assert "元宇宙" in read_document(png, SourcesSettings()).text and ocr_calls == [1]

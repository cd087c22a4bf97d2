"""OCR through the page: on 起草 an editor uploads a scanned PDF and a photographed notice; the recognised text arrives
in the 原文 box with the OCR note, and drafts. Real tesseract (chi_sim) and OCRmyPDF behind `python app.py`."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import missing_tool
from test_sources_ocr import BODY, TITLE, render_page

# Same browser, app process and skip rule (pytestmark: chromium and playwright present) as the main e2e tests.
from test_ui_e2e import AppProcess, box, browser, open_page, page, pytestmark, wait_status  # noqa: F401


@pytest.fixture(autouse=True)
def _ocr_tools() -> None:
    if shutil.which("tesseract") is None or shutil.which("ocrmypdf") is None:
        missing_tool("needs the Debian packages tesseract-ocr, tesseract-ocr-chi-sim and ocrmypdf")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    proc = AppProcess(tmp_path_factory.mktemp("app_ocr"), {})
    proc.start()
    yield proc
    proc.stop()


def _scanned_pdf(path: Path) -> Path:
    """A PDF holding only an image of the page (what a scanner gives): no text layer."""
    from PIL import Image

    image = path.with_suffix(".png")
    render_page([TITLE, BODY], image)
    Image.open(image).convert("RGB").save(path, "PDF", resolution=150)
    return path


def _compact(text: str) -> str:
    return "".join(text.split())


def test_upload_a_scanned_pdf_and_a_photo_and_draft_from_the_recognised_text(
    page, app: AppProcess, tmp_path: Path, output_dir: Path,  # noqa: F811 - the imported fixture
) -> None:
    import pdfplumber
    from playwright.sync_api import expect

    scan = _scanned_pdf(tmp_path / "扫描件.pdf")
    with pdfplumber.open(str(scan)) as pdf:
        assert not (pdf.pages[0].extract_text() or "").strip(), "the scan must have no text layer"
    open_page(page, app.url)
    page.locator("#dz-source-file input[type=file]").set_input_files(str(scan))
    note = page.locator("#dz-source-note")
    expect(note).to_contain_text("文字识别（OCR）", timeout=180_000)
    expect(note).to_contain_text("扫描件.pdf")
    expect(note).to_contain_text("置信度")
    expect(box(page, "dz-raw")).to_have_value(re.compile("3500"), timeout=30_000)
    raw = _compact(box(page, "dz-raw").input_value())
    assert "《上海市促进元宇宙产业发展行动方案》" in raw and "3500亿元" in raw, raw[:300]
    page.screenshot(path=str(output_dir / "ui_ocr_01_scan_read.png"), full_page=True)

    page.locator("#dz-draft-btn").click()
    wait_status(page, "已起草并保存为草稿")
    assert "上海" in box(page, "dz-title").input_value()
    # The body should keep 3500亿元 too; today the offline drafter drops the wrapped OCR line that holds it
    # (tests/test_ocr_wrapped_lines.py, a strict xfail naming the defect).

    # A photographed notice (PNG) the same way, on a fresh page (the file box now shows the scan, not an input).
    photo = tmp_path / "通知照片.png"
    render_page([TITLE, BODY], photo)
    open_page(page, app.url)
    page.locator("#dz-source-file input[type=file]").set_input_files(str(photo))
    expect(note).to_contain_text("通知照片.png", timeout=180_000)
    expect(note).to_contain_text("文字识别（OCR）")
    assert "3500亿元" in _compact(box(page, "dz-raw").input_value())

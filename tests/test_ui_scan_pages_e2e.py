"""A scan uploaded on 起草: the page image beside the recognised text, the repairs and the unsure words listed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# Same browser, app process and skip rule (pytestmark: chromium and playwright present) as the main e2e tests.
from test_ui_e2e import AppProcess, box, browser, open_page, page, pytestmark  # noqa: F401


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    proc = AppProcess(tmp_path_factory.mktemp("app_scan"), {})
    proc.start()
    yield proc
    proc.stop()


def test_scan_shows_its_page_beside_the_text(page, app: AppProcess, tmp_path: Path, output_dir: Path) -> None:  # noqa: F811
    import shutil

    from conftest import missing_tool
    from playwright.sync_api import expect

    from drafting.evaluation.source_forms import FormCache
    from drafting.evaluation.source_pages import load_docs

    if shutil.which("tesseract") is None or shutil.which("pdftoppm") is None:
        missing_tool("needs the Debian packages tesseract-ocr-chi-sim and poppler-utils")
    doc = next(d for d in load_docs() if d.id == "p11")
    scan = FormCache(tmp_path).ensure([doc], ["scan"])[(doc.id, "scan")]
    open_page(page, app.url)
    page.locator("#dz-source-file input[type=file]").set_input_files(str(scan))
    note = page.locator("#dz-source-note")
    expect(note).to_contain_text("文字识别（OCR）", timeout=180_000)
    expect(note).to_contain_text("已按词典修正")
    expect(note).to_contain_text("挛生→孪生")
    raw = box(page, "dz-raw")
    expect(raw).to_have_value(re.compile("数字孪生"))
    assert "苏工信数字〔2024〕87号" in "".join(raw.input_value().split())
    expect(page.locator("#dz-scan-pages img").first).to_be_visible(timeout=30_000)
    page.screenshot(path=str(output_dir / "ui_scan_pages.png"), full_page=True)

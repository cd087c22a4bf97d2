"""批量 → 导出 PDF / 导出公众号 HTML in headless Chromium against `python app.py` (issue #25, publishing)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import test_ui_e2e as harness
from docx import Document
from test_ui_e2e import AppProcess, open_page
from test_ui_review_e2e import items_xlsx, run_batch_upload

browser = harness.browser
page = harness.page
app_offline = harness.app_offline

pytestmark = [pytest.mark.browser, pytest.mark.slow]

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - the harness module skips these tests then
    Page = Any  # type: ignore[assignment,misc]


def _export(page: Page, app: AppProcess, button: str, suffix: str) -> Path:
    page.locator(f"#dz-batch-{button}").click()
    expect(page.locator("#dz-batch-download")).to_contain_text(suffix.rsplit(".", 1)[-1], timeout=120_000)
    return max((app.data / "batches").glob(f"*/*{suffix}"), key=lambda p: p.stat().st_mtime)


def test_batch_exports_pdf_wechat_and_a_paged_word_toc(page: Page, app_offline: AppProcess, tmp_path: Path) -> None:
    open_page(page, app_offline.url)
    run_batch_upload(page, items_xlsx(tmp_path, month=11), 4)
    pdf = _export(page, app_offline, "pdf", ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "目录" in text and "植德短评" in text and "重庆市" in text
    assert re.search(r"四川省正式出台元宇宙专项政策.*\.{3,}\s*\d+\s*$", text, re.MULTILINE), "目录 line without a page"

    html = _export(page, app_offline, "wechat", "_公众号.html").read_text(encoding="utf-8")
    assert "<style" not in html and "<script" not in html and "注释" in html and "植德短评" in html

    docx = _export(page, app_offline, "docx", ".docx")
    toc = [p.text for p in Document(str(docx)).paragraphs if p.style.name in ("toc 1", "toc 2")]
    assert toc and all(re.search(r"\t\d+$", line) for line in toc), toc

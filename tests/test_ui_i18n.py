"""Gradio's own texts in Chinese in an English-language browser: the upload box, toast titles, the date hint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import missing_tool
from test_ui_e2e import BROWSER_ARGS, CHROMIUM, AppProcess, box, open_page, shot, sync_playwright, tab

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    running = AppProcess(tmp_path_factory.mktemp("app_i18n"), {})
    running.start()
    yield running
    running.stop()


@pytest.fixture
def english_page() -> Iterator[Any]:
    """Headless Debian chromium reporting an English locale, as many firm laptops do."""
    if CHROMIUM is None or sync_playwright is None:
        missing_tool("needs Debian's chromium (apt install chromium) and playwright")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="en-US")
        context.set_default_timeout(60_000)
        yield context.new_page()
        browser.close()


def test_gradio_strings_are_chinese_in_an_english_browser(english_page: Any, app: AppProcess, output_dir: Path) -> None:
    page = english_page
    open_page(page, app.url)
    assert page.evaluate("navigator.language") == "en-US"
    # The date field's hint reads as an example, not as a filled-in value.
    hint = box(page, "dz-date-in").get_attribute("placeholder") or ""
    assert hint.startswith("如") and "留空" in hint

    # A toast: its title is Chinese text in the page (passed by the app), not English hidden by CSS.
    page.locator("#dz-draft-btn").click()
    title = page.locator(".toast-title").first
    title.wait_for()
    assert title.inner_text().strip() == "提示"

    tab(page, "语料库")
    upload = page.locator("#dz-upload")
    upload.wait_for()
    text = upload.inner_text()
    assert "将文件拖放到此处" in text and "点击上传" in text, text
    assert "Drop File Here" not in text and "Click to Upload" not in text
    shot(page, output_dir, "ui_i18n_upload_en_browser.png")

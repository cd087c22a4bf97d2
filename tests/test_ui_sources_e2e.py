"""起草 from a link, in the browser: paste a locally served page's link, get its text, draft, accept with the footnote."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from page_server import PageServer, policy_pdf

# Same browser, app process and skip rule (pytestmark: chromium and playwright present) as the main e2e tests.
from test_ui_e2e import AppProcess, box, browser, open_page, page, pytestmark, wait_status  # noqa: F401


@pytest.fixture(scope="module")
def pages() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    """The offline app; it fetches from the test's page server on loopback (block_private stays off)."""
    proc = AppProcess(tmp_path_factory.mktemp("app_sources"), {"DRAFTING_SOURCES__TIMEOUT": "5"})
    proc.start()
    yield proc
    proc.stop()


def test_paste_a_link_and_draft_from_it(page, app: AppProcess, pages: PageServer, output_dir: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    url = pages.url("/utf8.html")
    open_page(page, app.url)
    box(page, "dz-raw").fill(url)
    note = page.locator("#dz-source-note")
    expect(note).to_contain_text("已读取链接", timeout=60_000)
    expect(note).to_contain_text("上海市人民政府办公厅")
    expect(note).to_contain_text("1 个附件")
    raw = box(page, "dz-raw").input_value()
    assert "全市元宇宙产业规模达到3500亿元" in raw and not raw.startswith("http")
    assert box(page, "dz-url-in").input_value() == url
    expect(page.locator("#dz-attachments")).to_be_visible()
    page.screenshot(path=str(output_dir / "ui_sources_01_link_read.png"), full_page=True)

    page.locator("#dz-draft-btn").click()
    wait_status(page, "已起草并保存为草稿")
    assert "上海" in box(page, "dz-title").input_value()
    assert "3500亿元" in box(page, "dz-body").input_value()
    page.locator("#dz-accept-btn").click()
    wait_status(page, "已采纳草稿")
    accepted = [json.loads(p.read_text(encoding="utf-8")) for p in (app.corpus / "accepted").glob("*.json")]
    assert [a["sources"] for a in accepted] == [[url]], "the link is the accepted item's source footnote"
    assert pages.hits["/utf8.html"] == 1

    # The attachment (a PDF on the page) as the source text instead.
    page.locator("#dz-attach-btn").click()
    expect(box(page, "dz-raw")).to_have_value(re.compile("上海市促进元宇宙产业发展行动方案"), timeout=60_000)
    assert "-1-" not in "".join(box(page, "dz-raw").input_value().split())
    assert box(page, "dz-url-in").input_value() == url


def test_upload_the_policy_file_and_a_dead_link(page, app: AppProcess, pages: PageServer, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    pdf = tmp_path / "行动方案.pdf"
    pdf.write_bytes(policy_pdf())
    open_page(page, app.url)
    page.locator("#dz-source-file input[type=file]").set_input_files(str(pdf))
    expect(page.locator("#dz-source-note")).to_contain_text("PDF 文字层", timeout=60_000)
    expect(box(page, "dz-raw")).to_have_value(re.compile("3500亿元"))

    # A link that is gone: a Chinese warning, and the editor's text stays as it was.
    box(page, "dz-url-in").fill(pages.url("/missing.html"))
    page.locator("#dz-fetch-btn").click()
    expect(page.get_by_text("网页不存在（HTTP 404）").first).to_be_visible(timeout=60_000)
    expect(box(page, "dz-raw")).to_have_value(re.compile("3500亿元"))

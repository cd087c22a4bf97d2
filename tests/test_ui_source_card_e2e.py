"""Issue #21 in the browser: a page's attachment and its scan each give a source card with the right fields, the
card's corrections reach the draft, and the 短评 is written (never silently empty)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import missing_tool
from page_server import PageServer
from reader_fixtures import GUIDE_TITLE, add_guide_pages, write_scan

# Same browser, app process and skip rule (pytestmark: chromium and playwright present) as the main e2e tests.
from test_ui_e2e import AppProcess, box, browser, open_page, page, pytestmark, wait_status  # noqa: F401

ISSUERS = "广州市黄埔区工业和信息化局、广州开发区经济和信息化局"


@pytest.fixture(scope="module")
def pages() -> Iterator[PageServer]:
    with PageServer() as server:
        add_guide_pages(server)
        yield server


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    """The offline app; it fetches from the test's page server on loopback (block_private stays off)."""
    proc = AppProcess(tmp_path_factory.mktemp("app_card"), {"DRAFTING_SOURCES__TIMEOUT": "5"})
    proc.start()
    yield proc
    proc.stop()


def _card(tab: Any) -> dict[str, str]:
    ids = ("title", "issuers", "published", "effective", "number", "figures")
    return {k: box(tab, f"dz-card-{k}").input_value() for k in ids}


def test_attachment_gives_a_source_card_and_a_guideline_commentary(page, app: AppProcess, pages: PageServer,  # noqa: F811
                                                                   output_dir: Path) -> None:
    from playwright.sync_api import expect

    open_page(page, app.url)
    box(page, "dz-raw").fill(pages.url("/guide.html"))
    expect(page.locator("#dz-source-note")).to_contain_text("已读取链接", timeout=60_000)
    expect(box(page, "dz-card-published")).to_have_value("2024-06-20", timeout=30_000)
    raw = box(page, "dz-raw").input_value()
    assert "浏览次数" not in raw and "2024-06-20，" not in raw and "主送" not in raw

    page.locator("#dz-attach-btn").click()  # the first attachment: att.pdf, named on the page by its link text
    expect(box(page, "dz-card-number")).to_have_value("埔工信规〔2024〕3号", timeout=60_000)
    card = _card(page)
    assert card["title"] == GUIDE_TITLE  # not "att"
    assert card["issuers"] == ISSUERS
    assert (card["published"], card["effective"]) == ("2024-06-20", "2024-07-01")  # not the 2024-09-30 deadline
    assert card["figures"] == "5000万元"
    page.screenshot(path=str(output_dir / "ui_card_01_attachment.png"), full_page=True)

    # The editor corrects the card: the draft is dated and attributed from it.
    box(page, "dz-card-issuers").fill("黄埔区工业和信息化局")
    page.locator("#dz-draft-btn").click()
    wait_status(page, "已起草并保存为草稿")
    assert box(page, "dz-title").input_value().startswith("黄埔区工业和信息化局")
    assert box(page, "dz-body").input_value().startswith("2024年6月20日")
    comm = box(page, "dz-comm").input_value()
    assert len(comm) >= 100, comm
    expect(page.locator("#dz-profile")).to_contain_text("标准/指南")
    expect(page.locator("#dz-force-comm-btn")).to_be_hidden()
    page.screenshot(path=str(output_dir / "ui_card_02_drafted.png"), full_page=True)


def test_scan_gives_a_source_card_and_an_empty_commentary_is_explained(page, app: AppProcess, pages: PageServer,  # noqa: F811
                                                                       tmp_path: Path, output_dir: Path) -> None:
    from playwright.sync_api import expect

    if shutil.which("tesseract") is None or shutil.which("ocrmypdf") is None:
        missing_tool("needs the Debian packages tesseract-ocr, tesseract-ocr-chi-sim and ocrmypdf")
    open_page(page, app.url)
    page.locator("#dz-source-file input[type=file]").set_input_files(str(write_scan(tmp_path / "scan.pdf")))
    expect(page.locator("#dz-source-note")).to_contain_text("文字识别", timeout=180_000)
    expect(box(page, "dz-card-published")).to_have_value("2024-06-20", timeout=30_000)
    card = _card(page)
    assert card["title"] == GUIDE_TITLE and card["issuers"] == ISSUERS
    assert card["effective"] == "2024-07-01" and card["number"] == "埔工信规〔2024〕3号"
    page.locator("#dz-draft-btn").click()
    wait_status(page, "已起草并保存为草稿")
    assert len(box(page, "dz-comm").input_value()) >= 100
    page.screenshot(path=str(output_dir / "ui_card_03_scan.png"), full_page=True)

    # A news text: no 短评 by default — the page says why and writes one when asked.
    box(page, "dz-raw").fill("2024年9月5日，蚂蚁链在外滩大会上发布新一代区块链一体机，单链处理性能达到每秒10万笔交易。"
                             "蚂蚁链相关负责人介绍，目前已服务超过1000家企业客户。")
    expect(box(page, "dz-card-number")).to_have_value("", timeout=30_000)
    expect(page.locator("#dz-card-note")).to_contain_text("未能读出", timeout=30_000)
    page.locator("#dz-draft-btn").click()
    wait_status(page, "未生成短评")
    assert box(page, "dz-comm").input_value() == ""
    page.locator("#dz-force-comm-btn").click()
    expect(box(page, "dz-comm")).to_have_value(re.compile(".{60,}"), timeout=90_000)
    assert "文件" not in box(page, "dz-comm").input_value()  # a news 短评, not a document's

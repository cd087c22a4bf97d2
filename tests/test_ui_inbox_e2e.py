"""收件箱 end to end (issue #26): a poll of a loopback ministry site puts an entry in 收件箱; 加入本期 drafts it into an
issue in progress as a raw row with its link; 批量 opens that issue, and the exported Word keeps the link as a footnote.

`python app.py` and `drafting watch run` are real processes on one data folder, as a firm would run them (cron beside
the app); the sites are tests/watchsites.py on 127.0.0.1.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import test_ui_e2e as harness
from test_ui_e2e import AppProcess, open_page
from test_ui_review_e2e import export
from watchsites import SELECTORS, WatchSites

from drafting.ui.navbar import inbox_label
from drafting.watch import watchlist

browser = harness.browser
page = harness.page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - the harness module skips these tests then
    Page = Any  # type: ignore[assignment,misc]

WAIT = 30_000  # ms for an event's answer: seconds on a shared, loaded machine
ENTRY = "m01"  # 工业和信息化部关于印发《元宇宙产业标准体系建设指南（2026版）》的通知 (labelled relevant, 政策速递)
OTHER = "m02"  # 工业节能监察 (labelled not relevant)


@pytest.fixture(scope="module")
def sites() -> Iterator[WatchSites]:
    with WatchSites(slow_seconds=0.5) as served:
        yield served


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, sites: WatchSites) -> Iterator[AppProcess]:
    """The app (offline drafter) whose watch list, kept with its corpus, follows the ministry's list page."""
    # the sites are all on 127.0.0.1: the per-host pace (2 s in production) would only slow the test down
    made = AppProcess(tmp_path_factory.mktemp("app_inbox"), {"DRAFTING_WATCH__PER_HOST_INTERVAL_S": "0.1"})
    selector, date_selector = SELECTORS["miit"]
    watchlist.add(made.corpus / "watch.toml", sites.list_url("miit"), kind="list", selector=selector,
                  date_selector=date_selector, every="1h", name="工业和信息化部 政策文件")
    made.start()
    yield made
    made.stop()


def cli(app: AppProcess, *args: str) -> Any:
    """`drafting …--json` on the app's corpus and data folder, as cron would run it."""
    done = subprocess.run([sys.executable, "-m", "drafting", *args, "--json"], cwd=app.tmp, env=app.env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def inbox_tab(page: Page) -> Any:
    """收件箱's link in the bar at the top of every page (the page of its own, with the count of new entries)."""
    return harness.navbar_link(page, "收件箱")


def pick_entry(page: Page, title: str) -> None:
    page.locator("#dz-inbox-table").get_by_role("gridcell").filter(has_text=title[:20]).first.click()
    expect(page.locator("#dz-inbox-detail")).to_contain_text(title, timeout=20_000)


def test_polled_entry_added_to_an_issue_drafted_and_exported_with_its_link(
        page: Page, app: AppProcess, sites: WatchSites, output_dir: Path) -> None:
    run = cli(app, "watch", "run")
    url = sites.entry_url(ENTRY, "miit")
    entry = sites.entry(ENTRY)
    assert run["errors"] == [] and url in [e["url"] for e in run["new"]], run
    inbox = cli(app, "inbox", "--status", "all")
    mine = next(e for e in inbox["entries"] if e["url"] == url)
    entry_id = mine["id"]
    assert mine["relevance"] >= inbox["min_relevance"] and "元宇宙" in mine["reason"], mine
    assert inbox["count_new"] > 0
    other_id = next(e["id"] for e in inbox["entries"] if e["url"] == sites.entry_url(OTHER, "miit"))

    open_page(page, app.url)
    expect(inbox_tab(page)).to_have_text(inbox_label(inbox["count_new"]), timeout=WAIT)  # the count of new relevant entries
    harness.tab(page, "收件箱")
    table = page.locator("#dz-inbox-table")
    expect(table).to_contain_text(entry.title[:20], timeout=30_000)
    expect(table).to_contain_text("工业和信息化部 政策文件", timeout=WAIT)  # the source's name from the watch list
    expect(table).to_contain_text(mine["reason"][:12], timeout=WAIT)  # why it scored so, as triage wrote it

    pick_entry(page, sites.entry(OTHER).title)
    page.locator("#dz-inbox-ignore").click()
    expect(page.locator("#dz-inbox-status")).to_contain_text("已忽略", timeout=WAIT)
    expect(table).not_to_contain_text(sites.entry(OTHER).title[:20], timeout=WAIT)

    pick_entry(page, entry.title)
    page.locator("#dz-inbox-issue input").click()
    page.get_by_role("option", name="新建一期（收件箱）").click()
    page.locator("#dz-inbox-add").click()
    expect(page.locator("#dz-inbox-status")).to_contain_text("已加入", timeout=180_000)
    expect(page.locator("#dz-inbox-status")).to_contain_text(url, timeout=WAIT)
    page.screenshot(path=str(output_dir / "ui_inbox_added.png"), full_page=True)

    added = cli(app, "inbox", "--status", "added")["entries"]
    assert [e["id"] for e in added] == [entry_id] and added[0]["issue_id"].startswith("收件箱-")
    assert [e["id"] for e in cli(app, "inbox", "--status", "ignored")["entries"]] == [other_id], "忽略 remembered"
    [issue] = [i for i in cli(app, "issues")["issues"] if i["id"] == added[0]["issue_id"]]
    [item] = issue["items"]
    assert item["sources"] == [url] and item["section"] == "政策速递"

    # the note links to the issue on 批量's page, which opens it in a new browser tab (the inbox stays for the next entry)
    with page.context.expect_page() as opened:
        page.locator("#dz-inbox-open-batch").click()
    batch = opened.value
    expect(batch.locator("#dz-batch-table")).to_contain_text("元宇宙产业标准体系建设指南", timeout=30_000)
    expect(batch.locator("#dz-batch-report")).to_contain_text(added[0]["issue_id"], timeout=WAIT)
    docx = export(batch, app, "docx")
    with zipfile.ZipFile(docx) as z:
        assert url in z.read("word/footnotes.xml").decode("utf-8"), "the entry's link is its Word footnote"


def test_watch_list_edited_in_the_settings_sub_page(page: Page, app: AppProcess, sites: WatchSites) -> None:
    """收件箱 → 设置: add a feed, see it listed (unverified until a run reads it), a bad hand edit refused in Chinese."""
    open_page(page, app.url)
    harness.tab(page, "收件箱")
    page.get_by_role("tab", name="设置", exact=True).last.click()
    sources = page.locator("#dz-watch-sources")
    expect(sources).to_contain_text("工业和信息化部 政策文件", timeout=WAIT)
    harness.box(page, "dz-watch-url").fill(sites.list_url("govcn"))
    harness.box(page, "dz-watch-name").fill("中国政府网 政策 RSS")
    page.locator("#dz-watch-add").click()
    expect(page.locator("#dz-watch-status")).to_contain_text("已添加来源", timeout=WAIT)
    expect(sources).to_contain_text("中国政府网 政策 RSS", timeout=WAIT)
    expect(sources).to_contain_text("未验证", timeout=WAIT)
    listed = cli(app, "watch", "list")
    assert [s["url"] for s in listed if s["name"] == "中国政府网 政策 RSS"] == [sites.list_url("govcn")]

    page.locator("#dz-watch-run").click()  # the new source is due at once: one read verifies it
    expect(page.locator("#dz-watch-status")).to_contain_text("新条目", timeout=180_000)
    expect(page.locator("#dz-watch-status")).to_contain_text("出错 0 个来源", timeout=WAIT)
    expect(sources).not_to_contain_text("未验证", timeout=WAIT)
    assert any(e["sources"] == [s["id"] for s in cli(app, "watch", "list") if s["name"] == "中国政府网 政策 RSS"]
               for e in cli(app, "inbox", "--status", "all")["entries"]), "the feed's entries are in the inbox"

    harness.box(page, "dz-watch-url").fill(sites.list_url("henan"))
    page.get_by_text("列表页（CSS 选择器）").click()
    page.locator("#dz-watch-add").click()  # a list page without its selector
    expect(page.locator(".toast-body").filter(has_text="条目选择器").first).to_be_visible(timeout=WAIT)

    page.get_by_text("直接编辑关注列表文件（TOML）").click()
    text = harness.box(page, "dz-watch-text")
    # The box gets the file's text once the opened accordion has drawn it: an edit typed before that is overwritten
    # (in CI the test appended to an empty box, the file's text then replaced it, and the file was saved unchanged).
    expect(text).to_have_value(re.compile(r"\[\[source\]\][\s\S]*中国政府网 政策 RSS"), timeout=WAIT)
    before = text.input_value()
    edited = before + "\n[[source]]\nid = \"坏\"\nurl = \"ftp://x\"\n"
    # Under CI load the freshly drawn box can still be given the file's text once more just after it shows it (seen
    # once more in CI after the wait above): the edit is typed again until it stays, as an editor would retype it.
    for _ in range(5):
        text.fill(edited)
        page.wait_for_timeout(500)
        if text.input_value() == edited:
            break
    expect(text).to_have_value(edited)
    page.locator("#dz-watch-save").click()
    expect(page.locator(".toast-body").filter(has_text="只能用字母").first).to_be_visible(timeout=WAIT)
    assert (app.corpus / "watch.toml").read_text(encoding="utf-8") == before, "a bad edit writes nothing"
    log = app.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log, log[-3000:]  # no event of the tab (the count's timer included) failed on the server

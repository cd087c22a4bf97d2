"""Two editors who changed different paragraphs of one draft are merged, not made to pick a side (issue #25, point 2).

In headless Chromium against `python app.py`; the harness is tests/test_ui_e2e.py's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import test_ui_e2e as harness
from test_ui_e2e import ANHUI, AppProcess, box, draft, open_page, shot, wait_status
from test_ui_review_e2e import history_pick

browser = harness.browser
app_offline = harness.app_offline

pytestmark = [pytest.mark.browser, pytest.mark.slow]

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the harness module skips these tests then
    pass

def lines(*paragraphs: str) -> str:
    return "\n".join(paragraphs)


P1, P2, P3 = "第一段：安徽的行动方案重在场景开放。", "第二段：企业可关注申报节点。", "第三段：后续细则值得期待。"


def test_changes_to_different_paragraphs_merge_and_overlaps_are_shown_side_by_side(
        browser: Any, app_offline: AppProcess, output_dir: Path) -> None:
    contexts = [browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN") for _ in range(2)]
    a, b = (c.new_page() for c in contexts)
    try:
        open_page(a, app_offline.url)
        draft(a, ANHUI)
        box(a, "dz-comm").fill(lines(P1, P2, P3))
        wait_status(a, "已自动保存草稿")
        open_page(b, app_offline.url)
        history_pick(b, "安徽")
        b.locator("#dz-hist-open").click()
        expect(box(b, "dz-comm")).to_have_value(lines(P1, P2, P3))

        # A rewrites the first paragraph, B (still on the older version) the third: both changes are kept.
        a_p1 = "第一段：安徽的行动方案重在场景开放与算力建设（甲）。"
        box(a, "dz-comm").fill(lines(a_p1, P2, P3))
        wait_status(a, "已自动保存草稿")
        b_p3 = "第三段：建议企业结合自身业务关注后续细则（乙）。"
        box(b, "dz-comm").fill(lines(P1, P2, b_p3))
        expect(b.locator("#dz-status")).to_contain_text("自动合并", timeout=30_000)
        expect(box(b, "dz-comm")).to_have_value(lines(a_p1, P2, b_p3))
        expect(b.locator("#dz-conflict-box")).to_be_hidden()
        shot(b, output_dir, "merge_01_auto.png")

        # Both change the second paragraph differently: shown side by side; merging keeps the rest of both.
        a.reload()
        history_pick(a, "安徽")
        a.locator("#dz-hist-open").click()
        expect(box(a, "dz-comm")).to_have_value(lines(a_p1, P2, b_p3))
        box(a, "dz-title").fill(box(a, "dz-title").input_value() + "（甲改标题）")
        wait_status(a, "已自动保存草稿")
        # The title's save is its own version: B must only write once A's second paragraph is saved too,
        # or B merges against the title-only version and there is nothing to conflict with.
        title_version = int(re.search(r"第 (\d+) 版", a.locator("#dz-status").inner_text()).group(1))  # type: ignore[union-attr]
        box(a, "dz-comm").fill(lines(a_p1, "第二段：甲认为应关注资金支持。", b_p3))
        wait_status(a, f"第 {title_version + 1} 版")
        mine = "第二段：乙认为应关注数据合规。"
        box(b, "dz-comm").fill(lines(a_p1, mine, b_p3))
        expect(b.locator("#dz-status")).to_contain_text("已在别处被修改", timeout=30_000)
        expect(b.locator("#dz-conflict")).to_contain_text("双方都改动了以下 1 处段落")
        expect(b.locator("#dz-conflict .dz-merge")).to_contain_text("甲认为应关注资金支持")
        expect(b.locator("#dz-conflict .dz-merge")).to_contain_text("乙认为应关注数据合规")
        shot(b, output_dir, "merge_02_overlap.png")
        b.locator("#dz-conflict-merge").click()
        expect(b.locator("#dz-status")).to_contain_text("已合并双方修改", timeout=30_000)
        expect(box(b, "dz-comm")).to_have_value(lines(a_p1, mine, b_p3))
        expect(box(b, "dz-title")).to_have_value(box(a, "dz-title").input_value())  # A's title change kept
        # The next keystroke of B saves without a new conflict: the page is on the merged version.
        box(b, "dz-comm").fill(lines(a_p1, mine, b_p3) + "完")
        wait_status(b, "已自动保存草稿")
    finally:
        for c in contexts:
            c.close()

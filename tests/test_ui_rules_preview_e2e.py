"""规则 in the browser (issue #25, point 3): a proposal is previewed before it is approved — what it does to each
evidence draft beside the editor's 定稿, and to the drafts in progress — and an evidence draft opens in 起草 on click.

The edit history is written into the app's SQLite file first (four items, the editor deleted the same praise
sentence and appended a reminder: the issue's reproduction), then `python app.py` serves it to headless Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_rules_mining import PLACES, REMINDER, _final, _machine
from test_ui_e2e import AppProcess, box, browser, open_page, page, shot, tab  # noqa: F401 - fixtures

from drafting.models import Draft, Item
from drafting.store import DraftStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the harness skips these tests then
    pass

PENDING = "湖北省印发方案。同时，这一举措也为省内企业提供了明确方向，带来了新的发展机遇。"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppProcess, list[int], int]]:
    proc = AppProcess(tmp_path_factory.mktemp("app_rules_preview"), {})
    store = DraftStore(proc.data / "drafting.sqlite3")
    ids = []
    for place, who, tail in PLACES:
        item = Item(section="政策速递", title=f"{place}印发元宇宙产业发展行动计划", body=f"{place}印发行动计划。")
        draft_id = store.create(Draft(item=item, commentary=_machine(place, who, tail), offline=True))
        store.accept(draft_id, title=item.title, body=item.body, commentary=_final(place), actor="张律师")
        ids.append(draft_id)
    pending = store.create(Draft(item=Item(section="政策速递", title="湖北省印发虚拟现实行动方案", body="正文"),
                                 commentary=PENDING, offline=True))
    proc.start()
    yield proc, ids, pending
    proc.stop()


def test_a_proposal_is_previewed_before_approving_and_its_evidence_opens(page: Any, app: Any, output_dir: Path) -> None:  # noqa: F811
    proc, ids, pending = app
    open_page(page, proc.url)
    tab(page, "规则")
    proposals = page.locator("#dz-rules-proposals")
    expect(proposals).to_contain_text("这一举措也为", timeout=30_000)
    expect(proposals).to_contain_text(REMINDER[:10])
    assert "代替" not in proposals.inner_text(), "no swap mined across the rewritten sentence"

    page.locator("#dz-rules-pick input").click()
    page.get_by_role("option", name=re.compile("建议.*这一举措也为")).first.click()
    preview = page.locator("#dz-rules-preview")
    expect(preview).to_contain_text("批准前预览", timeout=30_000)
    expect(preview).to_contain_text("其中 4 篇规则所改正是编辑所改")
    # Before → after on an evidence draft: the praise sentence struck through, beside the editor's 定稿.
    expect(preview.locator("del").first).to_contain_text("这一举措也为省内相关企业提供了明确方向")
    expect(preview).to_contain_text("编辑定稿：")
    # …and on the drafts in progress: the pending 湖北 draft would lose the same sentence.
    expect(preview).to_contain_text("最近的待定草稿：1 篇中有 1 篇会被修改")
    expect(preview).to_contain_text(f"#{pending}")
    shot(page, output_dir, "ui_rules_preview.png")

    # Nothing was approved by looking.
    expect(page.locator("#dz-rules-version")).to_contain_text("第 **0** 版".replace("**", ""))

    # An evidence draft opens in 起草 on click.
    evidence = page.locator("#dz-rules-evidence")
    evidence.get_by_role("gridcell").filter(has_text=f"{PLACES[1][0]}印发").first.click()
    expect(page.locator("#dz-status")).to_contain_text(f"已打开草稿 #{ids[1]}", timeout=30_000)
    assert REMINDER in box(page, "dz-comm").input_value()

"""The learning loop in the browser: precedent feedback, the 统计 tab's plots, approving a rule in 规则.

The edit history is made first through the real service and store (three accepted drafts with the same clause
deleted), then `python app.py` serves those folders and headless Chromium does the rest.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_learning import RAWS
from test_ui_e2e import (  # noqa: F401 - the shared headless-chromium fixtures
    HUBEI,
    ROOT,
    AppProcess,
    box,
    browser,
    draft,
    open_page,
    page,
    pytestmark,  # browser + slow marks, skipped without chromium (as the other browser tests)
    shot,
    tab,
    wait_status,
)

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - skipped by the shared pytestmark above
    pass


def _clauses(text: str) -> list[str]:
    return [c for c in re.split(r"[，。]", text) if len(c) >= 6]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppProcess, str, str]]:
    """The offline app over an edit history; yields (app, the clause editors delete, a raw text whose draft has it)."""
    from drafting.models import DraftRequest
    from drafting.services import build_services
    from drafting.settings import Settings

    tmp = tmp_path_factory.mktemp("learning_app")
    prompts = tmp / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)  # a copy, so the test can show approving writes nothing here
    proc = AppProcess(tmp, {"DRAFTING_PROMPTS_DIR": str(prompts)})
    services = build_services(Settings(_env_file=None, corpus_dir=proc.corpus, data_dir=proc.data, prompts_dir=prompts))  # type: ignore[call-arg]
    services.ingest()
    drafts = [services.drafter.draft(DraftRequest(raw_text=r, section="政策速递", offline=True))[0] for r in RAWS]
    clause, n = Counter(c for d in drafts for c in set(_clauses(d.commentary))).most_common(1)[0]
    assert n >= 3
    with_clause = [(r, d) for r, d in zip(RAWS, drafts, strict=True) if clause in d.commentary]
    for raw, d in with_clause[:3]:
        draft_id = services.store.create(d, source_text=raw)
        services.accept(draft_id, title=d.item.title, body=d.item.body, commentary=d.commentary.replace(clause, ""))
    del services
    proc.start()
    yield proc, clause, with_clause[-1][0]
    proc.stop()


def _cli_stats(proc: AppProcess) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "drafting", "stats", "--json"], cwd=proc.tmp, env=proc.env,
                         capture_output=True, text=True, timeout=300, check=True)
    return json.loads(out.stdout)


def test_feedback_stats_and_rules_in_the_browser(page: Page, app: tuple[AppProcess, str, str], output_dir: Path) -> None:  # noqa: F811
    proc, clause, raw_with_clause = app
    open_page(page, proc.url)
    draft(page, HUBEI)
    draft_id = int(re.search(r"#(\d+)", page.locator("#dz-model").inner_text()).group(1))

    # Precedent feedback: open the second card, mark the first one helpful.
    cards = page.locator("#dz-precedents details.dz-prec")
    cards.nth(1).locator("summary").click()
    page.locator("#dz-fb-pick label").first.click()
    page.locator("#dz-fb-helpful").click()
    expect(page.locator("#dz-fb-status")).to_contain_text("有帮助")
    expect(page.locator("#dz-fb-pick")).to_contain_text("👍")

    commentary = box(page, "dz-comm").input_value()
    box(page, "dz-comm").fill(commentary.replace(clause, "") + "相关企业可关注配套细则。")
    wait_status(page, "已自动保存草稿")
    page.locator("#dz-accept-btn").click()
    wait_status(page, "已采纳草稿")

    # The feedback is in the database, for the eval (read by a fresh process: it survives the page).
    out = subprocess.run(
        [sys.executable, "-c", ("import json; from drafting.services import build_services; s = build_services();"
                                f" print(json.dumps([f.model_dump() for f in s.learning.feedback.all({draft_id})]))")],
        cwd=proc.tmp, env=proc.env, capture_output=True, text=True, timeout=300, check=True)
    feedback = json.loads(out.stdout.strip().splitlines()[-1])
    assert [f["judgement"] for f in feedback if f["judgement"]] == ["helpful"]
    assert any(f["expanded"] for f in feedback), feedback

    # 统计: the plots render, and show the same figures as `drafting stats --json`.
    tab(page, "统计")
    page.locator("#dz-stats-refresh").click()
    stats = _cli_stats(proc)
    assert stats["drafts"] == 4
    summary = page.locator("#dz-stats-summary")
    expect(summary).to_contain_text("已采纳 4 篇")
    expect(summary).to_contain_text(f"{stats['overall']['commentary_ratio']:.1%}")
    for plot in ("dz-stats-month", "dz-stats-section", "dz-stats-model"):
        expect(page.locator(f"#{plot} canvas, #{plot} svg").first).to_be_visible(timeout=30_000)
    expect(page.locator("#dz-stats-phrases")).to_be_visible()
    expect(page.locator("#dz-stats-month")).to_contain_text("每月短评修改比例")
    page.wait_for_timeout(1500)  # let vega finish drawing before the screenshot
    shot(page, output_dir, "ui_learning_01_stats.png")

    # 规则: the recurring deletion is proposed with its evidence; approving it changes the next offline draft.
    tab(page, "规则")
    page.get_by_role("button", name="刷新").last.click()
    expect(page.locator("#dz-rules-proposals")).to_contain_text(clause)
    page.locator("#dz-rules-pick input").click()
    page.get_by_role("option", name=re.compile(f"建议.*{re.escape(clause[:10])}")).first.click()
    page.locator("#dz-rules-approve").click()
    expect(page.locator("#dz-rules-status")).to_contain_text("已批准")
    expect(page.locator("#dz-rules-approved")).to_contain_text(clause)
    expect(page.locator("#dz-rules-version")).to_contain_text("第 1 版")
    shot(page, output_dir, "ui_learning_02_rules.png")
    # Approved rules are the firm's data: written beside the corpus, never into the prompts shipped with the code.
    assert clause in (proc.corpus / "house_rules.md").read_text(encoding="utf-8")
    assert not (Path(proc.env["DRAFTING_PROMPTS_DIR"]) / "house_rules.md").exists()

    tab(page, "起草")
    draft(page, raw_with_clause)
    assert clause not in box(page, "dz-comm").input_value()

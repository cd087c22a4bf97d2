"""Issue #10 in the browser: a provider that never finishes (one token per second, forever) must not make an
offline draft wait. Real `python app.py`, real headless chromium, the fake provider in its "trickle" fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_openai import FakeOpenAI
from test_ui_e2e import (  # noqa: F401 - browser and page are fixtures used by name
    HUBEI,
    AppProcess,
    Page,
    box,
    browser,
    expect,
    page,
    pytestmark,
    tab,
    wait_status,
)

ANHUI_SHORT = ("2023年10月12日，安徽省发展改革委等部门印发《安徽省元宇宙产业发展行动方案（2023—2025年）》，"
               "提出推动虚拟现实、数字孪生等技术在制造、文旅、教育等领域形成示范应用场景。")


@pytest.fixture(scope="module")
def hanging_llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(fault="trickle", fault_interval=1.0) as server:
        yield server


@pytest.fixture(scope="module")
def app_one_slot(tmp_path_factory: pytest.TempPathFactory, hanging_llm: FakeOpenAI) -> Iterator[AppProcess]:
    """One model draft at a time, and a provider whose drafts never end on their own."""
    app = AppProcess(tmp_path_factory.mktemp("app_one_slot"), {
        "DRAFTING_LLM__BASE_URL": hanging_llm.url, "DRAFTING_LLM__MODEL": "fake-chat",
        "DRAFTING_LLM__API_KEY": "sk-test-secret-never-shown", "DRAFTING_SERVER__CONCURRENCY": "1",
        "DRAFTING_LLM__DEADLINE": "900", "DRAFTING_LLM__MAX_OUTPUT_CHARS": "100000",
    })
    app.start()
    yield app
    app.stop()


def test_offline_draft_never_waits_behind_a_hanging_model_draft(page: Page, browser: object, app_one_slot: AppProcess,  # noqa: F811
                                                                 output_dir: Path) -> None:
    page.goto(app_one_slot.url)
    box(page, "dz-raw").fill(HUBEI)
    page.locator("#dz-draft-btn").click()
    wait_status(page, "正在起草")  # the model draft holds the only model slot, streaming forever
    other_context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")  # type: ignore[attr-defined]
    try:
        other = other_context.new_page()
        other.set_default_timeout(60_000)
        other.goto(app_one_slot.url)
        tab(other, "设置")
        other.locator("#dz-offline input").check()
        tab(other, "起草")
        box(other, "dz-raw").fill(ANHUI_SHORT)
        other.locator("#dz-draft-btn").click()
        wait_status(other, "已起草并保存为草稿", timeout=90_000)
        expect(other.locator("#dz-model")).to_contain_text("离线草稿")
        other.screenshot(path=str(output_dir / "hostile_offline_beside_hanging_model.png"), full_page=True)
    finally:
        other_context.close()
    expect(page.locator("#dz-status")).to_contain_text("正在起草")  # the model draft is still running

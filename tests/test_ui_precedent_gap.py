"""Issue #22, point 5, in headless Chromium against a real `python app.py`: a 白皮书 on the seed corpus (whose
precedents with a 短评 are promotional plans, the same stance) gets 缺少同类先例 naming its kind and stance."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from test_ui_e2e import AppProcess, box, browser, open_page, page, pytestmark, wait_status  # noqa: F401 - fixtures

WHITE_PAPER = """中国信通院发布《元宇宙白皮书（2023年）》
2023年9月15日，中国信息通信研究院发布《元宇宙白皮书（2023年）》。白皮书梳理了元宇宙的技术体系与产业图谱，认为元宇宙正从概念炒作走向理性发展，沉浸式交互、数字内容生产与可信数字身份是三大关键方向。"""


@pytest.fixture(scope="module")
def app_seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    app = AppProcess(tmp_path_factory.mktemp("app_gap"), {})
    app.start()
    yield app
    app.stop()


def test_a_white_paper_gets_the_gap_by_kind_and_an_offline_draft_that_is_not_a_plan(
    page: Page, app_seed: AppProcess, output_dir: Path,  # noqa: F811 - the imported fixture
) -> None:
    open_page(page, app_seed.url)
    box(page, "dz-raw").fill(WHITE_PAPER)
    page.locator("#dz-draft-btn").click()
    wait_status(page, "已起草并保存为草稿")
    gap = page.locator("#dz-profile .dz-gap")
    expect(gap).to_contain_text("缺少同类先例")
    expect(gap).to_contain_text("白皮书/报告")
    expect(gap).to_contain_text("促进")
    commentary = box(page, "dz-comm").input_value()
    assert "白皮书" in commentary and "行动计划" not in commentary and "系统部署" not in commentary, commentary
    page.screenshot(path=str(output_dir / "ui_precedent_gap_white_paper.png"), full_page=True)

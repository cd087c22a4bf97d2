"""起草 tab and genres (issue #11), in headless Chromium against a real `python app.py`: the new item's profile,
the precedent-gap warning, precedent cards with rank, similarity and reasons, and the editor's correction."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from test_ui_e2e import AppProcess, box, browser, open_page, page, pytestmark, wait_status  # noqa: F401 - fixtures

NFT_WARNING = """中国互联网金融协会等三协会发布关于防范NFT相关金融风险的倡议
2022年4月13日，中国互联网金融协会、中国银行业协会、中国证券业协会联合发布《关于防范NFT相关金融风险的倡议》。倡议提出，坚决遏制NFT金融化证券化倾向，不在NFT底层商品中包含证券、保险、信贷、贵金属等金融资产，不通过分割所有权或者批量创设等方式削弱NFT非同质化特征，变相开展代币发行融资。"""


@pytest.fixture(scope="module")
def app_seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    """No model, the seed corpus only: every precedent with a 短评 is a promotional plan."""
    app = AppProcess(tmp_path_factory.mktemp("app_genres"), {})
    app.start()
    yield app
    app.stop()


def _choose(page: Page, elem_id: str, option: str) -> None:  # noqa: F811 - the imported fixture's name
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_profile_gap_and_precedent_reasons_then_the_editor_corrects_the_stance(
    page: Page, app_seed: AppProcess, output_dir: Path,  # noqa: F811 - the imported fixture
) -> None:
    open_page(page, app_seed.url)
    box(page, "dz-raw").fill(NFT_WARNING)
    page.locator("#dz-draft-btn").click()
    wait_status(page, "已起草并保存为草稿")

    profile = page.locator("#dz-profile")
    expect(profile).to_contain_text("倡议/风险提示")
    expect(profile).to_contain_text("立场 风险提示")
    expect(profile).to_contain_text("规则判断")
    expect(profile.locator(".dz-gap")).to_contain_text("缺少同类先例")

    card = page.locator("#dz-precedents details.dz-prec").first
    expect(card).to_contain_text("第 1 名")
    expect(card).to_contain_text("相似度")
    expect(card).to_contain_text("%")
    expect(card).to_contain_text("类型：")
    commentary = box(page, "dz-comm").input_value()
    for praise in ("前瞻性", "高度重视", "明确方向"):
        assert praise not in commentary, commentary
    page.screenshot(path=str(output_dir / "ui_genres_01_warning_gap.png"), full_page=True)

    # The editor disagrees with the kind: reads it as an industry report, re-drafts; the page says who decided.
    page.locator("#dz-profile-box").get_by_text("条目画像").first.click()
    _choose(page, "dz-kind-in", "管理办法/暂行规定/条例")
    _choose(page, "dz-stance-in", "规范")
    page.locator("#dz-regen-btn").click()
    expect(profile).to_contain_text("编辑指定", timeout=90_000)
    expect(profile).to_contain_text("立场 规范")
    expect(profile).to_contain_text("管理办法/暂行规定/条例")
    page.screenshot(path=str(output_dir / "ui_genres_02_corrected.png"), full_page=True)

"""A Hong Kong regulator's page (issue #21, script per passage): the title the page or its attachment link gives is
Traditional even where the text read is converted; the source card, the item and the prompt are Simplified. Before
the fix the title came back as 致虛擬資產交易平台營運者的通函… (the eval's `simplified` column: 0.88 html, 0.86 attachment)."""

from __future__ import annotations

import pytest

from drafting.sources.reader import read_fields

BODY = ("證券及期貨事務監察委員會（證監會）現就持牌虛擬資產交易平台營運者向客戶提供質押服務，發出以下指引。\n"
        "平台營運者須將不少於98%的客戶虛擬資產存放於凍結錢包，並須於30個營業日內完成內部監控檢討。\n"
        "本通函即時生效。\n"
        "證券及期貨事務監察委員會\n"
        "2025年4月7日")
TITLE = "致虛擬資產交易平台營運者的通函：關於提供質押服務"
SIMPLIFIED = "致虚拟资产交易平台营运者的通函：关于提供质押服务"


@pytest.mark.parametrize("given", [{"html_title": f"{TITLE} | 證券及期貨事務監察委員會"}, {"link_text": TITLE}])
def test_a_traditional_page_title_or_link_text_is_read_in_simplified(given: dict[str, str]) -> None:
    doc = read_fields(BODY, **given)
    assert doc.title == SIMPLIFIED
    assert doc.issuers == ["证券及期货事务监察委员会"]
    assert doc.published == "2025-04-07"


def test_a_traditional_ordinance_name_in_the_title_is_read_in_simplified() -> None:
    doc = read_fields("香港金融管理局今日發出指引。\n香港金融管理局\n2025年7月29日", html_title="《穩定幣條例》持牌人指引")
    assert doc.title == "《稳定币条例》持牌人指引"


def test_a_simplified_title_is_left_exactly_as_it_is() -> None:
    # OpenCC's t2s changes a few Simplified words too: a title with no Traditional passage is never run through it
    title = "关于进一步规范“云计算”数据中心发展的通知"
    assert read_fields("国家发展改革委印发通知。", html_title=title).title == title

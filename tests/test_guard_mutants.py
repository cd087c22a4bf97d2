"""Guard behaviour the mutation run found unchecked (round 24, issue #24): what a lawyer would see go wrong if the
fact check silently changed. Source items and 短评 are fixtures written by hand in the house voice."""

from __future__ import annotations

import pytest

from drafting.corpus.profile import profile_of
from drafting.models import Finding, Item, Profile, Stance
from drafting.settings import GuardSettings
from drafting.writing.guard.check import check, check_facts, check_stance, format_findings, short_names

NEWS = Item(section="行业新闻", title="某科技公司发布元宇宙平台", date="2024-03-05",
            body="2024年3月5日，某科技公司发布元宇宙平台，首批接入12家合作方。")


def kinds(text: str, source: Item = NEWS) -> list[tuple[str, str | None]]:
    return [(f.kind, f.text) for f in check_facts(text, source)]


def test_an_organisation_the_source_never_names_is_flagged_by_its_suffix() -> None:
    assert kinds("该平台由上海市数据局牵头建设。") == [("place", "上海市"), ("org", "数据局")]
    assert kinds("清华大学参与了该平台的测试。") == [("org", "清华大学")]


def test_a_number_and_a_date_the_source_states_pass_and_changed_ones_are_flagged() -> None:
    assert kinds("2024年3月5日，首批接入12家合作方。") == []
    assert kinds("2024年3月6日，首批接入13家合作方。") == [("date", "2024年3月6日"), ("number", "13")]


def test_a_title_broken_by_spaces_has_the_same_short_names() -> None:
    # PDF extraction leaves spaces inside a title: the names a draft may use are those of the unbroken title
    assert short_names("重庆市 元宇宙产业发展 行动计划（2023—2025年）") == ["重庆市元宇宙产业发展行动计划", "行动计划", "计划"]


def test_a_place_named_with_its_suffix_is_known_from_the_bare_name() -> None:
    source = Item(section="行业新闻", title="上海发布元宇宙新赛道行动方案", date="2024-03-05",
                  body="上海发布元宇宙新赛道行动方案，提出培育一批元宇宙企业。")
    assert kinds("上海市将培育一批元宇宙企业。", source) == []
    # a different place is still a finding, with or without the suffix
    assert kinds("杭州市将培育一批元宇宙企业。", source) == [("place", "杭州市")]


POLICY = Item(section="政策速递", title="重庆市印发《重庆市元宇宙产业发展行动计划（2023—2025年）》", date="2023-09-22",
              body="重庆市经济和信息化委员会印发《重庆市元宇宙产业发展行动计划（2023—2025年）》，提出培育一批元宇宙企业。")
FILLER = "推动元宇宙产业高质量发展，完善产业生态，优化营商环境，加快应用场景建设。"


def document_findings(commentary: str) -> list[str]:
    return [f.message for f in check(commentary, POLICY, GuardSettings(), profile=profile_of(POLICY)) if f.kind == "document"]


def test_the_reviewed_document_counts_as_mentioned_only_by_its_own_name() -> None:
    assert document_findings("《行动计划》" + FILLER * 3) == []
    assert document_findings("《行动 计划》" + FILLER * 3) == []  # a space typed inside the short name
    # another document's name is not a mention of this one: the reader would not know which document is meant
    assert document_findings("《数据安全法》" + FILLER * 3) == [
        "短评未提及所评文件：请写出文件简称（如《行动计划》）或“该方案”等指代"]


def test_a_finding_on_the_body_is_printed_as_the_body() -> None:
    finding = Finding(kind="number", span=(2, 5), field="body", text="300", message="数字“300”未见于来源条目")
    assert format_findings([finding]) == "- 正文[2–5] number：数字“300”未见于来源条目"


@pytest.mark.parametrize("stance", ["风险提示", "规范", "规则", "许可"])
def test_praise_of_any_restraining_document_is_a_stance_finding(stance: Stance) -> None:
    # a licence regime or a rulebook praised as a "development opportunity" misreads it to the client
    praise = "该办法具有前瞻性，为行业带来发展机遇。"
    found = check_stance(praise, Profile(kind="管理办法", stance=stance))
    assert [(f.text, f.span) for f in found] == [("前瞻性", (5, 8)), ("发展机遇", (14, 18))]
    assert found[0].message == (f"“前瞻性”是褒扬发展规划的说法，与条目类型（管理办法，{stance}）不符：请改写为其约束对象、要求或合规边界")
    # the same words about a promotion plan are its ordinary description
    assert check_stance(praise, Profile(kind="行动计划/实施方案", stance="促进")) == []


NEWS_LISTS = Item(section="行业新闻", title="某科技公司发布元宇宙平台", date="2024-03-05",
                  body="2024年3月5日，某科技公司发布元宇宙平台，提出三大方向，首批接入12家合作方，3月20日起开放。")


def test_a_wrong_chinese_numeral_after_an_article_or_a_date_is_still_caught() -> None:
    # 一 before a measure word is an article, not a fact; the numeral after it must still be read
    assert kinds("一家平台提出五大方向。", NEWS_LISTS) == [("number", "五")]
    assert kinds("一家平台提出三大方向。", NEWS_LISTS) == []
    # a Chinese percentage is a percentage: 五% is not the source's bare 五 (nor any of its figures)
    assert kinds("增速达五%。", NEWS_LISTS) == [("number", "五")]
    assert [f.message for f in check_facts("增速达五%。", NEWS_LISTS)] == ["百分比“五”未见于来源条目，请核对或删除"]


def test_a_wrong_date_after_a_date_with_a_stray_space_is_a_date_finding() -> None:
    # PDF text puts a space after 年; the second date must still be read as a date, not as two bare numbers
    assert kinds("2024年 3月5日发布，3月21日起开放。", NEWS_LISTS) == [("date", "3月21日")]


def test_names_in_a_source_broken_by_spaces_are_known() -> None:
    source = Item(section="行业新闻", title="某科技公司发布元宇宙平台", date="2024-03-05",
                  body="上海市 经济和信息化委员会 指导某科技公司发布元宇宙平台。")
    assert kinds("上海市经济和信息化委员会指导该平台。", source) == []


HK = Item(section="政策速递", title="香港证监会发布《适用于虚拟资产交易平台营运者的指引》", date="2023-06-01",
          body="香港证监会发布《适用于虚拟资产交易平台营运者的指引》，自2023年6月1日起施行。根据《打击洗钱及恐怖分子资金筹集条例》，"
               "在香港经营虚拟资产交易所的中心化平台均须向证监会申领牌照。")
PLAN = Item(section="政策速递", title="中共中央 国务院印发《数字中国建设整体布局规划》", date="2023-02-27",
            body="中共中央、国务院印发《数字中国建设整体布局规划》，提出按照“2522”的整体框架进行布局。")


def test_a_duty_without_a_bearer_is_a_fragment_finding_at_its_place() -> None:
    text = "根据《指引》，均须向证监会申领牌照。"
    found = [f for f in check(text, HK, GuardSettings(), profile=profile_of(HK)) if f.kind == "fragment"]
    assert [(f.span, f.text) for f in found] == [((7, 9), "均须")]
    assert found[0].message == "句子缺少主语：“均须”前没有写明由谁承担，请补出主体（如“持牌机构均须……”）"


def test_a_wrong_issuer_is_a_wrong_document_finding_at_its_place() -> None:
    text = "主管部门印发的《规划》按照“2522”整体框架布局数字中国建设。"
    found = [f for f in check(text, PLAN, GuardSettings(), profile=profile_of(PLAN)) if f.kind == "wrong_document"]
    assert {(f.span, f.text) for f in found} == {((0, 4), "主管部门")}
    assert found[0].message.startswith("“主管部门”与条目的发布方不符")


def test_people_are_flagged_by_a_post_before_or_a_verb_after_either_alone() -> None:
    assert kinds("王小明表示平台将开放。") == [("person", "王小明")]
    assert kinds("该公司董事长王小明。") == [("person", "王小明")]


def test_an_organisation_is_named_without_the_generic_word_before_it() -> None:
    # 有关 is not part of the name: the finding names 工信局, which the editor can look up in the source
    assert kinds("有关工信局指导。") == [("org", "工信局")]


def test_a_generic_word_before_a_company_tail_is_no_company() -> None:
    # 数字科技 is a field of business, not a company the source should name
    assert kinds("数字科技参与。") == []
    assert kinds("比特科技参与。") == [("org", "比特科技")]


def messages(text: str, source: Item = NEWS) -> list[str]:
    return [f.message for f in check_facts(text, source)]


def test_each_kind_of_name_is_called_what_it_is_in_the_message() -> None:
    assert messages("清华大学参与测试。") == ["机构“清华大学”未见于来源条目，请核对或删除"]
    assert messages("王小明表示平台将开放。") == ["人名“王小明”未见于来源条目，请核对或删除"]
    assert messages("杭州市参与测试。") == ["地名“杭州市”未见于来源条目，请核对或删除"]
    # names found without a suffix (a Latin brand, a person after a post) are named the same way
    assert [(f.kind, f.message) for f in check_facts("OPPO参与测试。", NEWS)] == [("org", "机构“OPPO”未见于来源条目，请核对或删除")]
    assert [(f.kind, f.message) for f in check_facts("市长殷勇出席。", NEWS)] == [("person", "人名“殷勇”未见于来源条目，请核对或删除")]


def test_findings_come_in_reading_order_and_one_does_not_hide_another() -> None:
    assert kinds("清华大学接入13家合作方。") == [("org", "清华大学"), ("number", "13")]
    assert kinds("接入13家合作方，清华大学参与。") == [("number", "13"), ("org", "清华大学")]
    assert kinds("接入13家合作方，OPPO参与。") == [("number", "13"), ("org", "OPPO")]


def test_places_counted_by_a_numeral_are_known_when_the_source_names_them() -> None:
    source = Item(section="行业新闻", title="某科技公司发布元宇宙平台", date="2024-03-05", body="某科技公司在深港发布元宇宙平台。")
    assert kinds("该平台在深港两地上线。", source) == []


def test_a_title_typed_with_a_space_is_the_sources_title() -> None:
    assert [f for f in check_facts("《数字中国建设 整体布局规划》提出整体框架。", PLAN) if f.kind == "title"] == []
    assert [f.text for f in check_facts("《数字中国建设总体规划》提出整体框架。", PLAN) if f.kind == "title"] == ["《数字中国建设总体规划》"]

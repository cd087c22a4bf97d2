"""Names the fact check misread (left alone last round, now fixed): a district jieba tags as a person's name went
unchecked, and the generic 工信部门 ("the industry and IT departments") was reported as the body 工信部."""

from __future__ import annotations

from drafting.models import Item
from drafting.writing.guard.check import check_facts

SOURCE = Item(
    section="政策速递", title="上海市印发《上海市促进元宇宙产业发展若干措施》", date="2024-03-01",
    body="2024年3月1日，上海市经济和信息化委员会印发《上海市促进元宇宙产业发展若干措施》，提出到2025年产业规模达到3500亿元。",
)


def findings(commentary: str, source: Item = SOURCE) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in check_facts(commentary, source, source_text=source.body)]


def test_a_district_the_source_never_names_is_reported_as_a_place() -> None:
    # jieba tags 徐汇区 nr (a person's name): the check used to let it through unchecked.
    assert ("place", "徐汇区") in findings("该措施明确了支持方向，徐汇区企业可关注后续细则与申报节点。")
    # a district the source names passes, tagged nr or ns
    named = SOURCE.model_copy(update={"body": SOURCE.body + "徐汇区、浦东新区将率先试点。"})
    assert findings("徐汇区与浦东新区的企业可关注后续细则。", named) == []
    assert ("place", "浦东新区") in findings("浦东新区企业可关注后续细则。")


def test_generic_departments_are_not_a_named_body() -> None:
    assert findings("该措施明确了支持方向，相关工信部门将加强统筹，企业可关注后续细则。") == []
    assert findings("各地财政部门与科技部门将给予配套支持，企业可关注后续细则。") == []
    # the bodies themselves are still checked
    assert ("org", "工信部") in findings("工信部将加强统筹，企业可关注后续细则。")
    assert ("org", "财政部") in findings("财政部将给予配套支持。")

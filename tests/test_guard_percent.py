"""A percentage and a bare number are different facts: "194%" in the source does not vouch for "194家" in the
短评, nor "194家" for "194%". A hand mutant that dropped the % flag from the number check survived every guard test."""

from __future__ import annotations

import pytest

from drafting.models import Item
from drafting.writing.guard.check import check_facts


def _item(body: str) -> Item:
    return Item(section="行业新闻", title="某市元宇宙产业统计", date="2023-09-18", body=body)


def _numbers(text: str, body: str) -> list[tuple[str, str]]:
    return [(f.text, f.message) for f in check_facts(text, _item(body)) if f.kind == "number"]


@pytest.mark.parametrize("percent", ["194%", "194 %", "194％"])
def test_a_bare_number_is_not_vouched_for_by_the_same_percentage(percent: str) -> None:
    assert _numbers("该市元宇宙企业达到194家。", f"该市元宇宙产业规模同比增长{percent}。") == [
        ("194", "数字“194”未见于来源条目，请核对或删除")]


@pytest.mark.parametrize("percent", ["194%", "194 %", "194％"])
def test_a_percentage_is_not_vouched_for_by_the_same_bare_number(percent: str) -> None:
    found = _numbers(f"该市元宇宙产业规模同比增长{percent}。", "该市元宇宙企业达到194家。")
    assert [message for _, message in found] == [f"百分比“{percent.replace('％', '%')}”未见于来源条目，请核对或删除"]


@pytest.mark.parametrize(("text", "body"), [
    ("产业规模同比增长194%。", "该市元宇宙产业规模同比增长194%。"),
    ("企业达到194家。", "该市元宇宙企业达到194家。"),
    ("同比增长十二%。", "同比增长12%。"),
])
def test_the_same_kind_of_number_passes(text: str, body: str) -> None:
    assert _numbers(text, body) == []


def test_a_chinese_numeral_percentage_is_not_the_bare_number() -> None:
    assert [t for t, _ in _numbers("同比增长十二%。", "企业达到12家。")] == ["十二"]

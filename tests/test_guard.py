"""Fact guard: faithful 短评 pass; planted wrong numbers, dates, titles, places and organisations are caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafting.corpus.profile import profile_of
from drafting.models import Item
from drafting.settings import GuardSettings
from drafting.writing.guard.check import FACT_KINDS, check, check_facts, cn_to_int, format_findings

GUARD = GuardSettings()


@pytest.fixture(scope="module")
def policy_items(seed_path: Path) -> list[Item]:
    from drafting.corpus import parse_file

    items = [i for i in parse_file(seed_path).items if i.commentary]
    assert len(items) == 6
    return items


@pytest.fixture(scope="module")
def chongqing(policy_items: list[Item]) -> Item:
    return next(i for i in policy_items if i.title.startswith("重庆"))


def _facts(findings: list) -> list:
    return [f for f in findings if f.kind in FACT_KINDS]


def test_the_six_real_commentaries_pass_against_their_own_items(policy_items: list[Item]) -> None:
    for item in policy_items:
        findings = check(item.commentary or "", item, GUARD, profile=profile_of(item))
        assert findings == [], f"{item.title}: {format_findings(findings)}"


def test_a_real_commentary_checked_against_another_item_is_flagged(policy_items: list[Item]) -> None:
    sichuan = next(i for i in policy_items if i.title.startswith("四川"))
    shanghai = next(i for i in policy_items if "区块链" in i.title)
    kinds = {f.kind for f in check(sichuan.commentary or "", shanghai, GUARD, profile=profile_of(shanghai))}
    assert "place" in kinds  # 四川 is nowhere in the Shanghai item


@pytest.mark.parametrize(
    ("planted", "kind"),
    [
        ("全市元宇宙相关产业规模达3000亿元", "number"),
        ("增速达到194%", "number"),
        ("培育十五家行业头部企业", "number"),
        ("于2023年10月8日印发", "date"),
        ("与《重庆市数字经济促进条例》相衔接", "title"),
        ("将带动杭州市相关产业", "place"),
        ("浙江省将同步推进", "place"),
        ("华为技术有限公司将参与其中", "org"),
        ("国家发展和改革委员会也将给予支持", "org"),
    ],
)
def test_planted_facts_are_caught_with_their_span(chongqing: Item, planted: str, kind: str) -> None:
    text = "该行动计划充分体现了重庆市对元宇宙产业发展的策略思考，" + planted + "，为企业发展提供保障。"
    found = [f for f in check_facts(text, chongqing) if f.kind == kind]
    assert found, f"{planted!r} not caught"
    f = found[0]
    assert f.span is not None and text[f.span[0]:f.span[1]] == f.text
    assert f.text and f.text in planted
    assert "来源" in f.message or "不符" in f.message


@pytest.mark.parametrize(
    "faithful",
    [
        "全市元宇宙相关产业规模达1000 亿元",  # spacing
        "全市元宇宙相关产业规模达１０００亿元",  # full-width digits
        "培育10家行业头部企业，打造三个市级以上创新平台",  # Chinese numeral for a digit in the source
        "于2023-09-22印发",  # ISO date for 2023年9月22日
        "于9月22日印发",
        "《行动计划》提出建成2-3个元宇宙产业园区",  # short name; en dash vs em dash
        "《重庆市元宇宙产业发展行动计划（2023-2025年）》",  # full-width brackets
        "重庆市经信委",  # abbreviation of 经济和信息化委员会
    ],
)
def test_equivalent_forms_of_source_facts_pass(chongqing: Item, faithful: str) -> None:
    assert _facts(check_facts(faithful, chongqing)) == []


def test_raw_text_counts_as_source(chongqing: Item) -> None:
    text = "该行动计划由重庆市人民政府办公厅转发。"
    assert _facts(check_facts(text, chongqing))
    assert not _facts(check_facts(text, chongqing, source_text="……重庆市人民政府办公厅转发……"))


def test_style_findings_length_voice_banned_and_document(chongqing: Item) -> None:
    short = "我们认为这很好。"
    kinds = {f.kind for f in check(short, chongqing, GUARD, profile=profile_of(chongqing))}
    assert {"length", "voice", "banned", "document"} <= kinds
    voice = next(f for f in check(short, chongqing, GUARD, profile=profile_of(chongqing)) if f.kind == "voice")
    assert short[voice.span[0]:voice.span[1]] == "我们"
    # 我国 is the ordinary newspaper voice, not the firm speaking.
    assert not [f for f in check("我国" + (chongqing.commentary or ""), chongqing, GUARD, profile=profile_of(chongqing)) if f.kind == "voice"]


def test_length_bounds_follow_settings(chongqing: Item) -> None:
    text = chongqing.commentary or ""
    assert not [f for f in check(text, chongqing, GUARD, profile=profile_of(chongqing)) if f.kind == "length"]
    tight = GuardSettings(min_chars=10, max_chars=50)
    assert [f for f in check(text, chongqing, tight, profile=profile_of(chongqing)) if f.kind == "length"]


def test_format_findings_is_one_line_each(chongqing: Item) -> None:
    findings = check("我们认为《某某条例》提出3000亿元。", chongqing, GUARD, profile=profile_of(chongqing))
    printed = format_findings(findings)
    assert len(printed.splitlines()) == len(findings)
    assert "《某某条例》" in printed and "3000亿" in printed
    assert format_findings([]) == "事实核查：未发现问题"


@pytest.mark.parametrize(("text", "value"), [("三", 3), ("十五", 15), ("二十", 20), ("两千", 2000), ("一百零八", 108), ("三万", 30000)])
def test_chinese_numerals(text: str, value: int) -> None:
    assert cn_to_int(text) == value

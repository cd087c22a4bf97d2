"""Guard details a silent mistake would hide: Chinese numerals, document short names, spans of style findings,
raw source text, the order and wording of findings. Expectations are written by hand from the house style."""

from __future__ import annotations

import pytest

from drafting.corpus.profile import profile_of
from drafting.models import Finding, Item
from drafting.settings import GuardSettings
from drafting.writing.guard.check import check, check_facts, cn_to_int, format_findings, short_names

POLICY = Item(section="政策速递", title="某市出台元宇宙产业扶持政策", date="2023-09-18",
              body="2023年9月18日，某市经济和信息化局印发产业扶持政策，提出培育一批元宇宙企业。")
FILLER = "推动元宇宙产业高质量发展，完善产业生态，优化营商环境，加快应用场景建设。"  # no facts, 37 characters


@pytest.mark.parametrize(("text", "value"), [
    ("十万", 100_000), ("三千万", 30_000_000), ("一亿一万", 100_010_000), ("一亿二千万", 120_000_000),
    ("一百二十", 120), ("两万三千四百", 23_400), ("一万零一", 10_001), ("五", 5), ("元宇宙", None),
])
def test_chinese_numerals(text: str, value: int | None) -> None:
    assert cn_to_int(text) == value


@pytest.mark.parametrize(("title", "names"), [
    ("重庆市元宇宙产业发展行动计划（2023—2025年）", ["重庆市元宇宙产业发展行动计划", "行动计划", "计划"]),
    ("山东省加快元宇宙产业创新发展的指导意见", ["山东省加快元宇宙产业创新发展的指导意见", "指导意见", "意见"]),
    ("工业和信息化部元宇宙标准化工作组筹建方案（征求意见稿）", ["工业和信息化部元宇宙标准化工作组筹建方案", "方案"]),
    ("元宇宙产业白皮书", ["元宇宙产业白皮书", "白皮书"]),
    ("数字经济促进条例草案说明", ["数字经济促进条例草案说明"]),
])
def test_short_names_of_a_document(title: str, names: list[str]) -> None:
    assert short_names(title) == names


def test_voice_and_banned_findings_carry_their_span_and_text() -> None:
    text = "该政策必然带动产业发展，我们认为" + FILLER * 4
    found = check(text, POLICY, GuardSettings(banned_phrases=["", "必然"]), profile=profile_of(POLICY))  # an empty phrase is skipped, not the end
    banned = [f for f in found if f.kind == "banned"]
    voice = [f for f in found if f.kind == "voice"]
    assert [(f.span, f.text) for f in banned] == [((3, 5), "必然")]
    assert [(f.span, f.text) for f in voice] == [((12, 14), "我们")]
    assert banned[0].message == "使用了禁用语“必然”：请改写，避免读作正式法律意见"
    assert voice[0].message == "出现第一人称“我们”：短评应以第三人称客观评述"


def test_facts_in_the_pasted_raw_text_count_as_source() -> None:
    text = "该政策提出到2025年产业规模达到300亿元，" + FILLER * 4
    raw = "某市印发《某市元宇宙产业扶持办法》，提出到2025年产业规模达到300亿元。"
    without = {f.kind for f in check(text, POLICY, GuardSettings(), profile=profile_of(POLICY))}
    with_raw = {f.kind for f in check(text, POLICY, GuardSettings(), source_text=raw, profile=profile_of(POLICY))}
    assert "number" in without and "number" not in with_raw


def test_document_named_only_in_the_raw_text_must_be_mentioned() -> None:
    raw = "某市印发《某市元宇宙产业扶持办法》，提出培育一批元宇宙企业。"
    silent = check(FILLER * 4, POLICY, GuardSettings(), source_text=raw, profile=profile_of(POLICY))
    named = check("《办法》" + FILLER * 4, POLICY, GuardSettings(), source_text=raw, profile=profile_of(POLICY))
    assert [f.message for f in silent if f.kind == "document"] == [
        "短评未提及所评文件：请写出文件简称（如《行动计划》）或“该方案”等指代"]
    assert not [f for f in named if f.kind == "document"]


def test_findings_without_a_span_come_last() -> None:
    text = FILLER * 5 + "规模达到300亿元。"  # 196 characters of filler, then a number the source does not hold
    kinds = [f.kind for f in check(text + FILLER, POLICY, GuardSettings(), profile=profile_of(POLICY))]
    assert kinds.index("number") < kinds.index("length")
    assert kinds[-1] in {"length", "document"}


def test_format_findings_names_field_span_kind_and_message() -> None:
    findings = [Finding(kind="number", span=(3, 8), text="300亿元", message="数字“300亿元”未见于来源条目"),
                Finding(kind="length", message="短评共 129 字，应在 130—200 字之间"),
                Finding(kind="date", span=(0, 4), field="title", message="日期不符")]
    assert format_findings(findings) == (
        "- 短评[3–8] number：数字“300亿元”未见于来源条目\n"
        "- 短评 length：短评共 129 字，应在 130—200 字之间\n"
        "- 标题[0–4] date：日期不符"
    )
    assert format_findings([]) == "事实核查：未发现问题"


CHONGQING = Item(section="政策速递", title="重庆发布元宇宙产业发展行动计划", date="2023-09-25",
                 body="2023年9月22日，重庆市经济和信息化委员会印发《重庆市元宇宙产业发展行动计划（2023—2025年）》，"
                      "提出到2025年全市元宇宙相关产业规模达2500亿元，年均增速194%。")


@pytest.mark.parametrize(("said", "kind"), [
    ("于2024年9月22日印发", "date"), ("于2023年10月22日印发", "date"), ("于2023年9月23日印发", "date"),
    ("产业规模达2600亿元", "number"), ("年均增速195%", "number"),
])
def test_a_date_or_figure_off_by_one_part_is_caught(said: str, kind: str) -> None:
    found = [f for f in check_facts_only(said) if f.kind == kind]
    assert len(found) == 1, found


@pytest.mark.parametrize("said", ["于2023年9月22日印发", "产业规模达2500亿元", "规模达2500", "年均增速194%",
                                  "于2023年9月25日发布"])  # the item's own date field is a source too
def test_the_same_date_or_figure_passes(said: str) -> None:
    assert [f for f in check_facts_only(said) if f.kind in {"date", "number"}] == []


def check_facts_only(said: str) -> list[Finding]:
    return check_facts(f"该行动计划{said}，为产业发展提供保障。", CHONGQING)

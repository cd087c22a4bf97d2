"""Sentences that are not whole (drafting.writing.guard.sentences): the examples of issue 22, and none on the firm's own 短评."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drafting.writing.guard.sentences import is_whole, problems

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "issues"


@pytest.mark.parametrize(("text", "kind", "flagged"), [
    ("根据《指引》，均须向证监会申领牌照。", "no_subject", "均须"),
    ("须在开展业务前完成备案。", "no_subject", "须"),
    ("应当于三个月内提交材料。", "no_subject", "应当"),
    ("此外，不得向公众发行代币。", "no_subject", "不得"),
    ("本轮融资由红杉中国领投，高瓴创投跟，显示出资本市场对赛道的信心。", "cut_word", "跟"),
    ("方案覆盖数字藏品及，为企业指明方向。", "cut_word", "及"),
    ("聚焦工业、文旅、。", "cut_word", "、"),
    ("方案提出三项任务，。", "cut_word", "，。"),
    ("优先研制术语等基础标准，以及、身份体系等关键技术标准。", "cut_word", "以及"),
    ("根据《打击洗钱条例》，拟资产交易活动和虚拟资产经纪活动)的情况下提供虚拟资产服务不需要牌照。", "unbalanced", ")"),
    ("该办法（征求意见稿明确了适用范围。", "unbalanced", "（"),
    ("《行动计划提出打造元宇宙产业集群。", "unbalanced", "《"),
    ("该方案提出打造“中国元宇宙谷，推动产业集聚。", "unbalanced", "“"),
    ("据介绍，8月10日消息。项目落地说明区域产业生态正在完善。", "dateline", "8月10日消息"),
    ("新华社北京11月1日电，两部门联合发布通知。", "dateline", "新华社北京11月1日电"),
    ("十一月一日电 国务院印发意见。", "dateline", "十一月一日电"),
])
def test_each_kind_is_found_with_its_span(text: str, kind: str, flagged: str) -> None:
    found = [p for p in problems(text) if p.kind == kind]
    assert found, problems(text)
    start, end = found[0].span
    assert text[start:end] == flagged
    assert found[0].message  # Chinese, shown to the editor
    assert not is_whole(text)


@pytest.mark.parametrize("text", [
    "该方案明确，持牌机构均须向证监会申领牌照。",
    "应用场景建设是该方案的重点。",
    "应对风险需要监管与行业协同。",
    "需求侧政策同样重要，企业应积极参与。",
    "方案提出“一核引领、双擎驱动、多点支撑”的发展模式。",
    "该办法（征求意见稿）明确了适用范围，并紧跟，国家部署。".replace("紧跟，", "紧跟"),
    "该政策鼓励企业参与，并支持产学研合作。",
    "8月10日，工信部发布通知。",
    "该计划涉及，工业、文旅等领域。".replace("涉及，", "涉及"),
])
def test_whole_sentences_raise_nothing(text: str) -> None:
    assert problems(text) == []


def _corpus_commentaries() -> list[str]:
    out = []
    for path in sorted(CORPUS.glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8"))["items"]:
            if item.get("commentary"):
                out.append(item["commentary"])
    return out


def test_the_firms_own_commentary_is_whole() -> None:
    texts = _corpus_commentaries()
    assert texts  # the seed corpus holds 短评; an empty list would make this test pass for nothing
    for text in texts:
        assert problems(text) == [], text


def test_the_house_voice_fixtures_are_whole() -> None:
    """The developers' genre fixtures (warnings, rules, licences, news, deals) and the clean 短评 of the guard set."""
    data = Path(__file__).resolve().parent / "data"
    fixtures = json.loads((data / "genre_fixtures" / "test_fixture_genres.json").read_text(encoding="utf-8"))["items"]
    texts = [i["commentary"] for i in fixtures if i.get("commentary")]
    for line in (data / "guard_eval.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["kind"] == "clean":
            texts.append(record["commentary"])
    assert len(texts) > 50
    for text in texts:
        assert problems(text) == [], text

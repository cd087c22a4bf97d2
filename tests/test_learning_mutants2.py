"""Learning behaviour found unchecked by the round-24 mutation run of drafting/learning/* (issue #24): how an
editor's changes are read, and what a rule does to a 短评. No index, no model: fast. Texts are fixtures in the
house voice, expectations written by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafting.errors import ValidationError
from drafting.learning.db import LearningDB
from drafting.learning.edits import _minimise, text_record
from drafting.learning.phrases import Change, changes, contains, content_len, replace_words
from drafting.learning.rules import Rule, RuleService, mine
from drafting.store import DraftStore


def test_a_word_swapped_inside_a_kept_clause_is_a_swap_and_an_unrelated_sentence_is_a_deletion() -> None:
    machine = "该行动计划有望推动本市元宇宙产业发展。"
    assert changes(machine, "该行动计划预计推动本市元宇宙产业发展。") == [Change("swap", "有望", "预计")]
    # a sentence replaced by one with nothing in common: the editor deleted it, no word of it was swapped
    assert changes(machine, "相关企业应关注配套细则的出台。") == [
        Change("clauses", "该行动计划有望推动本市元宇宙产业发展", clauses=("该行动计划有望推动本市元宇宙产业发展",), sentence=True)]


def test_only_word_characters_count_towards_a_length() -> None:
    assert content_len("同时，AI 与 2024 年。") == 10  # 同时 AI 与 2024 年


def test_a_rule_replaces_whole_words_only_and_matches_within_one_sentence() -> None:
    assert replace_words("该政策有望带动产业。", "有望", "预计") == "该政策预计带动产业。"
    assert replace_words("该平台以太坊生态", "太坊", "X") == "该平台以太坊生态"  # never half a word
    assert contains("同时，这一举措也为企业提供了明确方向。", "同时…明确方向")
    assert not contains("同时关注风险。企业获得明确方向。", "同时…明确方向")


def _lengths(machine_len: int, final_len: int, n: int = 3) -> list[Rule]:
    # texts of a given length with nothing else to learn from: the same sentence, cut or padded with one word
    unit = "该方案提出支持元宇宙企业发展。"  # 15 characters
    machine = (unit * (machine_len // 15 + 1))[:machine_len]
    final = (unit * (final_len // 15 + 1))[:final_len]
    records = [text_record(i, machine, final, item_key=f"item{i}", editor="李律师") for i in range(1, n + 1)]
    return [r for r in mine(records, min_support=3) if r.kind == "length"]


def test_a_length_rule_needs_editors_to_move_by_20_characters_and_15_percent() -> None:
    # 100 → 80: 20 characters, which is also past 15 %: proposed, rounded to tens
    (rule,) = _lengths(100, 80)
    assert (rule.target, rule.count) == (80, 3)
    assert rule.text == "短评篇幅控制在约 80 字（编辑定稿的中位数；草稿中位数 100 字）。"
    assert _lengths(100, 81) == []  # 19 characters: an editor's trim, not a habit
    # 200 → 170 is 15 %: proposed; 200 → 171 (29 characters, under 15 %) is not
    assert [r.target for r in _lengths(200, 170)] == [170]
    assert _lengths(200, 171) == []
    # longer texts too, and never from fewer drafts than the support asks
    assert [r.target for r in _lengths(100, 140)] == [140]
    assert _lengths(100, 140, n=2) == []


@pytest.mark.parametrize("text", ["删去 {{ 开头", "删去 {% 开头", "删去 {# 开头"])
def test_a_rule_text_with_any_opening_template_mark_alone_is_refused(tmp_path: Path, text: str) -> None:
    # the rules file is a prompt template: a lone opening mark would break every draft's prompt
    service = RuleService(db=LearningDB(DraftStore(tmp_path / "d.sqlite3")), path=tmp_path / "house_rules.md")
    with pytest.raises(ValidationError, match=r"规则文字不能包含 \{\{ \}\}、\{% %\} 或 \{# #\}：请改用普通文字。"):
        service.approve("rnope", [], text=text)
    assert not (tmp_path / "house_rules.md").exists()


def test_an_edit_is_trimmed_to_whole_changed_tokens() -> None:
    assert _minimise(["该", "提出"], ["该", "作出"]) == ("提出", "作出")
    assert _minimise(["该", "方案", "提出", "三项"], ["该", "方案", "作出", "三项"]) == ("提出", "作出")

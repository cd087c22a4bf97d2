"""Learning behaviour found unchecked by the round-24 mutation run of drafting/learning/* (issue #24): how an
editor's changes are read, and what a rule does to a 短评. No index, no model: fast. Texts are fixtures in the
house voice, expectations written by hand."""

from __future__ import annotations

from drafting.learning.phrases import Change, changes, contains, content_len, replace_words


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

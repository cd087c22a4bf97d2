"""Redlines by word and by sentence (issue #25): what 修改对比, 修改记录, the review report and Word show."""

from __future__ import annotations

import re

import pytest

from drafting.export.revisions import edit_opcodes
from drafting.textdiff import changed_phrases, opcodes, sentences
from drafting.ui import format as fmt

# The example: a reworded sentence became "知识产业权保护…非法集聚、市场主体培育，为资等风险".
BEFORE = "该计划注重知识产权保护，防范非法集资、市场主体培育等风险。同时，这一举措也为相关企业提供了明确方向。"
AFTER = "该计划注重知识产权保护与市场主体培育，提示非法集资风险。建议企业结合自身业务关注后续细则。"


def _apply(before: str, after: str, ops: list) -> str:
    return "".join(before[i1:i2] if tag == "equal" else after[j1:j2] for tag, i1, i2, j1, j2 in ops)


@pytest.mark.parametrize(("before", "after"), [
    (BEFORE, AFTER), ("", "新增一句。"), ("删掉一句。", ""), ("同样。", "同样。"),
    ("第一段。\n第二段，有改动。", "第一段。\n第二段，改动较大。\n第三段。"), ("abc 的 def", "abc 得 def"),
])
def test_opcodes_rebuild_both_texts_and_cover_them(before: str, after: str) -> None:
    ops = opcodes(before, after)
    assert _apply(before, after, ops) == after
    assert "".join(before[i1:i2] for _, i1, i2, _, _ in ops) == before
    assert "".join(after[j1:j2] for _, _, _, j1, j2 in ops) == after


def test_a_reworded_sentence_is_not_a_mosaic_of_characters() -> None:
    html = fmt.diff_html(BEFORE, AFTER)
    pieces = re.findall(r"<(del|ins)>(.*?)</\1>", html)
    # No change is a lone character cut out of a word (the mosaic the issue shows).
    assert all(len(text) >= 2 for _, text in pieces), pieces
    # The untouched opening is shown untouched, and the second sentence is one deletion and one insertion.
    assert html.startswith("该计划注重知识产权保护")
    assert "<del>同时，这一举措也为相关企业提供了明确方向。</del>" in html
    assert "<ins>建议企业结合自身业务关注后续细则。</ins>" in html


def test_words_change_whole_and_shared_sentences_stay_equal() -> None:
    before = "重庆发布元宇宙产业发展行动计划，提出到2025年产业规模达1000亿元。全文共六章。"
    after = "重庆市印发元宇宙产业发展行动计划，提出到2025年全市产业规模达1000亿元。全文共六章。"
    assert changed_phrases(before, after) == [("重庆发布", "重庆市印发"), ("", "全市")]
    tag, i1, i2, _, _ = opcodes(before, after)[-1]
    assert tag == "equal" and before[i1:i2].endswith("亿元。全文共六章。")


def test_sentences_keep_their_ends_and_line_breaks() -> None:
    assert sentences("一。二！\n三；四") == ["一。", "二！", "\n", "三；", "四"]


def test_word_tracked_changes_use_the_same_word_level_edits() -> None:
    assert edit_opcodes(BEFORE, AFTER) == opcodes(BEFORE, AFTER)

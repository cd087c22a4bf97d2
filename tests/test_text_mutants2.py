"""Parser behaviour found unchecked by the round-24 mutation run of corpus/text.py + lines.py (issue #24).

Each input is a small issue as a PDF extraction gives it (fixtures written by hand); each expectation is what a
lawyer reading the issue would say it holds.
"""

from __future__ import annotations

from drafting.corpus.text import parse_blocks, text_to_blocks


def parse(text: str):  # type: ignore[no-untyped-def]
    return parse_blocks(text_to_blocks(text), issue_id="2024-05")


def test_a_commentary_wrapped_over_two_lines_stays_one_commentary_and_the_closing_block_is_no_item() -> None:
    issue = parse(
        "政策速递\n"
        "某市印发元宇宙产业发展行动计划\n"
        "2024年5月6日，某市经济和信息化局印发《某市元宇宙产业发展行动计划》，提出到2026年培育一批元宇宙企业。\n"
        "植德短评：该行动计划明确了产业规模目标与重点应用场景，相关企业可关注后续配套\n"
        "细则的出台与落地。\n"
        "免责声明\n"
        "本刊内容仅供参考，不构成法律意见。\n"
    )
    assert [(i.section, i.title, i.date) for i in issue.items] == [("政策速递", "某市印发元宇宙产业发展行动计划", "2024-05-06")]
    assert issue.items[0].commentary == "该行动计划明确了产业规模目标与重点应用场景，相关企业可关注后续配套细则的出台与落地。"
    assert "不构成法律意见" not in issue.items[0].body

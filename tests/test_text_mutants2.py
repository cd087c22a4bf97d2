"""Parser behaviour found unchecked by the round-24 mutation run of corpus/text.py + lines.py (issue #24).

Each input is a small issue as a PDF extraction gives it (fixtures written by hand); each expectation is what a
lawyer reading the issue would say it holds.
"""

from __future__ import annotations

from drafting.corpus.text import Block, parse_blocks, text_to_blocks


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


TOC_TITLE = "工信部公开征求对元宇宙标准化工作组筹建方案的意见"


def test_a_damaged_title_is_matched_to_its_toc_entry_past_a_much_shorter_one() -> None:
    # the ToC lists a short title first; the damaged body title (one character differs) still finds its own entry
    issue = parse(
        "目录\n政策\t速递2\n\t某市元宇宙政策3\n\t" + TOC_TITLE + "4\n\n\n"
        "政策速递\n某市元宇宙政策\n2024年1月2日，某市印发元宇宙政策。\n"
        "工信部公开征求对元宇宙标准化工作组筹建方案的建议\n意见提出，按照急用先行的原则，重点加快研制元宇宙术语等基础通用标准。\n"
    )
    assert [i.title for i in issue.items] == ["某市元宇宙政策", "工信部公开征求对元宇宙标准化工作组筹建方案的建议"]
    assert not [p for p in issue.problems if "目录" in p]


def test_a_file_that_stops_after_its_table_of_contents_is_read_without_error() -> None:
    issue = parse("目录\n政策\t速递2\n\t某市元宇宙政策3\n\t" + TOC_TITLE + "4\n")
    assert issue.items == []
    assert "目录中的标题在正文中未找到：某市元宇宙政策3" in issue.problems


def test_a_running_footer_is_dropped_on_the_last_page_too() -> None:
    # the footer closes each of three pages, the last one at the very end of the file
    pages = ["行业新闻\n某市举办元宇宙大会\n2024年1月2日，某市举办元宇宙大会。\n"]
    pages += [f"第{n}页的正文继续记述大会的情况。\n植德元宇宙月刊\n" for n in range(1, 4)]
    issue = parse("\n\n".join(pages) + "\n\n")
    assert "植德元宇宙月刊" not in issue.items[0].body
    assert "第3页的正文继续记述大会的情况。" in issue.items[0].body


def test_a_stray_footnote_mark_before_the_first_paragraph_is_ignored() -> None:
    issue = parse("²\n行业新闻\n某市举办元宇宙大会\n2024年1月2日，某市举办元宇宙大会。\n")
    assert [(i.title, i.body) for i in issue.items] == [("某市举办元宇宙大会", "2024年1月2日，某市举办元宇宙大会。")]


def test_a_title_wrapped_over_two_lines_counts_as_its_toc_entry_found() -> None:
    issue = parse(
        "目录\n政策\t速递2\n\t" + TOC_TITLE + "3\n\n\n"
        "政策速递\n工信部公开征求对元宇宙标准化\n工作组筹建方案的意见\n"
        "意见提出，按照急用先行的原则，重点加快研制元宇宙术语等基础通用标准。\n"
    )
    assert [i.title for i in issue.items] == [TOC_TITLE]
    assert not [p for p in issue.problems if "目录" in p]  # no false "title not found" for the editor to chase


def test_text_between_a_word_section_heading_and_the_first_title_is_reported_not_taken_as_the_issue_title() -> None:
    blocks = [Block(text="植德元宇宙月刊 2024年第5期", kind="doc_title"), Block(text="政策速递", kind="section"),
              Block(text="本栏目收录本月发布的元宇宙相关政策文件。"), Block(text="某市印发元宇宙行动计划", kind="title"),
              Block(text="2024年5月6日，某市印发元宇宙行动计划。")]
    issue = parse_blocks(blocks, issue_id="2024-05")
    assert (issue.title, issue.period) == ("植德元宇宙月刊 2024年第5期", "2024年第5期")
    assert [i.title for i in issue.items] == ["某市印发元宇宙行动计划"]
    assert "条目标题之前的文字被忽略：本栏目收录本月发布的元宇宙相关政策文件。" in issue.problems

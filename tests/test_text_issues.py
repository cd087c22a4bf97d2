"""Whole issues parsed from text or from Word/Markdown blocks: every item and every problem written out by hand.

Split from test_text_mutants.py (the helpers' tables); together they kill the mutants of corpus/text.py and corpus/lines.py.
"""

from __future__ import annotations

import pytest

from drafting.corpus import parse_text
from drafting.corpus.text import Block, parse_blocks

# --- whole issues: items, footnotes, dates and the problems reported -----------------------------------------


def _issue(*paragraphs: str):
    return parse_text("\n\n".join(paragraphs), issue_id="mutants")


def test_a_small_issue_item_by_item_with_every_problem_named() -> None:
    issue = _issue(
        "植德元宇宙月刊 2024年第1期",
        "政策速递",
        "某市印发元宇宙产业扶持办法",
        "2023年12月28日，某市经信委印发《元宇宙产业扶持办法》。¹",
        "植德短评：",
        "该办法明确了扶持方向。",
        "这也为企业提供了指引。",
        "某部委印发元宇宙产业指导意见",
        "1月5日，某部委印发《元宇宙产业指导意见》，提出培育一批骨干企业。",
        "植德短评：",
        "该意见明确了发展方向。",
        "某区发布数据要素方案",
        "2024年1月8日，某区发布数据要素方案。³",
        "行业新闻",
        "某市举办元宇宙大会",
        "2024年1月9日，某市举办元宇宙大会。",
        "某公司发布新款头显",
        "2024年1月10日，某公司发布新款头显。",
        "¹ https://a.example/1",
        "² https://b.example/2",
        "³ https://c.example/3",
        "⁴ https://d.example/4",
        "⁵ https://e.example/5",
    )
    assert (issue.title, issue.period) == ("植德元宇宙月刊 2024年第1期", "2024年第1期")
    got = [(i.section, i.title, i.date, i.commentary, i.sources) for i in issue.items]
    assert got == [
        ("政策速递", "某市印发元宇宙产业扶持办法", "2023-12-28", "该办法明确了扶持方向。\n这也为企业提供了指引。",
         ["https://a.example/1"]),
        # no year: the issue's most frequent year (2024, three items against one) completes it
        ("政策速递", "某部委印发元宇宙产业指导意见", "2024-01-05", "该意见明确了发展方向。", ["https://b.example/2"]),
        ("政策速递", "某区发布数据要素方案", "2024-01-08", None, ["https://c.example/3"]),
        # two marker-less items compete for footnotes 4 and 5: neither gets a guessed source
        ("行业新闻", "某市举办元宇宙大会", "2024-01-09", None, []),
        ("行业新闻", "某公司发布新款头显", "2024-01-10", None, []),
    ]
    assert issue.items[0].body == "2023年12月28日，某市经信委印发《元宇宙产业扶持办法》。"
    assert issue.problems == [
        "「某部委印发元宇宙产业指导意见」的脚注标记丢失，按顺序对应脚注 2",
        "脚注 4 没有对应的条目：https://d.example/4",
        "脚注 5 没有对应的条目：https://e.example/5",
        "「某部委印发元宇宙产业指导意见」的日期没有年份，按本期其他条目推断为 2024-01-05",
        "政策速递条目「某区发布数据要素方案」没有植德短评",
    ]


@pytest.mark.parametrize(
    ("markers", "footnotes", "expected", "problem"),
    [
        # (markers per item, footnote numbers, sources per item as footnote numbers, the guess reported)
        (["¹", "", "³"], [1, 2, 3], [[1], [2], [3]], "「乙」的脚注标记丢失，按顺序对应脚注 2"),
        (["", "²"], [1, 2], [[1], [2]], "「甲」的脚注标记丢失，按顺序对应脚注 1"),  # before the first marker
        (["¹", ""], [1, 2], [[1], [2]], "「乙」的脚注标记丢失，按顺序对应脚注 2"),  # after the last marker
        (["¹", "", "⁴"], [1, 2, 3, 4], [[1], [2, 3], [4]], "「乙」的脚注标记丢失，按顺序对应脚注 2, 3"),
        (["¹", "²", ""], [1, 2], [[1], [2], []], None),  # nothing left to guess
        (["²", "", "⁴"], [1, 2, 3, 4], [[2], [3], [4]], "「乙」的脚注标记丢失，按顺序对应脚注 3"),  # 1 is before 甲's marker
    ],
)
def test_marker_less_items_take_the_free_footnotes_of_their_gap(
    markers: list[str], footnotes: list[int], expected: list[list[int]], problem: str | None
) -> None:
    names = "甲乙丙"
    paragraphs = ["行业新闻"]
    for n, mark in enumerate(markers):
        paragraphs += [f"{names[n]}公司发布元宇宙新品", f"2024年1月{n + 2}日，{names[n]}公司发布元宇宙新品。{mark}"]
    sup = "⁰¹²³⁴⁵⁶⁷⁸⁹"
    paragraphs += [f"{sup[k]} https://x.example/{k}" for k in footnotes]
    issue = _issue(*paragraphs)
    assert [i.sources for i in issue.items] == [[f"https://x.example/{k}" for k in ks] for ks in expected]
    guesses = [p for p in issue.problems if "脚注标记丢失" in p]
    assert guesses == ([problem.replace("「甲」", "「甲公司发布元宇宙新品」").replace("「乙」", "「乙公司发布元宇宙新品」")]
                       if problem else [])


def test_footnote_numbers_lost_spaced_and_repeated() -> None:
    issue = _issue(
        "政策速递",
        "某市印发元宇宙产业扶持办法", "2024年1月2日，某市印发扶持办法。¹", "植德短评：", "该办法明确了扶持方向。",
        "某区印发元宇宙行动计划", "2024年1月3日，某区印发行动计划。²", "植德短评：", "该计划明确了目标。",
        "某县印发数据要素方案", "2024年1月4日，某县印发数据方案。³", "植德短评：", "该方案值得关注。",
        "https://a.example/1",  # the first footnote lost its number: it is 1
        "² https://b.example/a b",  # extraction turned "_" into a space
        "https://c.example/3",  # after 2 comes 3
        "² https://b.example/a_b",  # the same footnote twice: nothing to report
        "² https://z.example/9",  # a second, different footnote 2: the first one stays
    )
    assert [i.sources for i in issue.items] == [
        ["https://a.example/1"], ["https://b.example/a_b"], ["https://c.example/3"]]
    assert issue.problems == [
        "脚注编号丢失，按位置推断为 1：https://a.example/1",
        "脚注网址中的空格已按下划线修复：https://b.example/a_b",
        "脚注编号丢失，按位置推断为 3：https://c.example/3",
        "脚注 2 重复出现，保留第一个：https://b.example/a_b",
    ]


def test_a_lost_number_that_another_footnote_holds_is_not_guessed() -> None:
    """¹, then a footnote without number, then ²: the orphan cannot be 2, and item 2 keeps its own source."""
    issue = _issue(
        "行业新闻",
        "甲公司发布元宇宙新品", "2024年1月2日，甲公司发布元宇宙新品。¹",
        "乙公司发布元宇宙新品", "2024年1月3日，乙公司发布元宇宙新品。²",
        "¹ https://a.example/1",
        "https://orphan.example/",
        "² https://b.example/2",
    )
    assert [i.sources for i in issue.items] == [["https://a.example/1"], ["https://b.example/2"]]
    assert issue.problems == ["脚注编号丢失且无法按位置推断：https://orphan.example/"]


def test_empty_commentary_unknown_footnote_and_text_before_the_first_title() -> None:
    issue = _issue(
        "政策速递",
        "这一段在任何条目标题之前。",
        "某市印发元宇宙产业扶持办法",
        "2024年1月2日，某市印发扶持办法。⁷",
        "植德短评：",
        "¹ https://a.example/1",
    )
    assert [(i.title, i.body, i.commentary) for i in issue.items] == [
        ("某市印发元宇宙产业扶持办法", "2024年1月2日，某市印发扶持办法。", None),
    ]
    assert issue.problems == [
        "条目标题之前的文字被忽略：这一段在任何条目标题之前。",
        "脚注 1 没有对应的条目：https://a.example/1",
        "「某市印发元宇宙产业扶持办法」的植德短评为空",
        "政策速递条目「某市印发元宇宙产业扶持办法」没有植德短评",
        "「某市印发元宇宙产业扶持办法」引用的脚注 7 不存在",
    ]


def test_a_month_and_day_past_the_first_60_characters_is_not_the_items_date() -> None:
    lead = "某公司发布元宇宙新品，" * 5 + "发布会"
    opening = f"据报道，{lead[:53]}"  # 57 characters: "1月3日" would end at the 61st
    assert len(opening) == 57
    issue = _issue("行业新闻", "甲公司发布元宇宙新品", "2024年1月2日，甲公司发布元宇宙新品。",
                   "乙公司发布元宇宙新品", f"{opening}1月3日举行。")
    assert issue.items[1].date is None
    assert "「乙公司发布元宇宙新品」的正文开头没有日期" in issue.problems


def test_blocks_from_word_or_markdown_keep_their_headings_markers_and_end() -> None:
    blocks = [
        Block("植德元宇宙月刊", kind="doc_title"),
        Block("政策速递", kind="section"),
        Block("某市印发元宇宙产业扶持办法", kind="title", markers=[1]),
        Block("2024年1月2日，某市印发扶持办法。", markers=[2]),
        Block("植德短评："),
        Block("该办法明确了扶持方向。"),
        Block("某区印发元宇宙行动计划", kind="title"),
        Block("植德短评：该计划明确了目标。"),
        Block("市场观察", kind="section"),
        Block("某公司完成数亿元融资", kind="title"),
        Block("2024年1月3日，某公司完成数亿元融资。", markers=[3]),
        Block("特别声明", kind="title"),
        Block("本刊内容仅供参考，不构成法律意见。"),
        Block("https://a.example/1", kind="footnote", number=1),
        Block("https://a.example/2", kind="footnote", number=2),
        Block("https://a.example/3", kind="footnote", number=3),
    ]
    issue = parse_blocks(blocks, issue_id="word", source_file="word.docx")
    assert (issue.title, issue.source_file) == ("植德元宇宙月刊", "word.docx")
    assert [(i.section, i.title, i.body, i.commentary, i.sources) for i in issue.items] == [
        ("政策速递", "某市印发元宇宙产业扶持办法", "2024年1月2日，某市印发扶持办法。", "该办法明确了扶持方向。",
         ["https://a.example/1", "https://a.example/2"]),
        ("政策速递", "某区印发元宇宙行动计划", "", "该计划明确了目标。", []),
        ("交易资讯", "某公司完成数亿元融资", "2024年1月3日，某公司完成数亿元融资。", None, ["https://a.example/3"]),
    ]
    assert issue.problems == [
        "未知栏目「市场观察」，按正文推断栏目",
        "「某区印发元宇宙行动计划」的正文开头没有日期",
        "「某区印发元宇宙行动计划」没有正文",
        "「某公司完成数亿元融资」不在任何栏目标题下，推断为交易资讯",
    ]


LONG_NEXT = "该意见提出，到2026年培育一批具有国际竞争力的骨干企业，打造一批典型应用场景，形成较为完善的产业生态和标准体系，推动元宇宙与实体经济深度融合。"


def test_a_short_line_before_a_long_paragraph_is_a_title_unless_a_page_break_or_a_toc_says_otherwise() -> None:
    assert len(LONG_NEXT) >= 60
    first = "2024年3月5日，某部委印发《元宇宙产业指导意见》。"
    head = ["政策速递", "某部委印发元宇宙产业指导意见", first]
    # without a ToC and on the same page: a new item
    same_page = _issue(*head, "某部委还提出推进举措", LONG_NEXT)
    assert [i.title for i in same_page.items] == ["某部委印发元宇宙产业指导意见", "某部委还提出推进举措"]
    # across a page break: the short line is part of the body
    across = _issue(*head, "某部委还提出推进举措", "\n", LONG_NEXT)
    assert [i.title for i in across.items] == ["某部委印发元宇宙产业指导意见"]
    assert across.items[0].body == f"{first}\n某部委还提出推进举措\n{LONG_NEXT}"
    # with a table of contents, only its titles (or a dated next line) make a title
    toc = _issue("目录", "政策速递", "某部委印发元宇宙产业指导意见3", "\n", *head, "某部委还提出推进举措", LONG_NEXT)
    assert [i.title for i in toc.items] == ["某部委印发元宇宙产业指导意见"]


@pytest.mark.parametrize(
    ("line", "is_title"),
    [
        ("元宇宙大", True),  # four characters: the shortest title
        ("元宇宙", False),
        ("某" * 80, True),
        ("某" * 81, False),
        ("某部委印发元宇宙产业指导意见，", False),  # ends like half a sentence
        ("某部委印发元宇宙产业指导意见：", False),
        ("近日某部委印发元宇宙产业指导意见", False),  # opens like a body
        ("详见https://a.example/", False),
    ],
)
def test_title_shape(line: str, is_title: bool) -> None:
    issue = _issue("行业新闻", "某市举办元宇宙大会", "2024年1月2日，某市举办元宇宙大会。", line, "2024年1月3日，另一件事发生。")
    assert (line in [i.title for i in issue.items]) is is_title


@pytest.mark.parametrize(
    ("next_line", "is_title"),
    [
        ("甲" * 60, True),  # a long paragraph after a short line: loose title rule (no ToC)
        ("甲" * 59, False),
    ],
)
def test_loose_title_needs_a_60_character_paragraph(next_line: str, is_title: bool) -> None:
    issue = _issue("行业新闻", "某市举办元宇宙大会", "2024年1月2日，某市举办元宇宙大会。", "某公司发布头显", next_line)
    assert ("某公司发布头显" in [i.title for i in issue.items]) is is_title


@pytest.mark.parametrize(("length", "is_title"), [(40, True), (41, False)])
def test_loose_title_is_at_most_40_characters(length: int, is_title: bool) -> None:
    line = "某" * length
    issue = _issue("行业新闻", "某市举办元宇宙大会", "2024年1月2日，某市举办元宇宙大会。", line, "甲" * 60)
    assert (line in [i.title for i in issue.items]) is is_title


@pytest.mark.parametrize(
    ("cover", "title", "period"),
    [
        ("植德元宇宙月刊（2024年3月）", "植德元宇宙月刊（2024年3月）", "2024-03"),
        ("月刊 2024 年 12 月", "月刊 2024 年 12 月", "2024-12"),
        ("植德元宇宙月刊 2024年 第 12 期", "植德元宇宙月刊 2024年第 12 期", "2024年第12期"),  # wrap spaces between Chinese go
        ("月刊", "月刊", None),  # two characters make a title
        ("刊", "", None),
        ("植德" + "甲" * 39, "", None),  # 41 characters: a sentence, not a cover title
        ("植德" + "甲" * 38, "植德" + "甲" * 38, None),
    ],
)
def test_cover_gives_the_issue_title_and_period(cover: str, title: str, period: str | None) -> None:
    issue = _issue(cover, "政策速递", "某部委印发元宇宙产业指导意见", "2024年3月5日，某部委印发《元宇宙产业指导意见》。")
    assert (issue.title, issue.period) == (title, period)


def test_running_heads_need_three_pages_and_at_most_40_characters() -> None:
    def body_with(head: str, pages: int) -> str:
        paragraphs = ["行业新闻", "某市举办元宇宙大会", "2024年1月2日，某市举办元宇宙大会。"]
        for n in range(pages):  # each page opens with the running head
            paragraphs += ["\n", head, f"第{n + 1}页的正文继续记述大会的情况。"]
        return _issue(*paragraphs).items[0].body

    assert "植德元宇宙月刊" not in body_with("植德元宇宙月刊", 3)
    assert "植德元宇宙月刊" in body_with("植德元宇宙月刊", 2)  # twice may be the text itself
    forty = "植德" + "甲" * 38
    assert forty not in body_with(forty, 3)
    assert "植德" + "甲" * 39 in body_with("植德" + "甲" * 39, 3)  # a long line is text, not a header


TOC_TITLE = "工信部公开征求对元宇宙标准化工作组筹建方案的意见"


@pytest.mark.parametrize(
    ("body_title", "found"),
    [
        (TOC_TITLE, True),
        ("工信部公开征求对元宇宙标准化工作组筹建方案的建议", True),  # one character differs: ratio ≥ 0.9
        ("工信部公开征求关于元宇宙标准工作组筹建方案之意见", False),  # several differ
    ],
)
def test_toc_titles_guide_the_body_even_when_damaged(body_title: str, found: bool) -> None:
    """The body title is followed by a line without a date, so only the ToC can make it a title."""
    issue = _issue(
        "目录", "政策\t速递2", f"\t{TOC_TITLE}3", "\n",
        "政策速递", body_title, "意见提出，按照急用先行的原则，重点加快研制元宇宙术语等基础通用标准。",
        "行业新闻", "某市举办元宇宙大会", "2024年1月2日，某市举办元宇宙大会。",
    )
    assert (body_title in [i.title for i in issue.items]) is found
    missing = f"目录中的标题在正文中未找到：{TOC_TITLE}3"
    assert (missing in issue.problems) is not found


def test_toc_ends_where_a_section_is_named_the_second_time() -> None:
    issue = _issue(
        "目 录", "政策\t速递2", "\t某部委印发元宇宙产业指导意见3", "12", "行业\t新闻4", "\t某市举办元宇宙大会5",
        "政策速递", "某部委印发元宇宙产业指导意见", "2024年3月5日，某部委印发《元宇宙产业指导意见》。",
        "行业新闻", "某市举办元宇宙大会", "2024年3月6日，某市举办元宇宙大会。",
    )
    assert [(i.section, i.title) for i in issue.items] == [
        ("政策速递", "某部委印发元宇宙产业指导意见"), ("行业新闻", "某市举办元宇宙大会")]
    assert not [p for p in issue.problems if "目录" in p]


def test_markers_inline_alone_and_on_both_halves_of_a_broken_paragraph() -> None:
    issue = _issue(
        "行业新闻",
        "甲公司发布元宇宙新品",
        "2024年1月2日，甲公司发布元宇宙新品，$^{1}$并宣布开放开发者平台，首批合作伙伴包括多家内容公司和",
        "\n",
        "硬件厂商。²",
        "乙公司发布元宇宙新品",
        "2024年1月3日，乙公司发布元宇宙新品。",
        "³",  # a marker that lost its line: it belongs to the paragraph above
        "¹ https://a.example/1", "² https://a.example/2", "³ https://a.example/3",
    )
    first, second = issue.items
    assert first.body == "2024年1月2日，甲公司发布元宇宙新品，并宣布开放开发者平台，首批合作伙伴包括多家内容公司和硬件厂商。"
    assert first.sources == ["https://a.example/1", "https://a.example/2"]
    assert second.sources == ["https://a.example/3"]
    assert not [p for p in issue.problems if "脚注" in p]


def test_a_footnote_between_pages_is_a_page_break_for_the_title_rule() -> None:
    first = "2024年3月5日，某部委印发《元宇宙产业指导意见》。¹"
    issue = _issue("政策速递", "某部委印发元宇宙产业指导意见", first, "某部委还提出推进举措",
                   "¹ https://a.example/1", LONG_NEXT)
    assert [i.title for i in issue.items] == ["某部委印发元宇宙产业指导意见"]


def test_an_item_before_any_section_heading_gets_a_guessed_section() -> None:
    ignored = "本期导读：本期收录的政策、新闻与交易信息均来自公开渠道，仅供参考之用。"
    issue = _issue(
        "植德元宇宙月刊",
        "某公司完成数亿元融资",
        "2024年1月3日，某公司完成数亿元融资。",
        "政策速递",
        ignored,
        "某部委印发元宇宙产业指导意见",
        "2024年3月5日，某部委印发《元宇宙产业指导意见》。",
        "植德短评：",
        "该意见明确了方向。",
    )
    assert [(i.section, i.title) for i in issue.items] == [
        ("交易资讯", "某公司完成数亿元融资"), ("政策速递", "某部委印发元宇宙产业指导意见")]
    assert issue.problems == [
        f"条目标题之前的文字被忽略：{ignored[:30]}",  # the first 30 characters name it
        "「某公司完成数亿元融资」不在任何栏目标题下，推断为交易资讯",
    ]


def test_a_wrapped_seed_title_leaves_no_issue_title_behind(seed_path) -> None:
    """The seed has no cover line: its issue title is empty, also when a title wrapped onto two lines is mended."""
    text = seed_path.read_text(encoding="utf-8").replace(
        "\n\n上海市黄浦区印发鼓励元宇宙等科技企业集聚发展的扶持办法\n\n",
        "\n\n上海市黄浦区印发鼓励元宇宙等科技\n\n企业集聚发展的扶持办法\n\n",
    )
    issue = parse_text(text, issue_id="wrapped")
    assert (issue.title, issue.period) == ("", None)

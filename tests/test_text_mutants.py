"""The small repairs of corpus/lines.py and corpus/text.py one by one, with hand-written answers (they kill mutants the seed misses).

Each table row is a line as a PDF extraction, a Word file or a Markdown export gives it, and what a lawyer
reading the issue would say it means.
"""

from __future__ import annotations

import pytest

from drafting.corpus.lines import (
    commentary_label,
    compact,
    extract_date,
    guess_section,
    is_end_heading,
    is_terminal,
    parse_footnote,
    section_of,
    tidy,
)
from drafting.corpus.text import text_to_blocks
from drafting.sources.formats import join_text

# --- character helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("政策 速递", "政策速递"),
        ("Ａ B\tｃ\n", "abc"),  # full-width letters fold, whitespace of every kind goes
        ("WMC2023 大会", "wmc2023大会"),
    ],
)
def test_compact(text: str, expected: str) -> None:
    assert compact(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  元 宇\u3000宙\t产业  ", "元宇宙产业"),  # wrap spaces between Chinese characters go
        ("中国移动 5G 网络", "中国移动 5G 网络"),  # a space beside Latin or digits stays
        ("B2 轮 战略投资", "B2 轮战略投资"),
    ],
)
def test_tidy(text: str, expected: str) -> None:
    assert tidy(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("政策速递", "政策速递"),
        ("政策\t速递2", "政策速递"),  # the seed's ToC line: tab and page number
        ("交易\t,资讯9", "交易资讯"),
        ("行业\t2新闻6", "行业新闻"),
        ("行业新闻1234", "行业新闻"),  # 8 characters: still a heading with its page number
        ("行业新闻12345", None),  # 9: a line that merely starts with the name
        ("行业新闻动态", None),  # six Chinese characters
        ("新闻行业", None),  # four characters but no section
        ("政策", None),
    ],
)
def test_section_of(text: str, expected: str | None) -> None:
    assert section_of(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("提升标准应用的有效性。", True),
        ("是否可行？", True),
        ("Really!", True),
        ("……", True),
        ("重点任务如下；", True),
        ("他说：“这是开始。”", True),  # the full stop sits inside the closing quote
        ("（详见附件。）", True),
        ("提升标准应用的有效性。 ", True),  # trailing space from the extraction
        ("并在", False),
        ("提出以下要求：", False),
        ("包括：", False),
        ("》", False),  # only a closer: nothing left to end a sentence
        ("", False),
        ("   ", False),
    ],
)
def test_is_terminal(text: str, expected: bool) -> None:
    assert is_terminal(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("植德短评:", ""),
        ("植德短评", ""),
        ("植 德 短 评 ：", ""),
        ("【植德短评】：中国工信部提前布局", "中国工信部提前布局"),
        ("**植德短评**：**本次政策**", "本次政策"),
        ("## 植德短评", ""),
        ("〖植德点评〗 这一举措", "这一举措"),
        ("[植德短评] 值得关注", "值得关注"),
        ("植德律师事务所短评", None),
        ("本期植德短评", None),
        ("短评", None),
    ],
)
def test_commentary_label(text: str, expected: str | None) -> None:
    assert commentary_label(text) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("创新型中", "小企业", "创新型中小企业"),
        ("WMC", "2023", "WMC 2023"),  # two Latin/number pieces need a space
        ("Opensea", "发售", "Opensea发售"),
        ("发售", "NFT", "发售NFT"),
        ("2023", "年", "2023年"),
        ("B2.", "轮", "B2.轮"),
        ("a.", "b", "a.b"),  # punctuation before the break: no space
        ("a", "-b", "a-b"),
        ("é", "x", "éx"),  # non-ASCII letters are not joined with a space
        ("x", "é", "xé"),
        ("", "abc", "abc"),
        ("abc", "", "abc"),
        ("发布Vision", "Pro", "发布Vision Pro"),  # only the two characters at the break decide
        ("型号X", "1", "型号X 1"),
        ("U.S", "SEC", "U.S SEC"),
        ("PICO", "4，售价2499元", "PICO 4，售价2499元"),
    ],
)
def test_join_text(a: str, b: str, expected: str) -> None:
    assert join_text(a, b) == expected


# --- footnotes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("[^1]: https://a.example/x", (1, "https://a.example/x")),
        ("[2] https://b.example/y", (2, "https://b.example/y")),
        ("[^12]:https://b.example/z", (12, "https://b.example/z")),
        ("$^{^{12}}\\} https://c.example/p.html", (12, "https://c.example/p.html")),
        ("$^{3}$ https://c.example/q", (3, "https://c.example/q")),
        ("¹⁰ https://d.example/", (10, "https://d.example/")),
        ("² https://d.example/two", (2, "https://d.example/two")),
        ("注3：https://e.example/", (3, "https://e.example/")),
        ("注 14 : https://e.example/14", (14, "https://e.example/14")),
        ("4. https://f.example/", (4, "https://f.example/")),
        ("5、https://g.example/", (5, "https://g.example/")),
        ("6) https://g.example/6", (6, "https://g.example/6")),
        ("123 https://g.example/123", (123, "https://g.example/123")),
        ("来源：https://h.example/", (None, "https://h.example/")),
        ("  https://i.example/a b  ", (None, "https://i.example/a b")),  # inner space kept here, mended later
        ("http://j.example/", (None, "http://j.example/")),
        ("1234 https://k.example/", None),  # four digits are not a footnote number
        ("详见 https://l.example/", None),  # a sentence that mentions a URL
        ("ftp://m.example/", None),
        ("植德短评：", None),
    ],
)
def test_parse_footnote(line: str, expected: tuple[int | None, str] | None) -> None:
    assert parse_footnote(line) == expected


# --- page breaks in extracted text ---------------------------------------------------------------


def _shape(text: str) -> list[str]:
    return ["|" if b.kind == "break" else b.text for b in text_to_blocks(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("甲\n乙", ["甲", "乙"]),
        ("甲\n\n乙", ["甲", "乙"]),  # one blank line: a paragraph gap, not a page
        ("甲\n\n\n乙", ["甲", "|", "乙"]),  # two blank lines: a page break
        ("甲\n\n\n\n\n乙", ["甲", "|", "乙"]),
        ("甲\r\n\r\n\r\n乙", ["甲", "|", "乙"]),
        ("甲\r\r\r乙", ["甲", "|", "乙"]),
        ("甲\f乙", ["甲", "|", "乙"]),  # a form feed between pages
        ("甲\n\n\f乙", ["甲", "|", "乙"]),  # one break, not two
        ("甲\n \n\t\n乙", ["甲", "|", "乙"]),  # lines of spaces are blank
        ("甲\n\ufeff\n\n乙", ["甲", "|", "乙"]),
        ("甲\n\n\n", ["甲", "|"]),  # a page break at the very end
        ("甲\n\n", ["甲", "|"]),  # the text ends on two blank lines: a page ends there too
        ("甲\n", ["甲"]),
        ("\n甲", ["甲"]),  # one blank line at the start is no page
        ("甲\f\n乙", ["甲", "|", "乙"]),  # the form feed already counted the page
        ("  甲  \n乙\t", ["  甲", "乙"]),  # right side trimmed, the indent kept for the heuristics
        ("", []),
    ],
)
def test_text_to_blocks(text: str, expected: list[str]) -> None:
    assert _shape(text) == expected


# --- headings and dates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("特别声明", True),
        ("特别声明：", True),
        ("免责声明:", True),
        ("参与成员", True),
        ("编委会", True),
        ("联系我们", True),
        ("特 别 声 明", True),
        ("特别声明本刊内容仅供参考", True),  # 12 characters
        ("特别声明本刊内容仅供参考。", False),  # 13: a sentence that starts with the words
        ("特别声明本刊内容仅供参考：", True),  # the closing colon does not count
        ("本刊特别声明", False),
        ("目录", False),
    ],
)
def test_is_end_heading(text: str, expected: bool) -> None:
    assert is_end_heading(text) is expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("2023 年 9 月 18 日,工信部科技司就……公开征求意见。", ("2023-09-18", True)),
        ("2024年3月5日，某部委印发", ("2024-03-05", True)),
        ("2024-3-5，某部委印发", ("2024-03-05", True)),
        ("2024/03/05 某部委印发", ("2024-03-05", True)),
        ("2024.12.31 某部委印发", ("2024-12-31", True)),
        ("1999年12月1日", ("1999-12-01", True)),
        ("1899年12月1日", (None, False)),  # not a year of this newsletter
        ("2024年2月30日，某部委", (None, True)),  # a date was written, but it does not exist
        ("2024年13月1日，某部委", (None, True)),
        ("近日，某市举办元宇宙大会。", (None, True)),
        ("日前，2024年3月5日印发的方案", (None, True)),  # the vague word comes first
        ("2024年3月5日，近日印发的方案", ("2024-03-05", True)),
        ("据报道，某市举办元宇宙大会。", (None, False)),
        ("x" * 71 + "2024年3月5日", ("2024-03-05", True)),  # the date ends exactly at character 80
        ("x" * 72 + "2024年3月5日", (None, False)),  # the date runs past the first 80 characters
        ("x" * 78 + "近日", (None, True)),
        ("x" * 79 + "近日", (None, False)),
        ("", (None, False)),
    ],
)
def test_extract_date(body: str, expected: tuple[str | None, bool]) -> None:
    assert extract_date(body) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("零数科技获B2轮战略投资", "交易资讯"),
        ("某公司完成数亿元融资", "交易资讯"),
        ("某集团收购元宇宙公司", "交易资讯"),
        ("某公司在港交所IPO", "交易资讯"),
        ("某市发布元宇宙产业扶持办法", "政策速递"),
        ("工信部发布元宇宙标准化通知", "政策速递"),
        ("某部发布" + "甲" * 10 + "通知", "政策速递"),  # at most ten characters between 发布 and the kind of text
        ("某部发布" + "甲" * 11 + "通知", "行业新闻"),
        ("某部印发元宇宙行动计划", "政策速递"),
        ("某部门就草案征求意见", "政策速递"),
        ("央行加强对数字藏品的监管", "政策速递"),
        ("某市举办元宇宙大会", "行业新闻"),
        ("某公司发布新一代头显", "行业新闻"),
        ("甲" * 200 + "融资", "行业新闻"),  # only the first 200 characters count
        ("甲" * 198 + "融资", "交易资讯"),
        ("甲" * 199 + "监管", "行业新闻"),
        ("甲" * 199 + "融资", "行业新闻"),
    ],
)
def test_guess_section(text: str, expected: str) -> None:
    assert guess_section(text) == expected

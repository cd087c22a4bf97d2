"""The Markdown export line by line: a small issue written out by hand in house layout."""

from __future__ import annotations

from pathlib import Path

from drafting.export import export_markdown, render_markdown
from drafting.export.assemble import ClosingBlock, assemble
from drafting.models import Item

ITEMS = [
    Item(section="交易资讯", title="零数科技获B2轮战略投资", body="2023年9月25日，零数科技获B2轮战略投资。",
         sources=["https://d.example/4"]),
    Item(section="政策速递", title="重庆发布元宇宙产业发展行动计划",
         body="2023年9月22日，重庆市经信委印发行动计划。\n行动计划提出多项重点任务。",
         commentary="该计划目标明确。\n这也为企业提供了指引。", sources=["https://a.example/1", "https://b.example/2"]),
    Item(section="行业新闻", title="虹口区元宇宙专区上线", body=""),
]
CLOSING = [
    ClosingBlock(kind="heading", text="特别声明"),
    ClosingBlock(kind="para", text="本刊内容仅供参考。"),
    ClosingBlock(kind="center", text="植德律师事务所"),
]

EXPECTED = """# 元宇宙/Web3 月刊 2023年第10期

## 目录

**政策速递**

- 重庆发布元宇宙产业发展行动计划

**行业新闻**

- 虹口区元宇宙专区上线

**交易资讯**

- 零数科技获B2轮战略投资

## 政策速递

### 重庆发布元宇宙产业发展行动计划

2023年9月22日，重庆市经信委印发行动计划。

行动计划提出多项重点任务。[^1][^2]

**植德短评：**

该计划目标明确。

这也为企业提供了指引。

## 行业新闻

### 虹口区元宇宙专区上线



## 交易资讯

### 零数科技获B2轮战略投资

2023年9月25日，零数科技获B2轮战略投资。[^3]

## 特别声明

本刊内容仅供参考。

<p align="center">植德律师事务所</p>

[^1]: https://a.example/1
[^2]: https://b.example/2
[^3]: https://d.example/4
"""


def test_markdown_of_a_small_issue_is_exactly_the_house_layout() -> None:
    issue = assemble(ITEMS, period="2023年第10期", closing=CLOSING)
    assert render_markdown(issue) == EXPECTED


def test_markdown_file_holds_the_same_text(tmp_path: Path) -> None:
    path = export_markdown(assemble(ITEMS, period="2023年第10期", closing=CLOSING), tmp_path / "issue.md")
    assert path == tmp_path / "issue.md"
    assert path.read_text(encoding="utf-8") == EXPECTED


def test_markdown_without_sources_has_no_footnote_block() -> None:
    text = render_markdown(assemble([ITEMS[2]], period="2023年第10期"))
    assert "[^" not in text
    assert text.endswith("### 虹口区元宇宙专区上线\n\n\n")

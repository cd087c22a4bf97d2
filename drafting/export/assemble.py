"""An issue in house layout: title and period, sections in order, footnotes numbered through the issue."""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from drafting.models import SECTIONS, Issue, Item, Section
from drafting.writing.prompts import load_prompt

logger = logging.getLogger(__name__)

DEFAULT_TITLE = "元宇宙/Web3 月刊"
COMMENTARY_HEADING = "植德短评："
TOC_HEADING = "目录"


class Footnote(BaseModel):
    """A source URL with its number in the issue."""

    n: int
    url: str


class AssembledItem(BaseModel):
    """An item as laid out: its text and its footnotes."""

    item: Item
    footnotes: list[Footnote] = Field(default_factory=list)

    @property
    def paragraphs(self) -> list[str]:
        """The body split into paragraphs (one per non-empty line)."""
        return split_paragraphs(self.item.body)

    @property
    def commentary_paragraphs(self) -> list[str]:
        """The 植德短评 split into paragraphs; empty when the item has none."""
        return split_paragraphs(self.item.commentary or "")


class AssembledSection(BaseModel):
    """One of 政策速递 / 行业新闻 / 交易资讯 with its items, in order."""

    name: Section
    items: list[AssembledItem] = Field(default_factory=list)


class ClosingBlock(BaseModel):
    """One block of the closing statement: a heading, a paragraph or a centred line."""

    kind: Literal["heading", "para", "center"]
    text: str


class AssembledIssue(BaseModel):
    """The whole issue, ready to export."""

    title: str = DEFAULT_TITLE
    period: str = ""
    sections: list[AssembledSection] = Field(default_factory=list)
    closing: list[ClosingBlock] = Field(default_factory=list)

    @property
    def heading(self) -> str:
        """e.g. "元宇宙/Web3 月刊 2023年第10期"."""
        return f"{self.title} {self.period}".strip()

    @property
    def id(self) -> str:
        """Corpus id of the issue, stable for the same title and period."""
        m = re.search(r"(\d{4})\s*年\s*第\s*(\d{1,2})\s*期", self.period)
        digest = hashlib.sha1(self.heading.encode()).hexdigest()[:8]
        return f"{m.group(1)}-{int(m.group(2)):02d}_{digest}" if m else f"issue_{digest}"

    def items(self) -> list[Item]:
        """Items in issue order."""
        return [a.item for s in self.sections for a in s.items]

    def footnotes(self) -> list[Footnote]:
        """Every footnote in issue order (numbers 1..n)."""
        return [f for s in self.sections for a in s.items for f in a.footnotes]

    def to_issue(self) -> Issue:
        """The corpus form: items tagged with this issue's id."""
        items = [i.model_copy(update={"issue": self.id}) for i in self.items()]
        return Issue(id=self.id, title=self.title, period=self.period or None, items=items)


def split_paragraphs(text: str) -> list[str]:
    """Non-empty lines of a text, stripped."""
    return [p.strip() for p in text.splitlines() if p.strip()]


def default_period(items: list[Item]) -> str:
    """"YYYY年第M期" from the month most items fall in (latest month on a tie); "" when undated."""
    months = Counter(i.date[:7] for i in items if i.date and re.match(r"\d{4}-\d{2}", i.date))
    if not months:
        return ""
    best = max(months.items(), key=lambda kv: (kv[1], kv[0]))[0]
    # The issue covers the month its news happened in, published in the next: the seed's
    # September items came out as 2023年第10期.
    year, month = int(best[:4]), int(best[5:7]) + 1
    if month == 13:
        year, month = year + 1, 1
    return f"{year}年第{month}期"


def load_closing(prompts_dir: Path, editors: str | None = None) -> list[ClosingBlock]:
    """The closing block from prompts/issue_closing.md; editors default to the template's default_editors."""
    prompt = load_prompt(prompts_dir, "issue_closing")
    if editors is None:
        editors = prompt.meta.get("default_editors", "")
    blocks: list[ClosingBlock] = []
    for line in prompt.render(editors=editors).splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("## "):
            blocks.append(ClosingBlock(kind="heading", text=line[3:].strip()))
        elif line.startswith("> "):
            blocks.append(ClosingBlock(kind="center", text=line[2:].strip()))
        else:
            blocks.append(ClosingBlock(kind="para", text=line))
    return blocks


def assemble(
    items: list[Item],
    *,
    title: str = DEFAULT_TITLE,
    period: str | None = None,
    closing: list[ClosingBlock] | None = None,
) -> AssembledIssue:
    """Lay items out in house order (sections 政策速递, 行业新闻, 交易资讯; input order within) and number footnotes."""
    issue = AssembledIssue(title=title, period=default_period(items) if period is None else period, closing=closing or [])
    n = 0
    for name in SECTIONS:
        section = AssembledSection(name=name)
        for item in (i for i in items if i.section == name):
            notes = []
            for url in item.sources:
                n += 1
                notes.append(Footnote(n=n, url=url))
            section.items.append(AssembledItem(item=item, footnotes=notes))
        if section.items:
            issue.sections.append(section)
    return issue


def build_issue(
    items: list[Item],
    *,
    prompts_dir: Path,
    title: str = DEFAULT_TITLE,
    period: str | None = None,
    editors: str | None = None,
) -> AssembledIssue:
    """Assemble items into the house layout with the closing block from prompts/issue_closing.md."""
    return assemble(items, title=title, period=period, closing=load_closing(prompts_dir, editors))

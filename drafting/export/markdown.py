"""Markdown export: the issue in house layout with `[^n]` footnotes numbered through the issue."""

from __future__ import annotations

import logging
from pathlib import Path

from drafting.export.assemble import COMMENTARY_HEADING, TOC_HEADING, AssembledIssue
from drafting.fileio import atomic_write

logger = logging.getLogger(__name__)


def render_markdown(issue: AssembledIssue) -> str:
    """The issue as Markdown text."""
    out: list[str] = [f"# {issue.heading}", "", f"## {TOC_HEADING}", ""]
    for section in issue.sections:
        out.append(f"**{section.name}**")
        out.append("")
        out.extend(f"- {a.item.title}" for a in section.items)
        out.append("")
    for section in issue.sections:
        out += [f"## {section.name}", ""]
        for a in section.items:
            out += [f"### {a.item.title}", ""]
            paras = a.paragraphs or [""]
            marks = "".join(f"[^{f.n}]" for f in a.footnotes)
            for i, p in enumerate(paras):
                out += [p + (marks if i == len(paras) - 1 else ""), ""]
            if a.commentary_paragraphs:
                out += [f"**{COMMENTARY_HEADING}**", ""]
                for p in a.commentary_paragraphs:
                    out += [p, ""]
    for block in issue.closing:
        if block.kind == "heading":
            out += [f"## {block.text}", ""]
        elif block.kind == "center":
            out += [f"<p align=\"center\">{block.text}</p>", ""]
        else:
            out += [block.text, ""]
    notes = issue.footnotes()
    if notes:
        out += [f"[^{f.n}]: {f.url}" for f in notes]
        out.append("")
    return "\n".join(out)


def export_markdown(issue: AssembledIssue, path: Path) -> Path:
    """Write the issue as Markdown (atomic write); returns the path."""
    path = Path(path)
    atomic_write(path, render_markdown(issue).encode("utf-8"))
    logger.info("wrote %s", path)
    return path

"""The issue as HTML ready to paste into the WeChat 公众号 editor.

That editor drops `<style>`, `<script>`, classes and external CSS, so the house look is written once as CSS in a
template and inlined into every element's `style` (css-inline); only section/p/span are used, footnotes become a
numbered 注释 list (links are not clickable in a 公众号 article), and nothing is loaded from outside.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from importlib.resources import files
from pathlib import Path

import css_inline
import jinja2

from drafting.export.assemble import COMMENTARY_HEADING, TOC_HEADING, AssembledIssue
from drafting.export.docx import FIRM
from drafting.fileio import atomic_write

logger = logging.getLogger(__name__)

TEMPLATE = "wechat.html.j2"
_CLASS = re.compile(r' class="[a-z-]+"')


@cache
def _template() -> jinja2.Template:
    text = (files("drafting.export") / TEMPLATE).read_text(encoding="utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.from_string(text)


def render_wechat(issue: AssembledIssue) -> str:
    """The issue as one HTML page whose every element carries its style inline."""
    html = _template().render(issue=issue, notes=issue.footnotes(), firm=FIRM, toc_heading=TOC_HEADING,
                              commentary_heading=COMMENTARY_HEADING.rstrip("：:"))
    inliner = css_inline.CSSInliner(keep_style_tags=False, keep_link_tags=False, load_remote_stylesheets=False)
    # The classes only served the inliner; the 公众号 editor would drop them anyway. The template writes every class
    # attribute itself (plain names, no quotes inside), so removing them by pattern is exact.
    return _CLASS.sub("", str(inliner.inline(html)))


def export_wechat(issue: AssembledIssue, path: Path) -> Path:
    """Write the 公众号 HTML (atomic write); returns the path."""
    path = Path(path)
    atomic_write(path, render_wechat(issue).encode("utf-8"))
    logger.info("wrote %s", path)
    return path

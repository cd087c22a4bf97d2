"""The bar at the top of every page: 起草 · 收件箱（n） · 批量 · 规则, where n counts the new relevant inbox entries.

Each page is its own address (drafting/ui/app.py, PAGES), and the bar is drawn on each from the same list; the count is
filled in when the page loads and refreshed while it stays open, so a scheduled watch run shows up on any page.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import gradio as gr

from drafting.services import Services
from drafting.watch.inbox import min_relevance, open_store

logger = logging.getLogger(__name__)

INBOX_PATH = "inbox"
INBOX_LABEL = "收件箱"
COUNT_EVERY_S = 120  # how often an open page refreshes the inbox count


def inbox_label(count: int) -> str:
    """收件箱 with the number of new relevant entries (none: the bare name)."""
    return f"{INBOX_LABEL}（{count}）" if count else INBOX_LABEL


def links(pages: Sequence[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    """The bar's links after the first page, as (name, path); the inbox's name carries the count."""
    return [(inbox_label(count) if path == INBOX_PATH else label, path) for path, label in pages[1:]]


def build_navbar(services: Services, pages: Sequence[tuple[str, str]]) -> tuple[gr.Navbar, Any]:
    """The bar for the page being built, and what refreshes its count (a callable for the page's load event).

    pages: (path, name) of every page, the editor's page first. A timer on the page refreshes the count."""
    navbar = gr.Navbar(value=links(pages, 0), main_page_name=pages[0][1], elem_id="dz-navbar")
    store, threshold = open_store(services.settings), min_relevance(services.settings)  # once, not at every page load

    def count() -> Any:
        try:
            return gr.update(value=links(pages, store.count_new(threshold)))
        except Exception:  # an unreadable inbox must not stop a page from loading: the bar keeps its plain names
            logger.exception("inbox count failed")
            return gr.skip()

    gr.Timer(COUNT_EVERY_S).tick(count, None, navbar, show_progress="hidden", queue=False)
    return navbar, count

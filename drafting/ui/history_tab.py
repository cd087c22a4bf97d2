"""历史: accepted and pending drafts, searchable; reopen one in the draft tab to continue editing."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from drafting.ui import format as fmt
from drafting.ui import review_format as rfmt
from drafting.ui.app import UIContext, guarded

logger = logging.getLogger(__name__)

TAB_ID = "history"
TAB_LABEL = "历史"

STATUS_FILTER = {"全部": None, "待定": "pending", "已采纳": "accepted"}


def rows(store: Any, drafts: list[Any]) -> list[list[object]]:
    """History rows with each draft's review state (已采纳（有改动） when its text left the accepted one)."""
    return rfmt.history_rows(drafts, {d.id: store.accepted_text(d.id) for d in drafts if d.status == "accepted"})


def build(ctx: UIContext) -> None:
    """Lay out the history tab."""
    store = ctx.services.store
    with gr.Row():
        query = gr.Textbox(label="搜索草稿（标题、正文、短评）", placeholder="例如：重庆 元宇宙", scale=4, elem_id="dz-hist-query")
        status = gr.Radio(list(STATUS_FILTER), value="全部", label="状态", scale=2)
        refresh_btn = gr.Button("刷新", scale=1, elem_id="dz-hist-refresh")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            table = gr.Dataframe(
                headers=rfmt.HISTORY_HEADERS,
                datatype=["number", "str", "str", "str", "str", "str", "str"],
                interactive=False,
                wrap=True,
                column_widths=["6%", "11%", "27%", "30%", "9%", "9%", "8%"],
                max_height=560,
                elem_id="dz-hist-table",
            )
        with gr.Column(scale=2):
            selected = gr.State(None)
            preview = gr.HTML(fmt.stored_html(None), elem_id="dz-hist-preview")
            open_btn = gr.Button("继续编辑", variant="primary", elem_id="dz-hist-open")
            audit = gr.HTML("", elem_id="dz-hist-audit")

    @guarded(1)
    def refresh(q: str, st: str) -> list[list[object]]:
        return rows(store, store.list(query=q, status=STATUS_FILTER.get(st)))

    @guarded(3)
    def on_select(evt: gr.SelectData) -> tuple[Any, str, str]:
        row = evt.row_value or []
        if not row:
            return None, fmt.stored_html(None), ""
        stored = store.get(int(row[0]))
        # Who changed what: the audit trail of this draft, with the text before and after each change.
        return stored.id, fmt.stored_html(stored), rfmt.audit_html(ctx.services.reviews.history(draft_id=stored.id))

    for trigger in (refresh_btn.click, query.submit, status.change):
        trigger(refresh, [query, status], table, concurrency_limit=None)
    ctx.on_load(refresh, [query, status], table)
    table.select(on_select, None, [selected, preview, audit], concurrency_limit=None)
    ctx.add(history_query=query, history_status=status, history_table=table, history_refresh=refresh,
            history_selected=selected, history_open_btn=open_btn)


def wire(ctx: UIContext) -> None:
    """Reopen into the draft tab; refresh after an accept."""
    c = ctx.components
    if "draft_open" not in c:
        return
    outputs = [*c["draft_open_outputs"], ctx.tabs]

    @guarded(len(outputs))
    def reopen(draft_id: Any) -> tuple[Any, ...]:
        return (*c["draft_open_raw"](draft_id), gr.Tabs(selected="draft"))

    c["history_open_btn"].click(reopen, [c["history_selected"]], outputs, concurrency_limit=None)
    c["draft_accept_event"].then(c["history_refresh"], [c["history_query"], c["history_status"]], c["history_table"])

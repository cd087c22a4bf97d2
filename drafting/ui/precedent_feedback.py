"""Precedent feedback on the 起草 page: helpful / not useful per precedent, and which cards the editor opened.

Kept beside the cards (not inside their HTML) so the card layout can change without touching this.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import gradio as gr

from drafting.errors import ValidationError
from drafting.ui.app import UIContext, guarded

logger = logging.getLogger(__name__)

MARKS = {"helpful": "👍", "not_useful": "👎"}
# A click on a closed card's summary is the editor opening it; the number badge says which precedent it is.
EXPAND_JS = """
element.addEventListener('click', (e) => {
  const summary = e.target.closest('summary');
  const card = summary && summary.parentElement;
  if (!card || card.tagName !== 'DETAILS' || card.open) return;
  const n = card.querySelector('.dz-n');
  if (n) trigger('click', {expanded: parseInt(n.textContent, 10)});
});
"""


@dataclass
class FeedbackControls:
    """The components beside the precedent cards."""

    pick: Any
    helpful: Any
    not_useful: Any
    status: Any


def controls() -> FeedbackControls:
    """Lay out the feedback row (call inside the precedents column)."""
    with gr.Group():
        pick = gr.Radio([], label="评价参考条目（帮助改进检索）", elem_id="dz-fb-pick")
        with gr.Row():
            helpful = gr.Button("👍 有帮助", size="sm", elem_id="dz-fb-helpful")
            not_useful = gr.Button("👎 无用", size="sm", elem_id="dz-fb-not-useful")
        status = gr.Markdown("", elem_id="dz-fb-status")
    return FeedbackControls(pick, helpful, not_useful, status)


def _draft_id(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def wire(ctx: UIContext, fb: FeedbackControls, precedents_html: Any, draft_id: Any) -> None:
    """Fill the choices when a draft arrives; record judgements and expansions."""
    services = ctx.services

    def choices(current: Any) -> list[tuple[str, str]]:
        did = _draft_id(current)
        if did is None:
            return []
        stored = services.store.get(did)
        marks = services.learning.feedback.for_draft(did)
        out = []
        for n, p in enumerate(stored.draft.precedents, 1):
            mark = MARKS.get(marks[p.item.id].judgement or "", "") if p.item.id in marks else ""
            out.append((f"{n}. {p.item.title[:40]} {mark}".rstrip(), p.item.id))
        return out

    @guarded(1)
    def refresh(current: Any) -> Any:
        return gr.update(choices=choices(current), value=None)

    draft_id.change(refresh, [draft_id], [fb.pick], show_progress="hidden", concurrency_limit=None)

    def judge(judgement: str):  # type: ignore[no-untyped-def]
        @guarded(2)
        def on_click(current: Any, item_id: str | None) -> tuple[Any, ...]:
            did = _draft_id(current)
            if did is None:
                raise ValidationError("请先起草或打开一份草稿，再评价参考条目。")
            if not item_id:
                raise ValidationError("请先在上方选择要评价的参考条目。")
            services.learning.feedback.judge(did, item_id, judgement)
            word = "有帮助" if judgement == "helpful" else "无用"
            return gr.update(choices=choices(current), value=item_id), f"已记录：该参考条目{word}（草稿 #{did}）"

        return on_click

    fb.helpful.click(judge("helpful"), [draft_id, fb.pick], [fb.pick, fb.status], concurrency_limit=None)
    fb.not_useful.click(judge("not_useful"), [draft_id, fb.pick], [fb.pick, fb.status], concurrency_limit=None)

    def on_expand(current: Any, evt: gr.EventData) -> None:
        n = getattr(evt, "expanded", None)
        did = _draft_id(current)
        if did is None or not isinstance(n, int):
            return
        precedents = services.store.get(did).draft.precedents
        if 1 <= n <= len(precedents):
            services.learning.feedback.expanded(did, precedents[n - 1].item.id)

    # The cards' HTML component reports which card was opened (set before the page's config is built).
    precedents_html.js_on_load = EXPAND_JS
    precedents_html.click(on_expand, [draft_id], None, show_progress="hidden", concurrency_limit=None)

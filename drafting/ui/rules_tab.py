"""规则: house rules mined from recurring edits; the editor approves, rewords, rejects or undoes them."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr
import pandas as pd

from drafting.errors import ValidationError
from drafting.learning.rules import Rule
from drafting.ui import format as fmt
from drafting.ui.app import UIContext, guarded

logger = logging.getLogger(__name__)

TAB_ID = "rules"
TAB_LABEL = "规则"
KINDS = {"delete": "删除", "replace": "替换", "add": "补充", "length": "篇幅", "note": "说明"}


def _rows(rules: list[Rule]) -> pd.DataFrame:
    return pd.DataFrame(
        [[r.id, KINDS.get(r.kind, r.kind), r.text, r.count, "、".join(f"#{i}" for i in r.evidence[:12])] for r in rules],
        columns=["编号", "类型", "规则", "依据篇数", "依据草稿"],
    )


def build(ctx: UIContext) -> None:
    """Lay out the rules tab."""
    learning = ctx.services.learning
    gr.Markdown(
        "编辑在多篇已采纳草稿中反复做的同一修改，会在这里成为**规则建议**（附依据草稿）。批准后写入 "
        "与语料库一起保存的规则文件（每次修改版本号加一），之后的模型提示词和离线草稿都会遵守；拒绝的建议不再出现；"
        "已批准的规则可随时撤销。"
    )
    approved_md = gr.Markdown(elem_id="dz-rules-version")
    approved = gr.Dataframe(label="已批准的规则", interactive=False, elem_id="dz-rules-approved")
    proposals = gr.Dataframe(label="待定的建议", interactive=False, elem_id="dz-rules-proposals")
    with gr.Row():
        pick = gr.Dropdown([], label="选择规则或建议", scale=2, elem_id="dz-rules-pick")
        text = gr.Textbox(label="规则措辞（可修改后批准）", scale=3, elem_id="dz-rules-text")
    with gr.Row():
        approve = gr.Button("批准", variant="primary", elem_id="dz-rules-approve")
        reject = gr.Button("拒绝", elem_id="dz-rules-reject")
        remove = gr.Button("撤销已批准的规则", elem_id="dz-rules-remove")
        refresh = gr.Button("刷新", size="sm")
    status = gr.Markdown(elem_id="dz-rules-status")
    outputs = [approved_md, approved, proposals, pick, text, status]

    def view(message: str = "") -> tuple[Any, ...]:
        book = learning.rules.book()
        open_ = learning.proposals()
        choices = [(f"{r.id} 已批准：{r.text[:30]}", r.id) for r in book.rules] + [(f"{p.id} 建议：{p.text[:30]}", p.id) for p in open_]
        head = f"当前规则文件：第 **{book.version}** 版，{len(book.rules)} 条规则；{len(open_)} 条待定建议。"
        return head, _rows(book.rules), _rows(open_), gr.update(choices=choices, value=None), "", message

    def chosen(rule_id: str | None) -> str:
        if not rule_id:
            raise ValidationError("请先在“选择规则或建议”中选一条。")
        return rule_id

    @guarded(len(outputs))
    def on_approve(rule_id: str | None, wording: str) -> tuple[Any, ...]:
        rid = chosen(rule_id)
        is_rule = any(r.id == rid for r in learning.rules.book().rules)
        book = learning.edit(rid, wording) if wording.strip() or is_rule else learning.approve(rid)
        return view(f"✓ 已批准 {fmt.esc(rid)}（规则文件第 {book.version} 版）")

    @guarded(len(outputs))
    def on_reject(rule_id: str | None) -> tuple[Any, ...]:
        rid = chosen(rule_id)
        learning.reject(rid)
        return view(f"已拒绝建议 {fmt.esc(rid)}，今后不再提出")

    @guarded(len(outputs))
    def on_remove(rule_id: str | None) -> tuple[Any, ...]:
        rid = chosen(rule_id)
        book = learning.remove(rid)
        return view(f"已撤销规则 {fmt.esc(rid)}（规则文件第 {book.version} 版）")

    @guarded(1)
    def on_pick(rule_id: str | None) -> str:
        book = learning.rules.book()
        found = next((r for r in [*book.rules, *learning.proposals()] if r.id == rule_id), None)
        return found.text if found else ""

    @guarded(len(outputs))
    def show() -> tuple[Any, ...]:
        return view()

    ctx.on_load(show, None, outputs)
    refresh.click(show, None, outputs)
    pick.input(on_pick, [pick], [text])
    approve.click(on_approve, [pick, text], outputs)
    reject.click(on_reject, [pick], outputs)
    remove.click(on_remove, [pick], outputs)

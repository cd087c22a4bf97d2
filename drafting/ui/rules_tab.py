"""规则: house rules mined from recurring edits; the editor previews, approves, rewords, rejects or undoes them."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr
import pandas as pd

from drafting.errors import ValidationError
from drafting.learning.preview import RulePreview
from drafting.learning.rules import Rule
from drafting.ui import format as fmt
from drafting.ui.app import UIContext, guarded
from drafting.ui.draft_tab import DRAFT_PARAM

logger = logging.getLogger(__name__)

TAB_ID = "rules"
TAB_LABEL = "规则"
KINDS = {"delete": "删除", "replace": "替换", "add": "补充", "length": "篇幅", "note": "说明"}
EVIDENCE_HEADERS = ["草稿", "标题", "编辑", "与编辑的修改"]


# Relative to this page's address: the editor's page is the app's root, wherever a proxy mounts it.
OPEN_DRAFT_JS = """(id) => {
  if (id) window.location.assign(new URL('./?' + new URLSearchParams({PARAM: id}), window.location.href).href);
  return [];
}""".replace("PARAM", DRAFT_PARAM)

def _rows(rules: list[Rule]) -> pd.DataFrame:
    return pd.DataFrame(
        [[r.id, KINDS.get(r.kind, r.kind), r.text, r.count, len(r.editors) or "", "、".join(f"#{i}" for i in r.evidence[:12])]
         for r in rules],
        columns=["编号", "类型", "规则", "依据（不同条目）", "编辑人数", "依据草稿"],
    )


def evidence_rows(preview: RulePreview | None) -> pd.DataFrame:
    """The evidence drafts, one per row: clicking a row opens the draft in 起草."""
    words_only = preview is not None and preview.rule.kind in ("length", "note")
    rows = [[r.draft_id, r.title, r.editor, "—" if words_only else "一致" if r.agrees else "不同"]
            for r in (preview.evidence if preview else [])]
    return pd.DataFrame(rows, columns=EVIDENCE_HEADERS)


def preview_html(preview: RulePreview | None) -> str:
    """Before → after of the rule on its evidence (beside the editor's 定稿) and on the current drafts."""
    if preview is None:
        return '<p class="dz-empty">选择一条建议后，这里显示它对依据草稿和当前期刊的实际效果，再决定是否批准。</p>'
    if preview.rule.kind in ("length", "note"):
        return (f"<p><b>批准前预览</b>：{fmt.esc(preview.rule.text)}</p><p>这类规则只写进给模型的提示词，离线草稿不会据此逐字改写，"
                "因此没有改写前后的对比；依据草稿见下表。</p>")
    parts = [f"<p><b>批准前预览</b>：{fmt.esc(preview.rule.text)}</p>",
             (f"<p>依据草稿 {len(preview.evidence)} 篇，其中 <b>{preview.agreeing}</b> 篇规则所改正是编辑所改"
             "（点下方表格中的一行，可在「起草」中打开该草稿）。</p>")]
    for r in preview.evidence:
        mark = '<span class="dz-ok">与编辑一致</span>' if r.agrees else '<span class="dz-over">与编辑的修改不同</span>'
        parts.append(f'<div class="dz-item"><b>#{r.draft_id} {fmt.esc(r.title[:40])}</b> {mark}'
                     f'<div class="dz-diff">规则前→后：{fmt.diff_html(r.before, r.after)}</div>'
                     f'<div class="dz-diff dz-muted">编辑定稿：{fmt.esc(r.final or "")}</div></div>')
    parts.append(f"<p><b>{fmt.esc(preview.current_label)}</b>：{preview.current_total} 篇中有 {len(preview.current)} 篇会被修改。</p>")
    for r in preview.current:
        parts.append(f'<div class="dz-item"><b>#{r.draft_id} {fmt.esc(r.title[:40])}</b>'
                     f'<div class="dz-diff">{fmt.diff_html(r.before, r.after)}</div></div>')
    return '<div class="dz-rule-preview">' + "".join(parts) + "</div>"


def build(ctx: UIContext) -> None:
    """Lay out the rules tab."""
    learning = ctx.services.learning
    gr.Markdown(
        "编辑在多篇**不同条目**的已采纳草稿中反复做的同一修改（按词语和分句计，同一条目重复起草只算一篇），会在这里成为"
        "**规则建议**。选中一条先看预览：它对依据草稿和当前期刊会改成什么样。批准后写入与语料库一起保存的规则文件"
        "（每次修改版本号加一），之后的模型提示词和离线草稿都会遵守；拒绝的建议不再出现；已批准的规则可随时撤销。"
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
    preview = gr.HTML(preview_html(None), elem_id="dz-rules-preview")
    evidence = gr.Dataframe(headers=EVIDENCE_HEADERS, label="依据草稿（点一行在「起草」中打开）", interactive=False,
                            elem_id="dz-rules-evidence")
    outputs = [approved_md, approved, proposals, pick, text, status, preview, evidence]

    def view(message: str = "") -> tuple[Any, ...]:
        book = learning.rules.book()
        open_ = learning.proposals()
        choices = [(f"{r.id} 已批准：{r.text[:30]}", r.id) for r in book.rules] + [(f"{p.id} 建议：{p.text[:30]}", p.id) for p in open_]
        head = f"当前规则文件：第 **{book.version}** 版，{len(book.rules)} 条规则；{len(open_)} 条待定建议。"
        return (head, _rows(book.rules), _rows(open_), gr.update(choices=choices, value=None), "", message,
                preview_html(None), evidence_rows(None))

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

    @guarded(3)
    def on_pick(rule_id: str | None) -> tuple[Any, ...]:
        if not rule_id:
            return "", preview_html(None), evidence_rows(None)
        shown = learning.preview(rule_id)
        return shown.rule.text, preview_html(shown), evidence_rows(shown)

    @guarded(len(outputs))
    def show() -> tuple[Any, ...]:
        return view()

    ctx.on_load(show, None, outputs)
    refresh.click(show, None, outputs, api_name="rules_refresh")
    pick.input(on_pick, [pick], [text, preview, evidence])
    approve.click(on_approve, [pick, text], outputs)
    reject.click(on_reject, [pick], outputs)
    remove.click(on_remove, [pick], outputs)
    ctx.add(rules_evidence=evidence)


def wire(ctx: UIContext) -> None:
    """An evidence draft opens on the editor's page (起草 is a page of its own: the browser goes to it, ?draft=N)."""
    c = ctx.components
    target = gr.Textbox("", visible=False, elem_id="dz-rules-open")

    @guarded(1)
    def pick_evidence(evt: gr.SelectData) -> str:
        row = evt.row_value or []
        if not row:
            raise ValidationError("请点选依据草稿表格中的一行。")
        return str(int(row[0]))

    c["rules_evidence"].select(pick_evidence, None, target, concurrency_limit=None).then(
        None, [target], None, js=OPEN_DRAFT_JS)

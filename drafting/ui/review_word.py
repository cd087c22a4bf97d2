"""Word 审阅 in the 批量 tab: export the issue with tracked changes, upload the reviewed file, read it, write it back."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from drafting.errors import ValidationError
from drafting.export.revisions import edit_opcodes
from drafting.issues.word_export import export_issue
from drafting.issues.word_review import NOT_IN_EXPORT, ReviewReport, base_unknown_note, conflict_keys, import_review
from drafting.services import Services
from drafting.ui import format as fmt
from drafting.ui.app import guarded

logger = logging.getLogger(__name__)

FIELD_NAMES = {"title": "标题", "body": "正文", "commentary": "植德短评", "sources": "来源（脚注）"}
VIEW_CHOICES = [("接受全部未处理的修订（审阅人要求的文本）", "accepted"), ("拒绝全部未处理的修订（原稿）", "original")]


def report_html(report: ReviewReport) -> str:
    """The review report: per item what changed (as a diff, with who), comments, then deleted and unmatched items."""
    verb = "接受" if report.view == "accepted" else "拒绝"
    head = (f"<p><b>期次 <code>{fmt.esc(report.issue)}</code>：{len(report.items)} 条对上，{len(report.changed())} 条有修改。</b>"
            f"未处理的修订 {report.pending_revisions} 处，按“{verb}”计。"
            + ("<b>已写回。</b>" if report.applied else "") + "</p>")
    parts = [head]
    if not report.base_known:
        label, _, rest = base_unknown_note(report).partition("：")
        parts.append(f'<p class="dz-findings"><b>{label}：</b>{fmt.esc(rest)}</p>')
    if report.conflicts:
        parts.append(conflicts_html(report))
    for item in report.items:
        if not item.changes and not item.comments:
            continue
        how = "（按标题对上）" if item.matched_by == "title" else ""
        rows = []
        for c in item.changes:
            who = fmt.esc(c.author) if c.author else "未留修订痕迹"
            rows.append(f"<div><b>{FIELD_NAMES.get(c.field, fmt.esc(c.field))}</b>（{who}）"
                        f'<div class="dz-diff">{fmt.diff_html(c.before, c.after, edit_opcodes)}</div></div>')
        for note in item.comments:
            rows.append(f'<div class="dz-comm">批注 · {fmt.esc(note["author"])}：{fmt.esc(note["text"])}</div>')
        if item.applied:
            done = {"saved": "已保存", "accepted": "已保存并更新语料库"}.get(item.applied, item.applied)
            rows.append(f'<div class="dz-ok">→ {fmt.esc(done)}</div>')
        parts.append(f'<div class="dz-item"><h3>{fmt.esc(item.title)}{how}</h3>{"".join(rows)}</div>')
    for label, entries in (("审阅稿中已删除", report.deleted), (NOT_IN_EXPORT, report.not_in_export),
                           ("无法对应到本期条目", report.unmatched)):
        if entries:
            lis = "".join(f"<li>{fmt.esc(e['title'])}{_deleted_note(e.get('applied'))}</li>" for e in entries)
            parts.append(f'<div class="dz-findings"><b>{label}（{len(entries)}）</b><ul>{lis}</ul></div>')
    if report.moved or report.reordered:
        lis = "".join(f"<li>{fmt.esc(m['title'])}（{fmt.esc(m['section'])} 第 {m['before']} → {m['after']} 条）</li>"
                      for m in report.moved)
        head = "已按审阅稿调整顺序" if report.order_applied else "审阅稿调整了条目顺序（各栏目内）"
        parts.append(f'<div class="dz-findings"><b>{head}</b><ul>{lis}</ul></div>')
    return "".join(parts)


def conflicts_html(report: ReviewReport) -> str:
    """Fields edited in the browser after the export and changed by the partner: the three texts, what was done."""
    keep = "未写回，保留浏览器中的文字；确认以审阅稿为准，请勾选“以审阅稿为准，覆盖浏览器中的修改”后再确认写回。"
    done = "已按审阅稿覆盖（修改记录中标明“覆盖浏览器修改”，被替换的文字可在其中找回）。"
    overwritten = [c for c in report.conflicts if c.applied == "overwritten"]
    note = done if overwritten and len(overwritten) == len(report.conflicts) else keep
    rows = []
    for c in report.conflicts:
        who = f"（{fmt.esc(c.editor)}）" if c.editor else ""
        outcome = {"overwritten": "已按审阅稿覆盖", "kept": "保留浏览器中的文字", None: ""}.get(c.applied, c.applied)
        outcome = f" → {fmt.esc(outcome)}" if outcome else ""
        rows.append(
            f"<tr><th colspan=\"3\">导出后已在浏览器中修改{who}：{fmt.esc(c.title)} · {FIELD_NAMES.get(c.field, fmt.esc(c.field))}"
            f"{outcome}</th></tr>"
            "<tr>" + "".join(f'<td style="white-space:pre-wrap">{fmt.esc(t)}</td>' for t in (c.exported, c.current, c.partner))
            + "</tr>"
            f'<tr><td colspan="3" class="dz-diff">{fmt.diff_html(c.current, c.partner, edit_opcodes)}</td></tr>'
        )
    base = "导出时（基准未知：审阅稿原稿）" if not report.base_known else "导出时"
    return (f'<div class="dz-dup" role="alert"><b>⚠ {len(report.conflicts)} 处冲突：</b>{note}'
            f'<table class="dz-conflict"><tr><th>{base}</th><th>浏览器中（现存）</th><th>审阅稿</th></tr>'
            + "".join(rows) + "</table></div>")


def _deleted_note(applied: str | None) -> str:
    """What became of a deleted item on 确认写回: moved out (restorable), or why it was kept."""
    if not applied:
        return ""
    if applied == "removed":
        return '<span class="dz-ok"> → 已移出本期（可恢复）</span>'
    return f" → {fmt.esc(applied)}"


def removed_choices(services: Services, issue_id: str | None) -> list[tuple[str, str]]:
    """(label, draft id) of the items moved out of an issue, for the restore picker."""
    if not issue_id or not services.reviews.exists(issue_id):
        return []
    return [(f"#{i.draft_id} [{i.section}] {i.title[:40]}（{i.removed_by or ''}）", str(i.draft_id))
            for i in services.reviews.get_issue(issue_id).removed]


def restore(services: Services, issue_id: str, picked: str | None, actor: str | None) -> tuple[str, list[tuple[str, str]]]:
    """Put a moved-out item back into its issue; a note and the picker's remaining choices."""
    if not picked or not str(picked).isdigit():
        raise ValidationError("请先在「已移出本期的条目」中选择要恢复的条目")
    issue = services.reviews.restore_item(issue_id, int(picked), actor=actor)
    item = issue.item(int(picked))
    note = f'<p class="dz-ok">已恢复到本期：#{item.draft_id} {fmt.esc(item.title)}（回到原来的位置）</p>'
    return note, removed_choices(services, issue_id)


def _issue_id(typed: str, current: Any) -> str:
    issue = (typed or "").strip() or (current if isinstance(current, str) else "")
    if not issue:
        raise ValidationError("请先运行批量起草，或填写期次编号（批次编号）")
    return issue


def build_review_word(services: Services, issue_state: gr.State, issue_title: gr.Textbox, period: gr.Textbox,
                      editors: gr.Textbox, table: gr.Dataframe | None = None,
                      rows: Callable[[str], Any] | None = None) -> dict[str, Any]:
    """An accordion inside the batch tab; returns its components by name.

    ``table`` and ``rows`` (issue id → table rows): the batch tab's item table, refreshed after 确认写回 and 恢复到本期
    when the issue written to is the one it shows (items moved out or reordered must not linger there).
    """
    settings = services.settings
    with gr.Accordion("Word 审阅：导出修订稿 · 导入审阅稿", open=False, elem_id="dz-word-review"):
        with gr.Row():
            issue_box = gr.Textbox("", label="期次编号（空 = 当前批次）", scale=2)
            editor = gr.Textbox("", label="修订作者（空 = 每条的最后修改人）", scale=1)
            tracked = gr.Checkbox(True, label="带修订痕迹：显示编辑对机器草稿的修改", scale=2)
            export_btn = gr.Button("导出 Word 审阅稿", elem_id="dz-word-export", scale=1)
        exported = gr.File(label="审阅稿下载", interactive=False, elem_id="dz-word-download")
        with gr.Row():
            upload = gr.File(label="上传审阅后的 Word（.docx）", file_types=[".docx"], type="filepath",
                             elem_id="dz-word-upload", scale=3)
            with gr.Column(scale=2):
                view = gr.Radio(VIEW_CHOICES, value="accepted", label="未处理的修订")
                overwrite = gr.Checkbox(False, label="以审阅稿为准，覆盖浏览器中的修改（导出后在浏览器中改过的栏目）",
                                        elem_id="dz-word-overwrite")
                read_btn = gr.Button("读取审阅稿", elem_id="dz-word-read")
                apply_btn = gr.Button("确认写回（保存修改、更新语料库）", variant="primary", elem_id="dz-word-apply")
        report = gr.HTML(elem_id="dz-word-report")
        with gr.Row():
            removed = gr.Dropdown([], label="已移出本期的条目（审阅稿中删除的，可恢复）", elem_id="dz-word-removed", scale=3)
            restore_btn = gr.Button("恢复到本期", elem_id="dz-word-restore", scale=1)

    @guarded(1)
    def export(review: Any, typed: str, title: str, per: str, eds: str, who: str, with_revisions: bool) -> str:
        issue = _issue_id(typed, review)
        name = re.sub(r"[\\/:*?\"<>|\s]+", "_", f"{title}{per}{'-修订' if with_revisions else ''}") or "issue"
        path = settings.data_dir / "batches" / issue / f"{name}.docx"
        export_issue(services, issue, path, tracked=with_revisions, title=title.strip() or None,
                     period=per.strip() or None, editors=eds.strip() or None, editor=who.strip() or None)
        return str(path)

    def run(path: str | None, review: Any, typed: str, chosen: str, force: bool, seen: Any, request: gr.Request,
            apply: bool) -> tuple[str, Any, Any, list[Any], Any]:
        if not path:
            raise ValidationError("请先上传审阅后的 Word 文件（.docx）")
        issue = (typed or "").strip() or None
        # 以审阅稿为准 overwrites only the conflicts of the report on screen (``seen``), with the browser text shown
        # there: a browser save after 读取 is refused and named in the report, not replaced.
        result = import_review(services, Path(path), issue_id=issue, view=chosen, apply=apply,  # type: ignore[arg-type]
                               actor=getattr(request, "username", None), overwrite=bool(force) and apply,
                               seen=[tuple(k) for k in seen or []])
        if apply:
            moved_out = sum(1 for d in result.deleted if d.get("applied") == "removed")
            left = sum(1 for c in result.conflicts if c.applied != "overwritten")
            gr.Info(f"已写回 {len(result.changed())} 条修改，移出 {moved_out} 条"
                    + ("，已调整顺序" if result.order_applied else "") + (f"，{left} 处冲突未写回" if left else ""), title="消息")
        return (report_html(result), review, gr.update(choices=removed_choices(services, result.issue), value=None),
                conflict_keys(result), gr.update(value=False) if apply else gr.skip())

    @guarded(5)
    def read_review(path: str | None, review: Any, typed: str, chosen: str, force: bool, seen: Any,
                    request: gr.Request) -> tuple[str, Any, Any, list[Any], Any]:
        return run(path, review, typed, chosen, force, seen, request, apply=False)

    @guarded(5)
    def write_back(path: str | None, review: Any, typed: str, chosen: str, force: bool, seen: Any,
                   request: gr.Request) -> tuple[str, Any, Any, list[Any], Any]:
        return run(path, review, typed, chosen, force, seen, request, apply=True)

    def new_upload(_: Any) -> tuple[list[Any], Any]:
        return [], gr.update(value=False)  # another file: nothing of it seen yet, nothing to overwrite

    @guarded(2)
    def restore_picked(review: Any, typed: str, picked: str | None, request: gr.Request) -> tuple[str, Any]:
        issue = _issue_id(typed, review)
        note, choices = restore(services, issue, picked, getattr(request, "username", None))
        return note, gr.update(choices=choices, value=None)

    meta = [issue_state, issue_box, issue_title, period, editors, editor, tracked]
    export_btn.click(export, meta, exported)
    seen = gr.State([])  # the conflicts of the report on screen (conflict_keys): what 以审阅稿为准 may overwrite
    inputs, outputs = [upload, issue_state, issue_box, view, overwrite, seen], [report, issue_state, removed, seen, overwrite]
    read_btn.click(read_review, inputs, outputs)
    applied = apply_btn.click(write_back, inputs, outputs)
    upload.change(new_upload, upload, [seen, overwrite])
    restored = restore_btn.click(restore_picked, [issue_state, issue_box, removed], [report, removed])
    if table is not None and rows is not None:
        def refresh(current: Any, typed: str) -> Any:
            shown = current if isinstance(current, str) else ""
            return rows(shown) if shown and (typed or "").strip() in ("", shown) else gr.skip()

        for event in (applied, restored):
            event.then(refresh, [issue_state, issue_box], [table])
    return {"word_export": export_btn, "word_download": exported, "word_upload": upload, "word_read": read_btn,
            "word_apply": apply_btn, "word_report": report, "word_tracked": tracked, "word_issue": issue_box,
            "word_removed": removed, "word_restore": restore_btn, "word_overwrite": overwrite}

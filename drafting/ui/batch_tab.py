"""批量: upload an item list, watch the drafts come in, review the issue item by item, export or publish."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import gradio as gr

from drafting.batch import BatchReport, IssueReview, run_batch
from drafting.batch_input import SUFFIXES, prepare_sources, read_items
from drafting.errors import ValidationError
from drafting.export import export_docx, export_markdown
from drafting.services import Services
from drafting.ui import format as fmt
from drafting.ui.app import UIContext, guarded
from drafting.ui.review_word import build_review_word

logger = logging.getLogger(__name__)

TAB_ID = "batch"
TAB_LABEL = "批量"
HEADERS = ["序号", "栏目", "标题", "短评", "采纳"]


def report_html(report: BatchReport) -> str:
    """Counts, rejected rows, failures and duplicates of a run."""
    s = report.summary()
    head = (
        f"<p><b>完成 {s['done']}/{s['total']} 条</b>（续用 {s['resumed']}，新起草 {s['drafted']}，失败 {s['failed']}，"
        f"未开始 {s['pending']}），用时 {s['elapsed_s']} 秒。批次：<code>{fmt.esc(report.batch_id)}</code></p>"
    )
    parts = [head]
    if report.stopped:
        parts.append(f'<div class="dz-dup" role="alert">{fmt.esc(report.stopped)}</div>')
    for label, lines in (("跳过的行", s["rejected_rows"]), ("失败（勾选续跑后再次运行可重试）", s["failures"]), ("疑似重复", s["duplicates"])):
        if lines:
            rows = "".join(f"<li>{fmt.esc(line)}</li>" for line in lines)
            parts.append(f'<div class="dz-findings"><b>{label}（{len(lines)}）</b><ul>{rows}</ul></div>')
    return "".join(parts)


def table_rows(review: IssueReview | None) -> list[list[object]]:
    """One row per item in print order."""
    if review is None:
        return []
    return [
        [n, e.section, e.title, (e.commentary[:40] + "…") if len(e.commentary) > 40 else e.commentary, "✓" if e.accepted else ""]
        for n, e in enumerate(review.ordered(), 1)
    ]


def _export_name(review: IssueReview) -> str:
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", f"{review.title}{review.period}") or "issue"


def build(ctx: UIContext) -> None:
    """Lay out the batch tab and register its components for other tabs and tests."""
    ctx.add(**build_batch_tab(ctx.services))


def build_batch_tab(services: Services) -> dict[str, Any]:
    """The tab's components and events inside the current gr.Blocks; returns the components by name."""
    settings = services.settings
    review_state = gr.State(None)
    current = gr.State(None)
    with gr.Row(equal_height=False):
        upload = gr.File(label="条目清单：JSON/JSONL、CSV/XLSX（栏目、标题、日期、正文、原文、来源）、Markdown、Word 笔记",
                         file_types=list(SUFFIXES), type="filepath", elem_id="dz-batch-file", scale=3)
        with gr.Column(scale=2):
            with gr.Row():
                concurrency = gr.Number(settings.batch.concurrency, label="并发数", precision=0, minimum=1, maximum=32)
                rpm = gr.Number(settings.batch.rpm, label="每分钟请求上限（0 = 不限）", precision=0, minimum=0)
            with gr.Row():
                offline = gr.Checkbox(not settings.llm.configured, label="离线起草")
                all_sections = gr.Checkbox(False, label="所有栏目都写短评")
                resume = gr.Checkbox(True, label="续跑：保留已完成的草稿")
            run_btn = gr.Button("开始批量起草", variant="primary", elem_id="dz-batch-run")
    report = gr.HTML(elem_id="dz-batch-report")
    with gr.Row():
        issue_title = gr.Textbox("元宇宙/Web3 月刊", label="刊名", scale=2)
        period = gr.Textbox("", label="期数（如 2023年第10期）", scale=2)
        editors = gr.Textbox("", label="本期执行编辑（空 = 模板默认）", scale=2)
    with gr.Row(equal_height=False):
        with gr.Column(scale=2):
            table = gr.Dataframe(headers=HEADERS, datatype=["number", "str", "str", "str", "str"], interactive=False,
                                 wrap=True, column_widths=["8%", "14%", "38%", "32%", "8%"], max_height=560,
                                 elem_id="dz-batch-table")
            with gr.Row():
                up_btn = gr.Button("上移", size="sm")
                down_btn = gr.Button("下移", size="sm")
        with gr.Column(scale=3):
            item_title = gr.Textbox(label="标题", elem_id="dz-batch-title")
            item_body = gr.Textbox(label="正文", lines=6, elem_id="dz-batch-body")
            item_comm = gr.Textbox(label="植德短评", lines=5, elem_id="dz-batch-commentary")
            with gr.Row():
                accepted = gr.Checkbox(False, label="采纳本条短评")
                save_btn = gr.Button("保存本条", variant="primary", elem_id="dz-batch-save")
            findings = gr.HTML()
            precedents = gr.HTML()
    with gr.Row():
        docx_btn = gr.Button("导出 Word", elem_id="dz-batch-docx")
        md_btn = gr.Button("导出 Markdown", elem_id="dz-batch-md")
        publish_btn = gr.Button("定稿并发布到语料库", variant="stop", elem_id="dz-batch-publish")
    download = gr.File(label="下载", interactive=False, elem_id="dz-batch-download")
    word = build_review_word(services, review_state, issue_title, period, editors)

    @guarded(6)
    def run(path: str | None, conc: float, limit: float, off: bool, every: bool, again: bool,
            progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008 - gradio's idiom
        if not path:
            raise ValidationError("请先上传条目清单文件")
        batch = read_items(Path(path))
        batch = prepare_sources(batch, services.settings.sources, services.settings.sources_cache_path)  # 来源/链接-only rows
        progress((0, len(batch.entries)), desc="起草中")

        def tick(p: Any) -> None:
            progress((p.done + p.failed, p.total), desc=f"起草中：{p.result.label[:20]}")

        result = run_batch(services, batch, concurrency=int(conc or 1), rpm=int(limit or 0), resume=again,
                           offline=off, all_sections=every, progress=tick)
        review = IssueReview.from_report(result)
        return review, report_html(result), table_rows(review), review.period, None, ""

    @guarded(7)
    def select(review: IssueReview | None, evt: gr.SelectData) -> tuple[Any, ...]:
        if review is None:
            raise ValidationError("请先运行批量起草")
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        entry = review.ordered()[int(row)]
        draft = entry.draft
        dup = "".join(f"<li>{fmt.esc(t)}</li>" for t in entry.duplicates)
        prec = (f'<div class="dz-dup" role="alert"><b>⚠ 疑似重复：语料库中已有</b><ul>{dup}</ul></div>' if dup else "")
        prec += fmt.precedents_html(draft.precedents, []) if draft else '<p class="dz-empty">此条未经起草（非政策条目）。</p>'
        return (entry.key, entry.title, entry.body, entry.commentary, entry.accepted,
                fmt.findings_html(draft.findings) if draft else "", prec)

    @guarded(2)
    def save(review: IssueReview | None, key: str | None, title: str, body: str, comm: str, ok: bool) -> tuple[Any, ...]:
        if review is None or key is None:
            raise ValidationError("请先在列表中选择一条")
        review.edit(key, title=title, body=body, commentary=comm, accepted=ok)
        gr.Info("已保存本条")
        return review, table_rows(review)

    def mover(delta: int):
        @guarded(2)
        def move(review: IssueReview | None, key: str | None) -> tuple[Any, ...]:
            if review is None or key is None:
                raise ValidationError("请先在列表中选择一条")
            review.move(key, delta)
            return review, table_rows(review)
        return move

    def exporter(kind: str):
        @guarded(1)
        def export(review: IssueReview | None, title: str, per: str, eds: str) -> str:
            if review is None or not review.entries:
                raise ValidationError("还没有可导出的条目：请先运行批量起草")
            review.title, review.period, review.editors = title.strip(), per.strip(), eds.strip() or None
            issue = review.assemble(settings.prompts_dir)
            folder = settings.data_dir / "batches" / review.batch_id
            path = folder / f"{_export_name(review)}.{kind}"
            (export_docx if kind == "docx" else export_markdown)(issue, path)
            return str(path)
        return export

    @guarded(1)
    def publish(review: IssueReview | None, title: str, per: str, eds: str) -> str:
        if review is None or not review.entries:
            raise ValidationError("还没有可发布的条目：请先运行批量起草")
        review.title, review.period, review.editors = title.strip(), per.strip(), eds.strip() or None
        path = review.publish(services)
        n = sum(1 for e in review.entries if e.accepted)
        gr.Info(f"已发布 {len(review.entries)} 条（采纳短评 {n} 条）到语料库并更新索引：{fmt.esc(path.name)}")
        return report_html_published(path)

    run_btn.click(run, [upload, concurrency, rpm, offline, all_sections, resume],
                  [review_state, report, table, period, current, findings])
    table.select(select, [review_state], [current, item_title, item_body, item_comm, accepted, findings, precedents])
    save_btn.click(save, [review_state, current, item_title, item_body, item_comm, accepted], [review_state, table])
    up_btn.click(mover(-1), [review_state, current], [review_state, table])
    down_btn.click(mover(1), [review_state, current], [review_state, table])
    meta = [review_state, issue_title, period, editors]
    docx_btn.click(exporter("docx"), meta, download)
    md_btn.click(exporter("md"), meta, download)
    publish_btn.click(publish, meta, report)
    return {"batch_file": upload, "batch_run": run_btn, "batch_table": table, "batch_report": report,
            "batch_download": download, "batch_state": review_state, **word}


def report_html_published(path: Path) -> str:
    """The note shown after publishing."""
    return f'<div class="dz-ok">✓ 本期已定稿并加入语料库：<code>{fmt.esc(path)}</code></div>'

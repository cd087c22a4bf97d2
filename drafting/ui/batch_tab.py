"""批量: upload an item list, watch the drafts come in, review the issue item by item, export or publish.

The issue under review is an issue in progress (drafting/issues/review.py): every edit, tick, reorder and the
period/title/editors are saved in SQLite as they happen, so a reload, a restart or another browser reopens it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from drafting.autosave import ANONYMOUS, PageEdit, save_from_page
from drafting.errors import ConflictError, ValidationError
from drafting.export import export_docx, export_markdown
from drafting.export.pdf import export_pdf, has_libreoffice
from drafting.export.wechat import export_wechat
from drafting.issues.batch_input import SUFFIXES, prepare_sources, read_items
from drafting.issues.batch_report import BatchReport
from drafting.issues.in_progress import IssueInProgress, export_name
from drafting.issues.publish import publish_issue, run_batch
from drafting.issues.review import actor_name
from drafting.services import Services
from drafting.ui import format as fmt
from drafting.ui import leave_guard
from drafting.ui import review_format as rfmt
from drafting.ui.app import UIContext, guarded
from drafting.ui.review_word import build_review_word

logger = logging.getLogger(__name__)

TAB_ID = "batch"
ISSUE_PARAM = "issue"  # batch?issue=<id> opens that issue (收件箱's 加入本期 links here)
TAB_LABEL = "批量"
HEADERS = rfmt.BATCH_HEADERS


def report_html(report: BatchReport) -> str:
    """Counts, rejected rows, failures and duplicates of a run; the counts add up to the total."""
    s = report.summary()
    head = (
        f"<p><b>完成 {s['done']}/{s['total']} 条</b>（续用 {s['resumed']}，新起草 {s['drafted']}，原样收录 {s['given']}；"
        f"失败 {s['failed']}，未开始 {s['pending']}），用时 {s['elapsed_s']} 秒。批次：<code>{fmt.esc(report.batch_id)}</code></p>"
    )
    parts = [head]
    if report.stopped:
        parts.append(f'<div class="dz-dup" role="alert">{fmt.esc(report.stopped)}</div>')
    for label, lines in (("跳过的行", s["rejected_rows"]), ("失败（勾选续跑后再次运行可重试）", s["failures"]), ("疑似重复", s["duplicates"]),
                         ("缺少同类先例", s["precedent_gaps"])):
        if lines:
            rows = "".join(f"<li>{fmt.esc(line)}</li>" for line in lines)
            parts.append(f'<div class="dz-findings"><b>{label}（{len(lines)}）</b><ul>{rows}</ul></div>')
    return "".join(parts)


def table_rows(issue: IssueInProgress | None) -> list[list[object]]:
    """One row per item in print order."""
    return rfmt.batch_rows(issue)


def _user(request: gr.Request | None) -> str:
    return actor_name(getattr(request, "username", None) if request is not None else None)


def _place(issue: Any, section: str, draft_id: int) -> tuple[int, int]:
    """An item's position within its section (1-based) and the section's item count: 上移/下移 work within a section."""
    same = [i.draft_id for i in issue.items if i.section == section]
    return same.index(draft_id) + 1, len(same)


def build(ctx: UIContext) -> None:
    """Lay out the batch tab and register its components for other tabs and tests."""
    ctx.add(**build_batch_tab(ctx.services, ctx.on_load))


def build_batch_tab(services: Services, on_page_load: Callable[..., None] | None = None) -> dict[str, Any]:
    """The tab's components and events inside the current gr.Blocks; returns the components by name.

    on_page_load registers what the tab fills in when the page loads (UIContext.on_load)."""
    settings = services.settings
    reviews = services.reviews
    login = bool(settings.server.users)
    issue_id = gr.State(None)
    with gr.Row():
        picker = gr.Dropdown([], label="进行中的期刊（刷新页面或重启后从这里继续）", scale=4, elem_id="dz-batch-issues")
        open_btn = gr.Button("打开", scale=1, elem_id="dz-batch-open")
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
        issue_title = gr.Textbox("元宇宙/Web3 月刊", label="刊名", scale=2, elem_id="dz-batch-issue-title")
        period = gr.Textbox("", label="期数（如 2023年第10期）", placeholder="例如 2023年第10期", scale=2, elem_id="dz-batch-period")
        editors = gr.Textbox("", label="本期执行编辑（空 = 模板默认）", scale=2, elem_id="dz-batch-editors")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2):
            table = gr.Dataframe(headers=HEADERS, datatype=["number", "str", "str", "str", "str", "str", "str", "str"],
                                 interactive=False, wrap=True, column_widths=["7%", "12%", "32%", "25%", "6%", "9%", "9%"],
                                 max_height=560, elem_id="dz-batch-table")
            with gr.Row():
                up_btn = gr.Button("上移", size="sm", elem_id="dz-batch-up")
                down_btn = gr.Button("下移", size="sm", elem_id="dz-batch-down")
        with gr.Column(scale=3):
            with gr.Group(visible=False) as conflict_box:
                conflict_out = gr.HTML(elem_id="dz-batch-conflict")
                with gr.Row():
                    reload_btn = gr.Button("载入最新版本", size="sm", elem_id="dz-batch-conflict-reload")
                    keep_btn = gr.Button("保留我的文字为新版本", size="sm", variant="primary", elem_id="dz-batch-conflict-keep")
            item_title = gr.Textbox(label="标题", elem_id="dz-batch-title")
            item_body = gr.Textbox(label="正文", lines=6, elem_id="dz-batch-body")
            item_comm = gr.Textbox(label="植德短评", lines=5, elem_id="dz-batch-commentary")
            with gr.Row():
                accepted = gr.Checkbox(False, label="采纳本条短评", elem_id="dz-batch-tick")
                save_btn = gr.Button("保存本条", variant="primary", elem_id="dz-batch-save")
                review_btn = gr.Button("审核通过", elem_id="dz-batch-review")
            status = gr.Markdown("", elem_id="dz-batch-status")
            findings = gr.HTML()
            precedents = gr.HTML()
    # The selected item's draft id and the version this page loaded live in the browser, like the draft tab's.
    cur_id = gr.Textbox("", visible=False, elem_id="dz-batch-draft-id")
    cur_version = gr.Textbox("", visible=False, elem_id="dz-batch-version")
    # "token:seq" of this page's edit (leave_guard's batch guard): the save on closing the tab is ordered after it.
    page_seq = gr.Textbox("", visible=False, elem_id="dz-batch-page-seq")
    conflict_version = gr.State(None)
    with gr.Row():
        docx_btn = gr.Button("导出 Word", elem_id="dz-batch-docx")
        md_btn = gr.Button("导出 Markdown", elem_id="dz-batch-md")
        pdf_btn = gr.Button("导出 PDF", elem_id="dz-batch-pdf")
        wechat_btn = gr.Button("导出公众号 HTML", elem_id="dz-batch-wechat")
        acceptors = gr.Checkbox(False, label="导出时列出每条的采纳人", elem_id="dz-batch-acceptors")
        publish_btn = gr.Button("定稿并发布到语料库", variant="stop", elem_id="dz-batch-publish")
        confirm_btn = gr.Button("仍然发布（含未审核条目）", variant="stop", visible=False, elem_id="dz-batch-publish-confirm")
    download = gr.File(label="下载", interactive=False, elem_id="dz-batch-download")
    word = build_review_word(services, issue_id, issue_title, period, editors, table,
                             lambda iid: table_rows(reviews.get_issue(iid)))

    def picker_update(selected: str | None) -> Any:
        return gr.update(choices=rfmt.issue_choices(reviews.list_issues()), value=selected)

    def meta_updates(issue: IssueInProgress) -> tuple[Any, Any, Any]:
        # What the editor typed is the value; the computed period is only the placeholder.
        hint = f"建议：{issue.suggested_period}" if issue.suggested_period else "例如 2023年第10期"
        return issue.title, gr.update(value=issue.period, placeholder=hint), issue.editors

    def _id(value: Any) -> int | None:
        text = str(value or "").strip()
        return int(text) if text.isdigit() else None

    clear_editor = ("", "", "", "", "", False, "", "", "", gr.update(visible=False))

    def open_issue(iid: str | None) -> tuple[Any, ...]:
        if not iid:
            return (None, gr.skip(), [], gr.skip(), gr.skip(), gr.skip(), *clear_editor)
        issue = reviews.get_issue(iid)
        note = (f'<p>已打开进行中的期刊 <code>{fmt.esc(issue.id)}</code>：{len(issue.items)} 条，'
                f"最后修改 {fmt.esc(fmt.local_time(issue.updated_at))}（{fmt.esc(issue.updated_by or '')}）。</p>")
        return (issue.id, note, table_rows(issue), *meta_updates(issue), *clear_editor)

    open_outputs = [issue_id, report, table, issue_title, period, editors,
                    cur_id, cur_version, item_title, item_body, item_comm, accepted, findings, precedents, status,
                    conflict_box]

    @guarded(len(open_outputs))
    def on_open(iid: str | None) -> tuple[Any, ...]:
        if not iid:
            raise ValidationError("请先在「进行中的期刊」中选择一期")
        return open_issue(iid)

    def on_load(request: gr.Request | None = None) -> tuple[Any, ...]:
        """The issue the address names (?issue=, a link from 收件箱), else after a reload or a restart the most recent
        unpublished one."""
        issues = reviews.list_issues()
        latest = next((i.id for i in issues if not i.published_at), None)
        asked = request.query_params.get(ISSUE_PARAM) if request is not None else None
        if asked and any(i.id == asked for i in issues):
            latest = asked
        elif asked:
            opened = "，已打开最近一期进行中的期刊" if latest else ""
            gr.Warning(f"未找到期刊「{fmt.esc(asked[:60])}」{opened}。", title="提示")
        # The item editor is empty on a new page: clearing it again fired three autosaves per load (issue #28).
        issue_part = open_issue(latest)[: len(open_outputs) - len(clear_editor)]
        return (gr.update(choices=rfmt.issue_choices(issues), value=latest), *issue_part, *(gr.skip() for _ in clear_editor))

    @guarded(6)
    def run(path: str | None, conc: float, limit: float, off: bool, every: bool, again: bool, title: str, per: str,
            eds: str, request: gr.Request, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not path:
            raise ValidationError("请先上传条目清单文件")
        batch = read_items(Path(path))
        batch = prepare_sources(batch, services.settings.sources, services.settings.sources_cache_path)  # 来源/链接-only rows
        progress((0, len(batch.entries)), desc="起草中")

        def tick(p: Any) -> None:
            progress((p.done + p.failed, p.total), desc=f"起草中：{p.result.label[:20]}")

        who = _user(request)
        result = run_batch(services, batch, concurrency=int(conc or 1), rpm=int(limit or 0), resume=again,
                           offline=off, all_sections=every, progress=tick, actor=who)
        # What the editor typed before running is kept; empty fields keep what the issue already had.
        issue = reviews.set_meta(result.batch_id, title=title.strip() or None, period=per.strip() or None,
                                 editors=eds.strip() or None, actor=who)
        hint = f"建议：{issue.suggested_period}" if issue.suggested_period else "例如 2023年第10期"
        return (issue.id, report_html(result), table_rows(issue), gr.update(placeholder=hint), picker_update(issue.id), "")

    def show_item(issue: IssueInProgress, draft_id: int, note: str) -> tuple[Any, ...]:
        it = issue.item(draft_id)
        draft = it.machine
        dup = "".join(f"<li>{fmt.esc(t)}</li>" for t in it.duplicates)
        prec = (f'<div class="dz-dup" role="alert"><b>⚠ 疑似重复：语料库中已有</b><ul>{dup}</ul></div>' if dup else "")
        prec += fmt.precedents_html(draft.precedents, []) if it.drafted else '<p class="dz-empty">此条未经起草（非政策条目）。</p>'
        return (str(it.draft_id), str(it.version), it.title, it.body, it.commentary, it.ticked,
                fmt.findings_html(draft.findings) if it.drafted else "", prec, note, gr.update(visible=False))

    item_outputs = [cur_id, cur_version, item_title, item_body, item_comm, accepted, findings, precedents, status,
                    conflict_box]

    @guarded(len(item_outputs))
    def select(iid: str | None, evt: gr.SelectData) -> tuple[Any, ...]:
        if not iid:
            raise ValidationError("请先运行批量起草，或在「进行中的期刊」中打开一期")
        issue = reviews.get_issue(iid)
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        it = issue.items[int(row)]
        who = f"，最后由 {it.updated_by} 修改" if it.updated_by else ""
        return show_item(issue, it.draft_id, f"草稿 #{it.draft_id} · {it.state_label} · 第 {it.version} 版{fmt.esc(who)}")

    save_outputs = [table, cur_version, status, conflict_box, conflict_out, conflict_version, page_seq]

    def do_save(iid: str | None, did: Any, ver: Any, title: str, body: str, comm: str, ok: bool, request: gr.Request | None,
                *, explicit: bool, force_version: int | None = None, page: PageEdit = ANONYMOUS) -> tuple[Any, ...]:
        draft_id = _id(did)
        if not iid or draft_id is None:
            if explicit:
                raise ValidationError("请先在列表中选择一条")
            return tuple(gr.skip() for _ in save_outputs)
        expected = force_version if force_version is not None else _id(ver)
        who = _user(request)
        saved_seq = f"{page.token}:{page.seq}" if page.token else gr.skip()
        try:
            if not (title or "").strip() or not (body or "").strip():
                raise ValidationError("标题和正文不能为空：请补全后再保存")
            if services.store.get(draft_id).status == "accepted" and not (comm or "").strip():
                if not explicit:  # mid-edit of an accepted item: nothing saved until the 短评 is back
                    return tuple(gr.skip() for _ in save_outputs)
                raise ValidationError("已采纳的草稿不能清空标题或短评：请补全后继续（语料库中仍是上次采纳的文字）。")
            # The text goes through the page-ordered save (drafting/autosave.py), as the 起草 editor's does: a save
            # sent when the tab closes then lands after this one, never as a conflict with it. An accepted item
            # is re-accepted there, so 语料库 and the issue agree.
            outcome = save_from_page(services, draft_id, title=title, body=body, commentary=comm or "",
                                     expected_version=expected, actor=who, page=page, force=force_version is not None)
            if outcome.stale:  # an older edit of this page arriving after a newer one: nothing to do
                return tuple(gr.skip() for _ in save_outputs)
            it = reviews.save_item(iid, draft_id, title=title, body=body, commentary=comm or "", ticked=bool(ok),
                                   expected_version=None, actor=who)
        except ConflictError as exc:
            yours = {"title": title or "", "body": body or "", "commentary": comm or ""}
            return (gr.skip(), gr.skip(), f"✗ 未保存：草稿 #{draft_id} 已在别处被修改，见上方对比", gr.update(visible=True),
                    rfmt.conflict_html(exc, yours), exc.stored_version, gr.skip())
        if explicit:
            gr.Info("已保存本条", title="消息")
        note = f"已自动保存草稿 #{it.draft_id}（第 {it.version} 版，{it.state_label}，{fmt.local_time(it.updated_at)}）"
        return (table_rows(reviews.get_issue(iid)), str(it.version), note, gr.update(visible=False), "", None, saved_seq)

    @guarded(len(save_outputs))
    def autosave(iid: str | None, did: Any, ver: Any, title: str, body: str, comm: str, ok: bool, seq: Any,
                 request: gr.Request) -> tuple[Any, ...]:
        page = PageEdit.parse(seq)
        if not (title or "").strip() or not (body or "").strip() or not iid or _id(did) is None:
            return tuple(gr.skip() for _ in save_outputs)  # mid-edit: an empty box is not saved, nor refused yet
        it = reviews.get_issue(iid).item(_id(did) or 0)
        if (it.title, it.body, it.commentary, it.ticked, str(it.version)) == (title, body, comm or "", bool(ok), str(ver)):
            # the page shows what is stored (just selected): confirmed, so leaving does not warn
            return (*(gr.skip() for _ in save_outputs[:-1]), f"{page.token}:{page.seq}" if page.token else gr.skip())
        return do_save(iid, did, ver, title, body, comm, ok, request, explicit=False, page=page)

    @guarded(len(save_outputs))
    def save(iid: str | None, did: Any, ver: Any, title: str, body: str, comm: str, ok: bool,
             request: gr.Request) -> tuple[Any, ...]:
        return do_save(iid, did, ver, title, body, comm, ok, request, explicit=True)

    @guarded(len(save_outputs))
    def keep_mine(iid: str | None, did: Any, title: str, body: str, comm: str, ok: bool, theirs: int | None,
                  request: gr.Request) -> tuple[Any, ...]:
        if theirs is None:
            raise ValidationError("没有待解决的冲突")
        return do_save(iid, did, None, title, body, comm, ok, request, explicit=True, force_version=int(theirs))

    @guarded(len(item_outputs))
    def reload_item(iid: str | None, did: Any) -> tuple[Any, ...]:
        if not iid or _id(did) is None:
            raise ValidationError("请先在列表中选择一条")
        return show_item(reviews.get_issue(iid), _id(did) or 0, "已载入最新版本")

    @guarded(3)
    def review(iid: str | None, did: Any, request: gr.Request) -> tuple[Any, ...]:
        if not iid or _id(did) is None:
            raise ValidationError("请先在列表中选择一条")
        stored = reviews.review(_id(did) or 0, actor=_user(request), login=login)
        gr.Info(f"草稿 #{stored.id} 已审核（{stored.reviewed_by}）", title="消息")
        return table_rows(reviews.get_issue(iid)), str(stored.version), f"✓ 草稿 #{stored.id} 已审核（{fmt.esc(stored.reviewed_by)}）"

    def mover(delta: int):
        @guarded(2)
        def move(iid: str | None, did: Any, request: gr.Request) -> tuple[Any, ...]:
            if not iid or _id(did) is None:
                raise ValidationError("请先在列表中选择一条")
            section = reviews.get_issue(iid).item(_id(did) or 0).section
            before = _place(reviews.get_issue(iid), section, _id(did) or 0)
            issue = reviews.move(iid, _id(did) or 0, delta, actor=_user(request))
            n, count = _place(issue, section, _id(did) or 0)
            if (n, count) == before:  # nothing moved: say why, not a position that did not change
                why = "只有这一条" if count == 1 else ("第一条" if delta < 0 else "最后一条") + "，已到头"
                return gr.skip(), f"草稿 #{did} 是「{section}」栏目的{why}：顺序未变"
            return table_rows(issue), f"已移动草稿 #{did}：现为「{section}」栏目第 {n} 条（共 {count} 条）"
        return move

    @guarded(1)
    def save_meta(iid: str | None, title: str, per: str, eds: str, request: gr.Request) -> Any:
        if not iid:
            return gr.skip()
        issue = reviews.set_meta(iid, title=title, period=per, editors=eds, actor=_user(request))
        return f"已保存本期信息：{fmt.esc(issue.title)} {fmt.esc(issue.period or '（期数未填）')}（{fmt.local_time(issue.updated_at)}）"

    def exporter(kind: str):
        @guarded(1)
        def export(iid: str | None, title: str, per: str, eds: str, with_names: bool, request: gr.Request) -> str:
            if not iid:
                raise ValidationError("还没有可导出的条目：请先运行批量起草")
            issue = reviews.set_meta(iid, title=title, period=per, editors=eds, actor=_user(request))
            if not issue.items:
                raise ValidationError("还没有可导出的条目：请先运行批量起草")
            assembled = issue.assemble(settings.prompts_dir, with_acceptors=bool(with_names))
            name = f"{export_name(issue)}_公众号.html" if kind == "wechat" else f"{export_name(issue)}.{kind}"
            path = settings.data_dir / "batches" / issue.id / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if kind == "docx":
                # The Word 目录's page numbers come from a LibreOffice layout where it is installed; else Word fills them.
                pages = export_pdf(assembled, path.with_suffix(".pdf")) if has_libreoffice() else None
                export_docx(assembled, path, toc_pages=pages)
            else:
                {"md": export_markdown, "pdf": export_pdf, "wechat": export_wechat}[kind](assembled, path)
            return str(path)
        return export

    def do_publish(iid: str | None, title: str, per: str, eds: str, request: gr.Request | None,
                   *, confirmed: bool) -> tuple[Any, ...]:
        if not iid:
            raise ValidationError("还没有可发布的条目：请先运行批量起草")
        who = _user(request)
        issue = reviews.set_meta(iid, title=title, period=per, editors=eds, actor=who)
        if not issue.items:
            raise ValidationError("还没有可发布的条目：请先运行批量起草")
        open_items = issue.unreviewed()
        if open_items and not confirmed:
            gr.Warning(f"本期还有 {len(open_items)} 条未审核：确认无误后点「仍然发布（含未审核条目）」", title="提示")
            return (f'<div class="dz-dup" role="alert">还有 {len(open_items)} 条未审核：'
                    + "、".join(fmt.esc(i.title[:16]) for i in open_items[:8]) + "。确认发布请点「仍然发布（含未审核条目）」。</div>",
                    gr.update(visible=True), gr.skip())
        path = publish_issue(services, issue, actor=who)
        n = sum(1 for i in issue.items if i.ticked)
        gr.Info(f"已发布 {len(issue.items)} 条（采纳短评 {n} 条）到语料库并更新索引：{fmt.esc(path.name)}", title="消息")
        return report_html_published(path), gr.update(visible=False), table_rows(reviews.get_issue(iid))

    @guarded(3)
    def publish(iid: str | None, title: str, per: str, eds: str, request: gr.Request) -> tuple[Any, ...]:
        return do_publish(iid, title, per, eds, request, confirmed=False)

    @guarded(3)
    def publish_anyway(iid: str | None, title: str, per: str, eds: str, request: gr.Request) -> tuple[Any, ...]:
        return do_publish(iid, title, per, eds, request, confirmed=True)

    run_btn.click(run, [upload, concurrency, rpm, offline, all_sections, resume, issue_title, period, editors],
                  [issue_id, report, table, period, picker, cur_id])
    open_btn.click(on_open, [picker], open_outputs)
    table.select(select, [issue_id], item_outputs)
    edit_inputs = [issue_id, cur_id, cur_version, item_title, item_body, item_comm, accepted]
    # One event for the four inputs with always_last: at most one autosave per page in flight, in order.
    autosave_event = gr.on(
        [item_title.change, item_body.change, item_comm.change, accepted.change], autosave, [*edit_inputs, page_seq],
        save_outputs, trigger_mode="always_last", show_progress="hidden", concurrency_limit=None,
        js=leave_guard.BATCH_BEFORE_SAVE_JS)  # numbers the edit and remembers its text, for the save on leaving
    autosave_event.then(None, [page_seq], None, js=leave_guard.BATCH_AFTER_SAVE_JS)
    save_btn.click(save, edit_inputs, save_outputs)
    keep_btn.click(keep_mine, [issue_id, cur_id, item_title, item_body, item_comm, accepted, conflict_version], save_outputs)
    reload_btn.click(reload_item, [issue_id, cur_id], item_outputs)
    review_btn.click(review, [issue_id, cur_id], [table, cur_version, status])
    up_btn.click(mover(-1), [issue_id, cur_id], [table, status])
    down_btn.click(mover(1), [issue_id, cur_id], [table, status])
    meta = [issue_id, issue_title, period, editors]
    gr.on([issue_title.blur, period.blur, editors.blur, issue_title.submit, period.submit, editors.submit], save_meta, meta,
          status, show_progress="hidden", concurrency_limit=None)
    docx_btn.click(exporter("docx"), [*meta, acceptors], download)
    md_btn.click(exporter("md"), [*meta, acceptors], download)
    pdf_btn.click(exporter("pdf"), [*meta, acceptors], download)
    wechat_btn.click(exporter("wechat"), [*meta, acceptors], download)
    publish_btn.click(publish, meta, [report, confirm_btn, table])
    confirm_btn.click(publish_anyway, meta, [report, confirm_btn, table])
    if on_page_load is not None:
        on_page_load(on_load, None, [picker, *open_outputs], with_request=True)
    return {"batch_file": upload, "batch_run": run_btn, "batch_table": table, "batch_report": report,
            "batch_download": download, "batch_state": issue_id, "batch_picker": picker, **word}


def report_html_published(path: Path) -> str:
    """The note shown after publishing."""
    return f'<div class="dz-ok">✓ 本期已定稿并加入语料库：<code>{fmt.esc(path)}</code></div>'

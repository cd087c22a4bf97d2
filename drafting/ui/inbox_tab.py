"""收件箱: what the watch found, most relevant first; 加入本期 / 稍后 / 忽略; the watch list under 设置.

加入本期 drafts the entry as a raw row of the chosen issue in progress (drafting/watch/inbox.py), so it then appears in
批量 like any row of a list, with its link as the 来源. The navigation bar counts the new relevant entries
(drafting/ui/navbar.py); this page refreshes that count whenever it lists the entries.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlencode

import gradio as gr

from drafting.errors import ValidationError
from drafting.issues.batch_input import prepare_sources
from drafting.issues.publish import run_batch
from drafting.issues.review import actor_name
from drafting.services import Services
from drafting.ui import format as fmt
from drafting.ui import review_format as rfmt
from drafting.ui import watch_settings
from drafting.ui.app import UIContext, guarded
from drafting.ui.batch_tab import ISSUE_PARAM
from drafting.ui.batch_tab import TAB_ID as BATCH_PATH
from drafting.ui.navbar import links
from drafting.watch.entry import InboxEntry
from drafting.watch.inbox import STATUS_LABELS, add_to_issue, decide, listed, min_relevance, open_store

logger = logging.getLogger(__name__)

TAB_ID = "inbox"
TAB_LABEL = "收件箱"
HEADERS = ["编号", "相关度", "日期", "标题", "来源", "画像", "理由", "状态"]
VIEWS = [("新条目", "new"), ("已有（往期或本期已收）", "held"), ("稍后", "later"), ("已忽略", "ignored"), ("已加入本期", "added"),
         ("全部", "all")]
NEW_ISSUE = "__new__"
PROFILE_LABELS = {"kind": "类型", "stance": "立场", "issuer": "发布主体", "level": "层级"}


def profile_text(entry: InboxEntry) -> str:
    """Section and the profile's kind, stance, issuer and level, as one short line."""
    parts = [entry.scored.section or "栏目未定"]
    for key, label in PROFILE_LABELS.items():
        value = entry.scored.profile.get(key)
        if value:
            parts.append(f"{label}：{value}")
    return " · ".join(parts)


def source_names(entry: InboxEntry, names: dict[str, str]) -> str:
    """The watch-list names of the sites that listed the entry."""
    return "、".join(names.get(s, s) for s in entry.sources) or "—"


def rows(entries: list[InboxEntry], names: dict[str, str]) -> list[list[object]]:
    """One table row per entry, in the store's order (most relevant first)."""
    out: list[list[object]] = []
    for e in entries:
        status = STATUS_LABELS.get(e.status, e.status)
        if e.scored.duplicate_of:
            status += "（已有）"
        out.append([e.id, f"{e.scored.relevance:.2f}", e.published.isoformat() if e.published else "日期不详", e.title,
                    source_names(e, names), profile_text(e), e.scored.reason, status])
    return out


def detail_html(entry: InboxEntry, names: dict[str, str]) -> str:
    """The selected entry: title as its link, every site that listed it, the reason, duplicates, the summary."""
    links = "".join(f'<li><a href="{fmt.esc(u)}" target="_blank" rel="noopener noreferrer">{fmt.esc(u)}</a></li>'
                    for u in entry.links)
    parts = [
        (f'<div class="dz-item"><h3><a href="{fmt.esc(entry.url)}" target="_blank" rel="noopener noreferrer">'
         f"{fmt.esc(entry.title)}</a></h3>"),
        (f'<div class="dz-meta">相关度 {entry.scored.relevance:.2f} · '
         f"{fmt.esc(entry.published.isoformat() if entry.published else '日期不详')} · {fmt.esc(source_names(entry, names))}"
         f" · {fmt.esc(profile_text(entry))} · {fmt.esc(STATUS_LABELS.get(entry.status, entry.status))}"
         + (f" → <code>{fmt.esc(entry.issue_id)}</code>" if entry.issue_id else "") + "</div>"),
        f'<div class="dz-why">理由：{fmt.esc(entry.scored.reason or "—")}</div>',
    ]
    if entry.scored.duplicate_of:
        parts.append(f'<div class="dz-dup" role="alert">已有同一文件：{fmt.esc(entry.scored.duplicate_of)}</div>')
    if entry.summary.strip():
        parts.append(f'<div class="dz-body">{fmt.esc(entry.summary.strip()[:800])}</div>')
    parts.append(f'<div class="dz-meta">链接（{len(entry.links)}）：<ul>{links}</ul></div></div>')
    return "".join(parts)


def batch_link(issue_id: str) -> str:
    """The 批量 page with the issue opened (relative: the app may sit below a proxy's path)."""
    return fmt.esc(f"{BATCH_PATH}?{urlencode({ISSUE_PARAM: issue_id})}")


def new_issue_id(services: Services) -> str:
    """An id for an issue started from the inbox: 收件箱-YYYYMMDD, numbered when taken."""
    base = f"收件箱-{dt.date.today():%Y%m%d}"
    n, candidate = 1, base
    while services.reviews.exists(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def issue_choices(services: Services) -> list[tuple[str, str]]:
    """Issues in progress (unpublished), and a new one."""
    return [*rfmt.issue_choices(services.reviews.list_issues(include_published=False)), ("新建一期（收件箱）", NEW_ISSUE)]


def build(ctx: UIContext) -> None:
    """Lay out the inbox and its watch-list sub-page; events that reach other tabs are wired in wire()."""
    with gr.Tabs():
        with gr.Tab("新条目", id="inbox-list"):
            with gr.Row():
                view = gr.Radio(VIEWS, value="new", label="显示", scale=4, elem_id="dz-inbox-view")
                refresh = gr.Button("刷新", size="sm", scale=1, elem_id="dz-inbox-refresh")
            summary = gr.Markdown(elem_id="dz-inbox-summary")
            table = gr.Dataframe(headers=HEADERS, datatype=["str"] * len(HEADERS), interactive=False, wrap=True,
                                 column_widths=["9%", "6%", "9%", "26%", "10%", "14%", "18%", "8%"], max_height=520,
                                 elem_id="dz-inbox-table")
            with gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    detail = gr.HTML('<p class="dz-empty">在列表中选择一条查看详情。</p>', elem_id="dz-inbox-detail")
                with gr.Column(scale=2):
                    issue = gr.Dropdown([], label="加入到（进行中的期刊）", elem_id="dz-inbox-issue")
                    # its own choice, as 批量 has: the 设置 tab's model choice lives on the editor's page
                    offline = gr.Checkbox(not ctx.services.settings.llm.configured, label="离线起草",
                                          interactive=ctx.services.settings.llm.configured, elem_id="dz-inbox-offline")
                    with gr.Row():
                        add_btn = gr.Button("加入本期", variant="primary", elem_id="dz-inbox-add")
                        later_btn = gr.Button("稍后", elem_id="dz-inbox-later")
                        ignore_btn = gr.Button("忽略", elem_id="dz-inbox-ignore")
                        restore_btn = gr.Button("恢复为新条目", size="sm", elem_id="dz-inbox-restore")
                    status = gr.Markdown(elem_id="dz-inbox-status")
        with gr.Tab("设置", id="inbox-settings"):
            ctx.add(**watch_settings.build(ctx.services, open_store(ctx.services.settings), ctx.on_load))
    current = gr.Textbox("", visible=False, elem_id="dz-inbox-current")
    ctx.add(inbox_view=view, inbox_refresh=refresh, inbox_summary=summary, inbox_table=table, inbox_detail=detail,
            inbox_issue=issue, inbox_add=add_btn, inbox_later=later_btn, inbox_ignore=ignore_btn,
            inbox_restore=restore_btn, inbox_status=status, inbox_current=current, inbox_offline=offline)


def wire(ctx: UIContext) -> None:
    """Events: listing, selection, 加入本期 (its note links to the issue in 批量)."""
    services = ctx.services
    settings = services.settings
    store = open_store(settings)
    threshold = min_relevance(settings)
    c = ctx.components
    navbar = c["navbar"]

    def names() -> dict[str, str]:  # source id → the watch list's name, read again each time (the file may change)
        return watch_settings.source_names(services)

    @guarded(3)
    def listing(view_value: str | None) -> tuple[Any, ...]:
        entries = listed(store, view_value or "new", limit=500)  # type: ignore[arg-type]
        n = store.count_new(threshold)
        head = (f"新的相关条目 **{n}** 条（相关度 ≥ {threshold:g}）；本列表 {len(entries)} 条，按相关度排序。"
                if entries or n else "收件箱中没有条目：在「设置」中添加关注的网站后，系统按各来源的检查间隔读取（由管理员开启定时检查）。")
        return rows(entries, names()), head, gr.update(value=links(ctx.pages, n))

    list_outputs = [c["inbox_table"], c["inbox_summary"], navbar]

    @guarded(len(list_outputs) + 1)
    def on_load(view_value: str | None) -> tuple[Any, ...]:
        return (*listing(view_value), gr.update(choices=issue_choices(services), value=None))

    @guarded(2)
    def on_select(evt: gr.SelectData) -> tuple[Any, ...]:
        row = evt.row_value if isinstance(evt.row_value, list) else None
        if not row:
            raise ValidationError("请在列表中选择一条")
        entry = store.get(str(row[0]))
        return entry.id, detail_html(entry, names())

    def decider(status: str, done: str):
        @guarded(len(list_outputs) + 2)
        def on_decide(entry_id: str, view_value: str | None) -> tuple[Any, ...]:
            if not entry_id:
                raise ValidationError("请先在列表中选择一条")
            entry = decide(store, entry_id, status)  # type: ignore[arg-type]
            return (*listing(view_value), detail_html(entry, names()), f"「{fmt.esc(entry.title[:30])}」{done}")
        return on_decide

    @guarded(len(list_outputs) + 3)
    def on_add(entry_id: str, issue_id: str | None, view_value: str | None, offline: bool,
               request: gr.Request, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        if not entry_id:
            raise ValidationError("请先在列表中选择一条")
        if not issue_id:
            raise ValidationError("请先在「加入到（进行中的期刊）」中选择一期，或选择新建一期")
        target = new_issue_id(services) if issue_id == NEW_ISSUE else issue_id
        who = actor_name(getattr(request, "username", None))
        progress(0, desc="读取原网页并起草")
        added = add_to_issue(
            store, services.reviews, entry_id, target,
            run=lambda batch, iid: run_batch(services, batch, batch_id=iid, resume=True, actor=who, prefetch=False,
                                             offline=bool(offline) or not settings.llm.configured),
            prepare=lambda batch: prepare_sources(batch, settings.sources, settings.sources_cache_path, workers=1),
        )
        if added.again:
            note = f"「{fmt.esc(added.title[:30])}」已在该期中（草稿 #{added.draft_id}），未重复加入。"
        else:
            note = (f"✓ 已加入 <code>{fmt.esc(added.issue_id)}</code>：草稿 #{added.draft_id}「{fmt.esc(added.title[:30])}」，"
                    f"来源 {'、'.join(f'<code>{fmt.esc(u)}</code>' for u in added.sources)}。"
                    f'<a href="{batch_link(added.issue_id)}" id="dz-inbox-open-batch">在「批量」中打开该期审阅</a>（新标签页）')
            gr.Info(f"已加入本期：{fmt.esc(added.title[:30])}", title="消息")
        if added.note:
            note += f"<br>注意：{fmt.esc(added.note)}"
        return (*listing(view_value), detail_html(store.get(entry_id), names()), note,
                gr.update(choices=issue_choices(services), value=added.issue_id))

    view, table, current, issue = c["inbox_view"], c["inbox_table"], c["inbox_current"], c["inbox_issue"]
    ctx.on_load(on_load, [view], [*list_outputs, issue])
    c["inbox_refresh"].click(on_load, [view], [*list_outputs, issue])
    view.change(listing, [view], list_outputs)
    table.select(on_select, None, [current, c["inbox_detail"]])
    decide_outputs = [*list_outputs, c["inbox_detail"], c["inbox_status"]]
    c["inbox_later"].click(decider("later", "已移到「稍后」"), [current, view], decide_outputs)
    c["inbox_ignore"].click(decider("ignored", "已忽略（今后的相关度会参考这一判断）"), [current, view], decide_outputs)
    c["inbox_restore"].click(decider("new", "已恢复为新条目"), [current, view], decide_outputs)
    c["inbox_add"].click(on_add, [current, issue, view, c["inbox_offline"]], [*decide_outputs, issue])

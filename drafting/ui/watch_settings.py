"""收件箱 → 设置: the watch list (``<corpus_dir>/watch.toml``) as a table with each source's last run, a form to add a
feed or a list page, removal, and the file itself for hand edits (checked before it is saved; comments are kept)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from drafting.errors import ValidationError
from drafting.services import Services
from drafting.ui import format as fmt
from drafting.ui.app import guarded
from drafting.watch import watchlist
from drafting.watch.entry import WatchSource
from drafting.watch.schedule import BUSY, run_watch
from drafting.watch.store import WatchStore

logger = logging.getLogger(__name__)

HEADERS = ["简称", "名称", "网址", "类型", "条目选择器", "检查间隔", "状态", "上次成功", "最近问题"]
KINDS = [("RSS/Atom 订阅", "feed"), ("列表页（CSS 选择器）", "list")]


def _when(value: Any) -> str:
    return fmt.local_time(value.isoformat()) if value is not None else "—"


def source_rows(sources: list[WatchSource], store: WatchStore) -> list[list[object]]:
    """One row per source with what polling remembers of it."""
    out: list[list[object]] = []
    for s in sources:
        state = store.source_state(s.id)
        # a run that read the source verifies it even before the flag is written back to the file
        status = "已暂停" if not s.enabled else ("已验证" if s.verified or state.last_ok else "未验证")
        problem = f"{state.last_error}（连续 {state.failures} 次）" if state.last_error and state.failures else "—"
        out.append([s.id, s.name, s.url, "订阅" if s.kind == "feed" else "列表页", s.selector or "—",
                    watchlist.format_every(s.every_seconds), status, _when(state.last_ok), problem])
    return out


def source_names(services: Services) -> dict[str, str]:
    """Source id → its name in the watch list (an unreadable list gives none: the inbox shows the ids)."""
    try:
        return {s.id: s.name for s in watchlist.load(services.settings.watch_list_file)}
    except ValidationError:
        return {}


def build(services: Services, store: WatchStore, on_page_load: Callable[..., None] | None = None) -> dict[str, Any]:
    """The sub-page's components and events (inside the current Blocks); returns the components by name.

    on_page_load registers what it fills in when the page loads (UIContext.on_load)."""
    path = services.settings.watch_list_file
    gr.Markdown("关注列表与语料库一起保存。每个来源是一个 RSS/Atom 订阅，或一个列表页加上选出条目的 CSS 选择器；"
                "预设的监管机构来源默认注释掉且标为「未验证」，第一次读取成功后改为「已验证」。")
    table = gr.Dataframe(headers=HEADERS, datatype=["str"] * len(HEADERS), interactive=False, wrap=True,
                         elem_id="dz-watch-sources")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            url = gr.Textbox(label="网址（订阅或列表页）", placeholder="https://…", elem_id="dz-watch-url")
            with gr.Row():
                kind = gr.Radio(KINDS, value="feed", label="类型", elem_id="dz-watch-kind")
                every = gr.Textbox("6h", label="检查间隔（如 6h、12h、1d）", elem_id="dz-watch-every")
            with gr.Row():
                selector = gr.Textbox(label="条目选择器（列表页，CSS）", placeholder="如 .list li", elem_id="dz-watch-selector")
                date_selector = gr.Textbox(label="日期选择器（可不填）", placeholder="如 span.date", elem_id="dz-watch-date")
            name = gr.Textbox(label="名称（可不填）", elem_id="dz-watch-name")
            add_btn = gr.Button("添加来源", variant="primary", elem_id="dz-watch-add")
        with gr.Column(scale=2):
            pick = gr.Dropdown([], label="选择来源", elem_id="dz-watch-pick")
            remove_btn = gr.Button("从关注列表移除", variant="stop", elem_id="dz-watch-remove")
            gr.Markdown("移除来源不会删除收件箱中已有的条目。")
            run_btn = gr.Button("立即读取到期的来源", elem_id="dz-watch-run")
            gr.Markdown("新添加的来源立即到期：读取一次即可确认网址与选择器是否有效。")
    status = gr.Markdown(elem_id="dz-watch-status")
    with gr.Accordion("直接编辑关注列表文件（TOML）", open=False):
        text = gr.Textbox(lines=18, max_lines=40, show_label=False, elem_id="dz-watch-text")
        save_btn = gr.Button("检查并保存", elem_id="dz-watch-save")
    outputs = [table, pick, text, status]

    def view(message: str = "") -> tuple[Any, ...]:
        try:
            sources = watchlist.load(path)
        except ValidationError as exc:  # a hand edit broke the file: say so, keep the text editable
            return [], gr.update(choices=[]), watchlist.read_text(path), f"✗ {fmt.esc(exc)}"
        choices = [(f"{s.id} · {s.name}", s.id) for s in sources]
        return source_rows(sources, store), gr.update(choices=choices, value=None), watchlist.read_text(path), message

    @guarded(len(outputs))
    def on_load() -> tuple[Any, ...]:
        return view()

    @guarded(len(outputs))
    def on_add(link: str, kind_value: str, css: str, date_css: str, every_text: str, label: str) -> tuple[Any, ...]:
        if not (link or "").strip():
            raise ValidationError("请填写订阅或列表页的网址")
        if kind_value == "list" and not (css or "").strip():
            raise ValidationError("列表页需要填写条目选择器（选出一条条目的 CSS，如 .list li）")
        source = watchlist.add(path, link, kind=kind_value or "feed", selector=css or None,
                               date_selector=date_css or None, every=every_text or "6h", name=(label or "").strip() or None)
        return view(f"✓ 已添加来源 {fmt.esc(source.id)}（{fmt.esc(source.name)}），下次检查时读取")

    @guarded(len(outputs))
    def on_remove(source_id: str | None) -> tuple[Any, ...]:
        if not source_id:
            raise ValidationError("请先选择要移除的来源")
        watchlist.remove(path, source_id)
        return view(f"已移除来源 {fmt.esc(source_id)}（收件箱中的条目保留）")

    @guarded(len(outputs))
    def on_save(content: str) -> tuple[Any, ...]:
        sources = watchlist.write_text(path, content or "")
        return view(f"✓ 已保存关注列表：{len(sources)} 个来源")

    @guarded(len(outputs))
    def on_run(progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        progress(0, desc="正在读取关注列表")
        report = run_watch(services.settings, services.watch_triage())
        if report is None:
            return view(f"{fmt.esc(BUSY)}：请稍后再试")
        errors = "".join(f"<li>{fmt.esc(source)}：{fmt.esc(message)}</li>" for source, message in report.errors)
        read = len(report.polled) + len(report.unchanged)
        note = (f"已读取 {read} 个来源（{len(report.unchanged)} 个没有更新），新条目 {len(report.new)} 条，"
                f"出错 {len(report.errors)} 个来源" + (f"<ul>{errors}</ul>" if errors else "。")
                + ("到「新条目」点「刷新」查看。" if report.new else ""))
        return view(note)

    add_btn.click(on_add, [url, kind, selector, date_selector, every, name], outputs)
    remove_btn.click(on_remove, [pick], outputs)
    save_btn.click(on_save, [text], outputs)
    run_btn.click(on_run, None, outputs)
    if on_page_load is not None:
        on_page_load(on_load, None, outputs)  # one page-load event for the whole page (drafting/ui/page_load.py)
    return {"watch_sources": table, "watch_url": url, "watch_add": add_btn, "watch_status": status, "watch_run": run_btn,
            "watch_text": text, "watch_save": save_btn}

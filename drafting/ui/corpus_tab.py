"""语料库: upload past issues to ingest (with progress and a parse report), browse and search the corpus."""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr

from drafting.errors import DraftingError, ValidationError
from drafting.models import SECTIONS, Issue, Item
from drafting.ui import format as fmt
from drafting.ui.app import ALLOWED_UPLOADS, UIContext, guarded

logger = logging.getLogger(__name__)

TAB_ID = "corpus"
TAB_LABEL = "语料库"
MAX_ROWS = 500


def build(ctx: UIContext) -> None:
    """Lay out the corpus tab."""
    services = ctx.services
    max_mb = services.settings.server.max_upload_mb

    with gr.Row(equal_height=False):
        with gr.Column(scale=2):
            files = gr.File(
                label=f"上传往期（PDF、DOCX、Markdown、TXT、JSON；单个文件不超过 {max_mb} MB）",
                file_count="multiple",
                file_types=ALLOWED_UPLOADS,
                type="filepath",
                elem_id="dz-upload",
            )
            ingest_btn = gr.Button("导入语料库", variant="primary", elem_id="dz-ingest-btn")
        with gr.Column(scale=3):
            report = gr.Markdown("上传后，这里报告每个文件解析出的条目、短评和问题。", elem_id="dz-ingest-report")

    gr.Markdown("#### 浏览语料库")
    with gr.Row():
        query = gr.Textbox(label="搜索（标题、正文、短评；空格分隔多个词）", scale=4, elem_id="dz-corpus-query")
        section = gr.Dropdown([fmt.SECTION_ANY, *SECTIONS], value=fmt.SECTION_ANY, label="栏目", scale=2)
        search_btn = gr.Button("搜索", scale=1, elem_id="dz-corpus-search")
    stats = gr.Markdown(elem_id="dz-corpus-stats")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            table = gr.Dataframe(
                headers=fmt.CORPUS_HEADERS,
                datatype=["str"] * len(fmt.CORPUS_HEADERS),
                interactive=False,
                wrap=True,
                max_height=520,
                column_widths=["10%", "12%", "44%", "7%", "15%", "12%"],
                elem_id="dz-corpus-table",
            )
        with gr.Column(scale=2):
            detail = gr.HTML(fmt.item_html(None), elem_id="dz-corpus-detail")

    def all_items() -> list[Item]:
        # The index, not the files: what is listed here is what drafting can retrieve.
        return services.index.items()

    @guarded(2)
    def browse(q: str, sec: str) -> tuple[list[list[object]], str]:
        items = all_items()
        found = fmt.filter_items(items, q, sec)
        shown = found[:MAX_ROWS]
        note = (
            f"索引共 **{len(items)}** 条（有短评 {sum(1 for i in items if i.commentary)} 条）；"
            f"符合条件 **{len(found)}** 条" + (f"，仅显示前 {MAX_ROWS} 条" if len(found) > MAX_ROWS else "")
        )
        return fmt.corpus_rows(shown), note

    @guarded(1)
    def on_select(evt: gr.SelectData) -> str:
        row = evt.row_value or []
        item_id = row[-1] if row else None
        match = next((i for i in all_items() if i.id == item_id), None)
        return fmt.item_html(match)

    def ingest(paths: list[str] | None, progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008 - gradio's idiom
        if not paths:
            # also what follows a file the browser refused as too large: say the limit, not just "choose a file"
            gr.Warning(f"没有已上传的文件可导入：请选择往期文件（单个不超过 {max_mb} MB；超过的文件不会上传）后再点「导入语料库」。",
                       title="提示")
            return gr.skip()  # type: ignore[return-value]
        rows: list[tuple[str, Issue | None, str | None]] = []
        for n, p in enumerate(progress.tqdm(paths, desc="正在解析并索引"), 1):
            path = Path(p)
            try:
                _check_upload(path, max_mb)
                issues, _stats = services.ingest([path])
                rows.append((path.name, issues[0] if issues else None, None if issues else "未解析出任何条目"))
            except DraftingError as exc:
                logger.info("upload %s rejected: %s", path.name, exc)
                rows.append((path.name, None, str(exc)))
            except Exception as exc:
                logger.exception("ingest of %s failed", path.name)
                rows.append((path.name, None, f"内部错误（{type(exc).__name__}），详情见服务器日志"))
        ok = sum(1 for _, issue, _ in rows if issue)
        if ok:
            gr.Info(f"已导入 {ok} 个文件。", title="导入完成")
        return fmt.ingest_report(rows, services.index.count())

    ingest_event = ingest_btn.click(ingest, files, report, concurrency_id="ingest", concurrency_limit=1)
    ingest_event.then(browse, [query, section], [table, stats])
    for trigger in (search_btn.click, query.submit, section.change):
        trigger(browse, [query, section], [table, stats], concurrency_limit=None)
    ctx.on_load(browse, [query, section], [table, stats])
    table.select(on_select, None, detail, concurrency_limit=None)
    ctx.add(corpus_query=query, corpus_section=section, corpus_table=table, corpus_stats=stats, corpus_browse=browse)


def wire(ctx: UIContext) -> None:
    """After an accept the corpus table shows the new item."""
    c = ctx.components
    if "draft_accept_event" in c:
        c["draft_accept_event"].then(c["corpus_browse"], [c["corpus_query"], c["corpus_section"]], [c["corpus_table"], c["corpus_stats"]])


def _check_upload(path: Path, max_mb: int) -> None:
    """Allowed type and size, checked on the server too (the browser's checks can be bypassed)."""
    if path.suffix.lower() not in ALLOWED_UPLOADS:
        raise ValidationError(f"不支持的文件类型“{path.suffix or '无扩展名'}”：请上传 {'、'.join(ALLOWED_UPLOADS)} 文件。")
    size_mb = path.stat().st_size / 1_000_000
    if size_mb > max_mb:
        raise ValidationError(f"文件 {size_mb:.1f} MB，超过 {max_mb} MB 上限：请拆分后上传，或请管理员调大上传上限。")

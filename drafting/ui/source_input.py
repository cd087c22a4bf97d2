"""起草's source inputs: a pasted link is fetched, a policy file (PDF, Word, scan, photo) is read, attachments offered."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import gradio as gr

from drafting.errors import DraftingError, ValidationError
from drafting.sources.document import DOCUMENT_SUFFIXES, condense, read_document
from drafting.sources.fetch import FetchedSource, fetch, is_url
from drafting.ui import format as fmt
from drafting.ui.app import UIContext, guarded

logger = logging.getLogger(__name__)


def _fit(text: str) -> tuple[str, str]:
    """A document longer than the paste box allows is condensed to its opening and the sentences with figures."""
    if len(text) <= fmt.MAX_PASTE_CHARS:
        return text, ""
    short = condense(text, fmt.MAX_PASTE_CHARS - 500)
    return short, f"\n- 原文 {len(text)} 字，超过 {fmt.MAX_PASTE_CHARS} 字：已保留开头及含数字、目标、措施的句子（{len(short)} 字），请核对"


def _summary(src: FetchedSource) -> str:
    facts = [f"**{fmt.esc(src.title or '（无标题）')}**", f"日期 {src.date or '未知'}", f"发布机构 {fmt.esc(src.issuer or '未知')}"]
    if src.charset:
        facts.append(f"编码 {src.charset}")
    if src.cached:
        facts.append("来自缓存")
    if src.attachments:
        facts.append(f"{len(src.attachments)} 个附件，可在下方选用")
    lines = ["已读取链接：" + " · ".join(facts)]
    lines += [f"- {fmt.esc(line)}" for line in src.ocr]
    return "\n".join(lines)


def build(ctx: UIContext, raw: Any, url_in: Any) -> None:
    """Under the paste box: fetch button, upload box, attachments; fills the paste box and 来源链接."""
    services = ctx.services
    settings = services.settings
    with gr.Row():
        fetch_btn = gr.Button("读取链接", size="sm", scale=1, elem_id="dz-fetch-btn", visible=settings.sources.fetch_enabled)
        upload = gr.File(label="或上传原文文件（PDF / Word / 扫描件 / 图片）", file_types=list(DOCUMENT_SUFFIXES),
                         type="filepath", height=90, scale=3, elem_id="dz-source-file")
    with gr.Row(visible=False) as attach_row:
        attach = gr.Dropdown([], label="网页附件", scale=3, elem_id="dz-attachments")
        attach_btn = gr.Button("用所选附件作为原文", size="sm", scale=1, elem_id="dz-attach-btn")
    note = gr.Markdown("", elem_id="dz-source-note")
    ctx.add(draft_fetch_btn=fetch_btn, draft_source_file=upload, draft_attachments=attach, draft_source_note=note)

    outputs = [raw, url_in, attach, attach_row, note]

    def _fill(src: FetchedSource, page_url: str) -> tuple[Any, ...]:
        choices = [(f"{a.name}（{a.type}）", a.url) for a in src.attachments]
        text, cut = _fit(src.raw_text(with_source=False))
        return (text, page_url, gr.update(choices=choices, value=choices[0][1] if choices else None),
                gr.update(visible=bool(choices)), _summary(src) + cut)

    def _get(url: str) -> FetchedSource:
        return fetch(url, settings.sources, cache_dir=settings.sources_cache_path)

    @guarded(len(outputs))
    def on_fetch(raw_text: str, url: str) -> tuple[Any, ...]:
        link = (raw_text or "").strip() if is_url(raw_text) else (url or "").strip()
        if not link:
            raise ValidationError("请先在「来源链接」框或原文框中粘贴网页链接，再点「读取链接」。")
        try:
            src = _get(link)
        except DraftingError as exc:
            # The note of the previous link must not stay, as if this one had been read; the paste box is untouched.
            gr.Warning(fmt.esc(exc), title="提示")
            return (gr.skip(), gr.skip(), gr.update(choices=[], value=None), gr.update(visible=False),
                    f"✗ 未能读取链接：{fmt.esc(exc)}（原文框中的文字未改动，可直接粘贴原文）")
        return _fill(src, link)

    @guarded(len(outputs))
    def on_paste(raw_text: str, url: str) -> tuple[Any, ...]:
        # Only a bare link in the paste box is fetched; any other text is the editor's and stays as typed.
        if not is_url(raw_text) or not settings.sources.fetch_enabled:
            return tuple(gr.skip() for _ in outputs)
        return on_fetch(raw_text, url)

    @guarded(len(outputs))
    def on_attachment(att_url: str, url: str) -> tuple[Any, ...]:
        if not att_url:
            raise ValidationError("请先选择一个附件。")
        src = _get(att_url)
        # The page stays the source footnote; the attachment's text becomes the source text.
        text, cut = _fit(src.raw_text(with_source=False))
        return text, url or att_url, gr.skip(), gr.skip(), _summary(src) + cut

    @guarded(len(outputs))
    def on_upload(path: str | None) -> tuple[Any, ...]:
        if not path:
            return tuple(gr.skip() for _ in outputs)
        doc = read_document(Path(path), settings.sources)
        how = {"ocr": "文字识别（OCR）", "text-layer": "PDF 文字层", "docx": "Word", "converted": "转换后的 Word", "text": "文本"}
        lines = [f"已读取原文文件 **{fmt.esc(doc.name)}**（{how.get(doc.method, doc.method)}，{len(doc.text)} 字）"]
        lines += [f"- {fmt.esc(line)}" for line in doc.ocr]
        text, cut = _fit(doc.text)
        return text, gr.skip(), gr.skip(), gr.skip(), "\n".join(lines) + cut

    fetch_btn.click(on_fetch, [raw, url_in], outputs, concurrency_limit=settings.server.concurrency)
    # .change, not .input: Gradio may not report the first edit after a server update as input (see draft_tab).
    raw.change(on_paste, [raw, url_in], outputs, trigger_mode="always_last", show_progress="hidden",
               concurrency_limit=settings.server.concurrency)
    attach_btn.click(on_attachment, [attach, url_in], outputs, concurrency_limit=settings.server.concurrency)
    upload.upload(on_upload, upload, outputs, concurrency_limit=settings.server.concurrency)

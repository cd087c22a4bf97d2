"""起草's source inputs: a pasted link is fetched, a policy file (PDF, Word, scan, photo) is read, attachments offered."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from drafting.errors import DraftingError, ValidationError
from drafting.sources.document import DOCUMENT_SUFFIXES, condense, read_document
from drafting.sources.fetch import FetchedSource, fetch, is_url
from drafting.sources.fetchslots import FetchSlots
from drafting.sources.ocr import page_images
from drafting.sources.reader import read_fields
from drafting.ui import format as fmt
from drafting.ui import source_card
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
    lines += [f"- 请核对：{fmt.esc(line)}" for line in src.notes]
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
    # A scan's pages beside what OCR read from them: the editor checks the marked words against the original.
    pages = gr.Gallery(label="原件页面（请对照识别出的文字核对）", visible=False, columns=3, height=360, elem_id="dz-scan-pages")
    card = source_card.build()
    names = gr.State({})  # attachment url → the page's link text (it names the document; the file name does not)
    card_text = gr.State("")  # the text the card was read from: a paste box filled by a fetch is not read again
    ctx.add(draft_fetch_btn=fetch_btn, draft_source_file=upload, draft_attachments=attach, draft_source_note=note,
            draft_card_fields=card.fields, draft_card_note=card.note, draft_scan_pages=pages)

    outputs = [raw, url_in, attach, attach_row, note, *card.outputs, names, card_text, pages]
    # one pool for every fetch and file read on the page, shared fairly between users, each wait bounded
    slots = FetchSlots(settings.sources.fetch_slots, settings.sources.fetch_wait_s)

    def _fill(src: FetchedSource, page_url: str) -> tuple[Any, ...]:
        choices = [(f"{a.name}（{a.type}）", a.url) for a in src.attachments]
        text, cut = _fit(src.raw_text(with_source=False))
        return (text, page_url, gr.update(choices=choices, value=choices[0][1] if choices else None),
                gr.update(visible=bool(choices)), _summary(src) + cut, *source_card.card_values(src.document, "（网页）"),
                {a.url: a.name for a in src.attachments}, text, gr.update(visible=False))

    def _get(url: str, request: gr.Request | None, link_text: str | None = None) -> FetchedSource:
        with slots.hold(_user(request)):
            return fetch(url, settings.sources, cache_dir=settings.sources_cache_path, link_text=link_text)

    @guarded(len(outputs))
    def on_fetch(raw_text: str, url: str, known: dict[str, str], read_from: str, request: gr.Request) -> tuple[Any, ...]:
        link = (raw_text or "").strip() if is_url(raw_text) else (url or "").strip()
        if not link:
            raise ValidationError("请先在「来源链接」框或原文框中粘贴网页链接，再点「读取链接」。")
        try:
            src = _get(link, request)
        except DraftingError as exc:
            # The note of the previous link must not stay, as if this one had been read; the paste box is untouched.
            gr.Warning(fmt.esc(exc), title="提示")
            return (gr.skip(), gr.skip(), gr.update(choices=[], value=None), gr.update(visible=False),
                    f"✗ 未能读取链接：{fmt.esc(exc)}（原文框中的文字未改动，可直接粘贴原文）", *(gr.skip() for _ in outputs[5:]))
        return _fill(src, link)

    @guarded(len(outputs))
    def on_paste(raw_text: str, url: str, known: dict[str, str], read_from: str, request: gr.Request) -> tuple[Any, ...]:
        # A bare link is fetched; any other text is the editor's and stays as typed — only the card is read from it.
        if is_url(raw_text) and settings.sources.fetch_enabled:
            return on_fetch(raw_text, url, known, read_from, request)
        skips = tuple(gr.skip() for _ in range(5))
        if not (raw_text or "").strip():
            return (*skips, *source_card.card_values(None), gr.skip(), "", gr.skip())
        if raw_text.strip() == (read_from or "").strip():
            return tuple(gr.skip() for _ in outputs)  # the card already describes this text (and may hold corrections)
        return (*skips, *source_card.card_values(read_fields(raw_text), "（粘贴的原文）"), gr.skip(), raw_text, gr.skip())

    @guarded(len(outputs))
    def on_attachment(att_url: str, url: str, known: dict[str, str], read_from: str,
                      request: gr.Request) -> tuple[Any, ...]:
        if not att_url:
            raise ValidationError("请先选择一个附件。")
        src = _get(att_url, request, (known or {}).get(att_url))
        # The page stays the source footnote; the attachment's text becomes the source text.
        text, cut = _fit(src.raw_text(with_source=False))
        return (text, url or att_url, gr.skip(), gr.skip(), _summary(src) + cut,
                *source_card.card_values(src.document, "（附件）"), gr.skip(), text, gr.update(visible=False))

    @guarded(len(outputs))
    def on_upload(path: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not path:
            return tuple(gr.skip() for _ in outputs)
        with slots.hold(_user(request)):  # OCR of a scan is as long as a slow link: same fair pool
            doc = read_document(Path(path), settings.sources)
        how = {"ocr": "文字识别（OCR）", "text-layer": "PDF 文字层", "docx": "Word", "converted": "转换后的 Word", "text": "文本"}
        lines = [f"已读取原文文件 **{fmt.esc(doc.name)}**（{how.get(doc.method, doc.method)}，{len(doc.text)} 字）"]
        lines += [f"- {fmt.esc(line)}" for line in doc.ocr]
        if doc.repairs:
            lines.append(f"- 已按词典修正 {len(doc.repairs)} 处识别错误：{fmt.esc('；'.join(doc.repairs[:8]))}")
        if doc.unsure:
            words = "、".join(dict.fromkeys(f"「{w.word}」" for w in doc.unsure))
            lines.append(f"- 识别不确定的词（请对照原件页面核对）：{fmt.esc(words[:300])}")
        shown = page_images(Path(path), Path(tempfile.mkdtemp(prefix="drafting-pages-"))) if doc.method == "ocr" else []
        text, cut = _fit(doc.text)
        fields = source_card.card_values(read_fields(doc.text), f"（{how.get(doc.method, doc.method)}）")
        return (text, gr.skip(), gr.skip(), gr.skip(), "\n".join(lines) + cut, *fields, gr.skip(), text,
                gr.update(value=[str(p) for p in shown], visible=bool(shown)))

    # concurrency_limit=None: the fair slots above bound these, not Gradio's first-come queue per event
    inputs = [raw, url_in, names, card_text]
    fetch_btn.click(on_fetch, inputs, outputs, concurrency_limit=None)
    # .change, not .input: Gradio may not report the first edit after a server update as input (see draft_tab).
    pasted = raw.change(on_paste, inputs, outputs, trigger_mode="always_last", show_progress="hidden", concurrency_limit=None)
    ctx.add(draft_paste_event=pasted)  # the draft run embeds the paste ahead of the click, once its card is read
    attach_btn.click(on_attachment, [attach, url_in, names, card_text], outputs, concurrency_limit=None)
    upload.upload(on_upload, upload, outputs, concurrency_limit=None)


def _user(request: gr.Request | None) -> str:
    """Who holds a fetch slot: the login, else the browser session (without login every tab is its own user)."""
    if request is None:
        return "?"
    return str(getattr(request, "username", None) or getattr(request, "session_hash", None) or "?")

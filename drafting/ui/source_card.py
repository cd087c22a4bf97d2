"""起草's source card: what was read out of the source (标题, 发文机关, 发布日期, 施行日期, 文号, key figures), editable.

The draft, the profile, the prompt and the fact guard use the card's values, so a wrong reading is corrected once,
before drafting. A field that could not be read stays empty and says 未能读出 — never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import gradio as gr

from drafting.errors import ValidationError
from drafting.models import DraftRequest
from drafting.sources.reader import Document, Figure
from drafting.ui import format as fmt

UNREAD = "未能读出"
LABELS = ("标题", "发文机关", "发布日期", "施行日期", "文号", "关键数字")


@dataclass
class SourceCard:
    """The card's components, in the order of LABELS, and its note."""

    box: Any
    fields: list[Any]
    note: Any

    @property
    def outputs(self) -> list[Any]:
        return [*self.fields, self.note]


def build() -> SourceCard:
    """The card under the source inputs (shown once something was read)."""
    with gr.Group(visible=True, elem_id="dz-card") as box:
        note = gr.Markdown("粘贴原文、读取链接或上传文件后，这里列出读出的要素；请核对，有误可直接改正，起草时以此为准。",
                           elem_id="dz-card-note")
        with gr.Row():
            title = gr.Textbox(label="标题", scale=3, elem_id="dz-card-title", placeholder=UNREAD)
            issuers = gr.Textbox(label="发文机关", scale=2, elem_id="dz-card-issuers", placeholder=UNREAD,
                                 info="多个机关用顿号分隔")
        with gr.Row():
            published = gr.Textbox(label="发布日期", elem_id="dz-card-published", placeholder=UNREAD, info="年-月-日，如 2024-05-10")
            effective = gr.Textbox(label="施行日期", elem_id="dz-card-effective", placeholder=UNREAD, info="年-月-日，如 2024-05-10")
            number = gr.Textbox(label="文号", elem_id="dz-card-number", placeholder=UNREAD)
        figures = gr.Textbox(label="关键数字", elem_id="dz-card-figures", placeholder=UNREAD, info="用顿号分隔")
    return SourceCard(box=box, fields=[title, issuers, published, effective, number, figures], note=note)


def card_values(doc: Document | None, how: str = "") -> tuple[Any, ...]:
    """The card's field values and note for a reading (empty fields say 未能读出 in their placeholder and the note)."""
    if doc is None:
        return ("", "", "", "", "", "", "")
    values = (doc.title or "", doc.issuer_label() or "", doc.published or "", doc.effective or "", doc.number or "",
              "、".join(f.text for f in doc.figures))
    missing = [label for label, value in zip(LABELS, values, strict=True) if not value]
    note = f"已读出原文要素{how}：请核对，有误可直接改正，起草时以此为准。"
    if missing:
        note += f"\n\n**未能读出**：{'、'.join(missing)}（不作猜测；如原文有，请手动填写）"
    return (*values, note)


def _issuers(label: str) -> tuple[list[str], int | None]:
    m = re.fullmatch(r"(.+?)等\s*([\d一二三四五六七八九十]{1,3})\s*(?:个)?(?:部门|部委|单位)", label)
    if m:
        count = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}.get(m.group(2))
        return [m.group(1).strip()], count if count is not None else int(m.group(2)) if m.group(2).isdigit() else None
    return [p.strip() for p in re.split(r"[、，,;；\s]+", label) if p.strip()], None


def card_document(title: str, issuers: str, published: str, effective: str, number: str, figures: str,
                  read: Document | None = None) -> Document | None:
    """The editor's card as a Document (None when the card is empty: the drafter then reads the text itself)."""
    values = [(v or "").strip() for v in (title, issuers, published, effective, number, figures)]
    if not any(values):
        return None
    day = fmt.check_date(values[2], "发布日期")
    start = fmt.check_date(values[3], "施行日期")
    if day and start and start < day:
        raise ValidationError(f"「施行日期」{start} 早于「发布日期」{day}：请核对原文后改正。")
    names, count = _issuers(values[1]) if values[1] else ([], None)
    known = {f.text: f for f in (read.figures if read else [])}
    figs = [known.get(t) or Figure(text=t) for t in re.split(r"[、，,;；]+", values[5]) if t.strip()]
    return Document(title=values[0] or None, issuers=names, departments=count, published=day, effective=start,
                    number=values[4] or None, figures=figs)


def with_card(request: DraftRequest, card: Document | None, *, force: bool = False) -> DraftRequest:
    """The request with the source card's corrected fields (and 仍写短评: a 短评 whatever the item was read as)."""
    update: dict[str, Any] = {"commentary": True} if force else {}
    if card is not None and request.item is None:
        update["document"] = card
    elif card is not None and request.item is not None and card.published and not request.item.date:
        update["item"] = request.item.model_copy(update={"date": card.published})
    return request.model_copy(update=update) if update else request

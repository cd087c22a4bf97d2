"""The source card's side of a draft: the document read from raw text with the editor's corrections laid over it,
the section a corrected profile implies, the card as lines for the prompt and the guard, and why a 短评 is missing."""

from __future__ import annotations

from drafting.corpus.profile import POLICY_KINDS
from drafting.models import DraftRequest, Item, Profile
from drafting.sources.reader import CARD_FIELDS, Document, read_fields


def card_lines(document: Document | None) -> list[str]:
    """The source card's fields as lines (for the prompt, and for the guard: corrected values count as sourced)."""
    if document is None:
        return []
    pairs = (("发文机关", document.issuer_label()), ("发布日期", document.published), ("施行日期", document.effective),
             ("文号", document.number), ("关键数字", "、".join(f.text for f in document.figures)))
    return [f"{name}：{value}" for name, value in pairs if value]


def request_section(request: DraftRequest) -> str | None:
    """The chosen section; 政策速递 when the editor corrected the profile to a policy kind (栏目 left on 自动判断)."""
    if request.section:
        return request.section
    if request.profile is not None and "kind" in (request.profile_fields or ["kind"]) and request.profile.kind in POLICY_KINDS:
        return "政策速递"
    return None


def source_document(request: DraftRequest) -> Document | None:
    """What the source reader reads from the raw text, with the source card's corrected fields laid over it."""
    if request.item is not None or not request.raw_text:
        return request.document
    document = read_fields(request.raw_text, kind_hint=request_section(request))
    if request.document is None:
        return document
    return document.model_copy(update={f: getattr(request.document, f) for f in CARD_FIELDS})


def no_commentary_reason(item: Item, profile: Profile, wanted: bool) -> str:
    """Why a draft has no 短评, in the editor's words (the page and the CLI say it instead of an empty box)."""
    if not wanted:
        return (f"未生成短评：此条被识别为「{item.section}」（类型 {profile.kind}），新闻与交易条目默认不写短评。"
                "如需短评，可点「仍写短评」，或在「栏目」中选择栏目、在「条目画像」中改正类型后重新起草。")
    return (f"未生成短评：起草器对类型「{profile.kind}」· 立场「{profile.stance}」没有可用的写法。"
            "可点「仍写短评」按通用写法起草，或在「条目画像」中改正类型与立场。")

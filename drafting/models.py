"""The few types every module passes around."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from drafting.names import check_name
from drafting.sources.reader import Document

Section = Literal["政策速递", "行业新闻", "交易资讯"]
SECTIONS: tuple[Section, ...] = ("政策速递", "行业新闻", "交易资讯")


def _norm(text: str) -> str:
    # NFKC folds full-width/half-width punctuation so ids survive re-extraction of the same text.
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", text)


def item_id(section: str, title: str, date: str | None) -> str:
    """Stable id of an item: the same section, title and date always give the same id."""
    digest = hashlib.sha1(f"{section}|{_norm(title)}|{date or ''}".encode()).hexdigest()
    return f"i{digest[:12]}"


class Item(BaseModel):
    """One newsletter item: a policy, a news story or a deal."""

    id: str = ""
    section: Section
    title: str
    date: str | None = Field(default=None, description="ISO date, or None when the text says 近日")
    body: str
    commentary: str | None = Field(default=None, description="the 植德短评, where present")
    sources: list[str] = Field(default_factory=list)
    issue: str | None = Field(default=None, description="id of the issue the item came from")

    def model_post_init(self, context: Any, /) -> None:
        if not self.id:
            self.id = item_id(self.section, self.title, self.date)

    @field_validator("id")
    @classmethod
    def _id_is_a_safe_name(cls, value: str) -> str:
        # an accepted item is stored as corpus/accepted/<id>.json: the id must not be a path
        return check_name(value, "条目 id") if value else value

    @field_validator("date")
    @classmethod
    def _date_is_a_real_day(cls, value: str | None) -> str | None:
        # one impossible date (2023-13-45) once poisoned every later ingest: refuse it where items are made
        if value is None:
            return None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(f"日期「{value[:40]}」应为 YYYY-MM-DD 或留空（近日）")
        try:
            datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            raise ValueError(f"日期「{value}」不存在（月份或日数超出范围）") from None
        return value

    def content_hash(self) -> str:
        """Hash of everything that is embedded or shown, to skip re-embedding unchanged items."""
        payload = "\x1f".join(
            [self.section, self.title, self.date or "", self.body, self.commentary or "", self.issue or ""]
            + self.sources
        )
        return hashlib.sha1(payload.encode()).hexdigest()


class Issue(BaseModel):
    """A parsed newsletter issue: the unit stored as one JSON file in the corpus."""

    id: str
    title: str = ""
    period: str | None = None
    source_file: str | None = None
    source_sha1: str | None = Field(
        default=None,
        description="SHA-1 of the original this JSON was parsed from; the JSON is re-parsed only when it differs",
    )
    items: list[Item] = Field(default_factory=list)
    problems: list[str] = Field(default_factory=list, description="non-fatal parse warnings")
    parsed_sha1: str | None = Field(
        default=None,
        description="SHA-1 of the items as the parser wrote them; differs once a person corrected the JSON by hand",
    )

    @field_validator("id")
    @classmethod
    def _id_is_a_safe_name(cls, value: str) -> str:
        # the id names corpus/issues/<id>.json: "../../x" or "" must never become a path
        return check_name(value, "期刊 id")


class SearchFilters(BaseModel):
    """Restrictions on which corpus items may be returned as precedents."""

    section: Section | None = None
    date_from: str | None = None
    date_to: str | None = None
    has_commentary: bool | None = None


Stance = Literal["促进", "规范", "风险提示", "规则", "许可", "市场动态"]
STANCES: tuple[Stance, ...] = ("促进", "规范", "风险提示", "规则", "许可", "市场动态")


class Profile(BaseModel):
    """What kind of item this is: drives which precedents, which voice and which guard checks apply."""

    kind: str = Field(description="document or event kind, one of drafting.corpus.profile.KINDS")
    stance: Stance = Field(description="促进 / 规范 / 风险提示 / 规则 / 许可, or 市场动态 for news and deals")
    issuer: str | None = Field(default=None, description="issuing body, or the company for news and deals")
    level: str | None = Field(default=None, description="国家部委, 省, 市, 区县, 行业协会, 境外监管机构 or 企业")
    figures: list[str] = Field(default_factory=list, description="key amounts, shares and targets as written")
    subject: str | None = Field(default=None, description="what it is about: 区块链, 元宇宙, 数字人 … (drafting.corpus.profile.SUBJECTS)")
    draft_of: str | None = Field(default=None, description="for a 征求意见稿: the kind of document it drafts")
    source: Literal["rules", "model", "editor"] = Field(default="rules", description="who set it last")


class Precedent(BaseModel):
    """A corpus item retrieved for a query, with the evidence for its rank."""

    item: Item
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_score: float | None = None
    lexical_score: float | None = None
    duplicate: bool = Field(default=False, description="the query is (nearly) this same item")
    profile: Profile | None = Field(default=None, description="the precedent's own profile")
    why: list[str] = Field(default_factory=list, description="why it was chosen: 同栏目, 同类型, 同立场, shared words")


class SearchResult(BaseModel):
    """Precedents for a query, with near-duplicates of the query reported apart."""

    query: str
    precedents: list[Precedent] = Field(default_factory=list)
    duplicates: list[Precedent] = Field(default_factory=list)
    profile: Profile | None = Field(default=None, description="the query item's profile, when ranked by it")
    precedent_gap: bool = Field(default=False, description="no precedent with a 短评 shares the item's kind and stance")


class Finding(BaseModel):
    """One fact-guard or style problem in a draft."""

    kind: str = Field(description="e.g. number, date, title, org, place, length, voice, banned, document")
    message: str
    span: tuple[int, int] | None = Field(default=None, description="[start, end) in the checked text")
    text: str | None = None
    field: Literal["commentary", "title", "body"] = "commentary"


class Usage(BaseModel):
    """What one model draft cost: the provider's token counts, the wall time, and the price from settings."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cost: float | None = Field(default=None, description="in settings.learning.currency; None when the model has no price")


class Draft(BaseModel):
    """A drafted item and 短评 with everything needed to explain it."""

    item: Item
    commentary: str
    offline: bool
    model: str | None = None
    findings: list[Finding] = Field(default_factory=list)
    precedents: list[Precedent] = Field(default_factory=list)
    duplicates: list[Precedent] = Field(default_factory=list)
    prompt_version: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    temperature: float | None = None
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    profile: Profile | None = None
    precedent_gap: bool = False
    rules_version: str | None = Field(default=None, description="house_rules@N used, None when no rule applied")
    usage: Usage | None = Field(default=None, description="tokens, latency and cost of a model draft")
    document: Document | None = Field(default=None, description="what was read from the source (as the card corrected it)")
    no_commentary: str | None = Field(default=None, description="why no 短评 was written, when commentary is empty")


class DraftRequest(BaseModel):
    """What the editor asks for: an item, or raw pasted text whose item is drafted first."""

    item: Item | None = None
    raw_text: str | None = None
    section: Section | None = Field(default=None, description="section for raw text; guessed when None")
    variants: int = Field(default=1, ge=1, le=5)
    offline: bool = Field(default=False, description="force the offline drafter")
    commentary: bool | None = Field(
        default=None, description="draft a 短评: None = for a given item or a raw policy text; True = always"
    )
    model: str | None = Field(default=None, description="one of the configured models; default the first")
    filters: SearchFilters | None = None
    k: int | None = None
    exclude_ids: list[str] = Field(default_factory=list, description="items not to use as precedents")
    profile: Profile | None = Field(default=None, description="the editor's corrected profile; computed when None")
    profile_fields: list[str] = Field(default_factory=list, description="fields of profile the editor set; empty = all")
    use_rules: bool = Field(default=True, description="apply the approved house rules (house_rules.md beside the corpus)")
    avoid_sentences: list[str] = Field(
        default_factory=list, description="sentences already used twice in this issue: the offline drafter words them otherwise"
    )
    document: Document | None = Field(
        default=None, description="the source card as the editor corrected it: title, issuers, dates, 文号, figures (text is re-read)"
    )


class DraftEvent(BaseModel):
    """One step of a streamed draft, for the UI and the CLI."""

    kind: Literal["precedents", "item", "token", "variant", "done", "error"]
    text: str = ""
    variant: int = 0
    precedents: list[Precedent] = Field(default_factory=list)
    duplicates: list[Precedent] = Field(default_factory=list)
    item: Item | None = None
    draft: Draft | None = None
    error: str | None = None


class StoredDraft(BaseModel):
    """A draft as kept in the SQLite store, with the editor's current text."""

    id: int
    status: Literal["pending", "accepted"]
    draft: Draft
    title: str
    body: str
    commentary: str
    created_at: str
    updated_at: str
    batch_id: str | None = None
    version: int = Field(default=1, description="bumped by every save; a page saves only over the version it loaded")
    review_state: Literal["pending", "edited", "reviewed", "published"] = "pending"
    updated_by: str | None = None
    accepted_by: str | None = None
    reviewed_by: str | None = None
    accepted_at: str | None = None

    def accepted_item(self, text: dict[str, str] | None = None) -> Item:
        """The corpus item this draft becomes when accepted: id recomputed from the final title.

        ``text`` is the text as last accepted (DraftStore.accepted_text); autosaves after an accept change the
        row's title/body but not what went into the corpus. Default: the row's current text.
        """
        text = text or {"title": self.title, "body": self.body, "commentary": self.commentary}
        data = self.draft.item.model_dump() | {
            "id": "", "title": text["title"], "body": text["body"], "commentary": text["commentary"] or None,
            "issue": "accepted",
        }
        return Item.model_validate(data)


"""The drafting service: retrieve → prompt → model or offline → guard → Draft."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import ValidationError as PydanticValidationError

from drafting.corpus.profile import guess_section, profile_of
from drafting.errors import DraftingError, ModelError, ValidationError
from drafting.errors_zh import field_errors
from drafting.index.embeddings import REMOTE_EMBEDDINGS
from drafting.index.search import Retriever
from drafting.learning.rules import RuleBook, apply_rules, load_rules
from drafting.models import (
    Draft,
    DraftEvent,
    DraftRequest,
    Item,
    Precedent,
    Profile,
    SearchFilters,
    SearchResult,
    Usage,
)
from drafting.settings import Settings
from drafting.sources.reader import Document
from drafting.writing.guard import check as guard
from drafting.writing.job import DraftJob
from drafting.writing.model import ChatModel, model_names, variant_temperatures
from drafting.writing.offline import drafter as offline
from drafting.writing.offline.item import item_from_raw
from drafting.writing.prompts import Prompt, fence, load_prompts
from drafting.writing.refine import refine_with_model
from drafting.writing.source import card_lines, no_commentary_reason, request_section, source_document

logger = logging.getLogger(__name__)

MAX_SOURCE_CHARS = 20_000  # raw text sent to the model; a whole policy document fits, an annexed book does not
MAX_EXCERPT_CHARS = 6_000  # raw text shown beside the item when asking for the 短评
BODY_CHARS = (100, 350)
MAX_QUERY_CHARS = 600  # e5 reads at most 512 tokens; longer queries only cost time


def _json_object(text: str) -> dict[str, Any]:
    """The first JSON object in a model reply, tolerating ```json fences and chatter around it."""
    start = text.find("{")
    end = text.rfind("}")
    if start == -1 or end <= start:
        raise ValueError("no JSON object")
    value = json.loads(text[start:end + 1])
    if not isinstance(value, dict):
        raise TypeError("not an object")
    return value


def source_block(item: Item, raw_text: str | None = None, document: Document | None = None) -> str:
    """The new item as it goes inside <source>…</source>: fenced, with the source card and a raw-text excerpt."""
    lines = [f"标题：{item.title}", f"日期：{item.date or '近日'}", *card_lines(document), f"正文：{item.body}"]
    if raw_text:
        lines.append(f"原文节选：{raw_text[:MAX_EXCERPT_CHARS]}")
    return fence("\n".join(lines), "source")  # capped like every source (an API item may be megabytes)


def rough_item(request: DraftRequest, document: Document | None = None) -> Item | None:
    """The offline item of a raw-text request (None for an item request): cheap, and what precedents are searched by."""
    if request.item is not None:
        return None
    raw = request.raw_text.strip() if request.raw_text else ""
    return item_from_raw(raw, request_section(request), min_body=BODY_CHARS[0], max_body=BODY_CHARS[1],  # type: ignore[arg-type]
                         document=document or source_document(request))


def query_text(request: DraftRequest, rough: Item | None = None) -> str:
    """The exact text a draft searches precedents with, so a prefetch warms the same query-vector cache entry."""
    item = request.item or rough or rough_item(request)
    assert item is not None  # rough_item always makes one for raw text
    return f"{item.title}\n{item.body}"[:MAX_QUERY_CHARS]


_SOURCE_LINE = re.compile(r"^\s*来源[:：]\s*(https?://\S+)\s*$", re.MULTILINE)


def with_source_links(item: Item, raw: str) -> Item:
    """A raw text's 来源：URL lines (a fetched link, the 来源链接 box) become the item's source footnotes."""
    links = list(dict.fromkeys(_SOURCE_LINE.findall(raw)))
    return item if item.sources or not links else item.model_copy(update={"sources": links})


class DraftingService:
    """Drafts items and 短评 in house style, citing precedents."""

    def __init__(self, settings: Settings, retriever: Retriever) -> None:
        self.settings = settings
        self.retriever = retriever
        self._prompts: dict[str, Prompt] | None = None

    @property
    def prompts(self) -> dict[str, Prompt]:
        """Prompt files, read on first use so a missing file only matters when a model is called."""
        if self._prompts is None:
            self._prompts = load_prompts(self.settings.prompts_dir)
        return self._prompts

    def house_rules(self, request: DraftRequest | None = None) -> RuleBook:
        """The approved house rules, read at every draft so an approval reaches the next draft at once."""
        if request is not None and not request.use_rules:
            return RuleBook()
        return load_rules(self.settings.rules_file, legacy=self.settings.legacy_rules_file)

    def models(self) -> list[str]:
        """Configured model names the user may pick (empty when only offline)."""
        return model_names(self.settings.llm)

    # --- inputs -------------------------------------------------------------------------------

    def _check_request(self, request: DraftRequest) -> tuple[bool, str | None]:
        """(offline?, model name) after validating the request."""
        if request.item is None and not (request.raw_text and request.raw_text.strip()):
            raise ValidationError("没有可起草的内容：请粘贴原文，或提供条目（标题与正文）")
        if request.item is not None and not (request.item.title.strip() or request.item.body.strip()):
            raise ValidationError("条目的标题和正文都为空：请至少填写正文")
        names = self.models()
        use_offline = request.offline or not names
        if request.model and not use_offline and request.model not in names:
            raise ValidationError(f"模型“{request.model}”未配置：可选 {', '.join(names)}（见 DRAFTING_LLM__MODELS）")
        return use_offline, None if use_offline else (request.model or names[0])

    def job(self, request: DraftRequest) -> DraftJob:
        """The request read once: checked, its source card read, its rough item and its one profile made."""
        use_offline, model_name = self._check_request(request)
        raw = request.raw_text.strip() if request.raw_text and request.item is None else None
        document = source_document(request)
        # Precedents come first, so raw text is searched through its offline item (title + lead, a few hundred
        # characters): a whole pasted document would be slow to embed and mostly boilerplate.
        rough = rough_item(request, document)
        first = request.item or rough
        assert first is not None
        profile = (self.profile(first, model_name, document) if request.profile is None
                   else self._corrected(first, request, document))
        return DraftJob(request=request, offline=use_offline, model_name=model_name, raw=raw, document=document,
                        rough=rough, profile=profile, section=request_section(request) or first.section,
                        rules=self.house_rules(request))

    def prefetch(self, request: DraftRequest) -> bool:
        """Embed the text this request's draft will search with, ahead of the draft (the page calls it once a paste is
        read); True when the vector was not ready yet. A draft asked for meanwhile waits for it rather than embedding
        the same text again (index/embeddings.py QueryVectors)."""
        if self.settings.embedding.backend in REMOTE_EMBEDDINGS:
            return False  # a paste the editor may never draft is not sent to a paid provider
        text = query_text(request, rough_item(request, source_document(request)))
        if text in self.retriever.queries:
            return False
        self.retriever.queries.get(text)
        return True

    def _search(self, job: DraftJob) -> SearchResult:
        request = job.request
        k = request.k or self.settings.retrieval.k
        exclude = set(request.exclude_ids) or None
        text = query_text(request, job.rough)
        # The corpus's news and deals rarely carry a 短评: for them, same-section items without one still beat a
        # promotional plan as precedents (the few-shot prompt only uses those with a 短评).
        default = SearchFilters(has_commentary=True) if job.section in (None, "政策速递") else SearchFilters()
        result = self.retriever.search_profiled(text, job.profile, k, request.filters or default, section=job.section,
                                                exclude_ids=exclude)
        return result.model_copy(update={"profile": job.profile})

    @staticmethod
    def _corrected(item: Item, request: DraftRequest, document: Document | None = None) -> Profile:
        """The editor's profile; fields the editor left on 自动判断 come from the rules."""
        assert request.profile is not None
        if not request.profile_fields:
            return request.profile
        chosen = {f: getattr(request.profile, f) for f in request.profile_fields}
        return profile_of(item, document).model_copy(update=chosen | {"source": "editor"})

    def profile(self, item: Item, model_name: str | None = None, document: Document | None = None) -> Profile:
        """The item's profile: rules, refined by the model when configured and asked for (settings.profile_with_model)."""
        base = profile_of(item, document)
        if model_name and self.settings.profile_with_model:
            model = ChatModel(self.settings.llm, model=model_name, temperature=0.0)
            return refine_with_model(item, base, model, self.prompts["profile"])
        return base

    def _item_from_raw(self, raw: str, request: DraftRequest, model: ChatModel | None,
                       document: Document | None = None) -> tuple[Item, list[str]]:
        """The item drafted from raw text, and the prompt labels used; dated by the source card's published date."""
        chosen = request_section(request)
        if model is None:
            return item_from_raw(raw, chosen, min_body=BODY_CHARS[0], max_body=BODY_CHARS[1],  # type: ignore[arg-type]
                                 document=document), []
        section = chosen or guess_section(raw)
        prompt = self.prompts["item_from_raw"]
        text = prompt.render(source=fence(raw[:MAX_SOURCE_CHARS]), section=section, min_body=BODY_CHARS[0], max_body=BODY_CHARS[1])
        reply = model.complete([HumanMessage(content=text)])
        try:
            data = _json_object(reply)
            date = data.get("date")
            date = date if isinstance(date, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) else None
            item = Item(section=section, title=str(data["title"]).strip(), date=date, body=str(data["body"]).strip())
        except (ValueError, KeyError, TypeError) as exc:
            # A model that cannot answer in JSON still gets a usable item, from the offline heuristics.
            logger.warning("model reply was not an item JSON (%s); using the offline item", exc)
            item = item_from_raw(raw, section, min_body=BODY_CHARS[0], max_body=BODY_CHARS[1], document=document)  # type: ignore[arg-type]
        if not item.title or not item.body:
            item = item_from_raw(raw, section, min_body=BODY_CHARS[0], max_body=BODY_CHARS[1], document=document)  # type: ignore[arg-type]
        if document is not None and document.published:
            item = item.model_copy(update={"date": document.published})  # the card's date, never the model's guess
        return item, [prompt.label]

    def messages(self, item: Item, precedents: list[Precedent], raw_text: str | None = None, *,
                 profile: Profile, rules: RuleBook | None = None, document: Document | None = None) -> list[BaseMessage]:
        """System = style guide (+ approved house rules); user = few-shot precedents with their 短评 (same stance only), then the fenced new item."""
        g = self.settings.guard
        style = self.prompts["style_guide"].render(min_chars=g.min_chars, max_chars=g.max_chars)
        # A promotional plan's 短评 would teach praise to a warning: only precedents of the same stance are shown.
        # Their profiles are the index's (every precedent a search returns carries one).
        precedents = [p for p in precedents if p.profile is not None and p.profile.stance == profile.stance]
        if rules is not None and rules.rules:
            style = style.rstrip() + "\n\n" + rules.prompt()
        # An accepted 短评 is text someone typed: capped and fenced like a source (drafting/fence.py).
        shots = [
            {"section": p.item.section, "date": p.item.date, "title": fence(p.item.title, "precedent"),
             "body": fence(p.item.body, "precedent"), "commentary": fence(p.item.commentary, "precedent")}
            for p in precedents if p.item.commentary
        ]
        user = self.prompts["commentary"].render(
            precedents=shots, section=item.section, source=source_block(item, raw_text, document),
            min_chars=g.min_chars, max_chars=g.max_chars, kind=profile.kind, stance=profile.stance,
            issuer=profile.issuer or "未注明",
        )
        return [SystemMessage(content=style), HumanMessage(content=user)]

    # --- drafting -----------------------------------------------------------------------------

    def stream(self, request: DraftRequest) -> Iterator[DraftEvent]:
        """Precedents first, then the item (for raw text), then tokens, then one 'done' per variant."""
        try:
            yield from self._events(request, streaming=True)
        except DraftingError as exc:
            logger.info("draft failed: %s", exc)
            yield DraftEvent(kind="error", error=str(exc), text=str(exc))

    def _events(self, request: DraftRequest, *, streaming: bool) -> Iterator[DraftEvent]:
        job = self.job(request)
        job.result = self._search(job)
        yield DraftEvent(kind="precedents", precedents=job.result.precedents, duplicates=job.result.duplicates)

        # one total deadline per draft: the item step (raw text) and the first 短评 share it
        deadline = time.monotonic() + self.settings.llm.deadline
        item_model = (
            None if job.offline or request.item is not None
            else ChatModel(self.settings.llm, model=job.model_name, deadline_at=deadline)
        )
        item_seconds = 0.0
        if request.item is not None:
            job.item = request.item
        else:
            item_started = time.monotonic()
            if job.offline and job.rough:
                item = job.rough
            else:
                item, job.labels = self._item_from_raw(job.raw or "", request, item_model, job.document)
            item_seconds = time.monotonic() - item_started
            # The profile stays the one the precedents were chosen by and the editor sees on the card, even when the
            # model's item reads a little differently from the rough one.
            job.item = with_source_links(item, job.raw or "")
            for name in ("title", "body"):
                job.item_findings += guard.check_facts(getattr(job.item, name),
                                                       job.item.model_copy(update={"title": "", "body": ""}),
                                                       source_text=job.raw, field=name)
            yield DraftEvent(kind="item", item=job.item)
        wants_commentary = (
            request.commentary if request.commentary is not None
            else request.item is not None or job.drafted.section == "政策速递"
        )
        if job.raw and request.document is not None:
            # The editor's corrections are facts the source card vouches for: the guard and the drafter see them too.
            job.raw = "\n".join([job.raw, *card_lines(job.document)])
        if job.offline:
            events = self._offline_variants(job, wants_commentary)
        else:
            # The raw-text → item call is paid too: its tokens and time go to the first variant's usage.
            item_usage = (dict(item_model.usage) if item_model else {}, item_seconds)
            events = self._model_variants(job, wants_commentary, item_usage, streaming=streaming, deadline=deadline)
        for event in events:
            if event.kind == "done" and event.draft is not None:
                why = None if event.draft.commentary else no_commentary_reason(job.drafted, job.profile, wants_commentary)
                event = event.model_copy(update={"draft": event.draft.model_copy(update={"document": job.document,
                                                                                         "no_commentary": why})})
            yield event

    def _finish(self, job: DraftJob, commentary: str, *, model: str | None, temperature: float | None,
                prompt_version: str, usage: Usage | None = None) -> Draft:
        result, item = job.precedents, job.drafted
        findings = list(job.item_findings)
        if commentary:
            findings += guard.check(commentary, item, self.settings.guard, source_text=job.raw, profile=job.profile)
        return Draft(
            profile=job.profile, precedent_gap=result.precedent_gap,
            item=item, commentary=commentary, offline=job.offline, model=model, findings=findings,
            precedents=result.precedents, duplicates=result.duplicates, prompt_version=prompt_version,
            settings=self.settings.public(), temperature=temperature,
            rules_version=job.rules.label if commentary else None, usage=usage,
        )

    def _offline_variants(self, job: DraftJob, wants: bool) -> Iterator[DraftEvent]:
        g = self.settings.guard
        for v in range(job.request.variants):
            yield DraftEvent(kind="variant", variant=v, text=offline.OFFLINE_LABEL)
            text = offline.draft_commentary(job.drafted, job.precedents.precedents, variant=v, min_chars=g.min_chars,
                                            max_chars=g.max_chars, raw_text=job.raw, profile=job.profile,
                                            avoid=job.request.avoid_sentences) if wants else ""
            text = apply_rules(text, job.rules) if text else text  # the one place house rules touch the offline draft
            if text:
                yield DraftEvent(kind="token", variant=v, text=text)
            draft = self._finish(job, text, model=None, temperature=None, prompt_version=offline.OFFLINE_VERSION)
            yield DraftEvent(kind="done", variant=v, draft=draft, text=text)

    def _model_variants(self, job: DraftJob, wants: bool, item_usage: tuple[dict[str, int], float], *,
                        streaming: bool, deadline: float | None = None) -> Iterator[DraftEvent]:
        model_name = job.model_name or ""
        version = "+".join(job.labels + [self.prompts["style_guide"].label, self.prompts["commentary"].label])
        messages = self.messages(job.drafted, job.precedents.precedents, job.raw, profile=job.profile, rules=job.rules,
                                 document=job.document) if wants else []
        for v, temperature in enumerate(variant_temperatures(self.settings.llm.temperature, job.request.variants)):
            yield DraftEvent(kind="variant", variant=v, text=f"{model_name} @ {temperature:g}")
            parts: list[str] = []
            tokens, seconds = item_usage if v == 0 else ({}, 0.0)
            tokens = dict(tokens)
            if wants:
                started = time.monotonic()
                # each further variant is a draft of its own, with its own deadline
                deadline_at = deadline if v == 0 and deadline else time.monotonic() + self.settings.llm.deadline
                model = ChatModel(self.settings.llm, model=model_name, temperature=temperature, deadline_at=deadline_at)
                if streaming:
                    # A cut after the first token raises ModelError: the partial text never becomes a Draft.
                    for token in model.stream(messages):
                        parts.append(token)
                        yield DraftEvent(kind="token", variant=v, text=token)
                else:
                    parts.append(model.complete(messages))  # nothing shown yet, so a cut stream is simply retried
                    yield DraftEvent(kind="token", variant=v, text=parts[-1])
                for key, count in model.usage.items():
                    tokens[key] = tokens.get(key, 0) + count
                seconds += time.monotonic() - started
            usage = self._usage(model_name, tokens, seconds) if wants or tokens else None
            text = "".join(parts).strip()
            text = re.sub(r"^\s*植德短评\s*[:：]\s*", "", text)  # models sometimes echo the heading
            if wants and not text:
                # an empty reply must never be saved as a 短评 with "no problems found"
                raise ModelError(f"模型 {model_name} 返回了空白的短评：本次草稿已丢弃，请重新生成或改用离线草稿")
            draft = self._finish(job, text, model=model_name, temperature=temperature, prompt_version=version,
                                 usage=usage)
            yield DraftEvent(kind="done", variant=v, draft=draft, text=text)

    def _usage(self, model_name: str, tokens: dict[str, int], seconds: float) -> Usage:
        """Tokens as the provider reported them, the wall time, and the cost at the configured price."""
        price = self.settings.learning.prices.get(model_name)
        pt, ct = tokens.get("prompt_tokens", 0), tokens.get("completion_tokens", 0)
        cost = (pt * price.input + ct * price.output) / 1_000_000 if price and tokens else None
        return Usage(prompt_tokens=pt, completion_tokens=ct, latency_s=round(seconds, 3), cost=cost)

    def draft(self, request: DraftRequest) -> list[Draft]:
        """All variants, finished; ModelError when the provider fails after retries."""
        return [e.draft for e in self._events(request, streaming=False) if e.kind == "done" and e.draft is not None]


def request_from_input(text: str, *, raw: bool, source: str = "输入", section: str | None = None, **options: Any) -> DraftRequest:
    """A DraftRequest from CLI/UI input: an item as JSON (the parse shape), or with raw=True any pasted text."""
    if not text or not text.strip():
        raise ValidationError(f"{source}为空：请提供条目 JSON，或用 --raw 粘贴原文")
    if raw:
        return DraftRequest(raw_text=text, section=section, **options)  # type: ignore[arg-type]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{source}不是有效的条目 JSON（第 {exc.lineno} 行：{exc.msg}）：若是原文请加 --raw"
        ) from exc
    if isinstance(data, dict) and "items" in data and isinstance(data["items"], list) and data["items"]:
        data = data["items"][0]  # the output of `drafting parse --json`: its first item
    if not isinstance(data, dict):
        raise ValidationError(f"{source}应是一个条目对象 {{section, title, date, body, sources}}")
    if section:
        data = {**data, "section": section}
    data.setdefault("section", "政策速递")
    try:
        item = Item.model_validate({k: v for k, v in data.items() if k in Item.model_fields and k != "id"})
    except PydanticValidationError as exc:
        raise ValidationError(f"{source}中的条目字段有误：{field_errors(exc.errors())}"
                              "（条目需要 section（政策速递/行业新闻/交易资讯）、title、body，date 可留空）") from exc
    return DraftRequest(item=item.model_copy(update={"commentary": None}), **options)

"""Edit analytics: how far each accepted text is from the machine's draft, what kind of change, and by what.

Edits are found with difflib on jieba tokens (never whitespace tokens for Chinese; autojunk off, since it
silently treats frequent tokens as junk on long texts), then minimised by trimming equal tokens at both
ends, so the same change made in different sentences counts as the same edit.
"""

from __future__ import annotations

import hashlib
import logging
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from drafting.learning.phrases import changes
from drafting.models import StoredDraft
from drafting.store import DraftStore

logger = logging.getLogger(__name__)

FIELDS = ("title", "body", "commentary")
OFFLINE_MODEL = "离线草稿"
_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]?")
# Facts an editor adds or removes: 《titles》, dates, amounts and percentages.
_FACT = re.compile(r"《[^《》]{1,80}》|\d{4}年\d{1,2}月(?:\d{1,2}日)?|\d+(?:\.\d+)?\s*(?:%|％|亿元|万元|元|亿|万|个|项|家)?")


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)  # no dictionary-loading banner in CLI output
    return jieba


def tokens(text: str) -> list[str]:
    """jieba tokens in precise mode (they concatenate back to the text)."""
    return _jieba().lcut(text) if text else []


class Edit(BaseModel):
    """One minimal change: delete `before`, insert `after`, or replace one with the other."""

    op: Literal["delete", "insert", "replace"]
    before: str = ""
    after: str = ""


def _minimise(before: list[str], after: list[str]) -> tuple[str, str]:
    """Trim tokens equal at both ends (ERRANT's Edit.minimise); whole tokens, so 提出→作出 never becomes 提→作."""
    i = 0
    while i < min(len(before), len(after)) and before[i] == after[i]:
        i += 1
    before, after = before[i:], after[i:]
    j = 0
    while j < min(len(before), len(after)) and before[-1 - j] == after[-1 - j]:
        j += 1
    return "".join(before[: len(before) - j]), "".join(after[: len(after) - j])


def edits(machine: str, final: str) -> list[Edit]:
    """The minimal edits turning the machine's text into the editor's, on jieba tokens."""
    a, b = tokens(machine), tokens(final)
    out: list[Edit] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        before, after = _minimise(a[i1:i2], b[j1:j2])
        if not before.strip() and not after.strip():
            continue
        op: Literal["delete", "insert", "replace"] = "replace" if before and after else ("delete" if before else "insert")
        out.append(Edit(op=op, before=before.strip(), after=after.strip()))
    return out


def sentences(text: str) -> list[str]:
    """Sentences of a Chinese text, each with its closing mark."""
    return [s.strip() for s in _SENTENCE.findall(text or "") if s.strip()]


def facts(text: str) -> set[str]:
    """Titles, dates and figures stated in a text."""
    return {re.sub(r"\s+", "", m) for m in _FACT.findall(text or "") if m.strip()}


def unmatched(these: list[str], others: list[str], *, similarity: float = 60.0) -> list[str]:
    """Sentences of `these` with no similar sentence in `others`: dropped or added, not merely reworded."""
    return [s for s in these if not others or max(fuzz.ratio(s, o) for o in others) < similarity]


class FieldEdit(BaseModel):
    """Distance between the machine's and the editor's version of one field."""

    machine_chars: int
    final_chars: int
    distance: int = Field(description="character Levenshtein distance")
    ratio: float = Field(description="distance / the longer text's length; 0 = taken as drafted")


def field_edit(machine: str, final: str) -> FieldEdit:
    """Character edit distance and ratio of one field."""
    distance = Levenshtein.distance(machine, final)
    longest = max(len(machine), len(final))
    return FieldEdit(machine_chars=len(machine), final_chars=len(final), distance=distance,
                     ratio=distance / longest if longest else 0.0)


class EditRecord(BaseModel):
    """One accepted draft: what changed, and everything it may be grouped by."""

    draft_id: int
    title: str
    section: str
    model: str
    prompt_version: str
    rules_version: str
    precedent_set: str = Field(description="short hash of the precedent ids the draft was shown")
    month: str = Field(description="YYYY-MM of the accept")
    batch_id: str | None = None
    item_key: str = Field(default="", description="the item drafted (drafts of the same item share it); '' = the draft alone")
    editor: str = Field(default="", description="who accepted it")
    fields: dict[str, FieldEdit]
    facts_added: int
    facts_removed: int
    sentences_dropped: int
    sentences_added: int
    phrases_replaced: int
    length_change: int = Field(description="final minus machine characters of the 短评")
    replacements: list[tuple[str, str]] = Field(default_factory=list)
    machine_commentary: str = ""
    final_commentary: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float | None = None
    cost: float | None = None


def replaced_phrases(machine: str, final: str) -> list[tuple[str, str]]:
    """(before, after) of each word or short phrase the editor replaced inside a clause that stays (the 统计 tab's
    最常被替换的措辞): whole jieba words, sentences aligned first, so a rewritten sentence is no swap (了 → 三年)."""
    return [(c.before, c.after) for c in changes(machine, final) if c.kind == "swap"]


def text_record(draft_id: int, machine: str, final: str, *, item_key: str = "", editor: str = "",
                month: str = "2000-01", section: str = "政策速递") -> EditRecord:
    """The edit record of a 短评 alone (no stored draft): evaluations and fixtures."""
    zero = FieldEdit(machine_chars=0, final_chars=0, distance=0, ratio=0.0)
    replacements = replaced_phrases(machine, final)
    return EditRecord(
        draft_id=draft_id, title="", section=section, model=OFFLINE_MODEL, prompt_version="-", rules_version="无规则",
        precedent_set="-", month=month, fields={"title": zero, "body": zero, "commentary": field_edit(machine, final)},
        facts_added=len(facts(final) - facts(machine)), facts_removed=len(facts(machine) - facts(final)),
        sentences_dropped=len(unmatched(sentences(machine), sentences(final))),
        sentences_added=len(unmatched(sentences(final), sentences(machine))), phrases_replaced=len(replacements),
        length_change=len(final) - len(machine), replacements=replacements, machine_commentary=machine,
        final_commentary=final, item_key=item_key, editor=editor)


def record_for(stored: StoredDraft, final: dict[str, str]) -> EditRecord:
    """The edit record of one accepted draft, from its machine draft and the text as accepted."""
    d = stored.draft
    machine = {"title": d.item.title, "body": d.item.body, "commentary": d.commentary}
    fields = {f: field_edit(machine[f], final.get(f, "") or "") for f in FIELDS}
    m_text = " ".join(machine.values())
    f_text = " ".join(final.get(f, "") or "" for f in FIELDS)
    m_facts, f_facts = facts(m_text), facts(f_text)
    m_sent, f_sent = sentences(d.commentary), sentences(final.get("commentary", ""))
    replacements = [pair for f in FIELDS for pair in replaced_phrases(machine[f], final.get(f, "") or "")]
    usage = d.usage
    return EditRecord(
        draft_id=stored.id, title=final.get("title", stored.title), section=d.item.section,
        model=d.model or OFFLINE_MODEL, prompt_version=d.prompt_version or "-", rules_version=d.rules_version or "无规则",
        precedent_set=hashlib.sha1("|".join(sorted(p.item.id for p in d.precedents)).encode()).hexdigest()[:8],
        month=(final.get("accepted_at") or stored.updated_at)[:7], batch_id=stored.batch_id, fields=fields,
        item_key=d.item.id, editor=final.get("accepted_by") or stored.accepted_by or "",
        facts_added=len(f_facts - m_facts), facts_removed=len(m_facts - f_facts),
        sentences_dropped=len(unmatched(m_sent, f_sent)), sentences_added=len(unmatched(f_sent, m_sent)),
        phrases_replaced=len(replacements), length_change=len(final.get("commentary", "")) - len(d.commentary),
        replacements=replacements, machine_commentary=d.commentary, final_commentary=final.get("commentary", ""),
        prompt_tokens=usage.prompt_tokens if usage else 0, completion_tokens=usage.completion_tokens if usage else 0,
        latency_s=usage.latency_s if usage else None, cost=usage.cost if usage else None,
    )


def history(store: DraftStore, *, limit: int = 100_000) -> list[EditRecord]:
    """Edit records of every accepted draft, oldest first."""
    records = []
    for stored in reversed(store.list(status="accepted", limit=limit)):
        final = store.accepted_text(stored.id) or {"title": stored.title, "body": stored.body, "commentary": stored.commentary}
        records.append(record_for(stored, final))
    return records


class Group(BaseModel):
    """Mean figures of the accepted drafts sharing one value (a month, a section, a model …)."""

    key: str
    drafts: int
    commentary_ratio: float
    body_ratio: float
    title_ratio: float
    commentary_distance: float


class CostGroup(BaseModel):
    """Tokens, latency and cost of the model drafts of one issue (batch) or one model."""

    key: str
    drafts: int
    prompt_tokens: int
    completion_tokens: int
    mean_latency_s: float | None
    cost: float | None


class Stats(BaseModel):
    """Everything the 统计 tab and `drafting stats` show."""

    drafts: int
    overall: Group | None
    by_month: list[Group]
    by_section: list[Group]
    by_model: list[Group]
    by_prompt_version: list[Group]
    by_rules_version: list[Group]
    by_precedent_set: list[Group]
    kinds: dict[str, int] = Field(description="totals: facts_added, facts_removed, sentences_dropped, …")
    top_replacements: list[tuple[str, str, int]] = Field(description="(before, after, drafts) most often replaced")
    cost_by_model: list[CostGroup]
    cost_by_issue: list[CostGroup]
    currency: str = "元"


def _group(key: str, rows: list[EditRecord]) -> Group:
    return Group(
        key=key, drafts=len(rows),
        commentary_ratio=round(statistics.fmean(r.fields["commentary"].ratio for r in rows), 4),
        body_ratio=round(statistics.fmean(r.fields["body"].ratio for r in rows), 4),
        title_ratio=round(statistics.fmean(r.fields["title"].ratio for r in rows), 4),
        commentary_distance=round(statistics.fmean(r.fields["commentary"].distance for r in rows), 2),
    )


def _by(records: Iterable[EditRecord], key: Callable[[EditRecord], str]) -> list[Group]:
    groups: dict[str, list[EditRecord]] = defaultdict(list)
    for r in records:
        groups[key(r)].append(r)
    return [_group(k, rows) for k, rows in sorted(groups.items())]


def _costs(records: Iterable[EditRecord], key: Callable[[EditRecord], str | None]) -> list[CostGroup]:
    groups: dict[str, list[EditRecord]] = defaultdict(list)
    for r in records:
        if r.model != OFFLINE_MODEL and (k := key(r)):
            groups[k].append(r)
    out = []
    for k, rows in sorted(groups.items()):
        lat = [r.latency_s for r in rows if r.latency_s is not None]
        costs = [r.cost for r in rows if r.cost is not None]
        out.append(CostGroup(
            key=k, drafts=len(rows), prompt_tokens=sum(r.prompt_tokens for r in rows),
            completion_tokens=sum(r.completion_tokens for r in rows),
            mean_latency_s=round(statistics.fmean(lat), 3) if lat else None,
            cost=round(sum(costs), 6) if costs else None,
        ))
    return out


def summarise(records: list[EditRecord], *, currency: str = "元", top: int = 15) -> Stats:
    """Edit ratios by month, section, model, prompt, rules and precedent set; kinds of change; costs."""
    pairs: Counter[tuple[str, str]] = Counter()
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in records:
        for pair in set(r.replacements):  # counted once per item: the same item drafted again is not a second case
            seen[pair].add(r.item_key or f"#{r.draft_id}")
    pairs.update({pair: len(items) for pair, items in seen.items()})
    kinds = ("facts_added", "facts_removed", "sentences_dropped", "sentences_added", "phrases_replaced")
    return Stats(
        drafts=len(records),
        overall=_group("全部", records) if records else None,
        by_month=_by(records, lambda r: r.month),
        by_section=_by(records, lambda r: r.section),
        by_model=_by(records, lambda r: r.model),
        by_prompt_version=_by(records, lambda r: r.prompt_version),
        by_rules_version=_by(records, lambda r: r.rules_version),
        by_precedent_set=sorted(_by(records, lambda r: r.precedent_set), key=lambda g: -g.drafts)[:top],
        kinds={k: sum(getattr(r, k) for r in records) for k in kinds}
        | {"length_change": sum(r.length_change for r in records)},
        top_replacements=[(a, b, n) for (a, b), n in pairs.most_common(top)],
        cost_by_model=_costs(records, lambda r: r.model),
        cost_by_issue=_costs(records, lambda r: r.batch_id or r.month),
        currency=currency,
    )

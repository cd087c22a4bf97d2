"""Profile evaluation: accuracy per field of the deterministic (or model-refined) profile on a labelled set."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from drafting.corpus.profile import profile_of
from drafting.errors import ValidationError
from drafting.index.search import Retriever
from drafting.models import Item, Profile, SearchFilters, Section
from drafting.settings import ROOT

DEFAULT_PROFILE_PATH = ROOT / "tests" / "data" / "profiles_eval.jsonl"
FIELDS = ("kind", "stance", "issuer", "level")


class ProfileCase(BaseModel):
    """A new item with the profile a lawyer would give it."""

    id: str
    section: Section
    title: str
    date: str | None = None
    body: str
    expected: dict[str, str | None] = Field(description="kind, stance, issuer, level")

    def item(self) -> Item:
        """The case as an item (no 短评)."""
        return Item(section=self.section, title=self.title, date=self.date, body=self.body)


class ProfileRow(BaseModel):
    """One case: what was expected and what was found."""

    id: str
    title: str
    expected: dict[str, str | None]
    found: Profile
    correct: dict[str, bool]


class ProfileReport(BaseModel):
    """Accuracy per field, per-genre accuracy of kind and stance, and each row."""

    cases: int
    accuracy: dict[str, float]
    rows: list[ProfileRow]

    def table(self) -> str:
        """Printable: one line per miss, then the accuracy per field."""
        lines = []
        for r in self.rows:
            misses = [f"{f}: {r.expected.get(f)} ≠ {getattr(r.found, f)}" for f in FIELDS if not r.correct[f]]
            if misses:
                lines.append(f"{r.id} {r.title[:24]}  " + "；".join(misses))
        lines.append(f"{'字段':<8}准确率（{self.cases} 条）")
        lines += [f"{f:<8}{self.accuracy[f]:.3f}" for f in FIELDS]
        return "\n".join(lines)


def load_profile_cases(path: Path = DEFAULT_PROFILE_PATH) -> list[ProfileCase]:
    """Read the labelled JSONL; ValidationError names the line to fix."""
    if not path.exists():
        raise ValidationError(f"找不到画像评测数据 {path}：用 --data 指定 JSONL 文件")
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                cases.append(ProfileCase.model_validate(json.loads(line)))
            except (json.JSONDecodeError, PydanticValidationError) as exc:
                raise ValidationError(f"{path} 第 {n} 行不是有效的画像评测条目：{exc}") from exc
    return cases


def _same(field: str, expected: str | None, found: str | None) -> bool:
    if field != "issuer":
        return expected == found
    # An issuer is right when one name contains the other (山东省工业和信息化厅等部门 ~ 山东省工业和信息化厅).
    fold = [re.sub(r"\s+|等部门$", "", unicodedata.normalize("NFKC", x or "")) for x in (expected, found)]
    return bool(fold[0] and fold[1]) and (fold[0] in fold[1] or fold[1] in fold[0])


def evaluate_profiles(cases: list[ProfileCase], profiler: Callable[[Item], Profile] = profile_of) -> ProfileReport:
    """Profile every case and compare field by field."""
    rows = []
    for case in cases:
        found = profiler(case.item())
        correct = {f: _same(f, case.expected.get(f), getattr(found, f)) for f in FIELDS}
        rows.append(ProfileRow(id=case.id, title=case.title, expected=case.expected, found=found, correct=correct))
    n = len(rows) or 1
    accuracy = {f: sum(r.correct[f] for r in rows) / n for f in FIELDS}
    return ProfileReport(cases=len(rows), accuracy=accuracy, rows=rows)


# Phrases that praise a plan; a warning, regulation, rule or licence regime must not be described with them.
PROMO_PHRASES = ("前瞻性", "高度重视", "高度关注", "明确方向", "战略部署", "系统部署", "发展机遇", "政策机遇", "清晰的蓝图",
                 "有力的政策支撑", "策略思考", "广阔的空间", "配套细则")


class KindPrecision(BaseModel):
    """Same-kind and same-stance precision@3 of one ranking over the labelled set, and how often a gap is reported."""

    same_kind_p3: float
    same_stance_p3: float
    cases: int
    gaps: int


def _precision(found: list[Profile], want: str, field: str, available: int) -> float:
    hits = sum(1 for p in found[:3] if getattr(p, field) == want)
    return hits / min(3, available) if available else 0.0


def evaluate_kind_precision(retriever: Retriever, cases: list[ProfileCase]) -> dict[str, KindPrecision]:
    """Precision@3 of same-kind (and same-stance) precedents: plain hybrid search vs profile-ranked search.

    The denominator is min(3, corpus items of that kind with a 短评), so a kind the corpus lacks is not counted
    against retrieval; those cases should instead report a precedent gap.
    """
    items = [i for i in retriever.index.items() if i.commentary]
    profiles = [profile_of(i) for i in items]
    out: dict[str, KindPrecision] = {}
    for label in ("hybrid", "profile"):
        kind_p: list[float] = []
        stance_p: list[float] = []
        gaps = 0
        for case in cases:
            want = profile_of(case.item()) if label == "profile" else None
            filters = SearchFilters(has_commentary=True)
            text = case.item().title + "\n" + case.item().body
            if want is not None:
                result = retriever.search_profiled(text, want, 3, filters, section=case.section)
                gaps += result.precedent_gap
            else:
                result = retriever.search(text, k=3, filters=filters)
            found = [p.profile or profile_of(p.item) for p in result.precedents]
            kind, stance = case.expected["kind"] or "", case.expected["stance"] or ""
            n_kind = sum(1 for p in profiles if p.kind == kind)
            n_stance = sum(1 for p in profiles if p.stance == stance)
            if n_kind:
                kind_p.append(_precision(found, kind, "kind", n_kind))
            if n_stance:
                stance_p.append(_precision(found, stance, "stance", n_stance))
        out[label] = KindPrecision(
            same_kind_p3=sum(kind_p) / len(kind_p) if kind_p else 0.0,
            same_stance_p3=sum(stance_p) / len(stance_p) if stance_p else 0.0, cases=len(kind_p), gaps=gaps,
        )
    return out


class StanceRow(BaseModel):
    """Offline 短评 of one stance: how many carry promotional phrases, call an event 文件, or miss the length."""

    stance: str
    drafts: int
    promotional: int
    event_called_document: int
    length_ok: int
    examples: list[str] = Field(default_factory=list)


def evaluate_offline_stance(cases: list[ProfileCase], min_chars: int = 130, max_chars: int = 200) -> list[StanceRow]:
    """Offline 短评 for every labelled item, checked per stance for praise, 文件 for events, and length."""
    from drafting.corpus.profile import EVENT_KINDS
    from drafting.writing.offline.drafter import draft_commentary

    rows: dict[str, StanceRow] = {}
    for case in cases:
        item = case.item()
        text = draft_commentary(item, [], profile=profile_of(item), min_chars=min_chars, max_chars=max_chars)
        stance = case.expected["stance"] or ""
        row = rows.setdefault(stance, StanceRow(stance=stance, drafts=0, promotional=0, event_called_document=0, length_ok=0))
        row.drafts += 1
        promo = [p for p in PROMO_PHRASES if p in text]
        if promo and stance != "促进":
            row.promotional += 1
            row.examples.append(f"{case.id}: {'、'.join(promo)}")
        if case.expected["kind"] in EVENT_KINDS and re.search(r"该文件|此文件|系统部署", text):
            row.event_called_document += 1
        row.length_ok += min_chars <= len(re.sub(r"\s+", "", text)) <= max_chars
    return list(rows.values())


def stance_table(rows: list[StanceRow]) -> str:
    """Printable per-stance check of offline drafts."""
    lines = [f"{'立场':<6}{'篇数':>5}{'褒扬套话':>8}{'事件称文件':>8}{'字数合规':>8}"]
    for r in rows:
        lines.append(f"{r.stance:<6}{r.drafts:>6}{r.promotional:>10}{r.event_called_document:>10}{r.length_ok:>10}")
        lines += [f"    {e}" for e in r.examples[:5]]
    return "\n".join(lines)

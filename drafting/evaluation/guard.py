"""`drafting eval guard`: recall of the fact check per planted kind, and false alarms on clean 短评.

The set (tests/data/guard_eval.jsonl, written by tools/make_guard_eval.py) holds realistic 短评 each with one
invented fact at a labelled span, and clean 短评 that use official short forms. A plant counts as caught when a
fact finding overlaps its span; a clean 短评 is a false alarm when any fact finding is raised on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from drafting.corpus.profile import profile_of
from drafting.errors import ValidationError
from drafting.models import Finding, Item
from drafting.settings import GuardSettings
from drafting.writing.guard.check import FACT_KINDS, check

DEFAULT_GUARD_EVAL_PATH = Path(__file__).resolve().parents[2] / "tests" / "data" / "guard_eval.jsonl"


class GuardCase(BaseModel):
    """One labelled 短评: kind 'clean', or the kind of its one planted fact and where it is."""

    id: str
    item: Item
    commentary: str
    kind: str
    note: str = ""
    span: tuple[int, int] | None = None
    planted: str | None = None


class KindScore(BaseModel):
    kind: str
    planted: int
    caught: int
    missed: list[str]

    @property
    def recall(self) -> float:
        return self.caught / self.planted if self.planted else 0.0


class GuardReport(BaseModel):
    kinds: list[KindScore]
    clean: int
    false_alarms: list[str]
    alarm_findings: list[str]

    @property
    def false_alarm_rate(self) -> float:
        return len(self.false_alarms) / self.clean if self.clean else 0.0

    @property
    def recall(self) -> float:
        planted = sum(k.planted for k in self.kinds)
        return sum(k.caught for k in self.kinds) / planted if planted else 0.0

    def as_json(self) -> dict[str, Any]:
        return {"recall": round(self.recall, 4), "false_alarm_rate": round(self.false_alarm_rate, 4), "clean": self.clean,
                "false_alarms": self.false_alarms, "alarm_findings": self.alarm_findings,
                "kinds": [{"kind": k.kind, "planted": k.planted, "caught": k.caught, "recall": round(k.recall, 4),
                           "missed": k.missed} for k in self.kinds]}

    def table(self) -> str:
        lines = [f"{'kind':<16} {'planted':>7} {'caught':>6} {'recall':>7}"]
        for k in self.kinds:
            lines.append(f"{k.kind:<16} {k.planted:>7} {k.caught:>6} {k.recall:>7.3f}")
        lines.append(f"{'all':<16} {sum(k.planted for k in self.kinds):>7} {sum(k.caught for k in self.kinds):>6} {self.recall:>7.3f}")
        lines.append(f"false alarms: {len(self.false_alarms)} of {self.clean} clean 短评 ({self.false_alarm_rate:.1%})")
        return "\n".join(lines)


def _item(data: dict[str, Any]) -> Item:
    fields = {k: v for k, v in data.items() if k in Item.model_fields}
    if data.get("source") and "sources" not in fields:
        fields["sources"] = [data["source"]]
    return Item.model_validate(fields)


def load_guard_cases(path: Path = DEFAULT_GUARD_EVAL_PATH) -> list[GuardCase]:
    """The labelled set; a missing file or a bad line is a clear error naming it."""
    if not path.is_file():
        raise ValidationError(f"找不到事实核查评测数据 {path}：用 --data 指定 JSONL 文件")
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            cases.append(GuardCase.model_validate({**raw, "item": _item(raw["item"])}))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValidationError(f"{path} 第 {n} 行不是有效的评测记录：{exc}") from exc
    return cases


def checked_kinds() -> frozenset[str]:
    """Finding kinds that state a fact is wrong (length, voice and style findings are not counted)."""
    return FACT_KINDS | {"fragment", "wrong_document"}


def _overlaps(f: Finding, span: tuple[int, int]) -> bool:
    return f.span is not None and f.span[0] < span[1] and span[0] < f.span[1]


def evaluate_guard(cases: list[GuardCase], settings: GuardSettings | None = None) -> GuardReport:
    """Run the guard on every case: per-kind recall and the false alarms on clean 短评."""
    settings = settings or GuardSettings()
    kinds = checked_kinds()
    scores: dict[str, KindScore] = {}
    clean = 0
    alarms: list[str] = []
    alarm_findings: list[str] = []
    for case in cases:
        found = [f for f in check(case.commentary, case.item, settings, profile=profile_of(case.item)) if f.kind in kinds]
        if case.kind == "clean":
            clean += 1
            if found:
                alarms.append(case.id)
                alarm_findings += [f"{case.id} {f.kind} {f.text}" for f in found]
            continue
        score = scores.setdefault(case.kind, KindScore(kind=case.kind, planted=0, caught=0, missed=[]))
        score.planted += 1
        if case.span is not None and any(_overlaps(f, case.span) for f in found):
            score.caught += 1
        else:
            score.missed.append(f"{case.id} {case.planted}")
    return GuardReport(kinds=sorted(scores.values(), key=lambda s: s.kind), clean=clean, false_alarms=alarms,
                       alarm_findings=alarm_findings)

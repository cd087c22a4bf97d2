"""Profile evaluation: accuracy per field of the deterministic (or model-refined) profile on a labelled set."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from drafting.errors import ValidationError
from drafting.models import Item, Profile, Section
from drafting.profile import profile_of
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

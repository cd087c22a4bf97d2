"""Two editors' saves of one draft merged by paragraph, against the version both started from (merge3).

Changes to different paragraphs merge by themselves; a paragraph both changed differently is a conflict the editor
resolves by choosing a side (or editing). Paragraphs are the lines of a field, as the page and Word keep them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from merge3 import Merge3

FIELDS = ("title", "body", "commentary")


@dataclass
class Conflict:
    """One stretch of paragraphs both sides changed differently."""

    field: str
    base: list[str]
    mine: list[str]
    theirs: list[str]


@dataclass
class Merged:
    """The fields with every non-overlapping change of both sides, and the stretches that overlap."""

    text: dict[str, str]
    conflicts: list[Conflict] = field(default_factory=list)
    changed_by_both: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Nothing overlaps: the merged text can be saved as it is."""
        return not self.conflicts


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _merge_one(name: str, base: str, mine: str, theirs: str, prefer: str | None) -> tuple[str, list[Conflict]]:
    out: list[str] = []
    conflicts: list[Conflict] = []
    for group in Merge3(_lines(base), _lines(mine), _lines(theirs)).merge_groups():
        kind = group[0]
        if kind == "conflict":
            b, m, t = (list(g) for g in group[1:])
            conflicts.append(Conflict(name, b, m, t))
            out.extend(t if prefer == "theirs" else m)
        else:
            out.extend(group[1])
    return "\n".join(out), conflicts


def merge(base: dict[str, str], mine: dict[str, str], theirs: dict[str, str], *, prefer: str | None = None) -> Merged:
    """Merge each field; overlapping stretches take ``prefer``'s side ("mine" by default) and are listed."""
    text: dict[str, str] = {}
    result = Merged(text)
    for name in FIELDS:
        b, m, t = base.get(name, ""), mine.get(name, ""), theirs.get(name, "")
        if m == t or m == b:
            text[name] = t
            continue
        if t == b:
            text[name] = m
            continue
        result.changed_by_both.append(name)
        text[name], conflicts = _merge_one(name, b, m, t, prefer)
        result.conflicts.extend(conflicts)
    return result

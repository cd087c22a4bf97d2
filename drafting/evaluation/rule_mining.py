"""How good are the house rules mined from a labelled set of editor edits (tests/data/rule_edits.json)?

The set names, before any rule was written, the habits the miner should propose (`rules`), the edits that must not
become rules (`traps`) and the word swaps that are real (`swaps`). Reported:

- proposals (length proposals aside), how many match a labelled habit (precision) and how many habits are found
  (recall);
- proposals that cut a word (the phrase does not start and end on jieba word boundaries of an evidence draft) or
  cross a clause (a swap with clause punctuation in it);
- proposals supported by fewer independent items than the minimum (the same item drafted again counted twice);
- the preview's agreement: on its evidence, how often applying the rule does a part of what the editor did;
- 最常被替换的措辞 (phrases replaced in two drafts or more): how many, and how many are labelled word swaps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from drafting.errors import ValidationError
from drafting.learning.edits import EditRecord, summarise, text_record
from drafting.learning.preview import agrees
from drafting.learning.rules import Rule, mine
from drafting.textdiff import words

DEFAULT_FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "data" / "rule_edits.json"
CLAUSE_MARKS = set("，。；：！？,;:!?")


def fixture_records(data: dict[str, Any]) -> list[EditRecord]:
    """One edit record per labelled edit (the 短评 alone)."""
    return [text_record(e["draft"], e["machine"], e["final"], item_key=e["item"], editor=e["editor"], month=e["month"])
            for e in data["edits"]]


def _matches(rule: Rule, label: dict[str, Any]) -> bool:
    if rule.kind != label["kind"]:
        return False
    if label["kind"] == "replace":
        return (rule.before, rule.after) == (label["before"], label["after"])
    text = rule.after if rule.kind == "add" else rule.before
    return any(mark in (text or "") or (text or "") in mark for mark in label["marks"])


def _on_word_boundaries(phrase: str, text: str) -> bool:
    """Every piece of the phrase (pieces joined by …) found in text starts and ends where jieba words do."""
    cuts = {0}
    for w in words(text):
        cuts.add(max(cuts) + len(w))
    found = False
    for piece in filter(None, phrase.split("…")):
        start = text.find(piece)
        while start >= 0:
            found = True
            if start not in cuts or start + len(piece) not in cuts:
                return False
            start = text.find(piece, start + 1)
    return found or not phrase


def _bad_boundary(rule: Rule, by_id: dict[int, EditRecord]) -> bool:
    if rule.kind == "replace" and CLAUSE_MARKS & set((rule.before or "") + (rule.after or "")):
        return True
    if rule.kind in ("delete", "replace") and rule.before:
        return any(not _on_word_boundaries(rule.before, by_id[i].machine_commentary) for i in rule.evidence if i in by_id)
    return False


def _independent(rule: Rule, by_id: dict[int, EditRecord]) -> int:
    return len({by_id[i].item_key or str(i) for i in rule.evidence if i in by_id})


def _agreement(rule: Rule, by_id: dict[int, EditRecord]) -> tuple[int, int]:
    """(evidence drafts where the preview shows what the editor did, evidence drafts).

    Agreeing means: the rule changes the 短评 and what it does is a part of what the editor did (drafting/learning/
    preview.py's ``agrees``).
    """
    ids = [i for i in rule.evidence if i in by_id]
    return sum(1 for i in ids if agrees(rule, by_id[i].machine_commentary, by_id[i].final_commentary)), len(ids)


def _labelled(pair: tuple[str, str], swaps: set[tuple[str, str]]) -> bool:
    """A replaced pair is a labelled swap, also when it is the changing word of one (2024 → 2025 in 2024年 → 2025年)."""
    a, b = pair
    return any(a in la and b in lb and la.replace(a, "", 1) == lb.replace(b, "", 1) for la, lb in swaps)


def evaluate(path: Path = DEFAULT_FIXTURE, *, min_support: int = 3) -> dict[str, Any]:
    """The figures above for the miner and the statistics as they are now."""
    if not Path(path).is_file():
        raise ValidationError(f"找不到标注的修改集 {Path(path).name}：请给出文件路径（格式见 tests/data/rule_edits.json）。")
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    records = fixture_records(data)
    by_id = {r.draft_id: r for r in records}
    proposals = [r for r in mine(records, min_support=min_support) if r.kind != "length"]
    labels = data["rules"]
    correct = [p for p in proposals if any(_matches(p, g) for g in labels)]
    found = [g["id"] for g in labels if any(_matches(p, g) for p in proposals)]
    agree = [_agreement(p, by_id) for p in proposals]
    stats = summarise(records, top=50)
    swaps = {tuple(s) for s in data["swaps"]}
    top = [(a, b, n) for a, b, n in stats.top_replacements if n >= 2]
    return {
        "edits": len(records),
        "items": len({r.item_key for r in records}),
        "proposals": len(proposals),
        "correct": len(correct),
        "precision": round(len(correct) / len(proposals), 3) if proposals else None,
        "habits": len(labels),
        "habits_found": found,
        "recall": round(len(found) / len(labels), 3) if labels else None,
        "cut_word_or_clause": [p.text for p in proposals if _bad_boundary(p, by_id)],
        "below_min_independent": [p.text for p in proposals if _independent(p, by_id) < min_support],
        "wrong": [p.text for p in proposals if p not in correct],
        "preview_agrees": sum(a for a, _ in agree),
        "preview_evidence": sum(n for _, n in agree),
        "top_replacements": [f"{a}→{b} ({n})" for a, b, n in top],
        "top_replacements_labelled": sum(1 for a, b, _ in top if _labelled((a, b), swaps)),
    }

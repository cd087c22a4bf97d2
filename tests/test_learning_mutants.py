"""Learning details that hand mutants showed no test would notice: the edit ratio of a field that grew (or was
empty before), and the evidence against a rule from drafts where the editor kept the phrase. Figures are computed
by hand from the texts below."""

from __future__ import annotations

import pytest

from drafting.learning.edits import EditRecord, FieldEdit, field_edit
from drafting.learning.rules import mine

ZERO = FieldEdit(machine_chars=0, final_chars=0, distance=0, ratio=0.0)


def _record(draft_id: int, machine: str, final: str) -> EditRecord:
    return EditRecord(
        draft_id=draft_id, title="t", section="政策速递", model="m", prompt_version="p", rules_version="r",
        precedent_set="x", month="2023-10", fields={"title": ZERO, "body": ZERO, "commentary": ZERO}, facts_added=0,
        facts_removed=0, sentences_dropped=0, sentences_added=0, phrases_replaced=0, length_change=0,
        machine_commentary=machine, final_commentary=final)


@pytest.mark.parametrize(("machine", "final", "distance", "ratio"), [
    # the editor added four characters to a two-character text: 4 edits over the 6 characters of the longer text
    ("方案", "方案正式印发", 4, 4 / 6),
    # nine characters written before the two drafted: 9 / 11, not 9 / 2
    ("印发", "该方案已于本月正式印发", 9, 9 / 11),
    # nothing drafted, the editor wrote everything: the whole text is edited
    ("", "企业应关注配套细则", 9, 1.0),
    # a deletion alone (the longer text is the machine's)
    ("该方案正式印发", "该方案", 4, 4 / 7),
    ("", "", 0, 0.0),
])
def test_the_edit_ratio_divides_by_the_longer_text(machine: str, final: str, distance: int, ratio: float) -> None:
    edit = field_edit(machine, final)
    assert (edit.machine_chars, edit.final_chars, edit.distance) == (len(machine), len(final), distance)
    assert edit.ratio == pytest.approx(ratio)
    assert 0.0 <= edit.ratio <= 1.0


CUT = "展现了清晰的战略部署"
SWAP = ("高度重视", "重视")


def _deleted_in(n: int, start: int = 1) -> list[EditRecord]:
    return [_record(i, f"第{i}项方案对产业发展作出了系统部署，{CUT}。", f"第{i}项方案对产业发展作出了系统部署。")
            for i in range(start, start + n)]


def _kept_in(n: int, start: int) -> list[EditRecord]:
    text = "第{}项方案对产业发展作出了系统部署，" + CUT + "。"
    return [_record(i, text.format(i), text.format(i)) for i in range(start, start + n)]


def test_a_phrase_editors_delete_and_never_keep_is_proposed() -> None:
    rules = [r for r in mine(_deleted_in(3), min_support=3) if r.kind == "delete"]
    assert [(r.before, r.count, r.kept) for r in rules] == [(CUT, 3, 0)]


@pytest.mark.parametrize("kept", [2, 3, 5])
def test_a_phrase_editors_keep_as_often_as_half_the_deletions_is_never_proposed(kept: int) -> None:
    # deleted in 3 drafts, kept in 2 or more: the editors do not agree, so no rule (3 < 2 × 2)
    records = _deleted_in(3) + _kept_in(kept, start=10)
    assert [r for r in mine(records, min_support=3) if r.before == CUT] == []


def test_a_phrase_kept_rarely_is_still_proposed_with_the_count_of_keeps() -> None:
    # deleted in 4, kept in 2: 4 >= 2 × 2, the rule stands and says how often the phrase was kept
    records = _deleted_in(4) + _kept_in(2, start=10)
    rules = [r for r in mine(records, min_support=3) if r.before == CUT]
    assert [(r.kind, r.count, r.kept) for r in rules] == [("delete", 4, 2)]


def _swapped_in(n: int, start: int = 1) -> list[EditRecord]:
    a, b = SWAP
    return [_record(i, f"第{i}项方案体现了发文机关的{a}。", f"第{i}项方案体现了发文机关的{b}。") for i in range(start, start + n)]


def test_a_replacement_editors_make_every_time_is_proposed() -> None:
    rules = [r for r in mine(_swapped_in(3), min_support=3) if r.kind == "replace"]
    assert [(r.before, r.after, r.count, r.kept) for r in rules] == [(*SWAP, 3, 0)]


def test_a_replacement_of_a_phrase_editors_often_keep_is_never_proposed() -> None:
    kept = [_record(i, f"第{i}项方案体现了发文机关的{SWAP[0]}。", f"第{i}项方案体现了发文机关的{SWAP[0]}。")
            for i in range(10, 12)]
    assert [r for r in mine(_swapped_in(3) + kept, min_support=3) if r.kind == "replace"] == []

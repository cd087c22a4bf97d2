"""Three-way merge of two editors' saves by paragraph (drafting/merge.py), and the base read from the audit trail."""

from __future__ import annotations

from pathlib import Path

from conftest import make_settings

from drafting.merge import merge
from drafting.models import Draft, Item
from drafting.store import DraftStore

BASE = {"title": "标题", "body": "正文一。\n正文二。", "commentary": "甲段。\n乙段。\n丙段。"}


def test_different_paragraphs_and_fields_merge_cleanly() -> None:
    mine = BASE | {"commentary": "甲段（改）。\n乙段。\n丙段。", "title": "新标题"}
    theirs = BASE | {"commentary": "甲段。\n乙段。\n丙段（改）。", "body": "正文一。\n正文二（改）。"}
    m = merge(BASE, mine, theirs)
    assert m.clean
    assert m.text == {"title": "新标题", "body": "正文一。\n正文二（改）。", "commentary": "甲段（改）。\n乙段。\n丙段（改）。"}


def test_the_same_paragraph_changed_twice_is_a_conflict_resolved_by_the_side_asked() -> None:
    mine = BASE | {"commentary": "甲段。\n乙段（我）。\n丙段。", "title": "我的标题"}
    theirs = BASE | {"commentary": "甲段（他）。\n乙段（他）。\n丙段。"}
    m = merge(BASE, mine, theirs)
    assert not m.clean and [c.field for c in m.conflicts] == ["commentary"]
    assert m.conflicts[0].mine == ["甲段。", "乙段（我）。"] and m.conflicts[0].theirs == ["甲段（他）。", "乙段（他）。"]
    assert m.text["title"] == "我的标题"
    assert merge(BASE, mine, theirs, prefer="theirs").text["commentary"] == "甲段（他）。\n乙段（他）。\n丙段。"


def test_the_same_change_on_both_sides_is_not_a_conflict() -> None:
    both = BASE | {"commentary": "甲段。\n乙段（同）。\n丙段。"}
    assert merge(BASE, both, dict(both)).clean and merge(BASE, both, dict(both)).text == both


def test_text_at_reads_each_version_from_the_audit_trail(tmp_path: Path) -> None:
    store = DraftStore(make_settings(tmp_path).db_path)
    draft_id = store.create(Draft(item=Item(section="政策速递", title="t", body="b"), commentary="c", offline=True))
    v2 = store.save_edit(draft_id, title="t2", body="b", commentary="c", expected_version=1)
    assert store.text_at(draft_id, 1) == {"title": "t", "body": "b", "commentary": "c"}
    assert store.text_at(draft_id, v2) == {"title": "t2", "body": "b", "commentary": "c"}
    assert store.text_at(draft_id, 99) is None

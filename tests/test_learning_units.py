"""House rules without an index: the rules file written and read back, decisions kept in SQLite, rules applied to a
短评. Fast (no embedding), so the learning mutation selection can run them per mutant; expectations are written by
hand from the texts below."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_learning_mutants import CUT, SWAP, _deleted_in, _record, _swapped_in

from drafting.errors import ValidationError
from drafting.learning.db import LearningDB
from drafting.learning.rules import (
    Rule,
    RuleBook,
    RuleService,
    apply_rules,
    load_rules,
    rule_id,
    rules_path,
    save_rules,
)
from drafting.store import DraftStore


@pytest.fixture
def service(tmp_path: Path) -> RuleService:
    return RuleService(LearningDB(DraftStore(tmp_path / "drafts.sqlite")), tmp_path / "prompts", min_support=3)


def test_rule_ids_are_stable_and_tell_kinds_apart() -> None:
    assert rule_id("delete", CUT, None) == rule_id("delete", CUT, None)
    assert len({rule_id("delete", CUT, None), rule_id("replace", CUT, None), rule_id("delete", CUT, "x"),
                rule_id("delete", None, CUT)}) == 4
    assert rule_id("delete", "a", None).startswith("r") and len(rule_id("delete", "a", None)) == 9


def test_no_rules_file_is_version_0_with_no_rules(tmp_path: Path) -> None:
    book = load_rules(rules_path(tmp_path))
    assert (book.version, book.rules, book.label, book.prompt()) == (0, [], None, "")


def test_saved_rules_read_back_with_their_machine_form(tmp_path: Path) -> None:
    rules = [Rule(id="r1", kind="delete", before=CUT, text="不要写“展现了清晰的战略部署”。", evidence=[1, 2, 3], count=3),
             Rule(id="r2", kind="replace", before=SWAP[0], after=SWAP[1], text="用“重视”代替“高度重视”。", count=3)]
    book = save_rules(rules_path(tmp_path), rules, previous=4)
    assert book.version == 5 and book.label == "house_rules@5"
    text = rules_path(tmp_path).read_text(encoding="utf-8")
    assert text.startswith("---\nversion: 5\nname: house_rules\n")
    again = load_rules(rules_path(tmp_path))
    assert again.version == 5
    assert [(r.id, r.kind, r.before, r.after, r.text, r.evidence, r.count) for r in again.rules] == [
        ("r1", "delete", CUT, None, "不要写“展现了清晰的战略部署”。", [1, 2, 3], 3),
        ("r2", "replace", "高度重视", "重视", "用“重视”代替“高度重视”。", [], 3)]
    # the model reads the rules inside their fence (drafting/fence.py), in order
    assert "<rules>\n- 不要写“展现了清晰的战略部署”。\n- 用“重视”代替“高度重视”。\n</rules>" in again.prompt()
    assert not list(tmp_path.glob(".house_rules.*")), "the temporary file is renamed into place"


def test_a_hand_written_line_is_a_note_and_bad_data_keeps_the_text(tmp_path: Path) -> None:
    rules_path(tmp_path).write_text(
        "---\nversion: 2\n---\n标题行不是规则\n- 短评不写“我们认为”。\n- 删去套话 {# {not json} #}\n-\n- 用“A”代替“B”。 {# "
        '{"kind": "replace", "before": "B", "after": "A", "id": "rx", "text": "ignored"} #}\n', encoding="utf-8")
    book = load_rules(rules_path(tmp_path))
    assert book.version == 2
    assert [(r.kind, r.text, r.before, r.after) for r in book.rules] == [
        ("note", "短评不写“我们认为”。", None, None), ("note", "删去套话", None, None), ("replace", "用“A”代替“B”。", "B", "A")]
    assert book.rules[0].id == rule_id("note", "短评不写“我们认为”。", None) and book.rules[2].id == "rx"


def test_applying_rules_deletes_swaps_adds_and_mends_punctuation() -> None:
    book = RuleBook(version=1, rules=[
        Rule(id="a", kind="delete", before="展现了清晰的战略部署", text="t"),
        Rule(id="b", kind="replace", before="高度重视", after="重视", text="t"),
        Rule(id="c", kind="add", after="企业应关注配套细则。", text="t"),
        Rule(id="d", kind="length", target=150, text="t"),
    ])
    text = "该方案体现了高度重视，展现了清晰的战略部署。对产业发展作出部署，，展现了清晰的战略部署；。"
    assert apply_rules(text, book) == "该方案体现了重视。对产业发展作出部署。企业应关注配套细则。"
    assert apply_rules("企业应关注配套细则。该方案体现了重视。", book) == "企业应关注配套细则。该方案体现了重视。"
    assert apply_rules("，该方案。 ", RuleBook()) == "该方案。"


def test_approving_writes_a_new_version_and_the_proposal_is_gone(service: RuleService) -> None:
    records = _deleted_in(3)
    [proposal] = [r for r in service.propose(records) if r.kind == "delete"]
    book = service.approve(proposal.id, records, actor="赵编辑")
    assert book.version == 1 and [r.id for r in book.rules] == [proposal.id]
    assert service.decided() == {proposal.id: "approved"}
    assert [r for r in service.propose(records) if r.kind == "delete"] == []
    reworded = service.edit(proposal.id, "  删去“展现了清晰的战略部署”  ", records)
    assert reworded.version == 2 and reworded.rules[0].text == "删去“展现了清晰的战略部署”"


def test_approving_in_the_editors_words_and_refusing_template_marks(service: RuleService) -> None:
    records = _swapped_in(3)
    [proposal] = [r for r in service.propose(records) if r.kind == "replace"]
    empty = "规则文字不能为空：请写明要求，例如“删除开头的‘值得注意的是’”。"
    marks = "规则文字不能包含 {{ }}、{% %} 或 {# #}：请改用普通文字。"
    for bad, message in (("", empty), ("   ", empty), ("用 {{ x }} 代替", marks), ("用 x }} 代替", marks),
                         ("{% if %}", marks), ("a %} b", marks), ("{# note #}", marks), ("a #} b", marks)):
        with pytest.raises(ValidationError) as refused:
            service.approve(proposal.id, records, text=bad)
        assert str(refused.value) == message or refused.value.args[0] == message, (bad, refused.value)
    assert service.book().version == 0, "a refused text writes nothing"
    book = service.edit(proposal.id, "用“重视”\n代替“高度重视”", records)  # edit of a proposal approves it
    assert [(r.id, r.text) for r in book.rules] == [(proposal.id, "用“重视” 代替“高度重视”")]


def test_a_rejected_or_removed_rule_never_comes_back(service: RuleService) -> None:
    records = _deleted_in(3) + _swapped_in(3, start=10)
    found = {r.kind: r for r in service.propose(records)}
    rejected = service.reject(found["delete"].id, records)
    assert rejected.id == found["delete"].id
    service.approve(found["replace"].id, records)
    book = service.remove(found["replace"].id)
    assert book.version == 2 and book.rules == []
    assert service.decided() == {found["delete"].id: "rejected", found["replace"].id: "removed"}
    assert [r for r in service.propose(records) if r.kind in ("delete", "replace")] == []
    with pytest.raises(ValidationError, match="没有编号为 nope 的待定规则建议"):
        service.reject("nope", records)
    with pytest.raises(ValidationError, match="没有编号为 nope 的已批准规则：现有规则 （暂无）"):
        service.remove("nope")


def test_length_and_added_sentences_are_mined_from_enough_drafts() -> None:
    short = "该方案对产业发展作出了部署。"
    long_ = short + "企业应关注后续配套细则与申报窗口，并做好数据合规准备工作。"
    records = [_record(i, long_, short) for i in range(1, 4)]
    kinds = {r.kind: r for r in mine_all(records)}
    assert kinds["length"].target == 10 and kinds["length"].count == 3
    grown = [_record(i, short, long_) for i in range(1, 4)]
    added = {r.kind: r for r in mine_all(grown)}
    assert added["add"].after == "企业应关注后续配套细则与申报窗口，并做好数据合规准备工作。" and added["add"].count == 3
    assert "length" in added and added["length"].target == 40
    assert {r.kind for r in mine_all(grown[:2])} == set(), "two drafts are not enough evidence"


def mine_all(records: list) -> list[Rule]:  # type: ignore[type-arg]
    from drafting.learning.rules import mine

    return mine(records, min_support=3)

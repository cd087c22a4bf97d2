"""Learning behaviour found unchecked by the round-28 fresh mutation sample of drafting/learning/* (issue #24, offset
0.5): how an editor's changes and costs are counted, what the miner proposes, what a rule does to a 短评, and what the
rules file and the decision log keep. No index, no model: fast. Texts are fixtures in the house voice; every
expectation is worked out by hand from the documented behaviour (docstrings, comments), not read off the code's output."""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

import pytest

from drafting.learning.db import LearningDB, now
from drafting.learning.edits import Edit, EditRecord, edits, history, record_for, summarise, text_record
from drafting.learning.phrases import Change, changes, ngrams, replace_words
from drafting.learning.preview import agrees, current_drafts
from drafting.learning.rules import Rule, RuleBook, RuleService, apply_rules, load_rules, mine, rule_id, save_rules
from drafting.models import Draft, Item
from drafting.store import DraftStore
from drafting.textdiff import words

# A news body of over 200 jieba tokens in which 。 and ， are frequent: difflib's autojunk would treat them as junk.
_BODY = ("近日，某市人民政府办公厅印发《某市元宇宙产业创新发展行动计划（2024—2026年）》。行动计划提出，到2026年，"
         "全市元宇宙相关产业规模达到三千亿元，培育五十家以上具有核心竞争力的骨干企业，建设十个以上特色产业园区。"
         "行动计划围绕关键技术攻关、应用场景建设、产业生态培育和发展环境优化四个方面部署了三十项重点任务。"
         "其中，在关键技术攻关方面，行动计划要求加快突破三维建模、实时渲染、数字孪生和人机交互等核心技术，"
         "支持企业联合高校和科研院所建设创新平台。在应用场景建设方面，行动计划鼓励在工业制造、文化旅游、"
         "教育培训、医疗健康和城市治理等领域打造一批示范应用。在产业生态培育方面，行动计划提出引进和培育"
         "一批数字内容创作机构，完善知识产权保护和交易服务体系。在发展环境优化方面，行动计划要求加大财政资金"
         "支持力度，设立产业投资基金，并优化人才引进和培养政策。")


def test_two_word_changes_either_side_of_a_full_stop_in_a_long_text_are_two_edits() -> None:
    # edits.py: autojunk off, since on long texts it treats frequent tokens (。) as junk and would merge the two
    machine = _BODY + "行动计划还明确了二十项保障任务。此外，各区应制定配套措施。"
    final = _BODY + "行动计划还明确了二十项保障举措。同时，各区应制定配套措施。"
    assert edits(machine, final) == [Edit(op="replace", before="任务", after="举措"),
                                     Edit(op="replace", before="此外", after="同时")]


def test_a_figure_written_with_spaces_is_the_same_fact() -> None:
    # 30项 and 30 项 state the same figure: the editor neither added nor removed a fact
    record = text_record(1, "该计划提出30项任务。", "该计划提出 30 项任务。")
    assert (record.facts_added, record.facts_removed) == (0, 0)


def test_a_short_comment_record_has_a_month_to_group_by() -> None:
    # EditRecord.month is documented as YYYY-MM of the accept; the statistics group by it
    assert re.fullmatch(r"\d{4}-\d{2}", text_record(1, "甲。", "乙。").month)


def _accepted(tmp_path: Path) -> tuple[DraftStore, int]:
    store = DraftStore(tmp_path / "d.sqlite3")
    item = Item(id="i1", section="政策速递", title="某市印发元宇宙行动计划", date="2024-05-06", body="某市印发行动计划，提出30项任务。")
    draft = Draft(item=item, commentary="该计划提出30项任务，培育50家企业。", offline=False, model="m1")
    draft_id = store.create(draft, batch_id="b1")
    store.accept(draft_id, title=item.title, body=item.body, commentary="该计划提出30项任务，培育60家企业。", actor="李律师")
    return store, draft_id


def test_each_field_is_measured_against_the_editors_text(tmp_path: Path) -> None:
    store, _ = _accepted(tmp_path)
    (record,) = history(store)
    # title and body (17 characters) kept: nothing edited; the 短评 (19 characters) had one character changed (5 → 6)
    assert (record.fields["title"].distance, record.fields["title"].ratio) == (0, 0.0)
    assert (record.fields["body"].final_chars, record.fields["body"].ratio) == (17, 0.0)
    c = record.fields["commentary"]
    assert (c.machine_chars, c.final_chars, c.distance) == (19, 19, 1)
    assert abs(c.ratio - 1 / 19) < 1e-9


def test_the_editor_is_the_one_who_accepted_when_the_accepted_text_does_not_name_them(tmp_path: Path) -> None:
    # a text accepted before the accept recorded its editor still belongs to whoever accepted the draft
    store, draft_id = _accepted(tmp_path)
    stored = store.get(draft_id)
    record = record_for(stored, {"title": stored.title, "body": stored.body, "commentary": stored.commentary})
    assert record.editor == "李律师"


def test_a_pending_draft_is_no_edit_history(tmp_path: Path) -> None:
    store, accepted_id = _accepted(tmp_path)
    item = Item(id="i2", section="政策速递", title="某省发布区块链指引", date="2024-05-07", body="某省发布指引。")
    store.create(Draft(item=item, commentary="该指引明确了监管要求。", offline=False, model="m1"), batch_id="b1")
    assert [r.draft_id for r in history(store)] == [accepted_id]


def test_mean_latency_is_over_the_drafts_that_report_one() -> None:
    base = text_record(1, "甲。", "甲。")
    rows = [base.model_copy(update={"draft_id": i, "model": "m1", "batch_id": "b1", "latency_s": lat, "cost": 0.01})
            for i, lat in [(1, 1.0), (2, 2.5), (3, None)]]
    (group,) = summarise(rows).cost_by_model
    assert (group.drafts, group.mean_latency_s, group.cost) == (3, 1.75, 0.03)


def test_no_accepted_draft_has_no_overall_figures() -> None:
    stats = summarise([])
    assert (stats.drafts, stats.overall) == (0, None)


def test_the_preview_lists_pending_drafts_by_their_title(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d.sqlite3")
    item = Item(id="i2", section="政策速递", title="某省发布区块链指引", date="2024-05-07", body="某省发布指引。")
    draft_id = store.create(Draft(item=item, commentary="该指引明确了监管要求。", offline=True))
    assert current_drafts(LearningDB(store)) == ("最近的待定草稿", [(draft_id, "某省发布区块链指引", "该指引明确了监管要求。")])


def test_rules_deleting_different_phrases_have_different_ids() -> None:
    # a rejection is remembered by id: rejecting “大力” must not silence “进一步”
    assert rule_id("delete", "大力", None) != rule_id("delete", "进一步", None)


def test_a_note_keeps_its_id_whether_its_hand_edited_data_is_missing_or_invalid(tmp_path: Path) -> None:
    path = tmp_path / "house_rules.md"
    path.write_text('---\nversion: 3\n---\n- 短评不写第一人称。 {# {"kind": "erase"} #}\n- 短评不写第一人称。\n', encoding="utf-8")
    bad, plain = load_rules(path).rules
    assert bad.kind == plain.kind == "note"
    assert bad.id == plain.id == rule_id("note", "短评不写第一人称。", None)


def test_the_rules_file_keeps_a_length_target_and_not_who_accepted_the_evidence(tmp_path: Path) -> None:
    path = tmp_path / "house_rules.md"
    rule = Rule(id="rlen", kind="length", text="短评篇幅控制在约 80 字。", target=80, evidence=[1, 2, 3], count=3,
                editors=["李律师"], kept=1)
    save_rules(path, [rule], previous=0)
    (loaded,) = load_rules(path).rules
    assert (loaded.kind, loaded.target, loaded.evidence, loaded.count) == ("length", 80, [1, 2, 3], 3)
    # the file is the firm's hand-editable prompt template: its {# #} data is only what the offline drafter needs
    assert "李律师" not in path.read_text(encoding="utf-8")
    assert (loaded.editors, loaded.kept) == ([], 0)


def test_deleting_a_word_between_two_commas_leaves_one_comma() -> None:
    book = RuleBook(rules=[Rule(id="r", kind="delete", text="-", before="值得注意的是", unit="words")])
    assert apply_rules("该方案作出部署，值得注意的是，企业应关注细则。", book) == "该方案作出部署，企业应关注细则。"


_FIRSTS = ["该方案对产业作出部署。", "该通知明确了监管要求。", "该办法规范了平台经营。", "该意见提出了发展目标。"]


def test_a_run_always_inside_a_sentence_another_rule_deletes_is_not_proposed_again() -> None:
    # editors deleted the whole 值得注意的是 sentence in four items; in three of them it also said 带来发展机遇, which
    # the first rule already removes (it drops the sentence): one proposal, not two
    deleted = ["值得注意的是，这一举措将为企业带来发展机遇。"] * 3 + ["值得注意的是，各方应持续跟进。"]
    records = [text_record(i, f + d + "企业应关注细则。", f + "企业应关注细则。", item_key=f"i{i}")
               for i, (f, d) in enumerate(zip(_FIRSTS, deleted, strict=True), start=1)]
    proposed = [(r.kind, r.unit, r.before, r.evidence) for r in mine(records, min_support=3) if r.kind == "delete"]
    assert proposed == [("delete", "sentence", "值得注意的是", [1, 2, 3, 4])]


def _swaps(pairs: list[tuple[str, str]]) -> list[EditRecord]:
    texts = ["该方案{}带动产业投资。", "该通知{}规范市场秩序。", "该办法{}提升监管效能。",
             "该意见{}促进企业发展。", "该规划{}完善产业布局。", "该细则{}明确申报流程。"]
    return [text_record(i, t.format(a), t.format(b), item_key=f"i{i}")
            for i, (t, (a, b)) in enumerate(zip(texts, pairs, strict=False), start=1)]


def test_two_replacements_of_one_word_are_two_rules_rejected_separately(tmp_path: Path) -> None:
    records = _swaps([("有望", "预计")] * 3 + [("有望", "将")] * 3)
    rules = {(r.before, r.after): r.id for r in mine(records, min_support=3)}
    assert rules == {("有望", "预计"): rule_id("replace", "有望", "预计"), ("有望", "将"): rule_id("replace", "有望", "将")}
    service = RuleService(db=LearningDB(DraftStore(tmp_path / "d.sqlite3")), path=tmp_path / "house_rules.md")
    service.reject(rules[("有望", "预计")], records, actor="王编辑")
    assert [(r.before, r.after) for r in service.propose(records)] == [("有望", "将")]


def test_a_replacement_made_twice_as_often_as_the_word_was_kept_is_proposed() -> None:
    # two items swapped 有望 → 预计, one kept 有望: 2 ≥ 2 × 1, so the rule is proposed (with min_support 2)
    records = _swaps([("有望", "预计")] * 2 + [("有望", "有望")])
    (rule,) = mine(records, min_support=2)
    assert (rule.kind, rule.before, rule.after, rule.count, rule.kept) == ("replace", "有望", "预计", 2, 1)


def _decision_actors(service: RuleService) -> dict[str, str]:
    with service.db.connect() as conn:
        return {row["rule_id"]: row["actor"] for row in conn.execute("SELECT rule_id, actor FROM rule_decisions")}


def test_who_approved_and_who_removed_a_rule_is_recorded(tmp_path: Path) -> None:
    records = _swaps([("有望", "预计")] * 3)
    service = RuleService(db=LearningDB(DraftStore(tmp_path / "d.sqlite3")), path=tmp_path / "house_rules.md")
    rid = rule_id("replace", "有望", "预计")
    service.approve(rid, records, actor="王编辑")
    assert _decision_actors(service) == {rid: "王编辑"}
    service.remove(rid, actor="李律师")
    assert _decision_actors(service) == {rid: "李律师"}


def test_a_swap_after_an_inserted_word_in_the_same_sentence_is_still_read() -> None:
    # 重要 inserted (no house habit: not counted), then 有望 → 预计 in a clause that stays
    assert changes("该方案作出部署，企业有望受益。", "该方案作出重要部署，企业预计受益。") == [Change("swap", "有望", "预计")]


def test_an_empty_phrase_replaces_nothing() -> None:
    assert replace_words("该方案作出部署。", "", "预计") == "该方案作出部署。"


def test_a_phrase_is_found_where_it_starts_one_character_after_a_cut_through_occurrence() -> None:
    # jieba reads 每人人人都 as 每人 | 人人 | 都: the 人人 starting inside 每人 is no word, the next one is
    assert words("每人人人都") == ["每人", "人人", "都"]
    assert replace_words("每人人人都", "人人", "大家") == "每人大家都"


# --- written after the independent check (offset 0.25) was measured: its survivors ---------------------------------

def test_an_inserted_word_is_an_insert_edit() -> None:
    assert edits("该方案作出部署。", "该方案作出重要部署。") == [Edit(op="insert", before="", after="重要")]


def test_a_short_comment_record_has_no_title_or_body_characters() -> None:
    record = text_record(1, "该计划提出30项任务。", "该计划提出30项任务。")
    assert [(record.fields[f].machine_chars, record.fields[f].final_chars) for f in ("title", "body")] == [(0, 0), (0, 0)]


def test_an_edited_sentence_is_neither_dropped_nor_added(tmp_path: Path) -> None:
    # 培育50家 → 培育60家: the one sentence was edited, not deleted and replaced
    store, _ = _accepted(tmp_path)
    (record,) = history(store)
    assert (record.sentences_dropped, record.sentences_added) == (0, 0)


def test_a_draft_counts_in_the_month_it_was_accepted_not_the_month_it_was_last_touched(tmp_path: Path) -> None:
    store, draft_id = _accepted(tmp_path)
    stored = store.get(draft_id).model_copy(update={"updated_at": "2024-06-02T09:00:00+00:00"})
    final = {**(store.accepted_text(draft_id) or {}), "accepted_at": "2024-05-31T18:00:00+00:00"}
    assert record_for(stored, final).month == "2024-05"


def test_a_draft_accepted_before_its_text_was_kept_is_measured_on_its_stored_text(tmp_path: Path) -> None:
    store, draft_id = _accepted(tmp_path)
    with sqlite3.connect(tmp_path / "d.sqlite3") as conn:  # as a draft accepted by an older version: no accepted_json
        conn.execute("UPDATE drafts SET accepted_json=NULL WHERE id=?", (draft_id,))
    (record,) = history(store)
    assert record.final_commentary == "该计划提出30项任务，培育60家企业。"
    assert (record.fields["commentary"].distance, record.sentences_dropped) == (1, 0)


def test_group_means_are_the_means_of_the_records() -> None:
    # 短评 distances 1 and 2: mean 1.5 (not rounded to a whole number); no body was edited: body ratio 0
    records = [text_record(1, "该计划提出30项任务。", "该计划提出31项任务。", item_key="i1"),
               text_record(2, "该计划提出30项任务。", "该计划提出41项任务。", item_key="i2")]
    overall = summarise(records).overall
    assert overall is not None
    assert (overall.drafts, overall.commentary_distance, overall.body_ratio, overall.title_ratio) == (2, 1.5, 0.0, 0.0)


def test_model_drafts_without_latency_or_cost_report_none() -> None:
    base = text_record(1, "甲。", "甲。").model_copy(update={"model": "m1", "batch_id": "b1"})
    (group,) = summarise([base, base.model_copy(update={"draft_id": 2})]).cost_by_model
    assert (group.drafts, group.mean_latency_s, group.cost) == (2, None, None)


def test_precedent_sets_are_listed_most_used_first() -> None:
    base = text_record(1, "甲。", "甲。")
    rows = [base.model_copy(update={"draft_id": i, "precedent_set": p}) for i, p in [(1, "p1"), (2, "p2"), (3, "p2")]]
    assert [(g.key, g.drafts) for g in summarise(rows).by_precedent_set] == [("p2", 2), ("p1", 1)]


def test_a_delete_rule_does_not_agree_with_an_editor_who_swapped_the_word() -> None:
    rule = Rule(id="r", kind="delete", text="-", before="大力", unit="words")
    assert agrees(rule, "该方案将大力推动产业发展。", "该方案将推动产业发展。")
    assert not agrees(rule, "该方案将大力推动产业发展。", "该方案将积极推动产业发展。")


def test_bad_rule_lines_are_named_in_the_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "house_rules.md"
    path.write_text('---\nversion: 1\n---\n- 不写第一人称。 {# {"kind": "delete",} #}\n- 不写感叹号。 {# {"kind": "erase"} #}\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="drafting.learning.rules"):
        assert [r.kind for r in load_rules(path).rules] == ["note", "note"]
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "不写第一人称" in messages and "不写感叹号" in messages


def test_a_hand_written_rule_without_an_id_still_works(tmp_path: Path) -> None:
    path = tmp_path / "house_rules.md"
    path.write_text('---\nversion: 1\n---\n- 不要写“大力”。 {# {"kind": "delete", "before": "大力", "unit": "words"} #}\n',
                    encoding="utf-8")
    book = load_rules(path)
    assert [(r.kind, r.before) for r in book.rules] == [("delete", "大力")]
    assert apply_rules("该方案将大力推动产业发展。", book) == "该方案将推动产业发展。"


def test_the_rules_file_keeps_chinese_readable_for_hand_editing(tmp_path: Path) -> None:
    path = tmp_path / "house_rules.md"
    save_rules(path, [Rule(id="r1", kind="delete", text="不要写“大力”。", before="大力", unit="words")], previous=0)
    assert '"before": "大力"' in path.read_text(encoding="utf-8")


def test_a_sentence_rule_and_a_clause_rule_of_one_phrase_are_different_rules() -> None:
    assert rule_id("sentence", "值得注意的是", None) != rule_id("clause", "值得注意的是", None)
    deleted = ["值得注意的是，这一举措将为企业带来发展机遇。"] * 3
    records = [text_record(i, f + d + "企业应关注细则。", f + "企业应关注细则。", item_key=f"i{i}", editor=e)
               for i, (f, d, e) in enumerate(zip(_FIRSTS, deleted, ["李律师", "王编辑", "李律师"], strict=False), start=1)]
    rules = {r.kind: r for r in mine(records, min_support=3)}
    assert (rules["delete"].unit, rules["delete"].id) == ("sentence", rule_id("sentence", rules["delete"].before, None))


def test_a_length_rule_names_the_editors_of_its_evidence() -> None:
    machine, final = "该方案提出支持元宇宙企业发展。" * 7, "该方案提出支持元宇宙企业发展。" * 5  # 105 → 75 characters
    records = [text_record(i, machine, final, item_key=f"i{i}", editor=e) for i, e in enumerate(["李律师", "王编辑", "李律师"], start=1)]
    (rule,) = [r for r in mine(records, min_support=3) if r.kind == "length"]
    assert rule.editors == ["李律师", "王编辑"]


def test_the_service_asks_for_as_many_editors_as_it_is_set_to(tmp_path: Path) -> None:
    # three items, one editor: a habit of 李律师's, which a service wanting two editors does not propose
    records = [r.model_copy(update={"editor": "李律师"}) for r in _swaps([("有望", "预计")] * 3)]
    db = LearningDB(DraftStore(tmp_path / "d.sqlite3"))
    assert [r.before for r in RuleService(db=db, path=tmp_path / "h.md").propose(records)] == ["有望"]
    assert RuleService(db=db, path=tmp_path / "h.md", min_editors=2).propose(records) == []


def test_the_log_names_the_version_an_approval_wrote(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    service = RuleService(db=LearningDB(DraftStore(tmp_path / "d.sqlite3")), path=tmp_path / "house_rules.md")
    with caplog.at_level(logging.INFO, logger="drafting.learning.rules"):
        service.approve(rule_id("replace", "有望", "预计"), _swaps([("有望", "预计")] * 3))
    assert "house_rules@1" in " ".join(r.getMessage() for r in caplog.records)


def test_a_repeated_sentence_the_editor_deleted_is_a_deletion_not_an_edit_of_the_one_kept() -> None:
    # 三十项任务 became 二十项任务; the near-copy 三十项举措 right after it was deleted
    assert changes("该方案提出三十项任务。该方案提出三十项举措。企业应关注细则。", "该方案提出二十项任务。企业应关注细则。") == [
        Change("swap", "三十", "二十"),
        Change("clauses", "该方案提出三十项举措", clauses=("该方案提出三十项举措",), sentence=True)]


def test_a_two_character_swap_in_a_five_character_clause_is_a_swap() -> None:
    # 总体 → 整体 changes 2 of the clause's 5 characters (总体来看，): 40 %, within what a kept clause allows
    assert changes("总体来看，该方案有望推动产业发展。", "整体来看，该方案有望推动产业发展。") == [Change("swap", "总体", "整体")]


def test_word_runs_after_an_enumeration_comma_are_runs_too() -> None:
    assert "产业创新" in ngrams("推动技术、产业创新")


def test_a_phrase_at_the_very_start_is_replaced() -> None:
    assert replace_words("有望带动产业。", "有望", "预计") == "预计带动产业。"


def test_a_sentence_left_with_four_word_characters_is_kept() -> None:
    # MIN_LEFT = 4: 同时关注 (4 characters) is a sentence still, only fewer than 4 would go with the clause
    book = RuleBook(rules=[Rule(id="r", kind="delete", text="-", before="带来发展机遇", unit="clause")])
    assert apply_rules("该方案作出部署。同时关注，这一举措也为企业带来发展机遇。", book) == "该方案作出部署。同时关注。"


def test_learning_timestamps_are_utc() -> None:
    assert now().endswith("+00:00")

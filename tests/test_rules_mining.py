"""House rules worth approving (issue #25, point 3): mined on word and clause boundaries, from independent drafts,
with a preview of what they would do; phrase statistics on words. No index: fast.

The issue's reproduction: after four accepts that deleted "同时，这一举措也为…发展机遇" and appended a reminder, 规则
proposed 用“建议”代替“同时，这一举措也为” and 用“结合自身业务”代替“提供了明确方向”, and 最常被替换的措辞 listed 了 → 三年
and 该 → 《. Expectations are written by hand from the texts below; the labelled set is tests/data/rule_edits.json.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from drafting.evaluation.rule_mining import DEFAULT_FIXTURE, evaluate
from drafting.learning.db import LearningDB
from drafting.learning.edits import replaced_phrases, summarise, text_record
from drafting.learning.phrases import changes, drop_clauses, replace_words
from drafting.learning.preview import agrees, current_drafts, preview_rule
from drafting.learning.rules import Rule, RuleBook, apply_rules, load_rules, mine, save_rules
from drafting.models import Draft, Item
from drafting.store import DraftStore

REMINDER = "建议相关主体结合自身业务，关注后续配套细则的出台与落地。"
PLACES = [("浙江省", "省内相关企业", "带来了新的发展机遇"), ("广州市", "区块链企业", "带来了广阔的发展机遇"),
          ("江苏省", "数字孪生服务商", "打开了新的发展机遇"), ("山东省", "省内制造企业", "带来了难得的发展机遇")]


def _machine(place: str, who: str, tail: str) -> str:
    return (f"2023年10月8日，{place}印发《{place}元宇宙产业发展行动计划》，对元宇宙产业发展作出了系统部署。"
            f"同时，这一举措也为{who}提供了明确方向，{tail}。")


def _final(place: str) -> str:
    return f"2023年10月8日，{place}印发《{place}元宇宙产业发展行动计划》，对元宇宙产业发展作出了系统部署。{REMINDER}"


def _issue_records(*, same_item: bool = False) -> list:  # type: ignore[type-arg]
    return [text_record(n, _machine(*p), _final(p[0]), item_key="one-item" if same_item else p[0], editor="张律师")
            for n, p in enumerate(PLACES, 1)]


def test_the_issues_four_accepts_propose_the_deleted_sentence_and_the_reminder_never_a_swap_across_them() -> None:
    rules = mine(_issue_records(), min_support=3)
    assert [r for r in rules if r.kind == "replace"] == [], [r.text for r in rules]
    [deleted] = [r for r in rules if r.kind == "delete"]
    assert deleted.unit == "sentence" and deleted.count == 4
    assert "这一举措也为" in (deleted.before or "") and "提供了明确方向" in (deleted.before or "")
    [added] = [r for r in rules if r.kind == "add"]
    assert added.after == REMINDER
    # Applied to a new 短评: the whole sentence goes (no 同时， left behind) and the rest is untouched.
    new = "该计划提出到2025年培育一批骨干企业。同时，这一举措也为省内文旅企业提供了明确方向和重要的发展机遇。企业可关注申报。"
    assert apply_rules(new, RuleBook(version=1, rules=[deleted])) == "该计划提出到2025年培育一批骨干企业。企业可关注申报。"


def test_a_firm_may_ask_for_more_than_one_editor() -> None:
    records = _issue_records()
    assert mine(records, min_support=3, min_editors=2) == []
    records[0] = records[0].model_copy(update={"editor": "王合伙人"})
    assert {r.kind for r in mine(records, min_support=3, min_editors=2)} == {"delete", "add"}


def test_four_accepts_of_one_item_are_one_draft_not_four() -> None:
    assert mine(_issue_records(same_item=True), min_support=3) == []
    # …and the same pair replaced in four drafts of one item is one case in 最常被替换的措辞.
    records = [text_record(n, "该方案有望扩大产业规模。", "该方案预计扩大产业规模。", item_key="one-item") for n in range(1, 5)]
    assert summarise(records).top_replacements == [("有望", "预计", 1)]


def test_phrase_statistics_are_whole_words_of_a_clause_that_stays() -> None:
    # A clause rewritten through and through is no swap (the old miner read 了 → 三年内建成元宇宙 here)…
    assert replaced_phrases("该方案明确了产业发展的总体目标，并对重点任务作出了部署。",
                            "该方案明确三年内建成元宇宙产业集聚区，并对重点任务作出部署。") == []
    # …nor is a quotation mark a word (the old miner read 该 → 《)…
    assert replaced_phrases("该办法对数字藏品平台的准入条件作出了规定。", "《办法》对数字藏品平台的准入条件作出了规定。") == []
    # …while word swaps in a clause that otherwise stays are counted, whole.
    assert replaced_phrases("提出用三年时间培育15家区块链骨干企业。", "提出用五年时间培育10家区块链骨干企业。") == [
        ("三年", "五年"), ("15", "10")]
    assert replaced_phrases("意见体现了监管部门的高度重视。", "意见体现了监管部门的重视。") == [("高度重视", "重视")]


def test_changes_are_read_on_clause_boundaries() -> None:
    found = changes("值得注意的是，方案要求进一步完善审核机制。该方案有望落地。",
                    "方案要求完善审核机制。该方案预计落地。")
    assert [(c.kind, c.before, c.after) for c in found] == [
        ("clauses", "值得注意的是", ""), ("words", "进一步", ""), ("swap", "有望", "预计")]


def test_a_rule_never_cuts_a_word() -> None:
    assert replace_words("方案体现了高度重视。", "高度", "") == "方案体现了高度重视。"
    assert replace_words("方案体现了高度重视。", "高度重视", "重视") == "方案体现了重视。"
    book = RuleBook(version=1, rules=[Rule(id="a", kind="delete", before="高度", text="t")])
    assert apply_rules("该方案体现了高度重视。", book) == "该方案体现了高度重视。"
    # A clause rule drops the clause its pattern falls in, and the sentence when only a connective would be left.
    assert drop_clauses("甲。同时，这一举措也为企业提供了明确方向。乙。", "这一举措也为…明确方向") == "甲。乙。"
    assert drop_clauses("提出开展试点，展现了前瞻性的战略眼光。乙。", "前瞻性的战略眼光") == "提出开展试点，。乙。"


def test_clause_rules_are_saved_and_read_back_with_their_unit(tmp_path: Path) -> None:
    rule = Rule(id="rx", kind="delete", before="这一举措也为…提供了明确方向", unit="sentence", text="不要写含…的句子。",
                evidence=[1, 2, 3], count=3, editors=["张律师"])
    save_rules(tmp_path / "house_rules.md", [rule], previous=0)
    [again] = load_rules(tmp_path / "house_rules.md").rules
    assert (again.kind, again.before, again.unit) == ("delete", "这一举措也为…提供了明确方向", "sentence")


def test_the_preview_shows_the_rule_on_its_evidence_and_on_the_issue_in_progress(tmp_path: Path) -> None:
    records = _issue_records()
    [deleted] = [r for r in mine(records, min_support=3) if r.kind == "delete"]
    store = DraftStore(tmp_path / "drafting.sqlite3")
    item = Item(section="政策速递", title="湖北省印发虚拟现实行动方案", body="正文")
    text = "湖北省印发方案。同时，这一举措也为省内企业提供了明确方向，带来了新的发展机遇。"
    draft_id = store.create(Draft(item=item, commentary=text, offline=True))
    untouched = store.create(Draft(item=item.model_copy(update={"title": "另一条"}), commentary="该方案值得关注。", offline=True))
    label, current = current_drafts(LearningDB(store))
    assert label == "最近的待定草稿" and {d for d, _, _ in current} == {draft_id, untouched}
    shown = preview_rule(deleted, records, current, label)
    assert [r.draft_id for r in shown.evidence] == [1, 2, 3, 4] and shown.agreeing == 4
    first = shown.evidence[0]
    assert first.before == records[0].machine_commentary and first.final == records[0].final_commentary
    assert first.after == records[0].machine_commentary.replace("同时，这一举措也为省内相关企业提供了明确方向，带来了新的发展机遇。", "")
    assert [(r.draft_id, r.after) for r in shown.current] == [(draft_id, "湖北省印发方案。")]
    assert shown.current_total == 2


def test_the_preview_says_when_a_rule_does_not_do_what_the_editor_did() -> None:
    wrong = Rule(id="w", kind="replace", before="同时", after="建议", text="用“建议”代替“同时”。")
    record = _issue_records()[0]
    assert not agrees(wrong, record.machine_commentary, record.final_commentary)


def test_the_labelled_edit_set_before_and_after(capsys: pytest.CaptureFixture[str]) -> None:
    """The figures of the README (before: the miner of c1a2… — 7 proposals, 4 right, 1 from one item drafted 5 times)."""
    report = evaluate(DEFAULT_FIXTURE)
    assert (report["proposals"], report["correct"], report["recall"]) == (5, 5, 1.0), report
    assert report["wrong"] == [] and report["cut_word_or_clause"] == [] and report["below_min_independent"] == []
    assert report["preview_agrees"] == report["preview_evidence"] == 21
    assert not any("建议" in t or "出台与落地" in t for t in report["top_replacements"]), report["top_replacements"]


def test_cli_lists_previews_and_evaluates_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    from types import SimpleNamespace

    from conftest import make_settings
    from typer.testing import CliRunner

    from drafting import cli
    from drafting.learning.service import Learning

    settings = make_settings(tmp_path)
    store = DraftStore(settings.db_path)
    for place, who, tail in PLACES:
        item = Item(section="政策速递", title=f"{place}印发元宇宙产业发展行动计划", body="正文")
        draft_id = store.create(Draft(item=item, commentary=_machine(place, who, tail), offline=True))
        store.accept(draft_id, title=item.title, body=item.body, commentary=_final(place), actor="李律师")
    monkeypatch.setattr(cli.common, "services", lambda: SimpleNamespace(learning=Learning(settings, store)))

    def run(*args: str) -> dict:  # type: ignore[type-arg]
        result = CliRunner().invoke(cli.app, [*args, "--json"])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    listing = run("rules")
    [deleted] = [p for p in listing["proposals"] if p["kind"] == "delete"]
    assert (deleted["unit"], deleted["count"], deleted["editors"]) == ("sentence", 4, ["李律师"])
    shown = run("rules", "preview", deleted["id"])
    assert [(e["draft_id"], e["agrees"]) for e in shown["evidence"]] == [(1, True), (2, True), (3, True), (4, True)]
    assert shown["evidence"][0]["after"] == _final("浙江省").replace(REMINDER, "")
    assert shown["current_label"] == "最近的待定草稿" and shown["current"] == []
    missing = CliRunner().invoke(cli.app, ["rules", "preview", "rnope", "--json"])
    assert missing.exit_code != 0 and "没有编号为 rnope 的规则或建议" in str(missing.exception)
    report = run("rules", "eval")
    assert (report["proposals"], report["correct"]) == (5, 5)


def test_the_held_out_round() -> None:
    """Written after the miner changed, run once (README): the old miner found 3 of 4 habits with 1 wrong proposal."""
    report = evaluate(DEFAULT_FIXTURE.with_name("rule_edits_holdout.json"))
    assert (report["proposals"], report["correct"], report["recall"], report["wrong"]) == (4, 4, 1.0, []), report
    assert report["preview_agrees"] == report["preview_evidence"] == 14


def test_the_preview_takes_the_issue_in_progress_when_there_is_one(tmp_path: Path) -> None:
    from drafting.issues.batch import BatchReport, BatchResult
    from drafting.issues.review import ReviewStore

    store = DraftStore(tmp_path / "drafting.sqlite3")
    loose = store.create(Draft(item=Item(section="政策速递", title="不在本期", body="正文"),
                               commentary="同时，这一举措也为企业提供了明确方向，带来了新的发展机遇。", offline=True))
    results, ids = [], []
    for n, (place, who, tail) in enumerate(PLACES[:3]):
        item = Item(section="政策速递", title=f"{place}本期条目", body="正文")
        draft_id = store.create(Draft(item=item, commentary=_machine(place, who, tail), offline=True), batch_id="b1")
        ids.append(draft_id)
        results.append(BatchResult(key=f"k{n}", line=n + 1, label=item.title, status="done", item=item, draft_id=draft_id,
                                   drafted=True))
    reviews = ReviewStore(store)
    reviews.record_batch(BatchReport(batch_id="b1", source="本期.xlsx", folder=str(tmp_path), results=results), resume=False)
    reviews.set_meta("b1", title="元宇宙月刊", period="2024年第5期")
    reviews.remove_item("b1", ids[2])  # moved out of the issue: not part of it any more
    label, current = current_drafts(LearningDB(store))
    assert label == "进行中的期刊 元宇宙月刊 2024年第5期"
    assert [d for d, _, _ in current] == ids[:2] and loose not in [d for d, _, _ in current]
    [deleted] = [r for r in mine(_issue_records(), min_support=3) if r.kind == "delete"]
    shown = preview_rule(deleted, _issue_records(), current, label)
    assert [r.draft_id for r in shown.current] == ids[:2]
    assert all("这一举措" not in r.after and "这一举措" in r.before for r in shown.current)

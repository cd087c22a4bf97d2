"""Issues in progress: behaviour found unchecked by the round-24 mutation run of issues/review.py + in_progress.py
(issue #24). What goes into the published issue and who is named for it. Fixtures written by hand; no index."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafting.errors import ConflictError, ValidationError
from drafting.issues.batch import BatchRunner
from drafting.issues.batch_input import read_items
from drafting.issues.in_progress import IssueInProgress, IssueItem, export_name
from drafting.issues.review import UNDRAFTED_MODEL, ReviewStore
from drafting.models import Draft, DraftRequest, Item
from drafting.store import DraftStore

MACHINE = Draft(item=Item(section="政策速递", title="某市印发元宇宙行动计划", date="2024-05-06", body="某市印发行动计划。",
                          sources=["https://a.example/plan"]),
                commentary="该行动计划提出培育元宇宙企业。", offline=True)


def item(**changes: object) -> IssueItem:
    base = {"draft_id": 7, "key": "k7", "position": 0, "section": "政策速递", "title": MACHINE.item.title,
            "body": MACHINE.item.body, "commentary": MACHINE.commentary, "sources": ["https://a.example/plan"],
            "machine": MACHINE}
    return IssueItem.model_validate({**base, **changes})


def test_an_unticked_commentary_never_reaches_the_published_issue() -> None:
    assert item(ticked=False).final_item(ticked_only=True).commentary is None
    assert item(ticked=True).final_item(ticked_only=True).commentary == "该行动计划提出培育元宇宙企业。"
    # the working copy shows every 短评, ticked or not
    assert item(ticked=False).final_item(ticked_only=False).commentary == "该行动计划提出培育元宇宙企业。"
    # a 短评 emptied by the editor is no 短评, even when ticked
    assert item(ticked=True, commentary="  ").final_item(ticked_only=True).commentary is None


def test_the_published_item_carries_the_editors_text_trimmed_and_sources() -> None:
    final = item(title=" 某市印发元宇宙产业行动计划 ", body="某市印发行动计划，提出三项任务。\n",
                 sources=["https://b.example/plan"]).final_item(ticked_only=False)
    assert (final.title, final.body, final.sources, final.date) == (
        "某市印发元宇宙产业行动计划", "某市印发行动计划，提出三项任务。", ["https://b.example/plan"], "2024-05-06")


def test_an_item_is_edited_when_any_of_title_body_or_commentary_differs_from_the_machine() -> None:
    assert not item().edited
    assert item(title="某市印发元宇宙产业行动计划").edited
    assert item(body="某市印发行动计划，提出三项任务。").edited
    assert item(commentary="该计划提出培育元宇宙企业。").edited


def test_an_issue_lists_as_unreviewed_only_items_no_reviewer_signed() -> None:
    issue = IssueInProgress(id="b1", items=[item(draft_id=1, state="pending"), item(draft_id=2, state="edited"),
                                            item(draft_id=3, state="reviewed"), item(draft_id=4, state="published")])
    assert [i.draft_id for i in issue.unreviewed()] == [1, 2]


# --- the issue in SQLite: order, moving out and back, sources, publication (real SQLite, a batch drafted by echo) ---

DATA = Path(__file__).resolve().parent / "data" / "batch"


def _echo(request: DraftRequest) -> list[Draft]:
    """Stands in for the drafter (no model): the item as given, or raw text's first line as title."""
    if request.item is not None:
        item = request.item
    else:
        first, _, rest = (request.raw_text or "").partition("\n")
        item = Item(section=request.section or "政策速递", title=first, body=rest or first)
    return [Draft(item=item, commentary=f"短评：{item.title}", offline=True)]


@pytest.fixture
def issue(tmp_path: Path) -> tuple[ReviewStore, IssueInProgress]:
    store = DraftStore(tmp_path / "d.sqlite3")
    reviews = ReviewStore(store)
    report = BatchRunner(_echo, data_dir=tmp_path, store=store).run(read_items(DATA / "items.jsonl"), batch_id="b1")
    return reviews, reviews.record_batch(report, resume=False, actor="张律师")


def _order(reviews: ReviewStore) -> list[tuple[str, int]]:
    return [(i.section, i.draft_id) for i in reviews.get_issue("b1").items]


def test_a_new_order_is_kept_within_sections_and_audited_once_per_section(issue: tuple[ReviewStore, IssueInProgress]) -> None:
    reviews, first = issue
    policy = [i.draft_id for i in first.items if i.section == "政策速递"]
    others = [(s, d) for s, d in _order(reviews) if s != "政策速递"]
    assert len(policy) >= 3
    # the editor lists the last policy item first; the others keep their order, other sections are untouched
    assert reviews.set_order("b1", [policy[-1], policy[0]], actor="李律师") == ["政策速递"]
    assert [d for s, d in _order(reviews) if s == "政策速递"] == [policy[-1], *policy[1:-1], policy[0]]
    assert [(s, d) for s, d in _order(reviews) if s != "政策速递"] == others
    (entry,) = [h for h in reviews.history(issue_id="b1") if h.action == "order"]
    assert (entry.actor, entry.before, entry.after) == (
        "李律师", {"section": "政策速递", "order": policy}, {"section": "政策速递", "order": [policy[-1], *policy[1:-1], policy[0]]})
    assert reviews.get_issue("b1").updated_by == "李律师"
    # the same order again changes nothing and records nothing
    assert reviews.set_order("b1", [policy[-1], policy[0]], actor="李律师") == []
    assert len([h for h in reviews.history(issue_id="b1") if h.action == "order"]) == 1


def test_an_item_moved_out_is_not_printed_and_comes_back_where_it_was(issue: tuple[ReviewStore, IssueInProgress]) -> None:
    reviews, first = issue
    before = _order(reviews)
    gone = first.items[1].draft_id
    reviews.remove_item("b1", gone, actor="李律师")
    now = reviews.get_issue("b1")
    assert gone not in [i.draft_id for i in now.items]
    assert [(i.draft_id, i.removed_by) for i in now.removed] == [(gone, "李律师")]
    with pytest.raises(ValidationError, match=f"草稿 #{gone} 已移出本期（李律师）：如需放回，请运行 drafting restore-item b1 {gone}"):
        reviews.remove_item("b1", gone)
    back = reviews.restore_item("b1", gone, actor="王律师")
    assert [(i.section, i.draft_id) for i in back.items] == before and back.removed == []
    assert back.updated_by == "王律师"
    with pytest.raises(ValidationError, match=f"草稿 #{gone} 没有被移出本期，无需恢复"):
        reviews.restore_item("b1", gone)
    with pytest.raises(ValidationError, match="本期没有草稿 #999：请运行 drafting issues b1 查看本期的草稿编号"):
        reviews.remove_item("b1", 999)
    actions = [(h.action, h.draft_id, h.before, h.after) for h in reviews.history(issue_id="b1") if h.action in ("remove", "restore")]
    assert actions == [("restore", gone, {"removed": True}, {"removed": False}), ("remove", gone, {"removed": False}, {"removed": True})]


def test_sources_are_replaced_cleaned_versioned_and_mark_the_item_edited(issue: tuple[ReviewStore, IssueInProgress]) -> None:
    reviews, first = issue
    it = first.items[0]
    version = reviews.set_sources(it.draft_id, [" https://b.example/new ", "", "  "], expected_version=it.version, actor="李律师")
    assert version == it.version + 1
    now = reviews.get_issue("b1").item(it.draft_id)
    assert (now.sources, now.version, now.state) == (["https://b.example/new"], it.version + 1, "edited")
    # the same list again: no new version, no audit entry
    assert reviews.set_sources(it.draft_id, ["https://b.example/new"], expected_version=version) == version
    (entry,) = [h for h in reviews.history(draft_id=it.draft_id) if h.action == "sources"]
    assert (entry.actor, entry.version, entry.after) == ("李律师", it.version + 1, {"sources": ["https://b.example/new"]})


def test_publishing_sets_the_printed_items_published_and_hides_the_issue_from_open_work(
        issue: tuple[ReviewStore, IssueInProgress], tmp_path: Path) -> None:
    reviews, first = issue
    out = first.items[0].draft_id
    reviews.remove_item("b1", out)
    assert reviews.find_resumable("/uploads/items.jsonl", [first.items[1].key]) == "b1"
    reviews.mark_published("b1", tmp_path / "2023-10.docx", actor="李律师")
    published = reviews.get_issue("b1")
    assert (published.published_by, bool(published.published_at)) == ("李律师", True)
    assert {i.state for i in published.items} == {"published"}
    assert [i.state for i in published.removed] != ["published"]  # a moved-out item was not published
    assert [i.id for i in reviews.list_issues(include_published=False)] == []
    assert [i.id for i in reviews.list_issues()] == ["b1"]
    # a published issue is not resumed by an edited list of the same name
    assert reviews.find_resumable("/uploads/items.jsonl", [first.items[1].key]) is None
    (entry,) = [h for h in reviews.history(issue_id="b1") if h.action == "publish"]
    assert entry.after == {"path": str(tmp_path / "2023-10.docx")}


def test_issue_details_typed_by_the_editor_are_trimmed_and_unchanged_ones_kept(issue: tuple[ReviewStore, IssueInProgress]) -> None:
    reviews, first = issue
    now = reviews.set_meta("b1", title=" 植德元宇宙月刊 ", editors="王五", actor="李律师")
    assert (now.title, now.period, now.editors, now.version, now.updated_by) == ("植德元宇宙月刊", "", "王五", first.version + 1, "李律师")
    same = reviews.set_meta("b1", title="植德元宇宙月刊", actor="张律师")
    assert (same.version, same.updated_by) == (now.version, "李律师")  # nothing typed differs: no new version
    with pytest.raises(ValidationError, match="没有编号为 nope 的进行中期刊：请重新运行批量起草"):
        reviews.set_meta("nope", title="x")
    assert reviews.exists("b1") and not reviews.exists("nope")


def test_the_json_shape_of_an_issue_names_every_item_and_the_moved_out_ones(issue: tuple[ReviewStore, IssueInProgress]) -> None:
    reviews, first = issue
    reviews.remove_item("b1", first.items[0].draft_id, actor="李律师")
    shape = reviews.get_issue("b1").to_json()
    assert (shape["id"], shape["period"], shape["suggested_period"]) == ("b1", "", "2023年第10期")
    row = shape["items"][0]
    it = first.items[1]
    assert row == {"draft_id": it.draft_id, "key": it.key, "section": it.section, "title": it.title, "state": "pending",
                   "state_label": "待定", "status": "pending", "ticked": False, "version": it.version, "updated_by": it.updated_by,
                   "updated_at": it.updated_at, "accepted_by": None, "reviewed_by": None, "sources": it.sources, "edited": False}
    (moved,) = shape["removed"]
    assert (moved["draft_id"], moved["removed_by"], bool(moved["removed_at"])) == (first.items[0].draft_id, "李律师", True)
    # the file name of the export: title and period, with nothing a file system refuses
    named = reviews.set_meta("b1", title="植德 元宇宙/月刊", period="2023年第10期")
    assert export_name(named) == "植德_元宇宙_月刊2023年第10期"


def test_the_audit_trail_names_who_moved_ticked_reviewed_and_retyped_what(issue: tuple[ReviewStore, IssueInProgress]) -> None:
    reviews, first = issue
    policy = [i for i in first.items if i.section == "政策速递"]
    reviews.move("b1", policy[1].draft_id, -1, actor="李律师")
    it = reviews.get_issue("b1").item(policy[0].draft_id)
    reviews.save_item("b1", it.draft_id, title=it.title, body=it.body, commentary=it.commentary, ticked=True,
                      expected_version=it.version, actor="李律师")
    reviews.review(it.draft_id, actor="王律师")
    reviews.set_meta("b1", editors="王五", actor="李律师")
    trail = [(h.action, h.actor, h.draft_id, h.before, h.after) for h in reviews.history(issue_id="b1")][:4]
    assert trail == [
        ("issue", "李律师", None, {"title": "", "period": "", "editors": ""}, {"title": "", "period": "", "editors": "王五"}),
        ("review", "王律师", it.draft_id, {"state": "pending"}, {"state": "reviewed"}),
        ("tick", "李律师", it.draft_id, {"ticked": False}, {"ticked": True}),
        ("order", "李律师", policy[1].draft_id, {"position": 2}, {"position": 1}),
    ]
    # the issue's own first entry says where the list came from, and who ran it
    (created,) = [h for h in reviews.history(issue_id="b1") if h.action == "issue" and h.after and "source" in h.after]
    assert (created.actor, created.after) == ("张律师", {"source": first.source})


def test_items_not_drafted_are_kept_as_given_and_marked_so(issue: tuple[ReviewStore, IssueInProgress]) -> None:
    _, first = issue
    undrafted = [i for i in first.items if not i.drafted]
    assert undrafted, "the fixture list has items that are not drafted"
    for it in undrafted:
        assert (it.machine.model, it.machine.offline, it.machine.item.commentary) == (UNDRAFTED_MODEL, False, None)
    assert all(i.machine.model != UNDRAFTED_MODEL for i in first.items if i.drafted)
    # the published copy of an item never carries the corpus id of its draft: the corpus gives it one
    assert first.items[0].final_item(ticked_only=False).id == ""


def test_an_issue_lists_its_editor_and_acceptors_when_asked(issue: tuple[ReviewStore, IssueInProgress]) -> None:
    reviews, first = issue
    prompts = Path(__file__).resolve().parent.parent / "prompts"
    closing = " ".join(b.text for b in reviews.set_meta("b1", editors="王五").assemble(prompts).closing)
    assert "本期执行编辑：王五" in closing
    # no editor typed: the house template's default editors, never an empty line
    closing = " ".join(b.text for b in reviews.set_meta("b1", editors="").assemble(prompts).closing)
    assert "本期执行编辑：何京 张维嘉" in closing
    for it in first.items:  # the reviewer is named for each item, whoever last edited it
        reviews.review(it.draft_id, actor="王律师")
    signed = reviews.get_issue("b1").assemble(prompts, with_acceptors=True)
    heading = [b for b in signed.closing if b.kind == "heading" and b.text == "采纳记录"]
    assert len(heading) == 1
    assert [b.text for b in signed.closing][-len(first.items):] == [f"{i.title[:24]}：王律师" for i in first.items]


def test_a_stale_page_cannot_overwrite_sources_and_audit_filters_combine(issue: tuple[ReviewStore, IssueInProgress]) -> None:
    reviews, first = issue
    it = first.items[0]
    reviews.set_sources(it.draft_id, ["https://b.example/a"], expected_version=it.version, actor="李律师")
    with pytest.raises(ConflictError):  # another editor's page still shows the old version
        reviews.set_sources(it.draft_id, ["https://c.example/b"], expected_version=it.version, actor="王律师")
    assert reviews.get_issue("b1").item(it.draft_id).sources == ["https://b.example/a"]
    assert [h.action for h in reviews.history(draft_id=it.draft_id, issue_id="b1")][:1] == ["sources"]
    assert reviews.history(draft_id=it.draft_id, issue_id="other") == []
    # a change made elsewhere (a corpus write) is recorded with who and what
    reviews.record("corpus", actor="李律师", issue_id="b1", after={"items": 6})
    (entry,) = [h for h in reviews.history(issue_id="b1") if h.action == "corpus"]
    assert (entry.actor, entry.after) == ("李律师", {"items": 6})
    with pytest.raises(ValidationError, match="没有编号为 nope 的进行中期刊：请在「批量」页的列表中重新选择，或运行 drafting issues 查看"):
        reviews.get_issue("nope")


def test_only_a_list_sharing_items_resumes_an_open_issue(issue: tuple[ReviewStore, IssueInProgress]) -> None:
    reviews, first = issue
    assert reviews.find_resumable("/elsewhere/items.jsonl", [first.items[0].key, "new-row"]) == "b1"
    assert reviews.find_resumable("/elsewhere/items.jsonl", ["new-row"]) is None  # same name, other items
    assert reviews.find_resumable("/elsewhere/other.jsonl", [first.items[0].key]) is None


def test_the_export_is_named_by_the_suggested_period_until_one_is_typed(issue: tuple[ReviewStore, IssueInProgress]) -> None:
    reviews, _ = issue
    named = reviews.set_meta("b1", title="植德元宇宙月刊")
    assert export_name(named) == "植德元宇宙月刊2023年第10期"
    assert export_name(reviews.set_meta("b1", period="2023年第11期")) == "植德元宇宙月刊2023年第11期"


def test_the_json_shape_keeps_the_issue_and_moved_out_details(issue: tuple[ReviewStore, IssueInProgress]) -> None:
    reviews, first = issue
    out = first.items[0]
    reviews.remove_item("b1", out.draft_id, actor="李律师")
    now = reviews.get_issue("b1")
    shape = now.to_json()
    assert (shape["updated_at"], shape["updated_by"], shape["version"]) == (now.updated_at, "李律师", now.version)
    (moved,) = shape["removed"]
    assert {k: v for k, v in moved.items() if k != "removed_at"} == {
        "draft_id": out.draft_id, "key": out.key, "section": out.section, "title": out.title, "state": "pending",
        "version": out.version, "removed_by": "李律师"}


def test_a_row_that_failed_gets_no_place_in_the_issue_and_a_fresh_run_replaces_rows_on_record(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d.sqlite3")
    reviews = ReviewStore(store)
    rows = read_items(DATA / "items.jsonl")

    def failing(request: DraftRequest) -> list[Draft]:
        if request.item is not None and request.item.section == "政策速递" and "工信部" in request.item.title:
            raise RuntimeError("模型超时")
        return _echo(request)

    report = BatchRunner(failing, data_dir=tmp_path, store=store).run(rows, batch_id="b2")
    failed = [r for r in report.results if r.status == "failed"]
    assert failed, "the fixture list has a 工信部 policy item"
    issue = reviews.record_batch(report, resume=False, actor="张律师")
    assert not [i for i in issue.items if "工信部" in i.title]
    undrafted = [i for i in issue.items if not i.drafted]
    assert undrafted and all(reviews.history(draft_id=i.draft_id)[-1].actor == "张律师" for i in undrafted)
    # the list is drafted afresh (not resumed): each drafted row now shows the new draft, and the change is audited
    again = BatchRunner(_echo, data_dir=tmp_path / "again", store=store).run(rows, batch_id="b2")
    renewed = reviews.record_batch(again, resume=False, actor="李律师")
    swaps = [(h.actor, h.before, h.after or {}) for h in reviews.history(issue_id="b2") if h.action == "issue" and h.before]
    before = {i.key: i.draft_id for i in issue.items if i.drafted}
    assert swaps and {actor for actor, _, _ in swaps} == {"李律师"}
    assert {(b["draft_id"], a["draft_id"]) for _, b, a in swaps} == {
        (before[i.key], i.draft_id) for i in renewed.items if i.key in before and i.draft_id != before[i.key]}


def test_an_item_save_needs_a_title_and_a_body_and_the_page_current_version(issue: tuple[ReviewStore, IssueInProgress]) -> None:
    reviews, first = issue
    it = first.items[0]
    for title, body in (("", it.body), (it.title, " "), ("", "")):
        with pytest.raises(ValidationError, match="标题和正文不能为空：请补全后再保存"):
            reviews.save_item("b1", it.draft_id, title=title, body=body, commentary=it.commentary, ticked=False,
                              expected_version=it.version, actor="李律师")
    reviews.save_item("b1", it.draft_id, title=it.title, body=it.body, commentary="甲的短评", ticked=False,
                      expected_version=it.version, actor="甲")
    with pytest.raises(ConflictError):  # the other editor's page still shows the version before 甲's save
        reviews.save_item("b1", it.draft_id, title=it.title, body=it.body, commentary="乙的短评", ticked=False,
                          expected_version=it.version, actor="乙")
    assert reviews.get_issue("b1").item(it.draft_id).commentary == "甲的短评"


def test_a_sources_change_is_audited_with_the_list_before_it_and_undrafted_rows_belong_to_their_batch(
        issue: tuple[ReviewStore, IssueInProgress]) -> None:
    reviews, first = issue
    it = first.items[0]
    reviews.set_sources(it.draft_id, ["https://b.example/a"], expected_version=it.version, actor="李律师")
    (entry,) = [h for h in reviews.history(draft_id=it.draft_id) if h.action == "sources"]
    assert entry.before == {"sources": it.sources}
    undrafted = [i for i in first.items if not i.drafted]
    assert {reviews.store.get(i.draft_id).batch_id for i in undrafted} == {"b1"}

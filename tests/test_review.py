"""Issues in progress, versioned saves, review states and the audit trail (real SQLite, real files)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from drafting.errors import ConflictError, ValidationError
from drafting.issues.batch import BatchRunner
from drafting.issues.batch_input import read_items
from drafting.issues.batch_rows import validate_rows
from drafting.issues.review import ReviewStore
from drafting.models import Draft, DraftRequest, Item
from drafting.store import DraftStore

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "batch"


def echo_drafter(request: DraftRequest) -> list[Draft]:
    """Stands in for the drafter (no model): the item as given, or raw text's first line as title."""
    if request.item is not None:
        item = request.item
    else:
        first, _, rest = (request.raw_text or "").partition("\n")
        item = Item(section=request.section or "政策速递", title=first, body=rest or first)  # drops the sources
    return [Draft(item=item, commentary=f"短评：{item.title}", offline=True)]


def make_draft(title: str = "某市印发《元宇宙行动方案》") -> Draft:
    return Draft(item=Item(section="政策速递", title=title, date="2023-09-18", body="正文"), commentary="机器短评", offline=True)


def run_issue(tmp_path: Path, batch_id: str = "b1", resume: bool = False):
    store = DraftStore(tmp_path / "d.sqlite3")
    reviews = ReviewStore(store)
    report = BatchRunner(echo_drafter, data_dir=tmp_path, store=store).run(
        read_items(DATA / "items.jsonl"), batch_id=batch_id, resume=resume)
    return store, reviews, reviews.record_batch(report, resume=resume, actor="张律师")


def test_stale_save_is_refused_with_both_texts(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d.sqlite3")
    draft_id = store.create(make_draft())
    assert store.get(draft_id).version == 1
    v2 = store.save_edit(draft_id, title="A", body="正文", commentary="甲的短评", expected_version=1, actor="甲")
    assert v2 == 2
    with pytest.raises(ConflictError) as conflict:
        store.save_edit(draft_id, title="B", body="正文", commentary="乙的短评", expected_version=1, actor="乙")
    assert conflict.value.stored["commentary"] == "甲的短评" and conflict.value.stored_version == 2
    assert "已在别处被修改" in str(conflict.value) and "甲" in str(conflict.value)
    assert store.get(draft_id).commentary == "甲的短评"  # nothing overwritten
    with pytest.raises(ConflictError):
        store.accept(draft_id, title="B", body="正文", commentary="乙的短评", expected_version=1, actor="乙")
    # Keeping one's own text means saving over the version now shown: it becomes version 3, the other stays in the audit.
    store.save_edit(draft_id, title="B", body="正文", commentary="乙的短评", expected_version=2, actor="乙")
    history = ReviewStore(store).history(draft_id=draft_id)
    assert [(h.action, h.actor) for h in history][:2] == [("save", "乙"), ("save", "甲")]
    assert history[0].before["commentary"] == "甲的短评" and history[0].after["commentary"] == "乙的短评"


def test_deleted_draft_is_told_apart_from_changed(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d.sqlite3")
    draft_id = store.create(make_draft())
    with sqlite3.connect(store.path) as conn:
        conn.execute("DELETE FROM drafts WHERE id=?", (draft_id,))
    with pytest.raises(ValidationError, match="不存在") as err:
        store.save_edit(draft_id, title="t", body="b", commentary="c", expected_version=1)
    assert not isinstance(err.value, ConflictError)


def test_old_database_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # the schema of the first release, with one draft in it
        conn.executescript("""
        CREATE TABLE drafts (id INTEGER PRIMARY KEY AUTOINCREMENT, status TEXT NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'accepted')), draft_json TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL,
          commentary TEXT NOT NULL, source_text TEXT, batch_id TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
          accepted_at TEXT, accepted_json TEXT);""")
        conn.execute("INSERT INTO drafts (draft_json, title, body, commentary, created_at, updated_at) VALUES (?,?,?,?,?,?)",
                     (make_draft().model_dump_json(), "旧标题", "旧正文", "旧短评", "2023-01-01", "2023-01-01"))
    store = DraftStore(path)
    old = store.get(1)
    assert (old.title, old.version, old.review_state) == ("旧标题", 1, "pending")
    assert store.save_edit(1, title="新标题", body="旧正文", commentary="旧短评", expected_version=1, actor="x") == 2


def test_batch_is_an_issue_in_progress_that_keeps_edits_on_resume(tmp_path: Path) -> None:
    _store, reviews, issue = run_issue(tmp_path)
    assert [i.id for i in reviews.list_issues()] == ["b1"]
    assert len(issue.items) == 6 and all(i.draft_id for i in issue.items)  # undrafted news items have rows too
    assert issue.period == "" and issue.suggested_period == "2023年第10期"
    first = issue.items[0]
    reviews.save_item("b1", first.draft_id, title=first.title, body=first.body, commentary="编辑改过的短评",
                      ticked=True, expected_version=first.version, actor="李律师")
    reviews.set_meta("b1", period="2023年第9期", editors="王五", actor="李律师")
    policy = [i for i in reviews.get_issue("b1").items if i.section == "政策速递"]
    reviews.move("b1", policy[1].draft_id, -1)
    # The server restarts, the list is run again with resume: the edit, tick, period and order are intact.
    store2 = DraftStore(tmp_path / "d.sqlite3")
    report = BatchRunner(echo_drafter, data_dir=tmp_path, store=store2).run(read_items(DATA / "items.jsonl"),
                                                                            batch_id="b1", resume=True)
    again = ReviewStore(store2).record_batch(report, resume=True)
    edited = again.item(first.draft_id)
    assert (edited.commentary, edited.ticked, edited.state, edited.updated_by) == ("编辑改过的短评", True, "edited", "李律师")
    assert again.period == "2023年第9期" and again.editors == "王五"
    assert [i.draft_id for i in again.items if i.section == "政策速递"][:2] == [policy[1].draft_id, policy[0].draft_id]
    final = again.assemble(ROOT / "prompts", ticked_only=True)
    assert final.period == "2023年第9期"
    assert [(i.title, i.commentary) for i in final.items() if i.commentary] == [(first.title, "编辑改过的短评")]
    shape = again.to_json()
    assert set(shape["items"][0]) >= {"draft_id", "section", "title", "state", "version", "updated_by", "sources"}


def test_raw_row_keeps_its_source_through_drafting_and_export(tmp_path: Path) -> None:
    batch = validate_rows([
        (1, {"section": "政策速递", "raw": "某省印发《数字经济条例》\n2023年9月1日，某省印发条例。", "source": "https://example.gov.cn/a"}),
        (2, {"section": "政策速递", "title": "某市发布元宇宙方案", "body": "2023年9月2日，某市发布方案。", "source": "https://example.gov.cn/b"}),
    ], source="raw.csv")
    store = DraftStore(tmp_path / "d.sqlite3")
    report = BatchRunner(echo_drafter, data_dir=tmp_path, store=store).run(batch, batch_id="raw")
    issue = ReviewStore(store).record_batch(report, resume=False)
    assert sorted(u for i in issue.items for u in i.sources) == ["https://example.gov.cn/a", "https://example.gov.cn/b"]
    assembled = issue.assemble(ROOT / "prompts")
    assert [f.url for f in assembled.footnotes()] == ["https://example.gov.cn/a", "https://example.gov.cn/b"]


def test_review_needs_another_user_when_login_is_on(tmp_path: Path) -> None:
    _store, reviews, issue = run_issue(tmp_path)
    item = issue.items[0]
    reviews.save_item("b1", item.draft_id, title=item.title + "（修订）", body=item.body, commentary=item.commentary,
                      ticked=False, expected_version=item.version, actor="甲")
    with pytest.raises(ValidationError, match="另一位同事"):
        reviews.review(item.draft_id, actor="甲", login=True)
    done = reviews.review(item.draft_id, actor="乙", login=True)
    assert (done.review_state, done.reviewed_by) == ("reviewed", "乙")
    assert [a.action for a in reviews.history(draft_id=item.draft_id)][:2] == ["review", "save"]


def test_two_threads_saving_the_same_version_one_wins_one_is_told(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d.sqlite3")
    draft_id = store.create(make_draft())
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def save(who: str) -> None:
        barrier.wait()
        try:
            store.save_edit(draft_id, title="t", body="b", commentary=f"{who}的短评", expected_version=1, actor=who)
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(w,)) for w in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert store.get(draft_id).version == 2


def test_cli_batch_is_listed_by_issues_and_resume_keeps_a_page_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`drafting batch` records an issue in progress under the page's id; an edit made there survives --resume."""
    import json

    from conftest import make_settings
    from typer.testing import CliRunner

    from drafting.cli import app
    from drafting.issues.publish import resolve_batch_id
    from drafting.services import build_services

    settings = make_settings(tmp_path)
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(settings.data_dir))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "issue.md"
    args = ["batch", str(DATA / "items.jsonl"), "-o", str(tmp_path / "issue.docx"), "--md", str(out), "--offline", "--json"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    batch_id = json.loads(first.stdout)["batch_id"]
    # The page computes the id of an uploaded copy of the same list the same way.
    copy = tmp_path / "upload" / "items.jsonl"
    copy.parent.mkdir()
    copy.write_bytes((DATA / "items.jsonl").read_bytes())
    services = build_services(settings)
    assert resolve_batch_id(services, read_items(copy), resume=False) == batch_id

    listed = CliRunner().invoke(app, ["issues", "--json"])
    assert listed.exit_code == 0, listed.output
    (issue,) = json.loads(listed.stdout)["issues"]
    assert issue["id"] == batch_id and len(issue["items"]) == 6
    assert {"draft_id", "section", "title", "state", "version", "updated_by", "sources"} <= set(issue["items"][0])

    # An editor changes an item in the page (same store), then the CLI resumes and exports.
    item = services.reviews.get_issue(batch_id).items[0]
    services.reviews.save_item(batch_id, item.draft_id, title=item.title, body=item.body, commentary="页面上改过的短评。",
                               ticked=True, expected_version=item.version, actor="编辑甲")
    again = CliRunner().invoke(app, [*args, "--resume"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["resumed"] == 3
    assert "页面上改过的短评。" in out.read_text(encoding="utf-8")
    text = CliRunner().invoke(app, ["issues", batch_id, "--history"])
    assert text.exit_code == 0 and "编辑甲" in text.output and "已修改" in text.output


def test_batch_summary_adds_up_and_accepted_items_read_采纳(tmp_path: Path) -> None:
    from drafting.models import Precedent
    from drafting.ui import format as fmt

    report = BatchRunner(echo_drafter, data_dir=tmp_path).run(read_items(DATA / "items.jsonl"), batch_id="sum")
    s = report.summary()
    assert s["done"] == 6 and s["resumed"] + s["drafted"] + s["given"] == s["done"] and s["given"] == 3
    accepted = Item(section="政策速递", title="某市印发方案", body="正文", issue="accepted", commentary="短评")
    cards = fmt.precedents_html([Precedent(item=accepted, score=0.5)], [Precedent(item=accepted, score=0.9, duplicate=True)])
    assert "期号 采纳" in cards and "accepted" not in cards
    assert "accepted" not in fmt.item_html(accepted)


def test_conflict_and_audit_html_escape_and_show_both_texts(tmp_path: Path) -> None:
    from drafting.ui import review_format as rfmt

    store = DraftStore(tmp_path / "d.sqlite3")
    draft_id = store.create(make_draft())
    store.save_edit(draft_id, title="t", body="b", commentary="<b>甲</b>的文字", expected_version=1, actor="<i>甲</i>")
    with pytest.raises(ConflictError) as conflict:
        store.save_edit(draft_id, title="t", body="b", commentary="乙的文字", expected_version=1, actor="乙")
    html = rfmt.conflict_html(conflict.value, {"title": "t", "body": "b", "commentary": "乙的文字"})
    assert "&lt;b&gt;甲&lt;/b&gt;的文字" in html and "乙的文字" in html and "<b>甲</b>" not in html
    audit = rfmt.audit_html(ReviewStore(store).history(draft_id=draft_id))
    assert "&lt;i&gt;甲&lt;/i&gt;" in audit and "修改" in audit and "起草" in audit


def test_a_stale_write_of_the_stored_text_is_no_conflict(tmp_path: Path) -> None:
    """A page's own autosave may land just before its 采纳 click, which still carries the older version."""
    store = DraftStore(tmp_path / "d.sqlite3")
    draft_id = store.create(make_draft())
    store.save_edit(draft_id, title="t", body="b", commentary="同一段文字", expected_version=1)
    accepted = store.accept(draft_id, title="t", body="b", commentary="同一段文字", expected_version=1)
    assert accepted.status == "accepted" and accepted.version == 3
    with pytest.raises(ConflictError):
        store.accept(draft_id, title="t", body="b", commentary="另一段文字", expected_version=2)

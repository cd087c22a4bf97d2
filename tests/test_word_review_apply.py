"""A reviewed DOCX written back: text, edited footnotes (sources), deleted items (moved out, restorable) and the new
order reach the issue in progress, the audit trail and, for accepted items, the corpus and the index."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from test_word_review import (
    CHENGDU,
    CHONGQING,
    DEAL,
    EDITOR,
    HONGKOU,
    MIIT,
    NS,
    PARTNER,
    SICHUAN,
    W,
    _accept,
    _delete_tracked,
    _edit_footnote,
    _item_paragraphs,
    _paragraphs,
    _reject,
    _row,
    _style,
    _text,
    _tracked_edit,
)
from test_word_review import issue as _issue_fixture
from typer.testing import CliRunner

issue = _issue_fixture  # the issue in progress "oct" of test_word_review, as a fixture here too
HK_PAGE = "https://www.shhk.gov.cn/xwzx/002008/002008040/"
HK_OLD, HK_NEW = "20231003/7142eb11-c3c4-41bd-af67-adba72c385bd.html", "20231003/7142eb11.html"
CQ_OLD = "https://jjxxw.cq.gov.cn/zwgk_213/zcwj/qtwj/202309/t20230922_12365525.html"
CQ_NEW = "https://jjxxw.cq.gov.cn/zwgk_213/zcwj/qtwj/202309/t20230922_12365525_正式版.html"


def _rows(services) -> dict[int, tuple]:
    """Every stored row of the issue: status, text, sources, version, review state."""
    return {r.id: (r.status, r.title, r.body, r.commentary, tuple(r.draft.item.sources), r.version, r.review_state)
            for r in services.store.list(batch_id="oct")}


def _order(services) -> list[int]:
    return [i.draft_id for i in services.reviews.get_issue("oct").items]


def _titles(services) -> dict[str, object]:
    rows = {r.title: r for r in services.store.list(batch_id="oct")}
    return {start: _row(rows, start) for start in (MIIT, SICHUAN, CHONGQING, CHENGDU, HONGKOU, DEAL)}


def _cli(services, *args: str):
    from drafting.cli import app

    env = {"DRAFTING_CORPUS_DIR": str(services.settings.corpus_dir), "DRAFTING_DATA_DIR": str(services.settings.data_dir)}
    return CliRunner().invoke(app, list(args), env=env)


def _heading2(path: Path) -> list[str]:
    """Titles of the items printed in a DOCX, in order (accepted view of the tracked copy)."""
    return [_text(p) for p in _paragraphs(docx.Document(str(path))) if _style(p) == "Heading2"]


def _footnotes_xml(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return z.read("word/footnotes.xml").decode()


# ---------------------------------------------------------------- the round trip of "Done means"

def test_round_trip_tracked_export_review_in_word_import_and_apply(issue, tmp_path: Path, monkeypatch) -> None:
    from drafting.issues.word_export import export_issue
    from drafting.issues.word_review import import_review
    from drafting.store import local_user

    services = issue
    t = _titles(services)
    sichuan, chongqing, miit, chengdu, hongkou, deal = (t[k] for k in (SICHUAN, CHONGQING, MIIT, CHENGDU, HONGKOU, DEAL))
    machine_sichuan = sichuan.draft
    out = tmp_path / "oct.docx"
    summary = export_issue(services, "oct", out, tracked=True, editor=EDITOR, period="2023年第10期")
    assert summary["items"] == 6 and summary["edited"] == 1 and summary["tracked"] is True

    # The export: the editor's three edits of 四川 are revisions by the editor on the machine draft, nothing else.
    doc = docx.Document(str(out))
    body = doc.element.body
    revisions = body.findall(".//w:ins", NS) + body.findall(".//w:del", NS)
    assert revisions and {r.get(f"{W}author") for r in revisions} == {EDITOR}
    sichuan_paras = _item_paragraphs(doc, SICHUAN)
    assert _text(sichuan_paras[0], "original") == machine_sichuan.item.title
    assert _text(sichuan_paras[0], "accepted") == sichuan.title
    assert all(not p.findall(".//w:ins", NS) for p in _item_paragraphs(doc, MIIT))

    # The partner in Word: accepts the title revision, rejects the body revision, comments on 工信部's 短评,
    # rewrites part of 重庆's 短评 with tracking on and moves 重庆 to the top of 政策速递, deletes the deal item
    # (修订 off), drops 成都's bookmark (copy-paste in WPS does that) and corrects 虹口's source link.
    title_p = sichuan_paras[0]
    for rev in title_p.findall("w:ins", NS) + title_p.findall("w:del", NS):
        _accept(rev)
    for p in sichuan_paras[1:]:
        if "近日" in _text(p):
            for rev in p.findall("w:ins", NS) + p.findall("w:del", NS):
                _reject(rev)
    miit_paras = _item_paragraphs(doc, MIIT)
    commentary_p = miit_paras[miit_paras.index(next(p for p in miit_paras if _text(p) == "植德短评：")) + 1]
    doc.add_comment(docx.text.paragraph.Paragraph(commentary_p, doc._body).runs[0], text="请核实征求意见截止日期",
                    author=PARTNER, initials="王")
    cq_paras = _item_paragraphs(doc, CHONGQING)
    cq_comm = cq_paras[cq_paras.index(next(p for p in cq_paras if _text(p) == "植德短评：")) + 1]
    old_cq = _text(cq_comm)
    _tracked_edit(cq_comm, 4, 3, "重庆市经信委")
    for p in cq_paras:
        miit_paras[0].addprevious(p)
    for p in _item_paragraphs(doc, DEAL):
        p.getparent().remove(p)
    for b in _item_paragraphs(doc, CHENGDU)[0].findall("w:bookmarkStart", NS):
        b.getparent().remove(b)
    reviewed = tmp_path / "oct-reviewed.docx"
    doc.save(str(reviewed))
    _edit_footnote(reviewed, HK_OLD, HK_NEW)
    before, order_before = _rows(services), _order(services)
    assert order_before == [miit.id, sichuan.id, chongqing.id, chengdu.id, hongkou.id, deal.id]
    corpus_before = {i.id: i for i in services.corpus.items()}
    last_audit = services.reviews.history(limit=1)[0].id

    # The report: what changed, per item; changes nothing.
    report = import_review(services, reviewed)
    assert report.issue == "oct" and report.view == "accepted"
    got = {start: next(i for i in report.items if i.title.startswith(start))
           for start in (SICHUAN, MIIT, CHONGQING, CHENGDU, HONGKOU)}
    new_cq = old_cq[:4] + "重庆市经信委" + old_cq[7:]
    expected_cq_comm = chongqing.commentary.replace(old_cq, new_cq)
    assert [c.model_dump() for c in got[CHONGQING].changes] == [
        {"field": "commentary", "before": chongqing.commentary, "after": expected_cq_comm, "author": PARTNER}]
    assert [c.model_dump() for c in got[SICHUAN].changes] == [
        {"field": "body", "before": sichuan.body, "after": machine_sichuan.item.body, "author": None}]
    assert got[SICHUAN].title == sichuan.title
    assert got[MIIT].changes == []
    assert [(c["author"], c["text"], c["field"]) for c in got[MIIT].comments] == [(PARTNER, "请核实征求意见截止日期", "commentary")]
    assert got[CHENGDU].matched_by == "title" and got[CHENGDU].changes == []
    assert [c.model_dump() for c in got[HONGKOU].changes] == [
        {"field": "sources", "before": HK_PAGE + HK_OLD, "after": HK_PAGE + HK_NEW, "author": None}]
    assert report.deleted == [{"draft_id": deal.id, "key": str(deal.id), "title": deal.title, "applied": None}]
    assert report.unmatched == [] and report.reordered is True
    assert report.moved == [{"draft_id": chongqing.id, "key": str(chongqing.id), "title": chongqing.title,
                             "section": "政策速递", "before": 3, "after": 1}]
    assert _rows(services) == before and _order(services) == order_before

    # Applied through the CLI, as JSON.
    monkeypatch.chdir(tmp_path)  # no stray .env
    result = _cli(services, "import-review", str(reviewed), "--apply", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["applied"] is True and data["order_applied"] is True
    assert {i["draft_id"]: i["applied"] for i in data["items"]} == {
        chongqing.id: "accepted", miit.id: None, sichuan.id: "saved", chengdu.id: None, hongkou.id: "saved"}
    assert data["deleted"] == [{"draft_id": deal.id, "key": str(deal.id), "title": deal.title, "applied": "removed"}]

    # The stored drafts: exactly the reviewed changes; the deleted item's row is kept as it was.
    st, ti, bo, co, so, ve, rs = before[sichuan.id]
    expected = dict(before)
    expected[sichuan.id] = (st, ti, machine_sichuan.item.body, co, so, ve + 1, "edited")
    st, ti, bo, co, so, ve, rs = before[chongqing.id]
    expected[chongqing.id] = ("accepted", ti, bo, expected_cq_comm, so, ve + 1, rs)
    st, ti, bo, co, so, ve, rs = before[hongkou.id]
    expected[hongkou.id] = (st, ti, bo, co, (HK_PAGE + HK_NEW,), ve + 1, "edited")
    assert _rows(services) == expected
    # The issue in progress: the file's order within the section, the deal item moved out and listed as such.
    assert _order(services) == [chongqing.id, miit.id, sichuan.id, chengdu.id, hongkou.id]
    who = f"{local_user()}（Word 审阅）"
    listed = services.reviews.get_issue("oct").to_json()
    assert [(r["draft_id"], r["removed_by"]) for r in listed["removed"]] == [(deal.id, who)]
    assert deal.id not in [i["draft_id"] for i in listed["items"]]
    # The audit trail: one entry per write, by the reviewer, with before and after.
    new = [a for a in reversed(services.reviews.history(issue_id="oct")) if a.id > last_audit]
    assert [(a.action, a.draft_id, a.actor) for a in new] == [
        ("reaccept", chongqing.id, who), ("corpus", chongqing.id, who), ("save", sichuan.id, who),
        ("sources", hongkou.id, who), ("remove", deal.id, who), ("order", None, who)]
    assert (new[3].before, new[3].after) == ({"sources": [HK_PAGE + HK_OLD]}, {"sources": [HK_PAGE + HK_NEW]})
    assert (new[4].before, new[4].after) == ({"removed": False}, {"removed": True})
    assert (new[5].before, new[5].after) == ({"section": "政策速递", "order": [miit.id, sichuan.id, chongqing.id]},
                                             {"section": "政策速递", "order": [chongqing.id, miit.id, sichuan.id]})
    # The corpus: only 重庆's accepted item changed.
    from drafting.corpus import CorpusFiles

    corpus_after = {i.id: i for i in CorpusFiles(services.settings.corpus_dir).items()}
    changed = {k for k in corpus_after.keys() | corpus_before.keys() if corpus_after.get(k) != corpus_before.get(k)}
    cq_item = next(i for i in corpus_after.values() if i.title == chongqing.title and i.issue == "accepted")
    assert changed == {cq_item.id} and cq_item.commentary == expected_cq_comm

    # Both exports now print the new order, without the deal item, and 虹口's corrected footnote.
    titles = [chongqing.title, miit.title, sichuan.title, chengdu.title, hongkou.title]
    for tracked in (False, True):
        again = tmp_path / f"again-{tracked}.docx"
        export_issue(services, "oct", again, tracked=tracked, editor=EDITOR)
        assert _heading2(again) == titles
        notes = _footnotes_xml(again)
        assert HK_PAGE + HK_NEW in notes and HK_OLD not in notes and "sohu.com" not in notes

    # The same file read again: nothing left to apply.
    second = import_review(services, reviewed)
    assert second.changed() == [] and second.deleted == [] and second.moved == [] and second.reordered is False


# ---------------------------------------------------------------- views, the unmatched guard, restore

def _clean_export(services, tmp_path: Path):
    from drafting.issues.word_export import export_issue

    out = tmp_path / "clean.docx"
    export_issue(services, "oct", out)
    return out, docx.Document(str(out))


def test_tracked_deletion_is_a_proposal_in_the_original_view_and_done_in_the_accepted_view(issue, tmp_path: Path) -> None:
    from drafting.issues.word_review import import_review
    from drafting.ui.review_word import report_html

    t = _titles(issue)
    out, doc = _clean_export(issue, tmp_path)
    for p in _item_paragraphs(doc, SICHUAN):  # move 四川 before 工信部
        _item_paragraphs(doc, MIIT)[0].addprevious(p)
    _delete_tracked(_item_paragraphs(doc, CHENGDU))
    doc.save(str(out))

    kept = import_review(issue, out, view="original", apply=True, actor="赵律师")
    assert kept.deleted == [] and kept.order_applied is True
    assert _order(issue) == [t[SICHUAN].id, t[MIIT].id, t[CHONGQING].id, t[CHENGDU].id, t[HONGKOU].id, t[DEAL].id]

    done = import_review(issue, out, view="accepted", apply=True, actor="赵律师")
    assert [(d["draft_id"], d["applied"]) for d in done.deleted] == [(t[CHENGDU].id, "removed")]
    assert done.moved == [] and done.order_applied is False  # the order was already the file's
    assert _order(issue) == [t[SICHUAN].id, t[MIIT].id, t[CHONGQING].id, t[HONGKOU].id, t[DEAL].id]
    html = report_html(done)
    assert "已移出本期（可恢复）" in html and t[CHENGDU].title in html
    assert "已按审阅稿调整顺序" in report_html(kept) and t[SICHUAN].title in report_html(kept)

    # The 批量 page's restore picker lists the moved-out item; 恢复到本期 puts it back where it was.
    from drafting.errors import ValidationError
    from drafting.ui.review_word import removed_choices, restore

    assert [v for _, v in removed_choices(issue, "oct")] == [str(t[CHENGDU].id)]
    with pytest.raises(ValidationError, match="请先在「已移出本期的条目」中选择"):
        restore(issue, "oct", None, "孙编辑")
    note, choices = restore(issue, "oct", str(t[CHENGDU].id), "孙编辑")
    assert "已恢复到本期" in note and t[CHENGDU].title in note and choices == []
    assert _order(issue) == [t[SICHUAN].id, t[MIIT].id, t[CHONGQING].id, t[CHENGDU].id, t[HONGKOU].id, t[DEAL].id]
    assert issue.reviews.history(draft_id=t[CHENGDU].id)[0].actor == "孙编辑"


def test_deletions_are_not_applied_while_an_item_of_the_file_matches_nothing(issue, tmp_path: Path) -> None:
    """A retyped title without its bookmark looks like "one deleted, one unknown": the deleted one may be that item."""
    from drafting.issues.word_review import import_review

    t = _titles(issue)
    out, doc = _clean_export(issue, tmp_path)
    title_p = _item_paragraphs(doc, CHENGDU)[0]
    for b in title_p.findall("w:bookmarkStart", NS):
        b.getparent().remove(b)
    title_p.findall("w:r", NS)[0].find("w:t", NS).text = "成都市发布六十余个元宇宙应用场景"
    for r in title_p.findall("w:r", NS)[1:]:
        title_p.remove(r)
    doc.save(str(out))
    before = _rows(issue)

    report = import_review(issue, out, apply=True)
    assert [u["title"] for u in report.unmatched] == ["成都市发布六十余个元宇宙应用场景"]
    (deleted,) = report.deleted
    assert deleted["draft_id"] == t[CHENGDU].id and "无法对应" in deleted["applied"]
    assert t[CHENGDU].id in _order(issue) and _rows(issue) == before


def test_footnote_of_an_accepted_item_reaches_corpus_and_index(issue, tmp_path: Path) -> None:
    from drafting.issues.publish import publish_issue
    from drafting.issues.word_review import import_review

    cq = _titles(issue)[CHONGQING]
    out, doc = _clean_export(issue, tmp_path)
    doc.save(str(out))
    _edit_footnote(out, CQ_OLD, CQ_NEW)
    report = import_review(issue, out, apply=True, actor="王律师")
    (changed,) = report.changed()
    assert (changed.draft_id, [c.field for c in changed.changes], changed.applied) == (cq.id, ["sources"], "accepted")
    accepted = [i for i in issue.corpus.items() if i.issue == "accepted" and i.title == cq.title]
    assert [i.sources for i in accepted] == [[CQ_NEW]]
    assert issue.index.get([accepted[0].id])[accepted[0].id].sources == [CQ_NEW]
    # Published: the issue JSON in the corpus carries the corrected source too; a moved-out item is not published.
    deal = _titles(issue)[DEAL]
    issue.reviews.remove_item("oct", deal.id, actor="王律师")
    path = publish_issue(issue, issue.reviews.get_issue("oct"), every_commentary=True)
    published = json.loads(path.read_text(encoding="utf-8"))
    assert [i["sources"] for i in published["items"] if i["title"] == cq.title] == [[CQ_NEW]]
    assert len(published["items"]) == 5 and deal.title not in [i["title"] for i in published["items"]]
    assert (issue.store.get(deal.id).review_state, issue.store.get(cq.id).review_state) == ("pending", "published")


def test_cli_apply_json_removed_item_listed_and_restored(issue, tmp_path: Path, monkeypatch) -> None:
    t = _titles(issue)
    miit, chengdu, hongkou = t[MIIT], t[CHENGDU], t[HONGKOU]
    out, doc = _clean_export(issue, tmp_path)
    for p in _item_paragraphs(doc, HONGKOU):  # 虹口 before 成都
        _item_paragraphs(doc, CHENGDU)[0].addprevious(p)
    for p in _item_paragraphs(doc, MIIT):  # 工信部 deleted with 修订 off
        p.getparent().remove(p)
    doc.save(str(out))
    monkeypatch.chdir(tmp_path)

    shown = _cli(issue, "import-review", str(out))  # the report in words first: nothing applied yet
    assert shown.exit_code == 0, shown.output
    assert f"审阅稿中已删除：#{miit.id} {miit.title}" in shown.output and "确认无误后加 --apply 写回" in shown.output
    assert f"顺序调整：{hongkou.title}（行业新闻 第 2 → 1 条）" in shown.output and "已移出本期" not in shown.output
    result = _cli(issue, "import-review", str(out), "--apply", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["deleted"] == [{"draft_id": miit.id, "key": str(miit.id), "title": miit.title, "applied": "removed"}]
    assert data["moved"] == [{"draft_id": hongkou.id, "key": str(hongkou.id), "title": hongkou.title,
                              "section": "行业新闻", "before": 2, "after": 1}]
    assert data["order_applied"] is True

    listed = json.loads(_cli(issue, "issues", "oct", "--json").stdout)["issues"][0]
    assert [i["draft_id"] for i in listed["items"]] == [t[SICHUAN].id, t[CHONGQING].id, hongkou.id, chengdu.id, t[DEAL].id]
    assert [(r["draft_id"], r["title"]) for r in listed["removed"]] == [(miit.id, miit.title)]
    text = _cli(issue, "issues", "oct")
    assert f"已移出 #{miit.id}" in text.stdout

    restored = _cli(issue, "restore-item", "oct", str(miit.id), "--json")
    assert restored.exit_code == 0, restored.output
    assert json.loads(restored.stdout) == {"issue": "oct", "draft_id": miit.id, "title": miit.title, "restored": True}
    listed = json.loads(_cli(issue, "issues", "oct", "--history", "--json").stdout)
    assert [i["draft_id"] for i in listed["issues"][0]["items"]] == [
        miit.id, t[SICHUAN].id, t[CHONGQING].id, hongkou.id, chengdu.id, t[DEAL].id]
    assert listed["issues"][0]["removed"] == []
    assert [(h["action"], h["draft_id"]) for h in listed["history"][:2]] == [("restore", miit.id), ("order", None)]

    # Refused with a Chinese message (main() prints it as one line; the runner keeps the exception).
    again = _cli(issue, "restore-item", "oct", str(miit.id))
    assert again.exit_code == 1 and "没有被移出" in str(again.exception)
    missing = _cli(issue, "restore-item", "oct", "99999")
    assert missing.exit_code == 1 and "没有草稿 #99999" in str(missing.exception)


@pytest.mark.parametrize("action", ["remove", "restore"])
def test_remove_and_restore_refuse_what_does_not_apply(issue, action: str) -> None:
    from drafting.errors import ValidationError

    miit = _titles(issue)[MIIT]
    if action == "restore":
        with pytest.raises(ValidationError, match="没有被移出"):
            issue.reviews.restore_item("oct", miit.id)
    else:
        issue.reviews.remove_item("oct", miit.id, actor="甲")
        with pytest.raises(ValidationError, match="已移出"):
            issue.reviews.remove_item("oct", miit.id, actor="甲")
        issue.reviews.restore_item("oct", miit.id, actor="乙")
        assert _order(issue)[0] == miit.id
        assert [(h.action, h.actor) for h in issue.reviews.history(draft_id=miit.id)[:2]] == [("restore", "乙"), ("remove", "甲")]


def test_a_database_from_before_moved_out_items_gains_the_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    import sqlite3

    from drafting.store import DraftStore

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # issue_items as the previous release created it
        conn.execute("CREATE TABLE issue_items (issue_id TEXT NOT NULL, key TEXT NOT NULL, position INTEGER NOT NULL,"
                     " line INTEGER NOT NULL DEFAULT 0, draft_id INTEGER NOT NULL, drafted INTEGER NOT NULL DEFAULT 0,"
                     " ticked INTEGER NOT NULL DEFAULT 0, duplicates_json TEXT NOT NULL DEFAULT '[]',"
                     " PRIMARY KEY (issue_id, key))")
        conn.execute("INSERT INTO issue_items (issue_id, key, position, draft_id) VALUES ('oct', 'k1', 0, 7)")
    DraftStore(path)
    with sqlite3.connect(path) as conn:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(issue_items)")]
        rows = conn.execute("SELECT key, draft_id, removed_at, removed_by FROM issue_items").fetchall()
    assert columns[-2:] == ["removed_at", "removed_by"] and rows == [("k1", 7, None, None)]

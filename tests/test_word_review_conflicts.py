"""A partner's reviewed DOCX never silently overwrites an editor's browser edit made after the export.

The export records what each item was exported from; on import a field the editor changed in the browser since then
and the partner changed in Word is a conflict: reported with the three texts, not written unless --overwrite.
"""

from __future__ import annotations

import json
from pathlib import Path

import docx
from test_word_review import CHENGDU, DEAL, HONGKOU, MIIT, NS, PARTNER, _item_paragraphs, _text, _tracked_edit
from test_word_review import issue as _issue_fixture
from test_word_review_apply import _titles
from typer.testing import CliRunner

issue = _issue_fixture
EDITOR, BROWSER = "李编辑", "赵编辑"
MIIT_EXPORTED = "征求意见稿释放了监管信号。"
MIIT_BROWSER = "征求意见稿释放了明确的监管信号。"
MIIT_PARTNER = "征求意见稿释放了合规信号。"
CD_EXPORTED = "成都案例可供各地参考。"
CD_PARTNER = "成都场景可供各地参考。"
CD_BROWSER = "成都案例值得各地借鉴。"


def _cli(services, *args: str):
    from drafting.cli import app

    env = {"DRAFTING_CORPUS_DIR": str(services.settings.corpus_dir), "DRAFTING_DATA_DIR": str(services.settings.data_dir)}
    return CliRunner().invoke(app, list(args), env=env)


def _save(services, draft_id: int, actor: str, **text: str):
    """A browser save, the way the 批量 page autosaves: the page's version, the login user."""
    item = services.reviews.get_issue("oct").item(draft_id)
    fields = {"title": item.title, "body": item.body, "commentary": item.commentary} | text
    return services.reviews.save_item("oct", draft_id, **fields, ticked=item.ticked, expected_version=item.version,
                                      actor=actor)


def _commentary_paragraph(doc, title_start: str):
    paras = _item_paragraphs(doc, title_start)
    return paras[paras.index(next(p for p in paras if _text(p) == "植德短评：")) + 1]


def _exported(services, tmp_path: Path) -> tuple[Path, dict]:
    """工信部's and 成都's 短评 set in the browser before the export, then the issue exported clean."""
    from drafting.issues.word_export import export_issue

    t = _titles(services)
    _save(services, t[MIIT].id, EDITOR, commentary=MIIT_EXPORTED)
    _save(services, t[CHENGDU].id, EDITOR, commentary=CD_EXPORTED)
    out = tmp_path / "oct.docx"
    export_issue(services, "oct", out)
    return out, t


def _partner_edits(out: Path) -> None:
    """The partner, 修订 on: 工信部's 短评 监管 → 合规, 成都's 短评 案例 → 场景."""
    doc = docx.Document(str(out))
    _tracked_edit(_commentary_paragraph(doc, MIIT), 8, 2, "合规")
    _tracked_edit(_commentary_paragraph(doc, CHENGDU), 2, 2, "场景")
    doc.save(str(out))


def _strip_basis(path: Path) -> None:
    """Make the file look like an export from before the basis was recorded: drop its custom XML part."""
    doc = docx.Document(str(path))
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/customXml") and b"drafting" in rel.target_part.blob:
            del doc.part.rels[rid]
    doc.save(str(path))
    from zipfile import ZipFile

    with ZipFile(path) as z:
        assert not any(b"drafting" in z.read(n) for n in z.namelist() if n.startswith("customXml/"))


def test_browser_edit_after_export_is_a_conflict_and_survives_apply(issue, tmp_path: Path, monkeypatch) -> None:
    from drafting.store import local_user

    services = issue
    out, t = _exported(services, tmp_path)
    miit, chengdu = t[MIIT], t[CHENGDU]
    # After the export, in the browser: 工信部's 短评 (the partner changes it too) and 成都's title (the partner does not).
    _save(services, miit.id, BROWSER, commentary=MIIT_BROWSER)
    cd_title = chengdu.title + "（附案例清单）"
    _save(services, chengdu.id, BROWSER, title=cd_title)
    _partner_edits(out)
    miit_version = services.store.get(miit.id).version
    monkeypatch.chdir(tmp_path)

    refused = _cli(services, "import-review", str(out), "--overwrite")  # nothing to overwrite without --apply
    assert refused.exit_code == 1 and "--overwrite 只在写回时有意义" in str(refused.exception)
    shown = _cli(services, "import-review", str(out))
    assert shown.exit_code == 0, shown.output
    assert f"导出后已在浏览器中修改：{miit.title}（短评，{BROWSER}）" in shown.output
    result = _cli(services, "import-review", str(out), "--apply", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["conflicts"] == [{"draft_id": miit.id, "title": miit.title, "field": "commentary",
                                  "exported": MIIT_EXPORTED, "current": MIIT_BROWSER, "partner": MIIT_PARTNER,
                                  "editor": BROWSER, "applied": "kept"}]
    assert data["base_known"] is True
    items = {i["draft_id"]: i for i in data["items"]}
    assert items[miit.id]["changes"] == []
    assert [(c["field"], c["before"], c["after"]) for c in items[chengdu.id]["changes"]] == [
        ("commentary", CD_EXPORTED, CD_PARTNER)]
    assert items[chengdu.id]["applied"] == "saved"
    # The editor's edit survives; the other item is applied; the browser's title of 成都 is kept.
    miit_row, cd_row = services.store.get(miit.id), services.store.get(chengdu.id)
    assert (miit_row.commentary, miit_row.version, miit_row.updated_by) == (MIIT_BROWSER, miit_version, BROWSER)
    assert (cd_row.title, cd_row.commentary) == (cd_title, CD_PARTNER)

    # --overwrite: the partner's text wins, and the audit says so.
    forced = _cli(services, "import-review", str(out), "--apply", "--overwrite", "--json")
    assert forced.exit_code == 0, forced.output
    assert [c["field"] for c in json.loads(forced.stdout)["conflicts"]] == ["commentary"]
    assert services.store.get(miit.id).commentary == MIIT_PARTNER
    assert services.store.get(chengdu.id).title == cd_title
    last = services.reviews.history(draft_id=miit.id, limit=1)[0]
    assert (last.action, last.actor) == ("save", f"{local_user()}（Word 审阅，覆盖浏览器修改）")
    assert (last.before["commentary"], last.after["commentary"]) == (MIIT_BROWSER, MIIT_PARTNER)


def test_browser_edit_to_a_field_the_partner_left_alone_is_kept_without_conflict(issue, tmp_path: Path) -> None:
    from drafting.issues.word_review import import_review

    out, t = _exported(issue, tmp_path)
    hongkou = t[HONGKOU]
    hk_body = hongkou.body + "\n企业可在线申请入驻。"
    _save(issue, hongkou.id, BROWSER, body=hk_body)  # after the export; the partner edits only other items
    _partner_edits(out)

    report = import_review(issue, out, apply=True, actor=PARTNER)
    assert report.conflicts == [] and report.base_known is True
    assert next(i for i in report.items if i.draft_id == hongkou.id).changes == []
    assert issue.store.get(hongkou.id).body == hk_body
    assert issue.store.get(t[MIIT].id).commentary == MIIT_PARTNER  # no browser edit there: applied


def test_export_from_before_the_basis_applies_with_the_base_unknown(issue, tmp_path: Path, monkeypatch) -> None:
    from drafting.issues.word_review import import_review
    from drafting.ui.review_word import report_html

    out, t = _exported(issue, tmp_path)
    _strip_basis(out)
    _save(issue, t[CHENGDU].id, BROWSER, commentary=CD_BROWSER)  # after the export
    _partner_edits(out)

    report = import_review(issue, out)
    assert report.base_known is False
    # 工信部: the file's original view is the stored text, so the partner's change applies; 成都: the stored text is not
    # what the file started from, so the partner's change is held back as a conflict.
    assert [c.model_dump() for c in report.conflicts] == [
        {"draft_id": t[CHENGDU].id, "title": t[CHENGDU].title, "field": "commentary", "exported": CD_EXPORTED,
         "current": CD_BROWSER, "partner": CD_PARTNER, "editor": BROWSER, "applied": None}]
    html = report_html(report)
    assert "导出基准未知" in html and "导出后已在浏览器中修改" in html
    assert CD_EXPORTED in html and CD_BROWSER in html and CD_PARTNER in html

    monkeypatch.chdir(tmp_path)
    result = _cli(issue, "import-review", str(out), "--apply")
    assert result.exit_code == 0, result.output
    assert "导出基准未知" in result.output
    assert issue.store.get(t[MIIT].id).commentary == MIIT_PARTNER
    assert issue.store.get(t[CHENGDU].id).commentary == CD_BROWSER


def test_basis_is_in_the_file_and_keyed_by_draft_id(issue, tmp_path: Path) -> None:
    from drafting.export.basis import read_basis

    out, t = _exported(issue, tmp_path)
    basis = read_basis(out)
    miit = issue.store.get(t[MIIT].id)
    assert basis[str(miit.id)].version == miit.version
    assert (basis[str(miit.id)].commentary, basis[str(miit.id)].title) == (MIIT_EXPORTED, miit.title)
    assert set(basis) == {str(i.draft_id) for i in issue.reviews.get_issue("oct").items}
    marks = [b.get(f"{{{NS['w']}}}name") for b in docx.Document(str(out)).element.body.iter(f"{{{NS['w']}}}bookmarkStart")]
    assert len([m for m in marks if m.startswith("dz_draft_")]) == 6  # one item mark each (the others are the 目录's)


# ---------------------------------------------------------------- write-back review findings

def _cli_text(services, tmp_path: Path, monkeypatch, *args: str) -> str:
    monkeypatch.chdir(tmp_path)
    result = _cli(services, "import-review", *args)
    assert result.exit_code == 0, result.output
    return result.output


def test_item_restored_after_the_export_is_not_moved_out(issue, tmp_path: Path, monkeypatch) -> None:
    from drafting.issues.word_export import export_issue
    from drafting.issues.word_review import import_review

    t = _titles(issue)
    hongkou, deal = t[HONGKOU], t[DEAL]
    issue.reviews.remove_item("oct", hongkou.id, actor=EDITOR)
    out = tmp_path / "oct.docx"
    export_issue(issue, "oct", out)
    issue.reviews.restore_item("oct", hongkou.id, actor=EDITOR)  # back in the issue, but not in the file
    doc = docx.Document(str(out))
    for p in _item_paragraphs(doc, DEAL):  # the partner deletes the deal: that one is a deletion
        p.getparent().remove(p)
    doc.save(str(out))

    text = _cli_text(issue, tmp_path, monkeypatch, str(out))
    assert f"不在此导出中（导出后加入或恢复），未改动：#{hongkou.id}" in text
    report = import_review(issue, out, apply=True, actor=PARTNER)
    assert [d["draft_id"] for d in report.deleted] == [deal.id]
    assert report.not_in_export == [{"draft_id": hongkou.id, "key": str(hongkou.id), "title": hongkou.title}]
    kept = issue.reviews.get_issue("oct")
    assert hongkou.id in [i.draft_id for i in kept.items]
    assert [i.draft_id for i in kept.removed] == [deal.id]
    assert issue.reviews.history(draft_id=hongkou.id, limit=1)[0].action == "restore"


def test_browser_save_after_read_is_not_overwritten_by_the_page(issue, tmp_path: Path, monkeypatch) -> None:
    """读取 → another editor saves the conflicting 短评 → 确认写回 with 以审阅稿为准: the later save is kept."""
    from types import SimpleNamespace

    import gradio as gr

    from drafting.ui.app import build_app

    monkeypatch.setattr(gr, "Info", lambda *a, **k: None)
    warnings: list[str] = []
    monkeypatch.setattr(gr, "Warning", lambda message="", *a, **k: warnings.append(str(message)))
    out, t = _exported(issue, tmp_path)
    miit = t[MIIT]
    _save(issue, miit.id, BROWSER, commentary=MIIT_BROWSER)
    _partner_edits(out)
    fns = list(build_app(issue).fns.values())
    read = next(f.fn for f in fns if f.fn and f.fn.__name__ == "read_review")
    write_back = next(f.fn for f in fns if f.fn and f.fn.__name__ == "write_back")
    request = SimpleNamespace(username=None)

    html, _, _, seen, _ = read(str(out), "oct", "", "accepted", False, None, request)
    assert MIIT_BROWSER in html and warnings == []
    later = "征求意见稿释放了明确而积极的监管信号。"
    _save(issue, miit.id, "钱编辑", commentary=later)  # after 读取, before 确认写回
    html, _, _, seen, force = write_back(str(out), "oct", "", "accepted", True, seen, request)
    assert warnings == []
    assert issue.store.get(miit.id).commentary == later
    assert "读取审阅稿后此栏又在浏览器中被修改（钱编辑），未覆盖" in html
    assert force == gr.update(value=False)  # 以审阅稿为准 cleared after the write
    # Read again: the conflict now shows the later text; 以审阅稿为准 then overwrites what was seen.
    html, _, _, seen, _ = read(str(out), "oct", "", "accepted", False, seen, request)
    assert later in html
    html, *_ = write_back(str(out), "oct", "", "accepted", True, seen, request)
    assert issue.store.get(miit.id).commentary == MIIT_PARTNER and "已按审阅稿覆盖" in html


def test_overwrite_only_of_conflicts_seen_core(issue, tmp_path: Path) -> None:
    from drafting.issues.word_review import conflict_keys, import_review, review_report

    out, t = _exported(issue, tmp_path)
    miit = t[MIIT]
    _save(issue, miit.id, BROWSER, commentary=MIIT_BROWSER)
    _partner_edits(out)
    seen = conflict_keys(review_report(issue, out))
    _save(issue, miit.id, "钱编辑", commentary=MIIT_BROWSER + "又改")
    report = import_review(issue, out, apply=True, overwrite=True, seen=seen, actor=PARTNER)
    assert issue.store.get(miit.id).commentary == MIIT_BROWSER + "又改"
    assert [c.applied for c in report.conflicts] == ["读取审阅稿后此栏又在浏览器中被修改（钱编辑），未覆盖：请重新读取审阅稿后再确认"]


def _conflict_and_title_edit(services, tmp_path: Path, edit_title) -> tuple[Path, object]:
    """工信部's 短评 changed in the browser after the export and by the partner; ``edit_title`` on its heading too."""
    out, t = _exported(services, tmp_path)
    _save(services, t[MIIT].id, BROWSER, commentary=MIIT_BROWSER)
    _partner_edits(out)
    doc = docx.Document(str(out))
    edit_title(_item_paragraphs(doc, MIIT)[0])
    doc.save(str(out))
    return out, t[MIIT]


def test_overwrite_audits_only_the_overwritten_field_as_overwrite(issue, tmp_path: Path) -> None:
    from drafting.issues.word_review import import_review

    out, miit = _conflict_and_title_edit(issue, tmp_path, lambda h: _tracked_edit(h, len(_text(h)), 0, "（附全文）"))

    report = import_review(issue, out, apply=True, overwrite=True, actor=PARTNER)
    assert [c.applied for c in report.conflicts] == ["overwritten"]
    row = issue.store.get(miit.id)
    assert (row.title, row.commentary) == (miit.title + "（附全文）", MIIT_PARTNER)
    saves = [e for e in issue.reviews.history(draft_id=miit.id) if e.action == "save"][:2]
    by_field = {f: e.actor for e in saves for f in ("title", "commentary") if e.before[f] != e.after[f]}
    assert by_field == {"title": f"{PARTNER}（Word 审阅）", "commentary": f"{PARTNER}（Word 审阅，覆盖浏览器修改）"}


def _empty(heading) -> None:
    for node in heading.iter(f"{{{NS['w']}}}t"):
        node.text = ""


def test_cli_does_not_say_overwritten_when_the_write_was_refused(issue, tmp_path: Path, monkeypatch) -> None:
    # The partner empties the title (untracked): the item cannot be written back, its 短评 is not overwritten.
    out, miit = _conflict_and_title_edit(issue, tmp_path, _empty)

    text = _cli_text(issue, tmp_path, monkeypatch, str(out), "--apply", "--overwrite")
    assert "已按审阅稿覆盖" not in text
    assert "→ 未覆盖：审阅后标题或正文为空，未写回" in text
    assert issue.store.get(miit.id).commentary == MIIT_BROWSER


def test_control_character_in_the_commentary_is_no_conflict(issue, tmp_path: Path) -> None:
    from drafting.issues.word_export import export_issue
    from drafting.issues.word_review import import_review

    miit = _titles(issue)[MIIT]
    _save(issue, miit.id, EDITOR, commentary="征求意见稿释放了\x0b监管信号。")  # pasted with a vertical tab
    out = tmp_path / "oct.docx"
    export_issue(issue, "oct", out)
    doc = docx.Document(str(out))
    _tracked_edit(_commentary_paragraph(doc, MIIT), 8, 2, "合规")
    doc.save(str(out))

    report = import_review(issue, out, apply=True, actor=PARTNER)
    assert report.conflicts == []
    assert issue.store.get(miit.id).commentary == MIIT_PARTNER


# ---------------------------------------------------------------- the export record, hand-built

def _record_docx(path: Path, version: str = "3") -> Path:
    from drafting.export.basis import ExportBasis, add_basis

    doc = docx.Document()
    doc.add_paragraph("正文")
    add_basis(doc, {"7": ExportBasis(version=3, title="标题", body="正文", commentary="短评")})
    doc.save(str(path))
    if version != "3":
        _rewrite(path, lambda name, blob: blob.replace(b'version="3"', f'version="{version}"'.encode())
                 if b"zhide" in blob else blob)
    return path


def _rewrite(path: Path, change, extra: dict[str, bytes] | None = None) -> None:
    from zipfile import ZIP_DEFLATED, ZipFile

    with ZipFile(path) as z:
        entries = [(n, z.read(n)) for n in z.namelist()]
    with ZipFile(path, "w", ZIP_DEFLATED) as z:
        for name, blob in [*entries, *(extra or {}).items()]:
            z.writestr(name, change(name, blob))


def _patch_entry(path: Path, name: str, *, flag: int | None = None, method: int | None = None) -> None:
    """Set the general-purpose flags or the compression method of one zip entry, in both its headers."""
    import struct

    data = bytearray(path.read_bytes())
    raw = name.encode()
    for sig, flag_at, name_len_at, name_at in ((b"PK\x03\x04", 6, 26, 30), (b"PK\x01\x02", 8, 28, 46)):
        at = data.find(sig)
        while at != -1:
            (n,) = struct.unpack_from("<H", data, at + name_len_at)
            if bytes(data[at + name_at:at + name_at + n]) == raw:
                if flag is not None:
                    struct.pack_into("<H", data, at + flag_at, struct.unpack_from("<H", data, at + flag_at)[0] | flag)
                if method is not None:
                    struct.pack_into("<H", data, at + flag_at + 2, method)
            at = data.find(sig, at + 4)
    path.write_bytes(bytes(data))


def test_record_with_a_non_decimal_version_reads(tmp_path: Path) -> None:
    from drafting.export.basis import read_basis

    assert read_basis(_record_docx(tmp_path / "ok.docx"))["7"].version == 3
    basis = read_basis(_record_docx(tmp_path / "sup.docx", "²"))
    assert basis is not None and basis["7"].version == 0 and basis["7"].commentary == "短评"


def test_record_in_an_unreadable_zip_entry_is_the_base_unknown(tmp_path: Path) -> None:
    from zipfile import ZipFile

    from drafting.export.basis import read_basis

    path = _record_docx(tmp_path / "enc.docx")
    with ZipFile(path) as z:
        (record,) = [n for n in z.namelist() if n.startswith("customXml/item") and "Props" not in n
                     and b"zhide" in z.read(n)]
    _patch_entry(path, record, flag=0x1)  # encrypted
    assert read_basis(path) is None
    path = _record_docx(tmp_path / "lzma.docx")
    _patch_entry(path, record, method=99)  # AES / unsupported compression
    assert read_basis(path) is None
    # Another custom XML part that cannot be read does not hide the record.
    path = tmp_path / "other.docx"
    _record_docx(path)
    _rewrite(path, lambda name, blob: blob, {"customXml/item9.xml": b"<x/>"})
    _patch_entry(path, "customXml/item9.xml", method=99)
    assert read_basis(path)["7"].version == 3

"""Word both ways: tracked-changes export, a reviewed DOCX changed the way Word changes it, import and apply."""

from __future__ import annotations

import copy
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pdfplumber
import pytest
from conftest import missing_tool
from lxml import etree

from drafting.issues.review_import import read_reviewed_docx

DATA = Path(__file__).resolve().parent / "data" / "batch"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
NS = {"w": W_NS}
PARTNER = "王律师"
EDITOR = "李编辑"

SICHUAN = "四川省正式出台元宇宙专项政策"
MIIT = "工信部：公开征求"
CHONGQING = "重庆市经济和信息化委员会印发"
CHENGDU = "成都发布超60个元宇宙案例"
HONGKOU = "虹口区元宇宙专区上线"
DEAL = "零数科技获国家信息中心"


# ---------------------------------------------------------------- an issue in progress, as the batch leaves it

@pytest.fixture
def issue(tmp_path: Path):
    """Services with the offline batch of tests/data/batch/items.jsonl drafted as issue "oct", and the editor's work:
    四川 edited (title, body, 短评), 重庆 accepted as drafted."""
    return oct_issue(tmp_path)


def oct_issue(tmp_path: Path):
    """The `issue` fixture's work, for other test modules."""
    from conftest import make_settings

    from drafting.issues.publish import run_batch
    from drafting.services import build_services

    services = build_services(make_settings(tmp_path))
    services.ingest()
    run_batch(services, DATA / "items.jsonl", offline=True, batch_id="oct", prefetch=False)
    rows = {r.title: r for r in services.store.list(batch_id="oct")}
    sichuan = _row(rows, SICHUAN)
    services.store.save_edit(
        sichuan.id,
        title=sichuan.title + "（2023—2025年）",
        body=sichuan.body.replace("联合印发", "近日联合印发", 1),
        commentary=sichuan.commentary + "\n企业可关注申报窗口。",
    )
    chongqing = _row(rows, CHONGQING)
    services.accept(chongqing.id, title=chongqing.title, body=chongqing.body, commentary=chongqing.commentary)
    return services


def _row(rows: dict, start: str):
    return next(r for t, r in rows.items() if t.startswith(start))


# ---------------------------------------------------------------- editing a DOCX the way Word does

def _paragraphs(doc) -> list:
    return list(doc.element.body.iter(f"{W}p"))


def _text(p, view: str = "accepted") -> str:
    out = []
    for t in p.iter(f"{W}t", f"{W}delText"):
        inside = {a.tag for a in t.iterancestors()}
        if view == "accepted" and f"{W}del" not in inside:
            out.append(t.text or "")
        if view == "original" and f"{W}ins" not in inside:
            out.append(t.text or "")
    return "".join(out)


def _style(p) -> str:
    s = p.find(f"{W}pPr/{W}pStyle")
    return "" if s is None else s.get(f"{W}val")


def _item_paragraphs(doc, title_start: str) -> list:
    """The item's paragraphs: its Heading 2 up to the next heading."""
    paras = _paragraphs(doc)
    start = next(n for n, p in enumerate(paras) if _style(p) == "Heading2" and _text(p, "original").startswith(title_start))
    out = [paras[start]]
    for p in paras[start + 1:]:
        if _style(p).startswith("Heading"):
            break
        out.append(p)
    return out


def _accept(el) -> None:
    """Word's 接受: an insertion's runs stay, a deletion goes."""
    if el.tag == f"{W}ins":
        for child in list(el):
            el.addprevious(child)
    el.getparent().remove(el)


def _reject(el) -> None:
    """Word's 拒绝: an insertion goes, a deletion's runs come back as text."""
    if el.tag == f"{W}del":
        for t in el.iter(f"{W}delText"):
            t.tag = f"{W}t"
        for child in list(el):
            el.addprevious(child)
    el.getparent().remove(el)


def _tracked_edit(p, keep: int, delete: int, insert: str, author: str = PARTNER) -> None:
    """Replace characters [keep, keep+delete) of a one-run paragraph with ``insert``, tracked, as Word writes it."""
    (run,) = p.findall(f"{W}r")
    text = run.find(f"{W}t").text
    head, gone, tail = text[:keep], text[keep:keep + delete], text[keep + delete:]
    date = "2026-11-26T09:30:00Z"

    def r(value: str, tag: str = "t"):
        new = copy.deepcopy(run)
        t = new.find(f"{W}t")
        t.tag, t.text = f"{W}{tag}", value
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        return new

    d = etree.Element(f"{W}del", {f"{W}id": "9001", f"{W}author": author, f"{W}date": date})
    d.append(r(gone, "delText"))
    i = etree.Element(f"{W}ins", {f"{W}id": "9002", f"{W}author": author, f"{W}date": date})
    i.append(r(insert))
    for new in (r(head), d, i, r(tail)):
        run.addprevious(new)
    p.remove(run)


def _delete_tracked(paragraphs: list, author: str = PARTNER) -> None:
    """Word's delete with 修订 on: every run and every paragraph mark becomes a deletion."""
    ids = iter(range(8000, 9000))
    for p in paragraphs:
        for run in p.findall("w:r", NS):
            for t in run.findall("w:t", NS):
                t.tag = f"{W}delText"
            d = etree.Element(f"{W}del", {f"{W}id": str(next(ids)), f"{W}author": author, f"{W}date": "2026-11-26T09:00:00Z"})
            run.addprevious(d)
            d.append(run)
        ppr = p.find("w:pPr", NS)
        if ppr is None:
            ppr = etree.SubElement(p, f"{W}pPr")
            p.insert(0, ppr)
        etree.SubElement(etree.SubElement(ppr, f"{W}rPr"), f"{W}del",
                         {f"{W}id": str(next(ids)), f"{W}author": author, f"{W}date": "2026-11-26T09:00:00Z"})


def _edit_footnote(path: Path, old: str, new: str) -> None:
    """Change a footnote's text in word/footnotes.xml, keeping every other part byte for byte."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "word/footnotes.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode())
            zout.writestr(info, data)
    tmp.replace(path)


def test_original_view_rejects_pending_revisions(issue, tmp_path: Path) -> None:
    """Untouched tracked export read as 'original': the editor's edits of 四川 come back as the machine draft."""
    from drafting.issues.word_export import export_issue
    from drafting.issues.word_review import review_report

    out = tmp_path / "oct.docx"
    export_issue(issue, "oct", out, tracked=True, editor=EDITOR)
    sichuan = _row({r.title: r for r in issue.store.list(batch_id="oct")}, SICHUAN)
    accepted = review_report(issue, out)
    assert all(i.changes == [] for i in accepted.items)
    original = review_report(issue, out, view="original")
    (changed,) = original.changed()
    assert changed.draft_id == sichuan.id
    assert {c.field: c.after for c in changed.changes} == {
        "title": sichuan.draft.item.title, "body": sichuan.draft.item.body, "commentary": sichuan.draft.commentary}
    assert {c.author for c in changed.changes} == {EDITOR}


def test_clean_export_is_default_and_reordered_items_are_reported(issue, tmp_path: Path) -> None:
    from drafting.issues.word_export import export_issue
    from drafting.issues.word_review import review_report

    out = tmp_path / "clean.docx"
    export_issue(issue, "oct", out)
    with zipfile.ZipFile(out) as z:
        xml = z.read("word/document.xml").decode()
    assert "<w:ins " not in xml and "<w:del " not in xml and "dz_draft_" in xml
    doc = docx.Document(str(out))
    miit, sichuan = _item_paragraphs(doc, MIIT), _item_paragraphs(doc, SICHUAN)
    for p in sichuan:  # move 四川 before 工信部
        miit[0].addprevious(p)
    _delete_tracked(_item_paragraphs(doc, CHENGDU))
    doc.save(str(out))
    report = review_report(issue, out)
    assert report.reordered is True
    assert report.items[0].title.startswith(SICHUAN) and report.items[1].title.startswith(MIIT)
    assert all(i.changes == [] for i in report.items)
    assert [d["title"][:len(CHENGDU)] for d in report.deleted] == [CHENGDU]
    kept = review_report(issue, out, view="original")  # rejecting the deletion keeps the item
    assert kept.deleted == [] and len(kept.items) == 6


# ---------------------------------------------------------------- the revision writer itself

def test_track_paragraph_keeps_run_formatting_ids_and_footnote_reference() -> None:
    from drafting.export.revisions import Revision, RevisionIds, track_paragraph

    p = etree.fromstring(
        f'<w:p xmlns:w="{W_NS}"><w:pPr><w:jc w:val="both"/></w:pPr>'
        '<w:bookmarkStart w:id="41" w:name="x"/><w:bookmarkEnd w:id="41"/>'
        '<w:r><w:rPr><w:b/></w:rPr><w:t>加粗的开头</w:t></w:r><w:r><w:t>普通的结尾 </w:t></w:r>'
        '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="3"/></w:r></w:p>'
    )
    ids = RevisionIds(p)
    made = track_paragraph(p, "加粗开头，普通的新结尾 ", Revision(author='A&"<B>', date="2026-11-25T00:00:00Z"), ids)
    assert made >= 2
    xml = etree.tostring(p, encoding="unicode")
    ids_used = [int(v) for v in p.xpath("//w:ins/@w:id | //w:del/@w:id", namespaces=NS)]
    assert len(set(ids_used)) == len(ids_used) and min(ids_used) > 41
    for d in p.iterfind(".//w:delText", NS):
        assert d.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
    # 的 deleted from the bold run: the deleted run is bold too.
    bold_del = [d for d in p.iterfind(".//w:del/w:r", NS) if d.find("w:rPr/w:b", NS) is not None]
    assert [r.findtext("w:delText", namespaces=NS) for r in bold_del] == ["的"]
    assert p[-1].find("w:footnoteReference", NS) is not None  # still last
    assert p[0].tag == f"{W}pPr" and p.find("w:bookmarkStart", NS) is not None
    assert 'w:author="A&amp;&quot;&lt;B&gt;"' in xml
    assert _text(p, "accepted") == "加粗开头，普通的新结尾 " and _text(p, "original") == "加粗的开头普通的结尾 "


def test_reader_views_join_paragraphs_whose_mark_was_inserted(tmp_path: Path) -> None:
    """Word splitting a paragraph with tracking on marks the first paragraph's mark as inserted."""
    doc = docx.Document()
    doc.add_heading("政策速递", 1)
    doc.add_heading("标题", 2)
    p1 = doc.add_paragraph("第一句。")
    doc.add_paragraph("第二句。")
    rpr = etree.SubElement(etree.SubElement(p1._p, f"{W}pPr"), f"{W}rPr")
    etree.SubElement(rpr, f"{W}ins", {f"{W}id": "5", f"{W}author": PARTNER, f"{W}date": "2026-11-26T00:00:00Z"})
    path = tmp_path / "split.docx"
    doc.save(str(path))
    (item,) = read_reviewed_docx(path).items
    assert item.text("body", "accepted") == "第一句。\n第二句。"
    assert item.text("body", "original") == "第一句。第二句。"


# ---------------------------------------------------------------- LibreOffice renders both exports

def _to_pdf(docx_path: Path, out_dir: Path, profile: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        missing_tool("LibreOffice (apt-get install libreoffice-writer-nogui) is not installed")
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
         'pdf:writer_pdf_Export:{"ExportNotes":{"type":"boolean","value":"true"}}',
         "--outdir", str(out_dir), str(docx_path)],
        check=True, capture_output=True, timeout=180,
    )
    return out_dir / (docx_path.stem + ".pdf")


def _pdf_text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        missing_tool("poppler-utils (pdftotext) is not installed")
    return "".join(subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout.split())


def _pdf_notes(pdf: Path) -> list[str]:
    """Texts of the PDF's note annotations (Word comments), read with pdfminer: LibreOffice's popup annotations
    have no /Rect, which pdfplumber's ``page.annots`` refuses."""
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    out = []
    with pdfplumber.open(pdf) as opened:
        for page in opened.pages:
            for ref in resolve1(page.page_obj.annots) or []:
                annot = resolve1(ref)
                if resolve1(annot.get("Subtype")).name == "Text" and annot.get("Contents"):
                    out.append(decode_text(resolve1(annot["Contents"])))
    return out


def test_libreoffice_renders_clean_and_tracked_exports(issue, tmp_path: Path, output_dir: Path) -> None:
    from drafting.issues.word_export import export_issue

    sichuan = _row({r.title: r for r in issue.store.list(batch_id="oct")}, SICHUAN)
    clean, tracked = tmp_path / "word-clean.docx", tmp_path / "word-tracked.docx"
    export_issue(issue, "oct", clean)
    export_issue(issue, "oct", tracked, tracked=True, editor=EDITOR)
    doc = docx.Document(str(tracked))  # a reviewer's comment, to see comments render too
    first = next(p for p in doc.paragraphs if p.text.startswith("2023年9月18日"))
    doc.add_comment(first.runs[0], text="请核实日期", author=PARTNER)
    doc.save(str(tracked))
    texts, notes = {}, {}
    for path in (clean, tracked):
        pdf = _to_pdf(path, tmp_path, tmp_path / f"lo-{path.stem}")
        texts[path.stem] = _pdf_text(pdf)
        notes[path.stem] = _pdf_notes(pdf)
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", "2", "-l", "2", str(pdf), str(output_dir / path.stem)],
                           check=True, timeout=120)
    new_sentence, old_title = "企业可关注申报窗口。", "".join(sichuan.draft.item.title.split())
    # Clean: the final text only. Tracked: the machine's deleted text and the editor's inserted text both show.
    assert new_sentence in texts["word-clean"] and "近日联合印发" in texts["word-clean"]
    assert new_sentence in texts["word-tracked"] and "近日" in texts["word-tracked"]
    assert old_title + "（2023—2025年）" in texts["word-tracked"] and old_title + "（2023—2025年）" in texts["word-clean"]
    assert "请核实日期" in notes["word-tracked"] and notes["word-clean"] == []

    # A reviewer using LibreOffice: it re-saves the tracked copy as DOCX; anchors and pending revisions survive.
    from drafting.issues.word_review import review_report

    resaved_dir = tmp_path / "resaved"
    subprocess.run([shutil.which("soffice") or "soffice", f"-env:UserInstallation={(tmp_path / 'lo-resave').as_uri()}",
                    "--headless", "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(resaved_dir), str(tracked)],
                   check=True, capture_output=True, timeout=180)
    resaved = resaved_dir / tracked.name
    accepted = review_report(issue, resaved)
    assert len(accepted.items) == 6 and {i.matched_by for i in accepted.items} == {"bookmark"}
    # What each item was exported from survives the re-save too (renumbered custom XML part), so no conflict is guessed.
    from drafting.export.basis import read_basis

    assert accepted.base_known is True and accepted.conflicts == []
    assert set(read_basis(resaved) or {}) == {str(i.draft_id) for i in accepted.items}
    assert all(i.changes == [] for i in accepted.items) and accepted.deleted == []
    assert [c["text"] for i in accepted.items for c in i.comments] == ["请核实日期"]
    (reverted,) = review_report(issue, resaved, view="original").changed()
    assert reverted.draft_id == sichuan.id
    assert {c.field: c.after for c in reverted.changes} == {
        "title": sichuan.draft.item.title, "body": sichuan.draft.item.body, "commentary": sichuan.draft.commentary}


# ---------------------------------------------------------------- bad input: a clear Chinese message, nothing changed

def test_cli_bad_review_files_and_unknown_issue(tmp_path: Path) -> None:
    import os
    import sys

    from conftest import make_settings

    make_settings(tmp_path)
    env = {**os.environ, "DRAFTING_CORPUS_DIR": str(tmp_path / "corpus"), "DRAFTING_DATA_DIR": str(tmp_path / "data"),
           "ANONYMIZED_TELEMETRY": "False"}
    env.pop("DRAFTING_LLM__BASE_URL", None)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "drafting", *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=300, check=False)

    broken = tmp_path / "broken.docx"
    broken.write_text("不是 Word 文件", encoding="utf-8")
    empty = tmp_path / "empty.docx"
    docx.Document().save(str(empty))
    foreign = tmp_path / "foreign.docx"
    doc = docx.Document()
    doc.add_heading("政策速递", 1)
    doc.add_heading("某省元宇宙行动计划", 2)
    doc.add_paragraph("正文。")
    doc.save(str(foreign))
    cases = [
        (["import-review", str(broken)], "已损坏或不是 Word 文档"),
        (["import-review", str(tmp_path / "missing.docx")], "找不到文件"),
        (["import-review", str(tmp_path / "notes.doc")], "只能导入 .docx"),
        (["import-review", str(empty)], "没有找到任何条目"),
        (["import-review", str(foreign)], "请用 --issue 指定期次编号"),
        (["import-review", str(foreign), "--issue", "nope"], "没有编号为 nope 的进行中期刊"),
        (["export", "nope", "-o", str(tmp_path / "x.docx")], "没有编号为 nope 的进行中期刊"),
    ]
    (tmp_path / "notes.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    for args, message in cases:
        proc = cli(*args)
        assert proc.returncode == 1 and message in proc.stderr and "Traceback" not in proc.stderr, (args, proc.stderr)
    assert not (tmp_path / "x.docx").exists()


def test_mark_paragraph_puts_the_mark_revision_first_and_keeps_section_properties_last() -> None:
    from drafting.export.revisions import Revision, RevisionIds, mark_paragraph

    p = etree.fromstring(
        f'<w:p xmlns:w="{W_NS}"><w:pPr><w:jc w:val="both"/><w:rPr><w:b/></w:rPr></w:pPr>'
        '<w:r><w:rPr><w:i/></w:rPr><w:t>整段删除</w:t></w:r></w:p>'
    )
    mark_paragraph(p, "del", Revision(author=PARTNER), RevisionIds(p))
    mark = p.find("w:pPr/w:rPr", NS)
    assert [etree.QName(c).localname for c in mark] == ["del", "b"]
    assert p.find("w:del/w:r/w:rPr/w:i", NS) is not None and p.find(".//w:t", NS) is None
    assert p.find("w:del/w:r/w:delText", NS).text == "整段删除"
    bare = etree.fromstring(f'<w:p xmlns:w="{W_NS}"><w:pPr><w:sectPr/></w:pPr><w:r><w:t>新段</w:t></w:r></w:p>')
    mark_paragraph(bare, "ins", Revision(author=PARTNER), RevisionIds(bare))
    assert [etree.QName(c).localname for c in bare.find("w:pPr", NS)] == ["rPr", "sectPr"]
    assert bare.find("w:ins/w:r/w:t", NS).text == "新段"


def test_tracked_commentary_added_or_removed_by_the_editor_reads_back_in_both_views(tmp_path: Path) -> None:
    """No machine 短评 and the editor wrote one (news item); a machine 短评 the editor dropped."""
    from drafting.export.assemble import assemble
    from drafting.export.docx import export_docx
    from drafting.export.revisions import TrackedBase
    from drafting.models import Item

    added = Item(id="7", section="行业新闻", title="某交易所上线数字藏品专区", date="2023-09-20", body="正文一段。",
                 commentary="编辑补写的短评。\n第二段。", sources=["https://example.com/a"])
    dropped = Item(id="8", section="政策速递", title="某市元宇宙行动计划", date="2023-09-21", body="正文二段。")
    bases = {"7": TrackedBase(title=added.title, body=added.body, commentary="", author=EDITOR),
             "8": TrackedBase(title=dropped.title, body=dropped.body, commentary="机器写的短评。", author=EDITOR)}
    path = tmp_path / "c.docx"
    export_docx(assemble([added, dropped]), path, bases=bases, anchors={"7": "7", "8": "8"})
    items = {i.anchor: i for i in read_reviewed_docx(path).items}
    assert items["7"].text("commentary") == "编辑补写的短评。\n第二段。" and items["7"].text("commentary", "original") == ""
    assert items["8"].text("commentary") == "" and items["8"].text("commentary", "original") == "机器写的短评。"
    assert items["7"].sources() == ["https://example.com/a"] and items["7"].text("body") == "正文一段。"
    assert items["7"].authors["commentary"] == [EDITOR] and items["7"].authors["body"] == []



"""批量 → Word 审阅 in the browser: export the tracked review copy, upload the partner's file, read it, write it back.

`python app.py` as a real process (tests/test_ui_e2e.py's AppProcess), driven in headless Debian chromium.
"""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from test_ui_e2e import BROWSER_ARGS, CHROMIUM, AppProcess, sync_playwright
from test_word_review import (
    CHONGQING,
    DATA,
    DEAL,
    EDITOR,
    PARTNER,
    SICHUAN,
    _item_paragraphs,
    _row,
    _text,
    _tracked_edit,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_word_review_in_batch_tab(tmp_path: Path, output_dir: Path) -> None:
    from playwright.sync_api import expect

    from drafting.issues.publish import run_batch
    from drafting.issues.word_export import export_issue
    from drafting.services import build_services
    from drafting.settings import Settings
    from drafting.store import DraftStore

    app = AppProcess(tmp_path, {})
    services = build_services(Settings(_env_file=None, corpus_dir=app.corpus, data_dir=app.data))
    services.ingest()
    run_batch(services, DATA / "items.jsonl", offline=True, batch_id="oct", prefetch=False)
    rows = {r.title: r for r in services.store.list(batch_id="oct")}
    sichuan, chongqing, deal = _row(rows, SICHUAN), _row(rows, CHONGQING), _row(rows, DEAL)
    services.store.save_edit(sichuan.id, title=sichuan.title, body=sichuan.body, commentary=sichuan.commentary + "\n企业可关注申报窗口。")
    # The partner's file: the tracked export, one tracked rewrite in 重庆's 短评 and a comment on it; the deal deleted.
    reviewed = tmp_path / "partner.docx"
    export_issue(services, "oct", reviewed, tracked=True, editor=EDITOR)
    doc = docx.Document(str(reviewed))
    paras = _item_paragraphs(doc, CHONGQING)
    comm = paras[[_text(p) for p in paras].index("植德短评：") + 1]
    old = _text(comm)
    _tracked_edit(comm, 4, 3, "重庆市经信委")
    doc.add_comment(docx.text.paragraph.Paragraph(comm, doc._body).runs[0], text="请核实产业规模数字", author=PARTNER)
    for p in _item_paragraphs(doc, DEAL):
        p.getparent().remove(p)
    # 四川's 短评: the partner rewrites its opening; after the export an editor added a sentence in the browser.
    paras = _item_paragraphs(doc, SICHUAN)
    sc_comm = paras[[_text(p) for p in paras].index("植德短评：") + 1]
    sc_old = _text(sc_comm)
    _tracked_edit(sc_comm, 0, 2, "据悉")
    doc.save(str(reviewed))
    exported_sc = sichuan.commentary + "\n企业可关注申报窗口。"
    partner_sc = exported_sc.replace(sc_old, "据悉" + sc_old[2:], 1)
    browser_sc = exported_sc + "\n编辑在导出后补充。"
    sc_item = services.reviews.get_issue("oct").item(sichuan.id)
    services.reviews.save_item("oct", sichuan.id, title=sc_item.title, body=sc_item.body, commentary=browser_sc,
                               ticked=sc_item.ticked, expected_version=sc_item.version, actor="赵编辑")
    del services

    app.start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1400})
            page.goto(f"{app.url}/batch")  # 批量 is a page of its own
            table = page.locator("#dz-batch-table")
            expect(table).to_contain_text(DEAL, timeout=60_000)  # the issue in progress opens by itself
            page.get_by_text("Word 审阅：导出修订稿 · 导入审阅稿").click()
            page.get_by_label("期次编号（空 = 当前批次）").fill("oct")
            page.locator("#dz-word-export").click()
            expect(page.locator("#dz-word-download")).to_contain_text(".docx", timeout=60_000)
            page.locator("#dz-word-upload input[type=file]").set_input_files(str(reviewed))
            page.wait_for_timeout(500)
            page.locator("#dz-word-read").click()
            report = page.locator("#dz-word-report")
            expect(report).to_contain_text("1 条有修改", timeout=60_000)
            expect(report).to_contain_text("请核实产业规模数字")
            expect(report).to_contain_text(PARTNER)
            expect(report.locator(".dz-item h3")).to_contain_text("重庆")
            expect(report.locator(".dz-diff ins").first).to_be_visible()  # the change shown as a diff
            expect(report).to_contain_text("导出后已在浏览器中修改（赵编辑）")
            expect(report.locator(".dz-conflict")).to_contain_text("编辑在导出后补充。")
            page.locator("#dz-word-apply").click()
            expect(report).to_contain_text("已写回", timeout=60_000)
            expect(report).to_contain_text("已移出本期（可恢复）")
            expect(report).to_contain_text("未写回，保留浏览器中的文字")
            expect(table).not_to_contain_text(DEAL, timeout=30_000)  # the item table follows the write-back
            page.screenshot(path=str(output_dir / "word_review_tab.png"), full_page=True)
            assert DraftStore(app.data / "drafting.sqlite3").get(sichuan.id).commentary == browser_sc
            # 以审阅稿为准: the partner's 短评 replaces the browser's.
            page.locator("#dz-word-overwrite input").check()
            page.locator("#dz-word-apply").click()
            expect(report).to_contain_text("已按审阅稿覆盖", timeout=60_000)
            # The moved-out item is offered for restore; 恢复到本期 puts it back.
            picker = page.locator("#dz-word-removed input")
            picker.scroll_into_view_if_needed()
            picker.click()
            option = page.get_by_role("option", name=f"#{deal.id} [交易资讯]", exact=False)
            option.scroll_into_view_if_needed()
            option.dispatch_event("mousedown")  # Gradio picks on mousedown; the list may sit below the viewport
            page.locator("#dz-word-restore").click()
            expect(report).to_contain_text("已恢复到本期", timeout=60_000)
            expect(table).to_contain_text(DEAL, timeout=30_000)
            browser.close()
    finally:
        app.stop()
    exported = list((app.data / "batches" / "oct").glob("*.docx"))
    assert len(exported) == 1 and "<w:ins " in _document_xml(exported[0])
    stored = DraftStore(app.data / "drafting.sqlite3").get(chongqing.id)
    assert stored.commentary == chongqing.commentary.replace(old, old[:4] + "重庆市经信委" + old[7:])
    assert DraftStore(app.data / "drafting.sqlite3").get(sichuan.id).commentary == partner_sc
    from drafting.issues.review import ReviewStore

    history = ReviewStore(DraftStore(app.data / "drafting.sqlite3")).history(draft_id=deal.id)
    assert [h.action for h in history[:2]] == ["restore", "remove"]
    assert ReviewStore(DraftStore(app.data / "drafting.sqlite3")).get_issue("oct").removed == []


def _document_xml(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return z.read("word/document.xml").decode()

"""Nothing an editor does is lost or silently overwritten (issue #9), in headless Chromium against `python app.py`.

Each test is one reproduction from the issue: batch review edits across a reload and a restart, the typed 期数,
a raw row's 来源 in the export, two tabs on one draft, editing after 采纳, and offline 重新生成.
The harness (app process, browser, helpers) is tests/test_ui_e2e.py's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import test_ui_e2e as harness
from test_ui_e2e import ANHUI, HUBEI, AppProcess, box, draft, open_page, restarted, shot, tab, wait_status

# The harness's fixtures, by the names the tests ask for; app_offline is this module's own app process (module scope),
# restarted by the restart test.
browser = harness.browser
page = harness.page
app_offline = harness.app_offline

pytestmark = [pytest.mark.browser, pytest.mark.slow]

try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - the harness module skips these tests then
    Page = Any  # type: ignore[assignment,misc]

EDITED = "编辑改写的短评：四川此次专项政策的要点在于产业集群与应用场景并重，值得持续关注。"
SOURCE_URL = "https://www.cq.gov.cn/zwgk/zfxxgkml/szfwj/qtgw/202309/t20230922_12372140.html"


def items_xlsx(folder: Path, month: int = 9) -> Path:
    """Four items as a lawyer's spreadsheet: two policy items, one news item, one raw policy text with its 来源."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["栏目", "标题", "日期", "正文", "原文", "来源"])
    ws.append(["政策速递", "四川省正式出台元宇宙专项政策，拟打造“中国元宇宙谷”", f"2023-{month:02d}-18",
               (f"2023年{month}月18日，四川经济和信息化厅等16部门联合印发《四川省元宇宙产业发展行动计划（2023—2025年）》，"
               "提出到2025年元宇宙相关产业规模达到2500亿元。"), "", "https://jxt.sc.gov.cn/a.html"])
    ws.append(["政策速递", "河南省印发元宇宙产业发展行动计划", f"2023-{month:02d}-20",
               (f"2023年{month}月20日，河南省人民政府办公厅印发《河南省元宇宙产业发展行动计划（2022—2025年）》，"
               "提出培育元宇宙核心企业和产业园区。"), "", "https://www.henan.gov.cn/b.html"])
    ws.append(["行业新闻", "成都发布超60个元宇宙应用场景", f"2023-{month:02d}-25",
               f"2023年{month}月25日，成都市发布超过60个元宇宙应用场景机会清单。", "", "https://www.chengdu.gov.cn/c.html"])
    ws.append(["政策速递", "", "", "",
               (f"重庆市印发元宇宙产业发展行动计划\n2023年{month}月22日，重庆市经济和信息化委员会印发《重庆市元宇宙产业发展行动计划"
               "（2023—2025年）》，提出到2025年，全市元宇宙相关产业规模达1000亿元，培育10家行业头部企业。"), SOURCE_URL])
    path = folder / f"2023年{month}月条目.xlsx"
    wb.save(path)
    return path


def batch_table(page: Page) -> Any:
    return page.locator("#dz-batch-table")


def run_batch_upload(page: Page, path: Path, total: int) -> None:
    tab(page, "批量")
    page.locator("#dz-batch-file input[type=file]").set_input_files(str(path))
    page.wait_for_timeout(500)
    page.locator("#dz-batch-run").click()
    expect(page.locator("#dz-batch-report")).to_contain_text(f"完成 {total}/{total} 条", timeout=180_000)


def comes_before(table: Any, first: str, second: str) -> bool:
    """In the table's text, ``first`` appears before ``second`` (Gradio adds a hidden sizing row, so no row index)."""
    text = table.inner_text()
    return first in text and second in text and text.rindex(first) < text.rindex(second)


def period_box(page: Page) -> Any:
    return page.get_by_label("期数（如 2023年第10期）")


def pick_row(page: Page, text: str) -> None:
    batch_table(page).get_by_role("gridcell").filter(has_text=text).first.click()
    expect(box(page, "dz-batch-title")).to_have_value(re.compile(re.escape(text)), timeout=20_000)


def export(page: Page, app: AppProcess, kind: str) -> Path:
    """Press 导出 Word / Markdown; the file the server wrote (newest of its kind in the batch folders)."""
    page.locator(f"#dz-batch-{kind}").click()
    expect(page.locator("#dz-batch-download")).to_contain_text(f".{kind}", timeout=60_000)
    return max((app.data / "batches").glob(f"*/*.{kind}"), key=lambda p: p.stat().st_mtime)


def history_pick(page: Page, text: str) -> None:
    """Select the newest draft whose row contains text in 历史."""
    tab(page, "历史")
    page.locator("#dz-hist-refresh").click()
    page.locator("#dz-hist-table").get_by_role("gridcell").filter(has_text=text).first.click()


def wait_until(page: Page, ok: Any, what: str) -> None:
    """Poll the page until ok() holds (a server round trip), at most 20 s."""
    for _ in range(40):
        if ok():
            return
        page.wait_for_timeout(500)
    raise AssertionError(what)


def test_typed_period_is_kept_and_every_source_is_exported(page: Page, app_offline: AppProcess, tmp_path: Path) -> None:
    """期数 typed before running stays (October items would suggest 第11期); raw and structured rows keep their 来源."""
    from drafting.corpus import parse_file

    open_page(page, app_offline.url)
    tab(page, "批量")
    period_box(page).fill("2023年第10期")
    run_batch_upload(page, items_xlsx(tmp_path, month=10), 4)
    expect(period_box(page)).to_have_value("2023年第10期")
    docx = export(page, app_offline, "docx")
    md = export(page, app_offline, "md")
    assert "第10期" in docx.name and "第11期" not in docx.name
    md_text = md.read_text(encoding="utf-8")
    assert "2023年第10期" in md_text and "2023年第11期" not in md_text
    for url in (SOURCE_URL, "https://jxt.sc.gov.cn/a.html", "https://www.henan.gov.cn/b.html", "https://www.chengdu.gov.cn/c.html"):
        assert url in md_text, f"{url} lost from the Markdown export"
    parsed = parse_file(docx)
    assert SOURCE_URL in [u for i in parsed.items for u in i.sources], "the raw row's 来源 lost from the Word export"


def test_batch_edits_survive_reload_and_restart(page: Page, browser: Any, app_offline: AppProcess, tmp_path: Path,
                                                output_dir: Path) -> None:
    """Edit + tick + 期数 + order survive a reload and a server restart; the export holds them."""
    from drafting.corpus import parse_file

    open_page(page, app_offline.url)
    run_batch_upload(page, items_xlsx(tmp_path, month=9), 4)
    period_box(page).fill("2023年第9期")
    period_box(page).press("Enter")
    pick_row(page, "四川省正式出台")
    box(page, "dz-batch-commentary").fill(EDITED)
    page.get_by_label("采纳本条短评").check()
    page.locator("#dz-batch-save").click()
    expect(page.get_by_text("已保存本条").first).to_be_visible()
    pick_row(page, "河南省印发")
    page.get_by_role("button", name="上移").click()  # 河南 before 四川
    wait_until(page, lambda: comes_before(batch_table(page), "河南省印发", "四川省正式出台"), "上移 did not move the item")

    page.reload()
    tab(page, "批量")
    expect(batch_table(page)).to_contain_text(EDITED[:20], timeout=30_000)
    expect(batch_table(page)).to_contain_text("✓")
    expect(period_box(page)).to_have_value("2023年第9期")
    shot(page, output_dir, "review_01_batch_after_reload.png")

    page.context.close()
    with restarted(browser, app_offline) as fresh:
        open_page(fresh, app_offline.url)
        tab(fresh, "批量")
        table = batch_table(fresh)
        expect(table).to_contain_text(EDITED[:20], timeout=30_000)
        assert comes_before(table, "河南省印发", "四川省正式出台")
        expect(period_box(fresh)).to_have_value("2023年第9期")
        pick_row(fresh, "四川省正式出台")
        expect(box(fresh, "dz-batch-commentary")).to_have_value(EDITED)
        expect(fresh.get_by_label("采纳本条短评")).to_be_checked()
        expect(table).to_contain_text("已修改")
        shot(fresh, output_dir, "review_02_batch_after_restart.png")
        docx = export(fresh, app_offline, "docx")
        md = export(fresh, app_offline, "md")
    assert "第9期" in docx.name
    md_text = md.read_text(encoding="utf-8")
    assert "2023年第9期" in md_text and EDITED in md_text
    parsed = parse_file(docx)
    by_title = {i.title: i for i in parsed.items}
    assert [i.title for i in parsed.items][:2] == ["河南省印发元宇宙产业发展行动计划", "四川省正式出台元宇宙专项政策，拟打造“中国元宇宙谷”"]
    assert by_title["四川省正式出台元宇宙专项政策，拟打造“中国元宇宙谷”"].commentary == EDITED


def test_two_tabs_on_one_draft_never_overwrite_silently(browser: Any, app_offline: AppProcess, output_dir: Path) -> None:
    """Tab B saving over tab A's newer text is refused with both texts; keeping B's is a new version, A's is in the audit."""
    contexts = [browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN") for _ in range(2)]
    a, b = (c.new_page() for c in contexts)
    try:
        open_page(a, app_offline.url)
        draft(a, ANHUI)
        draft_no = a.locator("#dz-model").inner_text().split("#")[1].split(" ")[0]
        open_page(b, app_offline.url)
        history_pick(b, "安徽")
        b.locator("#dz-hist-open").click()
        expect(box(b, "dz-comm")).not_to_have_value("")
        machine = box(b, "dz-comm").input_value()

        text_a = machine + "（甲的修改）"
        box(a, "dz-comm").fill(text_a)
        wait_status(a, "已自动保存草稿")
        text_b = machine + "（乙的修改）"
        box(b, "dz-comm").fill(text_b)
        expect(b.locator("#dz-status")).to_contain_text("已在别处被修改", timeout=30_000)
        conflict = b.locator("#dz-conflict")
        expect(conflict).to_contain_text("甲的修改")
        expect(conflict).to_contain_text("乙的修改")
        shot(b, output_dir, "review_03_conflict.png")
        a.locator("#dz-accept-btn").click()
        wait_status(a, "已采纳草稿")
        b.locator("#dz-accept-btn").click()  # accepting from the stale tab is refused too
        expect(b.locator("#dz-status")).to_contain_text("未采纳", timeout=30_000)
        accepted = [json.loads(p.read_text(encoding="utf-8")) for p in (app_offline.corpus / "accepted").glob("*.json")]
        assert [s["commentary"] for s in accepted if "安徽" in s["title"]] == [text_a.strip()]

        b.locator("#dz-conflict-keep").click()  # B keeps its text: saved over A's as a new version, re-accepted
        expect(b.locator("#dz-status")).to_contain_text("重新采纳", timeout=60_000)
        stored = [json.loads(p.read_text(encoding="utf-8")) for p in (app_offline.corpus / "accepted").glob("*.json")]
        assert [s["commentary"] for s in stored if "安徽" in s["title"]] == [text_b.strip()]

        history_pick(b, "安徽")
        audit = b.locator("#dz-hist-audit")
        expect(audit).to_contain_text("甲的修改")  # the text B replaced is on record, with who and when
        expect(audit).to_contain_text("重新采纳")
        expect(b.locator("#dz-hist-preview")).to_contain_text(f"#{draft_no}")
    finally:
        for c in contexts:
            c.close()


def test_editing_an_accepted_draft_updates_the_corpus(page: Page, app_offline: AppProcess) -> None:
    """Reopened from 历史 and changed, an accepted draft is accepted again: 历史 and 语料库 hold the same text."""
    hunan = HUBEI.replace("湖北", "湖南").replace("2023年10月8日", "2023年10月9日")
    open_page(page, app_offline.url)
    draft(page, hunan)
    page.locator("#dz-accept-btn").click()
    wait_status(page, "已采纳草稿")
    history_pick(page, "湖南")
    page.locator("#dz-hist-open").click()
    changed = box(page, "dz-comm").input_value() + "湖南此举值得关注。"
    box(page, "dz-comm").fill(changed)
    wait_status(page, "重新采纳")
    stored = [json.loads(p.read_text(encoding="utf-8")) for p in (app_offline.corpus / "accepted").glob("*.json")]
    assert [s["commentary"] for s in stored if "湖南" in s["title"]] == [changed.strip()]
    tab(page, "语料库")
    box(page, "dz-corpus-query").fill("湖南此举值得关注")
    page.locator("#dz-corpus-search").click()
    expect(page.locator("#dz-corpus-table")).to_contain_text("湖南")
    expect(page.locator("#dz-corpus-table")).to_contain_text("采纳")


def test_offline_regenerate_adds_no_identical_draft(page: Page, app_offline: AppProcess) -> None:
    """重新生成 offline gives the same text: the page says so, 历史 gains no row, the banner has no 《《》》."""
    jiangxi = ANHUI.replace("安徽", "江西").replace("2023年10月12日", "2023年10月13日")
    open_page(page, app_offline.url)
    draft(page, jiangxi)
    tab(page, "历史")
    page.locator("#dz-hist-refresh").click()
    rows = page.locator("#dz-hist-table").get_by_role("gridcell").filter(has_text="江西")
    expect(rows.first).to_be_visible()
    before = rows.count()
    tab(page, "起草")
    page.locator("#dz-regen-btn").click()
    wait_status(page, "未新增草稿")
    tab(page, "历史")
    page.locator("#dz-hist-refresh").click()
    page.wait_for_timeout(1000)
    assert page.locator("#dz-hist-table").get_by_role("gridcell").filter(has_text="江西").count() == before
    page.reload()
    banner = page.locator("#dz-resume-md")
    expect(banner).to_contain_text("未完成的草稿", timeout=30_000)
    text = banner.inner_text()
    assert "「江西省印发" in text and "《江西省印发" not in text and "》》" not in text

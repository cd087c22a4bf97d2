"""Reading batch item lists: every format, row-level validation with line numbers, duplicates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drafting.errors import ValidationError
from drafting.issues.batch_input import read_items
from drafting.issues.batch_rows import parse_date

DATA = Path(__file__).resolve().parent / "data" / "batch"


def test_jsonl_items_and_raw_rows() -> None:
    batch = read_items(DATA / "items.jsonl")
    assert batch.errors == []
    assert [e.line for e in batch.entries] == [1, 2, 3, 4, 5, 6]
    first = batch.entries[0].item
    assert first is not None and first.section == "政策速递" and first.date == "2023-09-18"
    assert first.sources == ["https://www.miit.gov.cn/jgsj/kjs/jscx/bzgf/art/2023/art_115c3d913ff44ca2976df4894374f348.html"]
    raw = batch.entries[2]
    assert raw.item is None and raw.section == "政策速递"
    assert raw.raw_text and raw.raw_text.startswith("2023年9月22日，重庆市") and "来源：https://jjxxw.cq.gov.cn" in raw.raw_text
    req = raw.request(offline=True)
    assert req.raw_text == raw.raw_text and req.section == "政策速递" and req.offline


def test_csv_bad_rows_reported_with_line_numbers_good_rows_kept() -> None:
    batch = read_items(DATA / "bad_rows.csv")
    reasons = {p.line: p.reason for p in batch.errors}
    assert set(reasons) == {4, 5, 6, 7, 8, 9}
    assert reasons[4].startswith("缺少栏目")
    assert reasons[5].startswith("缺少正文") and "没有正文的条目" in reasons[5]
    assert reasons[6].startswith("空行")
    assert reasons[7].startswith("未知栏目「科技前沿」")
    assert reasons[8].startswith("日期格式错误「2023-13-45」")
    assert reasons[9].startswith("日期格式错误「下周二」")
    good = {e.line: e for e in batch.entries}
    assert set(good) == {2, 3, 10, 11}
    assert good[3].item is not None and good[3].item.date == "2023-10-03"  # 2023/10/3 normalised
    assert good[10].item is None and good[10].section == "交易资讯"  # 原文 column: raw text
    # Row 11 repeats row 2's title with a trailing 。: kept but flagged.
    warnings = {p.line: p.reason for p in batch.warnings}
    assert "第 2 行" in warnings[11]
    assert str(batch.errors[0]).startswith("第 4 行：")


def test_exact_duplicate_rows_drafted_once(tmp_path: Path) -> None:
    row = {"section": "行业新闻", "title": "虹口区元宇宙专区上线", "body": "2023年10月3日，专区上线。"}
    path = tmp_path / "dups.json"
    path.write_text(json.dumps({"items": [row, {"栏目": "政策速递", "标题": "另一条", "正文": "正文"}, row]}, ensure_ascii=False))
    batch = read_items(path)
    assert [e.line for e in batch.entries] == [1, 2]
    assert [(w.line, w.fatal) for w in batch.warnings] == [(3, False)]
    assert "与第 1 行重复" in batch.warnings[0].reason
    assert batch.entries[0].item is not None and batch.entries[0].item.date == "2023-10-03"  # taken from the body's lead


def test_xlsx_with_chinese_headers(tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["栏目", "标题", "日期", "正文", "原文", "来源"])
    sheet.append(["政策", "重庆发布元宇宙产业发展行动计划", datetime(2023, 9, 22), "2023年9月22日，重庆市印发行动计划。", None, "https://a.example/1 https://a.example/2"])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["交易资讯", "零数科技完成B2轮融资", "2023年9月14日", None, None, None])
    sheet.append([None, None, None, None, None, None])  # trailing empty rows are not reported
    path = tmp_path / "list.xlsx"
    book.save(path)
    batch = read_items(path)
    assert len(batch.entries) == 1
    item = batch.entries[0].item
    assert item is not None and item.section == "政策速递" and item.date == "2023-09-22"
    assert item.sources == ["https://a.example/1", "https://a.example/2"]
    assert [(p.line, p.reason[:4]) for p in batch.errors] == [(3, "空行（没"), (4, "缺少正文")]


def test_markdown_one_item_per_heading(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text(
        "# 十月素材\n\n## 政策速递\n\n### 山东出台元宇宙专项政策\n\n日期：2023-09-19\n\n"
        "2023年9月19日，山东省六部门联合印发指导意见。\n\n提出“一核引领、双擎驱动、多点支撑”。\n\n"
        "来源：http://gxt.shandong.gov.cn/art/2023/9/19/art_103863_10336265.html\n\n"
        "## 行业新闻\n\n### 没有正文的新闻\n\n### 虹口区元宇宙专区上线\n\nhttps://www.shhk.gov.cn/x.html\n\n"
        "2023年10月3日，专区上线。\n",
        encoding="utf-8",
    )
    batch = read_items(path)
    assert [(e.line, e.label) for e in batch.entries] == [(5, "山东出台元宇宙专项政策"), (19, "虹口区元宇宙专区上线")]
    first = batch.entries[0].item
    assert first is not None
    assert first.body == "2023年9月19日，山东省六部门联合印发指导意见。\n提出“一核引领、双擎驱动、多点支撑”。"
    assert first.sources == ["http://gxt.shandong.gov.cn/art/2023/9/19/art_103863_10336265.html"]
    assert batch.entries[1].item is not None and batch.entries[1].item.sources == ["https://www.shhk.gov.cn/x.html"]
    assert [(p.line, p.reason[:4]) for p in batch.errors] == [(17, "缺少正文")]


def test_docx_notes_bold_titles_and_headings(tmp_path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.add_heading("政策速递", level=1)
    p = doc.add_paragraph()
    p.add_run("上海市科委印发区块链关键技术攻关专项行动方案").bold = True
    doc.add_paragraph("2023年9月27日，上海市科学技术委员会发布通知。")
    doc.add_paragraph("https://stcsm.sh.gov.cn/zwgk/ghjh/20230927/59bc624577744e40885e547c2e0743fe.html")
    doc.add_heading("交易资讯", level=1)
    doc.add_heading("当红齐天完成数亿元C轮融资", level=2)
    doc.add_paragraph("据中国基金报报道，近日，当红齐天完成数亿元C轮融资。")
    path = tmp_path / "notes.docx"
    doc.save(path)
    batch = read_items(path)
    assert batch.errors == []
    items = [e.item for e in batch.entries]
    assert [(i.section, i.title) for i in items if i] == [
        ("政策速递", "上海市科委印发区块链关键技术攻关专项行动方案"),
        ("交易资讯", "当红齐天完成数亿元C轮融资"),
    ]
    assert items[0] is not None and items[0].date == "2023-09-27" and len(items[0].sources) == 1
    assert items[1] is not None and items[1].date is None  # 近日


def test_exported_markdown_reads_back(tmp_path: Path) -> None:
    from drafting.export import export_markdown
    from drafting.export.assemble import assemble

    src = read_items(DATA / "items.jsonl")
    items = [e.item for e in src.entries if e.item]
    path = export_markdown(assemble(items), tmp_path / "issue.md")
    back = read_items(path)
    assert back.errors == []
    assert [(e.item.section, e.item.title, e.item.body, e.item.sources) for e in back.entries if e.item] == [
        (i.section, i.title, i.body, i.sources) for i in sorted(items, key=lambda i: ["政策速递", "行业新闻", "交易资讯"].index(i.section))
    ]


@pytest.mark.parametrize(
    ("text", "iso"),
    [("2023-09-18", "2023-09-18"), ("2023/9/8", "2023-09-08"), ("2023年9月18日", "2023-09-18"), ("２０２３年９月１日", "2023-09-01"), ("近日", None), ("", None)],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


def test_unreadable_files_raise_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "list.json"
    bad.write_text("[{\"title\": ", encoding="utf-8")
    with pytest.raises(ValidationError, match="list.json：第 1 行 JSON 格式错误"):
        read_items(bad)
    with pytest.raises(ValidationError, match="不支持的文件类型 .pdf"):
        read_items(tmp_path / "list.pdf")
    headerless = tmp_path / "list.csv"
    headerless.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="第 1 行应为表头"):
        read_items(headerless)


def test_exported_docx_reads_back_as_notes(tmp_path: Path) -> None:
    from drafting.export import export_docx
    from drafting.export.assemble import assemble

    items = [e.item for e in read_items(DATA / "items.jsonl").entries if e.item]
    items[0] = items[0].model_copy(update={"commentary": "这是一段短评。\n第二段短评。"})
    back = read_items(export_docx(assemble(items), tmp_path / "issue.docx"))
    assert back.errors == []
    order = ["政策速递", "行业新闻", "交易资讯"]
    assert [(e.item.section, e.item.title, e.item.body) for e in back.entries if e.item] == [
        (i.section, i.title, i.body) for i in sorted(items, key=lambda i: order.index(i.section))
    ]

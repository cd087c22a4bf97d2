"""OCR that reads like a person: wrapped lines joined, the usual confusables of policy scans repaired only where a
dictionary says the repaired word is a word and the original is not, and the words Tesseract was unsure of listed.

The examples are the issue's scan (〈2024一2026年), 收大, 数字挛生, [2024], line breaks inside sentences)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import missing_tool

from drafting.sources.ocr_repair import join_lines, repair


def _fixed(text: str) -> str:
    return repair(text).text


def test_year_range_dash_and_brackets():
    assert _fixed("《江苏省数字孪生产业发展行动计划〈2024一2026年)》") == "《江苏省数字孪生产业发展行动计划（2024—2026年）》"
    assert _fixed("行动计划 (2024 2026年 ) 》") == "行动计划（2024—2026年）》"
    assert _fixed("培育3一5家生态型企业") == "培育3—5家生态型企业"
    assert _fixed("〈江苏省数据条例〉") == "《江苏省数据条例》"
    for kept in ("第一条 为了规范", "2024年一季度", "统一2024年口径", "发布时间：2024-06-20"):
        assert _fixed(kept) == kept


def test_document_number_brackets():
    assert _fixed("苏工信数字 【2024 ] 87号") == "苏工信数字〔2024〕87号"
    assert _fixed("工信部联科[2023]12号") == "工信部联科〔2023〕12号"
    assert _fixed("见文献[2024]第3页") == "见文献[2024]第3页"  # not a 文号: left alone


def test_confusables_need_the_dictionary():
    assert _fixed("全省数字挛生及相关产业") == "全省数字孪生及相关产业"
    assert _fixed("建成数字李生工厂50个") == "建成数字孪生工厂50个"
    assert _fixed("一、总体目标。收大超过10亿元的龙头企业") == "一、总体目标。壮大超过10亿元的龙头企业"
    assert _fixed("自已的数据") == "自己的数据"
    assert _fixed("获数干万元天使轮融资") == "获数千万元天使轮融资"
    # the same characters inside real words stay: no blind replacement
    for kept in ("营收大幅增长", "这生产线投产", "已经完成备案", "收入大幅提高", "人民币", "干部队伍", "干预措施"):
        assert _fixed(kept) == kept, kept


def test_quotation_marks_read_as_ascii():
    assert _fixed('数据要素服务商“数链通"完成数亿元C轮融资') == "数据要素服务商“数链通”完成数亿元C轮融资"
    assert _fixed('他说"数字人"很好') == "他说“数字人”很好"
    assert _fixed('英文 "quote" here') == '英文 "quote" here'


def test_repairs_are_listed():
    result = repair("全省数字挛生及相关产业，苏工信数字[2024]87号")
    pairs = {(r.original, r.repaired) for r in result.repairs}
    assert ("挛生", "孪生") in pairs and ("苏工信数字[2024]87号", "苏工信数字〔2024〕87号") in pairs


def test_wrapped_lines_join_and_structure_stays():
    page = ("一、总体目标。到2026年，全省数字孪生及相关产业规模达到1200亿\n"
            "元，壮大一批营收超过10亿元的龙头企业，培育专精特新企业200家，建成\n"
            "数字孪生工厂50个。\n"
            "二、重点任务。(一)夯实数字孪生技术底座。\n"
            "江苏省工业和信息化厅\n"
            "2024年4月12日")
    joined = join_lines(page)
    lines = joined.splitlines()
    assert lines[0] == ("一、总体目标。到2026年，全省数字孪生及相关产业规模达到1200亿元，壮大一批营收超过10亿元的龙头企业，"
                        "培育专精特新企业200家，建成数字孪生工厂50个。")
    assert lines[1].startswith("二、重点任务。")
    assert lines[-2:] == ["江苏省工业和信息化厅", "2024年4月12日"]


def test_a_heading_wrapped_inside_its_document_name():
    page = "江苏省工业和信息化厅关于印发《江苏省数字孪生产业发\n展行动计划（2024—2026年）》的通知\n\n苏工信数字〔2024〕87号"
    assert join_lines(page).splitlines()[0] == "江苏省工业和信息化厅关于印发《江苏省数字孪生产业发展行动计划（2024—2026年）》的通知"


def test_a_headline_keeps_its_dateline_apart():
    page = "首届长三角数字人产业大会在苏州举行 发布10项行业标准，来自多家企业的代表参会并签约多个项目\n2024-11-08　来源：元宇宙产业观察\n11月8日，大会在苏州举行。"
    assert join_lines(page).splitlines()[1].startswith("2024-11-08")


def test_blank_line_inside_a_sentence_and_spaces_between_characters():
    assert join_lines("规模达到1200亿\n\n,壮大一  批营收超过10亿元的龙头企业") == "规模达到1200亿，壮大一批营收超过10亿元的龙头企业"


def test_a_scan_reads_like_the_document(tmp_path: Path):
    """The issue's scan, end to end: an image-only PDF of a provincial plan read through read_document."""
    if shutil.which("tesseract") is None or shutil.which("pdftoppm") is None:
        missing_tool("needs the Debian packages tesseract-ocr-chi-sim and poppler-utils")
    from drafting.evaluation.source_forms import FormCache
    from drafting.evaluation.source_pages import load_docs
    from drafting.sources.document import read_document

    doc = next(d for d in load_docs() if d.id == "p11")
    scan = FormCache(tmp_path).ensure([doc], ["scan"])[(doc.id, "scan")]
    read = read_document(scan)
    flat = "".join(read.text.split())
    assert "挛生" not in flat and "李生" not in flat and "数字孪生" in flat
    assert "苏工信数字〔2024〕87号" in flat
    assert "2024—2026年" in flat
    assert "2024一2026" not in flat
    assert read.repairs, "the repairs made are reported"
    lines = [ln for ln in read.text.splitlines() if ln.strip()]
    assert any(ln.startswith("二、重点任务") for ln in lines)  # structure kept
    assert lines[-1].startswith("2024年4月12") and "信息化厅" in lines[-2]  # the 落款 stays two lines
    assert all(w.confidence < 60 for w in read.unsure)


@pytest.mark.parametrize("text", ["", "\n\n", "没有任何问题的一句话。"])
def test_nothing_to_repair(text: str):
    assert repair(text).text == text and not repair(text).repairs

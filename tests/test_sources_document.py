"""Policy files as sources: page furniture removed, long documents condensed keeping their figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafting.errors import SourceError
from drafting.sources.document import condense, read_document, strip_furniture


def test_furniture_removed_body_kept() -> None:
    pages = [
        "某省人民政府办公厅文件\n关于印发《某省元宇宙行动计划》的通知\n到2025年产业规模达到500亿元。\n- 1 -",
        "某省人民政府办公厅文件\n培育20家骨干企业。\n第 2 页",
        "某省人民政府办公厅文件\n建设5个产业园区。\n附件：1. 重点任务分工表\n2. 重点项目清单\n\n某省人民政府办公厅\n3/3",
    ]
    text = strip_furniture("\f".join(pages))
    assert text.splitlines()[0] == "关于印发《某省元宇宙行动计划》的通知"
    for kept in ("500亿元", "20家骨干企业", "5个产业园区", "某省人民政府办公厅"):
        assert kept in text
    for gone in ("某省人民政府办公厅文件", "- 1 -", "第 2 页", "3/3", "重点任务分工表", "重点项目清单"):
        assert gone not in text


def test_long_document_condensed_keeping_figures_and_opening() -> None:
    filler = "各有关单位要高度重视，认真组织实施，切实抓好各项工作的落实。" * 400
    text = "关于印发《某市数字经济行动方案》的通知\n各区人民政府：\n现将方案印发给你们。\n" + filler + "\n到2027年，全市数字经济核心产业增加值达到1200亿元。\n" + filler
    short = condense(text, 3000)
    assert len(short) <= 3000 < len(text)
    assert short.startswith("关于印发《某市数字经济行动方案》的通知")
    assert "到2027年，全市数字经济核心产业增加值达到1200亿元。" in short
    assert condense("短文本。", 3000) == "短文本。"


def test_docx_policy_file_and_unsupported_type(tmp_path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.add_paragraph("关于推进区块链产业发展的若干措施")
    doc.add_paragraph("对新落户的区块链企业给予最高1000万元奖励。")
    path = tmp_path / "措施.docx"
    doc.save(str(path))
    read = read_document(path)
    assert read.method == "docx" and "最高1000万元奖励" in read.text
    bad = tmp_path / "表格.xlsx"
    bad.write_bytes(b"PK")
    with pytest.raises(SourceError, match="不支持的原文文件类型"):
        read_document(bad)

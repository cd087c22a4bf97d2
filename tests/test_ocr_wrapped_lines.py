"""Text recognised from a scan keeps the page's line wraps. Found by the OCR browser test (tests/test_ui_ocr_e2e.py):
drafting from the recognised text of a scanned 行动方案 dropped the wrapped line holding its headline figure."""

from __future__ import annotations

import pytest

from drafting.sources.cleanup import clean_raw
from drafting.writing.offline.item import item_from_raw

# What tesseract returns for tests/test_sources_ocr.py's page: the title, then the body wrapped at 36 characters.
OCR_TEXT = ("上海市印发《上海市促进元宇宙产业发展行动方案》\n"
            "2023年7月8日，上海市人民政府办公厅印发《上海市促进元宇宙产业发展行动方案》，提出\n"
            "到2025年，全市元宇宙产业规模达到3500亿元，培育10\n"
            "家以上具有国际竞争力的龙头企业，打造100个以上标杆性应用场景。")


def test_a_wrapped_line_of_recognised_text_stays_in_the_body() -> None:
    body = item_from_raw(OCR_TEXT, "政策速递").body
    assert "3500亿元" in body and "培育10家以上" in body, body


def test_the_same_text_without_wraps_keeps_its_figures() -> None:
    body = item_from_raw(OCR_TEXT.replace("\n", "", 3).replace("》2023", "》\n2023", 1), "政策速递").body
    assert "3500亿元" in body and "培育10家以上" in body, body


def test_clean_raw_joins_the_lines_of_a_wrapped_sentence() -> None:
    lines = clean_raw(OCR_TEXT).splitlines()
    assert len(lines) == 2, lines  # the headline, then the one sentence its three lines wrap
    assert "提出到2025年" in lines[1] and "培育10家以上" in lines[1]


def test_a_wrapped_line_opening_with_a_connective_keeps_it() -> None:
    text = clean_raw("标题\n2023年7月8日，某部印发《办法》，\n提出到2025年建成10个平台。")
    assert text.splitlines()[1].endswith("《办法》,提出到2025年建成10个平台。"), text


@pytest.mark.parametrize("text", [
    "零数科技完成数亿元C轮融资，红杉中国领投\n2023年7月8日，零数科技宣布完成C轮融资。",  # a headline with a comma
    "标题\n一、总体要求，坚持\n（一）加强统筹，推进\n二、重点任务",  # headings and list items
    "标题\n各区人民政府，市政府各委、办、局：\n现将《办法》印发给你们。",  # the addressee line ends in a colon
    "Title\nThe company said, in a statement\nthat it will",  # Latin text is never glued
    "标题\n正文第一句，培育10\n\n家以上企业。",  # a blank line: a paragraph break, not a wrap
])
def test_lines_that_are_not_wrapped_stay_lines(text: str) -> None:
    assert len(clean_raw(text).splitlines()) == len(text.splitlines()), clean_raw(text)

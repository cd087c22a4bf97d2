"""Text recognised from a scan keeps the page's line wraps. Found by the OCR browser test (tests/test_ui_ocr_e2e.py):
drafting from the recognised text of a scanned 行动方案 dropped the wrapped line holding its headline figure."""

from __future__ import annotations

import pytest

from drafting.writing.offline.item import item_from_raw

# What tesseract returns for tests/test_sources_ocr.py's page: the title, then the body wrapped at 36 characters.
OCR_TEXT = ("上海市印发《上海市促进元宇宙产业发展行动方案》\n"
            "2023年7月8日，上海市人民政府办公厅印发《上海市促进元宇宙产业发展行动方案》，提出\n"
            "到2025年，全市元宇宙产业规模达到3500亿元，培育10\n"
            "家以上具有国际竞争力的龙头企业，打造100个以上标杆性应用场景。")


@pytest.mark.xfail(strict=True, reason="defect: drafting.sources.cleanup.clean_raw drops the wrapped line "
                   "'到2025年，…3500亿元，培育10' (the body reads '提出家以上…'); fix in the drafter, then drop this mark")
def test_a_wrapped_line_of_recognised_text_stays_in_the_body() -> None:
    body = item_from_raw(OCR_TEXT, "政策速递").body
    assert "3500亿元" in body and "培育10家以上" in body, body


def test_the_same_text_without_wraps_keeps_its_figures() -> None:
    body = item_from_raw(OCR_TEXT.replace("\n", "", 3).replace("》2023", "》\n2023", 1), "政策速递").body
    assert "3500亿元" in body and "培育10家以上" in body, body

"""Scans through OCR: a past issue rendered to an image-only PDF is imported; a photographed policy is a source."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import missing_tool

from drafting.corpus import parse_file


@pytest.fixture(autouse=True)
def _ocr_tools() -> None:
    """OCR needs Debian's Tesseract and OCRmyPDF: a skip on a developer's machine, a failure in CI (.ci/run installs them)."""
    if shutil.which("tesseract") is None or shutil.which("ocrmypdf") is None:
        missing_tool("needs the Debian packages tesseract-ocr, tesseract-ocr-chi-sim and ocrmypdf")

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
TITLE = "上海市印发《上海市促进元宇宙产业发展行动方案》"
BODY = ("2023年7月8日，上海市人民政府办公厅印发《上海市促进元宇宙产业发展行动方案》，提出到2025年，"
        "全市元宇宙产业规模达到3500亿元，培育10家以上具有国际竞争力的龙头企业，打造100个以上标杆性应用场景。")
COMMENT = ("上海以3500亿元的产业规模目标领跑全国，方案对龙头企业培育和应用场景建设均提出了量化要求。"
           "相关企业宜关注配套资金与数据要素政策的落地节奏，提前做好合规准备。")
ISSUE_LINES = ["政策速递", TITLE, BODY, "植德短评：", COMMENT, "- 1 -"]


def render_page(lines: list[str], path: Path, *, size: int = 30, width: int = 1240) -> None:
    """Chinese text drawn on a white page (150 dpi A4 width) and saved as an image: no text layer anywhere."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, size)
    per_line = (width - 160) // size
    rows: list[str] = []
    for line in lines:
        rows += [line[i:i + per_line] for i in range(0, len(line), per_line)] + [""]
    img = Image.new("L", (width, 120 + len(rows) * int(size * 1.6)), 255)
    draw = ImageDraw.Draw(img)
    for n, row in enumerate(rows):
        draw.text((80, 60 + n * int(size * 1.6)), row, font=font, fill=0)
    img.save(path, resolution=150)


def _compact(text: str) -> str:
    return "".join(text.split())


def test_scanned_issue_imports_through_ocr(tmp_path: Path) -> None:
    scan = tmp_path / "2023-07扫描版.pdf"
    render_page(ISSUE_LINES, scan)
    import pdfplumber

    with pdfplumber.open(scan) as pdf:
        assert not "".join(p.extract_text() or "" for p in pdf.pages).strip(), "the test file has no text layer"
    issue = parse_file(scan)
    assert len(issue.items) == 1
    item = issue.items[0]
    assert item.section == "政策速递"
    assert "《上海市促进元宇宙产业发展行动方案》" in _compact(item.title)
    body = _compact(item.body)
    for figure in ("3500亿元", "10家", "100个", "2025年"):
        assert figure in body
    assert item.date == "2023-07-08"
    assert item.commentary and "3500亿元" in _compact(item.commentary)
    report = [p for p in issue.problems if p.startswith("OCR 第 1 页")]
    assert report and "置信度" in report[0], issue.problems
    confidence = float(report[0].split("置信度 ")[1].split("，")[0])
    assert 60 <= confidence <= 100


def test_blank_scan_says_ocr_found_nothing(tmp_path: Path) -> None:
    from PIL import Image

    from drafting.errors import ParseError

    scan = tmp_path / "空白扫描.pdf"
    Image.new("L", (600, 800), 255).save(scan, resolution=100)
    with pytest.raises(ParseError, match="OCR") as err:
        parse_file(scan)
    assert "空白扫描.pdf" in str(err.value)


def test_photographed_policy_is_a_draft_source(tmp_path: Path) -> None:
    from drafting.sources.document import read_document

    image = tmp_path / "通知.png"
    render_page([TITLE, BODY, "附件：1. 重点任务清单", "2. 重点企业名单"], image)
    doc = read_document(image)
    assert doc.method == "ocr" and doc.ocr and "置信度" in doc.ocr[0]
    text = _compact(doc.text)
    assert "《上海市促进元宇宙产业发展行动方案》" in text and "3500亿元" in text
    assert "重点任务清单" not in text, "the 附件 list is page furniture, not the policy"

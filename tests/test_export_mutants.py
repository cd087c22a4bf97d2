"""What a reader or editor sees in an exported issue, read back from the files (round 29, mutation testing).

Fast: no index, no server, no LibreOffice. The Word file is read back with python-docx and lxml: section and item
order, the cover and the 目录, footnotes numbered through the issue, the 植德短评 label, the closing block, tracked
changes that give the final text when accepted and the machine draft when rejected, the export record the review
import reads, and the 公众号 HTML.
"""

from __future__ import annotations

import logging
import struct
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pdfplumber
import pytest
from conftest import missing_tool
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor
from lxml import etree

from drafting.errors import ExportError
from drafting.export import export_docx, render_markdown
from drafting.export.assemble import (
    COMMENTARY_HEADING,
    AssembledIssue,
    ClosingBlock,
    assemble,
    build_issue,
    default_period,
    load_closing,
    split_paragraphs,
)
from drafting.export.basis import NS, ExportBasis, read_basis
from drafting.export.docx import ANCHOR_PREFIX, FIRM, TOC_PREFIX, build_docx, xml_safe
from drafting.export.pdf import _squash, docx_to_pdf, export_publishable, heading_pages
from drafting.export.revisions import (
    W_NS,
    Revision,
    RevisionIds,
    TrackedBase,
    align_paragraphs,
    mark_paragraph,
    track_paragraph,
    turn_on_tracking,
)
from drafting.export.wechat import export_wechat, render_wechat
from drafting.models import Item

ROOT = Path(__file__).resolve().parent.parent
PROMPTS = ROOT / "prompts"
ACCENT = RGBColor(0x1F, 0x4E, 0x3D)


def q(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


POLICY_A = Item(section="政策速递", title="重庆发布元宇宙产业发展行动计划", date="2023-09-22",
                body="2023年9月22日，重庆市经信委印发行动计划。\n行动计划提出多项重点任务。",
                commentary="该计划目标明确。\n这也为企业提供了指引。",
                sources=["https://a.example/1?x=1&y=2", "https://b.example/2"])
POLICY_B = Item(section="政策速递", title="工信部成立元宇宙标准化工作组", date="2023-09-05",
                body="2023年9月5日，工信部宣布成立元宇宙标准化工作组。", commentary="标准化工作有助于统一技术规范。",
                sources=["https://c.example/3"])
NEWS = Item(section="行业新闻", title="虹口区元宇宙专区上线", date="2023-09-18", body="", sources=["https://n.example/4"])
DEAL = Item(section="交易资讯", title="零数科技获B2轮战略投资", date="2023-09-25",
            body="2023年9月25日，零数科技获B2轮战略投资。", sources=["https://d.example/5"])
CLOSING = [
    ClosingBlock(kind="heading", text="特别声明"),
    ClosingBlock(kind="para", text="本刊内容仅供参考。"),
    ClosingBlock(kind="center", text="前行之路 植德守护"),
]


def small_issue(period: str = "2023年第10期", closing: list[ClosingBlock] | None = None) -> AssembledIssue:
    """Deal first, news, then two policies: the export must still put 政策速递 first."""
    return assemble([DEAL, NEWS, POLICY_A, POLICY_B], period=period, closing=CLOSING if closing is None else closing)


# ---- reading a Word file back ------------------------------------------------------------------------------------


def _part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(name))


def _body_paragraphs(path: Path) -> list[etree._Element]:
    return list(_part(path, "word/document.xml").iter(q("p")))


def _style(p: etree._Element) -> str:
    el = p.find(f"{q('pPr')}/{q('pStyle')}")
    return "" if el is None else el.get(q("val"))


def _mark(p: etree._Element) -> str | None:
    """"ins"/"del" when the paragraph mark itself is a revision."""
    rpr = p.find(f"{q('pPr')}/{q('rPr')}")
    if rpr is None:
        return None
    for kind in ("ins", "del"):
        if rpr.find(q(kind)) is not None:
            return kind
    return None


def _text(p: etree._Element, view: str) -> str:
    """The paragraph's text after accepting ("accepted") or rejecting ("original") every revision."""
    out = []
    for el in p.iter(q("t"), q("delText")):
        tracked = {a.tag for a in el.iterancestors() if a.tag in (q("ins"), q("del"))}
        accepted = view == "accepted" and el.tag == q("t") and q("del") not in tracked
        original = view == "original" and q("ins") not in tracked
        if accepted or original:
            out.append(el.text or "")
    return "".join(out)


def _view(path: Path, view: str) -> list[tuple[str, str]]:
    """(style, text) of every paragraph as Word shows it after accepting or rejecting every revision."""
    gone = "del" if view == "accepted" else "ins"
    return [(_style(p), _text(p, view)) for p in _body_paragraphs(path) if _mark(p) != gone]


def _after_toc(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The issue's pages after the cover and the 目录."""
    first = next(i for i, (style, _) in enumerate(rows) if style == "Heading1")
    return rows[first:]


RPR_ORDER = ["ins", "del", "moveFrom", "moveTo", "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps",
             "strike", "dstrike", "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish",
             "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr",
             "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath"]


def _schema_problems(root: etree._Element) -> list[str]:
    """Run properties out of the schema's order, and text where WordprocessingML allows only elements: Word refuses
    to open such a file ("unreadable content") or drops the property."""
    problems = []
    for rpr in root.iter(q("rPr")):
        tags = [etree.QName(c).localname for c in rpr if etree.QName(c).namespace == W_NS]
        known = [RPR_ORDER.index(t) for t in tags if t in RPR_ORDER]
        if known != sorted(known):
            problems.append(f"rPr order {tags}")
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in (q("t"), q("delText"), q("instrText")):
            continue
        if (el.text or "").strip():
            problems.append(f"text {el.text!r} in {etree.QName(el).localname}")
        for child in el:
            if (child.tail or "").strip():
                problems.append(f"text {child.tail!r} after {etree.QName(child).localname}")
    return problems


# ---- the issue as assembled ---------------------------------------------------------------------------------------


def test_sections_keep_house_order_items_keep_input_order_and_footnotes_run_through_the_issue() -> None:
    issue = small_issue()
    assert [s.name for s in issue.sections] == ["政策速递", "行业新闻", "交易资讯"]
    assert [i.title for i in issue.items()] == [POLICY_A.title, POLICY_B.title, NEWS.title, DEAL.title]
    assert [(f.n, f.url) for f in issue.footnotes()] == [
        (1, POLICY_A.sources[0]), (2, POLICY_A.sources[1]), (3, POLICY_B.sources[0]), (4, NEWS.sources[0]),
        (5, DEAL.sources[0])]
    assert [[f.n for f in a.footnotes] for s in issue.sections for a in s.items] == [[1, 2], [3], [4], [5]]
    # a section without items is left out, not printed empty
    assert [s.name for s in assemble([DEAL, POLICY_B]).sections] == ["政策速递", "交易资讯"]
    assert assemble([]).sections == [] and assemble([]).footnotes() == []


def test_paragraphs_are_the_non_empty_lines_stripped() -> None:
    assert split_paragraphs("  第一段。 \n\n\t第二段。\n   \n") == ["第一段。", "第二段。"]
    a = small_issue().sections[0].items[0]
    assert a.paragraphs == ["2023年9月22日，重庆市经信委印发行动计划。", "行动计划提出多项重点任务。"]
    assert a.commentary_paragraphs == ["该计划目标明确。", "这也为企业提供了指引。"]
    assert small_issue().sections[1].items[0].commentary_paragraphs == []


def test_period_heading_and_issue_id() -> None:
    issue = small_issue()
    assert issue.heading == "元宇宙/Web3 月刊 2023年第10期"
    assert assemble([DEAL], period="").heading == "元宇宙/Web3 月刊"
    assert assemble([DEAL], title="区块链月报", period="2024年第1期").heading == "区块链月报 2024年第1期"
    # the id sorts by year and month; the same heading gives the same id, another title another one
    assert issue.id.startswith("2023-10_") and len(issue.id) == len("2023-10_") + 8
    assert assemble([DEAL], period="2024 年 第 3 期").id.startswith("2024-03_")
    assert small_issue().id == issue.id
    assert assemble([DEAL], title="区块链月报", period="2023年第10期").id != issue.id
    undated = assemble([DEAL], period="")
    assert undated.id.startswith("issue_") and len(undated.id) == len("issue_") + 8


def test_default_period_is_the_month_after_most_items_latest_on_a_tie() -> None:
    def item(date: str | None) -> Item:
        return Item(section="行业新闻", title=f"t{date}", body="b", date=date)

    assert default_period([item("2023-09-01"), item("2023-09-30"), item("2023-08-15")]) == "2023年第10期"
    assert default_period([item("2023-08-01"), item("2023-09-30")]) == "2023年第10期"  # tie: the later month
    assert default_period([item("2023-11-30"), item("2023-11-01"), item("2023-12-05")]) == "2023年第12期"
    assert default_period([item(None), item("2023-12-31")]) == "2024年第1期"
    assert default_period([item(None)]) == "" and default_period([]) == ""
    # assemble takes the default only when no period is given; an explicit "" means no period
    assert assemble([DEAL]).period == "2023年第10期"
    assert assemble([DEAL], period="").period == ""


def test_to_issue_tags_items_with_the_issue_and_keeps_its_period() -> None:
    issue = small_issue()
    corpus = issue.to_issue()
    assert corpus.id == issue.id and corpus.title == issue.title and corpus.period == "2023年第10期"
    assert [i.title for i in corpus.items] == [i.title for i in issue.items()]
    assert {i.issue for i in corpus.items} == {issue.id}
    assert assemble([DEAL], period="").to_issue().period is None


def test_closing_block_kinds_and_editors(tmp_path: Path) -> None:
    (tmp_path / "issue_closing.md").write_text(
        "---\nversion: 1\ndefault_editors: 甲 乙\n---\n## 特别声明\n\n  正文一段。  \n> 居中一行\n编辑：{{ editors }}\n",
        encoding="utf-8")
    blocks = load_closing(tmp_path)
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "特别声明"), ("para", "正文一段。"), ("center", "居中一行"), ("para", "编辑：甲 乙")]
    assert load_closing(tmp_path, editors="丙")[-1].text == "编辑：丙"
    assert load_closing(tmp_path, editors="")[-1].text == "编辑："
    issue = build_issue([DEAL], prompts_dir=tmp_path, period="2023年第10期", editors="丁")
    assert [b.text for b in issue.closing][-1] == "编辑：丁" and issue.period == "2023年第10期"
    assert assemble([DEAL]).closing == []
    # a template without default editors leaves the line empty, not "None"
    (tmp_path / "issue_closing.md").write_text("---\nversion: 1\n---\n本期执行编辑：{{ editors }}\n", encoding="utf-8")
    assert [b.text for b in load_closing(tmp_path)] == ["本期执行编辑："]


# ---- Word: the issue as a reader sees it ---------------------------------------------------------------------------


@pytest.fixture
def clean_docx(tmp_path: Path) -> Path:
    return export_docx(small_issue(), tmp_path / "issue.docx")


def test_word_cover_toc_and_sections_in_reading_order(clean_docx: Path) -> None:
    doc = Document(str(clean_docx))
    rows = [(p.style.name, p.text) for p in doc.paragraphs]
    texts = [t for _, t in rows]
    # cover: blank lines, the title in the Title style, the period and the firm centred
    assert rows[:3] == [("Normal", "")] * 3
    assert rows[3] == ("Title", "元宇宙/Web3 月刊")
    period, firm = doc.paragraphs[4], doc.paragraphs[5]
    assert period.text == "2023年第10期" and period.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert firm.text == FIRM and firm.alignment == WD_ALIGN_PARAGRAPH.CENTER
    # the period and the firm in the heading font, the period larger than the firm, both larger than body text
    for line, size in ((period, 18), (firm, 12)):
        assert line.runs[0].font.size == Pt(size)
        assert line.runs[0]._r.find(f"{q('rPr')}/{q('rFonts')}").get(q("eastAsia")) == "黑体"
    toc_at = texts.index("目录")
    assert toc_at == 7 and rows[6] == ("Normal", "")  # one blank line between the cover and the 目录
    assert doc.paragraphs[toc_at].style.name == "TOC Heading"
    assert doc.paragraphs[toc_at].paragraph_format.first_line_indent == 0
    assert doc.styles["TOC Heading"].font.color.rgb == ACCENT
    assert doc.paragraphs[toc_at].alignment == WD_ALIGN_PARAGRAPH.CENTER
    toc = [(s, t.split("\t")[0]) for s, t in rows if s in ("toc 1", "toc 2")]
    assert toc == [("toc 1", "政策速递"), ("toc 2", POLICY_A.title), ("toc 2", POLICY_B.title),
                   ("toc 1", "行业新闻"), ("toc 2", NEWS.title), ("toc 1", "交易资讯"), ("toc 2", DEAL.title)]
    # the sections start on a new page after the 目录
    last_toc = [p for p in doc.paragraphs if p.style.name.startswith("toc")][-1]
    assert last_toc._p.xpath(".//w:br[@w:type='page']")
    body = [(s, t) for s, t in rows[texts.index("政策速递", toc_at + 8):]]
    assert body[:10] == [
        ("Heading 1", "政策速递"), ("Heading 2", POLICY_A.title),
        ("Normal", "2023年9月22日，重庆市经信委印发行动计划。"), ("Normal", "行动计划提出多项重点任务。"),
        ("Normal", "植德短评："), ("Normal", "该计划目标明确。"), ("Normal", "这也为企业提供了指引。"),
        ("Heading 2", POLICY_B.title), ("Normal", POLICY_B.body), ("Normal", "植德短评："),
    ]
    assert body[10:15] == [("Normal", POLICY_B.commentary), ("Heading 1", "行业新闻"), ("Heading 2", NEWS.title),
                           ("Normal", ""), ("Heading 1", "交易资讯")]
    assert body[15:17] == [("Heading 2", DEAL.title), ("Normal", DEAL.body)]
    assert [t for _, t in body[17:]] == ["特别声明", "本刊内容仅供参考。", "前行之路 植德守护"]
    core = doc.core_properties
    assert core.title == "元宇宙/Web3 月刊 2023年第10期" and core.author == FIRM


def test_word_without_period_has_no_period_line(tmp_path: Path) -> None:
    doc = Document(str(export_docx(small_issue(period=""), tmp_path / "x.docx")))
    texts = [p.text for p in doc.paragraphs]
    assert texts[3:5] == ["元宇宙/Web3 月刊", FIRM]


def test_word_footnotes_sit_at_the_end_of_each_items_last_paragraph_numbered_through_the_issue(clean_docx: Path) -> None:
    paras = _body_paragraphs(clean_docx)
    refs = [(_text(p, "accepted"), [int(r.get(q("id"))) for r in p.iter(q("footnoteReference"))])
            for p in paras if p.find(f".//{q('footnoteReference')}") is not None]
    assert refs == [("行动计划提出多项重点任务。", [1, 2]), (POLICY_B.body, [3]), ("", [4]), (DEAL.body, [5])]
    for p in paras:  # the references follow the text, superscript
        runs = p.findall(q("r"))
        notes = [k for k, r in enumerate(runs) if r.find(q("footnoteReference")) is not None]
        texts = [k for k, r in enumerate(runs) if r.find(q("t")) is not None]
        if notes and texts:
            assert max(texts) < min(notes)
        for k in notes:
            assert runs[k].find(f"{q('rPr')}/{q('rStyle')}").get(q("val")) == "FootnoteReference"
    notes = _part(clean_docx, "word/footnotes.xml")
    texts = {int(n.get(q("id"))): "".join(n.itertext()).strip() for n in notes.iter(q("footnote"))}
    # the & of a query string is escaped in the XML, printed as & in the note
    assert texts == {-1: "", 0: "", 1: "https://a.example/1?x=1&y=2", 2: "https://b.example/2", 3: "https://c.example/3",
                     4: "https://n.example/4", 5: "https://d.example/5"}
    separators = {int(n.get(q("id"))): n.get(q("type")) for n in notes.iter(q("footnote")) if n.get(q("type"))}
    assert separators == {-1: "separator", 0: "continuationSeparator"}
    assert notes.find(f".//{q('separator')}") is not None and notes.find(f".//{q('continuationSeparator')}") is not None
    settings = [etree.QName(c).localname for c in _part(clean_docx, "word/settings.xml")]
    assert settings.count("footnotePr") == 1 and settings.index("footnotePr") < settings.index("compat")
    for n in notes.iter(q("footnote")):
        if int(n.get(q("id"))) > 0:
            (text,) = [t.text for t in n.iter(q("t"))]
            assert text.startswith(" https://")  # the note reads "1 https://…", not "1https://…"
            assert n.find(f".//{q('footnoteRef')}") is not None
            assert n.find(f"{q('p')}/{q('pPr')}/{q('pStyle')}").get(q("val")) == "FootnoteText"


def test_word_commentary_label_is_bold_in_the_heading_font_and_not_indented(clean_docx: Path) -> None:
    doc = Document(str(clean_docx))
    labels = [p for p in doc.paragraphs if p.text == COMMENTARY_HEADING]
    assert len(labels) == 2  # one per item with a 短评: none for the news item and the deal
    for p in labels:
        assert p.paragraph_format.first_line_indent == 0
        assert all(r.bold for r in p.runs)
        fonts = p.runs[0]._r.find(f"{q('rPr')}/{q('rFonts')}")
        assert fonts.get(q("eastAsia")) == "黑体"
    # the 短评 itself is body text: not bold, indented as the Normal style says
    commentary = next(p for p in doc.paragraphs if p.text == "该计划目标明确。")
    assert not any(r.bold for r in commentary.runs) and commentary.paragraph_format.first_line_indent is None


def test_word_closing_block_after_a_page_break(clean_docx: Path) -> None:
    doc = Document(str(clean_docx))
    paras = doc.paragraphs
    at = [p.text for p in paras].index("特别声明")
    assert paras[at - 1]._p.xpath(".//w:br[@w:type='page']")  # the closing starts on its own page
    heading, para, center = paras[at], paras[at + 1], paras[at + 2]
    assert heading.alignment == WD_ALIGN_PARAGRAPH.CENTER and heading.runs[0].bold
    assert heading.runs[0].font.size == Pt(14) and heading.runs[0].font.color.rgb == ACCENT
    assert heading.paragraph_format.space_before == Pt(18)
    assert heading.runs[0]._r.find(f"{q('rPr')}/{q('rFonts')}").get(q("eastAsia")) == "黑体"
    assert para.alignment == WD_ALIGN_PARAGRAPH.CENTER and not para.runs[0].bold and para.runs[0].font.size is None
    assert center.alignment == WD_ALIGN_PARAGRAPH.CENTER and not center.runs[0].bold
    assert center.runs[0].font.size == Pt(12)
    assert center.runs[0]._r.find(f"{q('rPr')}/{q('rFonts')}").get(q("eastAsia")) == "黑体"
    # without a closing block, no empty last page
    doc = Document(str(export_docx(small_issue(closing=[]), clean_docx.with_name("noclose.docx"))))
    assert doc.paragraphs[-1].text == DEAL.body and not doc.paragraphs[-1]._p.xpath(".//w:br[@w:type='page']")


def test_word_house_styles_page_and_page_numbers(clean_docx: Path) -> None:
    doc = Document(str(clean_docx))
    normal = doc.styles["Normal"]
    assert normal.font.size == Pt(10.5)
    pf = normal.paragraph_format
    assert pf.line_spacing == 1.5 and pf.first_line_indent == Pt(21) and pf.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert pf.space_after == Pt(6)
    for name, size, before in (("Heading 1", 16, 18), ("Heading 2", 12, 12)):
        style = doc.styles[name]
        assert style.font.size == Pt(size) and style.font.bold and style.font.italic is False
        assert style.font.color.rgb == ACCENT
        assert (style.paragraph_format.space_before, style.paragraph_format.space_after) == (Pt(before), Pt(6))
        # a heading is not indented like body text, and is not left alone at the foot of a page
        assert style.paragraph_format.first_line_indent == 0
        assert style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.LEFT
        assert style.paragraph_format.keep_with_next
    title = doc.styles["Title"]
    assert title.font.size == Pt(26) and title.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.font.color.rgb == ACCENT and title.paragraph_format.first_line_indent == 0
    assert title.element.find(f"{q('pPr')}/{q('pBdr')}") is None  # no rule under the title
    section = doc.sections[0]
    assert section.orientation == WD_ORIENT.PORTRAIT
    assert [round(x.cm, 2) for x in (section.page_width, section.page_height)] == [21.0, 29.7]  # A4
    assert [round(x.cm, 2) for x in (section.left_margin, section.right_margin, section.top_margin,
                                     section.bottom_margin)] == [3.0, 3.0, 2.5, 2.5]
    footer = section.footer.paragraphs[0]
    assert footer.alignment == WD_ALIGN_PARAGRAPH.CENTER and footer.paragraph_format.first_line_indent == 0
    assert [f.get(q("instr")).strip() for f in footer._p.iter(q("fldSimple"))] == ["PAGE"]


def test_word_fonts_are_set_for_chinese_and_latin_and_in_schema_order(clean_docx: Path) -> None:
    styles = _part(clean_docx, "word/styles.xml")
    default = styles.find(f"{q('docDefaults')}/{q('rPrDefault')}/{q('rPr')}")
    fonts = default[0]
    assert fonts.tag == q("rFonts") and len(default.findall(q("rFonts"))) == 1
    assert (fonts.get(q("eastAsia")), fonts.get(q("ascii")), fonts.get(q("hAnsi"))) == (
        "宋体", "Times New Roman", "Times New Roman")
    for style_id, east_asia in (("Normal", "宋体"), ("Heading1", "黑体"), ("Heading2", "黑体"), ("Title", "黑体"),
                                ("TOCHeading", "黑体")):
        fonts = styles.find(f".//{q('style')}[@{q('styleId')}='{style_id}']/{q('rPr')}/{q('rFonts')}")
        assert fonts.get(q("eastAsia")) == east_asia, style_id
        assert fonts.get(q("ascii")) == fonts.get(q("hAnsi")) == fonts.get(q("cs")) == "Times New Roman", style_id
        assert not [a for a in fonts.attrib if a.endswith("Theme")], style_id  # a theme font would override them
    assert _schema_problems(styles) == []
    assert _schema_problems(_part(clean_docx, "word/document.xml")) == []
    # the styles the footnotes and the 目录 use are defined, once each: the note numbers are superscript
    defined = [s.get(q("styleId")) for s in styles.iter(q("style"))]
    for style_id in ("FootnoteText", "FootnoteReference", "TOC1", "TOC2"):
        assert defined.count(style_id) == 1, style_id
    ref = styles.find(f".//{q('style')}[@{q('styleId')}='FootnoteReference']/{q('rPr')}/{q('vertAlign')}")
    assert ref.get(q("val")) == "superscript"


def test_word_toc_lines_point_at_the_headings_and_carry_known_page_numbers(tmp_path: Path) -> None:
    issue = small_issue()
    pages = {f"{TOC_PREFIX}s0": 2, f"{TOC_PREFIX}0_0": 2, f"{TOC_PREFIX}0_1": 3, f"{TOC_PREFIX}s1": 3,
             f"{TOC_PREFIX}1_0": 3, f"{TOC_PREFIX}s2": 4, f"{TOC_PREFIX}2_0": 4}
    path = export_docx(issue, tmp_path / "paged.docx", toc_pages=pages)
    doc = Document(str(path))
    toc = [p for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2")]
    assert [p.text for p in toc] == ["政策速递\t2", f"{POLICY_A.title}\t2", f"{POLICY_B.title}\t3", "行业新闻\t3",
                                     f"{NEWS.title}\t3", "交易资讯\t4", f"{DEAL.title}\t4"]
    targets = []
    for p in toc:
        kinds = [f.get(q("fldCharType")) for f in p._p.iter(q("fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        (instr,) = [t.text for t in p._p.iter(q("instrText"))]
        targets.append(instr.split()[1])
        assert instr.split()[0] == "PAGEREF"
    assert targets == list(pages)
    # every target is a bookmark on the heading it names
    document = _part(path, "word/document.xml")
    marks = {b.get(q("name")): b.getparent() for b in document.iter(q("bookmarkStart"))}
    headings = {f"{TOC_PREFIX}s0": "政策速递", f"{TOC_PREFIX}0_1": POLICY_B.title, f"{TOC_PREFIX}2_0": DEAL.title}
    for name, text in headings.items():
        assert _text(marks[name], "accepted") == text
    # Word fills the numbers in when it opens the file; without known pages the field result is empty
    settings = _part(path, "word/settings.xml")
    assert settings.find(q("updateFields")).get(q("val")) == "true"
    plain = Document(str(export_docx(issue, tmp_path / "plain.docx")))
    assert [p.text for p in plain.paragraphs if p.style.name == "toc 1"] == ["政策速递\t", "行业新闻\t", "交易资讯\t"]
    assert _schema_problems(document) == []


def test_word_bookmarks_for_the_review_import_are_unique_and_keep_any_key(tmp_path: Path) -> None:
    issue = small_issue()
    keys = {POLICY_A.id: 'k"1&<a>', DEAL.id: "k2"}
    path = export_docx(issue, tmp_path / "anchored.docx", anchors=keys)
    document = _part(path, "word/document.xml")
    starts = list(document.iter(q("bookmarkStart")))
    ends = list(document.iter(q("bookmarkEnd")))
    assert sorted(b.get(q("id")) for b in starts) == sorted(b.get(q("id")) for b in ends)
    assert len({b.get(q("id")) for b in starts}) == len(starts)
    by_name = {b.get(q("name")): b for b in starts}
    for item, key in ((POLICY_A, 'k"1&<a>'), (DEAL, "k2")):
        mark = by_name[ANCHOR_PREFIX + key]
        p = mark.getparent()
        assert _style(p) == "Heading2" and _text(p, "accepted") == item.title
        # a point bookmark at the start of the title, right after the paragraph properties
        assert mark.getprevious().tag == q("pPr") or mark.getprevious().tag == q("bookmarkEnd")
        assert mark.getnext().tag == q("bookmarkEnd") and mark.getnext().get(q("id")) == mark.get(q("id"))
    assert not [n for n in by_name if n.startswith(ANCHOR_PREFIX) and n[len(ANCHOR_PREFIX):] not in keys.values()]
    # no revisions without bases: the editor's Word does not start tracking
    assert _part(path, "word/settings.xml").find(q("trackRevisions")) is None
    assert document.find(f".//{q('ins')}") is None and document.find(f".//{q('del')}") is None


def test_word_takes_text_with_characters_xml_forbids_and_markup(tmp_path: Path) -> None:
    item = Item(section="行业新闻", title="A&B <公司>\x0b 合并", body="第一段\x00。\n第二段 \"引号\" & <b>",
                commentary="短评\x1f。", sources=["https://x.example/?a=1&b=<2>\x01"])
    path = export_docx(assemble([item], period="2023年第10期"), tmp_path / "odd.docx")
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs]
    assert "A&B <公司> 合并" in texts and "第一段。" in texts and '第二段 "引号" & <b>' in texts and "短评。" in texts
    notes = _part(path, "word/footnotes.xml")
    assert "".join(notes.find(f"{q('footnote')}[@{q('id')}='1']").itertext()).strip() == "https://x.example/?a=1&b=<2>"


def test_xml_safe_strips_forbidden_characters_through_lists_and_dicts() -> None:
    assert xml_safe("a\x00b\x08c\x0bd\x0ce\x0ef\x1fg\ufffeh\uffffi") == "abcdefghi"
    assert xml_safe("tab\tnewline\ncr\r") == "tab\tnewline\ncr\r"
    assert xml_safe({"k": ["x\x01", {"y": "\x02z"}], "n": 3, "none": None}) == {"k": ["x", {"y": "z"}], "n": 3, "none": None}


# ---- Word: the editor's changes as tracked changes -----------------------------------------------------------------

DRAFT_A = TrackedBase(title="重庆印发元宇宙行动计划",
                      body="2023年9月22日，重庆市经信委发布行动计划。\n计划共二十条。\n行动计划提出多项重点任务。",
                      commentary="该计划目标明确。\n这也为企业提供了方向。", author="张三", date="2023-10-05T16:30:00+08:00")
# the editor deleted the draft's last paragraph: the footnote must move to the paragraph that remains
DRAFT_B = TrackedBase(title=POLICY_B.title, body=POLICY_B.body + "\n草稿多出的末段。", commentary="", author="李四",
                      date="2023-10-06T09:00:00Z")
# the news item has no body in either text (the final body is never empty in practice: see docx._item)
DRAFT_NEWS = TrackedBase(title=NEWS.title, body="", commentary="草稿里的短评。", author="王五")
DRAFT_DEAL = TrackedBase(title=DEAL.title, body=DEAL.body, commentary="", author="赵六")


def _draft_issue() -> AssembledIssue:
    """The issue as the machine drafted it: the bases' texts, the final items' sources and sections."""
    items = [Item(section=i.section, title=b.title, body=b.body, commentary=b.commentary or None, sources=i.sources,
                  date=i.date) for i, b in ((DEAL, DRAFT_DEAL), (NEWS, DRAFT_NEWS), (POLICY_A, DRAFT_A), (POLICY_B, DRAFT_B))]
    return assemble(items, period="2023年第10期", closing=CLOSING)


@pytest.fixture
def tracked(tmp_path: Path) -> Path:
    bases = {POLICY_A.id: DRAFT_A, POLICY_B.id: DRAFT_B, NEWS.id: DRAFT_NEWS, DEAL.id: DRAFT_DEAL}
    return export_docx(small_issue(), tmp_path / "tracked.docx", bases=bases)


def test_accepting_every_change_gives_the_clean_export_and_rejecting_gives_the_draft(tracked: Path, tmp_path: Path) -> None:
    clean = _view(export_docx(small_issue(), tmp_path / "clean.docx"), "accepted")
    draft = _view(export_docx(_draft_issue(), tmp_path / "draft.docx"), "accepted")
    assert _after_toc(_view(tracked, "accepted")) == _after_toc(clean)
    assert _after_toc(_view(tracked, "original")) == _after_toc(draft)
    # the 目录 lists the final titles
    toc = [t.split("\t")[0] for s, t in _view(tracked, "accepted") if s == "TOC2"]
    assert toc == [POLICY_A.title, POLICY_B.title, NEWS.title, DEAL.title]
    # Word starts tracking the partner's own edits too
    settings = _part(tracked, "word/settings.xml")
    assert len(settings.findall(q("trackRevisions"))) == 1
    assert _schema_problems(_part(tracked, "word/document.xml")) == []


def test_tracked_changes_carry_the_editor_the_date_in_utc_and_unique_ids(tracked: Path) -> None:
    document = _part(tracked, "word/document.xml")
    revisions = [el for el in document.iter(q("ins"), q("del"))]
    assert revisions
    ids = [el.get(q("id")) for el in revisions] + [b.get(q("id")) for b in document.iter(q("bookmarkStart"))]
    assert len(ids) == len(set(ids))
    by_author: dict[str, set[str]] = {}
    for el in revisions:
        by_author.setdefault(el.get(q("author")), set()).add(el.get(q("date")))
    assert set(by_author) == {"张三", "李四", "王五"}  # the deal was not edited: no revision of 赵六
    assert by_author["张三"] == {"2023-10-05T08:30:00Z"} and by_author["李四"] == {"2023-10-06T09:00:00Z"}
    (now,) = by_author["王五"]  # no date known: now
    assert abs(datetime.strptime(now, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(minutes=5)
    # deleted text is delText, kept with its spaces
    for el in document.iter(q("delText")):
        assert el.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
        assert any(a.tag == q("del") for a in el.iterancestors())


def test_tracked_title_paragraphs_and_commentary_label(tracked: Path) -> None:
    paras = _body_paragraphs(tracked)
    titles = [p for p in paras if _style(p) == "Heading2"]
    assert [(_text(p, "original"), _text(p, "accepted")) for p in titles] == [
        (DRAFT_A.title, POLICY_A.title), (POLICY_B.title, POLICY_B.title), (NEWS.title, NEWS.title), (DEAL.title, DEAL.title)]
    assert titles[0].find(f".//{q('ins')}") is not None and titles[0].find(f".//{q('del')}") is not None
    assert titles[1].find(f".//{q('ins')}") is None
    # a paragraph the editor added is marked inserted, one removed marked deleted, mark and text
    marks = {_text(p, "original") or _text(p, "accepted"): _mark(p) for p in paras}
    assert marks["计划共二十条。"] == marks["草稿多出的末段。"] == "del" and marks["行动计划提出多项重点任务。"] is None
    labels = [(p, _mark(p)) for p in paras if COMMENTARY_HEADING in (_text(p, "accepted"), _text(p, "original"))]
    # A: both texts have a 短评 (label unmarked); B: the editor added one (label inserted); news: removed (deleted)
    assert [m for _, m in labels] == [None, "ins", "del"]
    assert _text(labels[1][0], "original") == "" and _text(labels[2][0], "accepted") == ""
    for p, _ in labels:  # the label looks the same as in a clean export: bold, in the heading font
        (run,) = p.iter(q("r"))
        assert run.find(f"{q('rPr')}/{q('b')}") is not None
        assert run.find(f"{q('rPr')}/{q('rFonts')}").get(q("eastAsia")) == "黑体"
    # footnotes stay on the last paragraph that remains after accepting
    refs = [(_text(p, "accepted"), [int(r.get(q("id"))) for r in p.iter(q("footnoteReference"))])
            for p in paras if p.find(f".//{q('footnoteReference')}") is not None]
    assert refs == [("行动计划提出多项重点任务。", [1, 2]), (POLICY_B.body, [3]), ("", [4]), (DEAL.body, [5])]


def test_export_record_round_trips_through_the_word_file(tmp_path: Path) -> None:
    basis = {"key-1": ExportBasis(version=3, title="标题 & <一>", body="正文\n第二段 \"x\"", commentary="短评",
                                  sources=["https://a.example/?q=1&r=2", "https://b.example/"]),
             "key-2": ExportBasis(version=12, title="只有标题")}
    path = export_docx(small_issue(), tmp_path / "record.docx", basis=basis)
    assert read_basis(path) == basis
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        types = z.read("[Content_Types].xml").decode()
        rels = z.read("word/_rels/document.xml.rels").decode()
        record = _record_name(path)
        props = [n for n in names if n.startswith("customXml/itemProps") and NS.encode() in z.read(n)]
        item_rels = z.read(record.replace("customXml/", "customXml/_rels/") + ".rels").decode()
        props_xml = z.read(props[0]).decode()
    assert record.endswith(".xml") and len(props) == 1
    assert "relationships/customXml\"" in rels and "customXmlProps" in item_rels
    assert NS in props_xml and "customXmlProperties+xml" in types
    root = _part(path, record)
    assert root.tag == f"{{{NS}}}export" and [i.get("version") for i in root] == ["3", "12"]
    # characters XML forbids are dropped on the way in, the rest kept
    odd = {"k": ExportBasis(version=1, body="a\x0bb", sources=["u\x01"])}
    assert read_basis(export_docx(small_issue(), tmp_path / "odd.docx", basis=odd)) == {
        "k": ExportBasis(version=1, body="ab", sources=["u"])}
    # an export without a record, a file that is not a Word file, a missing file: no record
    assert read_basis(export_docx(small_issue(), tmp_path / "none.docx")) is None
    (tmp_path / "text.docx").write_text("not a zip", encoding="utf-8")
    assert read_basis(tmp_path / "text.docx") is None
    assert read_basis(tmp_path / "missing.docx") is None


def _rewrite(path: Path, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> None:
    with zipfile.ZipFile(path) as z:
        entries = [(n, replace.get(n, z.read(n))) for n in z.namelist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries + list((add or {}).items()):
            z.writestr(name, data)


def _record_name(path: Path) -> str:
    """Our record among the customXml parts (Word's template brings one of its own)."""
    with zipfile.ZipFile(path) as z:
        return next(n for n in z.namelist() if n.startswith("customXml/item") and NS.encode() in z.read(n)
                    and b"datastoreItem" not in z.read(n))


def test_export_record_versions_that_are_not_plain_digits_read_as_unknown(tmp_path: Path) -> None:
    basis = {k: ExportBasis(version=1, title=k) for k in ("a", "b", "c", "d", "e")}
    path = export_docx(small_issue(), tmp_path / "v.docx", basis=basis)
    name = _record_name(path)
    root = _part(path, name)
    for item, version in zip(root, ["²", " 7 ", "-2", "", "x1"], strict=True):
        item.set("version", version)
    del root[4].attrib["version"]
    _rewrite(path, {name: etree.tostring(root)})
    assert {k: b.version for k, b in (read_basis(path) or {}).items()} == {"a": 0, "b": 7, "c": 0, "d": 0, "e": 0}


def test_export_record_found_beside_unreadable_parts_and_a_broken_one_is_no_record(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    basis = {"k": ExportBasis(version=2, title="t")}
    path = export_docx(small_issue(), tmp_path / "r.docx", basis=basis)
    # another tool's part, encrypted (flag bit 0 in the central directory): skipped with a warning naming it
    _rewrite(path, {}, add={"customXml/item9.xml": b"<other/>"})
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")  # the central directory's entries
    while at >= 0:
        (name_len,) = struct.unpack("<H", data[at + 28:at + 30])
        if data[at + 46:at + 46 + name_len] == b"customXml/item9.xml":
            data[at + 8] |= 1  # general purpose flag bit 0: encrypted
            break
        at = data.find(b"PK\x01\x02", at + 46)
    assert at >= 0
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="drafting.export.basis"):
        assert read_basis(path) == basis
    assert "customXml/item9.xml" in caplog.text
    # our record, but not readable XML: no record, and a warning
    broken = export_docx(small_issue(), tmp_path / "b.docx", basis=basis)
    _rewrite(broken, {_record_name(broken): f'<dz:export xmlns:dz="{NS}"><dz:item key="k"'.encode()})
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="drafting.export.basis"):
        assert read_basis(broken) is None
    assert str(broken) in caplog.text  # the operator learns which file
    # a part naming our namespace whose root is something else is not the record
    other = export_docx(small_issue(), tmp_path / "o.docx", basis=basis)
    _rewrite(other, {_record_name(other): f'<x xmlns:dz="{NS}"><dz:item key="k" version="1"/></x>'.encode()})
    assert read_basis(other) is None


# ---- revisions, unit by unit ---------------------------------------------------------------------------------------


def _p(*runs: tuple[str, bool] | etree._Element, ppr: bool = False) -> etree._Element:
    p = etree.Element(q("p"), nsmap={"w": W_NS})
    if ppr:
        etree.SubElement(etree.SubElement(p, q("pPr")), q("pStyle")).set(q("val"), "Heading2")
    for run in runs:
        if isinstance(run, tuple):
            text, bold = run
            r = etree.SubElement(p, q("r"))
            if bold:
                etree.SubElement(etree.SubElement(r, q("rPr")), q("b"))
            t = etree.SubElement(r, q("t"))
            t.text = text
        else:
            p.append(run)
    return p


def _footnote_run(n: int) -> etree._Element:
    r = etree.Element(q("r"))
    etree.SubElement(r, q("footnoteReference")).set(q("id"), str(n))
    return r


REV = Revision(author="编辑", date="2023-10-05T08:30:00Z")


def test_track_paragraph_shows_the_edit_keeps_formatting_and_footnotes() -> None:
    p = _p(("2023年9月", True), ("，工信部发布通知，要求加快标准建设。", False), _footnote_run(7), ppr=True)
    after = "2023年9月，工业和信息化部发布通知，要求加快标准建设。"
    made = track_paragraph(p, after, REV, RevisionIds(p))
    assert made == 2  # one deletion, one insertion
    assert _text(p, "accepted") == after
    assert _text(p, "original") == "2023年9月，工信部发布通知，要求加快标准建设。"
    assert p[0].tag == q("pPr") and _style(p) == "Heading2"
    assert p[-1].find(q("footnoteReference")).get(q("id")) == "7"  # still the last run
    bold = [r for r in p.iter(q("r")) if r.find(f"{q('rPr')}/{q('b')}") is not None]
    assert "".join(t.text for r in bold for t in r.iter(q("t"))) == "2023年9月"
    for el in p.iter(q("ins"), q("del")):
        assert (el.get(q("author")), el.get(q("date"))) == ("编辑", "2023-10-05T08:30:00Z")
    ids = [int(el.get(q("id"))) for el in p.iter(q("ins"), q("del"))]
    assert len(ids) == len(set(ids))
    for el in p.iter(q("t"), q("delText")):
        assert el.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"


def test_track_paragraph_counts_every_revision_and_leaves_an_unchanged_paragraph_alone() -> None:
    before = "第一句话没有变。第二句写错了词。第三句也没有变。第四句少了一个字。"
    after = "第一句话没有变。第二句写对了词语。第三句也没有变。第四句少了一个字啊。"
    p = _p((before, False))
    made = track_paragraph(p, after, REV, RevisionIds(p))
    assert _text(p, "accepted") == after and _text(p, "original") == before
    assert made == len(list(p.iter(q("ins"), q("del")))) >= 3
    same = _p((before, False))
    copy = etree.tostring(same)
    assert track_paragraph(same, before, REV, RevisionIds(same)) == 0 and etree.tostring(same) == copy
    # a pure insertion at the end and a pure deletion at the start
    p = _p(("开头多余。正文。", False))
    track_paragraph(p, "正文。补充一句。", REV, RevisionIds(p))
    assert _text(p, "accepted") == "正文。补充一句。" and _text(p, "original") == "开头多余。正文。"


def test_track_paragraph_keeps_a_bookmark_inside_a_deleted_span() -> None:
    mark = etree.Element(q("bookmarkStart"))
    mark.set(q("id"), "40")
    mark.set(q("name"), "x")
    p = _p(("要删除的前半句，", False), mark, ("和后半句。保留的句子。", False))
    ids = RevisionIds(p)
    track_paragraph(p, "保留的句子。", REV, ids)
    assert _text(p, "accepted") == "保留的句子。" and _text(p, "original") == "要删除的前半句，和后半句。保留的句子。"
    assert p.find(q("bookmarkStart")) is not None and p.find(q("bookmarkStart")).getparent() is p
    # the deletion is split around it, each part a revision of its own with a fresh id
    dels = p.findall(q("del"))
    assert len(dels) == 2 and len({d.get(q("id")) for d in dels}) == 2
    assert all(int(d.get(q("id"))) > 40 for d in dels)


@pytest.mark.parametrize("kind", ["ins", "del", "moveFrom", "moveTo"])
def test_track_paragraph_refuses_a_paragraph_that_already_has_revisions(kind: str) -> None:
    revision = etree.Element(q(kind))
    revision.append(_p(("已修订", False))[0])
    p = _p(("原文", False), revision)
    with pytest.raises(ValueError, match="tracked changes"):
        track_paragraph(p, "新文", REV, RevisionIds(p))


def test_revision_ids_start_above_every_id_present() -> None:
    a = etree.fromstring(f'<w:a xmlns:w="{W_NS}"><w:b w:id="-1"/><w:b w:id="12"/><w:b w:id="x"/></w:a>')
    b = etree.fromstring(f'<w:a xmlns:w="{W_NS}"><w:c w:id="30"/></w:a>')
    ids = RevisionIds(a, b)
    assert [ids.next(), ids.next(), ids.next()] == [31, 32, 33]
    assert RevisionIds(a).next() == 13
    assert RevisionIds(etree.fromstring(f'<w:a xmlns:w="{W_NS}"/>')).next() == 1


def test_revision_dates_as_word_writes_them() -> None:
    assert Revision.word_date("2023-10-05T16:30:00+08:00") == "2023-10-05T08:30:00Z"
    assert Revision.word_date("2023-10-05T16:30:00") == "2023-10-05T16:30:00Z"  # no zone: taken as UTC
    assert Revision.word_date("2023-10-05T16:30:00.123456Z") == "2023-10-05T16:30:00Z"
    assert Revision.word_date("2023-10-05") == "2023-10-05T00:00:00Z"
    for missing in (None, "", "昨天"):
        now = datetime.strptime(Revision.word_date(missing), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        assert abs(now - datetime.now(UTC)) < timedelta(minutes=5)
    default = datetime.strptime(Revision(author="x").date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(default - datetime.now(UTC)) < timedelta(minutes=5)


def test_revision_date_now_is_utc_on_a_machine_in_beijing_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The firm's machines run on UTC+8: a missing date must not come out eight hours in the future."""
    monkeypatch.setenv("TZ", "CST-8")  # POSIX form: no tz database needed
    time.tzset()
    try:
        now = datetime.strptime(Revision.word_date(None), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=5)


def test_mark_paragraph_marks_the_text_and_the_paragraph_mark() -> None:
    ids = RevisionIds()
    p = _p(("整段新增，", False), ("加粗。", True), _footnote_run(3))
    mark_paragraph(p, "ins", REV, ids)
    assert _mark(p) == "ins" and p[0].tag == q("pPr")
    assert _text(p, "accepted") == "整段新增，加粗。" and _text(p, "original") == ""
    wrapped = p.findall(q("ins"))
    assert len(wrapped) == 2 and all(len(w) == 1 and w[0].tag == q("r") for w in wrapped)
    assert p[-1].find(q("footnoteReference")) is not None  # a run without text is not wrapped
    all_ids = [el.get(q("id")) for el in p.iter(q("ins"))]
    assert len(all_ids) == 3 == len(set(all_ids))

    d = _p((" 整段删除 ", False), ppr=True)
    mark_paragraph(d, "del", REV, RevisionIds(d))
    assert _mark(d) == "del" and len(d.findall(q("pPr"))) == 1 and _style(d) == "Heading2"
    assert _text(d, "accepted") == "" and _text(d, "original") == " 整段删除 "
    (t,) = d.iter(q("delText"))
    assert t.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve" and not list(d.iter(q("t")))


def test_mark_paragraph_puts_the_revision_first_in_the_mark_and_before_section_properties() -> None:
    p = etree.fromstring(
        f'<w:p xmlns:w="{W_NS}"><w:pPr><w:pStyle w:val="Normal"/><w:rPr><w:b/></w:rPr></w:pPr><w:r><w:t>a</w:t></w:r></w:p>')
    mark_paragraph(p, "del", REV, RevisionIds(p))
    assert [etree.QName(c).localname for c in p.find(f"{q('pPr')}/{q('rPr')}")] == ["del", "b"]
    s = etree.fromstring(
        f'<w:p xmlns:w="{W_NS}"><w:pPr><w:pStyle w:val="Normal"/><w:sectPr/></w:pPr><w:r><w:t>a</w:t></w:r></w:p>')
    mark_paragraph(s, "ins", REV, RevisionIds(s))
    assert [etree.QName(c).localname for c in s.find(q("pPr"))] == ["pStyle", "rPr", "sectPr"]
    c = etree.fromstring(
        f'<w:p xmlns:w="{W_NS}"><w:pPr><w:pStyle w:val="Normal"/><w:pPrChange/></w:pPr><w:r><w:t>a</w:t></w:r></w:p>')
    mark_paragraph(c, "ins", REV, RevisionIds(c))
    assert [etree.QName(x).localname for x in c.find(q("pPr"))] == ["pStyle", "rPr", "pPrChange"]


def test_align_paragraphs_pairs_edits_and_lists_insertions_and_deletions_in_order() -> None:
    assert align_paragraphs(["a", "b", "c"], ["a", "b2", "c"]) == [("equal", "a", "a"), ("edit", "b", "b2"),
                                                                   ("equal", "c", "c")]
    assert align_paragraphs(["a", "b"], ["a", "x", "y", "b"]) == [("equal", "a", "a"), ("insert", "", "x"),
                                                                  ("insert", "", "y"), ("equal", "b", "b")]
    assert align_paragraphs(["a", "x", "y", "b"], ["a", "b"]) == [("equal", "a", "a"), ("delete", "x", ""),
                                                                  ("delete", "y", ""), ("equal", "b", "b")]
    assert align_paragraphs(["x", "y", "z"], ["p"]) == [("edit", "x", "p"), ("delete", "y", ""), ("delete", "z", "")]
    assert align_paragraphs(["x"], ["p", "q"]) == [("edit", "x", "p"), ("insert", "", "q")]
    assert align_paragraphs([], []) == []


def test_turn_on_tracking_once_in_schema_order(tmp_path: Path) -> None:
    doc = Document(str(export_docx(small_issue(), tmp_path / "t.docx")))
    settings = doc.settings.element
    turn_on_tracking(settings)
    turn_on_tracking(settings)
    names = [etree.QName(c).localname for c in settings]
    assert names.count("trackRevisions") == 1
    assert names.index("trackRevisions") < names.index("defaultTabStop")


# ---- 公众号 HTML ---------------------------------------------------------------------------------------------------


def test_wechat_html_has_only_inline_styles_and_the_issue_in_order(tmp_path: Path) -> None:
    html = render_wechat(small_issue())
    assert "<style" not in html and "class=" not in html and "<script" not in html and "<link" not in html
    tree = etree.HTML(html)
    paragraphs = tree.findall(".//p")
    assert paragraphs and all("margin" in (p.get("style") or "") for p in paragraphs)
    texts = ["".join(p.itertext()) for p in paragraphs]
    assert texts[:3] == ["元宇宙/Web3 月刊", "2023年第10期", FIRM]
    assert texts[3:12] == ["目录", "政策速递", POLICY_A.title, POLICY_B.title, "行业新闻", NEWS.title, "交易资讯",
                           DEAL.title, "政策速递"]
    assert texts[12:19] == [POLICY_A.title, "2023年9月22日，重庆市经信委印发行动计划。", "行动计划提出多项重点任务。[1][2]",
                            "植德短评", "该计划目标明确。", "这也为企业提供了指引。", POLICY_B.title]
    assert texts.count("植德短评") == 2
    notes_at = texts.index("注释")
    assert texts[notes_at + 1:notes_at + 6] == ["[1] https://a.example/1?x=1&y=2", "[2] https://b.example/2",
                                                "[3] https://c.example/3", "[4] https://n.example/4", "[5] https://d.example/5"]
    assert texts[notes_at + 6:] == ["特别声明", "本刊内容仅供参考。", "前行之路 植德守护"]
    styles = [p.get("style") for p in paragraphs[notes_at + 6:]]
    assert "text-align: center" in styles[0] and "font-weight: bold" in styles[0]
    assert "text-align: justify" in styles[1] and "text-align: center" in styles[2]
    ref = tree.find(".//span")
    assert "vertical-align: super" in ref.get("style")
    # the 短评 sits in its own shaded box
    box = [s for s in tree.iter("section") if "background-color" in (s.get("style") or "")]
    assert len(box) == 2 and "".join(box[0].itertext()).split() == ["植德短评", "该计划目标明确。", "这也为企业提供了指引。"]
    path = export_wechat(small_issue(), tmp_path / "issue.html")
    assert path == tmp_path / "issue.html" and path.read_text(encoding="utf-8") == html


def test_wechat_html_escapes_text_and_leaves_out_what_is_missing() -> None:
    item = Item(section="行业新闻", title="A&B <script>alert(1)</script>", body="正文 <b>不加粗</b> & 符号",
                sources=[])
    html = render_wechat(assemble([item], period=""))
    assert "<script>" not in html and "<b>" not in html
    assert "A&amp;B &lt;script&gt;" in html and "正文 &lt;b&gt;不加粗&lt;/b&gt; &amp; 符号" in html
    texts = ["".join(p.itertext()) for p in etree.HTML(html).findall(".//p")]
    assert "注释" not in texts and "植德短评" not in texts  # no sources, no 短评
    assert texts[:2] == ["元宇宙/Web3 月刊", FIRM]  # no period line


# ---- PDF: page numbers for the 目录, errors, the publishing bundle -----------------------------------------------


def _cjk_pdf(path: Path, pages: list[list[str]]) -> Path:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    try:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    except Exception as exc:  # noqa: BLE001 - reportlab raises plain errors for a font it cannot find
        missing_tool(f"reportlab's CID font STSong-Light (reportlab from the dev extras): {exc}")
    c = canvas.Canvas(str(path))
    for lines in pages:
        c.setFont("STSong-Light", 12)
        for k, line in enumerate(lines):
            c.drawString(72, 760 - 20 * k, line)
        c.showPage()
    c.save()
    return path


def test_heading_pages_finds_each_heading_after_the_toc(tmp_path: Path) -> None:
    issue = small_issue()
    toc = ["目录", "政策速递", POLICY_A.title, POLICY_B.title, "行业新闻", NEWS.title, "交易资讯", DEAL.title]
    pdf = _cjk_pdf(tmp_path / "issue.pdf", [
        ["元宇宙/Web3 月刊", *toc],
        # a long title wrapped over two lines, a full-width colon printed as a half-width one
        ["政策速递", "重庆发布元宇宙产业", "发展行动计划", "正文。"],
        ["正文续。", POLICY_B.title, "行业新闻", NEWS.title],
        ["交易资讯", DEAL.title, "植德短评:"],
    ])
    with pdfplumber.open(pdf) as doc:
        if "政策速递" not in (doc.pages[1].extract_text() or ""):
            missing_tool("a readable CJK text layer from reportlab's STSong-Light (fonts-noto-cjk, reportlab, pdfplumber)")
    assert heading_pages(pdf, issue) == {
        f"{TOC_PREFIX}s0": 2, f"{TOC_PREFIX}0_0": 2, f"{TOC_PREFIX}0_1": 3, f"{TOC_PREFIX}s1": 3,
        f"{TOC_PREFIX}1_0": 3, f"{TOC_PREFIX}s2": 4, f"{TOC_PREFIX}2_0": 4}
    # a heading not printed is left out, and the search goes on from the last one found
    missing = assemble([POLICY_A, DEAL], period="2023年第10期")
    short = _cjk_pdf(tmp_path / "short.pdf", [["目录", "政策速递", "交易资讯"], ["政策速递", "交易资讯", DEAL.title]])
    assert heading_pages(short, missing) == {f"{TOC_PREFIX}s0": 2, f"{TOC_PREFIX}s1": 2, f"{TOC_PREFIX}1_0": 2}


def test_squash_compares_text_as_printed() -> None:
    assert _squash(" 植德短评：\n 第 一 段 ") == "植德短评:第一段"
    assert _squash("Ｗｅｂ３　元宇宙（一）") == "Web3元宇宙(一)"


def test_pdf_without_libreoffice_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on this PATH: LibreOffice is not installed here
    with pytest.raises(ExportError) as raised:
        docx_to_pdf(tmp_path / "issue.docx", tmp_path)
    assert "libreoffice-writer" in str(raised.value) and "另存为 PDF" in str(raised.value)


def test_publishing_writes_each_format_asked_for(tmp_path: Path) -> None:
    issue = small_issue()
    assert export_publishable(issue) == {}
    written = export_publishable(issue, docx=tmp_path / "期刊.docx", md=tmp_path / "期刊.md", wechat=tmp_path / "期刊.html",
                                 docx_options={"anchors": {DEAL.id: "k-deal"}})
    assert written == {"docx": str(tmp_path / "期刊.docx"), "md": str(tmp_path / "期刊.md"),
                       "wechat": str(tmp_path / "期刊.html")}
    assert (tmp_path / "期刊.md").read_text(encoding="utf-8") == render_markdown(issue)
    assert (tmp_path / "期刊.html").read_text(encoding="utf-8") == render_wechat(issue)
    names = [b.get(q("name")) for b in _part(tmp_path / "期刊.docx", "word/document.xml").iter(q("bookmarkStart"))]
    assert ANCHOR_PREFIX + "k-deal" in names
    only_md = export_publishable(issue, md=tmp_path / "only.md")
    assert only_md == {"md": str(tmp_path / "only.md")} and not (tmp_path / "only.docx").exists()


def test_build_docx_is_not_changed_by_exporting(tmp_path: Path) -> None:
    issue = small_issue()
    before = issue.model_dump()
    build_docx(issue, bases={POLICY_A.id: DRAFT_A}, anchors={POLICY_A.id: "k"}, basis={"k": ExportBasis(version=1)})
    assert issue.model_dump() == before


def test_track_paragraph_formatting_of_inserted_and_deleted_text() -> None:
    def tracked(after: str, *runs: tuple[str, bool] | etree._Element) -> etree._Element:
        p = _p(*runs)
        track_paragraph(p, after, REV, RevisionIds(p))
        return p

    def bold(el: etree._Element) -> bool:
        return el.find(f".//{q('rPr')}/{q('b')}") is not None

    # inserted text takes the formatting of the character before it
    p = tracked("重要的通知", ("重要", True), ("通知", False))
    (ins,) = p.findall(q("ins"))
    assert _text(ins, "accepted") == "的" and bold(ins)
    # ... or of the one after it, at the very start; the paragraph's properties stay first (the schema's order)
    p = _p(("重要", True), ("通知", False), ppr=True)
    track_paragraph(p, "紧急重要通知", REV, RevisionIds(p))
    (ins,) = p.findall(q("ins"))
    assert _text(ins, "accepted") == "紧急" and bold(ins)
    assert [etree.QName(c).localname for c in p][:2] == ["pPr", "ins"] and len(p.findall(q("pPr"))) == 1
    # deleted text keeps its own formatting
    p = tracked("通知", ("重要", True), ("通知", False))
    (deleted,) = p.findall(q("del"))
    assert _text(deleted, "original") == "重要" and bold(deleted)
    assert not bold(p.findall(q("r"))[-1])
    # an empty paragraph gets plain inserted text
    p = tracked("新文字")
    (ins,) = p.findall(q("ins"))
    assert _text(p, "accepted") == "新文字" and not bold(ins)
    # a tab inside a run stays where it was
    r = etree.Element(q("r"))
    etree.SubElement(r, q("t")).text = "前"
    etree.SubElement(r, q("tab"))
    etree.SubElement(r, q("t")).text = "后面的话。"
    p = tracked("前后面的话，补充。", r)
    assert _text(p, "accepted") == "前后面的话，补充。"
    order = [etree.QName(el).localname for el in p.iter(q("t"), q("tab"), q("delText"))]
    assert order[:2] == ["t", "tab"]


def test_export_record_does_not_expand_entities_of_a_hostile_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容", encoding="utf-8")
    path = export_docx(small_issue(), tmp_path / "x.docx", basis={"k": ExportBasis(version=1)})
    record = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "{secret.as_uri()}">]>'
              f'<dz:export xmlns:dz="{NS}"><dz:item version="4"><dz:title>&e;</dz:title></dz:item></dz:export>')
    _rewrite(path, {_record_name(path): record.encode()})
    read = read_basis(path)
    assert read is not None and "机密内容" not in read[""].title
    assert read[""].version == 4  # an item without a key is read under ""

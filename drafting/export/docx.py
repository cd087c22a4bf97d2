"""Word export in house layout, with real Word footnotes and Chinese fonts.

python-docx has no footnote API, so the footnotes part (word/footnotes.xml, with Word's separator
footnotes -1/0) is added through its OPC layer and each source becomes a ``w:footnoteReference`` run.
The layout is the contract the issue parser reads back: Heading 1 = section, Heading 2 = item title,
body paragraphs (the last ending with its footnote references), a "植德短评：" paragraph, the 短评.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph

from drafting.export.assemble import COMMENTARY_HEADING, TOC_HEADING, AssembledIssue, AssembledItem, split_paragraphs
from drafting.export.basis import ExportBasis, add_basis
from drafting.export.revisions import (
    Revision,
    RevisionIds,
    TrackedBase,
    align_paragraphs,
    mark_paragraph,
    track_paragraph,
    turn_on_tracking,
)
from drafting.fileio import atomic_write

logger = logging.getLogger(__name__)

BODY_FONT = "宋体"  # SimSun: the firm's body font
HEADING_FONT = "黑体"  # SimHei: headings
LATIN_FONT = "Times New Roman"
ACCENT = RGBColor(0x1F, 0x4E, 0x3D)  # dark green of the firm's headings
FIRM = "北京植德律师事务所"
TOC_PREFIX = "_Toc_dz_"  # bookmarks the 目录's page numbers point at: s<section>, <section>_<item>

_W = nsdecls("w")
_EXTRA_STYLES = [
    # Word's built-in footnote styles (names as Word spells them, so Word maps them to its own).
    (
        f'<w:style {_W} w:type="paragraph" w:styleId="FootnoteText"><w:name w:val="footnote text"/>'
        '<w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/>'
        '<w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/><w:ind w:firstLine="0"/>'
        '<w:jc w:val="left"/></w:pPr><w:rPr><w:sz w:val="16"/><w:szCs w:val="16"/></w:rPr></w:style>'
    ),
    (
        f'<w:style {_W} w:type="character" w:styleId="FootnoteReference"><w:name w:val="footnote reference"/>'
        '<w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:rPr><w:vertAlign w:val="superscript"/></w:rPr></w:style>'
    ),
    (
        f'<w:style {_W} w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/><w:basedOn w:val="Normal"/>'
        '<w:next w:val="Normal"/><w:uiPriority w:val="39"/><w:pPr><w:spacing w:before="120" w:after="60"/>'
        '<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="8500"/></w:tabs>'
        '<w:ind w:firstLine="0"/></w:pPr><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" '
        'w:eastAsia="黑体"/><w:b/><w:color w:val="1F4E3D"/><w:sz w:val="24"/></w:rPr></w:style>'
    ),
    (
        f'<w:style {_W} w:type="paragraph" w:styleId="TOC2"><w:name w:val="toc 2"/><w:basedOn w:val="Normal"/>'
        '<w:next w:val="Normal"/><w:uiPriority w:val="39"/><w:pPr>'
        '<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="8500"/></w:tabs><w:spacing w:before="0" w:after="40"/>'
        '<w:ind w:left="420" w:firstLine="0"/><w:jc w:val="left"/></w:pPr></w:style>'
    ),
]


def _set_fonts(rpr_parent: object, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Set w:rFonts explicitly (eastAsia included) and drop theme fonts, which would override them."""
    rpr = rpr_parent.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _setup_styles(doc: DocxDocument) -> None:
    styles = doc.styles
    # Document defaults: every run without its own fonts falls back to 宋体 / Times New Roman.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is not None and rpr_default.find(qn("w:rPr")) is not None:
            rpr = rpr_default.find(qn("w:rPr"))
            fonts = rpr.find(qn("w:rFonts"))
            if fonts is not None:
                rpr.remove(fonts)
            rpr.insert(0, parse_xml(
                f'<w:rFonts {_W} w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:cs="{LATIN_FONT}" w:eastAsia="{BODY_FONT}"/>'
            ))
    normal = styles["Normal"]
    _set_fonts(normal.element, BODY_FONT)
    normal.font.size = Pt(10.5)
    pf = normal.paragraph_format
    pf.line_spacing = 1.5
    pf.space_after = Pt(6)
    pf.first_line_indent = Pt(21)  # two characters, as in the firm's issues
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    for name, size, before in (("Heading 1", 16, 18), ("Heading 2", 12, 12)):
        style = styles[name]
        _set_fonts(style.element, HEADING_FONT)
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = ACCENT
        style.paragraph_format.first_line_indent = Pt(0)
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        style.paragraph_format.keep_with_next = True
    title = styles["Title"]
    _set_fonts(title.element, HEADING_FONT)
    title.font.size = Pt(26)
    title.font.color.rgb = ACCENT
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.first_line_indent = Pt(0)
    ppr = title.element.find(qn("w:pPr"))
    if ppr is not None and ppr.find(qn("w:pBdr")) is not None:
        ppr.remove(ppr.find(qn("w:pBdr")))  # the default template underlines the title
    existing = {s.style_id for s in styles}
    for xml in _EXTRA_STYLES:
        element = parse_xml(xml)
        if element.get(qn("w:styleId")) not in existing:
            styles.element.append(element)


def _page_setup(doc: DocxDocument) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
    section.left_margin = section.right_margin = Cm(3.0)
    section.top_margin = section.bottom_margin = Cm(2.5)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.paragraph_format.first_line_indent = Pt(0)
    footer._p.append(parse_xml(f'<w:fldSimple {_W} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'))


def _add_footnotes_part(doc: DocxDocument) -> XmlPart:
    """Create word/footnotes.xml with the separator footnotes and register it in settings."""
    xml = (
        f'<w:footnotes {_W}>'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
        'w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
        'w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
        '</w:footnotes>'
    )
    part = XmlPart(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, parse_xml(xml), doc.part.package)
    doc.part.relate_to(part, RT.FOOTNOTES)
    # Word writes <w:footnotePr> naming the separators; CT_Settings puts it right before <w:compat>.
    settings = doc.settings.element
    if settings.find(qn("w:footnotePr")) is None:
        pr = parse_xml(f'<w:footnotePr {_W}><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>')
        compat = settings.find(qn("w:compat"))
        if compat is not None:
            compat.addprevious(pr)
        else:
            settings.append(pr)
    return part


def _add_footnote(part: XmlPart, paragraph: Paragraph, n: int, text: str) -> None:
    """Append a footnote reference run to the paragraph and footnote n to the footnotes part."""
    paragraph._p.append(parse_xml(
        f'<w:r {_W}><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="{n}"/></w:r>'
    ))
    part.element.append(parse_xml(
        f'<w:footnote {_W} w:id="{n}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
        '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
        f'<w:r><w:t xml:space="preserve"> {escape(text)}</w:t></w:r></w:p></w:footnote>'
    ))


def _plain(doc: DocxDocument, text: str, *, size: float | None = None, bold: bool = False,
           center: bool = False, font: str | None = None, indent: bool = False) -> Paragraph:
    p = doc.add_paragraph()
    if not indent:
        p.paragraph_format.first_line_indent = Pt(0)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = bold or None
    if size:
        run.font.size = Pt(size)
    if font:
        _set_fonts(run._r, font)
    return p


# Characters XML 1.0 forbids: python-docx raises ValueError on them, and pasted text (terminal output, PDFs) has them.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(value: Any) -> Any:
    """Text (or lists/dicts of it) without the characters XML 1.0 forbids: what an export can hold."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, list):
        return [xml_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: xml_safe(v) for k, v in value.items()}
    return value


ANCHOR_PREFIX = "dz_draft_"  # bookmark name = prefix + the item's key; Word and LibreOffice keep bookmarks


def _toc_line(paragraph: Paragraph, bookmark: str, pages: Mapping[str, int]) -> None:
    """A 目录 line: the title, a dot leader and a PAGEREF field to the heading's bookmark (cached page when known)."""
    paragraph.add_run("\t")
    cached = str(pages.get(bookmark, ""))
    for xml in (
        '<w:fldChar w:fldCharType="begin"/>', f'<w:instrText xml:space="preserve"> PAGEREF {bookmark} \\h </w:instrText>',
        '<w:fldChar w:fldCharType="separate"/>', f'<w:t>{cached}</w:t>', '<w:fldChar w:fldCharType="end"/>',
    ):
        paragraph._p.append(parse_xml(f"<w:r {_W}>{xml}</w:r>"))


def _anchor(paragraph: Paragraph, name: str, ids: RevisionIds) -> None:
    """A point bookmark at the start of the item's title: the stable id the review import matches on."""
    bid = str(ids.next())
    start = parse_xml(f'<w:bookmarkStart {_W} w:id="{bid}" w:name="{escape(name, {chr(34): "&quot;"})}"/>')
    end = parse_xml(f'<w:bookmarkEnd {_W} w:id="{bid}"/>')
    ppr = paragraph._p.pPr
    if ppr is not None:
        ppr.addnext(start)
    else:
        paragraph._p.insert(0, start)
    start.addnext(end)


def _tracked_paragraphs(doc: DocxDocument, base: str, final: str, rev: Revision, ids: RevisionIds,
                        style: str | None = None) -> list[Paragraph]:
    """Paragraphs showing ``base`` becoming ``final`` as revisions; returns those that remain after accepting."""
    kept: list[Paragraph] = []
    for kind, before, after in align_paragraphs(split_paragraphs(base), split_paragraphs(final)):
        p = doc.add_paragraph(before or after, style=style)
        if kind == "edit":
            track_paragraph(p._p, after, rev, ids)
        elif kind in ("insert", "delete"):
            mark_paragraph(p._p, "ins" if kind == "insert" else "del", rev, ids)
        if kind != "delete":
            kept.append(p)
    return kept


def _item(doc: DocxDocument, notes: XmlPart, a: AssembledItem, base: TrackedBase | None, ids: RevisionIds) -> Paragraph:
    """One item: title, body with its footnotes, 植德短评; with a base, the editor's changes as revisions.

    Returns the title paragraph.
    """
    rev = Revision(author=base.author, date=Revision.word_date(base.date)) if base else None
    title = doc.add_heading(base.title if base else a.item.title, level=2)
    if base and rev and base.title != a.item.title:
        track_paragraph(title._p, a.item.title, rev, ids)
    if base and rev:
        body = _tracked_paragraphs(doc, base.body, a.item.body, rev, ids)
        if not body:  # the body is never empty in the final text; keep the footnotes somewhere
            body = [doc.add_paragraph("")]
    else:
        body = [doc.add_paragraph(text) for text in a.paragraphs or [""]]
    for f in a.footnotes:
        _add_footnote(notes, body[-1], f.n, f.url)
    final_commentary = a.item.commentary or ""
    if base and rev and (base.commentary.strip() or final_commentary.strip()):
        heading = _plain(doc, COMMENTARY_HEADING, bold=True, font=HEADING_FONT)
        if not base.commentary.strip() or not final_commentary.strip():
            mark_paragraph(heading._p, "ins" if final_commentary.strip() else "del", rev, ids)
        _tracked_paragraphs(doc, base.commentary, final_commentary, rev, ids)
    elif a.commentary_paragraphs:
        _plain(doc, COMMENTARY_HEADING, bold=True, font=HEADING_FONT)
        for text in a.commentary_paragraphs:
            doc.add_paragraph(text)
    return title


def build_docx(issue: AssembledIssue, *, bases: Mapping[str, TrackedBase] | None = None,
               anchors: Mapping[str, str] | None = None, basis: Mapping[str, ExportBasis] | None = None,
               toc_pages: Mapping[str, int] | None = None) -> DocxDocument:
    """The issue as a python-docx Document (not yet saved).

    ``toc_pages`` maps the 目录's bookmarks to page numbers known from a rendering (see export/pdf.py).
    ``anchors`` maps item ids to the key embedded as a bookmark at each title (for importing the reviewed file);
    ``bases`` maps item ids to the machine draft: the editor's changes then show as Word tracked changes;
    ``basis`` maps those keys to what each item was exported from (kept in the file, see export/basis.py).
    """
    issue = AssembledIssue.model_validate(xml_safe(issue.model_dump()))
    bases = {k: TrackedBase(**xml_safe(vars(v))) for k, v in (bases or {}).items()}
    doc = Document()
    _setup_styles(doc)
    _page_setup(doc)
    notes = _add_footnotes_part(doc)
    core = doc.core_properties
    core.title, core.author = issue.heading, FIRM

    # Cover: the issue's title and period, then the table of contents by section.
    for _ in range(3):
        _plain(doc, "")
    doc.add_paragraph(issue.title, style="Title")
    if issue.period:
        _plain(doc, issue.period, size=18, center=True, font=HEADING_FONT)
    _plain(doc, FIRM, size=12, center=True, font=HEADING_FONT)
    _plain(doc, "")
    toc_style = doc.styles["TOC Heading"]
    _set_fonts(toc_style.element, HEADING_FONT)
    toc_style.font.color.rgb = ACCENT
    toc = doc.add_paragraph(TOC_HEADING, style=toc_style)
    toc.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    toc.paragraph_format.first_line_indent = Pt(0)
    pages = toc_pages or {}
    for i, section in enumerate(issue.sections):
        _toc_line(doc.add_paragraph(section.name, style=doc.styles["toc 1"]), f"{TOC_PREFIX}s{i}", pages)
        for j, a in enumerate(section.items):
            _toc_line(doc.add_paragraph(a.item.title, style=doc.styles["toc 2"]), f"{TOC_PREFIX}{i}_{j}", pages)
    doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)

    ids = RevisionIds(doc.element)
    for i, section in enumerate(issue.sections):
        _anchor(doc.add_heading(section.name, level=1), f"{TOC_PREFIX}s{i}", ids)
        for j, a in enumerate(section.items):
            title = _item(doc, notes, a, bases.get(a.item.id), ids)
            _anchor(title, f"{TOC_PREFIX}{i}_{j}", ids)
            if anchors and a.item.id in anchors:
                _anchor(title, ANCHOR_PREFIX + anchors[a.item.id], ids)
    # Word fills the 目录's page numbers when the file opens (LibreOffice computes them while laying out the PDF).
    doc.settings.element.append(parse_xml(f'<w:updateFields {_W} w:val="true"/>'))
    if bases:
        turn_on_tracking(doc.settings.element)
    if basis:
        add_basis(doc, {k: ExportBasis(**xml_safe(vars(v))) for k, v in basis.items()})

    if issue.closing:
        doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
        for block in issue.closing:
            if block.kind == "heading":
                p = _plain(doc, block.text, size=14, bold=True, center=True, font=HEADING_FONT)
                p.runs[0].font.color.rgb = ACCENT
                p.paragraph_format.space_before = Pt(18)
            elif block.kind == "center":
                _plain(doc, block.text, size=12, center=True, font=HEADING_FONT)
            else:
                _plain(doc, block.text, center=True)
    return doc


def export_docx(issue: AssembledIssue, path: Path, *, bases: Mapping[str, TrackedBase] | None = None,
                anchors: Mapping[str, str] | None = None, basis: Mapping[str, ExportBasis] | None = None,
                toc_pages: Mapping[str, int] | None = None) -> Path:
    """Write the issue as a Word document (atomic write); returns the path. See build_docx for the options."""
    buffer = io.BytesIO()
    build_docx(issue, bases=bases, anchors=anchors, basis=basis, toc_pages=toc_pages).save(buffer)
    atomic_write(Path(path), buffer.getvalue())
    logger.info("wrote %s", path)
    return Path(path)

"""A DOCX written the way Microsoft Word (zh-CN, Word 2016+) saves one, built by hand from ECMA-376 / [MS-DOCX].

No Word is available here, so nothing in this file was produced by Word: every part follows what Word writes and
python-docx or LibreOffice never do (see tests/data/word/README.md): rsid attributes on paragraphs and runs and the
rsid table in settings.xml, w14:paraId, runs split mid-word around proofErr marks, the Chinese date smart tag
(chsdate), footnotes with Word's separators and a HYPERLINK complex field (fldChar begin/instrText/separate/end)
holding the link, a PAGE simple field in the footer,
the _GoBack bookmark, zh-CN style ids ("1", "2", "a3" …) whose names are the lower-case built-ins ("heading 1"),
tracked changes as w:ins/w:del with w:id, author and date (deleted text in w:delText, rsidDel on the run), a
tracked formatting change (w:rPrChange), and comments with commentRangeStart/End, a CommentReference run, the
annotationRef run inside the comment, commentsExtended.xml and people.xml.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

W_NS = (
    'xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:wp14="http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:w10="urn:schemas-microsoft-com:office:word" '
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml" '
    'xmlns:wpg="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup" '
    'xmlns:wpi="http://schemas.microsoft.com/office/word/2010/wordprocessingInk" '
    'xmlns:wne="http://schemas.microsoft.com/office/word/2006/wordml" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'mc:Ignorable="w14 w15 wp14"'
)
HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
EA = '<w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr>'  # Word marks runs typed with a Chinese IME this way
RSID_ROOT, RSID_AUTHOR, RSID_REVIEW, RSID_FIX = "00A41C2B", "00A41C2B", "00B7C8D9", "00C3E5F1"
WHEN = "2023-10-20T09:12:00Z"


@dataclass
class Edit:
    """A tracked change in one field: `old` deleted and `new` inserted by `author` (either may be empty)."""

    old: str
    new: str
    author: str = "王律师"


@dataclass
class WordItem:
    """One item as it stands in the document the reviewer opened, and what the reviewer did to it."""

    section: str
    title: str
    body: str
    commentary: str | None = None
    anchor: str | None = None  # the export's bookmark key (dz_draft_<key>)
    source: str | None = None  # a footnote at the end of the body holding the link as a HYPERLINK field
    commentary_edit: Edit | None = None
    body_edit: Edit | None = None
    comment: tuple[str, str] | None = None  # (author, text) on the 短评
    bold_title_change: bool = False  # a tracked formatting change only


@dataclass
class _Ids:
    revision: int = 0
    comment: int = 0
    para: int = 0x1A2B3C00
    bookmark: int = 0
    comments: list[str] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    extended: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)

    def next_revision(self) -> int:
        self.revision += 1
        return self.revision

    def next_para(self) -> str:
        self.para += 7
        return f"{self.para:08X}"


def _t(text: str) -> str:
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f"<w:t{space}>{escape(text)}</w:t>"


def _runs(text: str, rsid: str = RSID_AUTHOR) -> str:
    """Word splits a paragraph's text into several runs (each edit session, each proofing mark)."""
    if len(text) < 12:
        return f'<w:r w:rsidRPr="{rsid}">{EA}{_t(text)}</w:r>'
    cut = len(text) // 3
    first, second, third = text[:cut], text[cut:2 * cut], text[2 * cut:]
    return (f'<w:r w:rsidRPr="{rsid}">{EA}{_t(first)}</w:r>'
            '<w:proofErr w:type="gramStart"/>'
            f'<w:r w:rsidRPr="{RSID_FIX}">{EA}{_t(second)}</w:r>'
            '<w:proofErr w:type="gramEnd"/>'
            f'<w:r>{EA}{_t(third)}</w:r>')


def _with_date_tag(text: str) -> str:
    """The leading 2023年9月18日 in a Chinese Word document is wrapped in the chsdate smart tag."""
    import re

    m = re.match(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text)
    if not m:
        return _runs(text)
    y, mo, d = m.groups()
    tag = ('<w:smartTag w:uri="urn:schemas-microsoft-com:office:smarttags" w:element="chsdate">'
           f'<w:smartTagPr><w:attr w:name="IsROCDate" w:val="False"/><w:attr w:name="IsLunarDate" w:val="False"/>'
           f'<w:attr w:name="Day" w:val="{int(d)}"/><w:attr w:name="Month" w:val="{int(mo)}"/>'
           f'<w:attr w:name="Year" w:val="{y}"/></w:smartTagPr>'
           f'<w:r w:rsidRPr="{RSID_AUTHOR}">{EA}{_t(m.group(0))}</w:r></w:smartTag>')
    return tag + _runs(text[m.end():])


def _edited(text: str, edit: Edit | None, ids: _Ids) -> str:
    """The runs of text with one tracked deletion and/or insertion where edit.old stands (or at the end)."""
    if edit is None:
        return _with_date_tag(text)
    at = text.find(edit.old) if edit.old else len(text)
    assert at >= 0, f"{edit.old!r} is not in {text!r}"
    before, after = text[:at], text[at + len(edit.old):]
    out = _with_date_tag(before) if before else ""
    if edit.old:
        out += (f'<w:del w:id="{ids.next_revision()}" w:author={quoteattr(edit.author)} w:date="{WHEN}">'
                f'<w:r w:rsidDel="{RSID_REVIEW}">{EA}<w:delText>{escape(edit.old)}</w:delText></w:r></w:del>')
    if edit.new:
        out += (f'<w:ins w:id="{ids.next_revision()}" w:author={quoteattr(edit.author)} w:date="{WHEN}">'
                f'<w:r w:rsidR="{RSID_REVIEW}">{EA}{_t(edit.new)}</w:r></w:ins>')
    return out + (_runs(after) if after else "")


def _p(inner: str, ids: _Ids, style: str | None = None) -> str:
    ppr = f'<w:pPr>{f"<w:pStyle w:val={quoteattr(style)}/>" if style else ""}{EA}</w:pPr>'
    return (f'<w:p w:rsidR="{RSID_AUTHOR}" w:rsidRDefault="{RSID_AUTHOR}" w:rsidP="{RSID_FIX}" '
            f'w14:paraId="{ids.next_para()}" w14:textId="77777777">{ppr}{inner}</w:p>')


def _hyperlink_field(url: str) -> str:
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> HYPERLINK "{escape(url)}" </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r w:rsidRPr="{RSID_AUTHOR}"><w:rPr><w:rStyle w:val="a5"/></w:rPr>{_t(url)}</w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def _footnote(url: str, ids: _Ids) -> str:
    """The reference run in the text, and the note (Word's footnoteRef run, a space, the link) in footnotes.xml."""
    fid = len(ids.footnotes) + 1
    ids.footnotes.append(
        f'<w:footnote w:id="{fid}"><w:p w:rsidR="{RSID_AUTHOR}" w:rsidRDefault="{RSID_AUTHOR}" '
        f'w14:paraId="{ids.next_para()}" w14:textId="77777777"><w:pPr><w:pStyle w:val="ac"/></w:pPr>'
        '<w:r><w:rPr><w:rStyle w:val="ae"/></w:rPr><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> </w:t></w:r>'
        f'{_hyperlink_field(url)}</w:p></w:footnote>')
    return f'<w:r w:rsidRPr="{RSID_AUTHOR}"><w:rPr><w:rStyle w:val="ae"/></w:rPr><w:footnoteReference w:id="{fid}"/></w:r>'


def _comment(author: str, text: str, ids: _Ids) -> tuple[int, str]:
    cid = ids.comment
    ids.comment += 1
    para = ids.next_para()
    ids.comments.append(
        f'<w:comment w:id="{cid}" w:author={quoteattr(author)} w:date="{WHEN}" w:initials={quoteattr(author[:1])}>'
        f'<w:p w14:paraId="{para}" w14:textId="77777777" w:rsidR="{RSID_REVIEW}" w:rsidRDefault="{RSID_REVIEW}">'
        '<w:pPr><w:pStyle w:val="a8"/></w:pPr>'
        '<w:r><w:rPr><w:rStyle w:val="a7"/></w:rPr><w:annotationRef/></w:r>'
        f'<w:r>{EA}{_t(text)}</w:r></w:p></w:comment>')
    ids.extended.append(f'<w15:commentEx w15:paraId="{para}" w15:done="0"/>')
    person = (f'<w15:person w15:author={quoteattr(author)}><w15:presenceInfo w15:providerId="None" '
              f'w15:userId={quoteattr(author)}/></w15:person>')
    if person not in ids.people:
        ids.people.append(person)
    return cid, ""


def _document(title: str, items: list[WordItem], ids: _Ids) -> str:
    body: list[str] = [_p(_runs(title), ids, "a3")]
    section = None
    for item in items:
        if item.section != section:
            section = item.section
            body.append(_p(_runs(section), ids, "1"))
        ids.bookmark += 1
        title_runs = _runs(item.title)
        if item.bold_title_change:
            title_runs = (f'<w:r w:rsidRPr="{RSID_REVIEW}"><w:rPr><w:rFonts w:hint="eastAsia"/><w:b/>'
                          f'<w:rPrChange w:id="{ids.next_revision()}" w:author="王律师" w:date="{WHEN}">'
                          f'<w:rPr><w:rFonts w:hint="eastAsia"/></w:rPr></w:rPrChange></w:rPr>{_t(item.title)}</w:r>')
        if item.anchor:
            title_runs = (f'<w:bookmarkStart w:id="{ids.bookmark}" w:name="dz_draft_{item.anchor}"/>{title_runs}'
                          f'<w:bookmarkEnd w:id="{ids.bookmark}"/>')
        body.append(_p(title_runs, ids, "2"))
        body_runs = _edited(item.body, item.body_edit, ids)
        if item.source:
            body_runs += _footnote(item.source, ids)
        body.append(_p(body_runs, ids))
        if item.commentary is not None:
            body.append(_p(f'<w:r w:rsidRPr="{RSID_AUTHOR}"><w:rPr><w:rFonts w:hint="eastAsia"/><w:b/></w:rPr>'
                           f'{_t("植德短评：")}</w:r>', ids))
            inner = _edited(item.commentary, item.commentary_edit, ids)
            if item.comment:
                cid, _ = _comment(*item.comment, ids)
                inner = (f'<w:commentRangeStart w:id="{cid}"/>{inner}<w:commentRangeEnd w:id="{cid}"/>'
                         f'<w:r><w:rPr><w:rStyle w:val="a7"/></w:rPr><w:commentReference w:id="{cid}"/></w:r>')
            body.append(_p(inner, ids))
    # Word leaves its "last edit" bookmark in the last paragraph it touched
    body.append(_p('<w:bookmarkStart w:id="0" w:name="_GoBack"/><w:bookmarkEnd w:id="0"/>', ids))
    sect = (f'<w:sectPr w:rsidR="{RSID_AUTHOR}" w:rsidSect="{RSID_AUTHOR}">'
            '<w:footerReference w:type="default" r:id="rId8"/>'
            '<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1800" w:bottom="1440" w:left="1800" '
            'w:header="851" w:footer="992" w:gutter="0"/><w:cols w:space="425"/>'
            '<w:docGrid w:type="lines" w:linePitch="312"/></w:sectPr>')
    return f'{HEADER}<w:document {W_NS}><w:body>{"".join(body)}{sect}</w:body></w:document>'


_STYLES = HEADER + (
    f'<w:styles {W_NS}>'
    '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:asciiTheme="minorHAnsi" w:eastAsiaTheme="minorEastAsia" '
    'w:hAnsiTheme="minorHAnsi" w:cstheme="minorBidi"/><w:kern w:val="2"/><w:sz w:val="21"/><w:szCs w:val="22"/>'
    '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
    '<w:pPrDefault/></w:docDefaults>'
    '<w:style w:type="paragraph" w:default="1" w:styleId="a"><w:name w:val="Normal"/><w:qFormat/>'
    '<w:pPr><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:basedOn w:val="a"/><w:next w:val="a"/>'
    '<w:link w:val="10"/><w:uiPriority w:val="9"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/>'
    '<w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:bCs/><w:kern w:val="44"/><w:sz w:val="44"/></w:rPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="2"><w:name w:val="heading 2"/><w:basedOn w:val="a"/><w:next w:val="a"/>'
    '<w:link w:val="20"/><w:uiPriority w:val="9"/><w:unhideWhenUsed/><w:qFormat/><w:pPr><w:keepNext/>'
    '<w:keepLines/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:bCs/><w:sz w:val="32"/></w:rPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Title"/><w:basedOn w:val="a"/><w:next w:val="a"/>'
    '<w:uiPriority w:val="10"/><w:qFormat/><w:pPr><w:jc w:val="center"/><w:outlineLvl w:val="0"/></w:pPr>'
    '<w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style>'
    '<w:style w:type="character" w:default="1" w:styleId="a0"><w:name w:val="Default Paragraph Font"/>'
    '<w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>'
    '<w:style w:type="character" w:styleId="a5"><w:name w:val="Hyperlink"/><w:basedOn w:val="a0"/>'
    '<w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:rPr><w:color w:val="0563C1" w:themeColor="hyperlink"/>'
    '<w:u w:val="single"/></w:rPr></w:style>'
    '<w:style w:type="character" w:styleId="a7"><w:name w:val="annotation reference"/><w:basedOn w:val="a0"/>'
    '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:rPr><w:sz w:val="21"/></w:rPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="a8"><w:name w:val="annotation text"/><w:basedOn w:val="a"/>'
    '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:pPr><w:jc w:val="left"/></w:pPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="ac"><w:name w:val="footnote text"/><w:basedOn w:val="a"/>'
    '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:pPr><w:snapToGrid w:val="0"/>'
    '<w:jc w:val="left"/></w:pPr><w:rPr><w:sz w:val="18"/></w:rPr></w:style>'
    '<w:style w:type="character" w:styleId="ae"><w:name w:val="footnote reference"/><w:basedOn w:val="a0"/>'
    '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:rPr><w:vertAlign w:val="superscript"/>'
    '</w:rPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="a9"><w:name w:val="footer"/><w:basedOn w:val="a"/>'
    '<w:uiPriority w:val="99"/><w:unhideWhenUsed/></w:style>'
    '</w:styles>'
)

_SETTINGS = HEADER + (
    f'<w:settings {W_NS}><w:zoom w:percent="100"/><w:trackRevisions/><w:bordersDoNotSurroundHeader/>'
    '<w:proofState w:spelling="clean" w:grammar="clean"/><w:defaultTabStop w:val="420"/>'
    '<w:drawingGridVerticalSpacing w:val="156"/><w:displayHorizontalDrawingGridEvery w:val="0"/>'
    '<w:displayVerticalDrawingGridEvery w:val="2"/><w:characterSpacingControl w:val="compressPunctuation"/>'
    '<w:footnotePr><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>'
    f'<w:rsids><w:rsidRoot w:val="{RSID_ROOT}"/><w:rsid w:val="{RSID_AUTHOR}"/><w:rsid w:val="{RSID_REVIEW}"/>'
    f'<w:rsid w:val="{RSID_FIX}"/></w:rsids>'
    '<m:mathPr><m:mathFont m:val="Cambria Math"/></m:mathPr><w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>'
    '<w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/><w:ulTrailSpace/>'
    '<w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/>'
    '<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>'
    '</w:compat><w15:chartTrackingRefBased/><w15:docId w15:val="{5E8A3C21-7B4D-4F10-9C3E-2A1B0D9F6E47}"/>'
    '</w:settings>'
)

_FOOTER = HEADER + (
    f'<w:ftr {W_NS}><w:p w:rsidR="{RSID_AUTHOR}" w:rsidRDefault="{RSID_AUTHOR}"><w:pPr><w:pStyle w:val="a9"/>'
    '<w:jc w:val="center"/></w:pPr><w:fldSimple w:instr=" PAGE   \\* MERGEFORMAT "><w:r><w:rPr><w:noProof/>'
    '</w:rPr><w:t>1</w:t></w:r></w:fldSimple></w:p></w:ftr>'
)

_CONTENT_TYPES = HEADER + (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/settings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>'
    '<Override PartName="/word/comments.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/>'
    '<Override PartName="/word/commentsExtended.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml"/>'
    '<Override PartName="/word/people.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.people+xml"/>'
    '<Override PartName="/word/footnotes.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>'
    '<Override PartName="/word/footer1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '</Types>'
)

_ROOT_RELS = HEADER + (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" '
    'Target="docProps/app.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)

_DOC_RELS = HEADER + (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" '
    'Target="footer1.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" '
    'Target="settings.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/>'
    '<Relationship Id="rId6" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" '
    'Target="footnotes.xml"/>'
    '<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" '
    'Target="comments.xml"/>'
    '<Relationship Id="rId5" Type="http://schemas.microsoft.com/office/2011/relationships/commentsExtended" '
    'Target="commentsExtended.xml"/>'
    '<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2011/relationships/people" '
    'Target="people.xml"/></Relationships>'
)

_CORE = HEADER + (
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<dc:title></dc:title><dc:creator>赵编辑</dc:creator><cp:lastModifiedBy>王律师</cp:lastModifiedBy>'
    '<cp:revision>3</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">2023-10-19T08:00:00Z</dcterms:created>'
    f'<dcterms:modified xsi:type="dcterms:W3CDTF">{WHEN}</dcterms:modified></cp:coreProperties>'
)

_APP = HEADER + (
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<Template>Normal.dotm</Template><TotalTime>12</TotalTime><Pages>2</Pages><Application>Microsoft Office Word'
    '</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop><AppVersion>16.0000</AppVersion>'
    '</Properties>'
)


def write_word_docx(path: Path, title: str, items: list[WordItem]) -> Path:
    """Write items as Word would have saved them after the review (tracked changes and comments left pending)."""
    ids = _Ids()
    document = _document(title, items, ids)
    comments = f'{HEADER}<w:comments {W_NS}>{"".join(ids.comments)}</w:comments>'
    extended = f'{HEADER}<w15:commentsEx {W_NS}>{"".join(ids.extended)}</w15:commentsEx>'
    people = f'{HEADER}<w15:people {W_NS}>{"".join(ids.people)}</w15:people>'
    footnotes = (f'{HEADER}<w:footnotes {W_NS}>'
                 '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" '
                 'w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
                 '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" '
                 'w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
                 f'{"".join(ids.footnotes)}</w:footnotes>')
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES, "_rels/.rels": _ROOT_RELS, "word/document.xml": document,
        "word/_rels/document.xml.rels": _DOC_RELS, "word/styles.xml": _STYLES, "word/settings.xml": _SETTINGS,
        "word/comments.xml": comments, "word/footnotes.xml": footnotes, "word/commentsExtended.xml": extended, "word/people.xml": people,
        "word/footer1.xml": _FOOTER, "docProps/core.xml": _CORE, "docProps/app.xml": _APP,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # Word's zip entries carry no real time
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text.encode("utf-8"))
    return path

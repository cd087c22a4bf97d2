"""Render each fixture document into the files lawyers receive: PDF with a 落款, DOCX, DOC, scans and phone photos.

Files are rendered into a cache directory keyed by the document's content hash and GENERATOR_VERSION, so a
second run renders nothing; rendering is deterministic (fixed PDF ids and dates, seeded noise). Text forms
(pasted page text, Traditional, mixed script) need no file and live in `source_pages`.

Tools: reportlab (PDF, with Droid Sans Fallback: Noto CJK is CFF, which reportlab cannot embed), python-docx,
LibreOffice (DOCX → DOC; asked for .wps it writes the same Word 97 format under that name, which is
what the `wps` form is: it exercises the .wps path, not Kingsoft's own variant), pdftoppm (poppler) and Pillow for the scans, img2pdf for an image-only PDF.
"""

from __future__ import annotations

import html
import io
import random
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageFilter

from drafting import office
from drafting.errors import DraftingError
from drafting.evaluation.source_pages import SourceDoc, signature_lines

GENERATOR_VERSION = "3"
FILE_FORMS = ("pdf", "docx", "doc", "wps", "scan", "photo")
FILE_NAME = {"pdf": "{id}.pdf", "docx": "{id}.docx", "doc": "{id}.doc", "wps": "{id}.wps", "scan": "{id}-scan-200dpi.pdf", "photo": "{id}-photo.jpg"}
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


LATIN_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
_LATIN_RUN = re.compile(r"[\x20-\x7e\u2013\u2014\u2018\u2019\u201c\u201d\u00b7\u2026]+")


def _font() -> str:
    """Register a TrueType CJK font (and DejaVu for digits and Latin, which Droid lacks) with reportlab once."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "EvalCJK" in pdfmetrics.getRegisteredFontNames():
        return "EvalCJK"
    if not Path(LATIN_FONT).exists():
        raise DraftingError("渲染 PDF 样例需要 DejaVu 字体：请安装 fonts-dejavu-core")
    pdfmetrics.registerFont(TTFont("EvalLatin", LATIN_FONT))
    for path in CJK_FONT_CANDIDATES:
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont("EvalCJK", path))
            return "EvalCJK"
    raise DraftingError("渲染 PDF 样例需要 TrueType 中文字体：请安装 fonts-droid-fallback 或 fonts-wqy-microhei")


def _markup(text: str) -> str:
    """Paragraph markup: digits and Latin letters in the Latin font, everything escaped."""
    out, last = [], 0
    for m in _LATIN_RUN.finditer(text):
        out.append(html.escape(text[last:m.start()], quote=False))
        out.append(f'<font name="EvalLatin">{html.escape(m.group(0), quote=False)}</font>')
        last = m.end()
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)


def render_pdf(doc: SourceDoc, target: Path) -> None:
    """A text-layer PDF as a government attachment prints it: centred heading and 文号, body, right-aligned 落款, page numbers."""
    from reportlab import rl_config
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    rl_config.invariant = 1  # no creation date or random id in the file: the same document gives the same bytes
    font = _font()
    base = ParagraphStyle("body", fontName=font, fontSize=13, leading=22, wordWrap="CJK", firstLineIndent=26)
    head = ParagraphStyle("head", parent=base, fontSize=17, leading=26, alignment=TA_CENTER, firstLineIndent=0)
    centre = ParagraphStyle("centre", parent=base, alignment=TA_CENTER, firstLineIndent=0)
    plain = ParagraphStyle("plain", parent=base, firstLineIndent=0)
    right = ParagraphStyle("right", parent=base, alignment=TA_RIGHT, firstLineIndent=0)
    story: list[object] = [Paragraph(_markup(doc.heading), head), Spacer(1, 8)]
    if doc.number:
        story.append(Paragraph(_markup(doc.number), centre))
    if doc.addressee:
        story.append(Paragraph(_markup(doc.addressee), plain))
    if not doc.is_document:  # a news page printed to PDF: its date and outlet under the headline
        story.append(Paragraph(_markup(f"{doc.labels.published or ''}　来源：{doc.site}"), centre))
    story.extend(Paragraph(_markup(p), base) for p in doc.paragraphs)
    if doc.is_document:
        story.append(Spacer(1, 16))
        story.extend(Paragraph(_markup(x), right) for x in signature_lines(doc))

    def page_number(canvas: object, pdf: object) -> None:
        canvas.setFont("EvalLatin", 11)  # type: ignore[attr-defined]
        canvas.drawCentredString(A4[0] / 2, 30, f"- {pdf.page} -")  # type: ignore[attr-defined]

    SimpleDocTemplate(str(target), pagesize=A4, leftMargin=72, rightMargin=72, topMargin=72, bottomMargin=60,
                      title=doc.heading, author="", creator="", producer="").build(
        story, onFirstPage=page_number, onLaterPages=page_number)  # type: ignore[arg-type]


def render_docx(doc: SourceDoc, target: Path) -> None:
    """A Word file as a ministry's 附件 is drafted: heading, 文号, 主送, body, 落款 right-aligned."""
    import datetime as dt

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    word = Document()
    word.core_properties.created = dt.datetime(2024, 1, 1)  # deterministic file
    word.core_properties.modified = dt.datetime(2024, 1, 1)
    word.core_properties.author = ""
    heading = word.add_paragraph(doc.heading)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if doc.number:
        word.add_paragraph(doc.number).alignment = WD_ALIGN_PARAGRAPH.CENTER
    if doc.addressee:
        word.add_paragraph(doc.addressee)
    if not doc.is_document:
        word.add_paragraph(f"{doc.labels.published or ''}　来源：{doc.site}")
    for p in doc.paragraphs:
        word.add_paragraph("　　" + p)
    if doc.is_document:
        word.add_paragraph("")
        for line in signature_lines(doc):
            word.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    word.save(str(target))


def convert_to_doc(sources: list[Path], outdir: Path) -> None:
    """DOCX → DOC with one LibreOffice run for all files (each start costs seconds on a busy machine)."""
    try:
        office.convert(sources, "doc:MS Word 97", outdir, timeout=600, check=False)  # the forms not written are reported
    except office.OfficeError as exc:
        if exc.reason == "missing":
            raise DraftingError("渲染 DOC/WPS 样例需要 LibreOffice：请安装 libreoffice-writer") from exc
        raise


def _page_images(pdf: Path, dpi: int) -> list[Image.Image]:

    if shutil.which("pdftoppm") is None:
        raise DraftingError("渲染扫描件样例需要 pdftoppm：请安装 poppler-utils")
    with tempfile.TemporaryDirectory(prefix="drafting-eval-ppm-") as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), f"{tmp}/p"], check=True, capture_output=True, timeout=300)
        images = []
        for png in sorted(Path(tmp).glob("p*.png")):
            with Image.open(png) as img:
                images.append(img.copy())
    return images


def render_scan(pdf: Path, target: Path) -> None:
    """An image-only PDF, as a scanner makes one: 200 dpi grey pages, slight skew, no text layer."""
    import img2pdf

    pages = []
    for n, img in enumerate(_page_images(pdf, 200)):
        skewed = img.rotate(0.4 if n % 2 == 0 else -0.3, fillcolor=255, expand=False)
        buf = io.BytesIO()
        skewed.save(buf, format="PNG", dpi=(200, 200))  # a scanner records its resolution; without it the page is 96 dpi
        pages.append(buf.getvalue())
    target.write_bytes(img2pdf.convert(pages))


def render_photo(pdf: Path, target: Path, seed: str) -> None:
    """A phone photo of the pages (taken one under another, as a long screenshot): rotation, blur, uneven light, JPEG noise."""
    rng = random.Random(seed)
    shots = []
    for img in _page_images(pdf, 150):
        shot = img.convert("L").rotate(rng.uniform(-2.0, 2.0), fillcolor=235, expand=True)
        shot = shot.filter(ImageFilter.GaussianBlur(0.7))
        noise = Image.effect_noise(shot.size, 18).point(lambda v: v // 6)
        shot = Image.blend(shot, Image.new("L", shot.size, 200), 0.08)  # grey, low-contrast paper
        shot = Image.composite(shot, noise, Image.new("L", shot.size, 235))
        shots.append(shot)
    width = max(s.size[0] for s in shots)
    sheet = Image.new("L", (width, sum(s.size[1] for s in shots)), 235)
    y = 0
    for s in shots:
        sheet.paste(s, (0, y))
        y += s.size[1]
    sheet.convert("RGB").save(target, format="JPEG", quality=45)


class FormCache:
    """Rendered files of every document and form under one directory, by content hash."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path(self, doc: SourceDoc, form: str) -> Path:
        return self.directory / f"{doc.id}-{doc.content_hash()}-g{GENERATOR_VERSION}" / FILE_NAME[form].format(id=doc.id)

    def ensure(self, docs: list[SourceDoc], forms: list[str]) -> dict[tuple[str, str], Path]:
        """Render what is missing; returns {(doc id, form): path} for the forms each document has."""
        out: dict[tuple[str, str], Path] = {}
        want_doc: list[SourceDoc] = []
        for doc in docs:
            for form in forms:
                if form not in FILE_FORMS:
                    continue
                target = self.path(doc, form)
                target.parent.mkdir(parents=True, exist_ok=True)
                if True:
                    pdf = self.path(doc, "pdf")
                    if form in ("pdf", "scan", "photo") and not pdf.exists():
                        render_pdf(doc, pdf)
                    if form == "docx" and not target.exists():
                        render_docx(doc, target)
                    if form == "scan" and not target.exists():
                        render_scan(pdf, target)
                    if form == "photo" and not target.exists():
                        render_photo(pdf, target, seed=doc.id)
                    if form in ("doc", "wps") and not target.exists():
                        if not self.path(doc, "docx").exists():
                            render_docx(doc, self.path(doc, "docx"))
                        if doc not in want_doc:
                            want_doc.append(doc)
                out[(doc.id, form)] = target
        if want_doc:
            with tempfile.TemporaryDirectory(prefix="drafting-eval-doc-") as tmp:
                convert_to_doc([self.path(d, "docx") for d in want_doc], Path(tmp))
                for d in want_doc:
                    made = Path(tmp) / f"{d.id}.doc"
                    if made.exists():
                        shutil.copyfile(made, self.path(d, "wps"))
                        shutil.move(str(made), self.path(d, "doc"))
        return {k: v for k, v in out.items() if v.exists()}

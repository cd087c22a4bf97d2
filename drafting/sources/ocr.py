"""Scanned PDFs and images → text through OCRmyPDF and Tesseract, with each page's recognition confidence."""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import warnings
from pathlib import Path

from pydantic import BaseModel, Field

from drafting.errors import SourceError
from drafting.sources.convert import to_simplified
from drafting.sources.ocr_lines import hocr_lines, merge_page

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
_WCONF = re.compile(r"x_wconf\s+(\d+)")
_WORD = re.compile(r"<span class=['\"]ocrx_word['\"][^>]*?x_wconf\s+(\d+)[^>]*>(.*?)</span>", re.DOTALL)
UNSURE_BELOW = 60  # Tesseract word confidence under which a word is shown for checking


class PageReport(BaseModel):
    """What OCR made of one page."""

    page: int = Field(description="1-based page number")
    confidence: float | None = Field(description="mean Tesseract word confidence, 0–100; None = nothing recognised")
    chars: int = Field(description="characters recognised")
    preview: str = Field(description="the page's first recognised characters")


class UnsureWord(BaseModel):
    """A word Tesseract recognised with low confidence: the editor should look at it on the page image."""

    page: int
    word: str
    confidence: int


class OcrResult(BaseModel):
    """Recognised text (pages separated by form feeds), a report per page, and the words OCR was unsure of."""

    text: str
    pages: list[PageReport]
    languages: list[str]
    total_pages: int | None = Field(None, description="pages in the file, when more than were recognised (page cap)")
    unsure: list[UnsureWord] = Field(default_factory=list)

    def low_pages(self, threshold: float) -> list[PageReport]:
        """Pages an editor should check: nothing recognised, or mean confidence below threshold."""
        return [p for p in self.pages if p.confidence is None or p.confidence < threshold]

    def summary(self, threshold: float) -> list[str]:
        """One Chinese line per page, low-confidence pages flagged, for import reports."""
        lines = []
        if self.total_pages and self.total_pages > len(self.pages):
            lines.append(f"扫描件共 {self.total_pages} 页，超过 {len(self.pages)} 页上限（DRAFTING_SOURCES__MAX_PDF_PAGES）："
                         f"只识别了前 {len(self.pages)} 页，其余各页请另行核对或粘贴")
        for p in self.pages:
            conf = "未识别出文字" if p.confidence is None else f"置信度 {p.confidence:.0f}"
            flag = "，请核对" if p.confidence is None or p.confidence < threshold else ""
            lines.append(f"OCR 第 {p.page} 页：{conf}，{p.chars} 字{flag}（{p.preview}）")
        return lines


def available() -> bool:
    """True when OCRmyPDF and Tesseract are installed."""
    try:
        import ocrmypdf  # noqa: F401
    except ImportError:
        return False
    return shutil.which("tesseract") is not None


def _installed_languages() -> set[str]:
    import subprocess

    out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False).stdout
    return {line.strip() for line in out.splitlines()[1:]}


def _check_languages(languages: list[str]) -> None:
    have = _installed_languages()
    missing = [lang for lang in languages if lang not in have]
    if missing:
        pkgs = " ".join(f"tesseract-ocr-{m.replace('_', '-')}" for m in missing)
        raise SourceError(f"文字识别缺少 Tesseract 语言包 {'、'.join(missing)}：请安装（apt-get install {pkgs}）或修改 DRAFTING_SOURCES__OCR_LANGUAGES")


def check_image(path: Path, max_pixels: int) -> None:
    """Refuse an image with more than max_pixels before anything decodes it (only its header is read).

    PIL's own DecompressionBombWarning (English, on stderr) is turned into this Chinese refusal.
    """
    from PIL import Image

    too_big = SourceError(f"图片 {path.name} 像素过多（超过 {max_pixels / 1e6:.0f} 百万像素上限，DRAFTING_SOURCES__MAX_IMAGE_PIXELS），"
                          "未识别：请缩小图片或截取需要的部分后重试")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise too_big from exc
    except Exception as exc:  # PIL raises many types for broken images
        raise SourceError(f"图片 {path.name} 无法打开（已损坏或格式不支持）：请另存为 PNG/JPG 后重试") from exc
    if width * height > max_pixels:
        raise too_big


def _first_pages(source: Path, work: Path, max_pages: int | None) -> tuple[Path, int | None]:
    """The PDF cut to its first max_pages pages before OCR; returns (file to read, total pages when cut)."""
    if max_pages is None:
        return source, None
    import pikepdf

    try:
        with pikepdf.open(source) as pdf:
            total = len(pdf.pages)
            if total <= max_pages:
                return source, None
            del pdf.pages[max_pages:]
            cut = work / "first-pages.pdf"
            pdf.save(cut)
    except pikepdf.PdfError as exc:
        raise SourceError(f"{source.name} 无法打开（PDF 已损坏或加密）：请换一份扫描件，或粘贴文字") from exc
    logger.info("OCR %s: first %d of %d pages", source.name, max_pages, total)
    return cut, total


def _as_pdf(path: Path, work: Path) -> Path:
    """Images go into a one-page PDF first: OCRmyPDF's hOCR stage reads PDFs only."""
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return path
    import img2pdf
    from PIL import Image

    target = work / "image.pdf"
    try:
        with Image.open(path) as img:
            dpi = img.info.get("dpi", (0, 0))[0]
            if img.mode not in ("RGB", "L") or not dpi:
                # img2pdf rejects alpha channels; an image without a DPI is taken at 300 dpi, so OCRmyPDF does not resample it.
                fixed = work / "image.png"
                img.convert("RGB").save(fixed, dpi=(dpi or 300, dpi or 300))
                path = fixed
        target.write_bytes(img2pdf.convert(str(path)))
    except Exception as exc:  # PIL and img2pdf raise many types for broken images
        raise SourceError(f"图片 {path.name} 无法打开（已损坏或格式不支持）：请另存为 PNG/JPG 后重试") from exc
    return target


def recognise(path: Path, languages: list[str] | None = None, *, jobs: int = 1, max_pages: int | None = None,
              max_pixels: int | None = None) -> OcrResult:
    """OCR a scanned PDF (its first max_pages pages) or an image; the text keeps page order, pages split by form feeds.

    An image past max_pixels is refused before it is decoded; so is a PDF image past it (OCRmyPDF's own check).
    """
    if max_pixels is not None and path.suffix.lower() in IMAGE_SUFFIXES:
        check_image(path, max_pixels)
    if not available():
        raise SourceError("这是扫描件，需要文字识别（OCR），但本机未安装 OCRmyPDF/Tesseract：请安装 ocrmypdf 和 tesseract-ocr-chi-sim，或粘贴文字")
    languages = languages or ["chi_sim"]
    _check_languages(languages)
    result, markup = _recognise(path, languages, jobs, max_pages, max_pixels)
    if _may_be_traditional(result, languages):
        # A Hong Kong circular read with the Simplified model comes out as look-alikes (虛擬→虚据, 獲→多, 輪→输) at
        # a lower confidence: it is read again with the Traditional model first, and each line is kept from the
        # reading Tesseract was surer of. A Simplified page read again stays as it was (暂行 never becomes 折行).
        second, markup2 = _recognise(path, ["chi_tra", *languages], jobs, max_pages, max_pixels)
        if _traditional_share(second.text) >= TRADITIONAL_PAGE and len(second.pages) == len(result.pages):
            logger.info("OCR %s: Traditional script, read again with chi_tra line by line", path.name)
            result = _merged(result, markup, second, markup2)
    return result


def _merged(first: OcrResult, markup: list[str], second: OcrResult, markup2: list[str]) -> OcrResult:
    """The two readings merged line by line (drafting.sources.ocr_lines), with the page reports and unsure words of
    the lines kept."""
    texts: list[str] = []
    reports: list[PageReport] = []
    unsure: list[UnsureWord] = []
    for n, (a, b, ma, mb) in enumerate(zip(first.text.split("\f"), second.text.split("\f"), markup, markup2, strict=True), 1):
        text, kept = merge_page(a, hocr_lines(ma), b, hocr_lines(mb))
        texts.append(text)
        words = [w for line in kept for w in line.words]
        chars = sum(len(w) for w, _ in words)
        compact = re.sub(r"\s+", "", text)
        reports.append(PageReport(page=n, confidence=round(sum(len(w) * c for w, c in words) / chars, 1) if chars else None,
                                  chars=len(compact), preview=compact[:30]))
        unsure.extend(UnsureWord(page=n, word=w, confidence=c) for w, c in words
                      if c < UNSURE_BELOW and re.search(r"[\u4e00-\u9fff\w]", w))
    languages = list(dict.fromkeys([*first.languages, *second.languages]))
    return OcrResult(text="\f".join(texts), pages=reports, languages=languages, total_pages=first.total_pages, unsure=unsure)


RETRY_BELOW = 90.0  # a Simplified page printed cleanly reads at 91–92 with chi_sim; a Traditional one at 78–87
# chi_tra reads some Simplified characters as Traditional ones (重点任务 → 重點任務): on the fixture scans 1–15 % of
# a Simplified page's characters, 27–43 % of a Traditional or mixed-script page's.
TRADITIONAL_PAGE = 0.2


def _traditional_share(text: str) -> float:
    """The share of the Chinese characters that Traditional → Simplified conversion changes."""
    han = _HAN.findall(text)
    return sum(1 for c in han if to_simplified(c) != c) / len(han) if han else 0.0


def _confidence(result: OcrResult) -> float:
    """Mean word confidence over the recognised pages, weighted by their characters (0 when nothing was read)."""
    read = [(p.confidence, p.chars) for p in result.pages if p.confidence is not None and p.chars]
    total = sum(chars for _, chars in read)
    return sum(conf * chars for conf, chars in read) / total if total else 0.0


def _may_be_traditional(result: OcrResult, languages: list[str]) -> bool:
    """Read with chi_sim but not chi_tra, and either a Traditional character came through or the reading is unsure."""
    if "chi_sim" not in languages or "chi_tra" in languages or not result.text.strip():
        return False
    traditional = any(to_simplified(c) != c for c in set(_HAN.findall(result.text)))
    return (traditional or _confidence(result) < RETRY_BELOW) and "chi_tra" in _installed_languages()


_HAN = re.compile(r"[\u4e00-\u9fff]")


def _recognise(path: Path, languages: list[str], jobs: int, max_pages: int | None,
               max_pixels: int | None) -> tuple[OcrResult, list[str]]:
    """One reading with these languages, and the hOCR markup of each page."""
    import ocrmypdf
    from ocrmypdf import api

    with tempfile.TemporaryDirectory(prefix="drafting-ocr-") as tmp:
        work = Path(tmp)
        source, total = _first_pages(_as_pdf(path, work), work, max_pages)
        out = work / "hocr"
        out.mkdir()
        # The hOCR stage of OCRmyPDF: its rasterising and page handling, and Tesseract's per-word confidence.
        to_hocr = getattr(api, "pdf_to_hocr", None) or api._pdf_to_hocr
        try:
            to_hocr(source, out, language=languages, jobs=jobs, progress_bar=False, force_ocr=True,
                    max_image_mpixels=max_pixels / 1e6 if max_pixels else None)
        except ocrmypdf.exceptions.ExitCodeException as exc:
            raise SourceError(f"文字识别失败（{type(exc).__name__}）：文件可能已损坏或加密；请换一份扫描件，或粘贴文字") from exc
        pages = sorted(out.glob("*_ocr_hocr.hocr"))
        texts: list[str] = []
        reports: list[PageReport] = []
        unsure: list[UnsureWord] = []
        markups: list[str] = []
        for n, hocr in enumerate(pages, 1):
            txt = hocr.with_suffix(".txt")
            text = txt.read_text(encoding="utf-8").strip() if txt.exists() else ""
            markup = hocr.read_text(encoding="utf-8")
            markups.append(markup)
            confs = [int(c) for c in _WCONF.findall(markup)]
            unsure.extend(_unsure_words(markup, n))
            texts.append(text)
            compact = re.sub(r"\s+", "", text)
            reports.append(PageReport(page=n, confidence=round(sum(confs) / len(confs), 1) if confs and compact else None,
                                      chars=len(compact), preview=compact[:30]))
    logger.info("OCR %s: %d pages", path.name, len(reports))
    return OcrResult(text="\f".join(texts), pages=reports, languages=languages, total_pages=total, unsure=unsure), markups


def _unsure_words(hocr: str, page: int) -> list[UnsureWord]:
    """hOCR words under UNSURE_BELOW confidence (markup stripped, entities decoded)."""
    import html

    found = []
    for conf, inner in _WORD.findall(hocr):
        word = html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        if word and int(conf) < UNSURE_BELOW and re.search(r"[\u4e00-\u9fff\w]", word):
            found.append(UnsureWord(page=page, word=word, confidence=int(conf)))
    return found


def page_images(path: Path, target: Path, *, dpi: int = 80, max_pages: int = 3) -> list[Path]:
    """Small PNGs of a scan's first pages, shown beside the recognised text so the editor can compare."""
    import subprocess

    from PIL import Image

    target.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        out = target / f"{path.stem}-1.png"
        with Image.open(path) as img:
            img.thumbnail((900, 1400))
            img.convert("RGB").save(out)
        return [out]
    if shutil.which("pdftoppm") is None:
        return []  # the text is still read; only the side-by-side image is missing
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", str(max_pages), str(path), str(target / "page")],
                   capture_output=True, timeout=120, check=False)
    return sorted(target.glob("page*.png"))

"""Two readings of one scan merged line by line: each line as the reading Tesseract was surer of.

A Hong Kong circular read with the Simplified model comes out as look-alikes (虛擬→虚据, 獲→多, 輪→输), and a
Simplified headline read with the Traditional model picks Traditional look-alikes (暂行→折行): neither model reads
a mixed page whole. Tesseract's own per-word confidence says, line by line, which reading to keep. Lines of the two
readings are paired by their position on the page (layout analysis does not depend on the language model).
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

_LINE_CLASSES = {"ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"}
_BBOX = re.compile(r"bbox (\d+) (\d+) (\d+) (\d+)")
_WCONF = re.compile(r"x_wconf (\d+)")
SAME_LINE = 0.6  # boxes overlapping this much (intersection over union) are the same printed line


@dataclass(frozen=True)
class Line:
    """One recognised line: where it is on the page, and its words with their confidence."""

    bbox: tuple[int, int, int, int]
    words: tuple[tuple[str, int], ...]

    @property
    def confidence(self) -> float:
        """Mean word confidence, weighted by the characters of each word."""
        chars = sum(len(w) for w, _ in self.words)
        return sum(len(w) * c for w, c in self.words) / chars if chars else 0.0


def hocr_lines(markup: str) -> list[Line] | None:
    """The lines of one hOCR page that hold text, in reading order; None when the markup cannot be read."""
    try:
        root = ET.fromstring(markup)
    except ET.ParseError:
        return None
    lines = []
    for el in root.iter():
        if el.get("class") not in _LINE_CLASSES:
            continue
        box = _BBOX.search(el.get("title") or "")
        words = []
        for w in el.iter():
            conf = _WCONF.search(w.get("title") or "") if w.get("class") == "ocrx_word" else None
            text = html.unescape("".join(w.itertext())).strip()
            if conf and text:
                words.append((text, int(conf.group(1))))
        if box and words:
            lines.append(Line(bbox=(int(box[1]), int(box[2]), int(box[3]), int(box[4])), words=tuple(words)))
    return lines


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def merge_page(text_a: str, lines_a: list[Line] | None, text_b: str, lines_b: list[Line] | None) -> tuple[str, list[Line]]:
    """Page text as reading A lays it out, each line taken from B where B's reading of it is surer; and the lines kept.

    When a reading's text lines do not match its hOCR lines one to one, A is kept whole (nothing is guessed).
    """
    rows_a = [i for i, ln in enumerate(text_a.splitlines()) if ln.strip()]
    texts_b = [ln for ln in text_b.splitlines() if ln.strip()]
    if lines_a is None or lines_b is None or len(rows_a) != len(lines_a) or len(texts_b) != len(lines_b):
        return text_a, list(lines_a or [])
    out = text_a.splitlines()
    kept = []
    for row, line in zip(rows_a, lines_a, strict=True):
        best = max(range(len(lines_b)), key=lambda j: _overlap(line.bbox, lines_b[j].bbox), default=None)
        if best is not None and _overlap(line.bbox, lines_b[best].bbox) >= SAME_LINE \
                and lines_b[best].confidence > line.confidence:
            out[row] = texts_b[best]
            line = lines_b[best]
        kept.append(line)
    return "\n".join(out), kept

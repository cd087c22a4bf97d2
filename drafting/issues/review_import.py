"""Read an issue DOCX back after review in Word: both views of tracked changes, comments, footnotes, anchors.

python-docx's ``paragraph.text`` skips ``w:ins`` and never reads ``w:delText``, so the two views are built here:
*accepted* (every pending revision accepted: what the reviewer asked for) and *original* (every pending revision
rejected). Items follow the export's layout (Heading 1 = section, Heading 2 = title, body, "植德短评：", 短评)
and carry the bookmark the export put at each title, which names the draft the item came from.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from drafting.errors import ParseError
from drafting.export.assemble import COMMENTARY_HEADING, split_paragraphs
from drafting.export.docx import ANCHOR_PREFIX
from drafting.export.revisions import w
from drafting.sources import formats

logger = logging.getLogger(__name__)
# What the export writes after the prefix: a draft id (a positive SQLite integer) or an item id (i + 12 hex).
# Anything else (a hand-made "dz_draft_²", a 23-digit number) is no mark: the item is matched by its title.
_BROKEN = "DOCX 文件已损坏或不是 Word 文档，无法打开；请用 Word 重新另存为 .docx 后重试"
_ANCHOR = re.compile(r"[1-9][0-9]{0,17}|i[0-9a-f]{12}", re.ASCII)

View = Literal["accepted", "original"]
VIEWS: tuple[View, ...] = ("accepted", "original")
_ONLY_ORIGINAL = {w("del"), w("moveFrom")}
_ONLY_ACCEPTED = {w("ins"), w("moveTo")}
Field = Literal["title", "body", "commentary"]


@dataclass
class ReviewComment:
    """A Word comment on an item."""

    author: str
    text: str
    date: str | None = None
    field: str = "body"

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"author": self.author, "text": self.text, "date": self.date, "field": self.field}


@dataclass
class _Para:
    accepted: str
    original: str
    mark_inserted: bool
    mark_deleted: bool

    def gone(self, view: View) -> bool:
        """The paragraph mark does not exist in this view: the text joins the next paragraph."""
        return self.mark_deleted if view == "accepted" else self.mark_inserted


@dataclass
class ReviewedItem:
    """One item as found in the reviewed file."""

    position: int
    section: str
    anchor: str | None
    paragraphs: dict[str, list[_Para]] = field(default_factory=lambda: {"title": [], "body": [], "commentary": []})
    footnotes: dict[str, list[str]] = field(default_factory=lambda: {"accepted": [], "original": []})
    authors: dict[str, list[str]] = field(default_factory=lambda: {"title": [], "body": [], "commentary": []})
    comments: list[ReviewComment] = field(default_factory=list)
    pending: int = 0

    def text(self, name: Field, view: View = "accepted") -> str:
        """A field's text in a view, paragraphs joined by newlines as the store keeps them."""
        out: list[str] = []
        buffer = ""
        for para in self.paragraphs[name]:
            buffer += getattr(para, view)
            if not para.gone(view):
                out.append(buffer)
                buffer = ""
        if buffer:
            out.append(buffer)
        return "\n".join(split_paragraphs("\n".join(out)))

    def sources(self, view: View = "accepted") -> list[str]:
        """Footnote texts (the sources) in the order their references appear."""
        return self.footnotes[view]


@dataclass
class ReviewedDocument:
    """Items of a reviewed issue in the order they now stand, and revision counts."""

    items: list[ReviewedItem]
    pending: int


def _view_of(el: Any, p: Any) -> str | None:
    """'accepted' / 'original' when ``el`` exists only in that view, None when in both."""
    node = el.getparent()
    while node is not None and node is not p:
        if node.tag in _ONLY_ORIGINAL:
            return "original"
        if node.tag in _ONLY_ACCEPTED:
            return "accepted"
        if node.tag == w("txbxContent"):
            return "none"
        node = node.getparent()
    return None


def _paragraph(p: Any) -> _Para:
    texts = {"accepted": [], "original": []}  # type: dict[str, list[str]]
    for el in p.iter(w("t"), w("delText")):
        only = _view_of(el, p)
        if only == "none":
            continue
        for view in VIEWS:
            if only in (None, view):
                texts[view].append(el.text or "")
    rpr = p.find(f"{w('pPr')}/{w('rPr')}")
    return _Para(
        accepted="".join(texts["accepted"]).strip(),
        original="".join(texts["original"]).strip(),
        mark_inserted=rpr is not None and rpr.find(w("ins")) is not None,
        mark_deleted=rpr is not None and rpr.find(w("del")) is not None,
    )


def _style(p: Any, styles: dict[str, str]) -> str:
    ppr = p.find(w("pPr"))
    sid = ppr.find(w("pStyle")) if ppr is not None else None
    if sid is None:
        return ""
    value = sid.get(w("val")) or ""
    return styles.get(value, value).lower().replace(" ", "")


def _footnote_texts(document: Any) -> dict[str, dict[str, str]]:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml

    try:
        part = document.part.part_related_by(RT.FOOTNOTES)
    except KeyError:
        return {}
    root = parse_xml(part.blob) if not hasattr(part, "element") else part.element
    notes: dict[str, dict[str, str]] = {}
    for note in root.findall(w("footnote")):
        views = {"accepted": [], "original": []}  # type: dict[str, list[str]]
        for p in note.findall(w("p")):
            para = _paragraph(p)
            views["accepted"].append(para.accepted)
            views["original"].append(para.original)
        notes[note.get(w("id")) or ""] = {v: " ".join(t for t in views[v] if t).strip() for v in VIEWS}
    return notes


def _comments(document: Any) -> dict[str, ReviewComment]:
    found: dict[str, ReviewComment] = {}
    try:
        comments = list(document.comments)
    except Exception:  # no comments part, or one python-docx cannot read: the text still imports
        logger.debug("no readable comments", exc_info=True)
        return found
    for c in comments:
        stamp = c.timestamp.isoformat() if c.timestamp else None
        found[str(c.comment_id)] = ReviewComment(author=c.author or "", text=c.text.strip(), date=stamp)
    return found


def check_package(path: Path) -> None:
    """A Word file at all, then its parts, expanded size and ratio, before python-docx loads every part into memory."""
    if not zipfile.is_zipfile(path):
        raise ParseError(_BROKEN, path=str(path))
    formats.check_zip(path)


def read_reviewed_docx(path: Path) -> ReviewedDocument:
    """Items, both views of their text, comments, footnotes and anchors of a DOCX that went through Word."""
    check_package(path)
    try:
        import docx

        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for broken packages
        raise ParseError(_BROKEN, path=str(path)) from exc
    styles = {s.style_id: s.name for s in document.styles if s.name}
    notes = _footnote_texts(document)
    comments = _comments(document)
    items: list[ReviewedItem] = []
    section = ""
    current: ReviewedItem | None = None
    part: Field = "body"
    pending = 0
    for p in document.element.body.iter(w("p")):
        if p.getparent() is not document.element.body:
            continue  # tables and text boxes are not part of an item
        style = _style(p, styles)
        para = _paragraph(p)
        revisions = p.findall(f".//{w('ins')}") + p.findall(f".//{w('del')}")
        pending += len(revisions)
        if style == "heading1":
            section, current = para.accepted or para.original, None
            continue
        if style == "heading2":
            current = ReviewedItem(position=len(items), section=section, anchor=None)
            items.append(current)
            part = "title"
        elif current is None:
            continue
        elif COMMENTARY_HEADING.rstrip("：") in (para.accepted or para.original) and len(para.original or para.accepted) <= 6:
            part = "commentary"
            current.pending += len(revisions)
            continue
        for name in p.iter(w("bookmarkStart")):
            value = name.get(w("name")) or ""
            if value.startswith(ANCHOR_PREFIX) and current.anchor is None and _ANCHOR.fullmatch(value[len(ANCHOR_PREFIX):]):
                current.anchor = value[len(ANCHOR_PREFIX):]
        current.paragraphs[part].append(para)
        current.pending += len(revisions)
        for rev in revisions:
            author = rev.get(w("author")) or ""
            if author and author not in current.authors[part]:
                current.authors[part].append(author)
        for ref in p.iter(w("footnoteReference")):
            only = _view_of(ref, p)
            text = notes.get(ref.get(w("id")) or "", {})
            for view in VIEWS:
                if only in (None, view) and text.get(view):
                    current.footnotes[view].append(text[view])
        for start in p.iter(w("commentRangeStart"), w("commentReference")):
            comment = comments.get(start.get(w("id")) or "")
            if comment is not None and comment not in current.comments:
                comment.field = part
                current.comments.append(comment)
        if part == "title":
            part = "body"
        if p.find(f".//{w('br')}[@{w('type')}='page']") is not None:
            current = None  # the closing statement follows the last item's page break
    return ReviewedDocument(items=items, pending=pending)

"""Word tracked changes (``w:ins`` / ``w:del``) written with lxml into python-docx paragraphs.

No maintained library writes revisions into a python-docx document (docx-revisions and docx-editor are young
and rewrite whole files), so this small module does it. Word's rules that matter here: every revision and
bookmark ``w:id`` is unique in the part (count up from the largest one present, never reuse); deleted text
is ``w:delText`` with ``xml:space="preserve"``; a run split by an edit keeps its ``w:rPr``; runs that are not
plain text (footnote references, breaks, tabs) and other paragraph children (hyperlinks, bookmarks, comment
ranges) are kept where they were; a whole inserted or deleted paragraph also marks its paragraph mark.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from lxml import etree

from drafting import textdiff

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def w(tag: str) -> str:
    """Clark name of a WordprocessingML tag (``w("ins")``)."""
    return f"{{{W_NS}}}{tag}"


class RevisionIds:
    """Unique ``w:id`` values for one part: starts above every id already there, never reuses one."""

    def __init__(self, *roots: Any) -> None:
        largest = 0
        for root in roots:
            for value in etree.ElementBase.xpath(root, "//@w:id", namespaces={"w": W_NS}):
                try:
                    largest = max(largest, int(value))
                except ValueError:
                    continue
        self._next = largest + 1

    def next(self) -> int:
        """A fresh id."""
        value = self._next
        self._next += 1
        return value


@dataclass
class Revision:
    """Who made one logical edit and when: every ``w:ins``/``w:del`` of the edit carries the same date."""

    author: str
    date: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    @staticmethod
    def word_date(value: str | None) -> str:
        """An ISO timestamp as Word writes it (UTC, seconds, ``Z``); now when missing or unreadable."""
        try:
            parsed = datetime.fromisoformat(value) if value else datetime.now(UTC)
        except ValueError:
            parsed = datetime.now(UTC)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _wrapper(kind: Literal["ins", "del"], rev: Revision, ids: RevisionIds) -> Any:
    el = etree.Element(w(kind))
    el.set(w("id"), str(ids.next()))
    el.set(w("author"), rev.author)  # lxml escapes the value: any author name is safe
    el.set(w("date"), rev.date)
    return el


def _run(rpr: Any | None, text: str, *, deleted: bool = False) -> Any:
    r = etree.Element(w("r"))
    if rpr is not None:
        r.append(copy.deepcopy(rpr))
    t = etree.SubElement(r, w("delText" if deleted else "t"))
    t.set(XML_SPACE, "preserve")
    t.text = text
    return r


@dataclass
class _Text:
    char: str
    rpr: Any | None  # the w:rPr of the run the character came from
    source: int  # index of that run, so neighbouring characters of one run stay one run


def _pieces(p: Any) -> tuple[list[_Text], dict[int, list[Any]], Any | None]:
    """The paragraph's plain text as characters with their run's formatting, and everything else by offset."""
    chars: list[_Text] = []
    others: dict[int, list[Any]] = {}
    ppr = None
    for child in p:
        if child.tag == w("pPr"):
            ppr = child
            continue
        if child.tag in (w("ins"), w("del"), w("moveFrom"), w("moveTo")):
            raise ValueError("paragraph already has tracked changes; accept or reject them first")
        if child.tag != w("r"):
            others.setdefault(len(chars), []).append(child)
            continue
        rpr = child.find(w("rPr"))
        for part in child:
            if part.tag == w("rPr"):
                continue
            if part.tag == w("t"):
                chars.extend(_Text(c, rpr, id(child)) for c in part.text or "")
            else:  # a tab, break or footnote reference: kept as its own run with the same formatting
                alone = etree.Element(w("r"))
                if rpr is not None:
                    alone.append(copy.deepcopy(rpr))
                alone.append(part)
                others.setdefault(len(chars), []).append(alone)
    return chars, others, ppr


def edit_opcodes(before: str, after: str) -> list[tuple[str, int, int, int, int]]:
    """The revisions Word shows: sentence-aligned, word-level changes (drafting/textdiff.py), never a character mosaic.

    A reworded phrase becomes one deletion and one insertion; a sentence reworded through and through is replaced
    whole; a shared 的 or comma between two changes is folded into them.
    """
    return list(textdiff.opcodes(before, after))


def track_paragraph(p: Any, after: str, rev: Revision, ids: RevisionIds) -> int:
    """Rewrite paragraph ``p`` (a ``w:p``) so that Word shows its text becoming ``after``; returns revisions made.

    The current text is the base. Deleted spans keep their runs' formatting; inserted text takes the formatting
    of the character before it (or after it, at the start).
    """
    chars, others, ppr = _pieces(p)
    before = "".join(c.char for c in chars)
    if before == after:
        return 0
    out: list[Any] = []
    made = 0

    def emit_range(i1: int, i2: int, deleted: bool) -> None:
        nonlocal made
        holder = _wrapper("del", rev, ids) if deleted else None
        group: list[_Text] = []

        def flush() -> None:
            if group:
                run = _run(group[0].rpr, "".join(c.char for c in group), deleted=deleted)
                (holder if holder is not None else out).append(run)  # type: ignore[union-attr]
                group.clear()

        for k in range(i1, i2):
            if k in others:
                flush()
                if holder is not None and len(holder):
                    out.append(holder)
                    holder = _wrapper("del", rev, ids)
                out.extend(others.pop(k))
            if group and group[-1].source != chars[k].source:
                flush()
            group.append(chars[k])
        flush()
        if holder is not None and len(holder):
            out.append(holder)
            made += 1

    for tag, i1, i2, j1, j2 in edit_opcodes(before, after):
        if tag in ("equal",):
            emit_range(i1, i2, deleted=False)
            continue
        if tag in ("delete", "replace"):
            emit_range(i1, i2, deleted=True)
        if tag in ("insert", "replace"):
            near = chars[i1 - 1] if i1 > 0 else (chars[i1] if i1 < len(chars) else None)
            ins = _wrapper("ins", rev, ids)
            ins.append(_run(near.rpr if near else None, after[j1:j2]))
            out.append(ins)
            made += 1
    for k in sorted(others):  # whatever sat at the very end (footnote references, a trailing break)
        out.extend(others[k])

    for child in list(p):
        p.remove(child)
    if ppr is not None:
        p.append(ppr)
    p.extend(out)
    return made


def mark_paragraph(p: Any, kind: Literal["ins", "del"], rev: Revision, ids: RevisionIds) -> None:
    """Mark a whole paragraph as inserted or deleted: its text runs and its paragraph mark."""
    ppr = p.find(w("pPr"))
    if ppr is None:
        ppr = etree.Element(w("pPr"))
        p.insert(0, ppr)
    rpr = ppr.find(w("rPr"))
    if rpr is None:
        rpr = etree.SubElement(ppr, w("rPr"))
        # w:rPr comes after every other paragraph property except w:sectPr / w:pPrChange.
        for tail in (w("sectPr"), w("pPrChange")):
            found = ppr.find(tail)
            if found is not None:
                found.addprevious(rpr)
                break
    rpr.insert(0, _wrapper(kind, rev, ids))  # the schema puts w:ins/w:del before any formatting of the mark
    for run in [c for c in p if c.tag == w("r")]:
        has_text = run.find(w("t")) is not None
        if not has_text:
            continue
        if kind == "del":
            for t in run.findall(w("t")):
                t.tag = w("delText")
                t.set(XML_SPACE, "preserve")
        holder = _wrapper(kind, rev, ids)
        run.addprevious(holder)
        holder.append(run)


@dataclass
class TrackedBase:
    """The text an item's revisions start from (the machine draft), and who turned it into the final text."""

    title: str
    body: str
    commentary: str
    author: str
    date: str | None = None


ParagraphOp = tuple[Literal["equal", "edit", "insert", "delete"], str, str]


def align_paragraphs(before: list[str], after: list[str]) -> list[ParagraphOp]:
    """Pair base and edited paragraphs: unchanged, edited in place, inserted or deleted (in reading order)."""
    ops: list[ParagraphOp] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.extend(("equal", b, b) for b in before[i1:i2])
            continue
        old, new = before[i1:i2], after[j1:j2]
        paired = min(len(old), len(new))
        ops.extend(("edit", old[k], new[k]) for k in range(paired))
        ops.extend(("delete", b, "") for b in old[paired:])
        ops.extend(("insert", "", a) for a in new[paired:])
    return ops


_TRACK_SUCCESSORS = (
    "w:doNotTrackMoves", "w:doNotTrackFormatting", "w:documentProtection", "w:autoFormatOverride",
    "w:styleLockTheme", "w:styleLockQFSet", "w:defaultTabStop", "w:autoHyphenation", "w:characterSpacingControl",
    "w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars", "w:rsids", "m:mathPr",
    "w:themeFontLang", "w:clrSchemeMapping", "w:shapeDefaults", "w:decimalSymbol", "w:listSeparator",
)


def turn_on_tracking(settings: Any) -> None:
    """``w:trackRevisions`` in settings.xml: the reviewer's own edits in Word are tracked too."""
    if settings.find(w("trackRevisions")) is None:
        settings.insert_element_before(etree.Element(w("trackRevisions")), *_TRACK_SUCCESSORS)

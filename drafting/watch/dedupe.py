"""One document, however it is listed: the key two sites' listings share, and what the firm already holds.

A province reposting a State Council document titles it 「河南省人民政府办公厅转发国务院办公厅关于印发《X》的通知」;
the ministry lists it as 「国务院办公厅关于印发《X》的通知」: both name the same document 《X》. ``document_key`` is that
name (else the title) with width, script, spacing and punctuation set aside. An entry is already held when a past
item of the corpus or a row of an issue in progress is the same document: the same link, or the same name published
within a few weeks (a 2026 revision of a 2023 plan is a new document, not a duplicate).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from drafting.watch.scope import fold

_DOC = re.compile(r"《([^《》]{4,120})》")
# A repost (「X转发Y」) is Y; 「…关于印发X的通知」 names the document X as its 《X》 would.
_REPOST = re.compile(r"^.{0,40}?转发")
_ISSUED = re.compile(r"^.{0,40}?关于印发(.{4,120})的通知$")
# Past items are rewritten headlines (「工信部:公开征求对《X》的意见」): a name this much contained in one is the same.
CONTAINED = 0.8
# Two listings of one document are published days apart; the same name a year apart is a new edition.
SAME_DOCUMENT_DAYS = 45


@functools.lru_cache(maxsize=50000)  # every run compares its entries with the same past items
def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", fold(text)).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


@functools.lru_cache(maxsize=50000)
def document_name(title: str) -> str:
    """The document a title names: the first 《…》 longer than a few characters, else the title without wrappers."""
    found = _DOC.search(fold(title))
    if found:
        return found.group(1)
    name = _REPOST.sub("", fold(title).strip())
    issued = _ISSUED.match(name)
    return issued.group(1) if issued else name


def document_key(title: str) -> str | None:
    """The key two listings of one document share (None for a title too short to tell documents apart)."""
    key = _plain(document_name(title))
    return key if len(key) >= 8 else None


@functools.lru_cache(maxsize=50000)
def _grams(text: str) -> frozenset[str]:
    return frozenset({text[i:i + 3] for i in range(max(len(text) - 2, 0))} or ({text} if text else set()))


def containment(name: str, title: str) -> float:
    """How much of a document name's character 3-grams a title holds (1.0: all of it)."""
    a, b = _grams(_plain(name)), _grams(_plain(title))
    return len(a & b) / len(a) if a else 0.0


@dataclass(frozen=True)
class Held:
    """Something the firm already holds: a past item of the corpus, or a row of an issue in progress."""

    ref: str  # a corpus item id, or "issue:<id>"
    title: str
    date: dt.date | None
    links: tuple[str, ...] = ()


def _close(a: dt.date | None, b: dt.date | None) -> bool:
    return a is None or b is None or abs((a - b).days) <= SAME_DOCUMENT_DAYS


@functools.lru_cache(maxsize=50000)
def _canon(url: str) -> str:
    return re.sub(r"^https?://", "", url.strip().lower()).rstrip("/")


def find_held(title: str, url: str, published: dt.date | None, held: Iterable[Held]) -> Held | None:
    """The held item that is this document: the same link, or its name (nearly) contained and a close date."""
    name = document_name(title)
    link = _canon(url)
    for h in held:
        if link and link in {_canon(x) for x in h.links}:
            return h
        if not _close(published, h.date):
            continue
        theirs = document_name(h.title)
        # a short name (「通知」) says nothing about which document it is
        if (len(_plain(name)) >= 8 and containment(name, h.title) >= CONTAINED) or \
                (len(_plain(theirs)) >= 8 and containment(theirs, title) >= CONTAINED):
            return h
    return None

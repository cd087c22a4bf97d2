"""The types the watch stage passes between polling, triage and the inbox.

A ``WatchSource`` is one line of the watch list (kept with the corpus, the firm's system of record); polling a source
yields ``RawEntry`` rows; triage turns each new one into a ``Scored`` entry the inbox shows and remembers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

SourceKind = Literal["feed", "list"]
EntryStatus = Literal["new", "added", "ignored", "later"]


@dataclasses.dataclass(frozen=True)
class WatchSource:
    """A feed (RSS/Atom) or a list page whose entries a CSS selector picks out."""

    id: str
    name: str
    url: str
    kind: SourceKind = "feed"
    selector: str | None = None  # list pages: CSS for one entry (its first <a href> is the link)
    date_selector: str | None = None  # list pages: CSS, relative to the entry, for its date
    every_seconds: int = 6 * 3600
    encoding: str | None = None  # when a portal's declared charset is wrong (GBK pages saying utf-8)
    verified: bool = False  # presets ship unverified until a run succeeds
    enabled: bool = True


@dataclasses.dataclass(frozen=True)
class RawEntry:
    """One entry as a source lists it, before it is fetched and read."""

    source_id: str
    url: str
    title: str
    published: dt.date | None = None
    summary: str = ""


@dataclasses.dataclass(frozen=True)
class Scored:
    """A triaged entry: how relevant it is to the newsletter and why, and what it duplicates."""

    relevance: float  # 0..1
    reason: str  # Chinese, shown in 收件箱
    section: str | None = None  # the section the profile suggests (政策速递, 行业新闻, 交易资讯)
    profile: dict[str, object] = dataclasses.field(default_factory=dict)
    duplicate_of: str | None = None  # a corpus item id or "issue:<id>" already holding the document
    # triage's key of the document itself (its 文号, or a hash of its text): the store makes entries sharing it one
    # entry with several links, when their titles differ (a province's 转发 of a State Council notice)
    document_key: str | None = None


@dataclasses.dataclass(frozen=True)
class InboxEntry:
    """An entry as the inbox keeps it: one document, however many sites listed it."""

    id: str
    title: str
    url: str  # the first link found; ``links`` has every site that listed the same document
    links: tuple[str, ...]
    sources: tuple[str, ...]  # WatchSource ids
    published: dt.date | None
    first_seen: dt.datetime
    scored: Scored
    status: EntryStatus = "new"
    issue_id: str | None = None  # the issue in progress it was added to
    summary: str = ""

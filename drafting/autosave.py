"""Saving the editor's text from one page, in that page's own order.

A page saves through two doors: Gradio's autosave event (one at a time per page) and, when the tab closes or is
hidden, a last save sent with ``navigator.sendBeacon`` to POST /api/v1/drafts/{id}/autosave (drafting/api.py). The
two can cross: the closing save may reach the server before or after the autosave that was still in flight. Each
page therefore numbers its edits (a random page token and a sequence number): an older edit arriving after a newer
one is dropped, and a version the page wrote itself is not a conflict with that same page. A save over another
editor's newer version is still refused (ConflictError), as before.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from drafting.errors import ValidationError
from drafting.models import StoredDraft
from drafting.services import Services


@dataclass(frozen=True)
class PageEdit:
    """Who is saving: the page's random token and the number of this edit on that page (both optional)."""

    token: str = ""
    seq: int = 0

    @classmethod
    def parse(cls, value: object) -> PageEdit:
        """The page's "token:seq" string (the autosave event's hidden field); anything else is an anonymous edit."""
        token, _, seq = str(value or "").partition(":")
        return cls(token.strip()[:64], int(seq)) if token.strip() and seq.isdigit() else cls()


@dataclass(frozen=True)
class SaveOutcome:
    """What a page save did: ``saved`` is False for an unchanged text or an older edit that arrived late."""

    stored: StoredDraft
    version: int
    saved: bool
    stale: bool = False


class PageSaves:
    """Per page and draft: the last edit number saved and the version it wrote (kept in memory: pages are live)."""

    MAX_PAGES = 5000  # a long-running server forgets the oldest pages; a forgotten page only loses the self-rule

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[tuple[str, int], threading.Lock] = {}
        self._last: dict[tuple[str, int], tuple[int, int]] = {}

    def lock(self, key: tuple[str, int]) -> threading.Lock:
        """One save at a time per page and draft (the two doors may arrive together)."""
        with self._lock:
            if len(self._locks) > self.MAX_PAGES:
                self._locks.clear()
                self._last.clear()
            return self._locks.setdefault(key, threading.Lock())

    def last(self, key: tuple[str, int]) -> tuple[int, int] | None:
        """(seq, version) of the last save from this page on this draft."""
        return self._last.get(key)

    def record(self, key: tuple[str, int], seq: int, version: int) -> None:
        self._last[key] = (seq, version)


PAGES = PageSaves()
ANONYMOUS = PageEdit()  # a save that does not come from a numbered page edit (scripts, the conflict panel)


def save_from_page(
    services: Services, draft_id: int, *, title: str, body: str, commentary: str, expected_version: int | None,
    actor: str | None, page: PageEdit = ANONYMOUS, force: bool = False,
) -> SaveOutcome:
    """Save a page's text over the version it loaded; an accepted draft is re-accepted (corpus and index).

    ``force`` keeps the editor's text over ``expected_version`` (the conflict panel's 保留我的文字). Raises
    ConflictError when another page or editor saved since, ValidationError for an accepted draft left empty.
    """
    key = (page.token, draft_id)
    with PAGES.lock(key) if page.token else threading.Lock():
        stored = services.store.get(draft_id)
        last = PAGES.last(key) if page.token else None
        if last is not None and page.seq <= last[0]:
            return SaveOutcome(stored, stored.version, saved=False, stale=True)  # a newer edit of this page is saved
        expected = expected_version
        if not force and last is not None and last[1] == stored.version:
            expected = stored.version  # the newest version is this page's own save, still in flight on the page
        if (stored.title, stored.body, stored.commentary) == (title, body, commentary) and expected in (None, stored.version):
            if page.token:
                PAGES.record(key, page.seq, stored.version)
            return SaveOutcome(stored, stored.version, saved=False)
        if stored.status == "accepted":
            if not title.strip() or not commentary.strip():
                raise ValidationError("已采纳的草稿不能清空标题或短评：请补全后继续（语料库中仍是上次采纳的文字）。")
            # Accepted means accepted: a change goes through the same accept path, so 历史 and 语料库 agree.
            stored = services.accept(stored.id, title=title.strip(), body=body.strip(), commentary=commentary.strip(),
                                     expected_version=expected, actor=actor)
            version = stored.version
        else:
            version = services.store.save_edit(stored.id, title=title, body=body, commentary=commentary,
                                               expected_version=expected, actor=actor)
        if page.token:
            PAGES.record(key, page.seq, version)
        return SaveOutcome(stored, version, saved=True)

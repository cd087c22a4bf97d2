"""One draft, read once: the request becomes a job that carries everything the later steps need.

The item (given, or the rough offline item of a pasted text), the source card's fields, the item's profile (the
editor's correction, else the rules — computed here and nowhere below), the section, the approved house rules, and,
once searched, the precedents with the profiles the index holds for them. Search, prompt, the model or the offline
drafter and the fact guard take what they need from the job; none of them recomputes it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from drafting.learning.rules import RuleBook
from drafting.models import DraftRequest, Item, Profile, SearchResult
from drafting.sources.reader import Document


@dataclasses.dataclass
class DraftJob:
    request: DraftRequest
    offline: bool  # the offline drafter (asked for, or no model configured)
    model_name: str | None
    raw: str | None  # the pasted or fetched text; None for an item request
    document: Document | None  # the source card: what the reader read, with the editor's corrections over it
    rough: Item | None  # the offline item of a raw text: what precedents are searched by
    profile: Profile  # the one profile of this draft
    section: str | None
    rules: RuleBook
    result: SearchResult | None = None  # precedents (each with its stored profile) and duplicates, once searched
    item: Item | None = None  # the item the 短评 is about, once drafted (the given item for an item request)
    item_findings: list[Any] = dataclasses.field(default_factory=list)
    labels: list[str] = dataclasses.field(default_factory=list)  # prompt versions used for the item step

    @property
    def precedents(self) -> SearchResult:
        assert self.result is not None, "search the job's precedents first"
        return self.result

    @property
    def drafted(self) -> Item:
        assert self.item is not None, "draft the job's item first"
        return self.item

"""The app's parts an issue in progress needs: the drafter, the stores, the corpus, its lock and the index.

A Protocol rather than the app's ``Services``: that composition root sits above this stage and builds it; anything
with these attributes (the app's ``Services``, a test's own assembly) can run a batch, publish or take a Word review.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from drafting.corpus import CorpusFiles
from drafting.index.chroma import SyncStats
from drafting.index.search import Retriever
from drafting.issues.review import ReviewStore
from drafting.locking import CorpusLock
from drafting.models import Issue, StoredDraft
from drafting.settings import Settings
from drafting.store import DraftStore
from drafting.writing.service import DraftingService


class IssueParts(Protocol):
    settings: Settings
    corpus: CorpusFiles
    retriever: Retriever
    drafter: DraftingService
    store: DraftStore
    reviews: ReviewStore
    corpus_lock: CorpusLock

    def ingest(self, paths: list[Path] | None = None, *, progress: bool = False) -> tuple[list[Issue], SyncStats]: ...

    def accept(self, draft_id: int, *, title: str, body: str, commentary: str, expected_version: int | None = None,
               actor: str | None = None) -> StoredDraft: ...

"""build_services(settings): the one place the long-lived objects are made."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from drafting.corpus import CorpusFiles
from drafting.corpus.files import seed_corpus
from drafting.index.chroma import SyncStats, VectorIndex
from drafting.index.embeddings import make_embedder
from drafting.index.search import Retriever
from drafting.issues.review import ReviewStore, actor_name
from drafting.learning.service import Learning
from drafting.locking import CorpusLock
from drafting.models import Issue, Item, StoredDraft, item_id
from drafting.settings import HOME, IN_CHECKOUT, SEED_CORPUS, Settings
from drafting.store import DraftStore
from drafting.warmup import WarmUp
from drafting.watch.assemble import app_triage
from drafting.watch.triage import Triage
from drafting.writing.limits import DraftLimiter
from drafting.writing.service import DraftingService

logger = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the CLI and the UI need, built once from settings."""

    settings: Settings
    corpus: CorpusFiles
    index: VectorIndex
    retriever: Retriever
    drafter: DraftingService
    store: DraftStore
    reviews: ReviewStore = field(default=None)  # type: ignore[assignment]  # made from store when not given
    corpus_lock: CorpusLock = field(default=None)  # type: ignore[assignment]
    warmup: WarmUp = field(default_factory=WarmUp)  # the first draft's one-time costs, paid at server start

    def __post_init__(self) -> None:
        self.reviews = self.reviews or ReviewStore(self.store)
        self.corpus_lock = self.corpus_lock or CorpusLock(self.settings.data_dir / "corpus.lock")

    def ingest(self, paths: list[Path] | None = None, *, progress: bool = False) -> tuple[list[Issue], SyncStats]:
        """Parse files into the corpus (default: re-read the corpus) and bring the index in line."""
        with self.corpus_lock.hold():  # the snapshot below must include every accept finished before it
            issues = [self.corpus.ingest(p) for p in paths] if paths else []
            stats = self.index.sync(self.indexable_items(), remove_missing=True, progress=progress)
            self.retriever.refresh()
        return issues or self.corpus.issues(), stats

    def watch_triage(self) -> Triage:
        """The watch's triage of new entries (#26) from this app's retriever, corpus and issues in progress."""
        return app_triage(self.settings, self.retriever, self.corpus, self.reviews)

    def indexable_items(self) -> list[Item]:
        """The corpus's items, plus the last indexed items of any file that is unreadable right now.

        A hand-edited JSON that breaks must not silently empty its part of the index: its items stay until the
        file is readable again (``check`` names the file meanwhile).
        """
        items = self.corpus.items()
        broken = set(self.corpus.broken)
        if not broken:
            return items
        have = {i.id for i in items}
        kept = [i for i in self.index.items() if i.issue in broken and i.id not in have]
        return kept + items

    def accept(
        self, draft_id: int, *, title: str, body: str, commentary: str, expected_version: int | None = None,
        actor: str | None = None,
    ) -> StoredDraft:
        """Store the editor's final text, add the item to the corpus and the index.

        One accept at a time (threads and processes): the re-accept path syncs the index from a corpus snapshot
        with removal on, which would drop an item another accept wrote meanwhile. ``expected_version`` refuses an
        accept from a stale page (ConflictError); the actor is recorded with the text before and after.
        """
        who = actor_name(actor)
        with self.corpus_lock.hold():
            before = self.store.accepted_text(draft_id)
            current = self.store.get(draft_id)
            text = {"title": title, "body": body, "commentary": commentary}
            if (before is not None and current.status == "accepted" and expected_version in (None, current.version)
                    and all(before.get(k) == v == getattr(current, k) for k, v in text.items())
                    and self.corpus.accepted_item(current.accepted_item().id) == current.accepted_item()):
                # Accepted already with this very text, and the corpus holds it as it is now (a Word review may have
                # changed only its sources): no new version, no 重新采纳 in the log.
                return current
            action = "reaccept" if before is not None else "accept"
            stored = self.store.accept(draft_id, title=title, body=body, commentary=commentary,
                                       expected_version=expected_version, actor=who, action=action)
            item = stored.accepted_item()
            self.corpus.add_item(item)
            old_id = item_id(item.section, before.get("title", ""), item.date) if before is not None else item.id
            if old_id != item.id and self.corpus.remove_item(old_id):
                # Accepted again under a corrected title: the earlier version must not linger as a precedent. A full
                # sync drops it, or puts back an issue item of the same id that it had shadowed; rare, so the cost is fine.
                self.index.sync(self.indexable_items(), remove_missing=True)
            else:
                self.index.sync([item])
            # No full lexical rebuild here: the next search follows the index's change log (time ~ the change).
            self.reviews.record("corpus", actor=who, draft_id=draft_id, issue_id=stored.batch_id,
                                before={"id": old_id, **(before or {})} if before else None,
                                after={"id": item.id, "title": item.title, "body": item.body, "commentary": item.commentary})
        return stored

    @cached_property
    def limiter(self) -> DraftLimiter:
        """The one limit on drafts running at once in this server, shared by the page and the JSON API."""
        server = self.settings.server
        return DraftLimiter(model=server.concurrency, offline=server.offline_concurrency)

    @cached_property
    def learning(self) -> Learning:
        """Edit analytics, house rules and precedent feedback (tables in the same SQLite file)."""
        return Learning(self.settings, self.store)


def build_services(settings: Settings | None = None) -> Services:
    """Make every service from settings; no work at import time."""
    settings = settings or Settings()
    # Chroma's anonymous telemetry must stay off: the firm's texts never leave the machine.
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if not IN_CHECKOUT and settings.corpus_dir == HOME / "corpus":
        seed_corpus(settings.corpus_dir, SEED_CORPUS)
    embedder = make_embedder(settings.embedding)
    index = VectorIndex(settings, embedder)
    retriever = Retriever(settings, index)
    return Services(
        settings=settings,
        corpus=CorpusFiles(settings.corpus_dir),
        index=index,
        retriever=retriever,
        drafter=DraftingService(settings, retriever),
        store=DraftStore(settings.db_path),
    )

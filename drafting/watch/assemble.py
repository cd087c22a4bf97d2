"""The triage a real run uses (the CLI's `watch run`, the app's schedule), made from the app's own parts.

Kept here rather than in ``services`` so the watch stage's wiring stays with it; ``Services.watch_triage`` calls this
with its retriever, corpus and issues in progress. An entry's page is read through the link fetcher (SSRF guard,
size cap, the sources cache), paced per host together with polling (one shared pacer).
"""

from __future__ import annotations

from drafting.corpus import CorpusFiles
from drafting.index.search import Retriever
from drafting.issues.review import ReviewStore
from drafting.settings import Settings
from drafting.sources.fetch import fetch
from drafting.watch.dedupe import Held
from drafting.watch.poll import shared_pacer
from drafting.watch.store import WatchStore
from drafting.watch.triage import Triage, held_from_corpus, held_from_issues, page_reader


def app_triage(settings: Settings, retriever: Retriever, corpus: CorpusFiles, reviews: ReviewStore,
               store: WatchStore | None = None) -> Triage:
    """Triage with every signal: scope, similarity to the corpus, editors' decisions, what the firm already holds."""
    store = store or WatchStore(settings.watch_db_path)
    pacer = shared_pacer(settings.watch.per_host_interval_s)  # the one polling uses: one pace per host in all
    cache = settings.sources_cache_path if settings.sources.cache else None

    def page_text(url: str) -> str:
        pacer.wait(url)
        return fetch(url, settings.sources, cache_dir=cache).raw_text(with_source=False)

    def held() -> list[Held]:
        return held_from_corpus(corpus.items()) + held_from_issues(reviews)

    return Triage(retriever, decisions=store.decisions, held=held,
                  read=page_reader(page_text) if settings.sources.fetch_enabled else None)

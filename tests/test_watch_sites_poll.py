"""Polling the six fixture sites (tests/watchsites.py) through their steps: every listing found once, GBK read, the
step-1 faults reported per source, the same document on two sites stored as one entry with both links."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from watchsites import LIST_PATH, WatchSites

from drafting.settings import SourcesSettings, WatchSettings
from drafting.watch.entry import RawEntry, Scored
from drafting.watch.run import run_once
from drafting.watch.store import WatchStore, canonical_url

SRC = SourcesSettings(timeout=3.0, block_private=False)
WATCH = WatchSettings(per_host_interval_s=0.0)


def test_three_steps_of_the_six_sites(tmp_path: Path) -> None:
    with WatchSites(slow_seconds=0.5) as sites:
        def triage(entries: Sequence[RawEntry]) -> list[Scored]:
            # what w-triage's triage says of the same document on two sites: one key for both listings
            found = [sites.entry_of_url(e.url) for e in entries]
            return [Scored(relevance=0.5, reason="测试", document_key=f.id if f else None) for f in found]

        store = WatchStore(tmp_path / "watch.sqlite3")
        sources = sites.sources()
        first = run_once(sources, store, triage, settings=SRC, watch=WATCH)
        assert first.errors == []
        assert sorted(first.polled) == sorted(LIST_PATH)
        step0 = {e.id for site in LIST_PATH for e in sites.listed(site, 0)}
        assert len(first.new) == len(step0)
        henan = [e for e in first.new if "henan" in e.sources]
        assert henan and all("\ufffd" not in e.title for e in henan)  # the GBK portal read as GBK
        x01 = next(e for e in first.new if sites.entry_of_url(e.url).id == "x01")  # type: ignore[union-attr]
        assert sorted(store.get(x01.id).links) == sorted(canonical_url(u) for u in sites.entry_urls("x01"))

        sites.step(1)
        second = run_once(sources, store, triage, settings=SRC, watch=WATCH, force=True)
        assert {s for s, _m in second.errors} == {"huangpu", "govcn"}  # the district's 404, the malformed feed
        assert "news" in second.polled  # slow, but within the timeout
        sites.step(2)
        third = run_once(sources, store, triage, settings=SRC, watch=WATCH, force=True)
        assert third.errors == []

        every = {e.id for site in LIST_PATH for e in sites.listed(site, 2)}
        stored = store.entries(None, limit=1000)
        assert len(stored) == len(every) == len(first.new) + len(second.new) + len(third.new)
        links = sorted(link for e in stored for link in e.links)
        assert links == sorted({canonical_url(u) for i in every for u in sites.entry_urls(i)})
        # the edited entry (same link, new text) is not offered again
        assert all(sites.entry_of_url(e.url).id != "m09" for e in second.new + third.new)  # type: ignore[union-attr]

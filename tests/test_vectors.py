"""The item vectors held in memory: exact search against a brute force, views that never change under a search,
the same answers as Chroma's HNSW on the seed corpus, and following writes of this and other processes."""

from __future__ import annotations

import itertools
import logging
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import make_settings, seeded_settings

from drafting.index import reading
from drafting.index.chroma import VectorIndex
from drafting.index.records import metadata, passage_text
from drafting.index.vectors import Columns, VectorTable
from drafting.models import SECTIONS, Item, SearchFilters
from drafting.services import build_services

QUERIES = ["上海 区块链 关键技术 攻关", "元宇宙产业发展行动计划", "数字藏品 平台 监管", "完成数亿元融资", "虚拟现实 标准"]
FILTERS = [None, SearchFilters(section="政策速递"), SearchFilters(has_commentary=False),
           SearchFilters(date_from="2023-09-25"), SearchFilters(date_to="2023-09-30", section="行业新闻")]


def unit(rng: np.random.Generator, n: int, dim: int = 8) -> np.ndarray:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def brute(rows: dict[str, tuple[np.ndarray, Columns]], q: np.ndarray, n: int, keep=lambda c: True) -> list[str]:
    """The n ids with the highest dot product, by a plain loop over what should be live."""
    scored = sorted(((float(v @ q), rid) for rid, (v, c) in rows.items() if keep(c)), reverse=True)
    return [rid for _, rid in scored[:n]]


def test_exact_search_matches_a_brute_force_with_filters() -> None:
    rng = np.random.default_rng(3)
    vecs = unit(rng, 300)
    cols = [Columns(section=n % 3, date=0 if n % 7 == 0 else 20230900 + n % 30 + 1, commentary=n % 2 == 0)
            for n in range(300)]
    table = VectorTable(8, capacity=16)  # grows several times on the way
    ids = [f"i{n}" for n in range(300)]
    for start in range(0, 300, 50):
        table.put(ids[start : start + 50], vecs[start : start + 50], cols[start : start + 50])
    rows = {rid: (v, c) for rid, v, c in zip(ids, vecs, cols)}
    view = table.view()
    assert view.count == 300
    for q in unit(rng, 5):
        got = view.nearest(q, 10)
        assert [rid for rid, _ in got] == brute(rows, q, 10)
        assert all(abs(s - float(rows[rid][0] @ q)) < 1e-5 for rid, s in got)
        section = view.nearest(q, 10, SearchFilters(section=SECTIONS[1]))
        assert [rid for rid, _ in section] == brute(rows, q, 10, lambda c: c.section == 1)
        dated = view.nearest(q, 500, SearchFilters(date_from="2023-09-10", date_to="2023-09-20", has_commentary=True))
        assert [rid for rid, _ in dated] == brute(rows, q, 500, lambda c: 20230910 <= c.date <= 20230920 and c.commentary)
        assert len(dated) == sum(1 for _, c in rows.values() if 20230910 <= c.date <= 20230920 and c.commentary)


def test_a_view_never_changes_under_a_search() -> None:
    rng = np.random.default_rng(5)
    table = VectorTable(8)
    vecs = unit(rng, 4)
    table.put(["a", "b", "c"], vecs[:3], [Columns(0, 0, False)] * 3)
    before = table.view()
    q = vecs[0]
    assert before.nearest(q, 3)[0][0] == "a"

    table.put(["a"], vecs[3:4], [Columns(0, 0, False)])  # "a" replaced: its old row dies, a new one is appended
    table.remove(["b"])
    after = table.view()
    # The old view still answers as it did: "a" once with its old vector, "b" still there.
    assert [rid for rid, _ in before.nearest(q, 3)] == [rid for rid, _ in sorted(
        ((rid, float(v @ q)) for rid, v in zip("abc", vecs[:3])), key=lambda p: -p[1])]
    assert np.allclose(before.get(["a"])["a"], vecs[0])
    # The new one has "a" once, with its new vector, and no "b".
    got = after.nearest(q, 10)
    assert sorted(rid for rid, _ in got) == ["a", "c"]
    assert np.allclose(after.get(["a"])["a"], vecs[3]) and after.get(["b"]) == {}


def test_replacing_again_and_again_compacts_without_changing_answers() -> None:
    rng = np.random.default_rng(9)
    table = VectorTable(8, capacity=8)
    latest: dict[str, tuple[np.ndarray, Columns]] = {}
    for rnd in range(40):
        vecs = unit(rng, 5)
        ids = [f"x{(rnd + k) % 7}" for k in range(5)]
        table.put(ids, vecs, [Columns(0, 0, False)] * 5)
        latest.update((rid, (v, Columns(0, 0, False))) for rid, v in zip(ids, vecs))
    view = table.view()
    assert view.count == 7
    assert len(view.live) < 40 * 5, "dead rows were never dropped"
    for q in unit(rng, 3):
        assert [rid for rid, _ in view.nearest(q, 7)] == brute(latest, q, 7)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory):
    services = build_services(seeded_settings(tmp_path_factory.mktemp("vectors")))
    services.ingest()
    return services


@pytest.mark.parametrize(("query", "filters"), list(itertools.product(QUERIES, FILTERS)))
def test_exact_search_in_memory_answers_like_chroma(seeded, query: str, filters: SearchFilters | None) -> None:
    index = seeded.index
    assert index.wait_vectors()
    vec = index.embedder.embed_query(query)
    exact = index.dense_vector(vec, 8, filters)
    limit = index.settings.index.exact_search_max
    index.settings.index.exact_search_max = 0
    try:
        hnsw = index.dense_vector(vec, 8, filters)
    finally:
        index.settings.index.exact_search_max = limit
    assert [rid for rid, _ in exact] == [rid for rid, _ in hnsw]
    assert all(abs(a - b) < 1e-4 for (_, a), (_, b) in zip(exact, hnsw))


def item(n: int, section: str = "行业新闻") -> Item:
    return Item(section=section, title=f"第{n}号测试条目：某市发布数字藏品平台合规指引", date="2023-10-09",
                body=f"2023年10月9日，某市发布数字藏品平台合规指引（第{n}号），要求平台落实实名制与内容审核。", issue="test")


def exact_ids(index: VectorIndex, query: str, n: int = 30) -> list[str]:
    view, complete = index._memory.view()
    assert view is not None and complete, "the vectors in memory should be in use"
    return [rid for rid, _ in index.dense(query, n)]


def test_writes_of_this_process_are_searched_at_once(tmp_path: Path) -> None:
    services = build_services(seeded_settings(tmp_path))
    services.ingest()
    index = services.index
    before = exact_ids(index, "数字藏品平台合规指引")
    new = item(1)
    index.upsert([new])
    assert new.id in exact_ids(index, "数字藏品平台合规指引")[:3]
    changed = new.model_copy(update={"body": "2023年10月9日，某市发布虚拟人直播规范，明确数字人主播的标识要求。"})
    index.upsert([changed])
    vec = index.vectors([changed.id])[changed.id]
    assert abs(float(vec @ index.embedder.embed_passages([passage_text(changed)])[0]) - 1.0) < 1e-3, "old vector kept"
    index.sync([i for i in index.items() if i.id != new.id], remove_missing=True)
    assert exact_ids(index, "数字藏品平台合规指引") == before


def test_another_process_write_is_followed_without_a_reload(tmp_path: Path) -> None:
    settings = seeded_settings(tmp_path)
    app = build_services(settings)
    app.ingest()
    assert app.index.wait_vectors()
    table = app.index._memory.table
    other = VectorIndex(make_settings(tmp_path), app.index.embedder)  # a CLI ingest beside the app
    new = item(2, section="政策速递")
    other.upsert([new])
    app.index.check_fresh(0)
    assert new.id in exact_ids(app.index, "数字藏品平台合规指引")[:3]
    assert app.index._memory.table is table, "one item written elsewhere should not reload every vector"


def test_vectors_load_in_the_background_and_searches_ask_chroma_meanwhile(tmp_path: Path, monkeypatch) -> None:
    settings = seeded_settings(tmp_path)
    services = build_services(settings)
    services.ingest()
    monkeypatch.setattr(reading, "INLINE_REBUILD_MAX", 0)  # as if the archive were large
    index = VectorIndex(settings, services.index.embedder)  # a restart
    gate = threading.Event()
    real = index._memory._load_table
    monkeypatch.setattr(index._memory, "_load_table", lambda: (gate.wait(60), real()))
    first = index.dense("元宇宙产业发展行动计划", 5)  # the load is held: Chroma answers
    view, complete = index._memory.view()
    assert view is None and not complete and first
    gate.set()
    assert index.wait_vectors()
    assert [rid for rid, _ in index.dense("元宇宙产业发展行动计划", 5)] == [rid for rid, _ in first]


def test_a_write_the_change_log_missed_is_caught_by_the_count(tmp_path: Path, caplog) -> None:
    services = build_services(seeded_settings(tmp_path))
    services.ingest()
    index = services.index
    assert index.wait_vectors()
    new = item(3)
    vec = index.embedder.embed_passages([passage_text(new)])
    # A write Chroma has but no change describes (as a writer that died before logging it would leave).
    index._collection.upsert(ids=[new.id], embeddings=vec, documents=[passage_text(new)], metadatas=[metadata(new)])
    with caplog.at_level(logging.WARNING, logger="drafting.index"):
        index._changed(external=True, items=[], removed=[])  # the next change, describing nothing of it
        hits = index.dense("数字藏品平台合规指引", 3)
        assert new.id in [rid for rid, _ in hits]  # short of Chroma: Chroma answers, nothing is reloaded yet
        assert index._memory.table is not None and not any("differ" in r.message for r in caplog.records)
        index._changed(external=True, items=[], removed=[])  # still short a change later, no write in flight
        index.dense("数字藏品平台合规指引", 3)
    assert any("differ from the index" in r.message for r in caplog.records)
    assert index.wait_vectors()
    assert new.id in exact_ids(index, "数字藏品平台合规指引")[:3]


def test_a_write_in_flight_reloads_nothing(tmp_path: Path, caplog) -> None:
    # An ingest writes Chroma batch by batch and logs its change at the end: meanwhile Chroma counts more items
    # than the vectors in memory. An accept landing then must not make anything read the index again.
    services = build_services(make_settings(tmp_path, embedding={"batch_size": 1}))
    services.ingest()
    index, retriever = services.index, services.retriever
    retriever.search("元宇宙产业发展行动计划", k=3)
    assert index.wait_vectors()
    lexical_version = retriever._lex.version
    batch_written, release = threading.Event(), threading.Event()
    real_embed = index.embedder.embed_passages
    calls = [0]

    def held_embed(texts: list[str]) -> np.ndarray:
        if threading.current_thread().name == "ingest":
            calls[0] += 1
            if calls[0] == 2:  # batch 1 is in Chroma, batch 2 waits
                batch_written.set()
                release.wait(120)
        return real_embed(texts)

    index.embedder.embed_passages = held_embed  # type: ignore[method-assign]
    ingest = threading.Thread(target=lambda: index.upsert([item(100), item(101), item(102)]), name="ingest")
    ingest.start()
    try:
        assert batch_written.wait(120)
        accepted = item(1)
        index.upsert([accepted])  # a lawyer's accept meanwhile
        with caplog.at_level(logging.WARNING, logger="drafting.index"):
            found = retriever.search("数字藏品平台合规指引", k=5)
            index.upsert([item(2)])  # and another: the table is still short, at a later version
            retriever.search("数字藏品平台合规指引", k=5)
        assert accepted.id in [p.item.id for p in found.precedents + found.duplicates]
        assert not any("differ" in r.message for r in caplog.records)
        assert index.changes_since(lexical_version) is not None, "an unknown change was logged"
        assert retriever._lexical()[1]
    finally:
        release.set()
        ingest.join(120)
    assert exact_ids(index, "数字藏品平台合规指引", 40)
    assert index._memory.view()[0].count == index._collection.count() == 17 + 5


def test_a_count_read_before_a_write_is_not_kept(tmp_path: Path, monkeypatch) -> None:
    from chromadb.api.models.Collection import Collection

    index = build_services(make_settings(tmp_path)).index  # empty, never ingested
    answered, release = threading.Event(), threading.Event()
    real = Collection.count

    def slow_count(self) -> int:
        n = real(self)
        if threading.current_thread().name == "search":
            answered.set()
            release.wait(60)  # descheduled right after Chroma answered 0
        return n

    monkeypatch.setattr(Collection, "count", slow_count)
    searching = threading.Thread(target=index.count, name="search")
    searching.start()
    assert answered.wait(60)
    new = item(4)
    index.upsert([new])
    release.set()
    searching.join(60)
    assert index.count() == 1
    assert new.id in [rid for rid, _ in index.dense(new.title, 5)]

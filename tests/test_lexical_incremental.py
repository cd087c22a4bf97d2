"""The incremental lexical index: accepts while searches run, the delta/merge path, the token cache."""

from __future__ import annotations

import threading
from pathlib import Path

from conftest import seeded_settings

from drafting.index.lexical import IncrementalLexicalIndex, TokenCache, tokenize, tokenize_all
from drafting.models import DraftRequest, item_id
from drafting.services import build_services

CITIES = ["苏州", "无锡", "合肥", "南昌", "长沙", "贵阳"]


def raw(city: str) -> str:
    return f"2023年10月9日，{city}市发布《{city}市元宇宙产业创新发展行动方案》，提出推动区块链与数字孪生技术在文旅、制造领域的应用。"


def test_accepts_while_searches_run_never_lose_or_repeat_an_item(tmp_path: Path) -> None:
    services = build_services(seeded_settings(tmp_path))
    services.ingest()
    seed = services.index.items()[0]
    drafts = []
    for city in CITIES:
        d = services.drafter.draft(DraftRequest(raw_text=raw(city), section="政策速递", offline=True))[0]
        drafts.append((city, d, services.store.create(d, source_text=raw(city))))

    accepted: dict[str, str] = {}  # item id → query; searches after its accept returned must find it
    replaced: set[str] = set()  # ids whose accept was superseded under a corrected title
    lock = threading.Lock()
    stop = threading.Event()
    problems: list[str] = []
    searches = [0]

    def searcher(mode: str) -> None:
        while not stop.is_set():
            with lock:
                must = dict(accepted)
                gone = set(replaced)
            for query, wanted in [(seed.title, seed.id), *((q, i) for i, q in must.items())]:
                if mode == "index":  # the dense step itself, before fusion could hide a repeated id
                    ids = [rid for rid, _ in services.index.dense(query, 40)]
                else:
                    res = services.retriever.search(query, k=20, mode=mode)
                    ids = [p.item.id for p in res.precedents + res.duplicates]
                if len(ids) != len(set(ids)):
                    problems.append(f"{mode}: duplicate ids {ids}")
                if wanted not in ids:
                    with lock:  # still required once the search is over (a re-accept releases the old id first)
                        required = wanted == seed.id or wanted in accepted
                    if required:
                        problems.append(f"{mode}: {wanted} missing for {query[:20]}")
                if gone & set(ids):
                    problems.append(f"{mode}: replaced {gone & set(ids)} still found")
                searches[0] += 1

    threads = [threading.Thread(target=searcher, args=(m,)) for m in ("lexical", "dense", "hybrid", "index")]
    for t in threads:
        t.start()
    try:
        for city, d, draft_id in drafts:
            title = f"{city}市发布《{city}市元宇宙产业创新发展行动方案》"
            services.accept(draft_id, title=title, body=d.item.body, commentary=d.commentary)
            with lock:
                accepted[item_id("政策速递", title, d.item.date)] = title
        # One accepted again under a corrected title: the old version must vanish, the new one appear.
        city, d, draft_id = drafts[0]
        old_title = f"{city}市发布《{city}市元宇宙产业创新发展行动方案》"
        fixed = f"{city}市印发《{city}市元宇宙产业创新发展三年行动方案》"
        old_id = item_id("政策速递", old_title, d.item.date)
        with lock:  # while the re-accept runs, either version may be found: the old one is no longer required
            accepted.pop(old_id)
        services.store.save_edit(draft_id, title=fixed, body=d.item.body, commentary=d.commentary)
        services.accept(draft_id, title=fixed, body=d.item.body, commentary=d.commentary)
        with lock:
            replaced.add(old_id)
            accepted[item_id("政策速递", fixed, d.item.date)] = fixed
        before = searches[0]
        while searches[0] < before + 4 and not problems:  # a few full rounds after the last accept
            threading.Event().wait(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=120)
    assert not problems, problems[:5]
    assert searches[0] > len(CITIES)


def test_delta_and_merge_rank_like_a_fresh_build(tmp_path: Path) -> None:
    texts = [raw(c) + f"第{n}条" for n, c in enumerate(CITIES)] + ["上海市区块链关键技术攻关专项行动方案", "北京数字人产业创新发展行动计划"]
    corpus = tokenize_all(texts)
    incremental = IncrementalLexicalIndex(corpus[:3], merge_at=10_000)
    rows = incremental.add(corpus[3:])
    assert rows == list(range(3, len(texts)))
    incremental.remove([0])
    fresh = IncrementalLexicalIndex(corpus)
    for query in ("上海 区块链 攻关", "北京 数字人", "长沙 元宇宙"):
        got, want = incremental.scores(query), fresh.scores(query)
        assert got[0] == 0.0
        assert int(got.argmax()) == int(want.argmax()), query
    view = incremental.snapshot()
    incremental.merge()  # folds the delta into bm25s; the old view stays scoreable, live flags survive
    after = incremental.scores("北京 数字人")
    assert int(after.argmax()) == len(texts) - 1 and after[0] == 0.0
    assert incremental.scores("北京 数字人", view).shape == (len(texts),)


def test_token_cache_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "tokens.sqlite3"
    texts = ["上海市区块链关键技术攻关专项行动方案", "北京数字人产业创新发展行动计划"]
    first = tokenize_all(texts, TokenCache(path))
    assert first == [tokenize(t) for t in texts]
    reopened = TokenCache(path)
    from drafting.index.lexical import text_hash

    assert reopened.load([text_hash(t) for t in texts]) == {text_hash(t): toks for t, toks in zip(texts, first)}


def test_restart_loads_the_stored_segment_and_catches_up(tmp_path: Path, caplog) -> None:
    import logging

    from drafting.index.search import Retriever

    settings = seeded_settings(tmp_path)
    services = build_services(settings)
    services.ingest()
    query = "上海 区块链 关键技术 攻关"
    services.retriever.search(query, k=5, mode="lexical")
    assert (settings.data_dir / "lexical_main" / "rows.json").exists()

    city, text = CITIES[0], raw(CITIES[0])
    d = services.drafter.draft(DraftRequest(raw_text=text, section="政策速递", offline=True))[0]
    title = f"{city}市发布《{city}市元宇宙产业创新发展行动方案》"
    services.accept(services.store.create(d, source_text=text), title=title, body=d.item.body, commentary=d.commentary)

    running = [p.item.id for p in services.retriever.search(query, k=5, mode="lexical").precedents]
    with caplog.at_level(logging.INFO, logger="drafting.index.search"):
        restarted = Retriever(settings, services.index)  # as a new process would: stored segment + delta
        assert [p.item.id for p in restarted.search(query, k=5, mode="lexical").precedents] == running
    assert any("lexical index loaded" in r.getMessage() and "1 new" in r.getMessage() for r in caplog.records)
    found = restarted.search(title, k=5, mode="lexical")
    assert item_id("政策速递", title, d.item.date) in [p.item.id for p in found.precedents + found.duplicates]

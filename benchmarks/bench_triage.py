"""Triage benchmark: how long scoring new watch entries takes, per entry and for a run of 500, pages not fetched.

Run: .venv/bin/python benchmarks/bench_triage.py [--entries 500] [--corpus 0] [--decisions 200]

Entries are the labelled watch FIXTURE's (tests/data/watch), cycled with a number added to each title so no query
is served from the retriever's cache. The corpus is the seed issue, plus --corpus items recombined from it
(benchmarks/bench_retrieval.make_items, embedded with the bundled model). --decisions editor decisions are stored in
the inbox first, so the decisions signal has something to compare against. Printed: seconds for the run, ms per
entry (p50/p95), the share of the precedent search, the CPU seconds (the wall time on an idle machine), and the
machine's load (the machine is shared).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from drafting.evaluation.watch import load_cases
from drafting.services import build_services
from drafting.settings import Settings
from drafting.watch.entry import RawEntry, Scored
from drafting.watch.store import WatchStore
from drafting.watch.triage import Triage, held_from_corpus

SEED = ROOT / "corpus" / "issues" / "000_91daaad5127cd8d6.txt"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--entries", type=int, default=500)
    ap.add_argument("--corpus", type=int, default=0, help="extra corpus items recombined from the seed")
    ap.add_argument("--decisions", type=int, default=200)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        (where / "corpus" / "issues").mkdir(parents=True)
        shutil.copy(SEED, where / "corpus" / "issues" / SEED.name)
        services = build_services(Settings(_env_file=None, corpus_dir=where / "corpus", data_dir=where / "data"))  # type: ignore[call-arg]
        t = time.perf_counter()
        services.ingest()
        if args.corpus:
            from bench_retrieval import make_items

            services.index.sync(services.indexable_items() + make_items(args.corpus))
            services.retriever.refresh()
        print(f"corpus: {services.index.count()} items indexed in {time.perf_counter() - t:.1f} s")
        cases = load_cases()
        entries = [RawEntry(c.site, f"https://{c.site}.bench/{k}", f"{c.title}（{k}）", c.published, c.text)
                   for k, c in ((k, cases[k % len(cases)]) for k in range(args.entries))]
        store = WatchStore(where / "watch.sqlite3")
        past = [RawEntry(c.site, f"https://{c.site}.past/{k}", f"{c.title}（往期{k}）", c.published)
                for k, c in ((k, cases[k % len(cases)]) for k in range(args.decisions))]
        ids = store.add([(p, Scored(0.5, "")) for p in past])
        for n, eid in enumerate(ids):
            store.set_status(eid, "ignored" if n % 2 else "added", issue_id="bench")
        held = held_from_corpus(services.indexable_items())
        triage = Triage(services.retriever, decisions=store.decisions, held=lambda: held)
        searched: list[float] = []
        search = services.retriever.search

        def timed_search(*a: object, **kw: object):  # the precedent search's share of the time
            t0 = time.perf_counter()
            try:
                return search(*a, **kw)  # type: ignore[arg-type]
            finally:
                searched.append(time.perf_counter() - t0)

        services.retriever.search = timed_search  # type: ignore[method-assign]
        triage(entries[:5])  # warm-up: model loaded, lexical side built
        searched.clear()
        per: list[float] = []
        t = time.perf_counter()
        cpu = time.process_time()
        decided = store.decisions()
        for e in entries:
            t0 = time.perf_counter()
            triage.score(e, held=held, decided=decided)
            per.append((time.perf_counter() - t0) * 1000)
        total = time.perf_counter() - t
        cpu = time.process_time() - cpu
        t = time.perf_counter()
        triage(entries[:50])  # the callable as run_once calls it: decisions and held read once per call
        call50 = time.perf_counter() - t
        per.sort()
        print(f"{args.entries} entries triaged in {total:.1f} s: {statistics.median(per):.0f} ms p50, "
              f"{per[int(len(per) * 0.95) - 1]:.0f} ms p95 per entry; precedent search {sum(searched) / total:.0%} of it; "
              f"{cpu:.1f} s of CPU (what an idle machine would take)")
        print(f"50 entries through Triage.__call__ (decisions and past items read once): {call50:.1f} s")
        print(f"decisions in the inbox: {len(decided)}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, "
              f"{dt.datetime.now(dt.UTC):%H:%M} UTC")


if __name__ == "__main__":
    main()

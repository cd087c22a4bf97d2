"""Watch run wall time: 10 sources × 500 entries (5 RSS feeds, 5 list pages, each its own host on loopback).

Three runs of ``run_once`` against a fresh store: the first stores all 5,000 entries; the second finds every source
unchanged (conditional requests → 304); the third finds 50 new entries on each source among the 500 it re-reads.
Triage is the trivial one (relevance scoring is measured by `drafting eval watch`). Hosts answer after --latency
seconds per request; the figure that counts is wall time minus that latency (hosts are polled 4 at a time, so their
latency adds ceil(10 / 4) × latency at most). Target: < 30 s for the first run.

    .venv/bin/python benchmarks/bench_watch.py [--sources 10] [--entries 500] [--latency 0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from watchfeeds import FeedServer, Route, list_page, rss

from drafting.settings import SourcesSettings, WatchSettings
from drafting.watch.entry import WatchSource
from drafting.watch.run import POLL_WORKERS, run_once, unscored
from drafting.watch.store import WatchStore

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", type=int, default=10)
    ap.add_argument("--entries", type=int, default=500)
    ap.add_argument("--latency", type=float, default=0.0, help="seconds each host waits before answering")
    args = ap.parse_args()
    servers = [FeedServer() for _ in range(args.sources)]
    for s in servers:
        s.start()
    sources = [WatchSource(id=f"s{sid}", name=f"来源{sid}", url=s.url("/feed.xml" if sid % 2 == 0 else "/list.html"),
                           kind="feed" if sid % 2 == 0 else "list", selector=None if sid % 2 == 0 else "ul.list li",
                           date_selector=None if sid % 2 == 0 else "span") for sid, s in enumerate(servers)]
    settings = SourcesSettings(block_private=False)
    watch = WatchSettings(max_entries=max(500, args.entries))
    host_wait = math.ceil(args.sources / POLL_WORKERS) * args.latency
    print(f"machine load (1/5/15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}; cores: {os.cpu_count()}")
    print(f"{args.sources} sources × {args.entries} entries, host latency {args.latency:g} s "
          f"(adds ≤ {host_wait:g} s per run)")
    with tempfile.TemporaryDirectory() as tmp:
        store = WatchStore(Path(tmp) / "watch.sqlite3")
        newest = args.entries
        _publish(servers, newest, args.entries, args.latency)
        for label, change in (("first run (all new)", 0), ("second run (unchanged, 304)", None),
                              ("third run (50 new per source)", 50)):
            if change:
                newest += change
                _publish(servers, newest, args.entries, args.latency)
            t0 = time.perf_counter()
            report = run_once(sources, store, unscored, settings=settings, watch=watch, force=True)
            wall = time.perf_counter() - t0
            print(f"{label:32s} wall {wall:6.2f} s, apart from hosts' latency {max(0.0, wall - host_wait):6.2f} s; "
                  f"new {len(report.new)}, unchanged {len(report.unchanged)}, errors {len(report.errors)}")
    for s in servers:
        s.stop()


if __name__ == "__main__":
    main()

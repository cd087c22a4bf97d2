"""Fault injection (#26): 20 watch runs (tests/watch_child.py, the path of `drafting watch run`) against sources that time out, answer 5xx, 404, garbage or
half a feed, while some runs are killed (SIGKILL) mid-way. Afterwards one clean run: no entry published is lost, none
is stored twice, and no run offered an entry another run had offered already.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from watchfeeds import FeedServer, Route, list_page, rss, serving

from drafting.watch.store import WatchStore, canonical_url

ROOT = Path(__file__).resolve().parent.parent
FAULTS = ["none"] * 6 + ["500", "503", "timeout", "garbage", "truncate", "404"]
FEEDS = ["/a.xml", "/b.xml", "/c.xml", "/d.xml"]
LISTS = ["/l1.html", "/l2.html"]
RUNS = 20


@pytest.fixture()
def server() -> Iterator[FeedServer]:
    with serving() as s:
        yield s


def _publish(server: FeedServer, published: dict[str, list[tuple[str, str, dt.date]]], run: int, rng: random.Random) -> None:
    """Each source lists a few more documents; each gets a random fault for this run."""
    for path in FEEDS + LISTS:
        rows = published.setdefault(path, [])
        for _ in range(rng.randint(3, 8) if rng.random() < 0.2 else 0):  # mostly unchanged: the next request is a 304
            n = len(rows)
            rows.append((server.url(f"{path.split('.')[0]}/{n}.html"), f"{path[1:3]}来源第{run}轮发布的第{n}号区块链监管文件",
                         dt.date(2026, 1, 1) + dt.timedelta(days=run)))
        body = rss(rows) if path in FEEDS else list_page(rows)
        ctype = "application/rss+xml; charset=utf-8" if path in FEEDS else "text/html; charset=utf-8"
        server.routes[path] = Route(body, ctype, fault=rng.choice(FAULTS), delay=rng.choice([0.0, 0.2, 0.5]))  # type: ignore[arg-type]


def _watch_toml(server: FeedServer) -> str:
    parts = []
    for path in FEEDS:
        parts.append(f'[[source]]\nid = "{path[1]}"\nname = "{path}"\nurl = "{server.url(path)}"\nkind = "feed"\nevery = "1h"\n')
    for path in LISTS:
        parts.append(f'[[source]]\nid = "{path[1:3]}"\nname = "{path}"\nurl = "{server.url(path)}"\nkind = "list"\n'
                     f'selector = "ul.list li"\ndate_selector = "span"\nevery = "1h"\n')
    return "\n".join(parts)


def test_twenty_faulty_runs_lose_nothing_and_offer_nothing_twice(server: FeedServer, tmp_path: Path) -> None:
    seed = int(os.environ.get("WATCH_FAULT_SEED", "2026"))
    rng = random.Random(seed)
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    (corpus / "watch.toml").write_text(_watch_toml(server), encoding="utf-8")
    env = {**os.environ, "DRAFTING_CORPUS_DIR": str(corpus), "DRAFTING_DATA_DIR": str(data),
           "DRAFTING_SOURCES__TIMEOUT": "0.5", "DRAFTING_SOURCES__BLOCK_PRIVATE": "false",
           "DRAFTING_WATCH__PER_HOST_INTERVAL_S": "0.1"}
    cmd = [sys.executable, str(ROOT / "tests" / "watch_child.py")]
    published: dict[str, list[tuple[str, str, dt.date]]] = {}
    offered: list[str] = []
    killed = completed = 0
    for run in range(RUNS):
        if run < RUNS - 4:  # the last runs find nothing new: what a killed run left behind must still come in
            _publish(server, published, run, rng)
        else:
            for route in server.routes.values():
                route.fault = rng.choice(FAULTS)  # type: ignore[assignment]
        kill = rng.random() < 0.5
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if kill:
            assert proc.stderr is not None
            line = b""
            while line.strip() != b"triage":  # the child is triaging a source's new entries: polled, not stored
                line = proc.stderr.readline()
                if not line:
                    break
            time.sleep(rng.uniform(0.0, 0.3))
            if line and proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed += 1
        out, err = proc.communicate(timeout=120)
        if proc.returncode == 0:
            completed += 1
            report = json.loads(out)
            offered.extend(e["id"] for e in report["new"])
        else:
            assert proc.returncode == -signal.SIGKILL, err.decode()
    for route in server.routes.values():
        route.fault, route.delay = "none", 0.0
    final = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, timeout=120, check=True)
    last = json.loads(final.stdout)
    assert last["errors"] == []
    offered.extend(e["id"] for e in last["new"])

    store = WatchStore(data / "watch.sqlite3")
    entries = store.entries(None, limit=100_000)
    expected = {canonical_url(u) for rows in published.values() for u, _t, _d in rows}
    stored_links = [link for e in entries for link in e.links]
    print(f"seed {seed}: {RUNS} runs, {killed} killed, {completed} completed, {len(expected)} documents, "
          f"{len(entries)} entries")
    assert killed >= 3 and completed >= 3  # kills really landed, and runs also finished
    assert sorted(stored_links) == sorted(expected)  # none lost, none stored twice
    assert len(entries) == len(expected)
    assert len(offered) == len(set(offered))  # no run offered what another had offered
    assert set(offered) <= {e.id for e in entries}

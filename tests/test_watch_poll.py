"""Polling the watch list: conditional requests, list pages, failures per source, page cap, SSRF guard, size cap."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from watchfeeds import FeedServer, Route, list_page, rss, serving

from drafting.settings import SourcesSettings, WatchSettings
from drafting.watch.entry import RawEntry, Scored, WatchSource
from drafting.watch.poll import HostPacer
from drafting.watch.run import run_once
from drafting.watch.store import WatchStore

SRC = SourcesSettings(timeout=1.0, block_private=False)
WATCH = WatchSettings(per_host_interval_s=0.0)
DAY = dt.date(2026, 5, 10)


@pytest.fixture()
def server() -> Iterator[FeedServer]:
    with serving() as s:
        yield s


def _entries(server: FeedServer, prefix: str, n: int, start: int = 0) -> list[tuple[str, str, dt.date]]:
    return [(server.url(f"/{prefix}/{i}.html"), f"{prefix} 关于区块链产业发展的第{i}号通知", DAY) for i in range(start, start + n)]


def _score(entries: Sequence[RawEntry]) -> list[Scored]:
    return [Scored(relevance=0.5, reason="测试") for _ in entries]


def test_feed_then_304_then_new_entries(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/feed.xml"] = Route(rss(_entries(server, "a", 5)))
    store = WatchStore(tmp_path / "w.sqlite3")
    sources = [WatchSource(id="f", name="F", url=server.url("/feed.xml"))]
    first = run_once(sources, store, _score, settings=SRC, watch=WATCH)
    assert first.errors == [] and len(first.new) == 5 and first.polled == ["f"]
    assert first.new[0].published == DAY and first.new[0].summary.endswith("的摘要")
    second = run_once(sources, store, _score, settings=SRC, watch=WATCH, force=True)
    assert second.new == [] and second.unchanged == ["f"]
    assert server.conditional["/feed.xml"] == 1
    # not due yet: no request at all
    run_once(sources, store, _score, settings=SRC, watch=WATCH)
    assert server.hits["/feed.xml"] == 2
    server.routes["/feed.xml"] = Route(rss(_entries(server, "a", 7)))
    third = run_once(sources, store, _score, settings=SRC, watch=WATCH, force=True)
    assert sorted(e.url for e in third.new) == [server.url("/a/5.html"), server.url("/a/6.html")]
    assert third.to_json()["new"][0]["source"] == "f"  # type: ignore[index]


def test_gbk_list_page_with_selectors(server: FeedServer, tmp_path: Path) -> None:
    rows = [("/zc/1.html", "关于推进元宇宙产业创新发展的实施意见", DAY), ("zc/2.html", "省数据局关于公共数据授权运营的通知", DAY)]
    server.routes["/list.html"] = Route(list_page(rows, "gbk"), "text/html")  # no charset in the header: the meta says
    store = WatchStore(tmp_path / "w.sqlite3")
    source = WatchSource(id="p", name="省政府", url=server.url("/list.html"), kind="list", selector="ul.list li",
                         date_selector="span")
    report = run_once([source], store, _score, settings=SRC, watch=WATCH)
    assert report.errors == []
    assert {e.title for e in report.new} == {rows[0][1], rows[1][1]}
    assert {e.url for e in report.new} == {server.url("/zc/1.html"), server.url("/zc/2.html")}
    assert all(e.published == DAY for e in report.new)


def test_each_failing_source_is_reported_alone(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/ok.xml"] = Route(rss(_entries(server, "ok", 3)))
    for path, fault in (("/gone.xml", "404"), ("/err.xml", "503"), ("/junk.xml", "garbage"), ("/slow.xml", "timeout")):
        server.routes[path] = Route(rss(_entries(server, path[1:5], 2)), fault=fault)  # type: ignore[arg-type]
    server.routes["/list.html"] = Route(b"<html><body><p>redesigned</p></body></html>", "text/html")
    sources = [WatchSource(id=p.strip("/").split(".")[0], name=p, url=server.url(p))
               for p in ("/gone.xml", "/err.xml", "/junk.xml", "/slow.xml", "/ok.xml")]
    sources.append(WatchSource(id="moved", name="moved", url=server.url("/list.html"), kind="list", selector="ul.list li"))
    store = WatchStore(tmp_path / "w.sqlite3")
    report = run_once(sources, store, _score, settings=SRC, watch=WATCH)
    assert len(report.new) == 3 and report.polled == ["ok"]
    errors = dict(report.errors)
    assert set(errors) == {"gone", "err", "junk", "slow", "moved"}
    assert "HTTP 404" in errors["gone"] and "稍后" in errors["err"] and "RSS/Atom" in errors["junk"]
    assert "超时" in errors["slow"] and "找不到条目" in errors["moved"]
    err = store.source_state("err")
    assert err.failures == 1 and err.next_due is not None and err.last_ok is None
    # Retry-After: 120 is honoured on top of the back-off
    assert (err.next_due - err.last_polled).total_seconds() >= 6 * 3600 / 4  # type: ignore[operator]
    # the next run skips the failing ones (backed off) and asks nothing of the unchanged one
    again = run_once(sources, store, _score, settings=SRC, watch=WATCH)
    assert again.errors == [] and again.new == []


def test_truncated_feed_keeps_no_validator(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/feed.xml"] = Route(rss(_entries(server, "t", 10)), fault="truncate")
    store = WatchStore(tmp_path / "w.sqlite3")
    sources = [WatchSource(id="t", name="T", url=server.url("/feed.xml"))]
    first = run_once(sources, store, _score, settings=SRC, watch=WATCH)
    assert 0 < len(first.new) < 10 and "格式有误" in dict(first.errors)["t"] and first.polled == []
    assert store.source_state("t").etag is None
    server.routes["/feed.xml"].fault = "none"
    second = run_once(sources, store, _score, settings=SRC, watch=WATCH, force=True)
    assert len(first.new) + len(second.new) == 10


def test_page_cap_defers_the_rest(server: FeedServer, tmp_path: Path) -> None:
    sources = []
    for n in range(5):
        server.routes[f"/f{n}.xml"] = Route(rss(_entries(server, f"f{n}", 2)))
        sources.append(WatchSource(id=f"f{n}", name=f"F{n}", url=server.url(f"/f{n}.xml")))
    store = WatchStore(tmp_path / "w.sqlite3")
    capped = WatchSettings(per_host_interval_s=0.0, max_pages=2)
    first = run_once(sources, store, _score, settings=SRC, watch=capped)
    assert len(first.polled) == 2 and len(first.deferred) == 3
    second = run_once(sources, store, _score, settings=SRC, watch=capped)
    third = run_once(sources, store, _score, settings=SRC, watch=capped)
    assert sorted(first.polled + second.polled + third.polled) == [f"f{n}" for n in range(5)]
    assert sum(server.hits.values()) == 5


def test_ssrf_guard_and_size_cap(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/feed.xml"] = Route(rss(_entries(server, "s", 400)))
    store = WatchStore(tmp_path / "w.sqlite3")
    sources = [WatchSource(id="s", name="S", url=server.url("/feed.xml"))]
    guarded = run_once(sources, store, _score, settings=SourcesSettings(timeout=1.0, block_private=True), watch=WATCH)
    assert guarded.new == [] and "内网或本机地址" in dict(guarded.errors)["s"]
    small = run_once(sources, store, _score, settings=SRC, watch=WatchSettings(per_host_interval_s=0.0, max_bytes=5000),
                     force=True)
    assert small.new == [] and "上限" in dict(small.errors)["s"]


def test_triage_failure_leaves_the_source_due(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/feed.xml"] = Route(rss(_entries(server, "x", 3)))
    store = WatchStore(tmp_path / "w.sqlite3")
    sources = [WatchSource(id="x", name="X", url=server.url("/feed.xml"))]

    def broken(entries: Sequence[RawEntry]) -> list[Scored]:
        raise RuntimeError("model down")

    failed = run_once(sources, store, broken, settings=SRC, watch=WATCH)
    assert failed.new == [] and "意外错误" in dict(failed.errors)["x"]
    assert store.source_state("x").etag is None  # no validator kept: the next request is not a 304
    ok = run_once(sources, store, _score, settings=SRC, watch=WATCH, force=True)
    assert len(ok.new) == 3


class _Killed(BaseException):
    """Stands for the process dying mid-triage (not an Exception: nothing in the run may catch it)."""


def test_run_killed_mid_triage_loses_nothing(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/feed.xml"] = Route(rss(_entries(server, "k", 4)))
    store = WatchStore(tmp_path / "w.sqlite3")
    sources = [WatchSource(id="k", name="K", url=server.url("/feed.xml"))]

    def dies(entries: Sequence[RawEntry]) -> list[Scored]:
        raise _Killed

    with pytest.raises(_Killed):
        run_once(sources, store, dies, settings=SRC, watch=WATCH)
    # the feed has not changed since: a validator saved by the dead run would make this a 304 and lose all four
    after = run_once(sources, store, _score, settings=SRC, watch=WATCH)
    assert len(after.new) == 4 and after.polled == ["k"]


def test_moved_source_is_read_and_reported(server: FeedServer, tmp_path: Path) -> None:
    server.routes["/new.xml"] = Route(rss(_entries(server, "m", 2)))
    server.routes["/old.xml"] = Route(b"", "redirect:/new.xml")
    store = WatchStore(tmp_path / "w.sqlite3")
    report = run_once([WatchSource(id="m", name="M", url=server.url("/old.xml"))], store, _score, settings=SRC, watch=WATCH)
    assert len(report.new) == 2
    assert "永久跳转" in dict(report.errors)["m"] and server.url("/new.xml") in dict(report.errors)["m"]


def test_one_host_is_asked_at_a_polite_pace(server: FeedServer, tmp_path: Path) -> None:
    sources = []
    for n in range(3):
        server.routes[f"/p{n}.xml"] = Route(rss(_entries(server, f"p{n}", 1)))
        sources.append(WatchSource(id=f"p{n}", name=f"P{n}", url=server.url(f"/p{n}.xml")))
    store = WatchStore(tmp_path / "w.sqlite3")
    report = run_once(sources, store, _score, settings=SRC, watch=WatchSettings(per_host_interval_s=0.4))
    assert len(report.new) == 3
    # three sources on one host: requests start 0.4 s apart (the server sees them give or take connection set-up)
    assert len(server.times) == 3 and server.times[2] - server.times[0] >= 0.7
    pacer = HostPacer(0.3)
    starts = []
    for url in ("http://a.example/1", "http://b.example/1", "http://a.example/2", "http://a.example/3"):
        slot = pacer.wait(url)
        starts.append((url[7:16], time.monotonic()))
        assert starts[-1][1] >= slot  # never asked before its slot
        starts[-1] = (url[7:16], slot)
    # the slots granted to one host are a full interval apart (the wall clock after wait() adds scheduling noise)
    a = [t for host, t in starts if host == "a.example"]
    assert min(y - x for x, y in itertools.pairwise(a)) >= 0.3 - 1e-9  # float rounding of at + interval
    assert starts[1][1] - starts[0][1] < 0.2  # another host is not held up

"""The watch store: one entry per document, idempotent adds, decisions remembered, Chinese errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from drafting.errors import ValidationError
from drafting.watch.entry import RawEntry, Scored
from drafting.watch.store import SourceState, WatchStore


def _raw(url: str, title: str, source: str = "mof", day: int = 1) -> RawEntry:
    return RawEntry(source_id=source, url=url, title=title, published=dt.date(2026, 5, day))


def test_add_is_idempotent_and_joins_the_same_document(tmp_path: Path) -> None:
    store = WatchStore(tmp_path / "watch.sqlite3")
    a = _raw("https://www.mof.gov.cn/a.html", "关于加强数字资产监管的通知", "mof")
    b = _raw("https://www.gov.cn/zhengce/b.html#top", "关于加强 数字资产 监管的通知。", "gov")
    c = _raw("https://www.gov.cn/c.html", "关于做好粮食收购工作的通知", "gov", day=3)
    first = store.add([(a, Scored(0.9, "相关")), (b, Scored(0.9, "相关")), (c, Scored(0.1, "无关"))])
    assert len(first) == 2
    again = store.add([(a, Scored(0.9, "相关")), (c, Scored(0.1, "无关"))])
    assert again == []
    entries = store.entries()
    assert [e.title for e in entries] == ["关于加强数字资产监管的通知", "关于做好粮食收购工作的通知"]
    assert entries[0].links == ("https://www.mof.gov.cn/a.html", "https://www.gov.cn/zhengce/b.html")
    assert entries[0].sources == ("mof", "gov")
    assert store.seen("HTTPS://WWW.GOV.CN:443/zhengce/b.html")
    assert not store.seen("https://www.gov.cn/other.html")
    assert store.seen_many([a.url, "https://x.example/"]) == {a.url}


def test_status_decisions_and_count(tmp_path: Path) -> None:
    store = WatchStore(tmp_path / "watch.sqlite3")
    ids = store.add([
        (_raw("https://a.example/1", "区块链信息服务管理规定修订"), Scored(0.8, "r")),
        (_raw("https://a.example/2", "元宇宙产业创新发展三年行动计划"), Scored(0.7, "r")),
        (_raw("https://a.example/3", "虚拟资产交易平台发牌制度的说明"), Scored(0.9, "r", duplicate_of="issue:7")),
        (_raw("https://a.example/4", "旅游统计数据月度发布情况通报"), Scored(0.05, "r")),
    ])
    assert store.count_new(0.5) == 2  # the duplicate and the irrelevant one do not count
    store.set_status(ids[0], "added", issue_id="2026-05")
    store.set_status(ids[1], "ignored")
    assert store.count_new(0.5) == 0
    assert {e.id: e.status for e in store.decisions()} == {ids[1]: "ignored", ids[0]: "added"}
    assert store.get(ids[0]).issue_id == "2026-05"
    with pytest.raises(ValidationError, match="收件箱中没有条目"):
        store.get("nope")
    with pytest.raises(ValidationError, match="没有条目"):
        store.set_status("nope", "later")
    with pytest.raises(ValidationError, match="状态"):
        store.set_status(ids[2], "done")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="加入本期"):
        store.set_status(ids[2], "added")


def test_source_state_round_trip(tmp_path: Path) -> None:
    store = WatchStore(tmp_path / "watch.sqlite3")
    assert store.source_state("x") == SourceState(id="x")
    when = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
    state = SourceState(id="x", etag='"abc"', last_modified="Fri, 01 May 2026 08:00:00 GMT", last_polled=when,
                        last_ok=when, next_due=when + dt.timedelta(hours=6), failures=0)
    store.record_poll(state)
    assert WatchStore(tmp_path / "watch.sqlite3").source_state("x") == state


def test_triage_document_key_joins_different_titles(tmp_path: Path) -> None:
    store = WatchStore(tmp_path / "watch.sqlite3")
    a = _raw("https://www.gov.cn/x01.html", "国务院办公厅关于印发《数据要素市场化配置综合改革方案》的通知", "gov")
    b = _raw("https://www.henan.gov.cn/x01.html", "河南省人民政府办公厅转发国务院办公厅关于印发数据要素市场化配置综合改革方案的通知", "henan")
    assert len(store.add([(a, Scored(0.9, "r", document_key="国办发〔2026〕12号"))])) == 1
    assert store.add([(b, Scored(0.9, "r", document_key="国办发〔2026〕12号"))]) == []
    (entry,) = store.entries()
    assert entry.links == (a.url, b.url) and entry.sources == ("gov", "henan")

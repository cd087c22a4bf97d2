"""The watch list file (presets, comments kept, verified written back), `drafting watch …`, one runner at a time."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner
from watchfeeds import FeedServer, Route, rss, serving

from drafting.cli.common import app
from drafting.errors import ValidationError
from drafting.settings import Settings
from drafting.watch import watchlist
from drafting.watch.run import unscored
from drafting.watch.schedule import WatchSchedule, lock_path, run_watch, runner_lock

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def server() -> Iterator[FeedServer]:
    with serving() as s:
        yield s


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(tmp_path / "corpus"))
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAFTING_SOURCES__BLOCK_PRIVATE", "false")
    monkeypatch.setenv("DRAFTING_WATCH__PER_HOST_INTERVAL_S", "0")
    return tmp_path


def test_presets_are_commented_and_kept_through_edits(tmp_path: Path) -> None:
    path = tmp_path / "watch.toml"
    assert watchlist.parse(watchlist.template()) == []  # every preset ships commented out
    assert "香港证监会" in watchlist.template() and "verified = false" in watchlist.template()
    added = watchlist.add(path, "https://www.example.gov.cn/zcwj/", selector="ul.list li", date_selector="span", every="12h")
    text = path.read_text(encoding="utf-8")
    assert "# id = \"miit-zcwj\"" in text and added.kind == "list" and added.every_seconds == 12 * 3600
    # a preset uncommented by hand, then verified by a run: the comments around it survive
    text = text.replace('# [[source]]\n# id = "36kr"\n# name = "36氪（RSS）"\n# url = "https://36kr.com/feed"\n'
                        '# kind = "feed"\n# every = "6h"\n# verified = false',
                        '[[source]]\nid = "36kr"\nname = "36氪（RSS）"\nurl = "https://36kr.com/feed"\n'
                        'kind = "feed"\nevery = "6h"\nverified = false')
    watchlist.write_text(path, text)
    assert [s.id for s in watchlist.load(path)] == ["36kr", added.id]
    watchlist.mark_verified(path, ["36kr"])
    after = path.read_text(encoding="utf-8")
    assert [s.verified for s in watchlist.load(path)] == [True, False]
    assert after.count("# [[source]]") == text.count("# [[source]]") and "# 关注列表" in after
    watchlist.remove(path, added.id)
    assert [s.id for s in watchlist.load(path)] == ["36kr"]


@pytest.mark.parametrize(("text", "message"), [
    ("[[source]\nid = 1", "不是有效的 TOML"),
    ('[[source]]\nid = "a"\nurl = "ftp://x/"', "http(s)"),
    ('[[source]]\nid = "a"\nurl = "https://x.cn/"\nkind = "list"', "需要 selector"),
    ('[[source]]\nid = "a"\nurl = "https://x.cn/"\nevery = "1m"', "不能短于"),
    ('[[source]]\nid = "a"\nurl = "https://x.cn/"\n[[source]]\nid = "a"\nurl = "https://y.cn/"', "重复"),
    ('[[source]]\nid = "a"\nurl = "https://x.cn/"\nselectr = "li"', "不认识的字段"),
])
def test_bad_watch_list_is_refused_in_chinese(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "watch.toml"
    path.write_text("# 原文件\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=message):
        watchlist.write_text(path, text)
    assert path.read_text(encoding="utf-8") == "# 原文件\n"  # nothing written


def test_every() -> None:
    assert [watchlist.parse_every(t) for t in ("6h", "30m", "1d", "2 小时", "900")] == [21600, 1800, 86400, 7200, 900]
    assert watchlist.format_every(21600) == "6h"
    with pytest.raises(ValidationError, match="间隔"):
        watchlist.parse_every("sometimes")


def test_cli_add_list_run(server: FeedServer, env: Path) -> None:
    server.routes["/feed.xml"] = Route(rss([(server.url("/a/1.html"), "关于规范虚拟资产交易平台的通知", time_day())]))
    runner = CliRunner()
    out = runner.invoke(app, ["watch", "add", server.url("/feed.xml"), "--feed", "--every", "1h", "--json"])
    assert out.exit_code == 0, out.output
    sid = json.loads(out.output)["id"]
    bad = runner.invoke(app, ["watch", "add", server.url("/x"), "--feed", "--selector", "li"])
    assert bad.exit_code != 0
    listed = json.loads(runner.invoke(app, ["watch", "list", "--json"]).output)
    assert [(r["id"], r["verified"]) for r in listed] == [(sid, False)]
    ran = runner.invoke(app, ["watch", "run", "--json"])
    assert ran.exit_code == 0, ran.output
    report = json.loads(ran.output)
    assert report["errors"] == []
    (new,) = report["new"]
    assert set(new) == {"id", "title", "url", "published", "source", "relevance", "profile", "duplicate_of"}
    assert new["title"] == "关于规范虚拟资产交易平台的通知" and new["source"] == sid
    listed = json.loads(runner.invoke(app, ["watch", "list", "--json"]).output)
    assert listed[0]["verified"] is True and listed[0]["next_due"]
    assert "verified = true" in (env / "corpus" / "watch.toml").read_text(encoding="utf-8")
    again = json.loads(runner.invoke(app, ["watch", "run", "--json"]).output)  # not due yet
    assert again == {"new": [], "errors": []} and server.hits["/feed.xml"] == 1


def time_day() -> dt.date:
    return dt.date(2026, 5, 20)


def test_one_runner_across_processes(server: FeedServer, env: Path) -> None:
    settings = Settings()
    server.routes["/feed.xml"] = Route(rss([(server.url("/a/1.html"), "关于区块链信息服务备案的公告", time_day())]))
    watchlist.add(settings.watch_list_file, server.url("/feed.xml"))
    lock_path(settings).parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", ("import fcntl, sys, time; f = open(sys.argv[1], 'a+b'); fcntl.flock(f, fcntl.LOCK_EX); "
                                "print('held', flush=True); time.sleep(60)"), str(lock_path(settings))],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert run_watch(settings, unscored) is None
        busy = CliRunner().invoke(app, ["watch", "run", "--json"])
        assert json.loads(busy.output)["skipped"]
        with runner_lock(lock_path(settings)) as held:
            assert held is False
    finally:
        holder.kill()
        holder.wait()
    report = run_watch(settings, unscored)
    assert report is not None and len(report.new) == 1


def test_schedule_runs_and_stops(server: FeedServer, env: Path) -> None:
    settings = Settings()
    server.routes["/feed.xml"] = Route(rss([(server.url("/a/1.html"), "关于数据出境安全评估的办法", time_day())]))
    watchlist.add(settings.watch_list_file, server.url("/feed.xml"))
    schedule = WatchSchedule(settings, lambda: unscored)
    schedule.start()
    try:
        job = schedule.scheduler.get_job("watch-run")
        assert job is not None and job.max_instances == 1 and job.coalesce
        job.modify(next_run_time=dt.datetime.now(dt.UTC))  # due now rather than 30 s after start-up
        deadline = time.monotonic() + 20
        while schedule.last is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert schedule.last is not None and len(schedule.last.new) == 1
    finally:
        schedule.shutdown()
    assert not schedule.scheduler.running

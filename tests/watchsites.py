"""The watch stage's loopback FIXTURE (issue #26): six invented sites serving labelled entries on 127.0.0.1.

Sites (`tests/data/watch/entries.json`; labels in `labels.json`, written before any scoring rule):
- ``miit``    a ministry's 政策文件 list page (UTF-8, ``ul.zcwj-list li``, dates ``span.date``);
- ``henan``   a province portal in **GBK** (meta charset only, no charset in the header; ``div.list li``);
- ``huangpu`` a district 信息公开 table (``table.xxgk-table tbody tr``, dates like 2026年11月27日);
- ``govcn``   an RSS 2.0 feed (summaries, RFC 822 dates);
- ``sfc``     an Atom feed in Traditional Chinese;
- ``news``    a news site's list of cards (``div.news-item``, ``span.pubtime``).

Each site is its own server (its own host:port, so per-host rate limits see six hosts); every entry has a detail
page the list links to. ``step(n)`` changes the sites between runs (entries with ``step <= n`` are listed):

- step 0: the first state; two documents are already on two sites (``sites`` lists both), three are old items the
  firm has published (label ``in_corpus``);
- step 1: new entries on every site; ``m09`` edited (same link, new body); ``h13``'s page 404s; the district list
  404s; the RSS feed is malformed; the news host is slow (``slow_seconds`` per request); ``x02`` appears on two sites;
- step 2: every fault cleared, more new entries (those hidden by step 1's faults become visible).

``fault(site, kind)`` sets a fault by hand (``"404"``, ``"500"``, ``"malformed"``, ``"slow"``, ``"reset"``, None).
``hits`` counts requests per (site, path). Feeds and lists answer conditional requests (ETag, Last-Modified → 304).
Run as a process (``python tests/watchsites.py PORTS.json``) it writes ``{site: base_url}`` and serves until killed;
``GET /__fixture/step?n=1`` on any site switches the step of all of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import hashlib
import html
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from drafting.watch.entry import RawEntry, WatchSource

DATA = Path(__file__).resolve().parent / "data" / "watch"
FAULTS = ("404", "500", "malformed", "slow", "reset")
STEP_FAULTS: dict[int, dict[str, str]] = {1: {"huangpu": "404", "govcn": "malformed", "news": "slow"}}
LAST_STEP = 2

# Where each site lists its entries and how a poller reads the list (the WatchSource the tests configure).
LIST_PATH = {"miit": "/zwgk/zcwj/index.html", "henan": "/zwgk/zfwj/index.shtml", "huangpu": "/xxgk/index.html",
             "govcn": "/zhengce/rss.xml", "sfc": "/news/atom.xml", "news": "/tech/index.html"}
SELECTORS = {"miit": ("ul.zcwj-list li", "span.date"), "henan": ("div.list li", "span.time"),
             "huangpu": ("table.xxgk-table tbody tr", "td.date"), "news": ("div.news-item", "span.pubtime")}


@dataclasses.dataclass(frozen=True)
class Label:
    relevant: bool
    section: str | None = None
    in_corpus: str | None = None  # the title of the past item holding the same document


@dataclasses.dataclass(frozen=True)
class FixtureEntry:
    id: str
    sites: tuple[str, ...]
    step: int
    date: dt.date
    title: str
    body: str
    titles: dict[str, str] = dataclasses.field(default_factory=dict)  # a site's own title for the same document
    edit: dict[str, Any] | None = None
    gone_at: int | None = None

    def title_on(self, site: str) -> str:
        return self.titles.get(site, self.title)

    def text_at(self, step: int) -> tuple[str, str]:
        """(title, body) as published at that step (an edit changes them from its step on)."""
        if self.edit and step >= self.edit["step"]:
            return self.edit.get("title", self.title), self.edit.get("body", self.body)
        return self.title, self.body


def load_fixture(data: Path = DATA) -> tuple[dict[str, dict[str, str]], list[FixtureEntry], dict[str, Label]]:
    """(sites, entries, labels) of the fixture."""
    doc = json.loads((data / "entries.json").read_text(encoding="utf-8"))
    entries = [FixtureEntry(id=e["id"], sites=tuple(e["sites"]), step=e["step"], date=dt.date.fromisoformat(e["date"]),
                            title=e["title"], body=e["body"], titles=e.get("titles", {}), edit=e.get("edit"),
                            gone_at=e.get("gone_at")) for e in doc["entries"]]
    raw_labels = json.loads((data / "labels.json").read_text(encoding="utf-8"))["labels"]
    labels = {k: Label(**v) for k, v in raw_labels.items()}
    return doc["sites"], entries, labels


def detail_path(site: str, entry: FixtureEntry) -> str:
    return {"miit": f"/zwgk/zcwj/art/{entry.date.year}/art_{entry.id}.html",
            "henan": f"/zwgk/zfwj/{entry.date:%Y%m}/t{entry.id}.shtml",
            "huangpu": f"/xxgk/{entry.id}.html",
            "govcn": f"/zhengce/content/{entry.date:%Y%m}/content_{entry.id}.htm",
            "sfc": f"/news/{entry.date:%Y}/{entry.id}.html",
            "news": f"/tech/{entry.date:%Y%m%d}/{entry.id}.html"}[site]


class WatchSites:
    """The six sites, each served on its own 127.0.0.1 port in a thread; use as a context manager."""

    def __init__(self, slow_seconds: float = 3.0, data: Path = DATA) -> None:
        self.meta, self.entries, self.labels = load_fixture(data)
        self.slow_seconds = slow_seconds
        self.hits: Counter[tuple[str, str]] = Counter()
        self.state = 0
        self.faults: dict[str, str] = {}
        self.servers: dict[str, ThreadingHTTPServer] = {}
        self._lock = threading.Lock()

    # --- what the sites hold
    def step(self, n: int) -> None:
        """Switch every site to step n (its faults replace any set by hand)."""
        with self._lock:
            self.state = n
            self.faults = dict(STEP_FAULTS.get(n, {}))

    def fault(self, site: str, kind: str | None) -> None:
        if kind is not None and kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}")
        with self._lock:
            if kind is None:
                self.faults.pop(site, None)
            else:
                self.faults[site] = kind

    def listed(self, site: str, step: int | None = None) -> list[FixtureEntry]:
        """The entries a site lists at a step (default: the current one), newest first."""
        step = self.state if step is None else step
        found = [e for e in self.entries if site in e.sites and e.step <= step]
        return sorted(found, key=lambda e: (e.date, e.id), reverse=True)

    def entry(self, entry_id: str) -> FixtureEntry:
        return next(e for e in self.entries if e.id == entry_id)

    def base(self, site: str) -> str:
        return f"http://127.0.0.1:{self.servers[site].server_address[1]}"

    def list_url(self, site: str) -> str:
        return self.base(site) + LIST_PATH[site]

    def entry_url(self, entry_id: str, site: str | None = None) -> str:
        entry = self.entry(entry_id)
        site = site or entry.sites[0]
        return self.base(site) + detail_path(site, entry)

    def entry_urls(self, entry_id: str) -> list[str]:
        return [self.entry_url(entry_id, s) for s in self.entry(entry_id).sites]

    def entry_of_url(self, url: str) -> FixtureEntry | None:
        """The fixture entry a link (on any site) points to."""
        for e in self.entries:
            if url in self.entry_urls(e.id):
                return e
        return None

    def sources(self) -> list[WatchSource]:
        """The watch list a user would write for these sites."""
        out = []
        for site, meta in self.meta.items():
            kind = "feed" if meta["kind"] in ("rss", "atom") else "list"
            selector, date_selector = SELECTORS.get(site, (None, None))
            out.append(WatchSource(id=site, name=meta["name"], url=self.list_url(site), kind=kind, selector=selector,
                                   date_selector=date_selector, every_seconds=3600))
        return out

    def raw_entries(self, step: int | None = None) -> list[RawEntry]:
        """What a correct poller yields at a step, every site's listing of every entry (no faults applied)."""
        step = self.state if step is None else step
        rows = []
        for site in self.meta:
            feed = self.meta[site]["kind"] in ("rss", "atom")
            for e in self.listed(site, step):
                title, body = e.text_at(step)
                rows.append(RawEntry(source_id=site, url=self.entry_url(e.id, site), title=e.titles.get(site, title),
                                     published=e.date, summary=body if feed else ""))
        return rows

    # --- pages
    def page(self, site: str, path: str) -> tuple[int, str, bytes] | None:
        """(status, content type, body) of a path at the current step, None when nothing is there."""
        enc = self.meta[site]["encoding"]
        if path == LIST_PATH[site]:
            kind = self.meta[site]["kind"]
            text = {"rss": self._rss, "atom": self._atom}.get(kind, self._list)(site)
            ctype = {"rss": "application/rss+xml; charset=utf-8", "atom": "application/atom+xml; charset=utf-8"}.get(
                kind, "text/html" if enc == "gbk" else "text/html; charset=utf-8")
            return 200, ctype, text.encode(enc)
        for e in self.listed(site):
            if detail_path(site, e) == path:
                if e.gone_at is not None and self.state >= e.gone_at:
                    return None
                ctype = "text/html" if enc == "gbk" else "text/html; charset=utf-8"
                return 200, ctype, self._detail(site, e).encode(enc)
        return None

    def _detail(self, site: str, e: FixtureEntry) -> str:
        title, body = e.text_at(self.state)
        title = e.titles.get(site, title)
        charset = "gb2312" if self.meta[site]["encoding"] == "gbk" else "utf-8"
        issuer = self.meta[site]["issuer"]
        paras = "".join(f"<p>{html.escape(p)}。</p>" for p in body.rstrip("。").split("。"))
        return f"""<!DOCTYPE html><html><head><meta charset="{charset}"><title>{html.escape(title)}</title>
<meta name="ArticleTitle" content="{html.escape(title)}"><meta name="PubDate" content="{e.date} 09:30">
<meta name="ContentSource" content="{html.escape(issuer)}"></head><body>
<div class="nav"><a href="/">首页</a> &gt; 正文</div>
<div class="article"><h1>{html.escape(title)}</h1><div class="info">发布时间：{e.date}　来源：{html.escape(issuer)}</div>
<div class="content">{paras}</div></div><div class="footer">版权所有：{html.escape(issuer)}</div></body></html>"""

    def _list(self, site: str) -> str:
        charset = "gb2312" if self.meta[site]["encoding"] == "gbk" else "utf-8"
        rows = []
        for e in self.listed(site):
            href, title = html.escape(detail_path(site, e)), html.escape(e.title_on(site))
            if site == "miit":
                rows.append(f'<li><a href="{href}" title="{title}" target="_blank">{title}</a><span class="date">{e.date}</span></li>')
            elif site == "henan":
                rows.append(f'<li><span class="time">{e.date}</span><a href="{href}" target="_blank">{title}</a></li>')
            elif site == "huangpu":
                rows.append(f'<tr><td class="title"><a href="{href}">{title}</a></td><td class="org">{html.escape(self.meta[site]["issuer"])}</td>'
                            f'<td class="date">{e.date.year}年{e.date.month}月{e.date.day}日</td></tr>')
            else:
                lead = html.escape(e.text_at(self.state)[1][:40])
                rows.append(f'<div class="news-item"><h3><a href="{href}">{title}</a></h3><p class="summary">{lead}…</p>'
                            f'<span class="pubtime">{e.date} 09:30</span></div>')
        body = {"miit": '<ul class="list-unstyled zcwj-list">{}</ul>', "henan": '<div class="list"><ul>{}</ul></div>',
                "huangpu": '<table class="xxgk-table"><thead><tr><th>标题</th><th>发布机构</th><th>日期</th></tr></thead><tbody>{}</tbody></table>',
                "news": '<div class="news-list">{}</div>'}[site].format("\n".join(rows))
        return (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{html.escape(self.meta[site]["name"])}</title></head>'
                f'<body><div class="header"><a href="/">首页</a></div>{body}'
                '<div class="page">共1页 <a href="#">首页</a> <a href="#">尾页</a></div></body></html>')

    def _rss(self, site: str) -> str:
        items = []
        for e in self.listed(site):
            title, body = e.text_at(self.state)
            date = email.utils.format_datetime(dt.datetime.combine(e.date, dt.time(9, 30), dt.timezone(dt.timedelta(hours=8))))
            link = html.escape(self.base(site) + detail_path(site, e))
            items.append(f"<item><title>{html.escape(e.titles.get(site, title))}</title><link>{link}</link><guid>{link}</guid>"
                         f"<pubDate>{date}</pubDate><description>{html.escape(body)}</description></item>")
        return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>中国政府网 最新政策</title>'
                f'<link>{self.base(site)}/zhengce/</link><description>最新政策</description>{"".join(items)}</channel></rss>')

    def _atom(self, site: str) -> str:
        items = []
        for e in self.listed(site):
            title, body = e.text_at(self.state)
            link = html.escape(self.base(site) + detail_path(site, e))
            items.append(f'<entry><title>{html.escape(title)}</title><link href="{link}"/><id>tag:sfc.fixture,{e.date}:{e.id}</id>'
                         f"<updated>{e.date}T18:00:00+08:00</updated><summary>{html.escape(body)}</summary></entry>")
        newest = self.listed(site)[0].date if self.listed(site) else dt.date(2026, 1, 1)
        return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>證監會新聞稿</title>'
                f'<id>tag:sfc.fixture,2026:news</id><updated>{newest}T18:00:00+08:00</updated>{"".join(items)}</feed>')

    # --- serving
    def __enter__(self) -> Self:
        for site in self.meta:
            server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler(site))
            server.daemon_threads = True
            self.servers[site] = server
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()

    def _handler(self, site: str) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet test output
                pass

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == "/__fixture/step":
                    owner.step(int(parse_qs(parts.query)["n"][0]))
                    return self._send(200, "text/plain", b"ok")
                owner.hits[(site, parts.path)] += 1
                fault = owner.faults.get(site)
                if fault == "slow":
                    time.sleep(owner.slow_seconds)
                elif fault == "reset":  # the connection drops without an answer
                    self.close_connection = True
                    return
                elif fault in ("404", "500") and parts.path == LIST_PATH[site]:
                    return self._send(int(fault), "text/html; charset=utf-8", f"<h1>{fault} 页面不存在或服务器错误</h1>".encode())
                found = owner.page(site, parts.path)
                if found is None:
                    return self._send(404, "text/html; charset=utf-8", "<h1>404 页面不存在</h1>".encode())
                status, ctype, body = found
                if fault == "malformed" and parts.path == LIST_PATH[site]:
                    # cut mid-entry, with a stray ampersand: what a portal under maintenance sometimes serves
                    body = body[: len(body) // 2] + " & <<系统维护中".encode()
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                listed = owner.listed(site)
                modified = email.utils.format_datetime(
                    dt.datetime.combine(listed[0].date if listed else dt.date(2026, 1, 1), dt.time(9, 30), dt.UTC), usegmt=True)
                headers = {"ETag": etag, "Last-Modified": modified}
                if self.headers.get("If-None-Match") == etag or (
                        "If-None-Match" not in self.headers and self.headers.get("If-Modified-Since") == modified):
                    return self._send(304, None, b"", headers)
                self._send(status, ctype, body, headers)

            def _send(self, status: int, ctype: str | None, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


def serve_forever(ports_file: Path, slow_seconds: float = 3.0) -> None:
    """Run as a process (browser tests): write {site: base url}, then serve until killed."""
    with WatchSites(slow_seconds=slow_seconds) as sites:
        ports_file.write_text(json.dumps({s: sites.base(s) for s in sites.meta}), encoding="utf-8")
        threading.Event().wait()


if __name__ == "__main__":
    import sys

    serve_forever(Path(sys.argv[1]))

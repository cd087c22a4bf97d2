"""A loopback server of generated feeds and list pages, with faults to inject (for polling tests and the benchmark).

Written for w-poll's tests: each route is a body the test sets (or changes between runs) and a fault (5xx, a timeout,
garbage, a 429 with Retry-After). ETag and Last-Modified are answered like a real server: 304 when unchanged.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import hashlib
import html
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

Fault = Literal["none", "500", "503", "timeout", "garbage", "404", "truncate"]


@dataclasses.dataclass
class Route:
    body: bytes
    content_type: str = "application/rss+xml; charset=utf-8"
    fault: Fault = "none"
    delay: float = 0.0


def rss(entries: Sequence[tuple[str, str, dt.date]], title: str = "测试订阅") -> bytes:
    """An RSS 2.0 document of (url, title, date) entries."""
    items = "".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(u)}</link>"
        f"<pubDate>{email.utils.format_datetime(dt.datetime(d.year, d.month, d.day, 8, tzinfo=dt.UTC))}</pubDate>"
        f"<description>{html.escape(t)}的摘要</description></item>"
        for u, t, d in entries
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.invalid/</link><description>测试</description>{items}</channel></rss>").encode()


def list_page(entries: Sequence[tuple[str, str, dt.date]], encoding: str = "utf-8") -> bytes:
    """A government-style list page: <ul class="list"><li><a href>title</a><span>date</span></li>…"""
    lis = "".join(f'<li><a href="{html.escape(u)}" target="_blank">{html.escape(t)}</a><span>{d.isoformat()}</span></li>'
                  for u, t, d in entries)
    return (f'<html><head><meta charset="{encoding}"><title>政策文件</title></head><body><div class="nav">'
            f'<a href="/">首页</a></div><ul class="list">{lis}</ul></body></html>').encode(encoding)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a poller killed mid-request resets its connection: expected here, not worth a traceback


class FeedServer:
    """Routes by path; ``hits`` counts requests per path, ``conditional`` the requests that carried a validator."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.conditional: dict[str, int] = {}
        self.times: list[float] = []  # monotonic time of every request, in order
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with owner.lock:
                    route = owner.routes.get(path)
                    owner.hits[path] = owner.hits.get(path, 0) + 1
                    owner.times.append(time.monotonic())
                    if self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"):
                        owner.conditional[path] = owner.conditional.get(path, 0) + 1
                if route is not None and route.content_type.startswith("redirect:"):
                    self._send(301, b"", "text/plain", {"Location": route.content_type.split(":", 1)[1]})
                    return
                if route is None or route.fault == "404":
                    self._send(404, b"not found", "text/plain")
                    return
                if route.delay:
                    time.sleep(route.delay)
                if route.fault == "timeout":
                    time.sleep(30)
                    return
                if route.fault in ("500", "503"):
                    self._send(int(route.fault), b"error", "text/plain", {"Retry-After": "120"})
                    return
                body = route.body
                if route.fault == "garbage":
                    body = b"\x00\x01<<<this is not a feed>>>" * 20
                elif route.fault == "truncate":
                    body = body[: len(body) // 2]
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self._send(304, b"", route.content_type, {"ETag": etag})
                    return
                self._send(200, body, route.content_type, {"ETag": etag})

            def _send(self, code: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if body and code != 304:
                    try:
                        self.wfile.write(body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def serving() -> Iterator[FeedServer]:
    server = FeedServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()

"""One source polled politely: a conditional GET through the link fetcher's network guard, then its entries read.

Feeds are parsed by feedparser from the bytes fetched here (feedparser never opens a connection itself, so the SSRF
guard, the size cap and the deadline of ``drafting/sources/netguard.py`` hold for feeds too); list pages are parsed
by lxml and a CSS selector (cssselect) naming one entry, its first link and, optionally, its date. A source that
fails, moved or returns garbage raises ``SourceError`` with a Chinese message for that source alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import io
import re
import threading
import time
from urllib.parse import urljoin, urlsplit

import feedparser
import httpx
import lxml.html
from lxml.cssselect import CSSSelector, SelectorError

from drafting.errors import SourceError
from drafting.settings import SourcesSettings, WatchSettings
from drafting.sources import inflate, netguard
from drafting.sources.dates import to_iso
from drafting.sources.fetch import decode_page
from drafting.watch.entry import RawEntry, WatchSource

_FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
_PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
# feedparser flags these as "bozo" although the entries are fine (a charset label the bytes contradict)
_HARMLESS_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


class RetryLater(SourceError):
    """The host asked us to come back later (429/503 with Retry-After): back off at least that long."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclasses.dataclass(frozen=True)
class Fetched:
    """A conditional GET's answer: 304 carries no body."""

    status: int
    data: bytes = b""
    url: str = ""
    content_type: str = ""
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None  # the address a permanent redirect (301/308) led to


@dataclasses.dataclass(frozen=True)
class Polled:
    """What polling a source gave: its entries (none when unchanged) and the validators for the next request.

    ``complete`` is False when the feed was read only in part (malformed): its validators are then not kept, so the
    next run asks for the whole feed again instead of being told "304, nothing changed".
    """

    entries: list[RawEntry]
    etag: str | None
    last_modified: str | None
    not_modified: bool = False
    complete: bool = True
    moved_to: str | None = None


class HostPacer:
    """At most one request per host every ``interval`` seconds, across the threads of a run."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, url: str) -> float:
        """Sleep until this URL's host may be asked again, book the next slot, and return this request's slot."""
        host = urlsplit(url).netloc.lower()
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next.get(host, 0.0))
            self._next[host] = at + self.interval
        if at > now:
            time.sleep(at - now)
        return at


_PACERS: dict[float, HostPacer] = {}
_PACERS_LOCK = threading.Lock()


def shared_pacer(interval: float) -> HostPacer:
    """The process's pacer for this interval: polling and triage's page reads share it, so together they stay polite."""
    with _PACERS_LOCK:
        return _PACERS.setdefault(interval, HostPacer(interval))


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or url[:200]
    except ValueError:
        return url[:200]


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises here rather than mid-request
    except ValueError as exc:
        raise SourceError(f"网址「{url[:200]}」格式有误：请在关注列表中改正") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(f"网址「{url[:200]}」不是 http(s) 网址：请在关注列表中改正")


def _status_error(resp: httpx.Response, url: str) -> SourceError:
    code = resp.status_code
    if code in (404, 410):
        return SourceError(f"页面不存在（HTTP {code}）：{url[:200]}，网站可能已改版，请在关注列表中更新网址")
    if code in (401, 403):
        return SourceError(f"{_host(url)} 拒绝访问（HTTP {code}）：该来源可能需要登录或已屏蔽自动访问")
    if code in (429, 503):
        wait = _retry_after(resp.headers.get("retry-after"))
        return RetryLater(f"{_host(url)} 要求稍后再访问（HTTP {code}）：已推迟该来源的下次读取", wait)
    return SourceError(f"{_host(url)} 返回错误 HTTP {code}：下次运行会重试")


def conditional_get(url: str, *, etag: str | None, last_modified: str | None, accept: str,
                    sources: SourcesSettings, max_bytes: int) -> Fetched:
    """GET with If-None-Match / If-Modified-Since; redirects followed and checked hop by hop; body capped."""
    deadline = time.monotonic() + sources.total_timeout
    headers = {"User-Agent": sources.user_agent, "Accept": accept, "Accept-Encoding": "gzip, deflate, br, zstd"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    transport = netguard.GuardedTransport(block_private=bool(sources.block_private), deadline=deadline)
    with httpx.Client(follow_redirects=False, timeout=httpx.Timeout(sources.timeout), headers=headers,
                      transport=transport) as client:
        moved: str | None = None
        for _hop in range(sources.max_redirects + 1):
            _check_url(url)
            try:
                with client.stream("GET", url) as resp:
                    if resp.is_redirect and resp.headers.get("location"):
                        url = urljoin(str(resp.url), resp.headers["location"])
                        if resp.status_code in (301, 308):
                            moved = url
                        continue
                    if resp.status_code == 304:
                        return Fetched(status=304, url=str(resp.url), etag=etag, last_modified=last_modified,
                                       moved_to=moved)
                    if resp.status_code >= 300:
                        raise _status_error(resp, url)
                    declared = resp.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise SourceError(_too_big(url, int(declared), max_bytes))
                    data = _body(resp, url, max_bytes, deadline)
                    return Fetched(
                        status=resp.status_code, data=data, url=str(resp.url),
                        content_type=resp.headers.get("content-type", "").split(";")[0].strip().lower(),
                        charset=resp.charset_encoding, etag=resp.headers.get("etag"),
                        last_modified=resp.headers.get("last-modified"), moved_to=moved,
                    )
            except httpx.InvalidURL as exc:
                raise SourceError(f"网址「{url[:200]}」格式有误：请在关注列表中改正") from exc
            except httpx.TimeoutException as exc:
                raise SourceError(f"{_host(url)} 在 {sources.total_timeout:g} 秒内没有返回完整内容（超时）：下次运行会重试") from exc
            except httpx.TransportError as exc:
                raise SourceError(f"无法连接到 {_host(url)}（{type(exc).__name__}）：下次运行会重试") from exc
    raise SourceError(f"{_host(url)} 跳转超过 {sources.max_redirects} 次：请在关注列表中更新网址")


def _too_big(url: str, size: int, cap: int) -> str:
    return f"{_host(url)} 的页面超过 {cap / 1_000_000:g} MB 上限（至少 {size / 1_000_000:.1f} MB），未读取：DRAFTING_WATCH__MAX_BYTES"


def _body(resp: httpx.Response, url: str, cap: int, deadline: float) -> bytes:
    return inflate.read_capped(
        resp.iter_raw(inflate.CHUNK), resp.headers.get("content-encoding", ""), cap, deadline,
        too_big=lambda size: SourceError(_too_big(url, size, cap)),
        too_slow=lambda: SourceError(f"{_host(url)} 没有在时限内返回完整内容（超时）：下次运行会重试"),
        undecodable=lambda: SourceError(f"{_host(url)} 返回的压缩内容无法解压：下次运行会重试"),
    )


# --- reading entries -------------------------------------------------------------------------------------------------

def _struct_date(value: object) -> dt.date | None:
    if isinstance(value, time.struct_time):
        try:
            return dt.date(value.tm_year, value.tm_mon, value.tm_mday)
        except ValueError:
            return None
    return None


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


_XML_ENCODING = re.compile(rb"""<\?xml[^>]*encoding=["']([A-Za-z0-9_.-]+)""")


def _repair(data: bytes, charset: str | None) -> bytes:
    """A feed cut mid-character in its own charset, with the damaged bytes replaced: feedparser would otherwise fall
    back to windows-1252 and garble every title of the part it can still read."""
    declared = _XML_ENCODING.search(data[:200])
    name = charset or (declared.group(1).decode("ascii") if declared else "utf-8")
    try:
        data.decode(name)
        return data
    except UnicodeDecodeError:
        return data.decode(name, errors="replace").encode(name, errors="replace")
    except LookupError:
        return data


def parse_feed(data: bytes, source: WatchSource, fetched: Fetched, max_entries: int) -> tuple[list[RawEntry], bool]:
    """The entries of an RSS/Atom document and whether it was read whole; SourceError when it is not a feed."""
    headers = {"content-type": fetched.content_type + (f"; charset={fetched.charset}" if fetched.charset else "")}
    if source.encoding:
        headers["content-type"] = f"{fetched.content_type or 'application/xml'}; charset={source.encoding}"
    data = _repair(data, source.encoding or fetched.charset)
    # BytesIO: feedparser treats a bare string as a URL or a path and would open it itself
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers, sanitize_html=True,
                              resolve_relative_uris=False)
    bozo = bool(parsed.get("bozo")) and not isinstance(parsed.get("bozo_exception"), _HARMLESS_BOZO)
    if bozo and not parsed.entries:
        raise SourceError(f"{_host(source.url)} 返回的内容不是有效的 RSS/Atom 订阅（{type(parsed.get('bozo_exception')).__name__}）："
                          "请检查网址，或改为列表页加 CSS 选择器")
    if not parsed.get("version") and not parsed.entries:
        raise SourceError(f"{_host(source.url)} 返回的内容不是 RSS/Atom 订阅：请检查网址，或改为列表页加 CSS 选择器")
    base = fetched.url or source.url
    found: list[RawEntry] = []
    for item in parsed.entries[:max_entries]:
        link = item.get("link") or next((lk.get("href") for lk in item.get("links", []) if lk.get("href")), None)
        title = _clean(item.get("title"))
        if not link or not title:
            continue
        published = _struct_date(item.get("published_parsed")) or _struct_date(item.get("updated_parsed"))
        summary = _clean(lxml.html.fromstring(item["summary"]).text_content()) if item.get("summary") else ""
        found.append(RawEntry(source_id=source.id, url=urljoin(base, link), title=title[:300],
                              published=published, summary=summary[:2000]))
    return found, not bozo


def _selector(css: str, what: str) -> CSSSelector:
    try:
        return CSSSelector(css, translator="html")
    except SelectorError as exc:
        raise SourceError(f"{what}「{css[:100]}」不是有效的 CSS 选择器：请在关注列表中改正") from exc


def parse_list(data: bytes, source: WatchSource, fetched: Fetched, max_entries: int) -> list[RawEntry]:
    """The entries a list page shows: each element the selector picks, its first link, its date."""
    if not source.selector:
        raise SourceError(f"列表页 {source.name} 没有设置条目的 CSS 选择器：请在关注列表中填写 selector")
    pick = _selector(source.selector, "条目选择器")
    pick_date = _selector(source.date_selector, "日期选择器") if source.date_selector else None
    if source.encoding:
        text = data.decode(source.encoding, errors="replace")
    else:
        text, _charset = decode_page(data, fetched.charset)
    try:
        root = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise SourceError(f"{_host(source.url)} 返回的页面无法解析：下次运行会重试") from exc
    base = fetched.url or source.url
    found: list[RawEntry] = []
    items = pick(root)
    if not items:
        raise SourceError(f"{_host(source.url)} 的页面上找不到条目（选择器「{source.selector[:100]}」没有匹配）："
                          "网站可能已改版，请检查选择器")
    for item in items[:max_entries]:
        anchor = item if item.tag == "a" and item.get("href") else next(iter(item.xpath(".//a[@href]")), None)
        if anchor is None:
            continue
        href = anchor.get("href", "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        title = _clean(anchor.get("title") or anchor.text_content())
        if not title:
            continue
        date_text = None
        if pick_date is not None:
            hits = pick_date(item)
            date_text = _clean(hits[0].text_content()) if hits else None
        else:
            date_text = _clean(item.text_content())
        day = to_iso(date_text) if date_text else None
        found.append(RawEntry(source_id=source.id, url=urljoin(base, href), title=title[:300],
                              published=dt.date.fromisoformat(day) if day else None))
    return found


def poll(source: WatchSource, *, etag: str | None, last_modified: str | None, sources: SourcesSettings,
         watch: WatchSettings) -> Polled:
    """Fetch a source (conditionally) and read its entries; SourceError for this source alone."""
    accept = _FEED_ACCEPT if source.kind == "feed" else _PAGE_ACCEPT
    fetched = conditional_get(source.url, etag=etag, last_modified=last_modified, accept=accept, sources=sources,
                              max_bytes=watch.max_bytes)
    if fetched.status == 304:
        return Polled(entries=[], etag=etag, last_modified=last_modified, not_modified=True, moved_to=fetched.moved_to)
    if not fetched.data.strip():
        raise SourceError(f"{_host(source.url)} 返回了空白内容：下次运行会重试")
    if source.kind == "feed":
        entries, complete = parse_feed(fetched.data, source, fetched, watch.max_entries)
    else:
        entries, complete = parse_list(fetched.data, source, fetched, watch.max_entries), True
    return Polled(entries=entries, etag=fetched.etag, last_modified=fetched.last_modified, complete=complete,
                  moved_to=fetched.moved_to)

"""Hostile links (issue #23 findings 3, 4, 11; issue #24's surviving SSRF mutants): bombs, drips, private addresses.

Every server here listens on 127.0.0.1 and is started by the test; a "public" address is a name the test resolves to
93.184.216.34 and routes to one of those local servers, so nothing leaves the machine.
"""

from __future__ import annotations

import gzip
import socket
import threading
import tracemalloc
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

import brotli
import pytest
import zstandard
from page_server import UTF8_BODY, PageServer

from drafting.errors import SourceError
from drafting.settings import Settings, SourcesSettings
from drafting.sources.fetch import fetch

PUBLIC_IP = "93.184.216.34"
BOMB = 200_000_000  # decoded size of each bomb; the cap below is 2 MB
Handler = Callable[[BaseHTTPRequestHandler], None]


def settings(**kw: object) -> SourcesSettings:
    return SourcesSettings(**{"timeout": 1.0, "max_bytes": 2_000_000, **kw})  # type: ignore[arg-type]


class Server:
    """A local server whose paths are functions; counts hits and notes when a client went away."""

    def __init__(self, routes: dict[str, Handler]) -> None:
        self.routes = routes
        self.hits: Counter[str] = Counter()

    def __enter__(self) -> Self:
        owner = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                owner.hits[path] += 1
                try:
                    owner.routes.get(path, _not_found)(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _not_found(h: BaseHTTPRequestHandler) -> None:
    h.send_response(404)
    h.send_header("Content-Length", "0")
    h.end_headers()


def _send(body: bytes, headers: dict[str, str], status: int = 200) -> Handler:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    return handle


def _page() -> bytes:
    return f"<html><head><title>公开页面</title></head><body><article><p>{UTF8_BODY}</p></article></body></html>".encode()


# --- 3. decompression bombs -------------------------------------------------------------------------------

def _bombs() -> dict[str, bytes]:
    zeros = b"\0" * BOMB
    return {
        "br": brotli.compress(zeros, quality=5),
        "zstd": zstandard.ZstdCompressor(level=3).compress(zeros),
        "gzip": gzip.compress(zeros, compresslevel=6),
        "deflate": zlib.compress(zeros, 6),
    }


@pytest.fixture(scope="module")
def bomb_server() -> Iterator[Server]:
    bombs = _bombs()
    routes = {f"/{enc}": _send(data, {"Content-Type": "text/html", "Content-Encoding": enc}) for enc, data in bombs.items()}
    with Server(routes) as server:
        yield server


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip", "deflate"])
def test_compressed_bomb_refused_at_the_cap_with_little_memory(bomb_server: Server, encoding: str) -> None:
    """200 MB behind a few KB: refused in Chinese naming the 2 MB cap, and Python never holds more than a few MB."""
    tracemalloc.start()
    try:
        with pytest.raises(SourceError) as err:
            fetch(bomb_server.url(f"/{encoding}"), settings(timeout=20.0))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "超过 2 MB 上限" in str(err.value) and "MAX_BYTES" in str(err.value)
    # cap (2 MB) + the chunks already kept + one decoded chunk: well under 10 MB, never the 200 MB behind it
    assert peak < 10_000_000, f"peak {peak / 1e6:.0f} MB while decoding a {encoding} bomb"


def test_decoded_stream_is_cut_one_chunk_past_the_cap(bomb_server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes decoded, counted where they come out of the decompressor: the cap plus at most one chunk."""
    from drafting.sources import fetch as fetch_module
    from drafting.sources import inflate

    produced: list[int] = []
    real = inflate.decoded

    def counting(raw: object, encoding: str) -> Iterator[bytes]:
        for chunk in real(raw, encoding):  # type: ignore[arg-type]
            produced.append(len(chunk))
            yield chunk

    monkeypatch.setattr(fetch_module.inflate, "decoded", counting)
    with pytest.raises(SourceError, match="上限"):
        fetch(bomb_server.url("/br"), settings(timeout=20.0))
    assert 2_000_000 < sum(produced) <= 2_000_000 + max(produced)
    assert max(produced) <= 2 * inflate.CHUNK


def test_compressed_page_still_read(bomb_server: Server) -> None:
    body = _page()
    for enc, data in {"br": brotli.compress(body), "zstd": zstandard.ZstdCompressor().compress(body),
                      "gzip": gzip.compress(body), "deflate": zlib.compress(body)}.items():
        bomb_server.routes[f"/ok-{enc}"] = _send(data, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": enc})
        src = fetch(bomb_server.url(f"/ok-{enc}"), settings())
        assert "全市元宇宙产业规模达到3500亿元" in src.text, enc


def test_broken_compressed_body_is_a_chinese_message(bomb_server: Server) -> None:
    bomb_server.routes["/broken"] = _send(b"not brotli at all" * 10, {"Content-Type": "text/html", "Content-Encoding": "br"})
    with pytest.raises(SourceError, match="无法解压"):
        fetch(bomb_server.url("/broken"), settings())


# --- 4. a server dripping header lines --------------------------------------------------------------------

class Drip:
    """Sends a header line every `step` seconds, up to `lines` (bounded), then an empty page."""

    def __init__(self, step: float = 0.25, lines: int = 60) -> None:
        self.step, self.lines = step, lines
        self.sent = 0
        self.stop = threading.Event()

    def __call__(self, h: BaseHTTPRequestHandler) -> None:
        h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
        h.wfile.flush()
        for n in range(self.lines):
            if self.stop.wait(self.step):
                return
            h.wfile.write(f"X-Drip-{n}: 1\r\n".encode())
            h.wfile.flush()
            self.sent += 1
        body = _page()
        h.wfile.write(f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        h.close_connection = True


def test_dripping_headers_never_hold_a_fetch_past_its_deadline() -> None:
    """TIMEOUT=1 → a 2 s deadline for the whole fetch; the server would drip for 15 s (60 lines, one per 0.25 s)."""
    drip = Drip()
    with Server({"/drip": drip}) as server:
        try:
            with pytest.raises(SourceError, match="超时"):
                fetch(server.url("/drip"), settings(timeout=1.0))
            lines_when_refused = drip.sent
        finally:
            drip.stop.set()
    assert lines_when_refused < 20, f"{lines_when_refused} header lines read before giving up"


def test_slow_name_lookup_is_inside_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A resolver that answers after 5 s: the fetch (TIMEOUT=1, 2 s in all) gives up before the answer comes."""
    real = socket.getaddrinfo
    answered = threading.Event()

    def slow(host: object, *args: object, **kw: object) -> list:  # type: ignore[type-arg]
        if host == "slow-dns.test":
            threading.Event().wait(5)
            answered.set()
            return real("127.0.0.1", *args, **kw)  # type: ignore[arg-type]
        return real(host, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    with pytest.raises(SourceError, match="超时"):
        fetch("http://slow-dns.test:9/", settings(timeout=1.0))
    assert not answered.is_set(), "the fetch waited for the resolver past its deadline"


# --- 11. private addresses: defaults, numeric forms, redirects, rebinding, cache -----------------------------

@contextmanager
def public_name(monkeypatch: pytest.MonkeyPatch, routes: dict[str, tuple[str, ...]], public_to: int) -> Iterator[list[str]]:
    """Names resolving as `routes` says (in turn, the last answer repeating); connections to PUBLIC_IP reach the
    local server on port `public_to`. Yields the addresses connections were opened to."""
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection
    answers: dict[str, list[str]] = {name: list(ips) for name, ips in routes.items()}
    opened: list[str] = []

    def getaddrinfo(host: object, port: object, *args: object, **kw: object) -> list:  # type: ignore[type-arg]
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in answers:
            ip = answers[name].pop(0) if len(answers[name]) > 1 else answers[name][0]
            return real_getaddrinfo(ip, port, *args, **kw)  # type: ignore[arg-type]
        return real_getaddrinfo(host, port, *args, **kw)  # type: ignore[arg-type]

    def create_connection(address: tuple[str, int], *args: object, **kw: object) -> socket.socket:
        opened.append(str(address[0]))
        if address[0] == PUBLIC_IP:
            address = ("127.0.0.1", public_to)
        return real_connect(address, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    yield opened


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "0.0.0.0",
                                  "2130706433", "0x7f000001", "[::1]", "[::ffff:127.0.0.1]", "localhost"])
def test_private_addresses_refused_when_blocking(host: str) -> None:
    """Each private range and numeric spelling refused before any byte is sent (10.x and 169.254.x included)."""
    with Server({"/": _send(_page(), {"Content-Type": "text/html"})}) as server:
        with pytest.raises(SourceError) as err:
            fetch(server.url("/", host), settings(block_private=True))
        assert "BLOCK_PRIVATE" in str(err.value) and "内网" in str(err.value)
        assert server.hits["/"] == 0


def test_shared_server_blocks_private_addresses_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Left unset, BLOCK_PRIVATE is on for a page served beyond loopback or with login, off for a local run."""
    monkeypatch.delenv("DRAFTING_SOURCES__BLOCK_PRIVATE", raising=False)
    local = Settings(_env_file=None)  # type: ignore[call-arg]
    beyond = Settings(_env_file=None, server={"host": "0.0.0.0"})  # type: ignore[call-arg]
    login = Settings(_env_file=None, server={"users": {"editor": "pw"}})  # type: ignore[call-arg]
    switched_off = Settings(_env_file=None, server={"host": "0.0.0.0"}, sources={"block_private": False})  # type: ignore[call-arg]
    assert not local.sources.block_private and beyond.sources.block_private and login.sources.block_private
    assert switched_off.sources.block_private is False, "the documented switch for intranet sources"
    with Server({"/": _send(_page(), {"Content-Type": "text/html"})}) as server:
        assert "3500亿元" in fetch(server.url("/"), local.sources.model_copy(update={"timeout": 1.0})).text
        for host in ("127.0.0.1", "2130706433", "0x7f000001", "0.0.0.0"):
            for shared in (beyond, login):
                with pytest.raises(SourceError, match="BLOCK_PRIVATE"):
                    fetch(server.url("/", host), shared.sources.model_copy(update={"timeout": 1.0}))
        assert server.hits["/"] == 1
        with pytest.raises(SourceError, match="BLOCK_PRIVATE"):
            fetch("http://169.254.169.254/latest/meta-data/", beyond.sources.model_copy(update={"timeout": 1.0}))


def test_server_flag_host_turns_blocking_on() -> None:
    """`drafting serve --host 0.0.0.0` changes the host after the settings were read: settled again at launch."""
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    s.server.host = "0.0.0.0"
    s.settle_block_private()
    assert s.sources.block_private is True


@pytest.mark.parametrize("target", ["127.0.0.1:{port}/secret", "10.0.0.1:{port}/", "169.254.169.254/latest/meta-data/"])
def test_redirect_to_a_private_address_refused(monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    """A public name whose page redirects inward: the hop is refused and never connected to (issue #24's mutant)."""
    with Server({"/secret": _send(b"<p>internal</p>", {"Content-Type": "text/html"})}) as internal:
        location = "http://" + target.format(port=internal.port)
        with Server({"/go": _send(b"", {"Location": location}, status=302)}) as public:
            with public_name(monkeypatch, {"public.test": (PUBLIC_IP,)}, public.port) as opened, \
                    pytest.raises(SourceError, match="BLOCK_PRIVATE"):
                fetch(f"http://public.test:{public.port}/go", settings(block_private=True))
            assert public.hits["/go"] == 1, "the public first hop was fetched"
        assert internal.hits["/secret"] == 0
        assert opened == [PUBLIC_IP], f"connections opened: {opened}"


def test_public_redirect_chain_still_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    with Server({"/page": _send(_page(), {"Content-Type": "text/html; charset=utf-8"})}) as public:
        public.routes["/go"] = _send(b"", {"Location": f"http://www.public.test:{public.port}/page"}, status=301)
        with public_name(monkeypatch, {"public.test": (PUBLIC_IP,), "www.public.test": (PUBLIC_IP,)}, public.port):
            src = fetch(f"http://public.test:{public.port}/go", settings(block_private=True))
    assert "3500亿元" in src.text and src.final_url.endswith("/page")


def test_dns_rebinding_never_reaches_the_internal_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """The name answers public at the first lookup and 127.0.0.1 after: the socket goes to the address checked."""
    with Server({"/": _send(b"<html><body><p>internal admin page</p></body></html>", {"Content-Type": "text/html"})}) as internal, \
            Server({"/": _send(_page(), {"Content-Type": "text/html; charset=utf-8"})}) as public:
        with public_name(monkeypatch, {"rebind.test": (PUBLIC_IP, "127.0.0.1")}, public.port):
            try:
                src = fetch(f"http://rebind.test:{internal.port}/", settings(block_private=True))
            except SourceError as exc:
                src = None
                assert "BLOCK_PRIVATE" in str(exc)
        assert internal.hits["/"] == 0, "the rebinding answer reached the internal server"
    assert src is None or "3500亿元" in src.text


def test_cached_internal_page_not_served_once_blocking_is_on(tmp_path: Path) -> None:
    cache = tmp_path / "sources"
    with PageServer() as pages:
        url = pages.url("/utf8.html")
        assert "3500亿元" in fetch(url, settings(), cache_dir=cache).text  # intranet allowed: cached
        with pytest.raises(SourceError, match="BLOCK_PRIVATE"):
            fetch(url, settings(block_private=True), cache_dir=cache)
        assert pages.hits["/utf8.html"] == 1
        assert fetch(url, settings(), cache_dir=cache).cached, "still served locally while blocking is off"


def test_page_fetched_with_blocking_on_is_served_from_the_cache_without_a_lookup(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Checked when fetched: a re-draft works offline (no DNS), as the cache promises."""
    cache = tmp_path / "sources"
    with Server({"/page": _send(_page(), {"Content-Type": "text/html; charset=utf-8"})}) as public:
        with public_name(monkeypatch, {"public.test": (PUBLIC_IP,)}, public.port):
            first = fetch(f"http://public.test:{public.port}/page", settings(block_private=True), cache_dir=cache)
        assert first.public_only and not first.cached

        def offline(*args: object, **kw: object) -> list:  # type: ignore[type-arg]
            raise socket.gaierror("no network")

        monkeypatch.setattr(socket, "getaddrinfo", offline)
        again = fetch(f"http://public.test:{public.port}/page", settings(block_private=True), cache_dir=cache)
    assert again.cached and "3500亿元" in again.text and public.hits["/page"] == 1


def test_blocked_fetch_from_the_cli_is_chinese_without_traceback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DRAFTING_SOURCES__BLOCK_PRIVATE": "true", "DRAFTING_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "drafting", "fetch", "http://0x7f000001:9/"], env=env, check=False,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "BLOCK_PRIVATE" in done.stderr and "内网" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout

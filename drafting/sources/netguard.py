"""The sockets behind a fetched link: each address checked when it is connected to, one deadline for the whole fetch.

The name is resolved once here and the socket opened to that very address (httpx keeps the Host header and TLS
SNI from the URL), so a name that resolves public when checked and 127.0.0.1 when connected (DNS rebinding) never
reaches the internal address; every redirect hop opens its connection through the same check. Every read, write,
TLS handshake and connect is bounded by what is left of one deadline, so a server dripping header lines never holds
a fetch past it.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
import threading
import time
import typing

import httpcore
import httpx
from httpcore._backends.sync import SyncStream

from drafting.errors import SourceError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateAddressError(SourceError):
    """A link (or one of its redirects, or a cached entry) leads to a private, loopback or link-local address."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(
            f"链接指向内网或本机地址（{host[:100]} → {address}），本服务器已禁止访问此类地址"
            "（DRAFTING_SOURCES__BLOCK_PRIVATE；共享服务器默认开启）：请直接粘贴原文或上传文件"
        )


def is_private(address: IPAddress) -> bool:
    """Anything not on the public internet: loopback, 10/8, 172.16/12, 192.168/16, 169.254/16, 0.0.0.0, CGNAT, ULA …"""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback whatever Python's version says
    return not address.is_global


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the name resolves to (numeric forms like 2130706433 or 0x7f000001 included, as the OS reads them)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def _resolve_within(host: str, port: int, left: float) -> list[IPAddress]:
    """resolve(), given up on when the deadline passes (getaddrinfo itself cannot be interrupted: its thread is left)."""
    box: dict[str, typing.Any] = {}

    def run() -> None:
        try:
            box["found"] = resolve(host, port)
        except (OSError, UnicodeError) as exc:
            box["error"] = exc

    lookup = threading.Thread(target=run, name=f"resolve {host[:40]}", daemon=True)
    lookup.start()
    lookup.join(left)
    if lookup.is_alive():
        raise httpcore.ConnectTimeout(f"name lookup of {host} passed the fetch deadline")
    if "error" in box:
        raise httpcore.ConnectError(f"cannot resolve {host}") from box["error"]
    return typing.cast(list[IPAddress], box["found"])


def check_host(host: str, port: int) -> None:
    """PrivateAddressError when the name resolves to any non-public address (used for cached entries)."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise SourceError(f"无法解析网址中的主机名 {host[:100]}：请检查链接是否正确，或直接粘贴原文") from exc
    for address in addresses:
        if is_private(address):
            raise PrivateAddressError(host, str(address))


def open_socket(address: IPAddress, port: int, timeout: float) -> socket.socket:
    """A TCP connection to one already-checked address (a seam the tests use to route a 'public' address locally)."""
    return socket.create_connection((str(address), port), timeout)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation gets at most what is left of the fetch's deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner = inner
        self._deadline = deadline

    def _left(self, timeout: float | None) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout("fetch deadline passed")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, self._left(timeout)), self._deadline)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend with the address check and the deadline; one per fetch."""

    def __init__(self, *, block_private: bool, deadline: float) -> None:
        self.block_private = block_private
        self.deadline = deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise httpcore.ConnectTimeout("fetch deadline passed")
        addresses = _resolve_within(host, port, left)
        if self.block_private:
            for address in addresses:
                if is_private(address):
                    raise PrivateAddressError(host, str(address))
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:  # exactly the addresses checked above: nothing is resolved again
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise httpcore.ConnectTimeout("fetch deadline passed")
            try:
                sock = open_socket(address, port, left if timeout is None else min(timeout, left))
            except TimeoutError as exc:
                error = httpcore.ConnectTimeout(str(exc))
                continue
            except OSError as exc:
                error = httpcore.ConnectError(str(exc))
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for option in socket_options or ():
                sock.setsockopt(*option)
            return _DeadlineStream(SyncStream(sock), self.deadline)
        raise error

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: typing.Iterable[typing.Any] | None = None) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One client SSL context for every fetch: loading the CA store took ~0.2 s per link (a watch run reads hundreds)."""
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport on the guarded backend; no proxy from the environment (it would resolve names itself)."""

    def __init__(self, *, block_private: bool, deadline: float) -> None:
        super().__init__(verify=_ssl_context(), trust_env=False)  # a context given is used as is, not built again
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(), max_connections=4,
            network_backend=GuardedBackend(block_private=block_private, deadline=deadline),
        )

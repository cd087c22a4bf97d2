"""Every request, before it is parsed or its login checked: body size, Host header and Origin.

Outermost of the app's own middleware (before AccessGuard and FastAPI): a 200 MB JSON body is refused after the
limit's worth of bytes, not parsed in full and then answered 401; a page reached under a foreign Host name (DNS
rebinding) or called from another site's script (any Origin not configured) gets a Chinese refusal and no data.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterable
from typing import Any

from drafting.ui.access import ASGIApp, Message, Receive, Scope, Send

MB = 1024 * 1024
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class BodyTooLarge(BaseException):
    """The streamed body passed its limit (a BaseException: FastAPI's body parser turns any Exception into a 400)."""


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers") or []:
        if k == name:
            return bytes(v).decode("latin-1")
    return None


def _host_name(value: str) -> str:
    """The name part of a Host header: "[::1]:7860" → "::1", "Example.com:80" → "example.com"."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> set[str]:
    """Host names the server answers to: its bind address, the loopback names when it is local, and any configured."""
    names = {host.lower(), *(_host_name(h) for h in extra)}
    if host in LOOPBACK or host in ("0.0.0.0", "::"):
        names |= set(LOOPBACK)
    if host in ("0.0.0.0", "::"):
        names |= _own_names()  # a server on every interface answers to this machine's own names and addresses
    return {n for n in names if n}


def _own_names() -> set[str]:
    name = socket.gethostname()
    names = {name.lower(), socket.getfqdn().lower()}
    try:
        names |= set(socket.gethostbyname_ex(name)[2])
    except OSError:
        pass  # a machine whose name does not resolve: its names only
    return names


def allowed_origins(host: str, port: int, hosts: Iterable[str], extra: Iterable[str] = ()) -> set[str]:
    """Origins whose scripts may call the server: the page's own address under each allowed name, and any configured."""
    origins = {o.rstrip("/").lower() for o in extra}
    for name in hosts:
        shown = f"[{name}]" if ":" in name else name
        origins |= {f"http://{shown}:{port}", f"https://{shown}:{port}"}
    return origins


async def _refuse(send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    # the API's shape ({"error": …}) with "detail" for the page's fetch code, which reads that key
    body = json.dumps({"error": message, "detail": message}, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), *(extra or [])]})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """ASGI middleware: refuse foreign Host names and Origins, and bodies over their path's limit."""

    def __init__(self, app: ASGIApp, *, hosts: set[str], origins: set[str], limits: list[tuple[str, int]],
                 default_limit: int, check_bodies: bool = True) -> None:
        self.app = app
        self.check_bodies = check_bodies
        self.hosts = hosts
        self.origins = origins
        self.limits = sorted(limits, key=lambda pl: -len(pl[0]))  # longest prefix first
        self.default_limit = default_limit

    def limit_for(self, path: str) -> int:
        """Largest body accepted on this path (bytes)."""
        return next((n for prefix, n in self.limits if path.startswith(prefix)), self.default_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        if host is not None and _host_name(host) not in self.hosts:
            await _refuse(send, 400, f"主机名「{host[:60]}」不在本服务允许的范围内：请用配置的地址访问"
                                     "（如需其他名称，请设置 DRAFTING_SERVER__ALLOWED_HOSTS）")
            return
        origin = _header(scope, b"origin")
        if origin is not None and origin.rstrip("/").lower() not in self.origins:
            await _refuse(send, 403, f"拒绝来自其他网站（{origin[:60]}）的请求：只有本服务自己的页面可以调用"
                                     "（如需放行，请设置 DRAFTING_SERVER__ALLOWED_ORIGINS）")
            return
        if scope["type"] != "http" or not self.check_bodies:
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.strip().isdigit() or int(declared) > limit):
            await _refuse(send, 413, _too_large(limit))
            return
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Pass the request on, counting streamed body bytes (chunked bodies declare no length)."""
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message.get("type") == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message.get("type") == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _refuse(send, 413, _too_large(limit))


def _too_large(limit: int) -> str:
    size = f"{limit // MB} MB" if limit >= MB else f"{limit // 1024} KB"
    return f"请求内容过大：此处最多接受 {size}，未处理任何内容；请缩短文字或拆分文件后重试"


def guard_settings(server: Any) -> dict[str, Any]:
    """RequestGuard's arguments from ServerSettings."""
    hosts = allowed_hosts(server.host, server.allowed_hosts)
    upload = server.max_upload_mb * MB + MB  # a multipart upload's own headers and boundaries on top of the file
    return {
        "hosts": hosts,
        "origins": allowed_origins(server.host, server.port, hosts, server.allowed_origins),
        "limits": [("/login", 16 * 1024), ("/api/v1/", server.max_api_body_kb * 1024), ("/gradio_api/upload", upload)],
        "default_limit": server.max_body_mb * MB,
    }


def put_in_front(app: Any, server: Any) -> None:
    """Host and Origin checked before Gradio's own CORS layer too, which answers any localhost origin with
    credentials allowed: the built middleware stack of the started server gets the check in front of it."""
    stack = app.middleware_stack or app.build_middleware_stack()
    app.middleware_stack = RequestGuard(stack, **guard_settings(server), check_bodies=False)

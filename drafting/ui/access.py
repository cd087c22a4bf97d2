"""Who may call what on the web app: failed logins are throttled, and with login on, no POST but /login runs
for a client without a session (Gradio 6 leaves /gradio_api/reset and /gradio_api/cancel open).

Plain ASGI middleware, given to Gradio's FastAPI app through ``launch(app_kwargs={"middleware": [...]})``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOGIN_PATHS = ("/login", "/login/")
SPRAY_FACTOR = 4  # an address may fail this many times more often across all user names
MAX_LOGIN_BODY = 16_384


class LoginThrottle:
    """Failed logins per client address: after ``max_failures`` within ``window`` seconds, refuse for ``window``."""

    def __init__(self, max_failures: int = 5, window: float = 60.0) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def _keys(self, client: str, user: str) -> list[tuple[str, int]]:
        # one account from one address, and the address over all accounts (a spray of user names)
        return [(f"{client}|{user}", self.max_failures), (client, self.max_failures * SPRAY_FACTOR)]

    def wait_seconds(self, client: str, user: str) -> float:
        """0 when this client may try this account; otherwise seconds until it may try again."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key, limit in self._keys(client, user):
                times = self._recent(key, now)
                if len(times) >= limit:
                    wait = max(wait, self.window - (now - times[-1]))
        return wait

    def failed(self, client: str, user: str) -> None:
        """Record one failed attempt."""
        now = time.monotonic()
        with self._lock:
            for key, _ in self._keys(client, user):
                self._recent(key, now).append(now)

    def succeeded(self, client: str, user: str) -> None:
        """A correct login clears this account's record from this address."""
        with self._lock:
            self._failures.pop(f"{client}|{user}", None)


async def _json(send: Send, status: int, payload: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())] + (headers or [])})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    """A receive() that hands the already-read body to the app once, then waits like a quiet client."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # never set: the app only waits here for a disconnect
        return {"type": "http.disconnect"}

    return receive


def _logged_in(scope: Scope) -> bool:
    """True when the request carries a session token Gradio issued (the same check as its login_check)."""
    app = scope.get("app")
    tokens = getattr(app, "tokens", None)
    cookie_id = getattr(app, "cookie_id", None)
    if tokens is None or cookie_id is None:
        return False
    raw = b"; ".join(v for k, v in scope.get("headers", []) if k == b"cookie").decode("latin-1")
    cookies = SimpleCookie()
    try:
        cookies.load(raw)
    except Exception:  # noqa: BLE001 - a malformed cookie header is simply no session
        return False
    for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
        morsel = cookies.get(name)
        if morsel is not None and morsel.value in tokens:
            return True
    return False


class AccessGuard:
    """ASGI middleware: throttle /login, and refuse session-less POSTs when login is on."""

    def __init__(self, app: ASGIApp, *, login_required: bool, throttle: LoginThrottle) -> None:
        self.app = app
        self.login_required = login_required
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or not self.login_required:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        client = (scope.get("client") or ("?", 0))[0]
        if path.startswith(API_PREFIX):
            # The JSON API checks its account on every route (HTTP Basic or the page's session); wrong Basic
            # passwords count against the same throttle as the login form.
            await self._throttled(scope, receive, send, client, _basic_name(scope), counts=_has_basic(scope))
            return
        if scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        if path in LOGIN_PATHS:
            body = await _read_body(receive)
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if len(body) <= MAX_LOGIN_BODY else {}
            user = (form.get("username") or [""])[0].strip()
            await self._throttled(scope, _replay(body), send, client, user, counts=True)
            return
        if not _logged_in(scope):
            # e.g. /gradio_api/reset and /gradio_api/cancel, which Gradio 6 answers without asking who is calling
            await _json(send, 401, {"detail": "请先登录。"})
            return
        await self.app(scope, receive, send)

    async def _throttled(self, scope: Scope, receive: Receive, send: Send, client: str, user: str, *, counts: bool) -> None:
        """Run the request unless this address is waiting; with ``counts``, its answer is a login success or failure."""
        wait = self.throttle.wait_seconds(client, user)
        if counts and wait > 0:
            logger.warning("login throttled for %s (%.0fs left)", client, wait)
            await _json(send, 429, {"detail": f"登录失败次数过多，请 {int(wait) + 1} 秒后再试。"},
                        [(b"retry-after", str(int(wait) + 1).encode())])
            return

        async def record(message: Message) -> None:
            if counts and message["type"] == "http.response.start":
                if 200 <= message["status"] < 300:
                    self.throttle.succeeded(client, user)
                elif message["status"] in (400, 401, 403):
                    self.throttle.failed(client, user)
            await send(message)

        await self.app(scope, receive, record)


API_PREFIX = "/api/v1/"


def _has_basic(scope: Scope) -> bool:
    return any(k == b"authorization" and v[:6].lower() == b"basic " for k, v in scope.get("headers") or [])


def _basic_name(scope: Scope) -> str:
    """The account a Basic header names (the password is checked by the API itself)."""
    import base64
    import binascii

    for k, v in scope.get("headers") or []:
        if k == b"authorization" and v[:6].lower() == b"basic ":
            try:
                return base64.b64decode(v[6:]).decode("utf-8", "replace").partition(":")[0].strip()
            except (binascii.Error, ValueError):
                return ""
    return ""

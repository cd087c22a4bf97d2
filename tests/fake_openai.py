"""A local OpenAI-protocol chat server for tests and benchmarks: real HTTP, slow or failing on demand.

Usage in tests::

    with FakeOpenAI(latency=0.1, fail_status=[429, 500]) as server:
        settings.llm.base_url = server.url        # http://127.0.0.1:<port>/v1
        ...
        assert len(server.requests) == 3          # JSON bodies received on /v1/chat/completions

Standalone (benchmarks, manual runs)::

    python tests/fake_openai.py --port 8765 --latency 2

How replies are chosen (``reply=None``): the last ``<source>…</source>`` block of the prompt is the new item.
When the prompt asks for the item as JSON (the item_from_raw prompt: it names the "title" and "body" keys),
the reply is a JSON item built from that source (first date, issuer + 《document》, first sentences).
Otherwise the reply is a fixed house-style 短评 that names the first 《document》 of the source and states
no number, place or organisation, so it passes the fact guard. ``reply`` may be a string (always returned)
or a callable receiving the request body.

Broken providers (issue #10), one named behaviour at a time: ``FakeOpenAI(fault="keepalive")`` or
``configure(fault=...)``; ``fault_interval`` paces the slow ones. See ``FAULTS``.
"""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import json
import re
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, Self

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

CHUNK_CHARS = 8

# Broken-provider behaviours (issue #10), each answering a chat request in its own wrong way.
FAULTS = {
    "keepalive": "SSE comment lines (`: keepalive`) every fault_interval seconds, forever, never a token",
    "trickle": "one token every fault_interval seconds, forever, never finishing",
    "bad_json": "a stream whose data line is `{not json`",
    "bad_choices": 'a stream chunk with "choices": "nope"',
    "only_done": "a stream that is only `data: [DONE]`",
    "empty_body": "HTTP 200, text/event-stream, and no body at all",
    "empty_stop": "a well-formed stream with no text and finish_reason stop",
    "echo_auth_400": "HTTP 400 whose error message echoes the request's Authorization header",
    "echo_auth_stream": "a normal reply that repeats the request's Authorization header in its text",
}

COMMENTARY = (
    "{ref}体现了发文机关对相关产业发展的前瞻性思考和高度重视。{this}立足产业实际，围绕技术创新、应用场景和产业生态作出了系统部署，"
    "重点突出、路径清晰，有助于推动行业规范、健康、有序发展。同时，{this}也为相关企业把握政策机遇、参与技术研发与场景建设提供了明确方向，"
    "相关市场主体可持续关注后续配套细则的落地情况。"
)


def _prompt_text(body: dict[str, Any]) -> str:
    parts = []
    for message in body.get("messages", []):
        content = message.get("content", "")
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        parts.append(str(content))
    return "\n".join(parts)


def _source(prompt: str) -> str:
    blocks = re.findall(r"<source>(.*?)</source>", prompt, re.DOTALL)
    return blocks[-1].strip() if blocks else prompt


def default_reply(body: dict[str, Any]) -> str:
    """A plausible faithful reply to the request: a JSON item for item-from-raw prompts, else a 短评."""
    prompt = _prompt_text(body)
    source = _source(prompt)
    titles = re.findall(r"《([^《》]{2,80})》", source)
    if '"title"' in prompt and '"body"' in prompt:
        m = re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", source)
        date = f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}" if m else None
        sentences = [s for s in re.split(r"(?<=。)", re.sub(r"\s+", "", source)) if s]
        start = next((i for i, s in enumerate(sentences) if re.search(r"\d{4}年\d{1,2}月\d{1,2}日", s)), 0)
        body_text = ""
        for s in sentences[start:]:
            if len(body_text) + len(s) > 300:
                break
            body_text += s
        issuer = re.search(r"日[，,]([^，,。《]{2,30}?)(?:联合)?(?:印发|发布)", body_text)
        if titles and issuer:
            title = f"{issuer.group(1)}印发《{titles[0]}》"
        else:
            title = (titles[0] if titles else sentences[0][:30]) if sentences else "未命名条目"
        return json.dumps({"title": title, "date": date, "body": body_text or source[:300]}, ensure_ascii=False)
    ref = f"《{titles[0]}》" if titles else "该文件"
    return COMMENTARY.format(ref=ref, this="该文件")


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    """Token counts as a provider reports them (here: characters)."""
    prompt = len(_prompt_text(body))
    return {"prompt_tokens": prompt, "completion_tokens": len(text), "total_tokens": prompt + len(text)}


async def _with_usage(stream: AsyncIterator[bytes], model: str, usage: dict[str, int]) -> AsyncIterator[bytes]:
    """The stream with OpenAI's usage chunk (no choices) inserted before [DONE]; a cut stream never gets it."""
    async for chunk in stream:
        if chunk.startswith(b"data: [DONE]"):
            payload = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                       "model": model, "choices": [], "usage": usage}
            yield f"data: {json.dumps(payload)}\n\n".encode()
        yield chunk
def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
             "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # signals belong to the main thread (the test runner)
        pass


class FakeOpenAI:
    """OpenAI-protocol chat server on 127.0.0.1: /v1/chat/completions (JSON and SSE) and /v1/models."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        reply: str | Callable[[dict[str, Any]], str] | None = None,
        fail_status: list[int] | None = None,
        retry_after: float | None = None,
        retry_after_ms: int | None = None,
        retry_after_date: float | None = None,
        cut_stream_after: int | None = None,
        api_key: str | None = None,
        port: int = 0,
        models: list[str] | None = None,
        stream_usage: bool = True,
        fault: str | None = None,
        fault_interval: float = 0.5,
    ) -> None:
        self.latency = latency
        self.reply = reply
        self.fail_status = list(fail_status or [])
        self.retry_after = retry_after
        self.retry_after_ms = retry_after_ms  # a 429 also sends `retry-after-ms: <n>` (OpenAI's own header)
        self.retry_after_date = retry_after_date  # a 429 sends Retry-After as an HTTP date this many seconds ahead
        self.cut_stream_after = cut_stream_after
        self.api_key = api_key
        self.models = models or ["fake-chat"]
        # Usage (#12): like OpenAI, a last SSE chunk with `usage` and no choices when the request sets
        # stream_options.include_usage; tokens are counted as characters. False = a server that never sends it.
        self.stream_usage = stream_usage
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {sorted(FAULTS)}")
        self.fault = fault
        self.fault_interval = fault_interval
        self.requests: list[dict[str, Any]] = []
        # A closed gate (an unset threading.Event) holds every chat request until it is set; in_flight counts the
        # requests held or answering, max_in_flight the most at once (how many drafts really ran together).
        self.gate: threading.Event | None = None
        self.in_flight = 0
        self.max_in_flight = 0
        self.port = port
        self.url = ""
        self._server: _ThreadServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.app = self._make_app()

    def configure(self, **kwargs: Any) -> None:
        """Change behaviour at run time, e.g. configure(fail_status=[500], latency=0.5)."""
        with self._lock:
            for key, value in kwargs.items():
                if not hasattr(self, key) or key in {"requests", "app", "url"}:
                    raise AttributeError(f"FakeOpenAI has no setting {key!r}")
                setattr(self, key, list(value) if key == "fail_status" and value is not None else value)

    # --- the protocol -----------------------------------------------------------------------

    def _reply_text(self, body: dict[str, Any]) -> str:
        if self.reply is None:
            return default_reply(body)
        return self.reply(body) if callable(self.reply) else self.reply

    def _error(self, status: int) -> Response:
        kinds = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}
        headers = {"retry-after": f"{self.retry_after:g}"} if status == 429 and self.retry_after is not None else {}
        if status == 429 and self.retry_after_ms is not None:
            headers["retry-after-ms"] = str(self.retry_after_ms)
        if status == 429 and self.retry_after_date is not None:
            headers["retry-after"] = email.utils.formatdate(time.time() + self.retry_after_date, usegmt=True)
        payload = {"error": {"message": f"fake error {status}", "type": kinds.get(status, "server_error"),
                             "code": kinds.get(status, None), "param": None}}
        return JSONResponse(payload, status_code=status, headers=headers)

    def _make_app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/v1/models")
        async def list_models(request: Request) -> Response:
            if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
                return self._error(401)
            return JSONResponse({"object": "list", "data": [
                {"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.models
            ]})

        @app.post("/v1/chat/completions")
        async def chat(request: Request) -> Response:
            body = await request.json()
            with self._lock:
                self.requests.append(body)
                status = self.fail_status.pop(0) if self.fail_status else None
                latency, cut = self.latency, self.cut_stream_after
            if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
                return self._error(401)
            if status is not None:
                return self._error(status)
            gate = self.gate
            if gate is not None:
                with self._lock:
                    self.in_flight += 1
                    self.max_in_flight = max(self.max_in_flight, self.in_flight)
                try:
                    await asyncio.to_thread(gate.wait)
                finally:
                    with self._lock:
                        self.in_flight -= 1
            if latency:
                await asyncio.sleep(latency)
            model = body.get("model", "fake-chat")
            if self.fault is not None:
                return self._faulty(self.fault, request.headers.get("authorization", ""), body, model)
            text = self._reply_text(body)
            if body.get("stream"):
                stream = self._sse(text, model, cut)
                if self.stream_usage and (body.get("stream_options") or {}).get("include_usage"):
                    stream = _with_usage(stream, model, _usage(body, text))
                return StreamingResponse(stream, media_type="text/event-stream")
            return JSONResponse({
                "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": len(_prompt_text(body)), "completion_tokens": len(text),
                          "total_tokens": len(_prompt_text(body)) + len(text)},
            })

        return app

    def _faulty(self, fault: str, authorization: str, body: dict[str, Any], model: str) -> Response:
        """One of FAULTS: how a broken or hostile provider answers."""
        interval = self.fault_interval
        role = _chunk(model, {"role": "assistant", "content": ""})

        async def keepalive() -> AsyncIterator[bytes]:
            yield role
            while True:
                await asyncio.sleep(interval)
                yield b": keepalive\n\n"

        async def trickle() -> AsyncIterator[bytes]:
            yield role
            while True:
                await asyncio.sleep(interval)
                yield _chunk(model, {"content": "元"})

        async def fixed(*events: bytes) -> AsyncIterator[bytes]:
            for e in events:
                yield e

        sse = "text/event-stream"
        if fault == "echo_auth_400":
            payload = {"error": {"message": f"Invalid request. Headers received: Authorization: {authorization}",
                                 "type": "invalid_request_error", "code": None, "param": None}}
            return JSONResponse(payload, status_code=400)
        if fault == "echo_auth_stream":
            text = f"我的密钥是 {authorization}。" + self._reply_text(body)
            return StreamingResponse(self._sse(text, model, None), media_type=sse)
        streams = {
            "keepalive": keepalive,
            "trickle": trickle,
            "bad_json": lambda: fixed(role, b"data: {not json\n\n", b"data: [DONE]\n\n"),
            "bad_choices": lambda: fixed(b'data: {"id": "x", "object": "chat.completion.chunk", "created": 0, '
                                         b'"model": "m", "choices": "nope"}\n\n', b"data: [DONE]\n\n"),
            "only_done": lambda: fixed(b"data: [DONE]\n\n"),
            "empty_body": lambda: fixed(),
            "empty_stop": lambda: fixed(role, _chunk(model, {}, "stop"), b"data: [DONE]\n\n"),
        }
        return StreamingResponse(streams[fault](), media_type=sse)

    async def _sse(self, text: str, model: str, cut: int | None) -> AsyncIterator[bytes]:
        def event(delta: dict[str, Any], finish: str | None = None) -> bytes:
            chunk = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()),
                     "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
            return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()

        yield event({"role": "assistant", "content": ""})
        pieces = [text[i:i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)]
        for n, piece in enumerate(pieces):
            if cut is not None and n >= cut:
                # Abort the response: uvicorn drops the connection without the final chunk or [DONE].
                raise ConnectionAbortedError("fake stream cut")
            yield event({"content": piece})
            await asyncio.sleep(0)
        yield event({}, "stop")
        yield b"data: [DONE]\n\n"

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        """Serve in a background thread; returns when the server accepts connections."""
        sock = _free_socket() if not self.port else None
        if sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/v1"
        config = uvicorn.Config(self.app, log_level="critical", lifespan="off")
        self._server = _ThreadServer(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake OpenAI server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    """Run standalone: python tests/fake_openai.py --port 8765 --latency 2."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each reply")
    parser.add_argument("--api-key", default=None, help="require this bearer key (401 otherwise)")
    parser.add_argument("--cut-stream-after", type=int, default=None, help="drop streams after N chunks")
    parser.add_argument("--fault", choices=sorted(FAULTS), default=None, help="answer as a broken provider")
    parser.add_argument("--fault-interval", type=float, default=0.5, help="seconds between keepalives/tokens")
    args = parser.parse_args()
    server = FakeOpenAI(latency=args.latency, api_key=args.api_key, cut_stream_after=args.cut_stream_after,
                        fault=args.fault, fault_interval=args.fault_interval)
    print(f"fake OpenAI server on http://127.0.0.1:{args.port}/v1 (latency {args.latency:g}s); Ctrl-C stops")
    uvicorn.run(server.app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

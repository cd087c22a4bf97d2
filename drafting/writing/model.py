"""Chat model from settings: one ChatOpenAI for every OpenAI-compatible provider, with retries and clear errors."""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx
import openai
from langchain_core.messages import BaseMessage
from langchain_openai import ChatOpenAI

from drafting.errors import ConfigError, ModelError
from drafting.redact import redact, redact_stream, register_secrets
from drafting.settings import LLMSettings

logger = logging.getLogger(__name__)

T = TypeVar("T")
MAX_RETRY_AFTER = 60.0  # seconds: a provider asking for longer is treated as down
# Local servers (vLLM, Ollama, llama.cpp) accept any key, but the OpenAI client insists on one.
PLACEHOLDER_KEY = "not-needed"


class StreamCut(Exception):
    """The provider closed a stream before its final chunk."""


class MalformedReply(Exception):
    """The provider answered with something that is not the OpenAI protocol (bad JSON, wrong shapes, empty)."""


class EmptyReply(Exception):
    """The provider finished normally but wrote nothing."""


class DeadlineExceeded(Exception):
    """The draft's total time (retries and keep-alive streams included) ran out."""


class OutputTooLong(Exception):
    """The reply passed the configured maximum length."""


class _DeadlineStream(httpx.SyncByteStream):
    """Response bytes, checked against the owner's deadline as they arrive (keep-alive comments included)."""

    def __init__(self, inner: httpx.SyncByteStream, owner: ChatModel) -> None:
        self.inner = inner
        self.owner = owner

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.owner.check_deadline()
            yield chunk

    def close(self) -> None:
        self.inner.close()


class _DeadlineTransport(httpx.BaseTransport):
    """httpx transport that never waits past the owner's deadline: reads are capped by the time left."""

    def __init__(self, owner: ChatModel) -> None:
        self.inner = httpx.HTTPTransport()
        self.owner = owner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        left = self.owner.check_deadline()
        timeout = dict(request.extensions.get("timeout") or {})
        for key in ("connect", "read", "write", "pool"):
            # a provider that sends nothing at all is cut when the draft's time is up, not after a fresh timeout
            timeout[key] = left if timeout.get(key) is None else min(timeout[key], left)
        request.extensions["timeout"] = timeout
        response = self.inner.handle_request(request)
        response.stream = _DeadlineStream(response.stream, self.owner)  # type: ignore[arg-type]
        return response

    def close(self) -> None:
        self.inner.close()


def model_names(settings: LLMSettings) -> list[str]:
    """Configured model names: the default first, then the extra ones; empty when no model is configured."""
    if not settings.configured:
        return []
    return list(dict.fromkeys([settings.model or "", *settings.models]))


def make_chat_model(
    settings: LLMSettings, *, model: str | None = None, temperature: float | None = None,
    http_client: httpx.Client | None = None,
) -> ChatOpenAI:
    """ChatOpenAI for the configured endpoint; ConfigError names the missing setting."""
    if not settings.base_url:
        raise ConfigError("未配置模型地址：请设置 DRAFTING_LLM__BASE_URL（如 https://api.deepseek.com/v1），或使用离线草稿")
    name = model or settings.model
    if not name:
        raise ConfigError("未配置模型名称：请设置 DRAFTING_LLM__MODEL（如 deepseek-chat、qwen-plus、gpt-4o-mini）")
    key = settings.api_key.get_secret_value() if settings.api_key else PLACEHOLDER_KEY
    register_secrets([key if settings.api_key else None])
    extra: dict[str, Any] = {"http_client": http_client} if http_client is not None else {}
    return ChatOpenAI(
        **extra,
        model=name,
        base_url=settings.base_url,
        api_key=key,  # type: ignore[arg-type]
        temperature=settings.temperature if temperature is None else temperature,
        timeout=settings.timeout,
        max_retries=0,  # retries happen here, with our backoff and the same rules for cut streams
        # Token usage comes in the stream's last chunk only when asked for (stream_options.include_usage).
        stream_usage=settings.stream_usage,
    )


def _retry_after(exc: openai.APIStatusError) -> float | None:
    headers = exc.response.headers if exc.response is not None else {}
    if ms := headers.get("retry-after-ms"):
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)  # HTTP date form
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class ChatModel:
    """One configured model at one temperature: streamed or whole replies, retried, errors in Chinese."""

    def __init__(
        self, settings: LLMSettings, *, model: str | None = None, temperature: float | None = None,
        deadline_at: float | None = None,
    ) -> None:
        self.settings = settings
        self.name = model or settings.model or ""
        self.temperature = settings.temperature if temperature is None else temperature
        # time.monotonic() by which the draft must be done; set per call when the caller gives none
        self.deadline_at = deadline_at
        self._call_deadline: float | None = None
        client = httpx.Client(transport=_DeadlineTransport(self), timeout=settings.timeout)
        self.chat = make_chat_model(settings, model=self.name, temperature=self.temperature, http_client=client)
        self.usage: dict[str, int] = {}  # the provider's token counts of the last finished reply

    def _start_call(self) -> None:
        self._call_deadline = self.deadline_at or time.monotonic() + self.settings.deadline

    def time_left(self) -> float:
        """Seconds left for this draft (negative when it is over)."""
        if self._call_deadline is None:
            self._start_call()
        return self._call_deadline - time.monotonic()  # type: ignore[operator]

    def check_deadline(self) -> float:
        """Seconds left for this draft; DeadlineExceeded when none are."""
        left = self.time_left()
        if left <= 0:
            raise DeadlineExceeded(f"deadline of {self.settings.deadline:g}s passed")
        return left

    def _error(self, message: str) -> ModelError:
        return ModelError(redact(message))

    def _delay_or_raise(self, exc: Exception, attempt: int) -> float:
        """Seconds to wait before the next attempt, or a ModelError when the failure is final."""
        s = self.settings
        where = f"（模型 {self.name}，地址 {s.base_url}）"
        if isinstance(exc, DeadlineExceeded) or isinstance(exc.__cause__, DeadlineExceeded) or self.time_left() <= 0:
            raise self._error(
                f"模型在 {s.deadline:g} 秒的总时限内没有完成{where}：已停止（重试与保持连接的流都计入时限）；"
                "请稍后再试、调大 DRAFTING_LLM__DEADLINE，或改用离线草稿"
            ) from exc
        if isinstance(exc, OutputTooLong):
            raise self._error(
                f"模型输出超过 {s.max_output_chars} 字的上限{where}，已停止，本次草稿已丢弃；"
                "请重新生成、调大 DRAFTING_LLM__MAX_OUTPUT_CHARS，或改用离线草稿"
            ) from exc
        if isinstance(exc, openai.AuthenticationError):
            raise ModelError(f"模型服务拒绝了 API 密钥{where}：请检查 DRAFTING_LLM__API_KEY，或先改用离线草稿") from exc
        if isinstance(exc, openai.PermissionDeniedError):
            raise ModelError(f"API 密钥无权使用该模型{where}：请检查账户权限或更换 DRAFTING_LLM__MODEL，或先改用离线草稿") from exc
        if isinstance(exc, openai.NotFoundError):
            raise ModelError(f"模型服务找不到该模型或接口{where}：请检查 DRAFTING_LLM__MODEL 与 DRAFTING_LLM__BASE_URL（通常以 /v1 结尾），或先改用离线草稿") from exc
        if isinstance(exc, openai.RateLimitError):
            wait = _retry_after(exc)
            reason = "请求过于频繁（429）"
        elif isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
            wait, reason = None, f"模型服务出错（{exc.status_code}）"
        elif isinstance(exc, openai.APIStatusError):
            # the provider's own text may echo the request's Authorization header: masked like every message here
            raise self._error(f"模型服务拒绝了请求（{exc.status_code}）{where}：{exc.message[:300]}；可先改用离线草稿") from exc
        elif isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
            wait, reason = None, f"请求超时（{s.timeout:g} 秒）"
        elif isinstance(exc, openai.APIConnectionError | httpx.TransportError):
            wait, reason = None, "无法连接模型服务，或连接在输出中途断开"
        elif isinstance(exc, StreamCut):
            wait, reason = None, "模型输出在中途被截断"
        elif isinstance(exc, MalformedReply):
            wait, reason = None, "模型服务返回了无法解析的数据（不符合 OpenAI 接口格式）"
        elif isinstance(exc, EmptyReply):
            wait, reason = None, "模型返回了空白回复"
        else:
            raise exc
        if attempt >= s.max_retries:
            raise self._error(
                f"{reason}{where}，已重试 {s.max_retries} 次仍失败：请稍后再试，检查 DRAFTING_LLM__BASE_URL，"
                "或改用离线草稿（--offline）"
            ) from exc
        delay = float(s.backoff * (2**attempt))
        if wait is not None:
            delay = max(delay, min(wait, MAX_RETRY_AFTER))
        if delay >= self.time_left():
            raise self._error(
                f"{reason}{where}，且 {s.deadline:g} 秒的总时限内已无法再重试：请稍后再试，或改用离线草稿（--offline）"
            ) from exc
        logger.warning("model call failed (%s), retry %d/%d in %.2fs", type(exc).__name__, attempt + 1, s.max_retries, delay)
        return delay

    def _chunks(self, messages: list[BaseMessage]) -> Iterator[tuple[str, str | None]]:
        """(text, finish_reason) per chunk; anything that is not the protocol becomes MalformedReply."""
        stream = self.chat.stream(messages)
        while True:
            try:
                chunk = next(stream)
            except StopIteration:
                return
            except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
                # e.g. `data: {not json`, "choices": "nope": the SDK fails deep inside with a bare Python error
                raise MalformedReply(f"{type(exc).__name__}: {exc}") from exc
            if usage := getattr(chunk, "usage_metadata", None):
                self.usage = {"prompt_tokens": usage["input_tokens"], "completion_tokens": usage["output_tokens"]}
            content: Any = chunk.content
            text = content if isinstance(content, str) else "".join(
                part.get("text", "") if isinstance(part, dict) else str(part) for part in content
            )
            yield text, chunk.response_metadata.get("finish_reason")

    def _stream_once(self, messages: list[BaseMessage]) -> Iterator[str]:
        finish = None
        length = 0
        self.usage = {}
        for text, chunk_finish in self._chunks(messages):
            finish = chunk_finish or finish
            if text:
                length += len(text)
                if length > self.settings.max_output_chars:
                    raise OutputTooLong(f"more than {self.settings.max_output_chars} characters")
                yield text
        if finish is None:
            # Connection closed cleanly but without the final chunk: the reply may be incomplete.
            raise StreamCut("stream ended without finish_reason")
        if length == 0:
            raise EmptyReply(f"finish_reason={finish}, no text")
        if finish == "length":
            logger.warning("model %s stopped at its token limit", self.name)

    def _retry(self, call: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return call()
            except Exception as exc:  # noqa: BLE001 - classified below; unknown errors re-raised
                delay = self._delay_or_raise(exc, attempt)
            attempt += 1
            time.sleep(delay)

    def complete(self, messages: list[BaseMessage]) -> str:
        """The whole reply; a cut stream is retried like any transient failure since nothing was shown yet."""
        self._start_call()
        return redact(self._retry(lambda: "".join(self._stream_once(messages))))

    def stream(self, messages: list[BaseMessage]) -> Iterator[str]:
        """Reply tokens as they come, secrets masked; failures before the first token are retried, a cut after it raises ModelError."""
        self._start_call()
        return redact_stream(self._stream_raw(messages))

    def _stream_raw(self, messages: list[BaseMessage]) -> Iterator[str]:
        attempt = 0
        while True:
            started = False
            try:
                for token in self._stream_once(messages):
                    started = True
                    yield token
                return
            except Exception as exc:
                if started and isinstance(exc, DeadlineExceeded | OutputTooLong):
                    self._delay_or_raise(exc, attempt)  # raises the ModelError saying which limit
                if started and isinstance(exc, openai.APIError | httpx.HTTPError | StreamCut | MalformedReply):
                    raise ModelError(
                        f"模型输出在中途中断（模型 {self.name}）：本次草稿不完整，已丢弃，请重新生成或改用离线草稿"
                    ) from exc
                if started:
                    raise
                delay = self._delay_or_raise(exc, attempt)
            attempt += 1
            time.sleep(delay)


def variant_temperatures(base: float, n: int) -> list[float]:
    """n temperatures spread around the configured one (0.4 → 0.4, 0.6, 0.2, 0.8, 0.0 …), kept within 0..2."""
    temps: list[float] = []
    step = 0.2
    k = 0
    while len(temps) < n:
        offset = ((k + 1) // 2) * step * (1 if k % 2 else -1)
        t = round(min(2.0, max(0.0, base + offset)), 2)
        if t not in temps:
            temps.append(t)
        k += 1
        if k > 40:  # base at an edge: fewer distinct values than asked for
            temps.append(t)
    return temps

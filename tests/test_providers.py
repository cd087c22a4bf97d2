"""Failing providers against the local OpenAI-protocol server: bounded retries, clear errors, offline fallback."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterator

import pytest
from conftest import make_settings
from fake_openai import FakeOpenAI

RETRIES = 2  # so every failing case makes exactly RETRIES + 1 requests
SECRET = "sk-test-provider-SECRET-0123456789"

ITEM = {
    "section": "政策速递",
    "title": "上海市印发《上海市元宇宙关键技术攻关行动方案（2023—2025年）》",
    "date": "2023-09-18",
    "body": "2023年9月18日，上海市科学技术委员会印发《上海市元宇宙关键技术攻关行动方案（2023—2025年）》，"
    "提出到2025年在扩展现实、人工智能、区块链、数字孪生等领域实现关键技术突破。",
}


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory):
    """One ingested corpus for the module; each test points settings.llm at its own server."""
    from drafting.services import build_services

    svc = build_services(make_settings(tmp_path_factory.mktemp("providers")))
    svc.ingest()
    return svc


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def use(services, base_url: str, *, timeout: float = 5.0, api_key: str | None = SECRET) -> None:
    from drafting.settings import LLMSettings

    services.drafter.settings.llm = LLMSettings(
        base_url=base_url, model="fake-chat", api_key=api_key, timeout=timeout, max_retries=RETRIES, backoff=0.01
    )


def request(**kw: object):
    from drafting.models import DraftRequest, Item

    return DraftRequest(item=Item(**ITEM), **kw)  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=SECRET) as fake:
        yield fake


def fails_then_offline(services, *, requests_made: int | None, server: FakeOpenAI | None, words: tuple[str, ...]) -> str:
    """The draft fails with a Chinese ModelError naming the offline option; an offline draft then works."""
    from drafting.errors import ModelError

    with pytest.raises(ModelError) as info:
        services.drafter.draft(request())
    message = str(info.value)
    for word in words:
        assert word in message, message
    assert "离线" in message, message  # the fallback is named in the message
    assert SECRET not in message
    if server is not None and requests_made is not None:
        assert len(server.requests) == requests_made
    offline = services.drafter.draft(request(offline=True))
    assert offline[0].offline and len(offline[0].commentary) >= 100
    return message


def test_healthy_provider_drafts(services, server: FakeOpenAI) -> None:
    use(services, server.url)
    drafts = services.drafter.draft(request())
    assert len(server.requests) == 1 and not drafts[0].offline and drafts[0].model == "fake-chat"
    assert "上海市元宇宙关键技术攻关行动方案" in drafts[0].commentary


def test_timeout_is_retried_a_bounded_number_of_times(services, server: FakeOpenAI) -> None:
    server.configure(latency=3.0)
    use(services, server.url, timeout=0.4)
    # bounded by count, not by the clock: exactly RETRIES + 1 attempts, then the error
    fails_then_offline(services, requests_made=RETRIES + 1, server=server, words=("超时",))


def retry_delays(caplog: pytest.LogCaptureFixture) -> list[float]:
    """The waits the client announced before each retry (its log line), in seconds."""
    return [float(m.group(1)) for r in caplog.records if (m := re.search(r"retry \d+/\d+ in ([\d.]+)s", r.getMessage()))]


@pytest.mark.parametrize(("header", "wait"), [({"retry_after": 0.5}, 0.5), ({"retry_after_ms": 750}, 0.75)],
                         ids=["retry-after", "retry-after-ms"])
def test_429_waits_retry_after_then_succeeds(services, server: FakeOpenAI, caplog: pytest.LogCaptureFixture,
                                             header: dict[str, float], wait: float) -> None:
    server.configure(fail_status=[429], **header)
    use(services, server.url)
    with caplog.at_level(logging.WARNING, logger="drafting.writing.model"):
        drafts = services.drafter.draft(request())
    assert retry_delays(caplog) == [wait]  # the provider's wait was honoured, not just the 0.01 s backoff
    assert len(server.requests) == 2 and drafts[0].commentary


def test_429_retry_after_as_an_http_date_is_honoured(services, server: FakeOpenAI, caplog: pytest.LogCaptureFixture) -> None:
    server.configure(fail_status=[429], retry_after_date=2)
    use(services, server.url)
    with caplog.at_level(logging.WARNING, logger="drafting.writing.model"):
        drafts = services.drafter.draft(request())
    (delay,) = retry_delays(caplog)
    assert 0.9 <= delay <= 2.0, delay  # an HTTP date has whole seconds: 2 s ahead is 1–2 s away
    assert len(server.requests) == 2 and drafts[0].commentary


@pytest.mark.parametrize(("status", "words"), [
    (403, ("无权使用该模型", "DRAFTING_LLM__MODEL")),
    (404, ("找不到该模型或接口", "DRAFTING_LLM__BASE_URL", "/v1")),
    (400, ("拒绝了请求（400）",)),
    (422, ("拒绝了请求（422）",)),
])
def test_other_4xx_fail_at_once_with_the_fix_named(services, server: FakeOpenAI, status: int, words: tuple[str, ...]) -> None:
    server.configure(fail_status=[status] * 10)
    use(services, server.url)
    fails_then_offline(services, requests_made=1, server=server, words=words)


def test_429_persisting_gives_up(services, server: FakeOpenAI) -> None:
    server.configure(fail_status=[429] * 10, retry_after=0.05)
    use(services, server.url)
    fails_then_offline(services, requests_made=RETRIES + 1, server=server, words=("429", "重试"))


def test_500_then_recovers(services, server: FakeOpenAI) -> None:
    server.configure(fail_status=[500, 502])
    use(services, server.url)
    assert services.drafter.draft(request())[0].commentary
    assert len(server.requests) == 3


def test_500_persisting_gives_up(services, server: FakeOpenAI) -> None:
    server.configure(fail_status=[500] * 10)
    use(services, server.url)
    fails_then_offline(services, requests_made=RETRIES + 1, server=server, words=("500",))


def test_connection_refused(services) -> None:
    use(services, f"http://127.0.0.1:{closed_port()}/v1")
    message = fails_then_offline(services, requests_made=None, server=None, words=("无法连接",))
    assert "DRAFTING_LLM__BASE_URL" in message


def test_invalid_api_key_is_not_retried(services, server: FakeOpenAI) -> None:
    use(services, server.url, api_key="sk-wrong-key")
    message = fails_then_offline(services, requests_made=1, server=server, words=("DRAFTING_LLM__API_KEY",))
    assert "sk-wrong-key" not in message


def test_stream_cut_midway_is_discarded(services, server: FakeOpenAI) -> None:
    """Streaming: tokens were shown, then the connection dropped: an error event, no 'done', no Draft."""
    server.configure(cut_stream_after=3)
    use(services, server.url)
    events = list(services.drafter.stream(request()))
    kinds = [e.kind for e in events]
    assert "token" in kinds and "done" not in kinds and kinds[-1] == "error"
    assert "中断" in (events[-1].error or "") and "离线" in (events[-1].error or "")
    assert len(server.requests) == 1  # a cut after tokens were shown is not silently retried


def test_stream_cut_whole_reply_is_retried_then_fails(services, server: FakeOpenAI) -> None:
    """Non-streaming (batch) calls retry a cut reply; a provider that always cuts ends in ModelError."""
    server.configure(cut_stream_after=2)
    use(services, server.url)
    fails_then_offline(services, requests_made=RETRIES + 1, server=server, words=("中途",))


def test_stream_cut_once_then_ok(services, server: FakeOpenAI) -> None:
    server.configure(cut_stream_after=2)
    use(services, server.url)
    calls = {"n": 0}
    original = server._sse

    async def cut_first(text: str, model: str, cut: int | None):
        calls["n"] += 1
        async for chunk in original(text, model, cut if calls["n"] == 1 else None):
            yield chunk

    server._sse = cut_first  # type: ignore[method-assign]
    drafts = services.drafter.draft(request())
    assert len(server.requests) == 2 and drafts[0].commentary.endswith("。")


def test_failed_draft_stores_nothing(services, server: FakeOpenAI) -> None:
    """The UI stores a draft only from a 'done' event; a failed stream leaves the store unchanged."""
    server.configure(fail_status=[500] * 10)
    use(services, server.url)
    before = len(services.store.list(limit=10_000))
    done = [e.draft for e in services.drafter.stream(request()) if e.kind == "done" and e.draft]
    for d in done:
        services.store.create(d)
    assert done == [] and len(services.store.list(limit=10_000)) == before


def test_api_key_not_in_recorded_settings(services, server: FakeOpenAI) -> None:
    use(services, server.url)
    draft = services.drafter.draft(request())[0]
    assert SECRET not in draft.model_dump_json()
    assert server.requests and SECRET not in str(server.requests[0])

"""Issue #10, provider side: broken or hostile OpenAI-compatible servers (tests/fake_openai.py FAULTS) end in one
clear Chinese error, are retried when a retry can help, never hang past the draft's deadline, never produce an
empty 短评, and never let the API key through (errors, streamed text, logs, stored drafts).
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import make_settings
from fake_openai import FakeOpenAI

BIN = Path(sys.executable).parent / "drafting"
SECRET = "sk-hostile-SECRET-1234567890abcdef"
ITEM = {"section": "政策速递", "title": "某市印发《元宇宙产业行动计划》", "date": "2023-09-18",
        "body": "2023年9月18日，某市印发《元宇宙产业行动计划》，提出推动产业发展。"}


def llm_settings(url: str, **kw: object):
    from drafting.settings import LLMSettings

    fields = {"base_url": url, "model": "fake-chat", "api_key": SECRET, "max_retries": 2, "backoff": 0.01,
              "timeout": 5} | kw
    return LLMSettings(**fields)  # type: ignore[arg-type]


def messages():
    from langchain_core.messages import HumanMessage

    return [HumanMessage(content="<source>2023年9月18日，某市印发《元宇宙产业行动计划》。</source>")]


@dataclass
class Fault:
    fault: str
    words: tuple[str, ...]
    retried: bool


FAULTS = [
    Fault("bad_json", ("无法解析",), True),
    Fault("bad_choices", ("无法解析",), True),
    Fault("only_done", ("已重试",), True),
    Fault("empty_body", ("已重试",), True),
    Fault("empty_stop", ("空白",), True),
]


@pytest.mark.parametrize("case", FAULTS, ids=[f.fault for f in FAULTS])
@pytest.mark.parametrize("mode", ["stream", "complete"])
def test_malformed_streams_are_retried_then_a_clear_error(case: Fault, mode: str) -> None:
    from drafting.errors import ModelError
    from drafting.writing.model import ChatModel

    with FakeOpenAI(fault=case.fault) as server:
        model = ChatModel(llm_settings(server.url))
        with pytest.raises(ModelError) as info:
            "".join(model.stream(messages())) if mode == "stream" else model.complete(messages())
        assert len(server.requests) == (3 if case.retried else 1)
    message = str(info.value)
    for word in case.words:
        assert word in message, message


def test_empty_completion_is_never_saved_as_a_commentary(tmp_path: Path) -> None:
    from drafting.errors import ModelError
    from drafting.models import DraftRequest, Item
    from drafting.services import build_services

    with FakeOpenAI(fault="empty_stop") as server:
        settings = make_settings(tmp_path, llm=llm_settings(server.url, max_retries=0))
        services = build_services(settings)
        with pytest.raises(ModelError):
            services.drafter.draft(DraftRequest(item=Item(**ITEM)))


def run_cli(tmp: Path, url: str, *args: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DRAFTING_CORPUS_DIR": str(tmp / "corpus"), "DRAFTING_DATA_DIR": str(tmp / "data"),
           "ANONYMIZED_TELEMETRY": "False", "DRAFTING_LLM__BASE_URL": url, "DRAFTING_LLM__MODEL": "fake-chat",
           "DRAFTING_LLM__API_KEY": SECRET, "DRAFTING_LLM__MAX_RETRIES": "1", "DRAFTING_LLM__BACKOFF": "0.01",
           **env_extra}
    # the subprocess bound is a liveness check (a hang fails the test), not a speed assertion
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, cwd=tmp, timeout=240,
                          check=False)


@pytest.fixture(scope="module")
def cli_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("provider_cli")
    make_settings(tmp)
    (tmp / "item.json").write_text(json.dumps(ITEM, ensure_ascii=False), encoding="utf-8")
    return tmp


CLI_FAULTS = [
    ("keepalive", {"DRAFTING_LLM__DEADLINE": "3", "DRAFTING_LLM__TIMEOUT": "5"}, ("时限",)),
    ("trickle", {"DRAFTING_LLM__DEADLINE": "3", "DRAFTING_LLM__TIMEOUT": "5"}, ("时限",)),
    ("bad_json", {}, ("无法解析",)),
    ("bad_choices", {}, ("无法解析",)),
    ("only_done", {}, ("已重试",)),
    ("empty_body", {}, ("已重试",)),
    ("empty_stop", {}, ("空白",)),
    ("echo_auth_400", {}, ("400",)),
]


@pytest.mark.parametrize(("fault", "env", "words"), CLI_FAULTS, ids=[c[0] for c in CLI_FAULTS])
def test_cli_draft_against_a_broken_provider(cli_tmp: Path, fault: str, env: dict[str, str], words: tuple[str, ...]) -> None:
    with FakeOpenAI(fault=fault, fault_interval=0.5) as server:
        result = run_cli(cli_tmp, server.url, "draft", str(cli_tmp / "item.json"), "--json", **env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert any(line.startswith("错误：") for line in result.stderr.splitlines()), result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    assert SECRET not in result.stderr + result.stdout
    assert SECRET[6:] not in result.stderr + result.stdout


def test_output_length_is_capped() -> None:
    from drafting.errors import ModelError
    from drafting.writing.model import ChatModel

    with FakeOpenAI(fault="trickle", fault_interval=0.001) as server:
        model = ChatModel(llm_settings(server.url, max_output_chars=200, deadline=600))
        got: list[str] = []
        with pytest.raises(ModelError) as info:
            for token in model.stream(messages()):
                got.append(token)  # noqa: PERF402 - the error ends the loop midway
    assert "上限" in str(info.value)
    assert len("".join(got)) <= 200


def test_key_echoed_by_the_provider_is_masked_in_errors_and_logs() -> None:
    from drafting.errors import ModelError
    from drafting.redact import install_log_redaction
    from drafting.writing.model import ChatModel

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        install_log_redaction()
        with FakeOpenAI(fault="echo_auth_400") as server:
            try:
                ChatModel(llm_settings(server.url)).complete(messages())
            except ModelError as exc:
                message = str(exc)
                logging.getLogger("drafting.test").exception("draft failed")
    finally:
        root.removeHandler(handler)
    logged = out.getvalue()
    assert "Authorization" in logged  # the provider's text, with its chained traceback, did reach the log…
    assert "400" in message
    assert SECRET not in message and SECRET not in logged  # …masked
    assert SECRET[6:] not in logged


def test_key_repeated_in_streamed_text_is_masked_in_the_stored_draft(tmp_path: Path) -> None:
    from drafting.models import DraftRequest, Item
    from drafting.services import build_services

    with FakeOpenAI(fault="echo_auth_stream") as server:
        settings = make_settings(tmp_path, llm=llm_settings(server.url))
        services = build_services(settings)
        events = list(services.drafter.stream(DraftRequest(item=Item(**ITEM))))
    streamed = "".join(e.text for e in events if e.kind == "token")
    drafts = [e.draft for e in events if e.kind == "done" and e.draft is not None]
    assert drafts and "密钥" in drafts[0].commentary
    assert SECRET not in streamed and SECRET not in drafts[0].commentary
    stored = services.store.get(services.store.create(drafts[0], source_text=ITEM["body"]))
    assert SECRET not in stored.model_dump_json()

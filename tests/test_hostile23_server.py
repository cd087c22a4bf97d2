"""Issue #23 on a real `python app.py` (127.0.0.1 only): forwarded addresses, body limits before parsing and
before login, Host and Origin checks, and 50 searches at once queueing fairly.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

USER, PASSWORD = "editor", "pw-23-horse"
LOCKED, LOCKED_PASSWORD = "locked", "pw-23-battery"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import bench_load

    with bench_load.running_app(tmp_path_factory.mktemp("hostile23_app"), users={USER: PASSWORD, LOCKED: LOCKED_PASSWORD},
                                concurrency=1,  # one search slot: 49 of 50 requests must wait in line
                                extra_env={"DRAFTING_SERVER__LOGIN_MAX_FAILURES": "5"}) as running:
        yield running


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_rotating_forwarded_for_does_not_escape_the_throttle(app: Any) -> None:
    with httpx.Client(base_url=app.url, timeout=30) as client:
        codes = [client.post("/login", data={"username": LOCKED, "password": f"wrong-{n}"},
                             headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(10)]
        assert codes[:5] == [400] * 5 and set(codes[5:]) == {429}, codes
        # the locked account, from yet another claimed address, with the right password: still waits
        late = client.post("/login", data={"username": LOCKED, "password": LOCKED_PASSWORD},
                           headers={"X-Forwarded-For": "198.51.100.77"})
        assert late.status_code == 429, late.text


def _stream(total: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"{" if sent == 0 else b" " * chunk
        sent += chunk


@pytest.mark.parametrize("path", ["/api/v1/draft", "/login"])
def test_huge_bodies_are_refused_before_parsing_and_login(app: Any, path: str) -> None:
    with httpx.Client(base_url=app.url, timeout=60) as client:
        started = time.monotonic()
        declared = client.post(path, content=b"{" + b" " * (30 << 20), headers={"content-type": "application/json"})
        assert declared.status_code == 413, declared.text[:300]
        assert _chinese(declared.json()["error"]) and "最多" in declared.json()["error"]
        # no Content-Length (chunked): counted as it streams
        try:
            chunked = client.post(path, content=_stream(30 << 20), headers={"content-type": "application/json"})
            assert chunked.status_code == 413, chunked.text[:300]
        except httpx.WriteError:
            pass  # the server answered and closed while the client was still sending: refused all the same
        assert time.monotonic() - started < 30
    assert app.proc.poll() is None


def test_foreign_host_and_origin_are_refused(app: Any) -> None:
    with httpx.Client(base_url=app.url, timeout=30, auth=(USER, PASSWORD)) as client:
        assert client.get("/api/v1/issues").status_code == 200
        rebound = client.get("/api/v1/issues", headers={"Host": "attacker.example:7860"})
        assert rebound.status_code == 400 and "issues" not in rebound.json()
        assert _chinese(rebound.json()["error"])
        for origin in ("http://localhost:9999", "http://127.0.0.1:1", "null", "https://evil.example"):
            cross = client.get("/api/v1/issues", headers={"Origin": origin})
            assert cross.status_code == 403, origin
            assert "issues" not in cross.json() and _chinese(cross.json()["error"])
            assert "access-control-allow-credentials" not in cross.headers
        own = client.get("/api/v1/issues", headers={"Origin": app.url})
        assert own.status_code == 200


def test_fifty_searches_at_once_queue_fairly(app: Any) -> None:
    def one(n: int) -> tuple[int, float]:
        started = time.monotonic()
        with httpx.Client(base_url=app.url, timeout=120, auth=(USER, PASSWORD)) as client:
            answer = client.get("/api/v1/search", params={"q": f"元宇宙 产业 行动计划 {n}", "k": 3})
        return answer.status_code, time.monotonic() - started

    with httpx.Client(base_url=app.url, timeout=120, auth=(USER, PASSWORD)) as client:
        assert client.get("/api/v1/search", params={"q": "元宇宙"}).status_code == 200  # warm the model
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(one, range(50)))
    codes = [code for code, _ in results]
    slowest = max(seconds for _, seconds in results)
    print(f"50 concurrent searches: {codes.count(200)} × 200, {codes.count(503)} × 503, slowest {slowest:.1f}s")
    assert codes.count(200) == 50, codes
    assert slowest < 40

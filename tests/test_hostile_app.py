"""Issue #10, the running app (a real `python app.py`): failed logins are throttled, and nothing but /login
answers a client without a session. The app and the fake provider are real processes/servers.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

USER, PASSWORD = "editor", "pw-correct-horse"
OTHER, OTHER_PASSWORD = "second", "pw-other-battery"  # the throttled account: tests may run in any order

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import bench_load

    with bench_load.running_app(tmp_path_factory.mktemp("hostile_app"), users={USER: PASSWORD, OTHER: OTHER_PASSWORD},
                                extra_env={"DRAFTING_SERVER__LOGIN_MAX_FAILURES": "5"}, seed_data=True) as running:
        yield running


def test_reset_and_cancel_refused_without_login(app: Any) -> None:
    body = {"session_hash": "abc", "fn_index": 0, "event_id": "x"}
    with httpx.Client(base_url=app.url, timeout=30) as anon:
        for path in ("/gradio_api/reset", "/gradio_api/cancel", "/gradio_api/reset/"):
            response = anon.post(path, json=body)
            assert response.status_code == 401, (path, response.status_code, response.text)
            assert "success" not in response.text
    with httpx.Client(base_url=app.url, timeout=30) as user:
        assert user.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        assert user.post("/gradio_api/reset", json=body).status_code == 200  # the page's own use still works


def test_failed_logins_are_throttled(app: Any) -> None:
    with httpx.Client(base_url=app.url, timeout=30) as client:
        codes = [client.post("/login", data={"username": OTHER, "password": f"wrong-{n}"}).status_code for n in range(15)]
        assert codes[:5] == [400] * 5
        assert set(codes[5:]) == {429}, codes
        refused = client.post("/login", data={"username": OTHER, "password": OTHER_PASSWORD})
        # while throttled even the right password waits: guessing gains nothing
        assert refused.status_code == 429
        assert "登录失败次数过多" in refused.json()["detail"]
        assert int(refused.headers["retry-after"]) > 0
        # another account from the same address is not locked by these failures
        assert client.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200

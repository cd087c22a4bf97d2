"""One concurrency limit for model drafts across the page and the JSON API (a real `python app.py`, the fake model
held at a gate: waits are counted, never timed)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

USER, PASSWORD = "editor", "pw-limit-horse"
pytestmark = pytest.mark.slow

RAW = ("2023年10月8日，湖北省经济和信息化厅等12部门联合印发《湖北省元宇宙产业发展行动计划（2023—2025年）》。"
       "行动计划提出，到2025年，全省元宇宙核心产业规模力争达到300亿元。")
ITEM = {"section": "政策速递", "title": "某市印发《元宇宙产业行动计划》", "date": "2023-10-20",
        "body": "2023年10月20日，某市印发《元宇宙产业行动计划》，提出推动元宇宙产业发展。"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import bench_load

    with bench_load.running_app(tmp_path_factory.mktemp("limit_app"), users={USER: PASSWORD}, concurrency=1,
                                seed_data=True) as running:
        yield running


def until(condition: Callable[[], bool], what: str) -> None:
    """Poll a condition (an event in another process) until it holds; the bound only turns a hang into a failure."""
    for _ in range(2400):
        if condition():
            return
        threading.Event().wait(0.05)
    raise AssertionError(f"never happened: {what}")


def drafts_waiting(c: httpx.Client) -> int:
    return int(c.get("/api/v1/health").json().get("drafts", {}).get("model", {}).get("waiting", 0))


def in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    return thread, out


def page_draft(app: Any) -> Any:
    import bench_load
    from gradio_client import Client

    page = Client(app.url, auth=(USER, PASSWORD), verbose=False)
    api = bench_load.draft_endpoint(page)
    return page.predict(**{**bench_load.blank_arguments(page, api), "raw": RAW, "offline": False}, api_name=api)


def test_page_and_api_model_drafts_share_one_limit(app: Any) -> None:
    fake = app.fake
    with httpx.Client(base_url=app.url, auth=(USER, PASSWORD), timeout=300) as c:
        for first, second in (("page", "api"), ("api", "page")):
            gate = threading.Event()
            fake.configure(gate=gate, in_flight=0, max_in_flight=0)
            start = {"page": lambda: page_draft(app),
                     "api": lambda: c.post("/api/v1/draft", json={"item": ITEM})}
            t1, out1 = in_thread(start[first])
            try:
                until(lambda: fake.in_flight == 1, f"the {first} draft reaches the model")
                t2, out2 = in_thread(start[second])
                # CONCURRENCY=1: the second draft must queue for the slot, not reach the model beside the first.
                until(lambda: fake.in_flight >= 2 or drafts_waiting(c) == 1, f"the {second} draft waits or runs")
                assert fake.max_in_flight == 1, f"{first} + {second}: two model drafts ran at once with CONCURRENCY=1"
            finally:
                gate.set()  # never leave a draft held at the fake model
            t1.join(300)
            t2.join(300)
            assert fake.max_in_flight == 1
            for kind, out in ((first, out1), (second, out2)):
                assert out, f"the {kind} draft did not finish"
                if kind == "api":
                    assert out[0].status_code == 200, out[0].text
                    assert not out[0].json()["offline"]
                else:
                    assert any(str(v).startswith("✓") for v in out[0]), out[0]
            assert drafts_waiting(c) == 0
        assert c.get("/api/v1/health").json()["drafts"]["model"] == {"limit": 1, "running": 0, "waiting": 0}
    fake.configure(gate=None)


def test_offline_api_drafts_do_not_wait_behind_a_held_model_draft(app: Any) -> None:
    fake = app.fake
    gate = threading.Event()
    fake.configure(gate=gate, in_flight=0, max_in_flight=0)
    try:
        with httpx.Client(base_url=app.url, auth=(USER, PASSWORD), timeout=300) as c:
            held, out = in_thread(lambda: c.post("/api/v1/draft", json={"item": ITEM}))
            until(lambda: fake.in_flight == 1, "the model draft reaches the model")
            offline = c.post("/api/v1/draft", json={"item": ITEM, "offline": True})  # answered while the model is held
            assert offline.status_code == 200 and offline.json()["offline"]
            assert fake.in_flight == 1 and not out
            gate.set()
            held.join(300)
            assert out and out[0].status_code == 200
    finally:
        gate.set()
        fake.configure(gate=None)

"""Issue #23 finding 4 through the running app (a real `python app.py`, gradio_client sessions as editors): one
editor's slow links no longer fill 读取链接's slots; another editor's link is read while they drip.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_hostile_fetch import Drip, Server, _page, _send

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    import bench_load

    env = {"DRAFTING_SOURCES__TIMEOUT": "10", "DRAFTING_SOURCES__FETCH_WAIT_S": "1", "DRAFTING_SOURCES__CACHE": "false"}
    with bench_load.running_app(tmp_path_factory.mktemp("fetch_app"), extra_env=env, timeout=300) as running:
        yield running


def test_other_editor_reads_a_link_while_four_slow_ones_drip(app: Any) -> None:
    from gradio_client import Client

    drip = Drip(step=0.5, lines=60)  # 30 s of header lines at most
    with Server({"/drip": drip, "/ok": _send(_page(), {"Content-Type": "text/html; charset=utf-8"})}) as server:
        a, b = Client(app.url, verbose=False), Client(app.url, verbose=False)  # two browser sessions
        api = "/on_fetch"  # 读取链接; undocumented on the API page, still callable as the page calls it
        assert "3500亿元" in str(b.predict("", server.url("/ok"), api_name=api))  # warm-up (imports trafilatura)
        try:
            slow = [a.submit("", server.url("/drip"), api_name=api) for _ in range(4)]
            for _ in range(200):  # bounded: 20 s
                if server.hits["/drip"] >= 2:
                    break
                threading.Event().wait(0.1)
            out = b.predict("", server.url("/ok"), api_name=api)
            assert "3500亿元" in str(out), "editor b's link was not read while a's links dripped"
            assert sum(job.done() for job in slow) <= 2, "b was served only after a's slow fetches ended"
            assert server.hits["/drip"] <= 2, "one session held more than half of the fetch slots"
        finally:
            drip.stop.set()

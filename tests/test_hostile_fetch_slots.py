"""读取链接's fetch slots (issue #23 finding 4): one editor's slow links never make the others wait a minute."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from test_hostile_fetch import Drip, Server, _page, _send

from drafting.errors import BusyError
from drafting.sources.fetchslots import FetchSlots


def _hold_in_thread(slots: FetchSlots, user: str, release: threading.Event, got: list[str], tag: str) -> threading.Thread:
    def run() -> None:
        try:
            with slots.hold(user):
                got.append(tag)
                release.wait(10)
        except BusyError:
            got.append(f"{tag}:busy")

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def _until(cond: Any, limit: int = 500) -> None:
    for _ in range(limit):  # bounded: 5 s at most
        if cond():
            return
        threading.Event().wait(0.01)
    raise AssertionError("condition not reached")


def test_one_user_holds_at_most_half_the_slots_and_waits_are_bounded() -> None:
    slots = FetchSlots(4, wait_s=0.3)
    release = threading.Event()
    got: list[str] = []
    threads = [_hold_in_thread(slots, "a", release, got, f"a{n}") for n in range(3)]
    _until(lambda: len(got) >= 3)  # two running, the third refused after 0.3 s
    assert sum(g.endswith(":busy") for g in got) == 1, got
    with slots.hold("b"):  # another editor gets a slot at once while a's fetches run
        assert slots.status()["running"] == 3
    with pytest.raises(BusyError) as err, slots.hold("a"):
        pass
    assert "请稍后再试" in str(err.value) and "每人最多 2 个" in str(err.value)
    release.set()
    for t in threads:
        t.join(5)


def test_free_slot_goes_to_the_user_holding_fewest() -> None:
    """x and a hold both slots; a's 2nd and 3rd links wait, then b's: when x finishes, b goes first (a holds one)."""
    slots = FetchSlots(2, wait_s=5, per_user=2)
    order: list[str] = []
    gates = {tag: threading.Event() for tag in ("x", "a1", "a2", "a3", "b1")}
    threads = []
    for tag, user in (("x", "x"), ("a1", "a"), ("a2", "a"), ("a3", "a"), ("b1", "b")):
        threads.append(_hold_in_thread(slots, user, gates[tag], order, tag))
        _until(lambda: slots.status()["running"] + slots.status()["waiting"] == len(threads))
    assert order == ["x", "a1"]
    gates["x"].set()
    _until(lambda: len(order) == 3)
    assert order[2] == "b1", "b waited behind a's later links"
    for gate in gates.values():
        gate.set()
    for t in threads:
        t.join(5)
    assert sorted(order) == ["a1", "a2", "a3", "b1", "x"]


@pytest.fixture
def page(seeded_services: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimpleNamespace]:
    """The page's fetch callbacks called as plain Python, with a 6 s fetch deadline and a 0.5 s slot wait."""
    import gradio as gr

    from drafting.ui.app import build_app

    sources = seeded_services.settings.sources
    for key, value in {"timeout": 3.0, "fetch_wait_s": 0.5, "fetch_slots": 4, "cache": False}.items():
        monkeypatch.setattr(sources, key, value)
    warnings: list[str] = []
    monkeypatch.setattr(gr, "Warning", lambda message="", *a, **k: warnings.append(str(message)))
    demo = build_app(seeded_services)
    fns = [f for f in demo.fns.values() if f.fn and f.fn.__name__ == "on_fetch"]
    yield SimpleNamespace(fn=fns[0].fn, event=fns[0], warnings=warnings)


def test_slow_links_of_one_editor_leave_a_slot_for_another(page: SimpleNamespace) -> None:
    drip = Drip(step=0.25, lines=80)
    with Server({"/drip": drip, "/ok": _send(_page(), {"Content-Type": "text/html; charset=utf-8"})}) as server:
        try:
            a = SimpleNamespace(username="editor-a", session_hash="s-a")
            b = SimpleNamespace(username="editor-b", session_hash="s-b")
            page.fn("", server.url("/ok"), {}, "", b)  # warm-up: the first extraction imports trafilatura
            slow = [threading.Thread(target=page.fn, args=("", server.url("/drip"), {}, "", a), daemon=True) for _ in range(2)]
            for t in slow:
                t.start()
            _until(lambda: server.hits["/drip"] == 2)
            text = page.fn("", server.url("/ok"), {}, "", b)[0]
            assert "3500亿元" in text, "editor b's link was read while a's two slow links held their slots"
            assert all(t.is_alive() for t in slow) and not drip.stop.is_set()
            page.fn("", server.url("/drip"), {}, "", a)  # a's third link: no slot within 0.5 s
            assert any("请稍后再试" in w for w in page.warnings), page.warnings
            assert server.hits["/drip"] == 2
        finally:
            drip.stop.set()
        for t in slow:
            t.join(10)
    assert page.event.concurrency_limit is None, "Gradio's first-come queue per event no longer decides"

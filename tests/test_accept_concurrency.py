"""Two accepts at the same moment (threads, then processes) never drop each other's item; reindex and check --repair wait
for an accept in another process; drift after an accept is reported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import seeded_settings
from typer.testing import CliRunner

from drafting.models import Draft, Item, item_id
from drafting.services import Services, build_services

ROOT = Path(__file__).resolve().parent.parent
DATE = "2023-10-20"

pytestmark = pytest.mark.slow  # child processes that each load the model and open the index (10-40 s per test)


def new_draft(title: str) -> Draft:
    body = f"2023年10月20日，{title[:6]}发布方案，提出推动区块链与数字孪生技术在文旅、制造领域的应用。"
    return Draft(item=Item(section="政策速递", title=title, date=DATE, body=body), commentary=f"{title}体现了对产业的重视。",
                 offline=True)


def pause_snapshot_in(services: Services, thread_name: str, taken: threading.Event, until: threading.Event) -> None:
    """Make the named thread's corpus snapshot wait (up to 5 s) for the other accept: the interleaving of the race."""
    real = services.corpus.items

    def items() -> list[Item]:
        snapshot = real()
        if threading.current_thread().name == thread_name:
            taken.set()
            until.wait(timeout=5)
        return snapshot

    services.corpus.items = items  # type: ignore[method-assign]


def test_two_threads_accepting_at_once_keep_both_items(tmp_path: Path) -> None:
    services = build_services(seeded_settings(tmp_path))
    services.ingest()
    first = services.store.create(new_draft("甲市发布元宇宙方案"))
    services.accept(first, title="甲市发布元宇宙方案", body=new_draft("甲市发布元宇宙方案").item.body, commentary="初稿短评。")
    second = services.store.create(new_draft("乙市发布区块链方案"))
    b_done, snapshot_taken = threading.Event(), threading.Event()
    pause_snapshot_in(services, "reaccept", snapshot_taken, b_done)
    errors: list[BaseException] = []

    def reaccept() -> None:  # a corrected title: the path that re-syncs the index from a corpus snapshot
        try:
            services.accept(first, title="甲市印发元宇宙三年方案", body=new_draft("甲市发布元宇宙方案").item.body, commentary="改过的短评。")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    def accept_other() -> None:
        try:
            d = new_draft("乙市发布区块链方案")
            services.accept(second, title=d.item.title, body=d.item.body, commentary=d.commentary)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            b_done.set()

    a = threading.Thread(target=reaccept, name="reaccept")
    b = threading.Thread(target=accept_other, name="other")
    a.start()
    assert snapshot_taken.wait(timeout=120)
    b.start()
    a.join()
    b.join()
    assert not errors
    indexed = services.index.stored_hashes()
    other_id = item_id("政策速递", "乙市发布区块链方案", DATE)
    assert other_id in indexed, "the item accepted at the same moment vanished from the index"
    assert item_id("政策速递", "甲市印发元宇宙三年方案", DATE) in indexed
    assert item_id("政策速递", "甲市发布元宇宙方案", DATE) not in indexed
    assert {i.id for i in services.corpus.accepted_items()} >= {other_id}


CHILD = r'''
import sys, threading, time
from pathlib import Path
from drafting.settings import Settings
from drafting.services import build_services
role, flag = sys.argv[1], Path(sys.argv[2])
services = build_services(Settings(_env_file=None))
draft_id = int(sys.argv[3])
stored = services.store.get(draft_id)
if role == "reaccept":
    real = services.corpus.items
    def items():
        snapshot = real()
        flag.write_text("snapshot")
        # hold the snapshot until the test has seen the other accept blocked on the corpus lock (or finished)
        deadline = time.monotonic() + 300  # only so a broken run cannot hang the suite
        while not flag.with_suffix(".go").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return snapshot
    services.corpus.items = items
    services.accept(draft_id, title="甲市印发元宇宙三年方案", body=stored.body, commentary="改过的短评。")
else:
    services.accept(draft_id, title=stored.title, body=stored.body, commentary=stored.commentary)
print("ok", flush=True)
'''


def test_two_processes_accepting_at_once_keep_both_items(tmp_path: Path) -> None:
    settings = seeded_settings(tmp_path)
    services = build_services(settings)
    services.ingest()
    first = services.store.create(new_draft("甲市发布元宇宙方案"))
    services.accept(first, title="甲市发布元宇宙方案", body=new_draft("甲市发布元宇宙方案").item.body, commentary="初稿短评。")
    second = services.store.create(new_draft("乙市发布区块链方案"))
    del services  # the children open the index themselves
    env = {**os.environ, "DRAFTING_CORPUS_DIR": str(settings.corpus_dir), "DRAFTING_DATA_DIR": str(settings.data_dir),
           "PYTHONPATH": str(ROOT)}
    flag = tmp_path / "flag"
    a = subprocess.Popen([sys.executable, "-c", CHILD, "reaccept", str(flag), str(first)], env=env, cwd=tmp_path)
    b: subprocess.Popen[str] | None = None
    try:
        give_up = time.monotonic() + 300  # only so a broken run cannot hang the suite
        while not flag.exists():
            assert a.poll() is None, "the re-accepting process exited before its snapshot"
            assert time.monotonic() < give_up, "the re-accepting process never took its snapshot"
            threading.Event().wait(0.05)
        # A holds its snapshot (and the corpus lock); B accepts now. The race: B either waits on the lock (as it
        # must) or writes in the middle of A's accept (the defect this test is for). Only then does A go on.
        b = subprocess.Popen([sys.executable, "-c", CHILD, "other", str(flag), str(second)], env=env, cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lock = settings.data_dir / "corpus.lock"
        while b.poll() is None and not waiting_for_flock(lock, b.pid):
            assert time.monotonic() < give_up, "the other accept neither finished nor waited on the corpus lock"
            threading.Event().wait(0.05)
        b_waited = b.poll() is None
        flag.with_suffix(".go").write_text("go")
        assert a.wait(timeout=300) == 0
        _, err = b.communicate(timeout=300)
        assert b.returncode == 0, err[-2000:]
    finally:
        for proc in (a, b):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert b_waited, "the other process accepted while the first held the corpus lock mid-accept"
    after = build_services(settings)
    indexed = after.index.stored_hashes()
    assert item_id("政策速递", "乙市发布区块链方案", DATE) in indexed, "the other process's accept vanished from the index"
    assert item_id("政策速递", "甲市印发元宇宙三年方案", DATE) in indexed


HOLDER = r'''
import sys, time
from pathlib import Path
from drafting.settings import Settings
from drafting.services import build_services
draft_id, flags = int(sys.argv[1]), Path(sys.argv[2])
services = build_services(Settings(_env_file=None))
stored = services.store.get(draft_id)
with services.corpus_lock.hold():  # what the app does around an accept, held until the test says go
    (flags / "held").write_text("held")
    while not (flags / "go").exists():
        time.sleep(0.05)
    services.accept(draft_id, title=stored.title, body=stored.body, commentary=stored.commentary)
print("ok", flush=True)
'''


def waiting_for_flock(lock: Path, pid: int) -> bool:
    """True when process pid is blocked in flock on this file (Linux /proc/locks: '->' marks a waiter)."""
    inode = f":{lock.stat().st_ino} "
    return any(line.split()[1] == "->" and f" {pid} " in line and inode in line
               for line in Path("/proc/locks").read_text().splitlines())


@pytest.mark.parametrize("command", [["reindex"], ["check", "--repair"]])
def test_reindex_and_repair_wait_for_an_accept_in_another_process(tmp_path: Path, command: list[str]) -> None:
    settings = seeded_settings(tmp_path)
    services = build_services(settings)
    services.ingest()
    drift = new_draft("丁市发布元宇宙方案").item
    services.corpus.add_item(drift)  # in the corpus, not yet indexed: something for the repair to write
    d = new_draft("戊市发布区块链方案")
    draft_id = services.store.create(d)
    del services
    env = {**os.environ, "DRAFTING_CORPUS_DIR": str(settings.corpus_dir), "DRAFTING_DATA_DIR": str(settings.data_dir),
           "PYTHONPATH": str(ROOT)}
    flags = tmp_path / "flags"
    flags.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(draft_id), str(flags)], env=env, cwd=tmp_path)
    runner: subprocess.Popen[str] | None = None
    try:
        while not (flags / "held").exists():
            assert holder.poll() is None, "the lock holder exited early"
            threading.Event().wait(0.05)
        runner = subprocess.Popen([sys.executable, "-m", "drafting", *command, "--json"], env=env, cwd=tmp_path,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lock = settings.data_dir / "corpus.lock"
        # Either it blocks on the lock (fixed) or it runs to the end while the lock is held (the defect).
        give_up = time.monotonic() + 300  # only so a broken run cannot hang the suite
        while runner.poll() is None and not waiting_for_flock(lock, runner.pid):
            assert time.monotonic() < give_up, "neither finished nor seen waiting on the corpus lock"
            threading.Event().wait(0.05)
        finished_while_held = runner.poll() is not None
        (flags / "go").write_text("go")
        assert holder.wait(timeout=300) == 0
        out, err = runner.communicate(timeout=300)
    finally:
        for proc in (holder, runner):
            if proc is not None and proc.poll() is None:
                proc.kill()
    assert not finished_while_held, f"drafting {' '.join(command)} wrote while another process held the corpus lock"
    assert runner.returncode == 0, err[-2000:]
    after = build_services(settings)
    accepted = item_id("政策速递", d.item.title, DATE)
    assert {accepted, drift.id} <= set(after.index.stored_hashes())
    # Its snapshot was read after the accept: the count it reports includes the accepted item.
    report = json.loads(out)
    assert report["indexed" if command == ["reindex"] else "index_items"] == after.index.count()


def test_check_reports_an_accepted_draft_whose_text_left_the_corpus(tmp_path: Path) -> None:
    from drafting.cli import app

    settings = seeded_settings(tmp_path)
    services = build_services(settings)
    services.ingest()
    d = new_draft("丙市发布元宇宙方案")
    draft_id = services.store.create(d)
    services.accept(draft_id, title=d.item.title, body=d.item.body, commentary=d.commentary)
    # What the page did before: an autosave after the accept changes the row, not the corpus.
    services.store.save_edit(draft_id, title=d.item.title, body=d.item.body, commentary="采纳后又改过的短评。")
    env = {"DRAFTING_CORPUS_DIR": str(settings.corpus_dir), "DRAFTING_DATA_DIR": str(settings.data_dir)}
    found = CliRunner().invoke(app, ["check", "--json"], env=env)
    assert found.exit_code == 2, found.output
    assert json.loads(found.output)["accepted_differs"] == [draft_id]
    text = CliRunner().invoke(app, ["check"], env=env)
    assert text.exit_code == 2 and f"#{draft_id}" in text.output and "重新采纳" in text.output
    # Accepting again (what the page now does on every change of an accepted draft) brings them back in line.
    services.accept(draft_id, title=d.item.title, body=d.item.body, commentary="采纳后又改过的短评。")
    clean = CliRunner().invoke(app, ["check", "--json"], env=env)
    assert clean.exit_code == 0 and json.loads(clean.output)["accepted_differs"] == []

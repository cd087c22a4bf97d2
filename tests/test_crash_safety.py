"""No data lost: SIGKILL in the middle of an accept loop, then restart; `drafting check` finds and repairs drift."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_settings, seeded_settings
from typer.testing import CliRunner

# Drafts offline and accepts one draft after another, printing each accepted id; the test kills it with SIGKILL.
LOOP = r'''
import sys
from pathlib import Path
from drafting.models import DraftRequest
from drafting.services import build_services
from drafting.settings import Settings

start, count = int(sys.argv[1]), int(sys.argv[2])
services = build_services(Settings(_env_file=None))
services.ingest()
print("ready", flush=True)
for n in range(start, start + count):
    raw = f"2023年9月{n % 28 + 1}日，某市发布《元宇宙产业发展行动方案第{n}号》，提出推动区块链与数字孪生技术应用。"
    draft = services.drafter.draft(DraftRequest(raw_text=raw, section="政策速递", offline=True))[0]
    draft_id = services.store.create(draft, source_text=raw)
    title = f"某市发布《元宇宙产业发展行动方案第{n}号》"
    stored = services.accept(draft_id, title=title, body=draft.item.body, commentary=draft.commentary)
    print("accepted", draft_id, flush=True)
'''


def sha(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def run_and_kill(tmp: Path, script: Path, start: int, kill_after: int) -> list[int]:
    """Start the loop, SIGKILL it once `kill_after` drafts were accepted (plus a little), return the ids it reported."""
    env = {**os.environ, "DRAFTING_CORPUS_DIR": str(tmp / "corpus"), "DRAFTING_DATA_DIR": str(tmp / "data"),
           "ANONYMIZED_TELEMETRY": "False"}
    env.pop("DRAFTING_LLM__BASE_URL", None)
    proc = subprocess.Popen([sys.executable, str(script), str(start), "1000"], stdout=subprocess.PIPE, text=True,
                            env=env, cwd=tmp)
    accepted: list[int] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # a hung loop is caught by pytest-timeout, not by a clock here
            if line.startswith("accepted"):
                accepted.append(int(line.split()[1]))
                if len(accepted) >= kill_after:
                    # land the kill somewhere inside the next accept, not on a line boundary
                    time.sleep(0.013 * (start % 7 + 1))
                    break
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return accepted


def accepted_rows(db: Path) -> dict[int, str]:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {row[0]: row[1] for row in conn.execute("SELECT id, title FROM drafts WHERE status='accepted'")}


@pytest.mark.slow
def test_sigkill_during_accept_loop_loses_nothing(tmp_path: Path, seed_path: Path) -> None:
    from drafting.maintenance import check
    from drafting.services import build_services

    settings = make_settings(tmp_path)
    seed_copy = tmp_path / "corpus" / "issues" / seed_path.name
    seed_hash = sha(seed_copy)
    script = tmp_path / "accept_loop.py"
    script.write_text(LOOP, encoding="utf-8")

    reported: list[int] = []
    for round_, start in enumerate((0, 100, 200)):
        reported += run_and_kill(tmp_path, script, start, kill_after=3 + round_)

        # Restart: the store and the embedded index open, check repairs what the kill interrupted.
        services = build_services(settings)
        rows = accepted_rows(settings.db_path)
        assert set(reported) <= set(rows), "a draft reported as accepted is missing from the store"
        report = check(services, repair=True)
        assert report.corpus_items == len(services.corpus.items())
        after = check(services)
        assert after.ok, after.summary()

        # Every accepted draft is in corpus/accepted exactly once, and nothing else is.
        files = sorted(services.corpus.accepted_dir.glob("*.json"))
        ids = [json.loads(f.read_text(encoding="utf-8"))["id"] for f in files]
        expected = {services.store.get(i).accepted_item(services.store.accepted_text(i)).id for i in rows}
        assert len(ids) == len(set(ids)) == len(rows) and set(ids) == expected
        assert not list(services.corpus.accepted_dir.glob(".*.tmp")), "a temp file of an interrupted write was left"
        # The index agrees with the corpus; the seed issue was never touched.
        assert services.index.count() == len(services.corpus.items()) == 17 + len(rows)
        assert sha(seed_copy) == seed_hash
    assert len(reported) >= 12


def test_accept_interrupted_between_store_and_corpus_is_repaired(tmp_settings) -> None:
    """The window the kill may hit: the store says accepted, corpus/accepted/ has no file yet."""
    from drafting.maintenance import check
    from drafting.models import DraftRequest
    from drafting.services import build_services

    services = build_services(tmp_settings)
    services.ingest()
    draft = services.drafter.draft(DraftRequest(raw_text="2023年9月18日，某省印发《数字经济促进条例》。", offline=True))[0]
    draft_id = services.store.create(draft)
    stored = services.store.accept(draft_id, title="某省印发《数字经济促进条例》", body=draft.item.body,
                                   commentary=draft.commentary)  # the store write only, as if killed right after

    report = check(services)
    assert report.unsaved_accepts == [draft_id] and report.missing == [] and not report.ok
    fixed = check(services, repair=True)
    item = stored.accepted_item()
    assert fixed.repaired and (services.corpus.accepted_dir / f"{item.id}.json").exists()
    assert item.id in {p.item.id for p in services.retriever.search("数字经济促进条例", k=5).precedents} | {
        d.item.id for d in services.retriever.search("数字经济促进条例", k=5).duplicates}
    assert check(services).ok
    # A write that bypasses the accept path (the page re-accepts every change of an accepted draft) is drift (#9).
    services.store.save_edit(draft_id, title="编辑仍在修改的标题", body="改了一半", commentary="")
    assert check(services).accepted_differs == [draft_id]
    # Accepted again under a corrected title: the old item is replaced, still exactly one.
    services.accept(draft_id, title="某省印发《数字经济促进条例》（修订）", body=draft.item.body, commentary=draft.commentary)
    assert len(services.corpus.accepted_items()) == 1 and check(services).ok


def test_cli_check_on_drifted_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Delete one id from the Chroma collection, add a stale one, edit an item: check reports, --repair fixes."""
    from drafting.cli import app
    from drafting.corpus.files import atomic_write
    from drafting.models import Item
    from drafting.services import build_services

    settings = seeded_settings(tmp_path)
    services = build_services(settings)
    services.ingest()
    items = services.corpus.items()
    gone = items[0].id
    services.index._collection.delete(ids=[gone])
    stale = Item(section="交易资讯", title="已从语料库删除的交易", date="2023-02-02", body="只在索引里。")
    services.index.upsert([stale])
    # A person corrects a parsed issue JSON by hand: the indexed text is now out of date.
    issue_json = next(settings.corpus_dir.joinpath("issues").glob("*.json"))
    data = json.loads(issue_json.read_text(encoding="utf-8"))
    data["items"][1]["body"] += "（编辑更正）"
    changed = data["items"][1]["id"]
    atomic_write(issue_json, json.dumps(data, ensure_ascii=False).encode())

    monkeypatch.chdir(tmp_path)
    env = {"DRAFTING_CORPUS_DIR": str(settings.corpus_dir), "DRAFTING_DATA_DIR": str(settings.data_dir)}
    runner = CliRunner()
    found = runner.invoke(app, ["check", "--json"], env=env)
    assert found.exit_code == 2, found.output
    out = json.loads(found.output)
    assert out["missing"] == [gone] and out["stale"] == [stale.id] and out["changed"] == [changed] and not out["ok"]

    text = runner.invoke(app, ["check"], env=env)
    assert text.exit_code == 2 and "drafting check --repair" in text.output and gone in text.output

    fixed = runner.invoke(app, ["check", "--repair", "--json"], env=env)
    assert fixed.exit_code == 0, fixed.output
    assert json.loads(fixed.output)["repaired"] is True

    clean = runner.invoke(app, ["check"], env=env)
    assert clean.exit_code == 0 and clean.output.startswith("一致") and f"索引 {len(items)} 条" in clean.output


def test_a_temp_file_left_by_a_killed_accept_is_reported_and_removed_by_repair(tmp_settings) -> None:
    """A kill between writing an accepted item's temp file and renaming it leaves `.NAME.json.XXXX.tmp` behind
    (CI hit that window once in test_sigkill_during_accept_loop_loses_nothing); check reports it, repair removes it."""
    from drafting.maintenance import check
    from drafting.services import build_services

    services = build_services(tmp_settings)
    services.ingest()
    services.corpus.accepted_dir.mkdir(parents=True, exist_ok=True)
    left = services.corpus.accepted_dir / ".i0123456789ab.json.k2x9q1.tmp"
    left.write_text('{"id": "i0123', encoding="utf-8")  # cut mid-write
    report = check(services)
    assert report.temp_files == [left.name] and left.exists()
    assert check(services, repair=True).temp_files == [left.name]
    assert not left.exists() and check(services).temp_files == []

"""Chroma server mode: a real `chroma run` process on loopback; ingest, search, accept, reindex and check against it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_settings, missing_tool
from processes import free_port, stop, wait_until_answers

# The venv's own `chroma` (installed with chromadb), else one on PATH.
_BESIDE = Path(sys.executable).parent / "chroma"
CHROMA = str(_BESIDE) if _BESIDE.exists() else shutil.which("chroma")


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """A Chroma server on 127.0.0.1:<free port> persisting under tmp; yields the port."""
    if CHROMA is None:
        missing_tool("the chroma CLI is neither in this venv nor on PATH (pip install chromadb)")
    port = free_port()
    log = (tmp_path / "chroma.log").open("wb")
    proc = subprocess.Popen(
        [CHROMA, "run", "--path", str(tmp_path / "chroma_server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_until_answers(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, timeout=30, log=tmp_path / "chroma.log")
        yield port
    finally:
        stop(proc)
        log.close()


def server_settings(tmp: Path, port: int):
    from drafting.settings import IndexSettings

    return make_settings(tmp, index=IndexSettings(mode="server", host="127.0.0.1", port=port))


def test_ingest_search_accept_against_server(tmp_path: Path, chroma_server: int) -> None:
    from drafting.maintenance import check
    from drafting.models import DraftRequest
    from drafting.services import build_services

    services = build_services(server_settings(tmp_path, chroma_server))
    assert not (tmp_path / "data" / "chroma").exists()  # nothing written to the embedded folder
    _, stats = services.ingest()
    n = len(services.corpus.items())
    assert n >= 17 and stats.added == n and services.index.count() == n

    result = services.retriever.search("数字人民币 元宇宙 产业 行动计划", k=3)
    assert result.precedents and all(p.item.id for p in result.precedents)

    draft = services.drafter.draft(DraftRequest(raw_text="2023年9月18日，某市印发《元宇宙产业创新发展行动计划》。", offline=True))[0]
    draft_id = services.store.create(draft)
    services.accept(draft_id, title=draft.item.title + "（采纳）", body=draft.item.body, commentary=draft.commentary)
    assert services.index.count() == n + 1

    # A second process (fresh services) sees the same server-side collection.
    again = build_services(server_settings(tmp_path, chroma_server))
    assert again.index.count() == n + 1
    report = check(again)
    assert report.ok, report.summary()


def test_server_unreachable_is_a_clear_error(tmp_path: Path) -> None:
    from drafting.errors import IndexError_
    from drafting.services import build_services

    with pytest.raises(IndexError_) as info:
        build_services(server_settings(tmp_path, free_port()))
    assert "DRAFTING_INDEX__" in str(info.value)


def test_cli_reindex_moves_embedded_index_to_server(tmp_path: Path, chroma_server: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Embedded → server: `drafting reindex --from-path` reuses the vectors, then check finds no drift."""
    from typer.testing import CliRunner

    from drafting.cli import app
    from drafting.services import build_services

    embedded = build_services(make_settings(tmp_path))
    embedded.ingest()
    n = embedded.index.count()
    monkeypatch.chdir(tmp_path)  # no stray .env from the repo
    env = {
        "DRAFTING_CORPUS_DIR": str(tmp_path / "corpus"),
        "DRAFTING_DATA_DIR": str(tmp_path / "data"),
        "DRAFTING_INDEX__MODE": "server",
        "DRAFTING_INDEX__HOST": "127.0.0.1",
        "DRAFTING_INDEX__PORT": str(chroma_server),
    }
    runner = CliRunner()
    moved = runner.invoke(app, ["reindex", "--from-path", str(tmp_path / "data" / "chroma"), "--json"], env=env)
    assert moved.exit_code == 0, moved.output
    out = json.loads(moved.output)
    assert out["mode"] == "server" and out["copied"] == n and out["indexed"] == n

    checked = runner.invoke(app, ["check", "--json"], env=env)
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.output)["ok"] is True

    scratch = runner.invoke(app, ["reindex", "--from-scratch", "--json"], env=env)
    assert scratch.exit_code == 0, scratch.output
    out = json.loads(scratch.output)
    assert out["from_scratch"] is True and out["added"] == n and out["indexed"] == n


def test_check_repairs_drift_on_server(tmp_path: Path, chroma_server: int) -> None:
    from drafting.maintenance import check
    from drafting.models import Item
    from drafting.services import build_services

    services = build_services(server_settings(tmp_path, chroma_server))
    services.ingest()
    items = services.corpus.items()
    gone = items[0].id
    services.index._collection.delete(ids=[gone])
    stale = Item(section="行业新闻", title="语料库里没有的条目", date="2023-01-01", body="只存在于索引中。")
    services.index.upsert([stale])

    report = check(services)
    assert report.missing == [gone] and report.stale == [stale.id] and not report.ok
    fixed = check(services, repair=True)
    assert fixed.repaired and fixed.index_items == len(items)
    assert check(services).ok



def test_two_app_instances_on_one_server_stay_consistent(tmp_path: Path, chroma_server: int) -> None:
    """Two instances (their own lexical index each) on one Chroma server: one's accept is found by the other's next
    search, lexically too, without a restart (the generation marker in the collection's metadata)."""
    from drafting.models import DraftRequest
    from drafting.services import build_services
    from drafting.settings import IndexSettings

    def instance(name: str):
        settings = make_settings(tmp_path / name, index=IndexSettings(mode="server", host="127.0.0.1", port=chroma_server,
                                                                       freshness_seconds=0))
        return build_services(settings)

    first, second = instance("a"), instance("b")
    first.ingest()
    title = "某市印发《元宇宙与低空经济融合发展行动计划》"
    assert title not in [p.item.title for p in second.retriever.search(title, k=10, mode="lexical").precedents]

    draft = first.drafter.draft(DraftRequest(raw_text="2023年9月18日，某市印发《元宇宙与低空经济融合发展行动计划》。", offline=True))[0]
    draft_id = first.store.create(draft)
    first.accept(draft_id, title=title, body=draft.item.body, commentary=draft.commentary)

    found = second.retriever.search(title, k=10, mode="lexical")
    assert title in [p.item.title for p in found.precedents + found.duplicates]

"""The item catalog: a restart reads what start-up needs from SQLite, not every Chroma record, and never trusts a copy
that another process's write, a crash mid-write or a damaged file made stale (real Chroma, real processes)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from conftest import make_settings, seeded_settings

from drafting.index import catalog, reading
from drafting.index.chroma import VectorIndex
from drafting.index.embeddings import make_embedder
from drafting.index.search import Retriever
from drafting.models import Item, SearchFilters, item_id
from drafting.services import build_services

ROOT = Path(__file__).resolve().parent.parent
QUERY = "上海 区块链 关键技术 攻关"
NEW_TITLE = "湖北省印发《湖北省元宇宙产业发展行动计划（2023—2025年）》"
NEW_ISSUE = f"""# 政策速递

## {NEW_TITLE}

2023年10月8日，湖北省经济和信息化厅等12部门联合印发《湖北省元宇宙产业发展行动计划（2023—2025年）》。行动计划提出，到2025年，全省元宇宙核心产业规模力争达到300亿元。
"""
NEW_ID = item_id("政策速递", NEW_TITLE, "2023-10-08")


def new_items() -> list[Item]:
    """The item of NEW_ISSUE, for writers in this process."""
    body = NEW_ISSUE.split("\n\n")[-1].strip()
    item = Item(section="政策速递", title=NEW_TITLE, date="2023-10-08", body=body, issue="hubei")
    assert item.id == NEW_ID
    return [item]


@pytest.fixture
def full_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every Chroma `get` that reads the whole collection's items (no ids, metadata included), counted at the Chroma
    boundary. The vectors' own load into memory (embeddings only, drafting/index/vectors.py) is not what the catalog saves."""
    from chromadb.api.models.Collection import Collection

    calls: list[Any] = []
    real = Collection.get

    def spy(self: Any, ids: Any = None, *args: Any, **kwargs: Any) -> Any:
        if ids is None and "metadatas" in (kwargs.get("include") or ["metadatas"]):
            calls.append(kwargs.get("offset"))
        return real(self, ids, *args, **kwargs)

    monkeypatch.setattr(Collection, "get", spy)
    yield calls


def ranked(retriever: Retriever, mode: str = "hybrid") -> list[tuple[str, float]]:
    got = retriever.search(QUERY, k=8, mode=mode)
    return [(p.item.id, round(p.score, 6)) for p in got.precedents + got.duplicates]


def restart(settings: Any) -> Retriever:
    """What a restarted app builds: the index opened anew and the lexical side from its items."""
    retriever = Retriever(settings, VectorIndex(settings, make_embedder(settings.embedding)))
    retriever.refresh()
    return retriever


def cli(args: list[str], settings: Any, cwd: Path, **env: str) -> dict[str, Any]:
    full_env = {**os.environ, "DRAFTING_CORPUS_DIR": str(settings.corpus_dir), "DRAFTING_DATA_DIR": str(settings.data_dir),
                "PYTHONPATH": str(ROOT), **env}
    done = subprocess.run([sys.executable, "-m", "drafting", *args, "--json"], env=full_env, cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_restart_reads_the_catalog_and_ranks_like_a_read_of_chroma(tmp_path: Path, full_reads: list[Any]) -> None:
    settings = seeded_settings(tmp_path)
    build_services(settings).ingest()

    full_reads.clear()
    from_catalog = restart(settings)
    assert from_catalog.index.count() == 17
    assert full_reads == [], "start-up read every Chroma record although the catalog matched the index"
    assert from_catalog.index.stored_hashes() and full_reads == []

    (settings.data_dir / "index_items.sqlite3").unlink()  # no catalog: read Chroma once and write it again
    from_chroma = restart(settings)
    assert full_reads, "without a catalog the items must come from Chroma"
    assert ranked(from_catalog) == ranked(from_chroma)
    assert ranked(from_catalog, "lexical") == ranked(from_chroma, "lexical")
    assert sorted(i.model_dump_json() for i in from_catalog.index.items()) == sorted(
        i.model_dump_json() for i in from_chroma.index.items())

    full_reads.clear()
    restart(settings)
    assert full_reads == [], "the catalog written by the full read is trusted at the next start"


def test_a_damaged_catalog_file_is_rebuilt(tmp_path: Path, full_reads: list[Any]) -> None:
    settings = seeded_settings(tmp_path)
    build_services(settings).ingest()
    expected = ranked(restart(settings))
    (settings.data_dir / "index_items.sqlite3").write_bytes(b"not a database at all" * 100)
    for suffix in ("-wal", "-shm"):
        Path(f"{settings.data_dir / 'index_items.sqlite3'}{suffix}").unlink(missing_ok=True)

    full_reads.clear()
    assert ranked(restart(settings)) == expected
    assert full_reads
    full_reads.clear()
    assert ranked(restart(settings)) == expected and full_reads == []


def test_a_locked_catalog_file_is_left_in_place(tmp_path: Path, full_reads: list[Any],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    settings = seeded_settings(tmp_path)
    build_services(settings).ingest()
    expected = ranked(restart(settings))
    path = settings.data_dir / "index_items.sqlite3"
    inode = path.stat().st_ino
    monkeypatch.setattr(catalog, "OPEN_BUSY_SECONDS", 0.2)  # the wait is sqlite's; the test need not sit through 5 s
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        # Exclusive locking mode: in WAL mode a plain BEGIN EXCLUSIVE still lets readers (and this open) in.
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE meta SET seq = seq")
        full_reads.clear()
        assert ranked(restart(settings)) == expected, "a locked catalog must not stop a start: it reads Chroma"
        assert full_reads
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert path.stat().st_ino == inode, "a valid catalog was deleted because another connection held a lock"
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT count(*) FROM items WHERE item_json IS NOT NULL").fetchone()[0] == 17
    full_reads.clear()
    assert ranked(restart(settings)) == expected and full_reads == [], "the catalog kept in place is trusted again"


def test_a_write_that_bypassed_this_catalog_is_detected_at_start(tmp_path: Path, full_reads: list[Any]) -> None:
    # Another app with its own data folder on the same index (as two servers on one Chroma would be): it cannot
    # update this folder's catalog, so the generation marker it stamps must make the catalog stale here.
    settings = seeded_settings(tmp_path / "here")
    build_services(settings).ingest()
    other = make_settings(tmp_path / "there")
    new = tmp_path / "hubei.md"
    new.write_text(NEW_ISSUE, encoding="utf-8")
    assert cli(["ingest", str(new)], other, tmp_path, DRAFTING_INDEX__PATH=str(settings.index_path))["added"] == 1

    full_reads.clear()
    restarted = restart(settings)
    assert full_reads, "a stale catalog was trusted"
    found = restarted.search("湖北省 元宇宙 核心产业规模", k=5, mode="lexical")
    assert NEW_ID in [p.item.id for p in found.precedents + found.duplicates]


def test_a_running_index_follows_another_process_through_the_catalog(tmp_path: Path, full_reads: list[Any]) -> None:
    settings = seeded_settings(tmp_path, index={"freshness_seconds": 0})
    services = build_services(settings)
    services.ingest()
    services.retriever.search(QUERY, k=5)
    new = tmp_path / "hubei.md"
    new.write_text(NEW_ISSUE, encoding="utf-8")
    assert cli(["ingest", str(new)], settings, tmp_path)["added"] == 1

    full_reads.clear()
    found = services.retriever.search("湖北省 元宇宙 核心产业规模", k=5, mode="lexical")
    assert NEW_ID in [p.item.id for p in found.precedents + found.duplicates]
    assert full_reads == [], "following another process's ingest re-read every record instead of the change"
    assert services.index.count() == 18


CRASH = """
import json, os, sys
from drafting.services import build_services
from drafting.settings import Settings
services = build_services(Settings())
index = services.index
token = index._catalog.begin()  # what every writer does first
rid = sys.argv[1]
meta = index._collection.get(ids=[rid], include=["metadatas"])["metadatas"][0]
item = json.loads(meta["item_json"])
item["title"] = "中途崩溃前改过的标题"
index._collection.update(ids=[rid], metadatas=[{**meta, "item_json": json.dumps(item, ensure_ascii=False)}])
os._exit(9)  # killed after writing Chroma, before the generation stamp and the catalog commit
"""


def test_a_writer_killed_mid_write_leaves_the_catalog_untrusted(tmp_path: Path, full_reads: list[Any]) -> None:
    settings = seeded_settings(tmp_path)
    services = build_services(settings)
    services.ingest()
    victim = services.index.items()[0].id
    env = {**os.environ, "DRAFTING_CORPUS_DIR": str(settings.corpus_dir), "DRAFTING_DATA_DIR": str(settings.data_dir),
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CRASH, victim], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 9, done.stderr[-2000:]

    full_reads.clear()
    restarted = restart(settings)
    assert full_reads, "a catalog with a dead writer's pending write was trusted"
    titles = {i.id: i.title for i in restarted.index.items()}
    assert titles[victim] == "中途崩溃前改过的标题"  # what Chroma holds, not the catalog's older copy


def test_reindex_from_scratch_leaves_a_catalog_of_the_new_collection(tmp_path: Path, full_reads: list[Any]) -> None:
    from drafting import maintenance

    settings = seeded_settings(tmp_path)
    services = build_services(settings)
    services.ingest()
    before = ranked(services.retriever)
    maintenance.reindex(services, from_scratch=True)  # drops the collection: a new id, every record written again

    full_reads.clear()
    restarted = restart(settings)
    assert full_reads == [], "the catalog written alongside reindex --from-scratch was not trusted"
    assert restarted.index.count() == 17 and len(restarted.index.items()) == 17
    assert ranked(restarted) == before


# The interleavings below are driven at the catalog's own boundary (begin/commit as drafting/index/chroma.py calls them),
# because two real writers cannot be made to overlap on cue.
def _row(rid: str, text: str) -> Any:
    from drafting.index.catalog import Row

    return Row(id=rid, hash=text, profile_version="1", item_json=json.dumps({"text": text}, ensure_ascii=False))


def test_a_writer_alone_keeps_the_catalog_trusted(tmp_path: Path) -> None:
    from drafting.index.catalog import ItemCatalog

    cat = ItemCatalog(tmp_path / "c.sqlite3", "items")
    cat.replace([_row("x0", "旧")], collection_id="cid", generation="G")
    token = cat.begin()
    cat.commit(token, upserts=[_row("x1", "新")], collection_id="cid", previous="G", generation="G2")
    got = cat.rows(collection_id="cid", generation="G2", count=2)
    assert got is not None
    assert sorted(r.hash for r in got[0]) == ["新", "旧"]


def test_overlapping_writers_leave_the_catalog_untrusted(tmp_path: Path) -> None:
    """A CLI reindex writes x0 from an old snapshot, the app accepts x0 meanwhile and stamps first, the CLI stamps
    last: Chroma holds the app's text, the catalog the CLI's. Trusting it would serve the old text after a restart."""
    from drafting.index.catalog import ItemCatalog

    cat = ItemCatalog(tmp_path / "c.sqlite3", "items")
    cat.replace([_row("x0", "原文")], collection_id="cid", generation="G")
    cli = cat.begin()
    app = cat.begin()
    cat.commit(app, upserts=[_row("x0", "采纳稿")], collection_id="cid", previous="G", generation="GA")
    cat.commit(cli, upserts=[_row("x0", "旧快照")], collection_id="cid", previous="GA", generation="GC")
    assert cat.rows(collection_id="cid", generation="GC", count=1) is None
    assert cat.rows(collection_id="cid", generation="GA", count=1) is None


def test_an_untrusted_catalog_is_not_trusted_again_by_an_unstamped_write(tmp_path: Path) -> None:
    """An empty marker means untrusted; a writer that replaced an empty marker (a failed stamp) must not vouch for it."""
    from drafting.index.catalog import ItemCatalog

    cat = ItemCatalog(tmp_path / "c.sqlite3", "items")
    cat.replace([_row("x0", "原文")], collection_id="cid", generation="G")
    cat.abort(cat.begin())  # a write failed midway: the copy is untrusted
    token = cat.begin()
    cat.commit(token, upserts=[_row("x1", "新")], collection_id="cid", previous="", generation="G2")
    assert cat.rows(collection_id="cid", generation="G2", count=2) is None


def test_a_change_nobody_described_is_rebuilt_in_the_background(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Another instance with its own data folder on the same index removes an item and adds one: this app cannot
    # follow that change by change. On a large index the full rebuild must not hold up searches meanwhile, and
    # they must never show the removed item from the old state.
    settings = seeded_settings(tmp_path / "here", index={"freshness_seconds": 0})
    services = build_services(settings)
    services.ingest()
    retriever = services.retriever
    removed = retriever.search(QUERY, k=1, mode="lexical").precedents[0].item
    monkeypatch.setattr(reading, "INLINE_REBUILD_MAX", 0, raising=False)  # as if the archive were large
    gate = threading.Event()
    real_build = retriever._build
    monkeypatch.setattr(retriever, "_build", lambda *a: (gate.wait(120), real_build(*a))[1])

    other = VectorIndex(make_settings(tmp_path / "there", index={"path": settings.index_path}), services.index.embedder)
    new = new_items()
    plain = next(i for i in services.index.items() if not i.commentary and i.id != removed.id)
    commented = plain.model_copy(update={"commentary": "该报道值得关注。"})  # same id, now with a 短评
    kept = [commented if i.id == plain.id else i for i in services.index.items() if i.id != removed.id]
    other.sync(kept + new, remove_missing=True)

    got: dict[str, Any] = {}

    def search() -> None:
        got["lexical"] = retriever.search(QUERY, k=10, mode="lexical")
        got["dense"] = retriever.search("湖北省 元宇宙 核心产业规模", k=5, mode="dense")
        got["uncommented"] = retriever.search(plain.title, k=10, mode="lexical", filters=SearchFilters(has_commentary=False))

    try:
        searching = threading.Thread(target=search)
        searching.start()
        searching.join(60)
        assert not searching.is_alive(), "a search waited for the full rebuild"
        shown = {p.item.id for p in got["lexical"].precedents + got["lexical"].duplicates}
        assert shown and removed.id not in shown
        dense = got["dense"]
        assert NEW_ID in [p.item.id for p in dense.precedents + dense.duplicates]  # the index itself has it at once
        # The old lexical state says "no 短评"; the index says otherwise, and the filter follows the index.
        uncommented = got["uncommented"]
        assert uncommented.precedents and plain.id not in [p.item.id for p in uncommented.precedents + uncommented.duplicates]
    finally:
        gate.set()
    retriever.wait_rebuilt(120)
    found = retriever.search("湖北省 元宇宙 核心产业规模", k=5, mode="lexical")
    assert NEW_ID in [p.item.id for p in found.precedents + found.duplicates]
    assert removed.id not in {p.item.id for p in retriever.search(QUERY, k=10, mode="lexical").precedents}


def test_the_item_list_follows_accepts_without_reading_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The corpus browser lists index.items() after every accept: at 100k items, re-reading the catalog each time
    # would parse 100k rows per page load.
    from drafting.index.catalog import ItemCatalog

    services = build_services(seeded_settings(tmp_path))
    services.ingest()
    assert len(services.index.items()) == 17
    reads: list[int] = []
    real = ItemCatalog.rows
    monkeypatch.setattr(ItemCatalog, "rows", lambda self, **kw: (reads.append(1), real(self, **kw))[1])
    services.index.upsert(new_items())
    first = services.index.items()[0]
    services.index.sync([i for i in services.index.items() if i.id != first.id], remove_missing=True)
    reads.clear()  # sync with removal reads every stored hash, by design; the listing afterwards must not
    ids = [i.id for i in services.index.items()]
    assert NEW_ID in ids and first.id not in ids and len(ids) == 17
    assert reads == []

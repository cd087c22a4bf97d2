"""The SQLite draft store: create, autosave, accept, search, durability across reopen."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from drafting.errors import ValidationError
from drafting.models import Draft, Item, Precedent
from drafting.store import DraftStore


def make_draft(title: str = "重庆发布元宇宙产业发展行动计划", commentary: str = "重庆此次行动计划明确了产业目标。") -> Draft:
    item = Item(section="政策速递", title=title, date="2023-09-20", body="重庆市经济和信息化委员会印发行动计划。")
    prec = Precedent(item=Item(section="政策速递", title="四川省元宇宙行动计划", body="正文", commentary="短评"), score=0.03)
    return Draft(item=item, commentary=commentary, offline=True, precedents=[prec], settings={"llm": {"model": None}})


def test_create_get_roundtrip(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d.sqlite3")
    draft = make_draft()
    draft_id = store.create(draft, source_text="原文")
    got = store.get(draft_id)
    assert got.status == "pending"
    assert got.title == draft.item.title and got.commentary == draft.commentary
    assert got.draft == draft  # precedents and settings survive the JSON round trip
    assert store.source_text(draft_id) == "原文"


def test_wal_mode(tmp_path: Path) -> None:
    DraftStore(tmp_path / "d.sqlite3")
    conn = sqlite3.connect(tmp_path / "d.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_save_edit_keeps_original_draft(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d.sqlite3")
    draft_id = store.create(make_draft())
    store.save_edit(draft_id, title="新标题", body="新正文", commentary="编辑后的短评")
    got = store.get(draft_id)
    assert (got.title, got.body, got.commentary) == ("新标题", "新正文", "编辑后的短评")
    assert got.draft.commentary == "重庆此次行动计划明确了产业目标。"
    assert got.updated_at > got.created_at


def test_edits_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "d.sqlite3"
    store = DraftStore(path)
    draft_id = store.create(make_draft())
    store.save_edit(draft_id, title="t", body="b", commentary="未保存的编辑")
    del store
    again = DraftStore(path)
    assert again.get(draft_id).commentary == "未保存的编辑"
    assert again.last_pending() is not None and again.last_pending().id == draft_id  # type: ignore[union-attr]


def test_accept_idempotent(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d.sqlite3")
    draft_id = store.create(make_draft())
    first = store.accept(draft_id, title="终稿", body="正文", commentary="终稿短评")
    second = store.accept(draft_id, title="终稿", body="正文", commentary="终稿短评")
    assert first.status == second.status == "accepted"
    assert second.commentary == "终稿短评"
    assert len(store.list()) == 1
    assert store.last_pending() is None


def test_missing_id_raises_chinese_message(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d.sqlite3")
    with pytest.raises(ValidationError, match="草稿 #42 不存在"):
        store.get(42)
    with pytest.raises(ValidationError):
        store.save_edit(42, title="", body="", commentary="")
    with pytest.raises(ValidationError):
        store.accept(42, title="", body="", commentary="")


def test_list_filters_and_order(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d.sqlite3")
    a = store.create(make_draft("重庆元宇宙行动计划"))
    b = store.create(make_draft("上海区块链专项行动方案"))
    c = store.create(make_draft("山东元宇宙政策"))
    store.accept(b, title="上海区块链专项行动方案", body="b", commentary="c")
    store.save_edit(a, title="重庆元宇宙行动计划", body="x", commentary="100%_达成")
    assert [d.id for d in store.list()] == [a, b, c]  # most recently touched first
    assert [d.id for d in store.list(query="元宇宙")] == [a, c]
    assert [d.id for d in store.list(query="元宇宙 山东")] == [c]  # every term must match
    assert [d.id for d in store.list(status="accepted")] == [b]
    assert [d.id for d in store.list(status="pending")] == [a, c]
    assert [d.id for d in store.list(query="100%_")] == [a]  # LIKE wildcards are matched literally
    assert store.list(query="%达") == []  # would match "%_达成" if % were a wildcard
    assert len(store.list(limit=2)) == 2
    with pytest.raises(ValidationError):
        store.list(status="deleted")


def test_set_draft_replaces_variant(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d.sqlite3")
    draft_id = store.create(make_draft(commentary="版本一"))
    store.set_draft(draft_id, make_draft(commentary="版本二"))
    got = store.get(draft_id)
    assert got.commentary == got.draft.commentary == "版本二"


def test_failed_transaction_rolls_back(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d.sqlite3")
    draft_id = store.create(make_draft())
    with pytest.raises(RuntimeError), store._transaction() as conn:
        conn.execute("UPDATE drafts SET commentary='半截' WHERE id=?", (draft_id,))
        raise RuntimeError("crash mid-write")
    assert store.get(draft_id).commentary == "重庆此次行动计划明确了产业目标。"


def test_concurrent_autosaves(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "d.sqlite3")
    ids = [store.create(make_draft(f"草稿{i}")) for i in range(4)]
    errors: list[BaseException] = []

    def work(draft_id: int) -> None:
        try:
            for n in range(25):
                store.save_edit(draft_id, title=f"t{n}", body="b", commentary=f"{draft_id}-{n}")
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(store.get(i).commentary == f"{i}-24" for i in ids)

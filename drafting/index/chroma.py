"""The Chroma index: derived from the corpus files, rebuildable at any time.

Why this module is long (~490 lines): it is one class whose parts share one collection handle, its locks and its
change log — opening and reopening the collection, the cross-process generation marker and freshness check, the
writes (sync, upsert, reset) that bump both, and the reads that follow them. What stands apart already lives beside
it: the vectors in memory (memory.py), bulk reading (reading.py), the start-up catalog (catalog.py), the record
shape (records.py).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from pydantic import BaseModel

from drafting.corpus.profile import PROFILE_VERSION
from drafting.errors import IndexError_
from drafting.errors_zh import DISK_FULL, is_disk_full
from drafting.index import reading
from drafting.index.catalog import ItemCatalog, Row
from drafting.index.embeddings import Embedder
from drafting.index.memory import MemoryVectors
from drafting.index.records import (
    PASSAGE_VERSION,
    chunks,
    collection_name,
    metadata,
    passage_text,
    record_hash,
    where_clause,
)
from drafting.models import Item, Profile, SearchFilters
from drafting.settings import Settings

logger = logging.getLogger(__name__)

# Collection-metadata key every writer sets to a fresh token: the cross-process generation marker. Another process
# (CLI ingest, a second app) changing the index shows up as a different token on the next check.
GENERATION_KEY = "generation"
CHANGE_LOG_SIZE = 256  # changes kept for readers that follow incrementally; one further behind reloads fully


class SyncStats(BaseModel):
    """What an upsert did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    profiled: int = 0  # unchanged items whose stored profile was refreshed (metadata only, no re-embedding)


def _row(item: Item) -> Row:
    return Row(item.id, record_hash(item), PROFILE_VERSION, item.model_dump_json())


class VectorIndex:
    """Items as Chroma records: id = item id, metadata = section/date/title/has_commentary/issue/source/hash."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        self.settings = settings
        self.embedder = embedder
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        cfg = settings.index
        try:
            if cfg.mode == "server":
                headers = {"Authorization": f"Bearer {cfg.token.get_secret_value()}"} if cfg.token else None
                self._client = chromadb.HttpClient(
                    host=cfg.host, port=cfg.port, ssl=cfg.ssl, headers=headers, settings=chroma_settings
                )
            else:
                settings.index_path.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(settings.index_path), settings=chroma_settings)
        except Exception as exc:  # chromadb raises ValueError/ConnectionError/its own errors
            where = f"{cfg.host}:{cfg.port}" if cfg.mode == "server" else str(settings.index_path)
            if is_disk_full(exc):  # deleting the index would be the wrong advice: it is whole, the disk is full
                raise IndexError_(f"无法打开向量索引（{where}）：{DISK_FULL}") from exc
            raise IndexError_(
                f"无法打开向量索引（{cfg.mode}，{where}）：{exc}。检查 DRAFTING_INDEX__* 设置；"
                "embedded 模式下可删除该文件夹后运行 drafting reindex 重建"
            ) from exc
        self.name = collection_name(cfg.collection, embedder.name)
        self._chroma_settings = chroma_settings
        self._collection = self._open_collection()
        # items() by id at _items_version, followed change by change like the lexical side; None = read in full.
        self._items: dict[str, Item] | None = None
        self._items_version = 0
        self._items_lock = threading.Lock()  # one full read at a time: a second caller waits for the first's result
        self._stale_profiles: set[str] = set()  # ids read by the last hash scan whose stored profile is outdated
        self.version = 0  # bumped on every change so the retriever knows to rebuild BM25
        self._log: list[tuple[int, tuple[list[Item], list[str]] | None]] = []
        # Per-search Chroma calls that cost more than the rest of the search: cached until the index changes.
        self._count: int | None = None
        # The vectors in memory (drafting/index/memory.py), following the change log like the lexical side does.
        self._memory = MemoryVectors(self)
        self._reopen_lock = threading.Lock()
        self._bump_lock = threading.Lock()
        self._change_lock = threading.Lock()
        self._generation = self._stored_generation(self._collection)
        self._checked_at = time.monotonic()
        # What start-up needs, kept locally by the writers below: a restart reads it instead of every Chroma record.
        self._catalog = ItemCatalog(settings.data_dir / "index_items.sqlite3", self.name)
        self._catalog_seq: int | None = None  # how far this process has read the catalog (to follow other writers)

    def _open_collection(self) -> Any:
        meta = {"embedder": self.embedder.name, "dim": int(self.embedder.dim), "passage": PASSAGE_VERSION}
        try:
            coll = self._client.get_or_create_collection(
                self.name, metadata=meta, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
            )
        except Exception as exc:
            if is_disk_full(exc):
                raise IndexError_(f"无法打开索引集合 {self.name}：{DISK_FULL}") from exc
            raise IndexError_(f"无法打开索引集合 {self.name}：{exc}。运行 drafting reindex 重建索引") from exc
        found = coll.metadata or {}
        if found.get("embedder") != self.embedder.name or int(found.get("dim", -1)) != int(self.embedder.dim):
            raise IndexError_(
                f"索引集合 {self.name} 由另一个嵌入模型生成（{found.get('embedder')}，{found.get('dim')} 维），"
                f"当前为 {self.embedder.name}（{self.embedder.dim} 维）：运行 drafting reindex 重建索引"
            )
        return coll

    def _changed(self, *, external: bool = False, items: list[Item] | None = None, removed: list[str] | None = None,
                 token: str | None = None, clear: bool = False) -> None:
        """Record a change (this process's write, or another's when external; items/removed None = unknown)."""
        # What changed, so the lexical side can follow in time proportional to the change; None = start over.
        known = not clear and (items is not None or removed is not None)
        with self._change_lock:
            self._log.append((self.version + 1, (list(items or []), list(removed or [])) if known else None))
            del self._log[:-CHANGE_LOG_SIZE]
            self.version += 1  # after the log entry: a reader that sees the new version finds its change
        self._count = None  # after the version: count() keeps a number only if the version did not move meanwhile
        if not external:
            self._record(token, self._bump_generation(), items=items or [], removed=removed or [], clear=clear)

    @contextmanager
    def _writing(self) -> Iterator[str | None]:
        """Around every Chroma write: announced to the catalog first, so a write that dies midway leaves it untrusted."""
        token = self._catalog.begin()
        try:
            yield token
        except BaseException:
            self._catalog.abort(token)
            raise

    def _record(self, token: str | None, stamp: tuple[str, str] | None, *, items: list[Item], removed: list[str],
                clear: bool = False) -> None:
        """Put a finished write into the catalog, trusted only if the generation marker went from what it held to ours."""
        previous, generation = stamp if stamp is not None else (None, None)
        seq = self._catalog.commit(token, upserts=[_row(i) for i in items], removed=removed, clear=clear,
                                   collection_id=str(self._collection.id), previous=previous, generation=generation)
        if seq is not None and self._catalog_seq is not None and seq == self._catalog_seq + 1:
            self._catalog_seq = seq  # nobody else wrote in between: this process already knows everything up to seq

    def changes_since(self, version: int) -> list[tuple[list[Item], list[str]]] | None:
        """Upserted items and removed ids after `version`, oldest first; None when only a full reload will do."""
        if version == self.version:
            return []
        log = list(self._log)
        if not log or log[0][0] > version + 1:
            return None
        out: list[tuple[list[Item], list[str]]] = []
        for v, change in log:
            if v <= version:
                continue
            if change is None:
                return None
            out.append(change)
        return out

    @staticmethod
    def _stored_generation(coll: Any) -> str:
        return str((coll.metadata or {}).get(GENERATION_KEY, ""))

    def _bump_generation(self) -> tuple[str, str] | None:
        """Tell other processes the index changed; if someone else had changed it too, reload from disk first.
        Returns (the marker replaced, the new one), or None when it could not be stamped."""
        with self._bump_lock:  # two writers of this process must not take each other's stamp for a foreign one
            return self._stamp()

    def _stamp(self) -> tuple[str, str] | None:
        try:
            current = self._client.get_collection(self.name, embedding_function=None)
            previous = self._stored_generation(current)
            if previous != self._generation or current.id != self._collection.id:
                self._reopen()
            token = uuid.uuid4().hex
            meta = {k: v for k, v in (self._collection.metadata or {}).items() if not k.startswith("hnsw:")}
            self._collection.modify(metadata={**meta, GENERATION_KEY: token})
            self._generation = token
            return previous, token
        except Exception:  # the marker is an optimisation of freshness, never a reason to fail a write
            logger.warning("could not update the index generation marker", exc_info=True)
            return None

    def _reopen(self) -> None:
        """Drop this process's cached Chroma state and read the index again from its folder or server."""
        with self._reopen_lock:
            if self.settings.index.mode == "embedded":
                import chromadb
                from chromadb.api.shared_system_client import SharedSystemClient

                # Chroma keeps one system (HNSW segments in memory) per folder and process, which does not see
                # another process's writes ("Error finding id"). Forget it without stopping it: searches still
                # running on the old one finish, then it is garbage-collected.
                SharedSystemClient._identifier_to_system.pop(str(self.settings.index_path), None)
                self._client = chromadb.PersistentClient(path=str(self.settings.index_path), settings=self._chroma_settings)
            self._collection = self._open_collection()
            self._generation = self._stored_generation(self._collection)
            change = self._catalog_changes()
            if change is None:
                self._changed(external=True)
            else:
                self._changed(external=True, items=change[0], removed=change[1])
            logger.info("index changed by another process: reloaded (generation %s%s)", self._generation[:8],
                        "" if change is None else f"; {len(change[0])} items written, {len(change[1])} removed")

    def _catalog_changes(self) -> tuple[list[Item], list[str]] | None:
        """What other processes wrote since this one last read the catalog, if it matches the index; else None."""
        if self._catalog_seq is None:
            return None
        got = self._catalog.changes_since(self._catalog_seq, collection_id=str(self._collection.id),
                                          generation=self._generation)
        if got is None:
            return None
        rows, removed, seq = got
        self._catalog_seq = seq
        return [Item.model_validate_json(r.item_json) for r in rows], removed

    def check_fresh(self, max_age: float | None = None) -> bool:
        """Reload when another process changed the index (at most one look every max_age seconds); True if reloaded."""
        max_age = self.settings.index.freshness_seconds if max_age is None else max_age
        now = time.monotonic()
        if now - self._checked_at < max_age:
            return False
        self._checked_at = now
        try:
            current = self._client.get_collection(self.name, embedding_function=None)
        except Exception:  # dropped by another process's reindex --from-scratch: open it anew
            logger.info("index collection %s changed under us", self.name, exc_info=True)
            self._reopen()
            return True
        if self._stored_generation(current) == self._generation and current.id == self._collection.id:
            return False
        self._reopen()
        return True

    def _retrying(self, call: Callable[[], Any]) -> Any:
        """Run a read; if Chroma's cached state is behind another process's writes, reload once and retry."""
        from chromadb.errors import ChromaError

        try:
            return call()
        except ChromaError as exc:
            logger.warning("index read failed (%s): reloading the index and retrying once", exc)
            self._reopen()
            return call()

    def read(self, **kwargs: Any) -> Any:
        """Collection.get with one reload and retry (the collection is looked up again for the retry)."""
        return self._retrying(lambda: self._collection.get(**kwargs))

    def _all_rows(self) -> list[Row]:
        """Every record as start-up needs it: from the catalog when it matches the index, else read from Chroma
        (paged, the slow part of start-up at 100k items) and stored in the catalog for the next start."""
        self.check_fresh(0)
        if not self._generation:  # a collection never written to: an empty marker cannot vouch for the copy made below
            self._bump_generation()
        collection_id, generation = str(self._collection.id), self._generation  # before the read: a write meanwhile
        got = self._catalog.rows(collection_id=collection_id, generation=generation, count=self.count())
        if got is not None:
            rows, self._catalog_seq = got
            return rows
        rows = []
        for chunk in reading.pages(self._collection.get, ["metadatas"]):
            rows.extend(Row(rid, str(meta.get("content_hash", "")), str(meta.get("profile_version", "")),
                            str(meta["item_json"])) for rid, meta in zip(chunk["ids"], chunk["metadatas"] or []) if meta)
        self._catalog_seq = self._catalog.replace(rows, collection_id=collection_id, generation=generation) or None
        logger.info("index read in full (%d records); item catalog rebuilt", len(rows))
        return rows

    def stored_hashes(self) -> dict[str, str]:
        """Item id → content hash of every record (from the catalog when it matches the index)."""
        version = self.version
        rows = self._all_rows()
        self._stale_profiles = {r.id for r in rows if r.profile_version != PROFILE_VERSION}
        # Keep the items for items() too (read once at start-up), unless the index changed meanwhile.
        if self.version == version:
            items = {r.id: Item.model_validate_json(r.item_json) for r in rows}
            with self._items_lock:
                self._items, self._items_version = items, version
        return {r.id: r.hash for r in rows}

    def _hashes_of(self, ids: list[str]) -> dict[str, str]:
        """Content hashes of just these ids (those stored), so upserting one item does not read the whole index."""
        hashes: dict[str, str] = {}
        self._stale_profiles = set()
        for chunk in chunks(ids, reading.READ_PAGE):
            got = self._collection.get(ids=chunk, include=["metadatas"])
            for rid, meta in zip(got["ids"], got["metadatas"] or []):
                hashes[rid] = str((meta or {}).get("content_hash", ""))
                if (meta or {}).get("profile_version") != PROFILE_VERSION:
                    self._stale_profiles.add(rid)
        return hashes

    def sync(self, items: list[Item], *, remove_missing: bool = False, progress: bool = False) -> SyncStats:
        """Upsert items, embedding only new or changed ones (content hash); optionally drop ids not given."""
        stats = SyncStats()
        self.check_fresh(0)  # write on top of what other processes wrote, not on a stale cached state
        latest: dict[str, Item] = {}
        for item in items:  # a later duplicate id wins, as in the corpus
            latest[item.id] = item
        stored = self.stored_hashes() if remove_missing else self._hashes_of(list(latest))
        todo: list[Item] = []
        reprofile: list[Item] = []
        for item in latest.values():
            old = stored.get(item.id)
            if old == record_hash(item):
                stats.unchanged += 1
                if item.id in self._stale_profiles:
                    reprofile.append(item)
                continue
            todo.append(item)
            if old is None:
                stats.added += 1
            else:
                stats.updated += 1
        if todo:
            self.upsert(todo, progress=progress)
        if reprofile:
            with self._writing() as token:
                for chunk in chunks(reprofile, reading.READ_PAGE):
                    # Profiles are computed from the stored text: only metadata changes, the vectors stay.
                    self._collection.update(ids=[i.id for i in chunk], metadatas=[metadata(i) for i in chunk])
            self._record(token, self._bump_generation(), items=reprofile, removed=[])
        stats.profiled = len(reprofile)
        gone: list[str] = []
        if remove_missing:
            gone = [rid for rid in stored if rid not in latest]
            stats.removed = len(gone)
        if gone:
            with self._writing() as token:
                for chunk in chunks(gone, reading.READ_PAGE):
                    self._collection.delete(ids=chunk)
            self._changed(removed=gone, token=token)
        logger.info("index sync: %s", stats.model_dump())
        return stats


    def upsert(
        self,
        items: list[Item],
        *,
        progress: bool = False,
        vectors: np.ndarray | None = None,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        """Embed (unless vectors are given) and write items in batches of embedding.batch_size."""
        batch = self.settings.embedding.batch_size if vectors is None else reading.READ_PAGE
        bar = None
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(items), desc="嵌入", unit="条")
        try:
            with self._writing() as token:
                for start in range(0, len(items), batch):
                    chunk = items[start : start + batch]
                    docs = [passage_text(i) for i in chunk]
                    vecs = self.embedder.embed_passages(docs) if vectors is None else vectors[start : start + batch]
                    self._collection.upsert(
                        ids=[i.id for i in chunk],
                        embeddings=np.asarray(vecs, dtype=np.float32),
                        documents=docs,
                        metadatas=[metadata(i) for i in chunk],
                    )
                    if bar is not None:
                        bar.update(len(chunk))
                    if on_batch is not None:
                        on_batch(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        self._changed(items=items, token=token)

    def reset(self) -> None:
        """Drop this model's collection and start empty (drafting reindex then re-embeds the corpus)."""
        with self._writing() as token:
            try:
                self._client.delete_collection(self.name)
            except Exception:  # already gone is fine
                logger.debug("collection %s did not exist", self.name, exc_info=True)
            self._collection = self._open_collection()
            self._generation = self._stored_generation(self._collection)
        self._changed(token=token, clear=True)

    def dense(self, text: str, n: int, filters: SearchFilters | None = None) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the n nearest items to a query text."""
        return self.dense_vector(self.embedder.embed_query(text), n, filters)

    def dense_vector(self, vector: np.ndarray, n: int, filters: SearchFilters | None = None) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the n nearest items to an already embedded query."""
        if n <= 0 or self.count() == 0:
            return []
        view, complete = self._memory.view()
        if view is not None and complete and view.count <= self.settings.index.exact_search_max:
            return view.nearest(vector, n, filters)
        got = self._retrying(lambda: self._collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=n,
            where=where_clause(filters),
            include=["distances"],  # the vectors MMR needs come from memory (vectors())
        ))
        ids = got["ids"][0] if got["ids"] else []
        dists = got["distances"][0] if got["distances"] else []
        # Chroma's cosine space returns 1 - cos.
        return [(rid, 1.0 - float(d)) for rid, d in zip(ids, dists)]

    def writing(self) -> bool:
        """A write to this index is in flight, in this process or another (the catalog's marker says)."""
        return self._catalog.writing()

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored vectors of the given items (for MMR and duplicate checks): from memory, else from Chroma."""
        return self._memory.vectors(ids)

    def wait_vectors(self) -> bool:
        """Load the vectors into memory now if they are not (benchmarks, tests); True when exact search can use them."""
        return self._memory.view(wait=True)[1]

    def get(self, ids: list[str]) -> dict[str, Item]:
        """Items by id, read from their stored JSON."""
        if not ids:
            return {}
        got = self._retrying(lambda: self._collection.get(ids=list(ids), include=["metadatas"]))
        return {
            rid: Item.model_validate_json(str(meta["item_json"]))
            for rid, meta in zip(got["ids"], got["metadatas"] or [])
            if meta
        }

    def items(self) -> list[Item]:
        """Every indexed item (for the lexical index and the corpus browser): a full read only at start and after a
        change nobody described (another instance's write, a reset); other changes are applied one by one."""
        self.check_fresh()
        with self._items_lock:
            version = self.version
            if self._items is not None and self._items_version != version:
                changes = self.changes_since(self._items_version)
                if changes is None:
                    self._items = None
                else:
                    for upserted, removed in changes:
                        for rid in removed:
                            self._items.pop(rid, None)
                        self._items.update((i.id, i) for i in upserted)
                    self._items_version = version
            if self._items is None:
                self.check_fresh(0)
                version = self.version
                items = {r.id: Item.model_validate_json(r.item_json) for r in self._all_rows()}
                if self.version != version:  # another process's write was noticed meanwhile: use it, keep nothing
                    return list(items.values())
                self._items, self._items_version = items, version
            return list(self._items.values())

    def profiles(self, ids: list[str]) -> dict[str, Profile]:
        """Stored profiles by id (items indexed before profiles existed have none until the next sync)."""
        if not ids:
            return {}
        got = self._collection.get(ids=list(ids), include=["metadatas"])
        return {rid: Profile.model_validate_json(str(meta["profile_json"]))
                for rid, meta in zip(got["ids"], got["metadatas"] or []) if meta and meta.get("profile_json")}

    def count(self) -> int:
        """Number of indexed items."""
        self.check_fresh()
        count = self._count
        if count is None:
            version = self.version
            count = int(self._collection.count())
            if self.version == version:  # not a number read before a write that finished meanwhile
                self._count = count
        return count

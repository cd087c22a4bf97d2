"""Keeping derived state in line with the corpus: `drafting reindex` and `drafting check`.

corpus/ is the system of record; the Chroma index and the SQLite store are derived or transactional.
check() reports where they drifted apart (after a crash, a hand-edited corpus file, a restored backup)
and repair brings them back: the index is synced to the corpus, and accepted drafts whose item never
reached corpus/accepted/ (killed between the two writes) are written again.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from drafting.errors import IndexError_
from drafting.index.chroma import SyncStats
from drafting.index.records import collection_name, record_hash
from drafting.models import Item
from drafting.services import Services

logger = logging.getLogger(__name__)

ALL_ROWS = 1_000_000_000  # store.list() wants a limit; check must see every accepted draft


class ReindexReport(BaseModel):
    """What `drafting reindex` did."""

    collection: str
    embedder: str
    mode: str
    from_scratch: bool
    copied: int = Field(0, description="vectors reused from --from-path instead of re-embedding")
    indexed: int = 0
    stats: SyncStats = Field(default_factory=SyncStats)


class DriftReport(BaseModel):
    """Differences between the corpus files, the index and the draft store."""

    corpus_items: int
    index_items: int
    missing: list[str] = Field(default_factory=list, description="in the corpus, not in the index")
    stale: list[str] = Field(default_factory=list, description="in the index, no longer in the corpus")
    changed: list[str] = Field(default_factory=list, description="in both, but the indexed content differs")
    unsaved_accepts: list[int] = Field(
        default_factory=list, description="drafts accepted in the store whose item is missing from corpus/accepted/"
    )
    accepted_differs: list[int] = Field(
        default_factory=list,
        description="accepted drafts whose current text differs from their corpus item (a person decides which wins)",
    )
    unreadable: dict[str, str] = Field(
        default_factory=dict, description="corpus files that cannot be read (stem → reason); their last items stay indexed"
    )
    not_reparsed: dict[str, str] = Field(
        default_factory=dict, description="originals changed under a hand-corrected JSON (stem → what to do); the JSON is kept"
    )
    temp_files: list[str] = Field(
        default_factory=list,
        description="temp files of accept writes a crash interrupted (corpus/accepted/; harmless, removed by repair)",
    )
    repaired: bool = False

    @property
    def ok(self) -> bool:
        """True when nothing drifted and every corpus file is readable."""
        return not (self.missing or self.stale or self.changed or self.unsaved_accepts or self.accepted_differs
                    or self.unreadable or self.not_reparsed)

    def summary(self) -> str:
        """One Chinese line for the CLI."""
        if self.ok:
            return f"一致：语料库 {self.corpus_items} 条，索引 {self.index_items} 条"
        if self.not_reparsed and self.model_copy(update={"not_reparsed": {}}).ok:
            return f"语料库 {self.corpus_items} 条，索引 {self.index_items} 条；" + "；".join(self.not_reparsed.values())
        parts = [
            f"索引缺少 {len(self.missing)} 条",
            f"索引多出 {len(self.stale)} 条（语料库中已不存在）",
            f"内容已变 {len(self.changed)} 条",
            f"已采纳但未写入语料库 {len(self.unsaved_accepts)} 份草稿",
        ]
        if self.accepted_differs:
            ids = "、".join(f"#{i}" for i in self.accepted_differs[:10])
            parts.append(f"已采纳草稿与语料库文字不同 {len(self.accepted_differs)} 份（{ids}：在「历史」打开并重新采纳，"
                         "或以语料库为准；--repair 不会替您选择）")
        state = "已修复" if self.repaired else "运行 drafting check --repair 修复"
        line = f"不一致：{'，'.join(parts)}（语料库 {self.corpus_items} 条，索引 {self.index_items} 条）；{state}"
        if self.unreadable:
            # --repair cannot mend a file a person broke: say which, and that its items are still indexed
            names = "；".join(self.unreadable.values())
            line += f"。无法读取 {len(self.unreadable)} 个语料文件（其原有条目仍保留在索引中，请修正后重新运行）：{names}"
        if self.not_reparsed:
            line += "。" + "；".join(self.not_reparsed.values())
        return line


def _copy_vectors(services: Services, source: Path, items: list[Item]) -> int:
    """Upsert items whose vectors an embedded index folder already holds (same model, same content)."""
    import chromadb

    if not source.is_dir():
        raise IndexError_(f"找不到要迁移的索引文件夹 {source}：请检查 --from-path（默认位置为 data/chroma）")
    index = services.index
    name = collection_name(services.settings.index.collection, index.embedder.name)
    client = chromadb.PersistentClient(path=str(source), settings=chromadb.Settings(anonymized_telemetry=False))
    try:
        coll = client.get_collection(name)
    except Exception as exc:  # chromadb raises NotFoundError/ValueError by version
        raise IndexError_(
            f"{source} 中没有嵌入模型 {index.embedder.name} 的索引集合 {name}：无法复用向量，去掉 --from-path 重新嵌入即可"
        ) from exc
    wanted = {i.id: i for i in items}
    reuse: list[Item] = []
    vectors: list[np.ndarray] = []
    page, offset = 1000, 0
    while True:
        got = coll.get(include=["metadatas", "embeddings"], limit=page, offset=offset)
        embs = got["embeddings"] if got["embeddings"] is not None else []
        for rid, meta, vec in zip(got["ids"], got["metadatas"] or [], embs):
            item = wanted.get(rid)
            # only vectors of the very same passage are reused; changed items are embedded again by sync
            if item is not None and (meta or {}).get("content_hash") == record_hash(item):
                reuse.append(item)
                vectors.append(np.asarray(vec, dtype=np.float32))
        if len(got["ids"]) < page:
            break
        offset += page
    if reuse:
        index.upsert(reuse, vectors=np.stack(vectors))
    logger.info("reused %d vectors from %s", len(reuse), source)
    return len(reuse)


def reindex(
    services: Services, *, from_scratch: bool = False, from_path: Path | None = None, progress: bool = False
) -> ReindexReport:
    """Bring the configured index (embedded or server) in line with the corpus files; optionally start empty."""
    index = services.index
    # Like an ingest: a snapshot synced with removal must not miss an accept that lands meanwhile (the app's, or another
    # process's). An accept made during a long reindex waits for it.
    with services.corpus_lock.hold():
        if from_scratch:
            index.reset()
        items = services.corpus.items()
        copied = _copy_vectors(services, Path(from_path), items) if from_path else 0
        stats = index.sync(items, remove_missing=True, progress=progress)
        services.retriever.refresh()
    return ReindexReport(
        collection=index.name, embedder=index.embedder.name, mode=services.settings.index.mode,
        from_scratch=from_scratch, copied=copied, indexed=index.count(), stats=stats,
    )


def _text(item: Item) -> tuple[str, str, str]:
    return item.title.strip(), item.body.strip(), (item.commentary or "").strip()


def check(services: Services, *, repair: bool = False) -> DriftReport:
    """Compare corpus files, index and store; with repair, fix the corpus from the store and the index from the corpus."""
    # Under the writers' lock: read mid-accept, the store would show an accept the corpus does not hold yet, and a
    # repair synced from that snapshot with removal could drop an item accepted meanwhile.
    with services.corpus_lock.hold():
        report = _compare(services, repair=repair)
    logger.info("check: %s", report.summary())
    return report


def _compare(services: Services, *, repair: bool) -> DriftReport:
    unsaved: list[int] = []
    differs: list[int] = []
    # A published batch item lives in its issue file, not in corpus/accepted/: any corpus item counts.
    in_corpus = {i.id: i for i in services.corpus.items()}
    for stored in services.store.list(status="accepted", limit=ALL_ROWS):
        item = stored.accepted_item(services.store.accepted_text(stored.id))
        found = in_corpus.get(item.id)
        if found is None:
            unsaved.append(stored.id)
            if repair:
                services.corpus.add_item(item)
                in_corpus[item.id] = item
        elif _text(found) != (stored.title.strip(), stored.body.strip(), stored.commentary.strip()):
            differs.append(stored.id)  # 历史 shows one text as accepted, the corpus (and precedents) another
    items = services.indexable_items()
    stored_hashes = services.index.stored_hashes()
    corpus = {i.id: record_hash(i) for i in items}
    report = DriftReport(
        corpus_items=len(corpus),
        index_items=len(stored_hashes),
        missing=sorted(i for i in corpus if i not in stored_hashes),
        stale=sorted(i for i in stored_hashes if i not in corpus),
        changed=sorted(i for i, h in corpus.items() if i in stored_hashes and stored_hashes[i] != h),
        unsaved_accepts=sorted(unsaved),
        accepted_differs=sorted(differs),
        unreadable=dict(services.corpus.broken),
        not_reparsed=dict(services.corpus.reparse_refused),
    )
    # Accepts write corpus/accepted/ only under the corpus lock, which check holds: a temp file there is what a kill
    # left between writing and renaming (the item itself is whole, in the store and, repaired above, in the corpus).
    report.temp_files = sorted(p.name for p in services.corpus.accepted_dir.glob(".*.tmp"))
    if repair:
        for name in report.temp_files:
            (services.corpus.accepted_dir / name).unlink(missing_ok=True)
    if repair and (report.missing or report.stale or report.changed or report.unsaved_accepts):
        services.index.sync(items, remove_missing=True)
        services.retriever.refresh()
        report.repaired = True
        report.index_items = services.index.count()
    return report

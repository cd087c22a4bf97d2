"""Hybrid precedent search on the real seed corpus with the real model and Chroma."""

from __future__ import annotations

import pytest

from drafting.errors import ValidationError
from drafting.evaluation import evaluate_retrieval, load_cases
from drafting.evaluation.retrieval import ndcg_at, recall_at, reciprocal_rank, resolve_labels
from drafting.index.chroma import VectorIndex
from drafting.index.lexical import LexicalIndex, tokenize
from drafting.index.records import passage_text
from drafting.index.search import Retriever, is_text_duplicate
from drafting.models import Item, SearchFilters

HENAN = "河南省印发元宇宙产业发展行动计划"


def _find(items: list[Item], needle: str) -> Item:
    return next(i for i in items if needle in i.title)


@pytest.fixture(scope="module")
def retriever(seeded_services) -> Retriever:
    return seeded_services.retriever


@pytest.fixture(scope="module")
def corpus(retriever: Retriever) -> list[Item]:
    return retriever.index.items()


def test_seed_is_indexed(corpus: list[Item]) -> None:
    assert len(corpus) == 17
    assert sum(1 for i in corpus if i.section == "政策速递") == 6


def test_done_check_action_plans_rank_above_blockchain_and_huangpu(retriever: Retriever, corpus: list[Item]) -> None:
    result = retriever.search(HENAN, k=6, filters=SearchFilters(section="政策速递"))
    ranked = [p.item.id for p in result.precedents]
    plans = [_find(corpus, n).id for n in ("四川省", "重庆发布", "山东多部门")]
    others = [_find(corpus, n).id for n in ("区块链关键技术", "黄浦区")]
    assert all(p in ranked for p in plans)
    for plan in plans:
        for other in others:
            if other in ranked:
                assert ranked.index(plan) < ranked.index(other)
    assert result.duplicates == []


def test_precedents_carry_their_evidence(retriever: Retriever) -> None:
    result = retriever.search(HENAN, k=4)
    top = result.precedents[0]
    assert top.dense_rank is not None and top.lexical_rank is not None
    assert 0 < top.dense_score <= 1 and top.lexical_score > 0  # type: ignore[operator]
    assert top.score > 0 and not top.duplicate
    assert len(result.precedents) == 4


def test_modes_use_one_signal_each(retriever: Retriever) -> None:
    dense = retriever.search(HENAN, k=3, mode="dense").precedents
    lexical = retriever.search(HENAN, k=3, mode="lexical").precedents
    assert dense and all(p.lexical_rank is None and p.dense_rank for p in dense)
    assert lexical and all(p.dense_rank is None and p.lexical_rank for p in lexical)
    with pytest.raises(ValidationError):
        retriever.search(HENAN, mode="sparse")


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(section="交易资讯"),
        SearchFilters(has_commentary=True),
        SearchFilters(has_commentary=False, section="行业新闻"),
        SearchFilters(date_from="2023-09-20", date_to="2023-09-30"),
    ],
)
def test_filters_apply_to_both_signals(retriever: Retriever, filters: SearchFilters) -> None:
    for mode in ("dense", "lexical", "hybrid"):
        result = retriever.search("元宇宙产业 融资 政策", k=10, filters=filters, mode=mode)
        assert result.precedents, mode
        for p in result.precedents + result.duplicates:
            it = p.item
            if filters.section:
                assert it.section == filters.section
            if filters.has_commentary is not None:
                assert bool(it.commentary) == filters.has_commentary
            if filters.date_from:
                assert it.date and filters.date_from <= it.date <= (filters.date_to or "9999")


def test_exact_item_goes_to_duplicates(retriever: Retriever, corpus: list[Item]) -> None:
    chongqing = _find(corpus, "重庆发布")
    result = retriever.search(passage_text(chongqing), k=4)
    assert [d.item.id for d in result.duplicates] == [chongqing.id]
    assert result.duplicates[0].duplicate
    assert chongqing.id not in [p.item.id for p in result.precedents]
    assert len(result.precedents) == 4


def test_same_title_is_a_duplicate_but_a_sibling_plan_is_not(retriever: Retriever, corpus: list[Item]) -> None:
    chongqing = _find(corpus, "重庆发布")
    assert [d.item.id for d in retriever.search(chongqing.title).duplicates] == [chongqing.id]
    assert not is_text_duplicate(HENAN, chongqing)


def test_exclude_ids_leaves_items_out(retriever: Retriever, corpus: list[Item]) -> None:
    sichuan = _find(corpus, "四川省")
    first = retriever.search(HENAN, k=3).precedents[0].item.id
    assert first == sichuan.id
    again = retriever.search(HENAN, k=5, exclude_ids={sichuan.id})
    assert sichuan.id not in [p.item.id for p in again.precedents + again.duplicates]


def test_empty_query_is_rejected(retriever: Retriever) -> None:
    with pytest.raises(ValidationError, match="检索文本为空"):
        retriever.search("   ")


def test_new_items_are_searchable_after_sync(tmp_settings, seeded_services) -> None:
    index = VectorIndex(tmp_settings, seeded_services.index.embedder)
    retriever = Retriever(tmp_settings, index)
    assert retriever.search("元宇宙").precedents == []
    item = Item(section="行业新闻", title="虹口区元宇宙专区上线", date="2023-10-03", body="虹口区元宇宙专区在一网通办上线。")
    index.sync([item])
    # The lexical side notices the index changed without an explicit refresh().
    hits = retriever.search("一网通办 元宇宙专区", mode="lexical").precedents
    assert [p.item.id for p in hits] == [item.id]


def test_mmr_pushes_a_near_copy_down(tmp_settings, seeded_services) -> None:
    base = "2023年10月,某市印发元宇宙产业发展行动计划,提出到2025年元宇宙相关产业规模达到500亿元,打造30个应用场景。"
    items = [
        Item(section="政策速递", title="甲市发布元宇宙产业发展行动计划", date="2023-10-01", body=base),
        Item(section="政策速递", title="甲市发布元宇宙产业发展行动计划(全文)", date="2023-10-02", body=base + "全文见附件。"),
        Item(section="政策速递", title="乙省出台虚拟现实产业扶持措施", date="2023-10-03", body="乙省对虚拟现实企业给予最高300万元落户奖励和租金补贴,支持元宇宙应用场景建设。"),
        Item(section="交易资讯", title="丙公司完成C轮融资", date="2023-10-04", body="丙公司完成数亿元C轮融资,将用于XR内容制作。"),
    ]
    index = VectorIndex(tmp_settings, seeded_services.index.embedder)
    index.sync(items)
    retriever = Retriever(tmp_settings, index)
    query = "丁市印发元宇宙产业发展行动计划,提出打造应用场景和扶持措施"
    tmp_settings.retrieval.mmr_lambda = 1.0
    relevance_only = [p.item.id for p in retriever.search(query, k=3).precedents]
    tmp_settings.retrieval.mmr_lambda = 0.3
    diverse = [p.item.id for p in retriever.search(query, k=3).precedents]
    copies = {items[0].id, items[1].id}
    assert set(relevance_only[:2]) == copies
    assert len(copies & set(diverse[:2])) == 1


def test_tokenizer_drops_punctuation_and_keeps_terms() -> None:
    toks = tokenize("上海市黄浦区印发《扶持办法》, 给予200万元!")
    assert "黄浦区" in toks and "扶持" in toks and "200" in toks
    assert not any(t in {"《", "》", ",", "!", " "} for t in toks)
    assert LexicalIndex([]).scores("元宇宙").shape == (0,)


def test_metrics() -> None:
    gains = {"a": 2, "b": 1}
    assert recall_at(["x", "a", "y", "b"], gains, 3) == 0.5
    assert reciprocal_rank(["x", "b", "a"], gains) == 0.5
    assert ndcg_at(["a", "b"], gains, 5) == pytest.approx(1.0)
    assert ndcg_at(["b", "a"], gains, 5) < 1.0
    assert ndcg_at(["x", "y"], gains, 5) == 0.0


def test_eval_labels_resolve_and_cover_every_section(corpus: list[Item]) -> None:
    cases = load_cases()
    assert len(cases) >= 25
    assert {c.section for c in cases} == {"政策速递", "行业新闻", "交易资讯"}
    labels = resolve_labels(cases, corpus)
    assert all(labels[c.id] and max(labels[c.id].values()) == 2 for c in cases)
    titles = {i.title for i in corpus}
    assert not any(c.title in titles for c in cases)  # new items, not copies of the corpus


def test_hybrid_beats_each_single_signal_on_the_labelled_set(retriever: Retriever) -> None:
    report = evaluate_retrieval(retriever, load_cases())
    hybrid, dense, lexical = (report.modes[m] for m in ("hybrid", "dense", "lexical"))
    assert hybrid.ndcg_at_5 >= dense.ndcg_at_5 and hybrid.ndcg_at_5 >= lexical.ndcg_at_5
    assert hybrid.mrr >= dense.mrr and hybrid.mrr >= lexical.mrr
    assert all(r.duplicates == 0 for r in report.results)  # no new item is mistaken for a corpus item

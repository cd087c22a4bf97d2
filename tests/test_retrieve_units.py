"""Precedent search on a seven-item corpus (real Chroma, real embedding model, short texts so each run takes
seconds): filters in every mode, k, RRF scores, duplicates, exclusions, and the profile re-ranking.
Expectations are written from the items below and the documented rules (RRF constant 60, thresholds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafting.errors import ValidationError
from drafting.index.ranking import Weights
from drafting.index.search import MODES, Retriever, is_text_duplicate, rank_by_profile
from drafting.models import Item, Precedent, Profile, SearchFilters, SearchResult

ITEMS = {
    "cq": Item(section="政策速递", title="重庆市印发元宇宙产业发展行动计划", date="2023-09-22", commentary="该计划目标明确。",
               body="2023年9月22日，重庆市经济和信息化委员会印发元宇宙产业发展行动计划，提出到2025年产业规模达1000亿元。"),
    "sc": Item(section="政策速递", title="四川省印发元宇宙产业发展行动计划", date="2023-09-18", commentary="该计划打造元宇宙谷。",
               body="2023年9月18日，四川省经济和信息化厅印发元宇宙产业发展行动计划，拟打造中国元宇宙谷。"),
    "sh": Item(section="政策速递", title="上海市印发区块链关键技术攻关专项行动方案", date="2023-09-27",
               body="2023年9月27日，上海市科委印发区块链关键技术攻关专项行动方案。"),
    "cd": Item(section="行业新闻", title="成都发布超60个元宇宙案例", date="2023-09-20",
               body="2023年9月20日，成都发布超60个元宇宙应用案例，释放投资机遇。"),
    "ls": Item(section="交易资讯", title="零数科技获B2轮战略投资", date="2023-09-25",
               body="2023年9月25日，零数科技获国信中数B2轮战略投资，投资将用于区块链研发。"),
    "hk": Item(section="行业新闻", title="虹口区元宇宙专区上线", date="2023-10-03",
               body="2023年10月3日，虹口区元宇宙专区正式上线。"),
    "dh": Item(section="行业新闻", title="某市举办元宇宙大会", body="近日，某市举办元宇宙大会。"),
}
# Words that every item contains at least one of, so that lexical search sees the whole corpus too.
WIDE = "元宇宙 区块链 投资"


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    from drafting.services import build_services
    from drafting.settings import Settings

    tmp: Path = tmp_path_factory.mktemp("tiny")
    (tmp / "corpus").mkdir()
    services = build_services(Settings(_env_file=None, corpus_dir=tmp / "corpus", data_dir=tmp / "data"))  # type: ignore[call-arg]
    services.index.upsert(list(ITEMS.values()))
    return services.retriever


def _key(item: Item) -> str:
    return next(k for k, v in ITEMS.items() if v.id == item.id)


def _found(result: SearchResult) -> set[str]:
    return {_key(p.item) for p in [*result.precedents, *result.duplicates]}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (None, {"cq", "sc", "sh", "cd", "ls", "hk", "dh"}),
        (SearchFilters(section="政策速递"), {"cq", "sc", "sh"}),
        (SearchFilters(section="交易资讯"), {"ls"}),
        (SearchFilters(section="政策速递", has_commentary=True), {"cq", "sc"}),
        (SearchFilters(has_commentary=False), {"sh", "cd", "ls", "hk", "dh"}),
        (SearchFilters(date_from="2023-09-22"), {"cq", "sh", "ls", "hk"}),  # an undated item never passes a date filter
        (SearchFilters(date_to="2023-09-20"), {"sc", "cd"}),
        (SearchFilters(date_from="2023-09-22", date_to="2023-09-22"), {"cq"}),
        (SearchFilters(date_from="2023-10"), {"hk"}),  # a month covers its first day …
        (SearchFilters(date_to="2023-09"), {"cq", "sc", "sh", "cd", "ls"}),  # … and as an end, its last
        (SearchFilters(section="行业新闻", date_from="2023-09-01", date_to="2023-09-30"), {"cd"}),
        (SearchFilters(section="行业新闻", has_commentary=True), set()),  # both must hold, not the last one alone
        (SearchFilters(date_from="2023-09-15", date_to="2023-09"), {"cq", "sc", "sh", "cd", "ls"}),  # to month's end
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_filters_hold_in_every_mode(retriever: Retriever, mode: str, filters: SearchFilters | None,
                                    expected: set[str]) -> None:
    result = retriever.search(WIDE, k=7, filters=filters, mode=mode)
    assert _found(result) == expected


@pytest.mark.parametrize("mode", MODES)
def test_excluded_items_never_come_back(retriever: Retriever, mode: str) -> None:
    gone = {ITEMS["cq"].id, ITEMS["cd"].id}
    result = retriever.search(WIDE, k=7, mode=mode, exclude_ids=gone)
    assert _found(result) == {"sc", "sh", "ls", "hk", "dh"}


@pytest.mark.parametrize("k", [1, 2, 5])
def test_k_precedents_at_most(retriever: Retriever, k: int) -> None:
    assert len(retriever.search(WIDE, k=k).precedents) == k


@pytest.mark.parametrize("k", [0, -1, 101])
def test_k_outside_1_to_100_is_refused(retriever: Retriever, k: int) -> None:
    with pytest.raises(ValidationError, match="1 到 100"):
        retriever.search(WIDE, k=k)


def test_k_100_is_allowed(retriever: Retriever) -> None:
    assert len(retriever.search(WIDE, k=100).precedents) == 7


def test_reversed_dates_are_refused_but_one_day_is_fine(retriever: Retriever) -> None:
    with pytest.raises(ValidationError, match="晚于"):
        retriever.search(WIDE, filters=SearchFilters(date_from="2023-09-23", date_to="2023-09-22"))
    with pytest.raises(ValidationError):
        retriever.search(WIDE, filters=SearchFilters(date_from="2023-02-30"))


@pytest.mark.parametrize(
    ("text", "mode", "message"),
    [
        ("", "hybrid", "检索文本为空：请粘贴新条目的标题或正文"),
        ("   \n", "hybrid", "检索文本为空：请粘贴新条目的标题或正文"),
        ("元宇宙", "bm25", "未知的检索模式 'bm25'：可选 hybrid, dense, lexical"),
        ("元宇宙", "", "未知的检索模式 ''：可选 hybrid, dense, lexical"),
    ],
)
def test_empty_text_or_unknown_mode_is_refused(retriever: Retriever, text: str, mode: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        retriever.search(text, mode=mode)
    assert message in str(caught.value)


def test_lexical_search_returns_only_items_that_share_a_word(retriever: Retriever) -> None:
    assert _found(retriever.search("区块链", k=7, mode="lexical")) == {"sh", "ls"}


def test_rrf_scores_and_evidence(retriever: Retriever) -> None:
    """An item first in both lists scores 1/61 + 1/61 (RRF, k = 60); each mode only fills its own evidence."""
    query = "成都发布超60个元宇宙应用案例，释放投资机遇"
    hybrid = retriever.search(query, k=3).precedents[0]
    assert _key(hybrid.item) == "cd"
    assert (hybrid.dense_rank, hybrid.lexical_rank) == (1, 1)
    assert hybrid.score == pytest.approx(2 / 61)
    assert hybrid.lexical_score is not None and hybrid.lexical_score > 0
    assert hybrid.dense_score is not None and 0 < hybrid.dense_score < 0.97
    dense = retriever.search(query, k=3, mode="dense").precedents
    assert _key(dense[0].item) == "cd" and dense[0].score == pytest.approx(1 / 61)
    assert all(p.lexical_rank is None and p.lexical_score is None for p in dense)
    lexical = retriever.search(query, k=3, mode="lexical").precedents
    assert _key(lexical[0].item) == "cd" and lexical[0].score == pytest.approx(1 / 61)
    assert all(p.dense_rank is None and p.dense_score is None for p in lexical)
    assert [p.lexical_rank for p in lexical] == list(range(1, len(lexical) + 1))
    scores = [p.score for p in retriever.search(WIDE, k=7, mode="lexical").precedents]
    assert max(scores) == pytest.approx(1 / 61)


def test_the_same_item_goes_to_duplicates(retriever: Retriever) -> None:
    cq = ITEMS["cq"]
    result = retriever.search(f"{cq.title}\n{cq.body}", k=3)
    assert [_key(p.item) for p in result.duplicates] == ["cq"]
    assert result.duplicates[0].duplicate is True
    assert "cq" not in {_key(p.item) for p in result.precedents}
    assert all(not p.duplicate for p in result.precedents)
    # its sibling plan from another province is a precedent, not a duplicate
    assert "sc" in {_key(p.item) for p in result.precedents}


def test_a_lone_title_match_is_a_duplicate(retriever: Retriever) -> None:
    result = retriever.search("重庆市印发元宇宙产业发展行动计划\n编辑部转载，原文较长，此处从略。", k=3)
    assert [_key(p.item) for p in result.duplicates] == ["cq"]


_BODY = "春夏秋冬东南西北金木水火土日月星辰山川河海风云雷电江湖花草树林鸟兽虫鱼"


@pytest.mark.parametrize(
    ("query", "title", "body", "expected"),
    [
        # full text: 3-gram Jaccard ≥ 0.6 (6 shared grams of 10 is 0.6; of 11 is not)
        ("甲乙丙丁戊己庚辛壬癸子丑", "甲乙丙丁戊己庚辛", "", True),
        ("甲乙丙丁戊己庚辛壬癸子丑寅", "甲乙丙丁戊己庚辛", "", False),
        # first line against the title: Jaccard ≥ 0.8 (8 of 10 is 0.8; 8 of 11 is not)
        ("甲乙丙丁戊己庚辛壬癸天地", "甲乙丙丁戊己庚辛壬癸", _BODY, True),
        ("甲乙丙丁戊己庚辛壬癸天地玄", "甲乙丙丁戊己庚辛壬癸", _BODY, False),
        ("甲乙丙丁戊己庚辛壬癸天地\n另有正文若干", "甲乙丙丁戊己庚辛壬癸", _BODY, True),
        # a first line under 8 characters is too short to identify an item by its title
        ("甲乙丙丁戊己庚\n" + "玄黄宇宙洪荒", "甲乙丙丁戊己庚", _BODY, False),
        ("甲乙丙丁戊己庚辛\n" + "玄黄宇宙洪荒", "甲乙丙丁戊己庚辛", _BODY, True),
        ("ＡＢＣ甲乙丙丁戊", "abc甲乙丙丁戊", _BODY, True),  # full-width and case fold
        ("", "甲乙丙丁戊己庚辛", _BODY, False),
    ],
)
def test_is_text_duplicate(query: str, title: str, body: str, expected: bool) -> None:
    assert is_text_duplicate(query, Item(section="行业新闻", title=title, body=body)) is expected


# --- profile re-ranking ------------------------------------------------------------------------------------


def _p(name: str, score: float, section: str, kind: str, stance: str, commentary: str | None = None) -> Precedent:
    item = Item(section=section, title=name, body=f"{name}正文。", commentary=commentary)  # type: ignore[arg-type]
    return Precedent(item=item, score=score, profile=Profile(kind=kind, stance=stance))  # type: ignore[arg-type]


POOL = [
    _p("甲", 1.0, "行业新闻", "展会", "促进", commentary="甲短评。"),
    _p("乙", 0.8, "政策速递", "行动计划", "促进"),
    _p("丙", 0.5, "政策速递", "通知", "规范"),  # exactly at the relevance floor: still re-ranked
    _p("丁", 0.4, "政策速递", "行动计划", "促进", commentary="丁短评。"),  # below the floor: goes last
]
WANT = Profile(kind="行动计划", stance="促进")
# Hand-set weights (the shipped ones are fitted, drafting/index/ranking.py): the arithmetic below is checked against these.
HAND = Weights(kind=0.6, stance=0.4, section=0.3, subject=0.0, cap=2.0, floor=0.5, close_dense=1.01, margin=1.0)


def test_profile_bonuses_rank_same_kind_and_stance_first() -> None:
    # 甲 1.0 + stance 0.4 = 1.4; 乙 0.8 + 0.3 + 0.6 + 0.4 = 2.1; 丙 0.5 + 0.3 = 0.8; 丁 0.4 + 1.3 − 1.3 = 0.4
    out = rank_by_profile(SearchResult(query="q", precedents=POOL), WANT, "政策速递", 4, weights=HAND)
    assert [p.item.title for p in out.precedents] == ["乙", "甲", "丙", "丁"]
    assert out.precedents[0].why == ["同栏目", "同类型（行动计划）", "同立场（促进）"]
    assert out.precedents[1].why == ["同立场（促进）"]
    assert out.precedents[2].why == ["同栏目"]
    assert out.profile == WANT
    assert out.precedent_gap is False  # 甲 has a 短评 in the same stance


def test_without_a_section_only_kind_and_stance_count() -> None:
    # 甲 1.4; 乙 0.8 + 1.0 = 1.8; 丙 0.5; 丁 0.4 + 1.0 − 1.3
    out = rank_by_profile(SearchResult(query="q", precedents=POOL), WANT, None, 4, weights=HAND)
    assert [p.item.title for p in out.precedents] == ["乙", "甲", "丙", "丁"]
    assert out.precedents[0].why == ["同类型（行动计划）", "同立场（促进）"]


def test_the_gap_is_flagged_when_no_chosen_precedent_has_a_same_stance_commentary() -> None:
    out = rank_by_profile(SearchResult(query="q", precedents=POOL), WANT, "政策速递", 1, weights=HAND)
    assert [p.item.title for p in out.precedents] == ["乙"]
    assert out.precedent_gap is True
    warn = rank_by_profile(SearchResult(query="q", precedents=POOL), Profile(kind="通知", stance="规范"), "政策速递", 4, weights=HAND)
    assert warn.precedents[0].item.title == "丙"
    assert warn.precedent_gap is True  # 丙 is the same stance but has no 短评


def test_without_bonus_the_relevance_order_stays_and_reasons_are_shown() -> None:
    out = rank_by_profile(SearchResult(query="q", precedents=POOL), WANT, "政策速递", 3, bonus=False, weights=HAND)
    assert [p.item.title for p in out.precedents] == ["甲", "乙", "丙"]
    assert out.precedents[1].why == ["同栏目", "同类型（行动计划）", "同立场（促进）"]

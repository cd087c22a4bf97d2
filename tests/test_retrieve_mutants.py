"""What an editor sees in the precedent list, beyond test_retrieve_units.py: which items come first, the duplicate
warning, ties, k against the candidate pool, the profile re-ranking's short-query rule, and a search that follows
accepts and removals at once. Written from the survivors of a mutation sample (docs/testing.md, "Round 29:
retrieve"); the seven-item corpus of test_retrieve_units.py (real Chroma, the bundled embedding model)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from test_retrieve_units import ITEMS, WIDE, _key, retriever  # noqa: F401  (the module fixture, reused)

from drafting.index import reading
from drafting.index.ranking import cached_profile
from drafting.index.search import Retriever, is_text_duplicate
from drafting.models import Item, SearchFilters, SearchResult

PLAN_QUERY = "贵州省印发元宇宙产业发展行动计划"


@pytest.fixture
def tuned(retriever: Retriever, monkeypatch: pytest.MonkeyPatch) -> Iterator[Retriever]:  # noqa: F811
    """The shared retriever, with retrieval settings a test may change for itself (restored afterwards)."""
    cfg = retriever.settings.retrieval
    for name in ("k", "candidates", "rrf_k", "mmr_lambda", "duplicate_threshold"):
        monkeypatch.setattr(cfg, name, getattr(cfg, name))
    yield retriever


def _keys(result: SearchResult) -> list[str]:
    return [_key(p.item) for p in result.precedents]


# --- which items come first ----------------------------------------------------------------------------------


def test_the_best_fused_match_is_always_first(retriever: Retriever) -> None:  # noqa: F811
    """Diversity never displaces the most relevant precedent: the first one has the highest fused score."""
    for query in (PLAN_QUERY, WIDE, "元宇宙", "区块链投资"):
        result = retriever.search(query, k=7)
        assert result.precedents[0].score == max(p.score for p in result.precedents), query


def test_sibling_plans_from_other_provinces_lead_a_plan_query(retriever: Retriever) -> None:  # noqa: F811
    """A new province's 元宇宙 plan: the two other provinces' plans are the first two precedents."""
    assert set(_keys(retriever.search(PLAN_QUERY, k=4))[:2]) == {"sc", "cq"}


def test_without_diversity_the_list_is_in_fused_order(tuned: Retriever) -> None:
    tuned.settings.retrieval.mmr_lambda = 1.0
    for query in (PLAN_QUERY, WIDE, "元宇宙"):
        scores = [p.score for p in tuned.search(query, k=7).precedents]
        assert len(scores) == 7
        assert scores == sorted(scores, reverse=True), query


def _reference_mmr(pool: list, vectors: dict[str, np.ndarray], k: int, lam: float) -> list[str]:
    """Textbook MMR: relevance as a share of the best score, minus the highest cosine to what is already chosen."""
    best = max(p.score for p in pool)
    chosen: list = []
    left = list(pool)
    while left and len(chosen) < k:
        def value(p) -> float:
            if not chosen:
                return p.score / best
            redundancy = max(float(vectors[p.item.id] @ vectors[c.item.id]) for c in chosen)
            return lam * p.score / best - (1 - lam) * redundancy
        pick = max(left, key=value)  # first of equal values, as argmax
        chosen.append(pick)
        left.remove(pick)
    return [_key(p.item) for p in chosen]


@pytest.mark.parametrize("lam", [0.7, 0.3, 0.0])
@pytest.mark.parametrize("query", [PLAN_QUERY, WIDE, "元宇宙"])
def test_diversity_follows_textbook_mmr(tuned: Retriever, query: str, lam: float) -> None:
    """The order shown is MMR over the fused list with the stored item vectors (checked against a plain loop)."""
    tuned.settings.retrieval.mmr_lambda = 1.0
    pool = tuned.search(query, k=7).precedents
    vectors = tuned.index.vectors([p.item.id for p in pool])
    tuned.settings.retrieval.mmr_lambda = lam
    for k in (3, 7):
        assert _keys(tuned.search(query, k=k)) == _reference_mmr(pool, vectors, k, lam)


def test_pure_diversity_changes_the_order(tuned: Retriever) -> None:
    """λ = 0 must actually reorder (the test above would pass if MMR were skipped on a list already diverse)."""
    tuned.settings.retrieval.mmr_lambda = 1.0
    relevance = _keys(tuned.search(PLAN_QUERY, k=7))
    tuned.settings.retrieval.mmr_lambda = 0.0
    diverse = _keys(tuned.search(PLAN_QUERY, k=7))
    assert diverse[0] == relevance[0] and diverse != relevance
    # the other province's plan, nearly the same text as the first pick, is no longer second
    assert diverse[1] != relevance[1]


def test_equal_fused_scores_keep_the_meaning_ranks_order(tuned: Retriever) -> None:
    """Ties (dense rank a, lexical b against dense b, lexical a) come out in one order: the better dense rank first."""
    tuned.settings.retrieval.mmr_lambda = 1.0
    precedents = tuned.search("元宇宙", k=7).precedents
    ties = [(a, b) for a, b in itertools.pairwise(precedents) if a.score == b.score]
    assert ties, "the corpus no longer gives a tie for this query"
    for a, b in ties:
        assert a.dense_rank is not None and b.dense_rank is not None and a.dense_rank < b.dense_rank


def test_rrf_constant_is_read_from_the_settings(tuned: Retriever) -> None:
    tuned.settings.retrieval.rrf_k = 10
    top = tuned.search("成都发布超60个元宇宙应用案例，释放投资机遇", k=3).precedents[0]
    assert (top.dense_rank, top.lexical_rank) == (1, 1)
    assert top.score == pytest.approx(2 / 11)
    for p in tuned.search(WIDE, k=7).precedents:
        want = sum(1 / (10 + r) for r in (p.dense_rank, p.lexical_rank) if r is not None)
        assert p.score == pytest.approx(want)


def test_an_item_only_one_side_finds_ranks_below_items_both_find(retriever: Retriever) -> None:  # noqa: F811
    """区块链投资: the items without either word are found by meaning alone and come after those BM25 finds too."""
    result = retriever.search("区块链投资", k=7)
    both = [p for p in result.precedents if p.lexical_rank is not None]
    dense_only = [p for p in result.precedents if p.lexical_rank is None]
    assert {_key(p.item) for p in both} == {"ls", "sh", "cd"}
    assert both and dense_only
    assert min(p.score for p in both) > max(p.score for p in dense_only)
    assert _keys(result)[:3] == [_key(p.item) for p in both][:3]


# --- k and the candidate pool -------------------------------------------------------------------------------


def test_without_k_the_configured_number_is_shown(tuned: Retriever) -> None:
    assert len(tuned.search(WIDE).precedents) == 4
    tuned.settings.retrieval.k = 2
    assert len(tuned.search(WIDE).precedents) == 2


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_k_above_the_candidate_pool_still_gives_k(tuned: Retriever, mode: str) -> None:
    tuned.settings.retrieval.candidates = 5
    assert len(tuned.search(WIDE, k=7, mode=mode).precedents) == 7


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_excluded_items_do_not_shorten_the_list(tuned: Retriever, mode: str) -> None:
    tuned.settings.retrieval.candidates = 5
    gone = {ITEMS["ls"].id, ITEMS["dh"].id}
    result = tuned.search(WIDE, k=5, mode=mode, exclude_ids=gone)
    assert len(result.precedents) == 5
    assert not {p.item.id for p in result.precedents} & gone


@pytest.mark.parametrize("mode", ["dense", "lexical"])
def test_a_small_candidate_pool_keeps_the_best_ranked(tuned: Retriever, mode: str) -> None:
    """With 3 candidates per side, each side keeps its 3 best items, in their order."""
    tuned.settings.retrieval.mmr_lambda = 1.0
    full = tuned.search(WIDE, k=7, mode=mode).precedents
    tuned.settings.retrieval.candidates = 3
    small = tuned.search(WIDE, k=3, mode=mode).precedents
    assert [_key(p.item) for p in small] == [_key(p.item) for p in full[:3]]
    side = "dense_rank" if mode == "dense" else "lexical_rank"
    assert [getattr(p, side) for p in small] == [1, 2, 3]


def test_candidates_are_four_times_k_when_that_is_wider(tuned: Retriever) -> None:
    tuned.settings.retrieval.candidates = 5
    assert len(tuned.candidates(WIDE, k=2).precedents) == 7  # 4 × 2 = 8 wanted: the whole corpus
    assert len(tuned.candidates(WIDE, k=1).precedents) == 5  # the candidate setting when it is wider than 4 × k


def test_candidates_are_wide_and_profiled(retriever: Retriever) -> None:  # noqa: F811
    """The profile ranking re-orders a wide list: every item of this small corpus, each with its profile."""
    wide = retriever.candidates("元宇宙 区块链 投资", k=1)
    assert {_key(p.item) for p in wide.precedents} == set(ITEMS)
    assert all(p.profile == cached_profile(p.item) for p in wide.precedents)
    filtered = retriever.candidates(WIDE, k=1, filters=SearchFilters(section="政策速递"), exclude_ids={ITEMS["sh"].id})
    assert {_key(p.item) for p in filtered.precedents} == {"cq", "sc"}


# --- the duplicate warning -----------------------------------------------------------------------------------


def test_a_cosine_at_the_threshold_is_a_duplicate(tuned: Retriever) -> None:
    query = "成都发布超60个元宇宙应用案例，释放投资机遇"
    top = tuned.search(query, k=7).precedents[0]
    assert _key(top.item) == "cd" and top.dense_score is not None
    tuned.settings.retrieval.duplicate_threshold = top.dense_score
    result = tuned.search(query, k=7)
    assert [_key(p.item) for p in result.duplicates] == ["cd"]
    assert result.duplicates[0].duplicate is True
    assert "cd" not in _keys(result) and len(result.precedents) == 6
    tuned.settings.retrieval.duplicate_threshold = top.dense_score + 1e-4
    assert not tuned.search(query, k=7).duplicates


def test_duplicates_are_listed_best_first_and_never_among_precedents(tuned: Retriever) -> None:
    tuned.settings.retrieval.duplicate_threshold = 0.9  # both sibling plans read as "the same item" here
    result = tuned.search(PLAN_QUERY, k=7)
    assert [_key(p.item) for p in result.duplicates] == ["sc", "cq"]
    assert [p.dense_rank for p in result.duplicates] == [1, 2]
    assert result.duplicates[0].score >= result.duplicates[1].score
    assert not {"sc", "cq"} & set(_keys(result))
    assert len(result.precedents) == 5  # k counts precedents only: the duplicates do not use up places


def test_a_repasted_item_is_a_duplicate_in_lexical_mode_too(retriever: Retriever) -> None:  # noqa: F811
    """No vectors in lexical mode: the text check alone catches the same item pasted again."""
    sc = ITEMS["sc"]
    result = retriever.search(f"{sc.title}\n{sc.body}", k=3, mode="lexical")
    assert [_key(p.item) for p in result.duplicates] == ["sc"]
    assert result.duplicates[0].lexical_rank == 1 and result.duplicates[0].dense_rank is None


def test_duplicate_text_ignores_punctuation_underscores_and_spacing() -> None:
    item = Item(section="行业新闻", title="甲乙丙丁戊己庚辛", body="")
    assert is_text_duplicate("甲乙_丙丁 戊己，庚辛！", item)
    assert is_text_duplicate("  甲乙丙丁戊己庚辛\n", item)
    assert not is_text_duplicate("壬癸子丑寅卯辰巳", item)


def test_a_title_line_padded_with_punctuation_is_not_long_enough() -> None:
    """The 8 characters a title line needs are counted without punctuation."""
    item = Item(section="行业新闻", title="甲乙丙丁戊己庚", body="春夏秋冬东南西北金木水火土日月星辰山川河海风云雷电")
    assert not is_text_duplicate("《甲乙丙丁戊己庚》\n玄黄宇宙洪荒", item)


def test_a_short_text_is_compared_whole() -> None:
    """Under three characters there are no 3-grams: the text itself must match."""
    assert is_text_duplicate("元宇", Item(section="行业新闻", title="元宇", body=""))
    assert not is_text_duplicate("元宇", Item(section="行业新闻", title="宇宙", body=""))


# --- the profile re-ranking ----------------------------------------------------------------------------------

# 40 characters: long enough for the profile to count without a chosen 栏目 (PROFILE_MIN_QUERY_CHARS)
LONG = "元宇宙行动计划：某省拟打造元宇宙产业集群，推动虚拟现实与区块链融合，培育骨干企业。"[:40]


def test_a_short_query_without_a_section_keeps_relevance_order(retriever: Retriever) -> None:  # noqa: F811
    profile = cached_profile(ITEMS["cq"])
    plain = _keys(retriever.search("元宇宙行动计划", k=4))
    profiled = retriever.search_profiled("元宇宙行动计划", profile, k=4)
    assert _keys(profiled) == plain
    # the reasons are still shown
    assert any(p.why for p in profiled.precedents)


def test_a_chosen_section_puts_same_kind_plans_first(retriever: Retriever) -> None:  # noqa: F811
    profile = cached_profile(ITEMS["cq"])
    ranked = _keys(retriever.search_profiled("元宇宙行动计划", profile, k=4, section="政策速递"))
    assert ranked[:3] and set(ranked[:3]) == {"cq", "sc", "sh"}
    assert ranked != _keys(retriever.search("元宇宙行动计划", k=4))


def test_a_query_of_40_characters_uses_the_profile_and_39_do_not(retriever: Retriever) -> None:  # noqa: F811
    profile = cached_profile(ITEMS["cq"])
    assert len(LONG) == 40
    same_kind = {"cq", "sc", "sh"}
    long = _keys(retriever.search_profiled(LONG, profile, k=3))
    assert set(long) == same_kind
    short = LONG[:39]
    assert _keys(retriever.search_profiled(short, profile, k=3)) == _keys(retriever.search(short, k=3))
    # surrounding blanks are not characters of the query
    padded = f"  {short}\n\n"
    assert _keys(retriever.search_profiled(padded, profile, k=3)) == _keys(retriever.search(short, k=3))


def test_profiled_search_honours_filters_and_exclusions(retriever: Retriever) -> None:  # noqa: F811
    profile = cached_profile(ITEMS["cq"])
    result = retriever.search_profiled(LONG, profile, k=4, filters=SearchFilters(date_from="2023-09-20"),
                                       exclude_ids={ITEMS["cq"].id})
    assert set(_keys(result)) <= {"sh", "cd", "ls", "hk"}
    assert _keys(result)[0] == "sh"  # the only same-kind plan left
    assert result.query == LONG


# --- a search follows accepts and removals -------------------------------------------------------------------

NEW = Item(section="交易资讯", title="链芯科技完成数亿元C轮融资", date="2023-09-28",
           body="2023年9月28日，链芯科技完成数亿元C轮融资，资金用于数字藏品平台建设。")


@pytest.fixture
def own(tmp_path: Path) -> Retriever:
    """A small index of its own (this test writes to it): three of the seven items."""
    from drafting.services import build_services
    from drafting.settings import Settings

    (tmp_path / "corpus").mkdir()
    services = build_services(Settings(_env_file=None, corpus_dir=tmp_path / "corpus", data_dir=tmp_path / "data"))  # type: ignore[call-arg]
    services.index.upsert([ITEMS["cq"], ITEMS["ls"], ITEMS["cd"]])
    return services.retriever


def _ids(result: SearchResult) -> set[str]:
    return {p.item.id for p in [*result.precedents, *result.duplicates]}


@pytest.mark.parametrize("mode", ["hybrid", "lexical"])
def test_an_accepted_item_is_found_at_once_and_a_removed_one_never_again(own: Retriever, mode: str) -> None:
    assert NEW.id not in _ids(own.search("数字藏品 融资", k=5, mode=mode))
    own.index.upsert([NEW])
    hits = own.search("数字藏品 融资", k=5, mode=mode)
    assert NEW.id in _ids(hits)
    found = next(p for p in [*hits.precedents, *hits.duplicates] if p.item.id == NEW.id)
    assert found.item.title == NEW.title
    own.index.sync([ITEMS["cq"], ITEMS["cd"], NEW], remove_missing=True)  # 零数科技 removed
    after = own.search("区块链 投资 融资", k=5, mode=mode)
    assert ITEMS["ls"].id not in _ids(after)
    assert NEW.id in _ids(after)
    assert own.search("区块链 投资 融资", k=5, mode=mode,
                      filters=SearchFilters(section="交易资讯")).precedents[0].item.id == NEW.id


def test_an_edited_item_is_searched_by_its_new_text(own: Retriever) -> None:
    own.search("元宇宙", k=3)  # the lexical side is built before the edit, so the edit must be followed
    edited = ITEMS["cq"].model_copy(update={"body": "重庆市印发计划，聚焦量子通信与卫星互联网。"})
    own.index.upsert([edited])
    hits = own.search("量子通信 卫星互联网", k=3, mode="lexical")
    assert [p.item.id for p in hits.precedents] == [edited.id]
    assert "量子通信" in hits.precedents[0].item.body
    # the old text no longer finds it by its words
    assert edited.id not in _ids(own.search("1000亿元", k=3, mode="lexical"))
    # the edited item's filters columns are its own: still a 政策速递 item with a 短评
    assert edited.id in _ids(own.search("量子通信", k=3, mode="lexical",
                                        filters=SearchFilters(section="政策速递", has_commentary=True)))


def test_the_filters_hold_on_a_freshly_built_search(own: Retriever) -> None:
    """The first search builds the lexical side: its filter columns are those of the items."""
    assert _ids(own.search(WIDE, k=5, mode="lexical", filters=SearchFilters(has_commentary=True))) == {ITEMS["cq"].id}
    assert _ids(own.search(WIDE, k=5, mode="lexical", filters=SearchFilters(section="行业新闻"))) == {ITEMS["cd"].id}
    assert _ids(own.search(WIDE, k=5, mode="lexical", filters=SearchFilters(date_from="2023-09-21"))) == \
        {ITEMS["cq"].id, ITEMS["ls"].id}


def test_nothing_to_wait_for_on_a_fresh_retriever(own: Retriever) -> None:
    fresh = Retriever(own.settings, own.index)
    fresh.wait_profiles(1)
    fresh.wait_rebuilt(1)
    assert fresh.search("元宇宙", k=1, mode="lexical").precedents


def test_a_restart_reads_the_stored_lexical_index_and_sees_every_change(own: Retriever,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    """The app restarted after accepts, an edit and a removal: the stored BM25 rows are reused, the gone and the
    edited texts' old rows stay dead, every live item is found, each by its current text."""
    before = {q: [(p.item.id, p.lexical_rank) for p in own.search(q, k=4, mode="lexical").precedents]
              for q in ("元宇宙 案例", "区块链", "重庆市 行动计划")}
    assert all(before.values())
    restarted = Retriever(own.settings, own.index)
    assert {q: [(p.item.id, p.lexical_rank) for p in restarted.search(q, k=4, mode="lexical").precedents]
            for q in before} == before
    edited = ITEMS["cq"].model_copy(update={"body": "重庆市印发计划，聚焦量子通信与卫星互联网。"})
    own.index.sync([edited, ITEMS["cd"], NEW], remove_missing=True)  # 零数科技 removed, 重庆 edited, one accepted
    with caplog.at_level("INFO", logger="drafting.index.search"):
        again = Retriever(own.settings, own.index)
        everything = again.search("元宇宙 区块链 投资 融资 重庆市 成都", k=10, mode="lexical")
    assert any("lexical index loaded" in r.getMessage() for r in caplog.records), "the stored rows were not reused"
    assert _ids(everything) == {edited.id, ITEMS["cd"].id, NEW.id}
    assert [p.item.id for p in again.search("量子通信 卫星互联网", k=3, mode="lexical").precedents] == [edited.id]
    assert edited.id not in _ids(again.search("1000亿元", k=3, mode="lexical"))
    assert ITEMS["ls"].id not in _ids(again.search("零数科技 国信中数", k=3, mode="lexical"))
    assert [p.item.id for p in again.search("数字藏品 C轮", k=3, mode="lexical").precedents][:1] == [NEW.id]
    assert _ids(again.search(WIDE, k=5, mode="lexical", filters=SearchFilters(has_commentary=True))) == {edited.id}
    assert _ids(again.search("融资 投资", k=5, mode="lexical", filters=SearchFilters(section="交易资讯"))) == {NEW.id}
    # the restored rows keep their words: after the next merge of the BM25 segments every item is still found
    current = again._lex
    assert current is not None
    current.bm25.merge()
    for query, item in (("成都 案例", ITEMS["cd"]), ("量子通信", edited), ("数字藏品 C轮", NEW)):
        assert [p.item.id for p in again.search(query, k=1, mode="lexical").precedents] == [item.id], query


def test_refresh_reads_the_whole_index_again(own: Retriever) -> None:
    own.search(WIDE, k=3)
    own.index.upsert([NEW])
    own.refresh()
    assert [p.item.id for p in own.search("数字藏品 C轮", k=1, mode="lexical").precedents] == [NEW.id]
    assert len(_ids(own.search("元宇宙 区块链 投资 融资", k=10, mode="lexical"))) == 4


def _gated_builds(own: Retriever, monkeypatch: pytest.MonkeyPatch, fail_first: bool = False
                  ) -> tuple[threading.Event, list[int]]:
    """Hold every full read of the lexical side until the gate opens; count them (the first may fail)."""
    gate = threading.Event()
    calls: list[int] = []
    real = own._build

    def build(version: int, items: list[Item]):  # type: ignore[no-untyped-def]
        calls.append(version)
        gate.wait(60)
        if fail_first and len(calls) == 1:
            raise OSError("disk went away")
        return real(version, items)

    monkeypatch.setattr(own, "_build", build)
    return gate, calls


def test_while_the_lexical_side_rebuilds_only_what_the_index_holds_is_shown(own: Retriever,
                                                                            monkeypatch: pytest.MonkeyPatch,
                                                                            caplog: pytest.LogCaptureFixture) -> None:
    """A large archive rebuilt after a change it cannot follow (a reindex): searches go on meanwhile, from the old
    BM25 rows, but a removed item never comes back and the filters are checked on what the index holds now."""
    own.search(WIDE, k=5)
    monkeypatch.setattr(reading, "INLINE_REBUILD_MAX", 0)  # as if the archive were large
    gate, calls = _gated_builds(own, monkeypatch)
    own.index.reset()
    cq = ITEMS["cq"].model_copy(update={"commentary": None})  # its 短评 dropped, the same item otherwise
    own.index.upsert([ITEMS["cd"], cq])  # 零数科技 is no longer in the index
    for mode in ("lexical", "hybrid"):
        meanwhile = own.search(WIDE, k=5, mode=mode)
        assert _ids(meanwhile) == {ITEMS["cd"].id, cq.id}, mode
        assert all(p.item.commentary is None for p in meanwhile.precedents), "an item shown from the old state"
    assert _ids(own.search(WIDE, k=5, mode="lexical", filters=SearchFilters(section="交易资讯"))) == set()
    assert _ids(own.search(WIDE, k=5, mode="lexical", filters=SearchFilters(has_commentary=True))) == set()
    assert _ids(own.search(WIDE, k=5, mode="lexical", filters=SearchFilters(date_to="2023-09-21"))) == {ITEMS["cd"].id}
    gate.set()
    with caplog.at_level("INFO", logger="drafting.index.search"):
        own.wait_rebuilt(60)
    assert any("rebuilt in the background" in r.getMessage() for r in caplog.records)
    assert len(calls) == 1, "one rebuild at a time, however many searches come meanwhile"
    after = own.search(WIDE, k=5, mode="lexical")
    assert _ids(after) == {ITEMS["cd"].id, cq.id}
    assert [p.lexical_rank for p in after.precedents] == list(range(1, len(after.precedents) + 1))
    assert len(calls) == 1  # current now: no further full read


def test_a_failed_rebuild_is_tried_again_only_after_a_pause(own: Retriever, monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    own.search(WIDE, k=5)
    monkeypatch.setattr(reading, "INLINE_REBUILD_MAX", 0)
    gate, calls = _gated_builds(own, monkeypatch, fail_first=True)
    gate.set()
    own.index.reset()
    own.index.upsert([ITEMS["cd"], ITEMS["ls"]])
    with caplog.at_level("WARNING", logger="drafting.index.search"):
        assert _ids(own.search(WIDE, k=5, mode="lexical")) == {ITEMS["cd"].id, ITEMS["ls"].id}
        own.wait_rebuilt(60)
    failed = [r for r in caplog.records if "rebuild failed" in r.getMessage()]
    assert failed and failed[0].exc_info is not None  # the cause is in the log
    assert len(calls) == 1
    own.search(WIDE, k=5, mode="lexical")  # within the pause: no new attempt
    own.wait_rebuilt(60)
    assert len(calls) == 1
    monkeypatch.setattr(reading, "RETRY_AFTER_FAILURE", 0.0)
    assert _ids(own.search(WIDE, k=5, mode="lexical")) == {ITEMS["cd"].id, ITEMS["ls"].id}
    own.wait_rebuilt(60)
    assert len(calls) == 2
    own.search(WIDE, k=5, mode="lexical")
    own.wait_rebuilt(60)
    assert len(calls) == 2  # the second attempt succeeded: current again


def test_on_a_large_archive_an_accept_is_followed_not_rebuilt(own: Retriever, monkeypatch: pytest.MonkeyPatch) -> None:
    """An accepted item is found by its words at once on a large archive too: the change is followed, no full read."""
    own.search(WIDE, k=5)
    monkeypatch.setattr(reading, "INLINE_REBUILD_MAX", 0)
    _, calls = _gated_builds(own, monkeypatch)
    own.index.upsert([NEW])
    assert [p.item.id for p in own.search("数字藏品 C轮", k=3, mode="lexical").precedents][:1] == [NEW.id]
    assert calls == []


def test_an_item_accepted_and_removed_before_the_next_search_never_shows(own: Retriever) -> None:
    """Two changes between two searches (an accept, then its removal): the search follows both, in order."""
    own.search(WIDE, k=3)
    own.index.upsert([NEW])
    own.index.sync([ITEMS["cq"], ITEMS["ls"], ITEMS["cd"]], remove_missing=True)
    for mode in ("lexical", "hybrid"):
        assert NEW.id not in _ids(own.search("数字藏品 C轮 融资", k=5, mode=mode)), mode


def test_date_and_commentary_filters_hold_for_an_accepted_item(own: Retriever) -> None:
    own.search(WIDE, k=3)
    own.index.upsert([NEW])  # dated 2023-09-28, no 短评
    query = "数字藏品 融资 投资 元宇宙"
    assert _ids(own.search(query, k=5, mode="lexical", filters=SearchFilters(date_from="2023-09-26"))) == {NEW.id}
    assert NEW.id not in _ids(own.search(query, k=5, mode="lexical", filters=SearchFilters(date_to="2023-09-27")))
    assert NEW.id not in _ids(own.search(query, k=5, mode="lexical", filters=SearchFilters(has_commentary=True)))

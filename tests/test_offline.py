"""Offline drafter: deterministic 短评 from the item's own facts, items from raw text, never an invented fact."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from drafting.errors import ValidationError
from drafting.models import DraftRequest, Item
from drafting.writing.guard.check import FACT_KINDS, check_facts, format_findings
from drafting.writing.offline.drafter import OFFLINE_LABEL
from drafting.writing.offline.item import item_from_raw
from drafting.writing.service import DraftingService

CHONGQING_DOC = "重庆市元宇宙产业发展行动计划(2023—2025年)"
# A pasted official document, as an editor would copy it from the government site (facts from the seed item).
RAW_DOCUMENT = f"""重庆市经济和信息化委员会关于印发{CHONGQING_DOC}的通知

各区县（自治县）经济信息委，两江新区、西部科学城重庆高新区、万盛经开区经济信息部门：
现将《{CHONGQING_DOC}》印发给你们，请认真贯彻执行。

重庆市经济和信息化委员会
2023年9月22日

{CHONGQING_DOC}
为抢抓元宇宙产业发展机遇，制定本行动计划。
一、主要目标
到2025年，全市元宇宙技术创新、产业发展、应用示范和生态构建取得显著成效，成为数字经济重要增长极，建成国内极具影响力的元宇宙产业集聚区和创新应用先导区。全市元宇宙相关产业规模达1000亿元，培育10家行业头部企业，20家细分领域专精特新企业。打造3个市级以上元宇宙相关创新平台。
二、重点任务
建成2—3个元宇宙产业园区，打造一批元宇宙领域“满天星”示范楼宇，培育一批元宇宙领军技术专家和优秀创作者，加速形成良好产业生态。
"""


@pytest.fixture(scope="module")
def policy_items(seed_path: Path) -> list[Item]:
    from drafting.corpus import parse_file

    return [i for i in parse_file(seed_path).items if i.commentary]


# Read by hand from each seed policy item's body: the document's names an editor would accept, and its issuer.
DOCUMENT_AND_ISSUER = {
    "工信部": (["工业和信息化部元宇宙标准化工作组筹建方案", "筹建方案", "方案"], ["工信部"]),
    "四川省": (["四川省元宇宙产业发展行动计划", "行动计划"], ["四川经济和信息化厅", "四川省经济和信息化厅"]),
    "山东": (["山东省加快元宇宙产业创新发展的指导意见", "指导意见", "意见"], ["山东省工业和信息化厅"]),
    "重庆": (["重庆市元宇宙产业发展行动计划", "行动计划"], ["重庆市经济和信息化委员会", "重庆市经信委"]),
    "黄浦区": (["黄浦区关于把握科创回归都市趋势加快提升科创发展能级的扶持办法", "扶持办法", "办法"],
              ["黄浦区科学技术委员会", "黄浦区科委"]),
    "区块链关键技术": (["上海区块链关键技术攻关专项行动方案", "行动方案", "方案"], ["上海市科学技术委员会", "上海市科委"]),
}


@pytest.fixture(scope="module")
def drafter(seeded_services) -> DraftingService:
    return DraftingService(seeded_services.settings, seeded_services.retriever)


def _n(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _fact_findings(draft) -> list:
    return [f for f in draft.findings if f.kind in FACT_KINDS]


def test_each_seed_policy_item_left_out_gets_a_faithful_offline_draft(drafter: DraftingService, policy_items: list[Item]) -> None:
    assert len(policy_items) == 6
    for item in policy_items:
        blind = item.model_copy(update={"commentary": None})
        (draft,) = drafter.draft(DraftRequest(item=blind, exclude_ids=[item.id]))
        text = _n(draft.commentary)
        assert draft.offline and draft.model is None and draft.prompt_version.startswith("offline")
        assert item.id not in {p.item.id for p in draft.precedents}, "the item itself must be left out"
        assert draft.precedents, "precedents are still retrieved"
        assert not _fact_findings(draft), f"{item.title}: {format_findings(draft.findings)}"
        assert 130 <= len(text) <= 200, f"{item.title}: {len(text)} chars"
        # Names the right document (full title or a short name, in 《》) and its issuer, as read from the source.
        docs, issuers = next(v for k, v in DOCUMENT_AND_ISSUER.items() if k in item.title)
        assert any(f"《{_n(n)}" in text for n in docs), text
        assert any(_n(n) in text for n in issuers), text
        assert draft.commentary != item.commentary


def test_offline_is_deterministic_and_variants_differ(drafter: DraftingService, policy_items: list[Item]) -> None:
    item = policy_items[3].model_copy(update={"commentary": None})
    request = DraftRequest(item=item, variants=3, exclude_ids=[policy_items[3].id])
    first = [d.commentary for d in drafter.draft(request)]
    again = [d.commentary for d in drafter.draft(request)]
    assert first == again
    assert len(set(first)) == 3


def test_wrong_facts_in_the_item_never_leak_from_precedents(drafter: DraftingService) -> None:
    item = Item(section="政策速递", title="某市印发数据要素行动方案",
                body="2024年3月1日，某市数据局印发《某市数据要素市场化配置改革行动方案》（下称《行动方案》），提出推动公共数据开放。")
    (draft,) = drafter.draft(DraftRequest(item=item))
    assert not _fact_findings(draft), format_findings(draft.findings)
    assert "《行动方案》" in draft.commentary and "2500" not in draft.commentary and "四川" not in draft.commentary


def test_item_from_a_pasted_official_document() -> None:
    item = item_from_raw(RAW_DOCUMENT)
    assert item.section == "政策速递"
    assert item.date == "2023-09-22"
    assert "重庆市经济和信息化委员会" in item.title and CHONGQING_DOC in _n(item.title)
    assert item.body.startswith("2023年9月22日，重庆市经济和信息化委员会印发《")
    assert 100 <= len(item.body) <= 350
    assert "1000亿元" in item.body
    for text in (item.title, item.body):
        assert not [f for f in check_facts(text, Item(section="政策速递", title="", body=""), source_text=RAW_DOCUMENT)
                    if f.kind in FACT_KINDS], text


def test_item_from_a_pasted_news_story(policy_items: list[Item]) -> None:
    sichuan = next(i for i in policy_items if i.title.startswith("四川"))
    item = item_from_raw(sichuan.body)
    assert item.date == "2023-09-18"
    assert item.body.startswith("2023年9月18日")
    assert "四川省元宇宙产业发展行动计划" in item.title and "，" in item.body  # house punctuation
    assert 100 <= len(item.body) <= 350


def test_raw_text_drafts_item_then_commentary_offline(drafter: DraftingService) -> None:
    events = list(drafter.stream(DraftRequest(raw_text=RAW_DOCUMENT)))
    kinds = [e.kind for e in events]
    assert kinds[0] == "precedents" and kinds[1] == "item" and kinds[-1] == "done"
    draft = events[-1].draft
    assert draft.offline and OFFLINE_LABEL in [e.text for e in events if e.kind == "variant"]
    assert draft.item.date == "2023-09-22" and draft.commentary
    assert not _fact_findings(draft), format_findings(draft.findings)


def test_industry_raw_text_gets_an_item_but_no_commentary_unless_asked(drafter: DraftingService, seed_path: Path) -> None:
    from drafting.corpus import parse_file

    news = next(i for i in parse_file(seed_path).items if i.section == "行业新闻")
    (draft,) = drafter.draft(DraftRequest(raw_text=news.body, section="行业新闻"))
    assert draft.item.section == "行业新闻" and draft.commentary == ""
    (asked,) = drafter.draft(DraftRequest(item=news))
    assert asked.commentary and not _fact_findings(asked), format_findings(asked.findings)


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_input_is_rejected_in_chinese(drafter: DraftingService, text: str) -> None:
    with pytest.raises(ValidationError, match="粘贴"):
        drafter.draft(DraftRequest(raw_text=text))
    with pytest.raises(ValidationError):
        item_from_raw(text)

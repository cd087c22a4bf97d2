"""Issue #21: each example a user met, as a test: what is read out of a source (title, issuers, dates, 文号, figures)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from page_server import PageServer
from reader_fixtures import (
    BAD_ISSUERS,
    DEAL,
    GUIDE_TITLE,
    ISSUER_CASES,
    MIXED,
    NEWS_CASES,
    PLAN,
    SEVEN,
    add_guide_pages,
)

from drafting.corpus.profile import query_profile
from drafting.models import DraftRequest, Profile
from drafting.settings import SourcesSettings
from drafting.sources.fetch import fetch
from drafting.sources.reader import read_fields
from drafting.writing.offline import item as offline


@pytest.fixture(scope="module")
def pages() -> Iterator[PageServer]:
    with PageServer() as server:
        add_guide_pages(server)
        yield server


def _settings() -> SourcesSettings:
    return SourcesSettings(block_private=False, cache=False)


def test_attachment_is_titled_by_its_link_and_dated_by_its_signature(pages: PageServer) -> None:
    page = fetch(pages.url("/guide.html"), _settings())
    att = next(a for a in page.attachments if a.url.endswith("att.pdf"))
    src = fetch(att.url, _settings(), link_text=att.name)
    assert src.title == GUIDE_TITLE  # not "att", the file name
    doc = src.document
    assert doc is not None
    assert doc.published == "2024-06-20"  # the 落款 date, not the reporting deadline 2024-09-30
    assert doc.effective == "2024-07-01"
    assert doc.number == "埔工信规〔2024〕3号"
    assert doc.issuers == ["广州市黄埔区工业和信息化局", "广州开发区经济和信息化局"]
    assert any(f.text == "5000万元" and "营业收入" in f.measure for f in doc.figures)
    item = offline.item_from_raw(src.raw_text(), document=doc)
    assert item.date == "2024-06-20"
    assert "att" not in item.title and "2024年9月30日，" not in item.body


def test_attachment_corrected_to_a_guideline_gets_a_commentary(pages: PageServer, seeded_services) -> None:
    page = fetch(pages.url("/guide.html"), _settings())
    att = next(a for a in page.attachments if a.url.endswith("att.pdf"))
    src = fetch(att.url, _settings(), link_text=att.name)
    # 条目画像 corrected to 标准/指南 · 规范 while 栏目 stays on 自动判断.
    request = DraftRequest(raw_text=src.raw_text(), offline=True, profile=Profile(kind="标准/指南", stance="规范", source="editor"),
                           profile_fields=["kind", "stance"], document=src.document)
    draft = seeded_services.drafter.draft(request)[0]
    assert draft.item.section == "政策速递"
    assert len(draft.commentary) >= 100, draft.no_commentary
    assert draft.item.date == "2024-06-20"


def test_page_furniture_never_reaches_the_paste_box_or_the_body(pages: PageServer) -> None:
    src = fetch(pages.url("/guide.html"), _settings())
    box = src.raw_text(with_source=False)
    for furniture in ("2024-06-20，", "发布时间", "浏览次数", "1024", "主送", "字号", "打印", "关闭", "分享到"):
        assert furniture not in box, furniture
    assert src.date == "2024-06-20"
    assert src.document is not None and src.document.published == "2024-06-20"
    item = offline.item_from_raw(box, document=src.document)
    assert "，提出《指引》明确" not in item.body
    assert "《指引》明确" in item.body or "明确" in item.body


@pytest.mark.parametrize(("text", "issuers", "count"), ISSUER_CASES, ids=[c[1][0] for c in ISSUER_CASES])
def test_issuers_read_from_the_lead(text: str, issuers: list[str], count: int | None) -> None:
    doc = read_fields(text, kind_hint="policy")
    assert doc.issuers == issuers
    assert doc.departments == count
    profile = query_profile(text, "政策速递")  # what goes into the prompt
    assert profile.issuer and profile.issuer.startswith(issuers[0])
    assert not any(bad in profile.issuer for bad in BAD_ISSUERS)


def test_unnamed_departments_are_counted_not_garbage() -> None:
    doc = read_fields(SEVEN, kind_hint="policy")
    assert doc.issuers == [] and doc.departments == 7
    profile = query_profile(SEVEN, "政策速递")
    assert profile.issuer is None or not any(bad in profile.issuer for bad in BAD_ISSUERS)


@pytest.mark.parametrize(("section", "text", "issuers"), NEWS_CASES, ids=[c[2][0] for c in NEWS_CASES])
def test_news_and_deals_name_the_company_or_organiser(section: str, text: str, issuers: list[str]) -> None:
    assert read_fields(text, kind_hint=section).issuers == issuers
    profile = query_profile(text, section)
    assert profile.issuer is not None and profile.issuer.startswith(issuers[0])
    assert not any(bad in profile.issuer for bad in BAD_ISSUERS)
    assert "近日" not in profile.issuer and "“" not in profile.issuer


def test_deal_title_is_whole_and_the_company_is_named() -> None:
    item = offline.item_from_raw(DEAL, "交易资讯")
    assert not item.title.endswith(("跟", "领投", "跟投")), item.title
    assert item.title.endswith("融资"), item.title
    assert query_profile(DEAL, "交易资讯").issuer == "维境科技"


def test_three_paragraph_plan_keeps_its_main_tasks_and_risks() -> None:
    assert 560 <= len(PLAN) <= 660
    doc = read_fields(PLAN)
    assert len(doc.tasks) == 5
    item = offline.item_from_raw(PLAN, "政策速递", document=doc)
    body = item.body
    assert len(body) <= 350
    for task in ("工业元宇宙", "数字生活", "产业治理"):
        assert task in body, (task, body)
    assert re.search(r"非法集资|金融风险|炒作虚拟资产", body), body


def test_mixed_script_report_is_dated_the_day_it_was_issued() -> None:
    doc = read_fields(MIXED)
    assert doc.published == "2023-08-21"
    assert doc.effective == "2024-01-01"
    assert doc.issuers == ["财政部"]
    assert doc.title == "企业数据资源相关会计处理暂行规定"
    assert offline.item_from_raw(MIXED, "政策速递").date == "2023-08-21"


def test_document_json_shape(pages: PageServer) -> None:
    src = fetch(pages.url("/guide.html"), _settings())
    shape = src.cli_json()["document"]
    assert isinstance(shape, dict)
    assert set(shape) == {"title", "issuers", "published", "effective", "number", "figures"}
    assert shape["published"] == "2024-06-20"
    json.dumps(shape, ensure_ascii=False)


def test_card_corrections_reach_the_item_profile_prompt_and_guard(seeded_services) -> None:
    card = read_fields(PLAN).model_copy(update={"published": "2023-09-07", "issuers": ["工业和信息化部"], "departments": 5})
    request = DraftRequest(raw_text=PLAN, offline=True, section="政策速递", document=card)
    draft = seeded_services.drafter.draft(request)[0]
    assert draft.item.date == "2023-09-07"  # the card's date, not the text's 2023-09-08
    assert draft.item.body.startswith("2023年9月7日")
    assert draft.profile is not None and draft.profile.issuer == "工业和信息化部等五部门"
    assert draft.document is not None and draft.document.published == "2023-09-07"
    assert not [f for f in draft.findings if "2023年9月7日" in f.message]  # the guard accepts the corrected date
    messages = seeded_services.drafter.messages(draft.item, [], PLAN, profile=draft.profile, document=draft.document)
    assert "发文机关：工业和信息化部等五部门" in messages[-1].content and "发布日期：2023-09-07" in messages[-1].content

"""Traditional Chinese sources: a Hong Kong regulator's notice drafts a Simplified item with right guard findings."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from page_server import HK_BODY, PageServer
from typer.testing import CliRunner

from drafting import cli
from drafting.models import Item
from drafting.sources.convert import for_drafting, is_traditional, to_simplified
from drafting.writing.guard import check as guard
from drafting.writing.service import DraftingService

FACT_KINDS = {"number", "date", "title", "org", "place"}


@pytest.fixture
def use_services(seeded_services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path))  # the source cache; the index is the seeded one
    services = dataclasses.replace(seeded_services, drafter=DraftingService(seeded_services.settings, seeded_services.retriever))
    monkeypatch.setattr(cli.common, "services", lambda: services)
    return services


def test_detects_and_converts_traditional_keeping_titles_on_request() -> None:
    assert is_traditional(HK_BODY)
    assert not is_traditional("河南省人民政府办公厅印发《河南省元宇宙产业发展行动计划（2022—2025年）》。")
    plain = to_simplified(HK_BODY)
    assert "香港证券及期货事务监察委员会（证监会）" in plain and "《打击洗钱及恐怖分子资金筹集条例》" in plain
    kept = for_drafting(HK_BODY, keep_quoted_titles=True)
    assert kept.traditional and kept.original == HK_BODY
    assert "《打擊洗錢及恐怖分子資金籌集條例》" in kept.text and "证监会" in kept.text


def test_hong_kong_link_drafts_a_simplified_item_with_right_findings(use_services, tmp_path: Path) -> None:
    with PageServer() as pages:
        url = pages.url("/hk.html")
        result = CliRunner().invoke(cli.app, ["draft", url, "--raw", "--offline", "--section", "政策速递", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    item = out["item"]
    for text in (item["title"], item["body"], out["commentary"]):
        assert text == to_simplified(text), f"not Simplified: {text}"
    assert "证监会" in item["body"] and "98%" in item["body"]
    assert item["sources"] == [url], "the link is the item's source footnote"
    assert not [f for f in out["findings"] if f["kind"] in FACT_KINDS], out["findings"]

    # The guard reads the converted source: a figure the notice never gave is still caught.
    source = to_simplified(HK_BODY)
    drafted = Item(section="政策速递", title=item["title"], date=item["date"], body=item["body"])
    wrong = guard.check_facts("持牌平台须将客户资产的95%存放于冻结钱包。", drafted, source_text=source)
    assert [f.kind for f in wrong] == ["number"] and "95%" in wrong[0].message
    right = guard.check_facts("持牌平台须将客户资产的98%存放于冻结钱包。", drafted, source_text=source)
    assert right == []


def test_keep_titles_quotes_the_ordinance_as_published(use_services) -> None:
    with PageServer() as pages:
        result = CliRunner().invoke(cli.app, ["draft", pages.url("/hk.html"), "--raw", "--offline", "--keep-titles",
                                              "--section", "政策速递", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    text = out["item"]["body"] + out["item"]["title"] + out["commentary"]
    assert "《打擊洗錢及恐怖分子資金籌集條例》" in text or "《適用於虛擬資產交易平台營運者的指引》" in text
    assert not [f for f in out["findings"] if f["kind"] == "title"], out["findings"]

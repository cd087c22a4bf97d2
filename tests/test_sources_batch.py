"""A batch list whose rows are only links (来源/链接 column): each link fetched once, drafted from its page."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from page_server import PageServer
from typer.testing import CliRunner

from drafting import cli
from drafting.issues.batch_input import prepare_sources, read_items
from drafting.settings import SourcesSettings
from drafting.writing.service import DraftingService


def _csv(path: Path, pages: PageServer) -> Path:
    rows = [
        "栏目,标题,正文,链接",
        f"政策速递,,,{pages.url('/utf8.html')}",
        f"政策速递,,,{pages.url('/gbk.html')}",
        f",,,{pages.url('/hk.html')}",
        f"政策速递,,,{pages.url('/gbk.html')}",
        f"政策速递,,,{pages.url('/missing.html')}",
        "行业新闻,虹口区元宇宙专区上线,2023年9月1日，虹口区元宇宙专区正式上线。,",
        ",,2023年9月18日，香港證券及期貨事務監察委員會發布《有關代幣化證券相關活動的通函》。,",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_link_rows_fetched_once_failures_named(tmp_path: Path) -> None:
    with PageServer() as pages:
        batch = read_items(_csv(tmp_path / "list.csv", pages))
        assert [e.link for e in batch.entries][:3] == [pages.url(p) for p in ("/utf8.html", "/gbk.html", "/hk.html")]
        assert any("第 5 行" in str(p) and "重复" in str(p) for p in batch.warnings)
        done = prepare_sources(batch, SourcesSettings(timeout=2), tmp_path / "sources")
        assert pages.hits["/gbk.html"] == 1
        # A second run: the cache answers for the pages; only the failed link is tried again (errors are not cached).
        again = prepare_sources(read_items(tmp_path / "list.csv"), SourcesSettings(timeout=2), tmp_path / "sources")
        assert dict(pages.hits) == {"/utf8.html": 1, "/gbk.html": 1, "/hk.html": 1, "/missing.html": 2}
    assert [e.line for e in done.entries] == [2, 3, 4, 7, 8]
    assert "《有关代币化证券相关活动的通函》" in (done.entries[4].raw_text or ""), "a Traditional raw row is drafted in Simplified"
    assert "3500亿元" in (done.entries[0].raw_text or "") and "300亿元" in (done.entries[1].raw_text or "")
    assert "证监会" in (done.entries[2].raw_text or ""), "Traditional converted for drafting"
    assert (done.entries[0].raw_text or "").endswith(f"来源：{pages.url('/utf8.html')}")
    missing = [p for p in done.errors if p.line == 6]
    assert missing and "404" in missing[0].reason
    assert [e.raw_text for e in again.entries] == [e.raw_text for e in done.entries]


def test_cli_batch_drafts_link_rows(seeded_services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    services = dataclasses.replace(seeded_services, drafter=DraftingService(seeded_services.settings, seeded_services.retriever))
    monkeypatch.setattr(cli.common, "services", lambda: services)
    with PageServer() as pages:
        items = _csv(tmp_path / "list.csv", pages)
        md = tmp_path / "issue.md"
        result = CliRunner().invoke(cli.app, ["batch", str(items), "-o", str(tmp_path / "i.docx"), "--md", str(md),
                                              "--offline", "--batch-id", f"links-{tmp_path.name}", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["done"] == 5 and summary["failed"] == 0
    assert any("第 6 行" in r and "404" in r for r in summary["rejected_rows"])
    text = md.read_text(encoding="utf-8")
    for link in ("/utf8.html", "/gbk.html", "/hk.html"):
        assert pages.url(link) in text, f"{link} is the item's source footnote"
    assert "3500亿元" in text and "证监会" in text

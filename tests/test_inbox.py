"""收件箱 without the browser: 加入本期 as a raw batch row that keeps its link, 忽略/稍后, `drafting inbox`, the API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from conftest import seeded_settings
from fastapi.testclient import TestClient
from page_server import PageServer
from typer.testing import CliRunner

from drafting import cli
from drafting.api import build_api
from drafting.corpus import parse_file
from drafting.errors import ValidationError
from drafting.export import export_docx
from drafting.issues.batch_input import prepare_sources
from drafting.issues.publish import run_batch
from drafting.services import Services, build_services
from drafting.watch.entry import RawEntry, Scored
from drafting.watch.inbox import add_to_issue, decide, inbox_json, open_store

SUMMARY = "上海市人民政府办公厅印发《上海市促进元宇宙产业发展行动方案（2023—2025年）》，提出到2025年元宇宙产业规模达到3500亿元。"


@pytest.fixture
def services(tmp_path: Path) -> Services:
    made = build_services(seeded_settings(tmp_path))
    made.ingest()
    return made


def _entry(url: str, title: str = "上海市促进元宇宙产业发展行动方案（2023—2025年）", relevance: float = 0.9,
           section: str | None = "政策速递", summary: str = SUMMARY, source: str = "sh-gov") -> RawEntry | Scored:
    raw = RawEntry(source_id=source, url=url, title=title, published=dt.date(2023, 7, 8), summary=summary)
    return raw, Scored(relevance=relevance, reason="与往期“地方元宇宙行动方案”相近", section=section,
                       profile={"kind": "地方规划", "stance": "支持"})  # type: ignore[return-value]


def _add(services: Services, entry_id: str, issue_id: str):
    settings = services.settings
    return add_to_issue(
        open_store(settings), services.reviews, entry_id, issue_id,
        run=lambda batch, iid: run_batch(services, batch, batch_id=iid, resume=True, offline=True, prefetch=False),
        prepare=lambda batch: prepare_sources(batch, settings.sources, settings.sources_cache_path, workers=1),
    )


def test_add_drafts_a_raw_row_that_keeps_its_link_to_the_word_footnote(services: Services, tmp_path: Path) -> None:
    store = open_store(services.settings)
    with PageServer() as pages:
        url = pages.url("/utf8.html")
        [eid] = store.add([_entry(url)])
        added = _add(services, eid, "收件箱-测试")
        assert pages.hits["/utf8.html"] == 1, "the entry's page is read, like a 来源-only row of a list"
    assert not added.again and added.draft_id is not None and added.sources == [url]
    issue = services.reviews.get_issue("收件箱-测试")
    [item] = issue.items
    assert item.drafted and item.section == "政策速递" and item.sources == [url]
    assert "3500亿元" in item.body and item.commentary.strip(), "drafted from the page, with a 短评 (a policy row)"
    entry = store.get(eid)
    assert (entry.status, entry.issue_id) == ("added", "收件箱-测试")
    assert store.count_new(0.0) == 0

    path = tmp_path / "issue.docx"
    export_docx(issue.assemble(services.settings.prompts_dir), path)
    with zipfile.ZipFile(path) as docx:
        assert url in docx.read("word/footnotes.xml").decode("utf-8"), "the link is the item's Word footnote"
    [back] = parse_file(path).items
    assert back.sources == [url]

    again = _add(services, eid, "收件箱-测试")
    assert again.again and again.draft_id == added.draft_id
    assert len(services.reviews.get_issue("收件箱-测试").items) == 1, "adding twice drafts nothing twice"


def test_add_to_an_existing_issue_keeps_its_rows_and_edits(services: Services) -> None:
    store = open_store(services.settings)
    with PageServer() as pages:
        first, second = store.add([_entry(pages.url("/utf8.html")),
                                   _entry(pages.url("/gbk.html"), title="河南省元宇宙产业发展行动计划（2022—2025年）")])
        one = _add(services, first, "本月")
        assert one.draft_id is not None
        services.reviews.save_item("本月", one.draft_id, title="编辑改过的标题", body="编辑改过的正文", commentary="编辑的短评",
                                   ticked=True, expected_version=None)
        _add(services, second, "本月")
    issue = services.reviews.get_issue("本月")
    assert issue.items[0].title == "编辑改过的标题", "an edit made before the second 加入本期 stays"
    assert {i.sources[0] for i in issue.items} == {pages.url("/utf8.html"), pages.url("/gbk.html")}
    assert "300亿元" in issue.items[1].body, "the GBK page read and drafted"
    services.reviews.remove_item("本月", one.draft_id)
    back = _add(services, first, "本月")
    assert back.again and back.note and "restore-item" in back.note, "a row moved out is named, not drafted again"
    assert len(services.reviews.get_issue("本月").items) == 1


def test_an_unreadable_page_is_drafted_from_the_list_summary_and_says_so(services: Services) -> None:
    store = open_store(services.settings)
    with PageServer() as pages:
        url = pages.url("/gone.html")
        [eid] = store.add([_entry(url)])
        added = _add(services, eid, "本月")
    assert added.note and "404" in added.note and "摘要" in added.note
    [item] = services.reviews.get_issue("本月").items
    assert item.sources == [url] and "3500亿元" in item.body


def test_a_published_issue_or_an_unknown_entry_is_refused_in_chinese(services: Services) -> None:
    store = open_store(services.settings)
    [eid] = store.add([_entry("http://127.0.0.1:9/nowhere.html")])
    with pytest.raises(ValidationError, match="收件箱中没有条目"):
        _add(services, "w000", "本月")
    with pytest.raises(ValidationError, match="选择"):
        _add(services, eid, "  ")
    with PageServer() as pages:
        [other] = store.add([_entry(pages.url("/hk.html"), title="證監會虛擬資產交易平台指引")])
        _add(services, other, "已发")
    issue = services.reviews.get_issue("已发")
    services.reviews.mark_published("已发", Path("x.json"))
    with pytest.raises(ValidationError, match="已发布"):
        _add(services, eid, "已发")
    assert store.get(eid).status == "new", "a refused 加入本期 leaves the entry in the inbox"
    assert len(services.reviews.get_issue("已发").items) == len(issue.items)


def test_ignore_and_later_are_remembered_as_decisions(tmp_settings) -> None:
    store = open_store(tmp_settings)
    a, b, c = store.add([_entry("https://a.example/1.html", title="关于加强虚拟货币交易炒作风险防范的通知"),
                         _entry("https://b.example/2.html", title="2023年粮食收购工作安排的通知", relevance=0.1),
                         _entry("https://c.example/3.html", title="数据出境安全评估办法（修订征求意见稿）", relevance=0.7)])
    assert decide(store, b, "ignored").status == "ignored"
    assert decide(store, c, "later").status == "later"
    assert {e.id: e.status for e in store.decisions()} == {b: "ignored", c: "later"}
    assert [e["id"] for e in inbox_json(store)["entries"]] == [a]
    assert decide(store, c, "new").status == "new"
    with pytest.raises(ValidationError, match="加入本期"):
        decide(store, a, "added")


def test_cli_inbox_lists_and_adds(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    services = dataclasses.replace(services)
    monkeypatch.setattr(cli.common, "services", lambda: services)
    store = open_store(services.settings)
    runner = CliRunner()
    with PageServer() as pages:
        url = pages.url("/utf8.html")
        [hi, lo] = store.add([_entry(url), _entry("https://x.example/grain.html", title="秋粮收购工作的通知", relevance=0.2)])
        listed = runner.invoke(cli.app, ["inbox", "--json"])
        assert listed.exit_code == 0, listed.output
        data = json.loads(listed.output)
        assert [e["id"] for e in data["entries"]] == [hi, lo], "most relevant first"
        assert data["count_new"] == 1 and data["entries"][0]["sources"] == ["sh-gov"]
        assert {"id", "title", "url", "published", "relevance", "reason", "section", "profile", "duplicate_of"} <= set(
            data["entries"][0])
        added = runner.invoke(cli.app, ["inbox", "add", hi, "--issue", "命令行", "--offline", "--json"])
        assert added.exit_code == 0, added.output
        assert json.loads(added.output)["sources"] == [url]
    text = runner.invoke(cli.app, ["inbox", "--status", "added"])
    assert text.exit_code == 0 and "命令行" in text.output
    bad = runner.invoke(cli.app, ["inbox", "--status", "old"])
    assert bad.exit_code != 0 and "无效" in str(bad.exception)


def test_api_inbox(tmp_settings) -> None:
    store = open_store(tmp_settings)
    [eid] = store.add([_entry("https://a.example/1.html")])
    services = build_services(tmp_settings)
    client = TestClient(build_api(services))  # mounted at /api/v1 by the page
    got = client.get("/inbox")
    assert got.status_code == 200
    assert [e["id"] for e in got.json()["entries"]] == [eid] and got.json()["count_new"] == 1
    assert client.get("/inbox", params={"status": "added"}).json()["entries"] == []
    assert "error" in client.get("/inbox", params={"status": "old"}).json()


def test_two_editors_adding_the_same_entry_at_once_draft_it_once(services: Services) -> None:
    from concurrent.futures import ThreadPoolExecutor

    store = open_store(services.settings)
    with PageServer() as pages:
        [eid] = store.add([_entry(pages.url("/utf8.html"))])
        with ThreadPoolExecutor(2) as pool:
            done = list(pool.map(lambda _: _add(services, eid, "本月"), range(2)))
    assert sorted(a.again for a in done) == [False, True]
    assert len({a.draft_id for a in done}) == 1
    assert len(services.reviews.get_issue("本月").items) == 1
    assert len(services.store.list(batch_id="本月")) == 1, "one draft stored, not two"


def test_an_entry_the_firm_already_holds_is_listed_apart_never_as_new(tmp_settings) -> None:
    store = open_store(tmp_settings)
    raw, scored = _entry("https://a.example/held.html", title="工信部关于元宇宙标准化工作组筹建方案的通知", relevance=0.95)
    fresh = _entry("https://b.example/new.html", title="关于开展区块链创新应用试点的通知", relevance=0.6)
    held_id, new_id = store.add([(raw, dataclasses.replace(scored, duplicate_of="issue:本月")), fresh])  # type: ignore[arg-type]
    assert [e["id"] for e in inbox_json(store)["entries"]] == [new_id], "held entries are not offered as new"
    held = inbox_json(store, view="held")["entries"]
    assert [(e["id"], e["duplicate_of"]) for e in held] == [(held_id, "issue:本月")]
    assert [e["id"] for e in inbox_json(store, view="all")["entries"]] == [held_id, new_id]
    with pytest.raises(ValidationError, match="无效"):
        inbox_json(store, view="old")  # type: ignore[arg-type]


def test_the_tab_shows_relevance_date_source_profile_and_reason(tmp_settings) -> None:
    from drafting.ui.inbox_tab import detail_html, rows
    from drafting.ui.navbar import inbox_label as tab_label

    store = open_store(tmp_settings)
    raw, scored = _entry("https://a.example/1.html")
    [eid] = store.add([(raw, dataclasses.replace(scored, duplicate_of="issue:本月"))])  # type: ignore[arg-type]
    store.add([_entry("https://b.example/same.html", source="gd-gov")])  # the same document on a second site
    entry = store.get(eid)
    [row] = rows([entry], {"sh-gov": "上海市人民政府"})
    assert row[:5] == [eid, "0.90", "2023-07-08", raw.title, "上海市人民政府、gd-gov"]  # type: ignore[union-attr]
    assert row[5] == "政策速递 · 类型：地方规划 · 立场：支持" and "地方元宇宙行动方案" in str(row[6])
    assert row[7] == "新（已有）"
    html = detail_html(entry, {})
    assert "https://b.example/same.html" in html and "issue:本月" in html
    assert (tab_label(0), tab_label(3)) == ("收件箱", "收件箱（3）")

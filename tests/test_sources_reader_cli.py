"""Issue #21 through the CLI: `drafting fetch --json` and `drafting draft --raw --json` carry the source card."""

from __future__ import annotations

import json

from page_server import PageServer
from reader_fixtures import GUIDE_TITLE, add_guide_pages
from test_cli_draft import use_services  # noqa: F401  (the fixture: the seeded corpus behind the CLI)
from typer.testing import CliRunner

from drafting import cli


def test_draft_raw_link_json_has_the_document_and_is_dated_by_it(use_services, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("DRAFTING_SOURCES__BLOCK_PRIVATE", "false")
    with PageServer() as pages:
        add_guide_pages(pages)
        fetched = CliRunner().invoke(cli.app, ["fetch", pages.url("/guide.html"), "--json"])
        result = CliRunner().invoke(cli.app, ["draft", pages.url("/guide.html"), "--raw", "--offline",
                                              "--section", "政策速递", "--json"])
    assert fetched.exit_code == 0, fetched.output
    card = json.loads(fetched.stdout)["document"]
    assert card["title"] == GUIDE_TITLE and card["published"] == "2024-06-20"
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    doc = out["document"]
    assert set(doc) == {"title", "issuers", "published", "effective", "number", "figures"}
    assert doc["published"] == "2024-06-20" and out["item"]["date"] == "2024-06-20"
    assert doc["issuers"] and all("黄埔" in i or "广州开发区" in i for i in doc["issuers"])
    assert [f["text"] for f in doc["figures"]] == ["5000万元"]
    assert "浏览次数" not in out["item"]["body"] and out["commentary"]

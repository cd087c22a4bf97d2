"""The page on a Chroma server: `python app.py` with DRAFTING_INDEX__MODE=server against a real `chroma run` on
127.0.0.1, driven in headless Chromium — precedents come from the server, an accept lands in the server's collection,
and nothing is written to an embedded index folder."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import missing_tool
from processes import free_port, stop, wait_until_answers
from test_chroma_server import CHROMA, server_settings

# Same browser, app process and skip rule (pytestmark: chromium and playwright present) as the main e2e tests.
from test_ui_e2e import HUBEI, AppProcess, box, browser, draft, open_page, page, pytestmark, tab, wait_status  # noqa: F401


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A Chroma server on 127.0.0.1:<free port> persisting under tmp (started as tests/test_chroma_server.py does)."""
    if CHROMA is None:
        missing_tool("the chroma CLI is neither in this venv nor on PATH (pip install chromadb)")
    tmp = tmp_path_factory.mktemp("chroma_server")
    port = free_port()
    with (tmp / "chroma.log").open("wb") as log:
        proc = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp / "db"), "--host", "127.0.0.1", "--port", str(port)],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_answers(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, timeout=60, log=tmp / "chroma.log")
            yield port
        finally:
            stop(proc)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, chroma_port: int) -> Iterator[AppProcess]:
    # seeded=False: the seed template is an embedded index; here the app indexes the seed into the server itself
    proc = AppProcess(tmp_path_factory.mktemp("app_chroma_server"), {
        "DRAFTING_INDEX__MODE": "server", "DRAFTING_INDEX__HOST": "127.0.0.1", "DRAFTING_INDEX__PORT": str(chroma_port),
    }, seeded=False)
    proc.start(timeout=300)
    yield proc
    proc.stop()


def test_draft_search_and_accept_on_a_chroma_server(page, app: AppProcess, chroma_port: int, tmp_path: Path,  # noqa: F811
                                                    output_dir: Path) -> None:
    from playwright.sync_api import expect

    from drafting.services import build_services

    server = build_services(server_settings(tmp_path, chroma_port))  # a second client of the same server
    before = server.index.count()
    assert before >= 17, "the app indexed the seed into the server at start"
    assert not (app.data / "chroma").exists(), "server mode wrote an embedded index"

    open_page(page, app.url)
    draft(page, HUBEI)
    expect(page.locator("#dz-precedents details.dz-prec").first).to_be_visible(timeout=60_000)
    title = box(page, "dz-title").input_value()
    page.locator("#dz-accept-btn").click()
    wait_status(page, "已采纳草稿")
    page.screenshot(path=str(output_dir / "ui_chroma_server_01_accepted.png"), full_page=True)

    accepted = [json.loads(p.read_text(encoding="utf-8")) for p in (app.corpus / "accepted").glob("*.json")]
    assert [a["title"] for a in accepted] == [title]
    again = build_services(server_settings(tmp_path / "again", chroma_port))
    assert again.index.count() == before + 1, "the accept reached the server's collection"
    assert title in {i.title for i in again.index.items()}

    # The corpus tab searches what the server holds: the accepted item is there, marked 采纳.
    tab(page, "语料库")
    box(page, "dz-corpus-query").fill("湖北 产业园")
    page.locator("#dz-corpus-search").click()
    table = page.locator("#dz-corpus-table")
    expect(table).to_contain_text(title[:12], timeout=60_000)
    expect(table).to_contain_text("采纳")

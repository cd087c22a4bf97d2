"""Sources from links: saved pages served locally (UTF-8, GBK, attachment, redirect, 404, slow, huge, non-HTML)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from page_server import GBK_BODY, UTF8_BODY, PageServer
from typer.testing import CliRunner

from drafting import cli
from drafting.errors import SourceError
from drafting.settings import SourcesSettings
from drafting.sources.fetch import fetch


@pytest.fixture(scope="module")
def pages():
    with PageServer(slow_seconds=3.0) as server:
        yield server


def settings(**kw: object) -> SourcesSettings:
    return SourcesSettings(**{"timeout": 1.0, "max_bytes": 2_000_000, **kw})  # type: ignore[arg-type]


def _compact(text: str) -> str:
    return "".join(text.split())


def test_utf8_page_title_date_issuer_body_attachment(pages: PageServer) -> None:
    src = fetch(pages.url("/utf8.html"), settings())
    assert src.title == "上海市人民政府办公厅关于印发《上海市促进元宇宙产业发展行动方案（2023—2025年）》的通知"
    assert src.date == "2023-07-08"
    assert src.issuer == "上海市人民政府办公厅"
    assert src.charset == "utf-8"
    assert "全市元宇宙产业规模达到3500亿元" in src.text and "100个以上标杆性应用场景" in src.text
    assert "网站标识码" not in src.text and "首页" not in src.text, "navigation and footer are not the body"
    assert [(a.name, a.type) for a in src.attachments] == [("上海市促进元宇宙产业发展行动方案.pdf", "pdf")]
    assert src.attachments[0].url == pages.url("/files/%E8%A1%8C%E5%8A%A8%E6%96%B9%E6%A1%88.pdf")
    assert src.raw_text().endswith(f"来源：{pages.url('/utf8.html')}"), "the link becomes the source footnote"


@pytest.mark.parametrize("path", ["/gbk.html", "/gbk-meta.html"])
def test_gbk_page_decoded_from_header_or_meta(pages: PageServer, path: str) -> None:
    src = fetch(pages.url(path), settings())
    assert src.charset == "gb18030"
    assert "\ufffd" not in src.text
    assert "全省元宇宙核心产业规模超过300亿元" in src.text
    assert _compact(GBK_BODY[:40]) in _compact(src.text)
    assert src.title and src.title.startswith("河南省人民政府办公厅关于印发")
    assert src.date == "2023-09-18" and src.issuer == "河南省人民政府办公厅"


def test_pdf_attachment_is_source_text_without_page_numbers(pages: PageServer) -> None:
    page = fetch(pages.url("/utf8.html"), settings())
    src = fetch(page.attachments[0].url, settings())
    assert src.content_type == "application/pdf" and src.charset is None
    assert "全市元宇宙产业规模达到3500亿元" in _compact(src.text)
    assert "-1-" not in _compact(src.text), "page number removed"
    assert src.title == "上海市促进元宇宙产业发展行动方案（2023—2025年）"  # its heading, never the file name (#21)


def test_redirect_followed_and_source_is_the_link_given(pages: PageServer) -> None:
    src = fetch(pages.url("/old"), settings())
    assert src.url == pages.url("/old") and src.final_url == pages.url("/utf8.html")
    assert "3500亿元" in src.text


@pytest.mark.parametrize(
    ("path", "kw", "words"),
    [
        ("/missing.html", {}, ("404", "粘贴")),
        ("/loop", {"max_redirects": 3}, ("跳转", "3")),
        ("/slow.html", {}, ("超时", "1 秒")),
        ("/huge.html", {}, ("2 MB", "上限")),
        ("/huge-stream.html", {}, ("2 MB", "上限")),
        ("/archive.zip", {}, ("application/zip", "不是网页")),
        ("/empty.html", {}, ("未能从网页中提取正文",)),
    ],
)
def test_bad_links_get_a_clear_chinese_message(pages: PageServer, path: str, kw: dict, words: tuple[str, ...]) -> None:
    with pytest.raises(SourceError) as err:
        fetch(pages.url(path), settings(**kw))
    for word in words:
        assert word in str(err.value)


def test_unreachable_host_and_not_a_link() -> None:
    from processes import free_port

    with pytest.raises(SourceError, match="无法连接到 127.0.0.1"):
        fetch(f"http://127.0.0.1:{free_port()}/x.html", settings())
    with pytest.raises(SourceError, match="不是网址"):
        fetch("ftp://example.org/a.pdf", settings())


def test_private_addresses_refused_when_set(pages: PageServer) -> None:
    with pytest.raises(SourceError, match="BLOCK_PRIVATE"):
        fetch(pages.url("/utf8.html"), settings(block_private=True))
    with pytest.raises(SourceError, match="BLOCK_PRIVATE"):
        fetch(f"http://localhost:{pages.port}/utf8.html", settings(block_private=True))


def test_cache_fetches_each_link_once_and_serves_offline(tmp_path: Path) -> None:
    cache = tmp_path / "sources"
    with PageServer() as server:
        url = server.url("/gbk.html")
        first = fetch(url, settings(), cache_dir=cache)
        again = [fetch(url, settings(), cache_dir=cache) for _ in range(3)]
        assert server.hits["/gbk.html"] == 1
        assert all(a.cached and a.text == first.text for a in again) and not first.cached
        fresh = fetch(url, settings(), cache_dir=cache, refresh=True)
        assert server.hits["/gbk.html"] == 2 and not fresh.cached
    # The server is gone: re-drafting from the link still works, even with fetching switched off.
    offline = fetch(url, settings(fetch_enabled=False), cache_dir=cache)
    assert offline.cached and offline.text == first.text


def test_fetching_switched_off(pages: PageServer, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="FETCH_ENABLED"):
        fetch(pages.url("/utf8.html"), settings(fetch_enabled=False), cache_dir=tmp_path)
    assert pages.hits["/nothing"] == 0


def test_cli_fetch_json_shape(pages: PageServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli.app, ["fetch", pages.url("/utf8.html"), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) >= {"url", "title", "date", "issuer", "text", "charset", "attachments"}
    assert out["url"] == pages.url("/utf8.html") and out["date"] == "2023-07-08"
    assert UTF8_BODY[-20:-1] in out["text"]
    assert out["attachments"][0]["type"] == "pdf" and set(out["attachments"][0]) == {"url", "name", "type"}
    assert list((tmp_path / "sources" / "url").glob("*.json")), "cached under the data folder"


def test_cli_fetch_error_is_one_chinese_line(pages: PageServer, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "DRAFTING_DATA_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "drafting", "fetch", pages.url("/missing.html"), "--json"],
                          check=False, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("错误：网页不存在（HTTP 404）") and "Traceback" not in proc.stderr

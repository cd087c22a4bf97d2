"""Hostile pages (issue #23 findings 14, 15 — the fetch side): bad charsets, dates the page contradicts, empty pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_hostile_fetch import Server, _send

from drafting.errors import SourceError
from drafting.settings import SourcesSettings
from drafting.sources.fetch import decode_page, fetch

BODY = ("某市人民政府办公厅印发《某市促进元宇宙产业发展办法》，提出到2025年产业规模达到1000亿元，培育龙头企业10家，"
        "打造应用场景50个。办法共五章二十条，明确了关键技术攻关、产业生态培育和应用场景建设等重点任务，自发布之日起施行。")


def settings() -> SourcesSettings:
    return SourcesSettings(timeout=2.0, cache=False)


def _article(date_text: str) -> bytes:
    """A page with no date metadata whose footer says © 2023 (trafilatura then guesses 2023-01-01)."""
    return (f'<html><head><title>关于印发某办法的通知</title></head><body><div class="content"><h1>关于印发某办法的通知</h1>'
            f"<p>{date_text}，{BODY}</p><p>各区、各部门要结合实际认真贯彻执行。</p></div>"
            "<div>© 2023 某市人民政府 版权所有</div></body></html>").encode()


@pytest.fixture(scope="module")
def site() -> Iterator[Server]:
    html = "text/html; charset=utf-8"
    routes = {
        **{f"/cs-{cs}": _send(_article("2023年10月8日"), {"Content-Type": f"text/html; charset={cs}"})
           for cs in ("base64", "hex", "rot13", "zlib", "no-such-codec")},
        "/meta-base64": _send(b'<html><head><meta charset="base64"></head>' + _article("2023年10月8日")[6:],
                              {"Content-Type": "text/html"}),
        "/dated": _send(_article("2023年10月8日"), {"Content-Type": html}),
        "/impossible": _send(_article("2023年13月45日"), {"Content-Type": html}),
        "/script-and-file": _send(b'<html><head><title>x</title></head><body><script>load()</script>'
                                  b'<a href="/files/a.pdf">a.pdf</a></body></html>', {"Content-Type": html}),
    }
    with Server(routes) as server:
        yield server


@pytest.mark.parametrize("charset", ["base64", "hex", "rot13", "zlib", "no-such-codec"])
def test_page_declaring_a_non_text_charset_is_read(site: Server, charset: str) -> None:
    src = fetch(site.url(f"/cs-{charset}"), settings())
    assert "1000亿元" in src.text and src.charset == "utf-8"


def test_meta_tag_with_a_non_text_charset_is_read(site: Server) -> None:
    assert "1000亿元" in fetch(site.url("/meta-base64"), settings()).text
    text, charset = decode_page("<p>中文</p>".encode(), "base64")
    assert text == "<p>中文</p>" and charset == "utf-8"


def test_date_in_the_text_wins_over_a_copyright_year(site: Server) -> None:
    """The page says 2023年10月8日; the only metadata is '© 2023', which trafilatura reads as 2023-01-01."""
    src = fetch(site.url("/dated"), settings())
    assert src.date == "2023-10-08"
    # The date reaches the draft through the source card, not as a "2023-10-08，" line in the paste box (#21).
    assert src.document is not None and src.document.published == "2023-10-08"


def test_impossible_date_is_a_listed_problem_not_a_silent_guess(site: Server) -> None:
    src = fetch(site.url("/impossible"), settings())
    assert src.date is None, "not 2023-01-01 from the copyright line"
    assert any("2023年13月45日" in note and "不是有效日期" in note for note in src.notes), src.notes


def test_page_with_only_a_script_and_an_attachment_points_to_the_attachment(site: Server) -> None:
    with pytest.raises(SourceError) as err:
        fetch(site.url("/script-and-file"), settings())
    assert "未能从网页中提取正文" in str(err.value) and "附件" in str(err.value)


@pytest.mark.parametrize("link", ["http://[bad/", "http://a:99999/", "http://exa\u202emple.com/"])
def test_malformed_links_are_a_chinese_message(link: str) -> None:
    with pytest.raises(SourceError, match="格式有误"):
        fetch(link, settings())


def test_redirect_to_a_malformed_link_is_a_chinese_message(site: Server) -> None:
    site.routes["/bad-redirect"] = _send(b"", {"Location": "http://[oops/"}, status=302)
    with pytest.raises(SourceError, match="格式有误"):
        fetch(site.url("/bad-redirect"), settings())

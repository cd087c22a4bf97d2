"""The watch FIXTURE itself (tests/watchsites.py): six sites, ≥ 100 labelled entries, and the changes between steps."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from lxml import etree, html
from watchsites import LAST_STEP, LIST_PATH, WatchSites, load_fixture


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def sites():
    with WatchSites(slow_seconds=1.5) as served:
        yield served


def test_labelled_set_is_large_enough_and_labelled_whole():
    meta, entries, labels = load_fixture()
    assert len(meta) >= 6 and {m["kind"] for m in meta.values()} == {"list", "rss", "atom"}
    assert len(entries) >= 100
    assert set(labels) == {e.id for e in entries}
    relevant = sum(label.relevant for label in labels.values())
    assert 30 <= relevant <= len(entries) - 30  # both classes well represented
    assert any(len(e.sites) > 1 for e in entries if e.step == 0) and any(len(e.sites) > 1 for e in entries if e.step == 1)
    assert sum(1 for label in labels.values() if label.in_corpus) >= 2


def test_lists_link_every_entry_to_its_own_page(sites):
    sites.step(0)
    for site in ("miit", "huangpu", "news"):
        status, _, body = get(sites.list_url(site))
        assert status == 200
        hrefs = html.fromstring(body).xpath("//a[contains(@href, '/') and not(@href='/') and not(@href='#')]/@href")
        assert len(hrefs) == len(sites.listed(site)) > 5
        status, _, page = get(sites.base(site) + hrefs[0])
        assert status == 200 and sites.listed(site)[0].title.encode() in page


def test_province_portal_is_gbk_declared_only_in_the_page(sites):
    sites.step(0)
    status, headers, body = get(sites.list_url("henan"))
    assert status == 200 and "charset" not in headers["Content-Type"]
    assert b'charset="gb2312"' in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "河南省人民政府办公厅关于印发河南省加快区块链产业发展若干措施的通知" in body.decode("gbk")


def test_feeds_parse_and_carry_summaries(sites):
    sites.step(0)
    rss = etree.fromstring(get(sites.list_url("govcn"))[2])
    assert len(rss.findall("./channel/item")) == len(sites.listed("govcn"))
    atom = etree.fromstring(get(sites.list_url("sfc"))[2])
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = atom.xpath("//a:entry/a:title/text()", namespaces=ns)
    assert "證監會批准第十二家虛擬資產交易平台的牌照申請" in titles


def test_steps_add_edit_break_and_recover(sites):
    sites.step(0)
    before = {e.id for e in sites.listed("miit")}
    m09 = get(sites.entry_url("m09"))[2].decode()
    h13 = sites.entry_url("h13")
    assert get(h13)[0] == 200
    sites.step(1)
    try:
        assert {e.id for e in sites.listed("miit")} > before
        edited = get(sites.entry_url("m09"))[2].decode()
        assert edited != m09 and "延长至2026年12月31日" in edited
        assert get(h13)[0] == 404
        assert get(sites.list_url("huangpu"))[0] == 404
        status, _, body = get(sites.list_url("govcn"))
        assert status == 200
        with pytest.raises(etree.XMLSyntaxError):
            etree.fromstring(body)
        with pytest.raises(TimeoutError):
            get(sites.list_url("news"), timeout=0.5)
        assert len(sites.entry_urls("x02")) == 2
    finally:
        sites.step(LAST_STEP)
    assert get(sites.list_url("huangpu"))[0] == 200
    etree.fromstring(get(sites.list_url("govcn"))[2])
    assert len(sites.raw_entries()) == sum(len(e.sites) for e in sites.entries)


def test_conditional_requests_and_manual_faults(sites):
    sites.step(0)
    url = sites.list_url("miit")
    status, headers, _ = get(url)
    assert status == 200 and headers["ETag"] and headers["Last-Modified"]
    assert get(url, {"If-None-Match": headers["ETag"]})[0] == 304
    assert get(url, {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    sites.step(1)  # a new entry: the validators change
    assert get(url, {"If-None-Match": headers["ETag"]})[0] == 200
    sites.fault("miit", "500")
    assert get(url)[0] == 500
    sites.fault("miit", None)
    assert get(url)[0] == 200
    assert sites.hits[("miit", LIST_PATH["miit"])] >= 5
    sites.step(0)


def test_sources_describe_the_sites(sites):
    kinds = {s.id: s.kind for s in sites.sources()}
    assert kinds == {"miit": "list", "henan": "list", "huangpu": "list", "govcn": "feed", "sfc": "feed", "news": "list"}
    assert all(s.selector for s in sites.sources() if s.kind == "list")

"""Publishing where the firm publishes: a PDF with a paged 目录, and HTML for the WeChat 公众号 editor."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from conftest import missing_tool
from docx import Document
from test_export import _seed_issue
from test_word_review import oct_issue
from typer.testing import CliRunner

from drafting.cli import app
from drafting.export.docx import TOC_PREFIX, export_docx
from drafting.export.pdf import export_publishable, heading_pages
from drafting.export.wechat import render_wechat

pytestmark = pytest.mark.slow


def _need(*tools: str) -> None:
    for tool in tools:
        if not shutil.which(tool):
            missing_tool(f"{tool} not installed (apt: libreoffice-writer-nogui poppler-utils chromium)")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    _need("soffice", "pdftoppm")
    out = tmp_path_factory.mktemp("publish")
    assembled = _seed_issue()
    written = export_publishable(assembled, docx=out / "issue.docx", pdf=out / "issue.pdf", wechat=out / "issue.html",
                                 md=out / "issue.md")
    return assembled, out, written


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _pages(pdf: Path) -> list[str]:
    """Each page's text as poppler lays it out (dot leaders and numbers kept on their line)."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [_fold(p) for p in out.split("\f")]


def _toc_numbers(page_text: str, titles: list[str]) -> dict[str, int]:
    """The number at the end of each 目录 line, matched to the title it starts with (titles may wrap)."""
    flat = re.sub(r"[ \t]+", "", page_text)
    found = {}
    for t in titles:
        probe = re.sub(r"\s+", "", _fold(t))[:12]
        m = (re.search(re.escape(probe) + r"[^\n]*?\.{3,}(\d{1,3})$", flat, re.MULTILINE)  # on its line
             or re.search(re.escape(probe) + r"[^\n.]*\n[^\n.]*\.{3,}(\d{1,3})$", flat, re.MULTILINE))  # wrapped
        if m:
            found[t] = int(m.group(1))
    return found


def test_pdf_has_cover_paged_toc_headings_commentary_and_footnotes(published, output_dir: Path) -> None:
    assembled, _out, written = published
    pdf = Path(written["pdf"])
    texts = _pages(pdf)
    cover = re.sub(r"\s+", "", texts[0])
    assert _fold(assembled.title).replace(" ", "") in cover and "2023年第10期" in cover and "北京植德律师事务所" in cover
    toc_page = next(t for t in texts if "目录" in t)
    titles = [s.name for s in assembled.sections] + [a.item.title for s in assembled.sections for a in s.items]
    numbers = _toc_numbers(toc_page, titles)
    assert len(numbers) >= len(titles) - 2, f"目录 lines without a page number: {set(titles) - set(numbers)}"
    # Each number is the page the heading is really printed on.
    for title, page in numbers.items():
        probe = re.sub(r"\s+", "", _fold(title))[:12]
        assert probe in re.sub(r"\s+", "", texts[page - 1]), f"{title}: 目录 says p.{page}"
    body = "\n".join(texts)
    assert body.count("植德短评") >= 6 and "政策速递" in body and "交易资讯" in body and "特别声明" in body
    assert "https://www.jinse.cn/lives/365269.html" in body
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "3", str(pdf), str(output_dir / "publish_pdf")],
                   check=True, timeout=120)
    assert len(list(output_dir.glob("publish_pdf-*.png"))) == 3


def test_word_file_made_beside_the_pdf_carries_the_same_page_numbers(published) -> None:
    assembled, _out, written = published
    doc = Document(written["docx"])
    toc = [p.text for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2")]
    assert toc and all(re.search(r"\t\d+$", line) for line in toc), toc[:3]
    with_pages = {line.split("\t")[0]: int(line.split("\t")[1]) for line in toc}
    pdf_pages = heading_pages(Path(written["pdf"]), assembled)
    assert with_pages[assembled.sections[0].name] == pdf_pages[f"{TOC_PREFIX}s0"]


def test_word_alone_has_page_fields_word_fills_on_open(tmp_path: Path) -> None:
    path = export_docx(_seed_issue(), tmp_path / "plain.docx")
    xml = Document(str(path)).element.xml
    refs = re.findall(r"PAGEREF (\S+) \\h", xml)
    marks = set(re.findall(r'w:bookmarkStart [^>]*w:name="([^"]+)"', xml))
    assert refs and set(refs) <= marks, "every 目录 page number points at a heading"
    settings = Document(str(path)).settings.element.xml
    assert "updateFields" in settings


def test_wechat_html_is_inline_only_with_numbered_notes(published) -> None:
    assembled, _out, written = published
    html = Path(written["wechat"]).read_text(encoding="utf-8")
    body = html[html.index("<body"):]
    assert not re.search(r"<(style|script|link|img|iframe)\b", html, re.IGNORECASE)
    assert "class=" not in body and not re.search(r"https?://[^\s\"<]+\.(css|js|png|jpg)", html)
    tags = set(re.findall(r"<([a-z0-9]+)[\s>]", body))
    assert tags <= {"body", "section", "p", "span", "strong"}, tags
    assert all('style="' in t for t in re.findall(r"<(?:section|p|span)\b[^>]*>", body))
    notes = re.findall(r"\[(\d+)\] (https?://\S+?)</p>", body)
    assert [int(n) for n, _ in notes] == list(range(1, len(assembled.footnotes()) + 1))
    assert body.count("植德短评") == sum(1 for s in assembled.sections for a in s.items if a.commentary_paragraphs)
    assert "#1f4e3d" in body.lower()


def test_wechat_html_escapes_what_the_items_say() -> None:
    assembled = _seed_issue()
    first = assembled.sections[0].items[0]
    assembled.sections[0].items[0] = first.model_copy(
        update={"item": first.item.model_copy(update={"title": "<script>alert(1)</script>《办法》"})})
    html = render_wechat(assembled)
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.browser
def test_wechat_html_renders_in_chromium(published, output_dir: Path) -> None:
    """What the editor pastes: a screenshot of the page as Chromium shows it, with no request leaving the file."""
    _need("chromium")
    _assembled, out, written = published
    shot = output_dir / "publish_wechat.png"
    profile = out / "chrome-profile"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                    "--window-size=420,2400", f"--screenshot={shot}", Path(written["wechat"]).as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one


def test_cli_export_writes_word_pdf_and_wechat_for_an_issue_in_progress(tmp_path: Path) -> None:
    """`drafting export ISSUE -o x.docx --pdf x.pdf --wechat x.html`, on the tracked review copy too."""
    _need("soffice")
    services = oct_issue(tmp_path)  # the offline batch "oct" with the editor's edits
    env = {"DRAFTING_CORPUS_DIR": str(services.settings.corpus_dir), "DRAFTING_DATA_DIR": str(services.settings.data_dir)}
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(app, ["export", "oct", "-o", str(out / "oct.docx"), "--pdf", str(out / "oct.pdf"),
                                      "--wechat", str(out / "oct.html"), "--tracked", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert (out / "oct.pdf").read_bytes().startswith(b"%PDF")
    assert "<style" not in (out / "oct.html").read_text(encoding="utf-8")
    doc = Document(str(out / "oct.docx"))
    toc = [p.text for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2")]
    assert toc and all(re.search(r"\t\d+$", line) for line in toc)
    xml = doc.element.xml
    assert "<w:ins " in xml and "dz_draft_" in xml, "the review copy keeps its tracked changes and item marks"
    pdf_text = "".join(_pages(out / "oct.pdf"))
    assert "植德短评" in pdf_text and "企业可关注申报窗口" in pdf_text  # the editor's text, changes accepted

"""Parsing issues: the damaged seed text, Markdown, DOCX (real footnotes), PDF, JSON/JSONL, and errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import missing_tool

from drafting.corpus import parse_file, parse_text
from drafting.errors import ParseError
from drafting.models import Issue, Item

ROOT = Path(__file__).resolve().parent.parent
# The installed entry point beside this interpreter (any venv), else the package run as a module.
_SCRIPT = Path(sys.executable).with_name("drafting")
DRAFTING = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "drafting"]


@pytest.fixture(scope="module")
def seed(seed_path: Path) -> Issue:
    return parse_file(seed_path)


def by_title(issue: Issue, fragment: str) -> Item:
    hits = [i for i in issue.items if fragment in i.title]
    assert len(hits) == 1, f"{fragment!r}: {[i.title for i in issue.items]}"
    return hits[0]


# --- the seed issue ----------------------------------------------------------------------------


def test_seed_has_17_items_in_three_sections(seed: Issue, seed_path: Path) -> None:
    assert len(seed.items) == 17
    sections = [i.section for i in seed.items]
    assert sections.count("政策速递") == 6
    assert sections.count("行业新闻") == 8
    assert sections.count("交易资讯") == 3
    assert sections == sorted(sections, key=["政策速递", "行业新闻", "交易资讯"].index)
    assert seed.id == seed_path.stem
    assert all(i.issue == seed_path.stem for i in seed.items)


# (title fragment, first chars, last chars) of each policy item's 植德短评, read off the seed
COMMENTARIES = [
    ("工信部", "中国工信部提前布局标准化", "展现中国在元宇宙领域的技术和创新实力。"),
    ("四川", "《行动计划》体现了四川", "显示了高效的战略部署能力。"),
    ("山东", "《指导意见》结合山东的产业优势", "展现了其在数字经济时代的战略远见。"),
    ("重庆", "该行动计划充分体现了重庆市", "也为元宇宙在中国的发展趋势设定了积极的示范作用。"),
    ("黄浦", "该扶持办法首先通过资金扶持", "该扶持办法为黄浦区的科技创新发展提供了有力的政策支撑。"),
    ("区块链", "该行动方案旨在打造一个完善", "体现了上海市对新一代区块链技术及其产业应用的高度重视。"),
]


@pytest.mark.parametrize(("fragment", "head", "tail"), COMMENTARIES)
def test_policy_commentary_is_complete(seed: Issue, fragment: str, head: str, tail: str) -> None:
    item = by_title(seed, fragment)
    assert item.section == "政策速递"
    assert item.commentary is not None
    assert item.commentary.startswith(head)
    assert item.commentary.endswith(tail)
    assert 130 <= len(item.commentary) <= 260


def test_only_policy_items_have_commentary(seed: Issue) -> None:
    assert [bool(i.commentary) for i in seed.items] == [i.section == "政策速递" for i in seed.items]


def test_no_footnote_debris_in_text(seed: Issue) -> None:
    for item in seed.items:
        for text in (item.title, item.body, item.commentary or ""):
            assert "http" not in text, item.title
            assert "植德短评" not in text, item.title
            assert not re.search(r"[⁰¹²³⁴⁵⁶⁷⁸⁹$^]", text), item.title
            # no marker glued after a sentence end (有效性。1), no stray page number / rule lines
            assert not re.search(r"[。”\"]\s?\d{1,2}(\n|$)", text), (item.title, text[-20:])
            assert not re.search(r"(^|\n)\s*([_\-q]|\d{1,2})\s*(\n|$)", text), item.title
        assert "特别声明" not in item.body and "参与成员" not in item.body


def test_bodies_and_commentary_join_across_page_breaks(seed: Issue) -> None:
    assert "300 家创新型中小企业, 打造具有全球影响力" in by_title(seed, "四川").body
    assert "给予企业一次性科研启动扶持100万元。" in by_title(seed, "黄浦").body
    assert "明确且实践性的指导方针, 体现了" in (by_title(seed, "区块链").commentary or "")
    assert '"灵境数字人平台"' in by_title(seed, "可信元宇宙评估").body
    assert "行业沙龙等重点活动" in by_title(seed, "虹口").body
    assert "投融资报告》),2023年上半年" in by_title(seed, "194%").body
    # the 四川 item continues after its 2nd paragraph with a third one, before the 短评
    assert by_title(seed, "四川").body.endswith("元宇宙相关产业规模达到 1500 亿元。")


def test_titles_are_normalised_from_the_body(seed: Issue) -> None:
    titles = [i.title for i in seed.items]
    assert "WMC2023 第二届世界元宇宙大会算力网络与芯片产业链创新发展论坛圆满举行" in titles
    assert "中国移动与联想集团将在 5G+AI 方面展开深度合作" in titles  # the ToC has 5G+Al
    assert "上半年国内元宇宙投融资事件同比增长 194%" in titles  # no page number glued on
    assert "上海市科委印发《上海区块链关键技术攻关专项行动方案(2023-2025年)》" in titles
    assert "成都发布超60个元宇宙案例,释放超1.8亿投资机遇" in titles
    assert not any(t in ("特别声明", "参与成员", "目 录", "政策速递") for t in titles)


@pytest.mark.parametrize(
    ("fragment", "date"),
    [("工信部", "2023-09-18"), ("四川", "2023-09-18"), ("山东", "2023-09-19"), ("黄浦", "2023-09-26"),
     ("Meelier", "2023-10-01"), ("5G+AI", "2023-10-12"), ("零数科技", "2023-09-14"), ("当红齐天", None)],
)
def test_dates(seed: Issue, fragment: str, date: str | None) -> None:
    assert by_title(seed, fragment).date == date


@pytest.mark.parametrize(
    ("fragment", "host"),
    [
        ("工信部", "www.miit.gov.cn"),
        ("四川", "jhj.sc.gov.cn"),
        ("山东", "gxt.shandong.gov.cn"),
        ("区块链", "stcsm.sh.gov.cn"),
        ("可信虚拟人", "www.bjcia.org.cn"),
        ("WMC2023", "cn.chinadaily.com.cn"),
        ("可信元宇宙评估", "www.jjckb.cn"),
        ("虹口", "www.shhk.gov.cn"),  # footnote 12 in the LaTeX-ish glitch
        ("5G+AI", "www.toutiao.com"),
        ("零数科技", "www.sohu.com"),
        ("194%", "www.zqrb.cn"),  # marker lost: footnote 15 by order
        ("当红齐天", "www.jinse.cn"),  # footnote number lost: 16 by position
    ],
)
def test_sources_by_footnote(seed: Issue, fragment: str, host: str) -> None:
    sources = by_title(seed, fragment).sources
    assert len(sources) == 1
    assert sources[0].split("/")[2] == host


def test_item_without_footnote_has_no_source(seed: Issue) -> None:
    assert by_title(seed, "成都发布").sources == []


def test_footnote_repairs(seed: Issue) -> None:
    # "art 115c…" in the extraction is art_115c… in the real URL
    assert by_title(seed, "工信部").sources[0].endswith("/art/2023/art_115c3d913ff44ca2976df4894374f348.html")
    assert by_title(seed, "黄浦").sources[0].endswith("724bba4c261a4bbca4ef17fb014acce1.html")
    # the footnote after "_" lost its number: position makes it 4, the 重庆 item's
    assert "a6a5403e111641a590212cf649ff23b7" in by_title(seed, "重庆").sources[0]
    assert any("推断为 4" in p for p in seed.problems)
    assert any("按顺序对应脚注 15" in p for p in seed.problems)


def test_reparse_is_idempotent(seed: Issue, seed_path: Path) -> None:
    again = parse_file(seed_path)
    assert [i.id for i in again.items] == [i.id for i in seed.items]
    assert len({i.id for i in seed.items}) == 17
    assert again.model_dump() == seed.model_dump()


def test_issue_without_toc_uses_title_heuristics(seed: Issue, seed_path: Path) -> None:
    lines = seed_path.read_text(encoding="utf-8").split("\n")
    start = next(n for n, line in enumerate(lines) if line.replace(" ", "") == "目录")
    end = next(n for n, line in enumerate(lines) if line == "政策速递")
    issue = parse_text("\n".join(lines[:start] + lines[end:]), issue_id="no_toc")
    assert [i.title for i in issue.items] == [i.title for i in seed.items]
    assert [i.commentary for i in issue.items] == [i.commentary for i in seed.items]
    assert [i.sources for i in issue.items] == [i.sources for i in seed.items]


def test_parse_text_without_items_raises() -> None:
    with pytest.raises(ParseError):
        parse_text("只是一段没有任何结构的文字。", issue_id="x")


def test_cli_parse_json(seed_path: Path) -> None:
    out = subprocess.run(
        [*DRAFTING, "parse", str(seed_path), "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["issue"] == seed_path.stem
    assert len(data["items"]) == 17
    assert sum(1 for i in data["items"] if i["commentary"]) == 6


def test_cli_parse_error_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "没有这个文件.txt"
    out = subprocess.run(
        [*DRAFTING, "parse", str(missing)], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 1
    assert "没有这个文件.txt" in out.stderr and "不存在" in out.stderr
    assert "Traceback" not in out.stderr


# --- a small issue in other formats ------------------------------------------------------------

SMALL = [
    Item(
        section="政策速递", title="某部委印发元宇宙产业指导意见", date="2024-03-05",
        body="2024年3月5日，某部委印发《元宇宙产业指导意见》，提出到2026年培育一批骨干企业。\n意见明确了三项重点任务。",
        commentary="该指导意见为元宇宙产业发展提供了清晰路径。" * 6,
        sources=["https://example.gov.cn/a/1.html"],
    ),
    Item(
        section="行业新闻", title="某市举办元宇宙大会", date=None,
        body="近日，某市举办元宇宙大会，发布二十个应用场景。",
        sources=["https://example.com/news/2"],
    ),
    Item(
        section="交易资讯", title="某科技公司完成亿元 B 轮融资", date="2024-03-20",
        body="2024年3月20日，某科技公司宣布完成亿元 B 轮融资。",
        sources=[],
    ),
]


def same_items(issue: Issue, expected: list[Item] = SMALL) -> None:
    got = [(i.section, i.title, i.date, i.body, i.commentary, i.sources) for i in issue.items]
    want = [(i.section, i.title, i.date, i.body, i.commentary, i.sources) for i in expected]
    assert got == want
    assert [i.id for i in issue.items] == [i.id for i in expected]


SMALL_MD = """# 元宇宙月刊 2024年第4期

## 政策速递

### 某部委印发元宇宙产业指导意见

2024年3月5日，某部委印发《元宇宙产业指导意见》，
提出到2026年培育一批骨干企业。

意见明确了三项重点任务。[^1]

**植德短评**

{c}

## 行业新闻

### 某市举办元宇宙大会

近日，某市举办元宇宙大会，发布二十个应用场景。[^2]

## 交易资讯

### 某科技公司完成亿元 B 轮融资

2024年3月20日，某科技公司宣布完成亿元 B 轮融资。

## 特别声明

本刊物不代表本所正式法律意见。

[^1]: https://example.gov.cn/a/1.html
[^2]: https://example.com/news/2
"""


def test_markdown(tmp_path: Path) -> None:
    path = tmp_path / "2024-04.md"
    path.write_text(SMALL_MD.format(c=SMALL[0].commentary), encoding="utf-8")
    issue = parse_file(path)
    same_items(issue)
    assert issue.id == "2024-04" and issue.period == "2024年第4期"


def test_markdown_with_colon_label_and_numbered_footnotes(tmp_path: Path) -> None:
    text = SMALL_MD.format(c=SMALL[0].commentary)
    text = text.replace("**植德短评**\n\n", "植德短评：")
    text = text.replace("[^1]: https", "1 https").replace("[^2]: https", "2. https")
    text = text.replace("[^1]", "¹").replace("[^2]", "²")
    path = tmp_path / "numbered.md"
    path.write_text(text, encoding="utf-8")
    same_items(parse_file(path))


def _add_footnotes(document, notes: dict[int, str]) -> None:
    """Give a python-docx document a word/footnotes.xml part holding the URLs (as Word does)."""
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = "".join(
        f'<w:footnote w:id="{n}"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {url}</w:t></w:r></w:p></w:footnote>'
        for n, url in notes.items()
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes {w}>'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
        f"{body}</w:footnotes>"
    ).encode()
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, xml, document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)


def _footnote_ref(paragraph, n: int) -> None:
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraph._p.append(
        parse_xml(f'<w:r {w}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteReference w:id="{n}"/></w:r>')
    )


def test_docx_with_headings_and_word_footnotes(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("元宇宙月刊", style="Title")
    for n, item in enumerate(SMALL, 1):
        document.add_heading(item.section, level=1)
        document.add_heading(item.title, level=2)
        paras = [document.add_paragraph(p) for p in item.body.split("\n")]
        if item.sources:
            _footnote_ref(paras[-1], n)
        if item.commentary:
            document.add_paragraph("植德短评：")
            document.add_paragraph(item.commentary)
    _add_footnotes(document, {1: SMALL[0].sources[0], 2: SMALL[1].sources[0]})
    path = tmp_path / "word.docx"
    document.save(str(path))
    with zipfile.ZipFile(path) as z:
        assert "word/footnotes.xml" in z.namelist()
    issue = parse_file(path)
    same_items(issue)
    assert issue.title == "元宇宙月刊"


def test_docx_without_styles_uses_text_heuristics(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for item in SMALL:
        document.add_paragraph(item.section)
        document.add_paragraph(item.title)
        for p in item.body.split("\n"):
            document.add_paragraph(p)
        if item.commentary:
            document.add_paragraph("植德短评：" + item.commentary)
    path = tmp_path / "plain.docx"
    document.save(str(path))
    issue = parse_file(path)
    assert [i.title for i in issue.items] == [i.title for i in SMALL]
    assert [i.date for i in issue.items] == [i.date for i in SMALL]
    assert issue.items[0].commentary == SMALL[0].commentary


def _cjk_style():
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    try:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    except Exception as exc:  # noqa: BLE001 - reportlab raises plain errors for a font it cannot find
        missing_tool(f"reportlab's CID font STSong-Light (reportlab from the dev extras): {exc}")
    return ParagraphStyle("zh", fontName="STSong-Light", fontSize=11, leading=16, wordWrap="CJK", spaceAfter=8)


def test_pdf_text_layer(tmp_path: Path) -> None:
    import pdfplumber
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    style = _cjk_style()
    long_body = "2024年3月5日，某部委印发《元宇宙产业指导意见》，" + "提出到2026年培育一批骨干企业并建设应用场景，" * 6 + "加快产业发展。"
    flow = [Paragraph("政策速递", style), Paragraph(SMALL[0].title, style), Paragraph(long_body, style)]
    # the 短评 is split by a page break, as in the seed
    c = SMALL[0].commentary or ""
    flow += [Paragraph("植德短评：", style), Paragraph(c[:40], style), PageBreak(), Paragraph(c[40:], style)]
    flow += [Paragraph("交易资讯", style), Paragraph(SMALL[2].title, style), Paragraph(SMALL[2].body, style)]
    path = tmp_path / "issue.pdf"
    SimpleDocTemplate(str(path)).build(flow)
    with pdfplumber.open(str(path)) as pdf:
        layer = pdf.pages[0].extract_text()
    if "政策速递" not in layer:
        missing_tool("a readable CJK text layer from reportlab's STSong-Light (fonts-noto-cjk, reportlab, pdfplumber)")
    issue = parse_file(path)
    assert [i.title for i in issue.items] == [SMALL[0].title, SMALL[2].title]
    assert issue.items[0].body == long_body  # wrapped lines mended into one paragraph
    assert issue.items[0].commentary == c
    assert issue.items[0].date == "2024-03-05"
    assert issue.items[1].section == "交易资讯"


def test_scanned_pdf_needs_ocr(tmp_path: Path) -> None:
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    image = tmp_path / "scan.png"
    Image.new("RGB", (200, 100), "white").save(image)
    path = tmp_path / "扫描件.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawImage(ImageReader(str(image)), 50, 500, 200, 100)
    pdf.save()
    with pytest.raises(ParseError, match="OCR") as err:
        parse_file(path)
    assert "扫描件.pdf" in str(err.value)


def test_json_list_object_and_jsonl(tmp_path: Path) -> None:
    records = [
        {k: v for k, v in i.model_dump().items() if k in ("section", "title", "date", "body", "commentary", "sources")}
        for i in SMALL
    ]
    as_list = tmp_path / "list.json"
    as_list.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    as_obj = tmp_path / "obj.json"
    as_obj.write_text(json.dumps({"items": records}, ensure_ascii=False, indent=2), encoding="utf-8")
    as_lines = tmp_path / "lines.jsonl"
    as_lines.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    for path in (as_list, as_obj, as_lines):
        issue = parse_file(path)
        same_items(issue)
        assert issue.id == path.stem
        assert {i.issue for i in issue.items} == {path.stem}


def test_parsed_issue_json_round_trip(seed: Issue, tmp_path: Path) -> None:
    path = tmp_path / f"{seed.id}.json"
    path.write_text(json.dumps(seed.model_dump(), ensure_ascii=False), encoding="utf-8")
    assert parse_file(path).model_dump() == seed.model_dump()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "gb18030"])
def test_text_encodings(tmp_path: Path, encoding: str) -> None:
    text = "政策速递\n\n某部委印发元宇宙产业指导意见\n\n2024年3月5日，某部委印发《元宇宙产业指导意见》。1\n\n1 https://example.gov.cn/a/1.html\n"
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    issue = parse_file(path)
    assert [i.title for i in issue.items] == ["某部委印发元宇宙产业指导意见"]
    assert issue.items[0].sources == ["https://example.gov.cn/a/1.html"]
    assert issue.items[0].body == "2024年3月5日，某部委印发《元宇宙产业指导意见》。"


# --- errors ------------------------------------------------------------------------------------


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


ERRORS = [
    ("missing.txt", None, "不存在"),
    ("notes.rtf", b"{\\rtf1 hello}", "不支持"),
    ("binary.txt", bytes(range(256)) * 8, "二进制"),
    ("garbled.txt", bytes([0x81, 0x30]) + bytes(range(0x80, 0xFF)) * 40, "乱码"),
    ("empty.md", b"   \n", "空"),
    ("broken.docx", b"PK\x03\x04 this is not really a zip", "DOCX"),
    ("fake.docx", b"just text", "DOCX"),
    ("broken.pdf", b"%PDF-1.4\n garbage without objects", "PDF"),
    ("fake.pdf", b"hello", "PDF"),
    ("syntax.json", b'[{"section": "\xe6\x94\xbf\xe7\xad\x96\xe9\x80\x9f\xe9\x80\x92",\n "title": }]', "第 2 行"),
    ("missing_field.json", json.dumps([{"section": "政策速递", "title": "t"}]).encode(), "body"),
    ("bad_section.jsonl", json.dumps({"section": "其他", "title": "t", "body": "b"}).encode(), "section"),
    ("bad_line.jsonl", b'{"section": "x"}\n{oops\n', "第 2 行"),
    ("nothing.txt", "这是一段普通的文字，没有栏目，也没有条目。".encode(), "没有识别出任何条目"),
]


@pytest.mark.parametrize(("name", "data", "words"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_name_the_file(tmp_path: Path, name: str, data: bytes | None, words: str) -> None:
    path = tmp_path / name if data is None else _write(tmp_path / name, data)
    with pytest.raises(ParseError) as err:
        parse_file(path)
    message = str(err.value)
    assert name in message
    assert words in message
    assert re.search(r"[\u4e00-\u9fff]", message)


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="文件夹"):
        parse_file(tmp_path)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


def test_exported_docx_and_markdown_parse_back(seed: Issue, tmp_path: Path) -> None:
    """The issue exporter's Word (real footnotes) and Markdown files read back as the same items."""
    from drafting.export.assemble import assemble, load_closing
    from drafting.export.docx import export_docx
    from drafting.export.markdown import export_markdown

    assembled = assemble(seed.items, closing=load_closing(ROOT / "prompts"))
    for path in (export_docx(assembled, tmp_path / "issue.docx"), export_markdown(assembled, tmp_path / "issue.md")):
        back = parse_file(path)
        same_items(back, seed.items)
        assert back.problems == [], path.name
        assert back.period == assembled.period


def test_running_page_headers_are_dropped() -> None:
    page = "植德元宇宙月刊 2024年第4期"
    text = "\n\n".join(
        [
            "政策速递",
            "某部委印发元宇宙产业指导意见",
            "2024年3月5日，某部委印发《元宇宙产业指导意见》，提出到2026年培育一批骨干企业，并在",
            page + "\n\n\n",
            page,
            "多个领域打造应用场景。",
            page + "\n\n\n",
            page,
            "行业新闻",
            "某市举办元宇宙大会",
            "近日，某市举办元宇宙大会。",
            page + "\n\n\n",
        ]
    )
    issue = parse_text(text, issue_id="heads")
    assert [i.title for i in issue.items] == ["某部委印发元宇宙产业指导意见", "某市举办元宇宙大会"]
    assert issue.items[0].body.endswith("骨干企业，并在多个领域打造应用场景。")
    assert page not in issue.items[1].body


def test_json_dates_in_chinese_and_vague(tmp_path: Path) -> None:
    path = tmp_path / "dates.json"
    path.write_text(
        json.dumps(
            [
                {"section": "政策速递", "title": "a", "body": "b", "date": "2023年9月18日"},
                {"section": "行业新闻", "title": "c", "body": "d", "date": "近日"},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    assert [i.date for i in parse_file(path).items] == ["2023-09-18", None]


def test_utf8_with_one_damaged_byte_is_still_utf8(tmp_path: Path, seed_path: Path) -> None:
    data = seed_path.read_bytes()
    cut = data.index("行业新闻".encode()) - 1
    path = tmp_path / "damaged.txt"
    path.write_bytes(data[:cut] + b"\xff" + data[cut:])
    assert len(parse_file(path).items) == 17


def test_title_wrapped_onto_two_lines_is_rejoined(seed_path: Path) -> None:
    text = seed_path.read_text(encoding="utf-8").replace(
        "\n\n上海市黄浦区印发鼓励元宇宙等科技企业集聚发展的扶持办法\n\n",
        "\n\n上海市黄浦区印发鼓励元宇宙等科技\n\n企业集聚发展的扶持办法\n\n",
    )
    issue = parse_text(text, issue_id="wrapped")
    assert len(issue.items) == 17
    assert issue.items[4].title == "上海市黄浦区印发鼓励元宇宙等科技企业集聚发展的扶持办法"
    assert issue.items[4].body.startswith("2023年9月26日")

"""Issue assembly and export: house layout, real Word footnotes, Chinese fonts, round trip through the parser."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import missing_tool
from lxml import etree

from drafting.export import export_docx, export_markdown, render_markdown
from drafting.export.assemble import assemble, build_issue, default_period, load_closing
from drafting.issues.batch_input import read_items
from drafting.models import Item

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "batch"
PROMPTS = ROOT / "prompts"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

COMMENTARY_1 = (
    "中国工信部提前布局标准化工作显示了对元宇宙的高度关注与前瞻性思考。推动元宇宙的标准化不仅有助于统一技术规范，"
    "降低行业壁垒，还可以推动产业健康、有序发展。"
)
COMMENTARY_2 = "《行动计划》体现了四川对于战略性新兴产业的前瞻性思考和高度重视。\n该计划注重工业元宇宙的基础性和战略性。"


def sample_items() -> list[Item]:
    """The test list's items, deals first to check the section order, with two 短评 and two sources on one item."""
    items = [e.item for e in read_items(DATA / "items.jsonl").entries if e.item]
    items[0] = items[0].model_copy(update={"commentary": COMMENTARY_1})
    items[1] = items[1].model_copy(update={"commentary": COMMENTARY_2, "sources": items[1].sources + ["https://www.sc.gov.cn/x.html"]})
    return [items[-1]] + items[:-1]


@pytest.fixture
def issue():
    return build_issue(sample_items(), prompts_dir=PROMPTS, period="2023年第10期")


def test_assemble_orders_sections_and_numbers_footnotes_through_issue() -> None:
    built = assemble(sample_items(), period="2023年第10期")
    assert [s.name for s in built.sections] == ["政策速递", "行业新闻", "交易资讯"]
    assert built.heading == "元宇宙/Web3 月刊 2023年第10期"
    numbers = [f.n for f in built.footnotes()]
    assert numbers == list(range(1, 6))  # 1 + 2 sources (policy), 0 + 1 (news), 1 (deal)
    assert [f.n for f in built.sections[0].items[1].footnotes] == [2, 3]
    assert built.sections[2].items[0].footnotes[0].n == 5
    assert built.id.startswith("2023-10_")


def test_default_period_is_month_after_most_items() -> None:
    assert default_period(sample_items()) == "2023年第10期"
    assert default_period([Item(section="行业新闻", title="t", body="b", date="2023-12-02")]) == "2024年第1期"
    assert default_period([Item(section="行业新闻", title="t", body="b")]) == ""


def test_closing_from_template_with_editors() -> None:
    blocks = load_closing(PROMPTS, editors="张三 李四")
    assert [b.text for b in blocks if b.kind == "heading"] == ["特别声明", "参与成员"]
    assert any(b.text == "本期执行编辑：张三 李四" for b in blocks)
    assert any(b.text == "本期执行编辑：何京 张维嘉" for b in load_closing(PROMPTS))


def test_markdown_has_toc_commentary_and_numbered_footnotes(issue) -> None:
    text = render_markdown(issue)
    assert text.startswith("# 元宇宙/Web3 月刊 2023年第10期\n\n## 目录")
    assert text.index("## 政策速递") < text.index("## 行业新闻") < text.index("## 交易资讯") < text.index("## 特别声明")
    assert "《行动计划》提出，到2025年，全省元宇宙相关产业规模达到2500亿元，在工业、文旅、教育、城市发展等领域打造200个元宇宙典型应用场景。[^2][^3]" in text
    assert f"**植德短评：**\n\n{COMMENTARY_1}" in text
    assert "[^5]: https://www.sohu.com/a/720572672_120988576" in text
    assert text.count("**植德短评：**") == 2


def _docx_xml(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(name))


def test_docx_has_real_footnotes_and_chinese_fonts(issue, tmp_path: Path) -> None:
    path = export_docx(issue, tmp_path / "issue.docx")
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        types = z.read("[Content_Types].xml").decode()
        rels = z.read("word/_rels/document.xml.rels").decode()
    assert "word/footnotes.xml" in names
    assert 'PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"' in types
    assert "relationships/footnotes" in rels
    notes = _docx_xml(path, "word/footnotes.xml")
    ids = [int(n.get(f"{W}id")) for n in notes.iter(f"{W}footnote")]
    assert ids == [-1, 0, 1, 2, 3, 4, 5]
    assert [n.get(f"{W}type") for n in notes.iter(f"{W}footnote")][:2] == ["separator", "continuationSeparator"]
    assert "".join(notes.findall(f".//{W}footnote[@{W}id='5']")[0].itertext()).strip() == "https://www.sohu.com/a/720572672_120988576"
    settings = _docx_xml(path, "word/settings.xml")
    assert [e.get(f"{W}id") for e in settings.find(f"{W}footnotePr")] == ["-1", "0"]
    body = _docx_xml(path, "word/document.xml")
    assert [int(r.get(f"{W}id")) for r in body.iter(f"{W}footnoteReference")] == [1, 2, 3, 4, 5]
    styles = _docx_xml(path, "word/styles.xml")

    def east_asia(style_id: str) -> str | None:
        fonts = styles.find(f".//{W}style[@{W}styleId='{style_id}']/{W}rPr/{W}rFonts")
        return None if fonts is None else fonts.get(f"{W}eastAsia")

    assert east_asia("Normal") == "宋体"
    assert east_asia("Heading1") == east_asia("Heading2") == "黑体"
    assert styles.find(f".//{W}style[@{W}styleId='Heading1']/{W}rPr/{W}rFonts").get(f"{W}eastAsiaTheme") is None

    from docx import Document

    doc = Document(str(path))
    paras = [(p.style.name, p.text) for p in doc.paragraphs if p.text]
    toc = [t.split("\t")[0] for s, t in paras if s in ("toc 1", "toc 2")]  # title, tab, page number
    assert toc[:3] == ["政策速递", sample_items()[1].title, sample_items()[2].title]
    assert ("TOC Heading", "目录") in paras
    assert [t for s, t in paras if s == "Heading 1"] == ["政策速递", "行业新闻", "交易资讯"]
    assert sum(1 for _, t in paras if t == "植德短评：") == 2
    assert paras[-1][1] == "www.meritsandtree.com"


def test_docx_round_trips_through_the_issue_parser(issue, tmp_path: Path) -> None:
    from drafting.corpus import parse_file

    parsed = parse_file(export_docx(issue, tmp_path / "issue.docx"))

    def key(i: Item) -> tuple[object, ...]:
        return (i.section, i.title, i.date, i.body, i.commentary, i.sources)

    assert [key(i) for i in parsed.items] == [key(i) for i in issue.items()]
    assert [i.id for i in parsed.items] == [i.id for i in issue.items()]


def _seed_issue():
    from drafting.corpus import parse_file

    seed = parse_file(ROOT / "corpus" / "issues" / "000_91daaad5127cd8d6.txt")
    return build_issue(seed.items, prompts_dir=PROMPTS, period="2023年第10期")


def test_seed_issue_round_trips_through_docx(tmp_path: Path) -> None:
    from drafting.corpus import parse_file

    issue = _seed_issue()
    assert len(issue.items()) == 17 and len(issue.footnotes()) == 16
    parsed = parse_file(export_docx(issue, tmp_path / "seed.docx"))

    def key(i: Item) -> tuple[object, ...]:
        return (i.id, i.section, i.title, i.date, i.body, i.commentary, i.sources)

    assert [key(i) for i in parsed.items] == [key(i) for i in issue.items()]


@pytest.mark.slow
def test_docx_renders_in_libreoffice(output_dir: Path, tmp_path: Path) -> None:
    """The seed issue exported and rendered to PNG pages in tests/output/ for a person to look at."""
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if not office or not shutil.which("pdftoppm"):
        missing_tool("libreoffice/pdftoppm not installed (apt: libreoffice-writer-nogui poppler-utils)")
    issue = _seed_issue()
    for old in output_dir.glob("batch_issue*"):
        old.unlink()
    path = export_docx(issue, output_dir / "batch_issue.docx")
    export_markdown(issue, output_dir / "batch_issue.md")
    # a private profile: two soffice runs on the default one (pytest-xdist workers) collide
    subprocess.run([office, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(output_dir), str(path)],
                   check=True, capture_output=True, timeout=180)
    pdf = output_dir / "batch_issue.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(output_dir / "batch_issue")], check=True, timeout=60)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "目录" in text and "植德短评：" in text and "特别声明" in text
    assert "https://www.jinse.cn/lives/365269.html" in text  # footnote 16 is on a page
    assert len(list(output_dir.glob("batch_issue-*.png"))) >= 5

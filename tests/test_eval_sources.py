"""`drafting eval sources`: the labelled set loads, its forms render, and the harness tells a right reading from a wrong one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drafting.cli import app
from drafting.evaluation.source_pages import LAYOUTS, load_docs, page_bytes, pasted_text
from drafting.evaluation.sources import Arrival, Fields, evaluate_sources, norm, score, today_fields
from drafting.sources.convert import to_simplified

DOCS = {d.id: d for d in load_docs()}


def test_the_set_is_labelled_and_varied():
    assert len(DOCS) >= 40
    assert {d.layout for d in DOCS.values()} == set(LAYOUTS)
    assert {d.charset for d in DOCS.values()} == {"utf-8", "gbk"}
    assert {d.script for d in DOCS.values()} == {"simplified", "traditional", "mixed"}
    assert {d.genre for d in DOCS.values()} == {"policy", "news", "deal"}
    for doc in DOCS.values():
        text = to_simplified(doc.heading + "".join(doc.paragraphs) + "".join(doc.signature))
        missing = [f for f in doc.labels.figures if f not in text]
        assert not missing, (doc.id, missing)  # a label the text does not contain could never be read
        if doc.labels.number:
            assert doc.number == doc.labels.number
        assert doc.labels.issuers, doc.id


def test_pages_carry_furniture_and_their_charset():
    gbk = next(d for d in DOCS.values() if d.charset == "gbk")
    data = page_bytes(gbk)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "浏览次数" in pasted_text(DOCS["p06"]) and "字号" in pasted_text(DOCS["p06"])
    assert "发表于" in pasted_text(DOCS["n02"])


def _good(arrival: Arrival) -> Fields:
    """A reader that knows the answers: finds the document by its text and returns its labels."""
    text = norm(arrival.text)
    doc = next(d for d in DOCS.values() if norm(d.paragraphs[-1])[:20] in text)
    lab = doc.labels
    return Fields(title=lab.title, issuers=lab.issuers, published=lab.published, effective=lab.effective,
                  number=lab.number, figures=lab.figures)


def _bad(arrival: Arrival) -> Fields:
    """The failures the issue reports: a file name for a title, a pronoun for an issuer, a deadline for a date."""
    return Fields(title="att", issuers=["我们"], published="2024-09-30", effective="1999-01-01", number="某〔1999〕1号",
                  figures=["5亿元"])


def test_harness_scores_a_right_and_a_wrong_reading(tmp_path: Path):
    docs = [DOCS["p11"], DOCS["d01"]]
    report = evaluate_sources(docs, ["paste", "html", "trad"], readers={"good": _good, "bad": _bad}, cache=tmp_path)
    good, bad = report.table["good"]["all"], report.table["bad"]["all"]
    assert good["n"] == 6  # p11 and d01 as page, paste and Traditional
    for field in ("title", "issuers", "issuers_all", "published", "effective", "number", "figures", "simplified"):
        assert good[field] == 1.0, field
    for field in ("title", "issuers", "issuers_all", "published", "effective", "figures"):
        assert bad[field] == 0.0, field
    assert bad["number"] == 0.0  # a wrong 文号 where there is one, and one invented where there is none
    assert all(f.reader == "bad" for f in report.failures)


def test_scoring_rules():
    doc = DOCS["p06"]
    ok = Fields(title="浙江省元宇宙产业发展行动计划(2023-2025年)", issuers=["浙江省发展改革委等5部门"],
                published="2023-07-18", number="浙发改高技[2023]45号", figures=["营收超亿元企业50家", "2000亿元"])
    s = score(doc, ok)
    assert s["title"] == s["issuers"] == s["published"] == s["number"] == 1.0
    assert s["issuers_all"] == 0.0  # only the lead was named
    assert s["simplified"] == 1.0
    traditional = score(DOCS["h01"], Fields(title="致虛擬資產交易平台營運者的通函：關於提供質押服務", issuers=["證券及期貨事務監察委員會"]))
    assert traditional["title"] == traditional["issuers"] == 1.0 and traditional["simplified"] == 0.0
    partial = Fields(issuers=["浙江省发展和改革委员会", "新华社北京11月1日电记者1日从工业和信息化部"])
    assert score(doc, partial)["issuers"] == 0.0  # garbage beside the lead is wrong
    report_doc = DOCS["d04"]  # 2.3亿元 must not count as the labelled 3亿元 of another text, nor 2.4亿元 as 4亿元
    from drafting.evaluation.sources import _figure_found

    assert not _figure_found("3亿元", ["2.3亿元"]) and _figure_found("8.6亿元", ["约8.6亿元"])
    assert score(report_doc, Fields(title=report_doc.heading))["title"] == 1.0


def test_an_attachment_arrives_through_its_page_link(tmp_path: Path):
    """The attachment form is the user's path: the page is fetched, its link followed; the link text names the document."""
    seen: list[Arrival] = []

    def capture(arrival: Arrival) -> Fields:
        seen.append(arrival)
        return today_fields(arrival)

    report = evaluate_sources([DOCS["p11"]], ["attachment"], readers={"today": capture}, cache=tmp_path)
    assert report.table["today"]["attachment"]["errors"] == 0
    assert seen[0].link_text == DOCS["p11"].heading
    assert "1200亿元" in seen[0].text  # the PDF's text layer, not the page


def test_cli_json(tmp_path: Path):
    result = CliRunner().invoke(app, ["eval", "sources", "--docs", "n01,p01", "--forms", "paste,docx", "--reader", "today",
                                      "--cache", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["documents"] == 2 and set(data["table"]["today"]) == {"paste", "docx", "all"}
    assert data["table"]["today"]["all"]["n"] == 4
    bad = CliRunner().invoke(app, ["eval", "sources", "--forms", "fax"])
    assert bad.exit_code != 0 and "未知的形式" in str(bad.exception)  # main() prints it for the user

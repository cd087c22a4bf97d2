"""Titles read from scans and photos (issue #21): what Tesseract returned for the fixture scans of
tests/data/sources/ (p10, p20, d02), read through the OCR clean-up and the document reader, and a Traditional
circular recognised end to end. Each failed before: the title stopped at 关于, kept 〈征求意见稿）, or named
the company 这数科技; the Traditional circular came back as 虚据/敬运者/鉴察."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import missing_tool

from drafting.evaluation.source_forms import FormCache
from drafting.evaluation.source_pages import load_docs
from drafting.sources.document import read_document, read_recognised
from drafting.sources.ocr_lines import hocr_lines, merge_page
from drafting.sources.ocr_repair import repair
from drafting.sources.reader import read_fields

SOURCES = Path(__file__).parent / "data" / "sources"
# p10's scan: a heading in large type wrapped after 关于, its year range in mixed brackets, the 文号 under it.
WRAPPED_HEADING = ("北京市科学技术委员会、中关村科技园区管理委员会关于\n"
                   "印发《北京市促进数字人产业创新发展行动计划 〈\n"
                   "2022一2025年 ) 》的通知\n"
                   "京科发 (2022 ] 8号\n"
                   "各有关单位 :\n"
                   "为抢抓数字人产业发展机遇，推动数字人技术创新和应用落地，北京市")
# p20's scan: the round bracket of （征求意见稿） read as 〈 … ).
MIXED_BRACKET = ("国家互联网信息办公室关于《网络数据分类分级要求〈征\n"
                 "求意见稿 ) 》公开征求意见的通知\n"
                 "为规范网络数据分类分级工作，国家互联网信息办公室起草了《网络数\n"
                 "据分类分级要求〈 征求意见稿) 》，现向社会公开征求意见。公众可于2024\n"
                 "年10月15日前，通过电子邮件方式提出意见。")
# d02's photo and scan: the company 孪数科技 read as 李/这 in the headline and 挛/李 in the body.
ONE_NAME_THREE_WAYS = {
    "photo": "数字挛生企业“李数科技\"获1.5亿元A+轮融资\n",
    "scan": "数字挛生企业“这数科技\"获1.5亿元A+轮融资\n",
}
D02_BODY = ("2024-02-27 来源 : 投资界\n"
            "投资界消息，数字李生解决方案提供商挛数科技宣布完成1.5亿元A+轮\n"
            "融资，由深创投领投，元禾原点跟投。\n"
            "李数科技已为超过200家制造企业搭建数字李生工厂，2023年营业收入\n"
            "同比增长150%。")


def _read(raw: str) -> tuple[str, list[str]]:
    text, _ = read_recognised(raw)
    return text, text.splitlines()


def test_a_heading_wrapped_after_关于_is_read_whole() -> None:
    text, lines = _read(WRAPPED_HEADING)
    assert lines[0] == ("北京市科学技术委员会、中关村科技园区管理委员会关于印发"
                        "《北京市促进数字人产业创新发展行动计划（2022—2025年）》的通知"), lines
    assert lines[1] == "京科发〔2022〕8号", lines  # the 文号 stays its own line, apart from the addressees
    doc = read_fields(text)
    assert doc.title == "北京市促进数字人产业创新发展行动计划（2022—2025年）"
    assert doc.number == "京科发〔2022〕8号"


def test_a_round_bracket_read_as_an_angle_bracket_inside_a_document_name() -> None:
    text, _ = _read(MIXED_BRACKET)
    assert read_fields(text).title == "国家互联网信息办公室关于《网络数据分类分级要求（征求意见稿）》公开征求意见的通知"
    assert "《网络数据分类分级要求（征求意见稿）》，现向社会" in text


@pytest.mark.parametrize("form", ["photo", "scan"])
def test_one_name_read_several_ways_is_the_character_they_all_resemble(form: str) -> None:
    text, lines = _read(ONE_NAME_THREE_WAYS[form] + D02_BODY)
    assert lines[0].startswith("数字孪生企业“孪数科技”获1.5亿元"), lines[0]
    assert "李数" not in text and "挛数" not in text and "这数" not in text
    assert read_fields(text).issuers == ["孪数科技"]


@pytest.mark.parametrize("text", [
    "我们自己负责。\n他们自已负责。",  # 己/已 are each other's look-alikes: no reading says which is meant
    "这家公司成立于2020年。\n李家公司成立于2021年。",  # the same three neighbours, but 这家 is a word
])
def test_readings_that_do_not_agree_are_left_alone(text: str) -> None:
    fixed = repair(text)
    assert not [r for r in fixed.repairs if r.rule == "同名异读"], fixed.repairs


def test_a_traditional_circular_is_read_with_the_traditional_model(tmp_path: Path) -> None:
    """h01 of the labelled set, rendered into its scan (200 dpi, slight skew) as `drafting eval sources` does."""
    if shutil.which("tesseract") is None or shutil.which("ocrmypdf") is None or shutil.which("pdftoppm") is None:
        missing_tool("needs the Debian packages tesseract-ocr, tesseract-ocr-chi-sim, ocrmypdf and poppler-utils")
    if not Path("/usr/share/tesseract-ocr/5/tessdata/chi_tra.traineddata").exists():
        missing_tool("needs the Debian package tesseract-ocr-chi-tra")
    (doc,) = [d for d in load_docs(SOURCES) if d.id == "h01"]
    scan = FormCache(tmp_path).ensure([doc], ["scan"])[("h01", "scan")]
    text = read_document(scan).text  # the default languages: chi_sim only
    assert read_fields(text).title == "致虚拟资产交易平台营运者的通函：关于提供质押服务", text[:200]
    assert "營運者" in text or "营运者" in text


@pytest.mark.parametrize(("read", "meant"), [
    ("中国人民和银行中央网信办关于防范代币发行融资风险的公告", "中国人民银行中央网信办关于防范代币发行融资风险的公告"),  # p23: a stray 和
    ("山东省大数据局关于印发《山东省公共数据授权运营管理办法试行）》的通知",
     "山东省大数据局关于印发《山东省公共数据授权运营管理办法（试行）》的通知"),  # p22: the （ of （试行） lost
    ("余杭区加快Web3.0产业改展实施意见", "余杭区加快Web3.0产业发展实施意见"),  # p16: 发 read as 改
    ("数字孪生企业获1.5亿元A十轮融资", "数字孪生企业获1.5亿元A+轮融资"),  # the A+ round
    ("虚拟资产交易平台“港易所获5000万港元Pre-A轮融资\n持牌虚拟资产交易平台港易所今日宣布完成融资。",
     "虚拟资产交易平台“港易所”获5000万港元Pre-A轮融资\n持牌虚拟资产交易平台港易所今日宣布完成融资。"),  # d06: ” lost
])
def test_slips_of_a_scanned_heading_are_repaired(read: str, meant: str) -> None:
    assert repair(read).text == meant


@pytest.mark.parametrize("text", [
    "人民和银行业协会",  # no longer name without the 和
    "《管理办法（试行）》",  # a qualifier already in its brackets
    "改革开放以来，修改了办法。",  # 改 inside words the dictionary knows
    "他说“我们要坚持\n下去。我们",  # an open quotation: 我们 is a word, not a name met twice
])
def test_what_is_right_is_left_alone(text: str) -> None:
    assert repair(text).text == text, repair(text).repairs


def _hocr(lines: list[tuple[tuple[int, int, int, int], list[tuple[str, int]]]]) -> str:
    spans = "".join(
        f"<span class='ocr_line' title='bbox {b[0]} {b[1]} {b[2]} {b[3]}'>"
        + "".join(f"<span class='ocrx_word' title='bbox 0 0 1 1; x_wconf {c}'>{w}</span>" for w, c in words) + "</span>"
        for b, words in lines)
    return f"<html xmlns='http://www.w3.org/1999/xhtml'><body><div class='ocr_page'><p class='ocr_par'>{spans}</p></div></body></html>"


def test_two_readings_are_merged_line_by_line_by_confidence() -> None:
    sim = _hocr([((100, 80, 900, 120), [("致虚据资产", 62), ("通函", 80)]), ((90, 160, 1000, 190), [("平台营运者须", 93)])])
    tra = _hocr([((101, 79, 899, 121), [("致虛擬資產", 91), ("通函", 90)]), ((90, 161, 1000, 190), [("平台營運者須", 88)])])
    text, kept = merge_page("致虚据资产通函\n\n平台营运者须", hocr_lines(sim), "致虛擬資產通函\n\n平台營運者須", hocr_lines(tra))
    assert text == "致虛擬資產通函\n\n平台营运者须"  # the heading from the surer reading; the page's layout kept
    assert [round(line.confidence) for line in kept] == [91, 93]


def test_readings_whose_lines_do_not_match_keep_the_first_whole() -> None:
    sim = _hocr([((100, 80, 900, 120), [("一行", 60)])])
    tra = _hocr([((100, 80, 900, 120), [("一行", 90)]), ((100, 200, 900, 240), [("两行", 90)])])
    assert merge_page("一行", hocr_lines(sim), "一行\n两行\n三行", hocr_lines(tra))[0] == "一行"


@pytest.mark.parametrize(("read", "meant"), [
    # m02's scan: the heading's 亿 read as 人2; the lead (Traditional) repeats it
    ("香港数码港元宇宙基金首期募资10人2港元\n2024-11-18来源：明报财经\n數碼港今日宣布，旗下元宇宙創新基金首期完成募資10億港元，將重點投資。",
     "香港数码港元宇宙基金首期募资10亿港元"),
    # d02's scan: 融资 at the heading's end read as 明
    ("数字孪生企业“孪数科技”获1.5亿元A+轮明\n投资界消息，数字孪生解决方案提供商孪数科技宣布完成1.5亿元A+轮融资，由深创投领投。",
     "数字孪生企业“孪数科技”获1.5亿元A+轮融资"),
])
def test_a_slip_in_the_heading_is_read_against_the_lead(read: str, meant: str) -> None:
    assert repair(read).text.splitlines()[0] == meant


@pytest.mark.parametrize("text", [
    "上海发布元宇宙新政\n上海市发布元宇宙新规，提出三项措施。",  # the headline's own word
    "A公司获10亿元融资\nA公司获20亿元融资，B公司获5亿元。",  # a lead's figure never replaces the heading's
    "央行等十部门发文\n中国人民银行等十部门联合发布通知，要求加强监管。",
])
def test_a_headline_that_words_the_lead_differently_is_kept(text: str) -> None:
    assert repair(text).text.splitlines()[0] == text.splitlines()[0]


def test_a_known_investor_read_as_a_common_word_is_the_investor() -> None:
    # d01: 高瓴创投 read as 高领创投 (高领 is a word, so only the name list tells); 高领毛衣 stays
    assert repair("本轮由红杉中国领投，高领创投跟投。").text == "本轮由红杉中国领投，高瓴创投跟投。"
    assert repair("他穿着高领毛衣。").text == "他穿着高领毛衣。"


def test_a_circular_read_as_通吵_is_a_circular() -> None:
    assert repair("有关中介人从事代币化证券相关活动的通吵").text == "有关中介人从事代币化证券相关活动的通函"

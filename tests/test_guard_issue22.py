"""Issue 22, point 4: every example the issue reports as missed or falsely raised by the fact check, and `drafting guard`.

Source items and 短评 are fixtures written by hand in the house voice. Each test failed on the guard before #22.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drafting import cli
from drafting.corpus.profile import profile_of
from drafting.evaluation.guard import DEFAULT_GUARD_EVAL_PATH, evaluate_guard, load_guard_cases
from drafting.models import Finding, Item
from drafting.settings import GuardSettings
from drafting.writing.guard.check import FACT_KINDS, check

HK = Item(section="政策速递", title="香港证监会发布《适用于虚拟资产交易平台营运者的指引》", date="2023-06-01",
          body="香港证监会发布《适用于虚拟资产交易平台营运者的指引》，自2023年6月1日起施行。根据《打击洗钱及恐怖分子资金筹集条例》，"
               "在香港经营虚拟资产交易所的中心化平台均须向证监会申领牌照。指引对资产托管、代币纳入和散户投资者保护作出规定。")
DONGCHENG = Item(section="政策速递", title="东城区印发《东城区促进元宇宙产业发展行动计划（2024—2026年）》", date="2024-05-20",
                 body="近日，北京市东城区人民政府办公室印发《东城区促进元宇宙产业发展行动计划（2024—2026年）》，提出依托王府井、前门等商圈"
                      "打造沉浸式文旅消费场景，到2026年集聚元宇宙相关企业50家以上，建设5个示范应用场景。")
PLAN = Item(section="政策速递", title="中共中央 国务院印发《数字中国建设整体布局规划》", date="2023-02-27",
            body="中共中央、国务院印发《数字中国建设整体布局规划》，提出按照“2522”的整体框架进行布局，到2025年基本形成一体化推进格局。")
ASSOCIATIONS = Item(section="政策速递", title="中国互联网金融协会 中国银行业协会 中国证券业协会关于防范NFT相关金融风险的倡议",
                    date="2022-04-13",
                    body="中国互联网金融协会、中国银行业协会、中国证券业协会联合发布《关于防范NFT相关金融风险的倡议》，倡议会员单位坚决遏制"
                         "NFT金融化证券化倾向。")
WHITE_PAPER = Item(section="政策速递", title="中国信息通信研究院发布《元宇宙白皮书（2024年）》", date="2024-01-20",
                   body="中国信息通信研究院发布《元宇宙白皮书（2024年）》，白皮书显示，2023年我国元宇宙相关企业数量超过1.2万家。")
DEAL = Item(section="交易资讯", title="XR设备商完成数亿元C轮融资", date="2024-09-02",
            body="近日，一家XR设备商宣布完成数亿元C轮融资，本轮由启明创投领投，老股东继续追加投资。融资将用于新一代头显研发。")
VISIT = Item(section="行业新闻", title="北京市副市长靳伟调研中关村数字经济企业", date="2024-09-11",
             body="9月11日，北京市副市长靳伟到中关村科学城调研数字经济企业，走访了人工智能和区块链企业，了解企业研发进展。")
MEASURES = Item(section="政策速递", title="某市印发《元宇宙产业发展若干措施》", date="2024-11-05",
                body="2024年11月5日，某市印发《元宇宙产业发展若干措施》，共提出18条措施，对新认定的重点实验室给予最高300万元奖励。")
NDRC = Item(section="政策速递", title="国家发展改革委印发《数字经济促进行动方案》", date="2024-03-15",
            body="国家发展改革委、工业和信息化部联合印发《数字经济促进行动方案》，提出推动区块链、元宇宙等新技术在制造业中的应用。")
SHANGHAI = Item(section="政策速递", title="上海市文化和旅游局印发《上海市沉浸式文旅新业态发展行动方案》", date="2024-06-03",
                body="上海市文化和旅游局印发《上海市沉浸式文旅新业态发展行动方案》，推动虚拟现实技术在景区和剧场中的应用。")
CHENGDU = Item(section="政策速递", title="成都市新经济发展工作领导小组办公室印发《成都市元宇宙产业发展若干措施》", date="2024-04-11",
               body="成都市新经济发展工作领导小组办公室印发《成都市元宇宙产业发展若干措施》，支持高新区建设元宇宙产业园。")


def _facts(text: str, item: Item) -> list[Finding]:
    return [f for f in check(text, item, GuardSettings(), profile=profile_of(item)) if f.kind in FACT_KINDS]


def _flagged(text: str, item: Item, kind: str, expected: str) -> None:
    found = [f for f in _facts(text, item) if f.kind == kind]
    assert any(f.span and f.text and expected in text[f.span[0]:f.span[1]] + f.text for f in found), (kind, expected, found)
    for f in found:
        assert f.span is not None and text[f.span[0]:f.span[1]] == f.text  # the page highlights by span


@pytest.mark.parametrize(("text", "item", "kind", "expected"), [
    # fragments lifted from the source
    ("根据《打击洗钱条例》，拟资产交易活动和虚拟资产经纪活动)的情况下提供虚拟资产服务不需要牌照。", HK, "fragment", ")"),
    ("根据《打击洗钱条例》，拟资产交易活动和虚拟资产经纪活动)的情况下提供虚拟资产服务不需要牌照。", HK, "wrong_document", "打击洗钱条例"),
    ("据介绍，8月10日消息。项目落地说明区域产业生态正在完善。", VISIT, "fragment", "8月10日消息"),
    ("根据《指引》，均须向证监会申领牌照。", HK, "fragment", "均须"),
    ("本轮融资由启明创投领投，高瓴创投跟，显示出资本市场对XR赛道的信心。", DEAL, "fragment", "跟"),
    # wrong names
    ("主管部门印发的《规划》按照“2522”整体框架布局数字中国建设。", PLAN, "wrong_document", "主管部门"),
    ("相关部门发布《倡议》，要求会员单位遏制NFT金融化证券化倾向。", ASSOCIATIONS, "wrong_document", "相关部门"),
    ("北京市印发的《行动计划》依托王府井、前门等商圈打造沉浸式文旅消费场景。", DONGCHENG, "wrong_document", "北京市"),
    ("该行动计划显示，2023年我国元宇宙相关企业数量超过1.2万家。", WHITE_PAPER, "wrong_document", "该行动计划"),
    # names without a suffix, persons after a title, zones
    ("小米领投本轮融资，显示出资本市场对XR赛道的信心。", DEAL, "org", "小米"),
    ("华为领投本轮融资，显示出资本市场对XR赛道的信心。", DEAL, "org", "华为"),
    ("红杉中国领投本轮融资，显示出资本市场对XR赛道的信心。", DEAL, "org", "红杉中国"),
    ("大朋科技完成C轮融资，显示出资本市场对XR赛道的信心。", DEAL, "org", "大朋科技"),
    ("歌尔集团参与本轮融资，显示出产业资本对XR赛道的信心。", DEAL, "org", "歌尔集团"),
    ("三家协会与中国支付清算协会联合发布的《倡议》遏制NFT金融化证券化倾向。", ASSOCIATIONS, "org", "中国支付清算协会"),
    ("北京市市长殷勇到中关村科学城调研数字经济企业。", VISIT, "person", "殷勇"),
    ("副市长靳伟到亦庄调研数字经济企业。", VISIT, "place", "亦庄"),
    # small numbers whose digits appear elsewhere in the source
    ("副市长靳伟走访9项人工智能和区块链企业。".replace("9项人工智能和区块链企业", "人工智能和区块链企业，提出9项举措"), VISIT, "number", "9"),
    ("副市长靳伟走访了11家人工智能和区块链企业。", VISIT, "number", "11"),
    ("《若干措施》从五点出发，对重点实验室最高奖励300万元。", MEASURES, "number", "五"),
    ("《若干措施》共提出5条措施，对重点实验室最高奖励300万元。", MEASURES, "number", "5"),
    ("《若干措施》共提出18条措施，对重点实验室最高奖励300%。", MEASURES, "number", "300"),
])
def test_each_example_of_the_issue_is_found(text: str, item: Item, kind: str, expected: str) -> None:
    _flagged(text, item, kind, expected)


@pytest.mark.parametrize(("text", "item"), [
    ("国家发改委、工信部联合印发的《行动方案》推动区块链、元宇宙等新技术在制造业中的应用。", NDRC),
    ("该方案由国家发改委与工业和信息化部共同发布，两部门将推动新技术在制造业中的应用。", NDRC),
    ("上海市文旅局发布的《行动方案》推动虚拟现实技术在景区和剧场中的应用。", SHANGHAI),
    ("成都市新经济办出台的《若干措施》支持高新区建设元宇宙产业园。", CHENGDU),
    ("该措施由成都市新经济办印发，以高新区为产业园区载体。", CHENGDU),
    ("三家协会联合发布的《倡议》以行业自律方式遏制NFT金融化证券化倾向，该倡议虽非部门规章，但值得重视。", ASSOCIATIONS),
    ("香港证监会的《指引》自2023年6月1日起施行，中心化平台均须申领牌照。", HK),
    ("该指引明确，中心化平台须根据《打击洗钱及恐怖分子资金筹集条例》向证监会申领牌照。", HK),  # cited, not presented as own
    # found on the offline drafter's 短评 of the labelled set: a verb before a whole name, a body named with 等
    ("中国互联网金融协会等协会发布《关于防范NFT相关金融风险的倡议》，首先约束中国证券业协会的会员单位。", ASSOCIATIONS),
    ("该规划提出中共中央、国务院印发《数字中国建设整体布局规划》，按照“2522”整体框架布局。", PLAN),
    ("东城区的《行动计划》提出到2026年集聚元宇宙相关企业50家以上、建设5个示范应用场景。", DONGCHENG),
])
def test_official_short_forms_raise_no_finding(text: str, item: Item) -> None:
    assert _facts(text, item) == []


def test_the_planted_error_set_meets_the_targets() -> None:
    report = evaluate_guard(load_guard_cases(DEFAULT_GUARD_EVAL_PATH))
    assert sum(k.planted for k in report.kinds) >= 80 and report.clean >= 30
    kinds = {k.kind for k in report.kinds}
    assert {"org", "person", "place", "number", "date", "title", "wrong_document", "fragment"} <= kinds
    for k in report.kinds:
        assert k.recall >= 0.95, (k.kind, k.missed)
    assert report.false_alarm_rate <= 0.05, report.alarm_findings


# --- drafting guard ---------------------------------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in [k for k in os.environ if k.startswith("DRAFTING_")]:
        monkeypatch.delenv(name)
    (tmp_path / "item.json").write_text(HK.model_dump_json(), encoding="utf-8")
    return tmp_path


def test_guard_command_prints_findings_as_json_and_exits_3(files: Path) -> None:
    text = "香港证监会的《指引》自2023年6月1日起施行，小米等平台均须申领牌照。根据《指引》，均须向证监会申领牌照。"
    (files / "c.txt").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["guard", "item.json", "--commentary", "c.txt", "--json"])
    assert result.exit_code == 3, result.output
    findings = json.loads(result.stdout)["findings"]
    assert {"kind", "text", "span", "message"} <= set(findings[0])
    got = {(f["kind"], f["text"]) for f in findings}
    assert ("org", "小米") in got and ("fragment", "均须") in got
    for f in findings:
        if f["span"]:
            assert text[f["span"][0]:f["span"][1]] == f["text"]


def test_guard_command_text_output_and_clean_exit(files: Path) -> None:
    clean = "香港证监会的《指引》自2023年6月1日起施行，在香港经营虚拟资产交易所的中心化平台均须向证监会申领牌照。"
    (files / "c.txt").write_text(clean, encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["guard", "item.json", "--commentary", "c.txt"])
    assert result.exit_code in (0, 3), result.output
    assert "fragment" not in result.stdout and "org" not in result.stdout
    (files / "bad.txt").write_text(clean.replace("香港证监会的", "新加坡金管局的"), encoding="utf-8")
    flagged = CliRunner().invoke(cli.app, ["guard", "item.json", "--commentary", "bad.txt"])
    assert flagged.exit_code == 3 and "新加坡" in flagged.stdout


def test_guard_command_bad_input_is_a_chinese_error(files: Path) -> None:
    (files / "c.txt").write_text("", encoding="utf-8")
    (files / "bad.json").write_text("{bad", encoding="utf-8")
    empty = CliRunner().invoke(cli.app, ["guard", "item.json", "--commentary", "c.txt"])
    missing = CliRunner().invoke(cli.app, ["guard", "nope.json", "--commentary", "c.txt"])
    broken = CliRunner().invoke(cli.app, ["guard", "bad.json", "--commentary", "c.txt"])
    for result, words in ((empty, "短评文件为空"), (missing, "找不到条目文件"), (broken, "不是有效的 JSON（第 1 行")):
        assert result.exit_code != 0 and result.exit_code != 3
        assert words in str(result.exception)


def test_eval_guard_command_json(files: Path) -> None:
    result = CliRunner().invoke(cli.app, ["eval", "guard", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["clean"] >= 30 and {k["kind"] for k in data["kinds"]} >= {"org", "number", "fragment"}


def test_the_page_highlights_the_new_kinds_with_chinese_labels() -> None:
    from drafting.ui import format as fmt

    text = "主管部门印发的《规划》按照“2522”整体框架布局。根据《规划》，均须建立工作机制。"
    segments = fmt.highlight_segments(text, check(text, PLAN, GuardSettings(), profile=profile_of(PLAN)))
    assert ("主管部门", "文件或机关不符") in segments and ("均须", "残句") in segments
    assert "".join(s for s, _ in segments) == text
    assert {"残句", "文件或机关不符"} <= set(fmt.FINDING_COLORS)


@pytest.mark.parametrize("text", [
    "董事长明确表示，将持续投入XR研发。",
    "相关负责人表示，平台将完善合规体系。",
    "本轮由多家机构联合领投，老股东跟投。",
    "为区块链、人工智能等相关企业提供支持，并围绕资金扶持、产业集聚等方面为企业发展提供保障。",
    "该政策鼓励企业拓展应用场景，让人联想到早期的互联网发展阶段。",
])
def test_words_in_name_positions_that_name_no_one(text: str) -> None:
    assert [f for f in _facts(text, DEAL) if f.kind in ("org", "person")] == []


def test_guard_command_reads_the_item_from_stdin(files: Path) -> None:
    (files / "c.txt").write_text("香港证监会的《指引》自2023年6月10日起施行。", encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["guard", "-", "--commentary", "c.txt", "--json"], input=HK.model_dump_json())
    assert result.exit_code == 3, result.output
    assert [f["text"] for f in json.loads(result.stdout)["findings"] if f["kind"] == "date"] == ["2023年6月10日"]


def test_eval_guard_bad_data_is_a_chinese_error(files: Path) -> None:
    missing = CliRunner().invoke(cli.app, ["eval", "guard", "--data", "nope.jsonl"])
    (files / "bad.jsonl").write_text('{"id": "x"}\n', encoding="utf-8")
    bad = CliRunner().invoke(cli.app, ["eval", "guard", "--data", "bad.jsonl"])
    assert "找不到事实核查评测数据" in str(missing.exception)
    assert "第 1 行" in str(bad.exception)

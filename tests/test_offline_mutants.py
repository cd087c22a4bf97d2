"""The offline drafter as an editor reads its drafts: the facts each genre's 短评 takes from its own item (issuer,
document, dates, amounts), no word the source does not hold, the length window, the opening and closing lent by a
precedent, and the item written from a paste (its title, its dated opening, its body window).

Written from the survivors of a mutation sample (docs/testing.md, "Round 29: offline drafter"); fast: no index, no
server. Items are realistic fixtures written for these tests; expectations are read from their text by hand."""

from __future__ import annotations

import itertools
import re

import jieba
import pytest

from drafting.corpus.profile import profile_of
from drafting.models import Item, Precedent
from drafting.writing.guard.check import FACT_KINDS, check_facts
from drafting.writing.offline.drafter import _fit, draft_commentary
from drafting.writing.offline.facts import extract_facts
from drafting.writing.offline.genres import PADS
from drafting.writing.offline.item import _headline, item_from_raw


def _chars(text: str) -> int:
    return len(re.sub(r"\s+", "", text))


def _draft(item: Item, precedents: list[Precedent] | None = None, **kw: object) -> str:
    return draft_commentary(item, precedents or [], profile=profile_of(item), **kw)  # type: ignore[arg-type]


def _faithful(text: str, item: Item) -> None:
    """What an editor checks first in any offline 短评: no Latin word, number, date, title or name the item lacks
    (a placeholder such as None would be one), within 130–200 characters."""
    source = f"{item.title}{item.body}"
    for word in re.findall(r"[A-Za-z]+", text):
        assert word in source, (word, text)
    for number in re.findall(r"\d+", text):
        assert number in source, (number, text)
    findings = [f for f in check_facts(text, item.model_copy(update={"commentary": None})) if f.kind in FACT_KINDS]
    assert not findings, (findings, text)
    assert 130 <= _chars(text) <= 200, (_chars(text), text)


# --- the genres an editor files under 政策速递, each with its own moves -------------------------------------------

CONSULTATION = Item(
    section="政策速递", title="网信办就区块链信息服务管理规定公开征求意见", date="2023-07-03",
    body="2023年7月3日，国家互联网信息办公室就《区块链信息服务管理规定（征求意见稿）》公开征求意见。征求意见稿提出，"
         "区块链信息服务提供者应当落实信息内容安全管理责任。公众可在2023年8月2日前反馈意见。",
)
WHITE_PAPER = Item(
    section="政策速递", title="中国信通院发布区块链白皮书", date="2023-12-20",
    body="2023年12月20日，中国信息通信研究院发布《区块链白皮书（2023年）》。白皮书梳理了全球区块链产业的发展态势，"
         "认为区块链正加速与实体经济融合。",
)
TOP_LEVEL = Item(
    section="政策速递", title="中共中央国务院印发数字中国建设整体布局规划", date="2023-02-27",
    body="2023年2月27日，中共中央国务院印发《数字中国建设整体布局规划》。规划提出，要在农业、工业、金融、教育等领域"
         "加快数字技术创新应用。",
)
REGULATION = Item(
    section="政策速递", title="某部印发数字藏品管理办法", date="2023-05-01",
    body="2023年5月1日，某部印发《数字藏品平台管理办法》。办法规定，平台经营者应当对发行方进行实名认证。"
         "办法自2023年7月1日起施行。",
)
# Three associations: the house calls them 等协会, never 部门 or 单位.
THREE_ASSOCIATIONS = Item(
    section="政策速递", title="三协会发布关于防范NFT相关金融风险的倡议", date="2022-04-13",
    body="2022年4月13日，中国互联网金融协会、中国银行业协会、中国证券业协会联合发布《关于防范NFT相关金融风险的倡议》。"
         "倡议提出，会员单位不为NFT交易提供集中交易、持续挂牌交易等服务。",
)
# No 《title》 anywhere: the 短评 calls the document what it is.
UNTITLED_WARNING = Item(
    section="政策速递", title="中国互联网金融协会发布防范元宇宙非法集资风险的倡议", date="2022-02-18",
    body="2022年2月18日，中国互联网金融协会发布倡议，提醒社会公众警惕以元宇宙名义进行的非法集资活动，会员单位不得参与相关炒作。",
)
UNTITLED_RULE = Item(
    section="政策速递", title="某市市场监管局发布数字藏品平台管理规定", date="2023-05-01",
    body="2023年5月1日，某市市场监督管理局发布规定，要求数字藏品平台经营者应当对发行方进行实名认证，不得为虚拟货币交易提供服务。",
)
HK_LICENSING = Item(
    section="政策速递", title="香港证监会发布虚拟资产交易平台发牌制度", date="2023-05-23",
    body="2023年5月23日，香港证监会宣布，根据《打击洗钱及恐怖分子资金筹集条例》设立的虚拟资产交易平台发牌制度将于2023年6月1日生效，"
         "证监会同日发布《适用于虚拟资产交易平台营运者的指引》。在香港经营虚拟资产交易平台须向证监会申领牌照，"
         "持牌平台在符合投资者保障措施的前提下可向零售投资者提供服务。",
)


# A 部门's warning (not an association's call): who it is aimed at, and the compliance boundary.
WARNING = Item(
    section="政策速递", title="银保监会发布关于防范以元宇宙名义进行非法集资的风险提示", date="2022-02-18",
    body="2022年2月18日，银保监会处置非法集资部际联席会议办公室发布《关于防范以“元宇宙”名义进行非法集资的风险提示》。"
         "风险提示指出，一些不法分子蹭热点，以“元宇宙投资项目”“元宇宙链游”等名目吸收资金，社会公众不得参与相关炒作，警惕上当受骗。",
)


def test_a_departments_warning_names_whom_it_warns_and_its_own_document() -> None:
    text = _draft(WARNING)
    _faithful(text, WARNING)
    assert text.startswith("银保监会处置非法集资部际联席会议办公室发布《关于防范以“元宇宙”名义进行非法集资的风险提示》"), text
    assert "针对的是社会公众" in text and "社会公众不得参与相关炒作" in text, text
    assert "会员单位" not in text, text  # not an association's self-regulation


def test_a_consultation_names_its_document_and_the_deadline_for_comments() -> None:
    text = _draft(CONSULTATION)
    _faithful(text, CONSULTATION)
    assert text.startswith("国家互联网信息办公室就《区块链信息服务管理规定（征求意见稿）》公开征求意见"), text
    assert "2023年8月2日前" in text, text  # the date an editor's client must act by, as the source gives it
    assert "区块链信息服务提供者应当落实信息内容安全管理责任" in text, text  # the duty it would impose, verbatim


def test_a_white_paper_is_called_a_white_paper_and_reported_as_research() -> None:
    text = _draft(WHITE_PAPER)
    _faithful(text, WHITE_PAPER)
    assert text.startswith("中国信息通信研究院发布《区块链白皮书（2023年）》"), text
    assert "该白皮书" in text and "该报告" not in text, text
    assert "认为区块链正加速与实体经济融合" in text, text  # its finding, in its own words


def test_a_top_level_plan_names_both_issuers_and_its_subject() -> None:
    text = _draft(TOP_LEVEL)
    _faithful(text, TOP_LEVEL)
    assert extract_facts(TOP_LEVEL).issuer == "中共中央、国务院"
    assert text.startswith("中共中央、国务院印发《数字中国建设整体布局规划》"), text
    assert "对数字中国建设作出部署" in text, text  # the subject is the document's, not a generic topic
    assert "农业、工业、金融" in text, text  # the fields the plan itself names


def test_a_regulation_states_the_duty_and_the_date_it_takes_effect() -> None:
    text = _draft(REGULATION)
    _faithful(text, REGULATION)
    assert text.startswith("某部印发《数字藏品平台管理办法》"), text
    assert "平台经营者应当对发行方进行实名认证" in text and "2023年7月1日起施行" in text, text


def test_an_associations_call_binds_its_members_and_names_the_associations_as_such() -> None:
    assert extract_facts(THREE_ASSOCIATIONS).issuer == "中国互联网金融协会等协会"
    text = _draft(THREE_ASSOCIATIONS)
    _faithful(text, THREE_ASSOCIATIONS)
    assert text.startswith("中国互联网金融协会等协会发布《关于防范NFT相关金融风险的倡议》"), text
    assert "中国互联网金融协会的会员单位" in text and "不为NFT交易提供集中交易" in text, text


def test_an_untitled_call_is_called_a_call_and_names_its_association() -> None:
    text = _draft(UNTITLED_WARNING)
    _faithful(text, UNTITLED_WARNING)
    assert text.startswith("中国互联网金融协会发布倡议"), text
    assert "该倡议" in text and "该风险提示" not in text and "该文件" not in text, text
    # only the profile knows the association here: its members are still the ones named
    assert "中国互联网金融协会的会员单位" in text, text


def test_an_untitled_rule_is_called_a_rule_and_keeps_its_duties() -> None:
    text = _draft(UNTITLED_RULE)
    _faithful(text, UNTITLED_RULE)
    assert text.startswith("某市市场监督管理局发布规定"), text
    assert "该规定" in text and "该文件" not in text, text
    assert "不得为虚拟货币交易提供服务" in text, text  # the prohibition, negation kept


def test_a_licence_regime_opens_on_the_licence_not_on_generic_compliance() -> None:
    text = _draft(HK_LICENSING)
    _faithful(text, HK_LICENSING)
    first = text.split("。")[0]
    assert "牌照" in first or "持牌" in first or "准入" in first, text
    assert "须向证监会申领牌照" in text, text


# --- policy shapes -----------------------------------------------------------------------------------------------

UNSIGNED_PLAN = Item(
    section="政策速递", title="元宇宙产业发展行动计划发布",
    body="《元宇宙产业发展行动计划》近日发布，从技术攻关、场景建设、人才培育等方面作出安排。",
)
CHONGQING = Item(
    section="政策速递", title="重庆发布元宇宙产业发展行动计划", date="2023-09-22",
    body="2023年9月22日，重庆市经济和信息化委员会印发《重庆市元宇宙产业发展行动计划(2023—2025年)》"
    "（下称《行动计划》）。《行动计划》提出，到2025年，全市元宇宙相关产业规模达1000亿元，"
    "打造一批元宇宙领域“满天星”示范楼宇，并在工业制造、文化旅游、教育培训、医疗健康等领域建设应用场景，"
    "加强人才培育与标准体系建设。",
)


@pytest.mark.parametrize("variant", [0, 1, 2, 3])
def test_a_plan_without_issuer_target_or_fields_still_reads_whole_in_every_shape(variant: int) -> None:
    text = _draft(UNSIGNED_PLAN, variant=variant)
    _faithful(text, UNSIGNED_PLAN)
    assert text.startswith("《元宇宙产业发展行动计划》的发布"), text
    assert "技术攻关" in text, text  # a measure the plan names


def _precedent(commentary: str, **item: object) -> Precedent:
    return Precedent(item=Item(section="政策速递", title="某先例", body="正文。", commentary=commentary, **item), score=1.0)  # type: ignore[arg-type]


def test_an_enumerating_precedent_gives_first_then_second_and_one_further_point() -> None:
    enumerating = _precedent("首先，该计划明确了发展目标；其次，该计划提出了多项举措。")
    for lo, hi in ((130, 200), (190, 260)):
        text = _draft(CHONGQING, [enumerating], min_chars=lo, max_chars=hi)
        assert lo <= _chars(text) <= hi, (_chars(text), text)
        assert "首先" in text and "其次" in text and text.index("首先") < text.index("其次"), text
        assert text.count("再者") <= 1, text  # an enumeration has one further point, not two "再者"


def test_a_commentary_exactly_at_the_upper_bound_keeps_all_its_sentences() -> None:
    core = ["甲" * 60 + "。", "乙" * 60 + "。", "丙" * 58 + "。"]
    assert _chars("".join(core)) == 181
    assert _fit(core, [], 130, 181, ()) == "".join(core)
    assert _fit(core, [], 130, 180, ()) == core[0] + core[2]  # one over: the middle detail goes


# --- the house voice lent by the nearest accepted precedent --------------------------------------------------------

HENAN = Item(
    section="政策速递", title="某省印发区块链产业发展行动方案", date="2024-03-01",
    body="2024年3月1日，河南省工业和信息化厅印发《河南省区块链产业发展行动方案》（下称《行动方案》）。《行动方案》提出，"
         "到2025年，全省区块链相关产业规模达到500亿元，并在政务服务、供应链金融、司法存证等领域推广区块链应用，加强人才培育。",
)
# The lead names the plan without 《》: the issuer comes from the item's profile, the document from the pasted source.
HENAN_UNQUOTED = Item(
    section="政策速递", title="河南省发布区块链产业发展行动方案", date="2024-03-01",
    body="2024年3月1日，河南省工业和信息化厅发布区块链产业发展行动方案，提出到2025年全省区块链相关产业规模达到500亿元，"
         "并在政务服务、供应链金融、司法存证等领域推广区块链应用。",
)
HENAN_SOURCE = "河南省区块链产业发展行动方案\n2024年3月1日，河南省工业和信息化厅发布《河南省区块链产业发展行动方案》。"
ACCEPTED_OPENING = "以产业规模目标为纲，明确了发展路径"
ACCEPTED_CLOSING = "对拟在当地布局的企业而言，可逐条对照申报条件，尽早准备申报材料。"
ZHEJIANG = Item(
    section="政策速递", title="浙江省印发元宇宙产业发展行动计划", issue="accepted",
    body="2023年9月1日，浙江省发展和改革委员会印发《浙江省元宇宙产业发展行动计划》。",
    commentary=f"《浙江省元宇宙产业发展行动计划》{ACCEPTED_OPENING}。该行动计划提出了多项支持措施。{ACCEPTED_CLOSING}",
)


def _accepted() -> Precedent:
    return Precedent(item=ZHEJIANG, score=1.0, profile=profile_of(ZHEJIANG))


def test_the_accepted_precedents_opening_and_closing_are_edited_to_the_new_item() -> None:
    assert profile_of(HENAN).kind == profile_of(ZHEJIANG).kind
    text = _draft(HENAN, [_accepted()])
    _faithful(text, HENAN)
    # the precedent's move, with the new item's issuer, verb and document; nothing of Zhejiang's
    assert text.startswith(f"河南省工业和信息化厅印发的《行动方案》{ACCEPTED_OPENING}"), text
    assert text.endswith(ACCEPTED_CLOSING), text
    assert "浙江" not in text


def test_the_lent_opening_names_the_issuer_the_profile_found() -> None:
    assert extract_facts(HENAN_UNQUOTED, HENAN_SOURCE).issuer is None
    assert profile_of(HENAN_UNQUOTED).issuer == "河南省工业和信息化厅"
    text = _draft(HENAN_UNQUOTED, [_accepted()], raw_text=HENAN_SOURCE)
    assert text.startswith(f"河南省工业和信息化厅发布的《河南省区块链产业发展行动方案》{ACCEPTED_OPENING}"), text
    assert "浙江" not in text and 130 <= _chars(text) <= 200, text


# --- news and deals ------------------------------------------------------------------------------------------------

VISIT = Item(
    section="行业新闻", title="市委书记调研元宇宙企业", date="2023-08-10",
    body="2023年8月10日，某市市委书记到元宇宙产业园调研，详细了解企业在虚拟现实内容制作方面的进展，听取企业对场景开放的建议。",
)
APPOINTMENT = Item(
    section="行业新闻", title="某科技公司任命新任首席执行官",
    body="某科技公司宣布任命张某为首席执行官，负责公司区块链业务的整体运营，此前他曾在多家金融机构任职。",
)
# a headline pasted with its full stop
LAUNCH = Item(section="行业新闻", title="某公司发布元宇宙新品。",
              body="某公司在上海发布元宇宙头显新品，新品支持虚拟现实内容创作，售价3999元。")
CONFERENCE = Item(
    section="行业新闻", title="某市召开元宇宙产业发展大会，发布一批元宇宙应用场景清单并签约二十个重点项目，总投资超百亿元",
    body="2023年9月1日，某市召开元宇宙产业发展大会，会上发布元宇宙应用场景清单，签约二十个重点项目。",
)


def test_a_visit_reports_who_looked_at_what_in_the_items_own_field() -> None:
    text = _draft(VISIT)
    _faithful(text, VISIT)
    assert text.startswith("市委书记调研元宇宙企业。"), text
    assert "某市市委书记到元宇宙产业园调研" in text and "元宇宙领域" in text, text


def test_a_visits_fill_names_the_body_not_the_headline_again() -> None:
    # the issue already used the stock closing sentences twice: the fill names who acted, once
    text = _draft(VISIT, avoid=list(PADS["市场动态"]))
    assert 130 <= _chars(text) <= 200, text
    assert text.count("市委书记调研元宇宙企业") == 1, text
    assert "某市市委" in text.split("。", 2)[2], text


def test_an_appointment_reports_the_change_and_the_company() -> None:
    text = _draft(APPOINTMENT)
    _faithful(text, APPOINTMENT)
    assert text.startswith("某科技公司任命新任首席执行官。"), text
    assert "某科技公司在区块链领域" in text, text


def test_a_headline_ending_in_a_full_stop_is_not_doubled_punctuation() -> None:
    text = _draft(LAUNCH)
    _faithful(text, LAUNCH)
    assert text.startswith("某公司发布元宇宙新品。"), text
    assert not re.search(r"[。！？!?；;，,]{2}", text), text


def test_a_long_headline_opens_the_commentary_with_its_first_clause() -> None:
    text = _draft(CONFERENCE)
    _faithful(text, CONFERENCE)
    assert text.startswith("某市召开元宇宙产业发展大会。"), text


# --- the item written from a paste ------------------------------------------------------------------------------

def test_a_long_first_line_becomes_a_title_of_whole_clauses() -> None:
    line = "2023年9月1日，某市召开元宇宙产业发展大会，会上发布元宇宙应用场景清单，签约二十个重点项目，总投资超百亿元"
    assert _headline(line) == "某市召开元宇宙产业发展大会，会上发布元宇宙应用场景清单，签约二十个重点项目"


def test_a_long_first_line_without_commas_becomes_a_title_of_whole_words() -> None:
    line = "近日某市召开元宇宙产业发展大会并发布了一系列支持政策和重点项目清单以及未来三年的产业发展目标和路线图"
    title = _headline(line)
    assert 10 <= len(title) <= 40, title
    ends = list(itertools.accumulate(jieba.cut(line)))
    assert title in ends, title  # whole words of the line, never a word cut at the limit


def test_a_sentence_past_the_window_is_cut_at_its_last_comma_inside_the_window() -> None:
    first = "2023年9月22日，某市提出行动计划。"
    second = "计划提出第2项措施" + "甲" * 10 + "。"
    third = "乙" * 5 + "，" + "丙" * 5 + "，" + "丁" * 20 + "，" + "甲" * 10 + "。"
    item = item_from_raw(first + second + third, "行业新闻", min_body=41, max_body=60)
    assert item.body == first + second + "乙" * 5 + "，" + "丙" * 5 + "。"


OFFICIAL_NOTICE = """重庆市经济和信息化委员会关于印发重庆市元宇宙产业发展行动计划(2023—2025年)的通知

各区县（自治县）经济信息委：
现将《重庆市元宇宙产业发展行动计划(2023—2025年)》（以下简称《行动计划》）印发给你们，请认真贯彻执行。

重庆市经济和信息化委员会
2023年9月22日

《行动计划》提出，到2025年，全市元宇宙相关产业规模达1000亿元，培育10家行业头部企业，打造3个市级以上元宇宙相关创新平台。
"""


def test_a_notice_signed_at_the_end_opens_with_date_issuer_and_the_short_name() -> None:
    item = item_from_raw(OFFICIAL_NOTICE)
    assert item.date == "2023-09-22"
    assert item.body.startswith("2023年9月22日，重庆市经济和信息化委员会印发《重庆市元宇宙产业发展行动计划（2023—2025年）》"
                                "（下称《行动计划》）。《行动计划》提出，到2025年，全市元宇宙相关产业规模达1000亿元"), item.body
    assert "印发给你们" not in item.body and "请认真贯彻执行" not in item.body


def test_an_opening_without_its_year_gets_the_full_date_once() -> None:
    raw = ("财政部关于印发《数据资源相关会计处理暂行规定》的通知\n发布时间：2023-08-21\n"
           "财政部8月21日印发《数据资源相关会计处理暂行规定》，规范企业数据资源相关会计处理。暂行规定明确，企业使用的数据资源"
           "符合无形资产定义和确认条件的，应当确认为无形资产。暂行规定适用于企业按照企业会计准则相关规定确认为无形资产或存货等资产类别的数据资源。\n")
    item = item_from_raw(raw)
    assert item.date == "2023-08-21"
    assert item.body.startswith("2023年8月21日，财政部印发《数据资源相关会计处理暂行规定》，规范企业数据资源相关会计处理。暂行规定明确"), item.body
    assert "8月21日印发" not in item.body


def test_several_issuers_named_in_the_source_keep_the_sources_own_opening() -> None:
    raw = ("山东省加快元宇宙产业创新发展的指导意见\n2023年9月18日，山东省工业和信息化厅、山东省教育厅、山东省科学技术厅联合印发了该意见，"
           "提出到2025年全省元宇宙产业规模突破1500亿元。意见从技术创新、场景应用和产业生态等方面提出了重点任务，鼓励各市建设元宇宙产业园区。\n")
    item = item_from_raw(raw)
    assert item.title == "山东省工业和信息化厅等三部门印发《山东省加快元宇宙产业创新发展的指导意见》"
    assert item.body.startswith("2023年9月18日，山东省工业和信息化厅、山东省教育厅、山东省科学技术厅联合印发了该意见，"
                                "提出到2025年全省元宇宙产业规模突破1500亿元。"), item.body


def test_a_news_story_opens_with_its_lead_after_the_headline_and_byline() -> None:
    raw = ("某公司发布元宇宙头显新品\n记者 张三\n某公司今日在上海发布元宇宙头显新品，新品支持虚拟现实内容创作。"
           "该公司表示，新品将于下月上市，首批产能为10万台。业内人士认为，这将推动消费级虚拟现实设备普及。\n")
    item = item_from_raw(raw, "行业新闻")
    assert item.title == "某公司发布元宇宙头显新品"
    assert item.body.startswith("某公司今日在上海发布元宇宙头显新品，新品支持虚拟现实内容创作。"), item.body
    assert "10万台" in item.body


def test_a_long_plan_gets_a_body_within_the_window_opening_with_date_and_issuer() -> None:
    tasks = "".join(f"（{n}）{topic}。围绕{topic}，支持元宇宙企业开展技术攻关和应用示范，每年遴选一批优秀案例给予资金扶持。\n"
                    for n, topic in enumerate(("建设算力基础设施", "突破关键核心技术", "打造应用场景", "培育市场主体", "完善产业生态"), 1))
    raw = ("2023年9月22日，重庆市经济和信息化委员会印发《重庆市元宇宙产业发展行动计划(2023—2025年)》。\n\n"
           "一、主要目标\n到2025年，全市元宇宙相关产业规模达1000亿元，培育10家行业头部企业。\n\n"
           f"二、重点任务\n{tasks}\n三、保障措施\n加强组织领导，强化资金保障，加强人才培育。\n")
    assert len(raw) > 350
    item = item_from_raw(raw)
    assert 100 <= len(item.body) <= 350, (len(item.body), item.body)
    assert item.body.startswith("2023年9月22日，重庆市经济和信息化委员会印发《重庆市元宇宙产业发展行动计划（2023—2025年）》"), item.body
    assert item.body.endswith("。")


# --- the facts read from an item ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "slogan"), [
    # the clause around the quotation, without the verb that introduced it (never "该计划提出提出打造…")
    ("2023年9月1日，某市经信局印发《某市元宇宙产业行动计划》，提出打造“中国元宇宙谷”核心区，培育元宇宙企业。",
     "打造“中国元宇宙谷”核心区"),
    # a clause that opens on the document's own title: the quotation alone
    ("《行动计划》提出“数实融合”发展路径。", "“数实融合”"),
])
def test_the_slogan_is_the_quoted_clause_as_the_source_words_it(body: str, slogan: str) -> None:
    assert extract_facts(Item(section="政策速递", title="某政策", body=body)).slogan == slogan


def test_a_district_bodys_region_is_its_district_without_the_city_named() -> None:
    f = extract_facts(Item(section="政策速递", title="某政策", body="近日，黄浦区科学技术委员会发布《黄浦区扶持办法》。"))
    assert (f.issuer, f.region) == ("黄浦区科学技术委员会", "黄浦区")


# --- written from the survivors of the disjoint sample (offset 0), after it was measured ------------------------------

NO_MEASURES = Item(
    section="政策速递", title="某市印发元宇宙行动计划", date="2024-01-02",
    body="2024年1月2日，某市经信局印发《某市元宇宙产业发展行动计划》，提出到2025年全市元宇宙相关产业规模达200亿元。",
)


@pytest.mark.parametrize("variant", [0, 1, 2, 3])
def test_a_plan_naming_no_measure_leaves_no_empty_slot(variant: int) -> None:
    text = _draft(NO_MEASURES, variant=variant)
    _faithful(text, NO_MEASURES)
    assert "围绕等方面" not in text and "重视，" not in text, text


def test_the_four_variants_of_a_plan_are_four_different_commentaries() -> None:
    texts = [_draft(CHONGQING, variant=v) for v in range(4)]
    assert len(set(texts)) == 4, texts


@pytest.mark.parametrize("variant", [0, 1, 2, 3])
def test_a_wider_window_is_filled_with_the_documents_own_second_point(variant: int) -> None:
    text = _draft(CHONGQING, variant=variant, min_chars=190, max_chars=260)
    assert 190 <= _chars(text) <= 260, (_chars(text), text)
    assert "1000亿元" in text and "满天星" in text, text  # the target and the slogan, before any stock sentence


def test_an_opening_the_issue_already_used_twice_is_still_the_opening() -> None:
    # a move with one wording has nothing else to say: the 短评 keeps it rather than open on its second sentence
    text = _draft(REGULATION)
    again = _draft(REGULATION, avoid=[text.split("。")[0] + "。"])
    assert again.startswith("某部印发《数字藏品平台管理办法》"), again


UNTITLED_REGIME = Item(
    section="政策速递", title="香港证监会公布虚拟资产交易平台发牌制度", date="2023-05-23",
    body="2023年5月23日，香港证监会宣布，虚拟资产交易平台发牌制度将于2023年6月1日生效。在香港经营虚拟资产交易平台须向证监会申领牌照，"
         "持牌平台在符合投资者保障措施的前提下可向零售投资者提供服务。",
)


def test_an_untitled_licence_regime_is_called_a_regime_and_placed_where_its_regulator_is() -> None:
    text = _draft(UNTITLED_REGIME)
    _faithful(text, UNTITLED_REGIME)
    assert text.startswith("香港证监会公布发牌制度"), text
    assert "该发牌制度" in text and "拟在香港" in text and "当地" not in text, text


def test_a_draft_for_comment_published_with_the_verb_publish_is_still_a_consultation() -> None:
    item = Item(section="政策速递", title="某部发布《数字藏品平台管理办法（征求意见稿）》", date="2023-07-03",
                body="2023年7月3日，某部发布《数字藏品平台管理办法（征求意见稿）》。征求意见稿规定，平台经营者应当对发行方进行实名认证。"
                     "公众可在2023年8月2日前反馈意见。")
    assert extract_facts(item).verb == "发布"
    text = _draft(item)
    _faithful(text, item)
    assert "2023年8月2日前" in text and "征求意见稿" in text, text


def test_a_title_the_item_only_cites_under_an_ordinance_is_not_its_document() -> None:
    item = Item(section="政策速递", title="香港证监会宣布发牌制度生效",
                body="香港证监会宣布，《打击洗钱条例》下的虚拟资产交易平台发牌制度将于2023年6月1日生效。")
    assert extract_facts(item).doc is None


def test_a_headline_of_exactly_forty_characters_is_kept_whole() -> None:
    title = "某市召开元宇宙产业发展大会，发布一批元宇宙应用场景清单并签约二十余个重点合作项目"
    assert len(title) == 40
    item = Item(section="行业新闻", title=title,
                body="2023年9月1日，某市召开元宇宙产业发展大会，会上发布元宇宙应用场景清单，签约二十个重点项目。")
    text = _draft(item)
    assert text.startswith(title + "。"), text


NOTICE_WITHOUT_SHORT_NAME = """重庆市经济和信息化委员会关于印发重庆市元宇宙产业发展行动计划(2023—2025年)的通知

各区县（自治县）经济信息委：
现将《重庆市元宇宙产业发展行动计划(2023—2025年)》印发给你们，请结合实际认真贯彻执行，推动元宇宙产业高质量发展。

重庆市经济和信息化委员会
2023年9月22日

到2025年，全市元宇宙相关产业规模达1000亿元，培育10家行业头部企业，打造3个市级以上元宇宙相关创新平台。
"""


def test_a_notice_without_a_short_name_opens_with_what_the_plan_sets_out() -> None:
    item = item_from_raw(NOTICE_WITHOUT_SHORT_NAME)
    assert item.body == ("2023年9月22日，重庆市经济和信息化委员会印发《重庆市元宇宙产业发展行动计划（2023—2025年）》，提出到2025年，"
                         "全市元宇宙相关产业规模达1000亿元，培育10家行业头部企业，打造3个市级以上元宇宙相关创新平台。")
    # never the covering letter's boilerplate (its 推动 looks like substance)


def test_a_pasted_plan_without_an_issuer_is_titled_by_its_document() -> None:
    raw = ("《元宇宙产业发展行动计划》全文\n一、总体要求\n到2025年，元宇宙产业规模达到500亿元，培育一批元宇宙领军企业。\n"
           "二、重点任务\n支持企业建设元宇宙应用场景，推动技术攻关。\n")
    item = item_from_raw(raw, "政策速递")
    assert item.title == "《元宇宙产业发展行动计划》发布"
    assert item.body.startswith("到2025年，元宇宙产业规模达到500亿元"), item.body

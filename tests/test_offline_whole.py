"""Issue #22, points 1–3: the offline drafter writes whole sentences, a move for every kind, and the voice of the
firm's own accepted 短评. Each test is an example from the issue (items from tests/data/drafts_eval, a fixture)."""

from __future__ import annotations

import re

import pytest

from drafting.corpus.profile import profile_of
from drafting.evaluation.draft_checks import check_drafts, draft_set, load_labelled, split_sentences, wrong_names
from drafting.models import Item, Precedent
from drafting.writing.guard.sentences import problems
from drafting.writing.offline.drafter import draft_commentary
from drafting.writing.offline.item import item_from_raw

CASES = {c.id: c for c in load_labelled()}


def _draft(case_id: str, precedents: list[Precedent] | None = None, avoid: list[str] | None = None) -> str:
    return draft_commentary(CASES[case_id].item(), precedents or [], avoid=avoid or [], profile=profile_of(CASES[case_id].item()))


def _whole(text: str) -> None:
    assert text.strip(), "empty 短评"
    assert not problems(text), [(p.kind, text[max(0, p.span[0] - 10):p.span[1] + 10]) for p in problems(text)]


def test_licensing_names_its_own_guideline_not_the_ordinance_and_keeps_the_exemption_whole() -> None:
    text = _draft("d07")
    _whole(text)
    assert "打击洗钱" not in text, text
    assert "拟资产" not in text.replace("虚拟资产", ""), "a clause cut inside a word"
    assert not re.search(r"(?<!不)需要?牌照", text) or "不需要牌照" in text, "需 matched inside 不需要"
    assert not wrong_names(text, CASES["d07"])


# The issue's examples as reproduced on the drafter before the fix (each of these drafts was broken then).
SFC_CIRCULAR = Item(section="政策速递", title="香港证监会就虚拟资产服务提供者发牌制度发出通函", date="2023-02-20", body=(
    "2023年2月20日，香港证券及期货事务监察委员会发出通函，说明《打击洗钱条例》下的虚拟资产服务提供者发牌制度。"
    "在仅提供非证券型代币（即虚拟资产交易活动和虚拟资产经纪活动)的情况下提供虚拟资产服务不需要牌照的安排，将于2023年6月1日终止。"
    "持牌平台在符合投资者保障措施的前提下可向零售投资者提供服务。"))
REVISED_RULES = Item(section="政策速递", title="某市地方金融监督管理局印发《某市地方金融组织监督管理办法》", date="2023-06-01", body=(
    "2023年6月1日，某市地方金融监督管理局印发《某市地方金融组织监督管理办法》。"
    "与征求意见稿相比，正式稿在适用范围、主体责任明确上都做出了不少调整和修改——比如删去了部分前置审批。"
    "办法自2023年7月1日起施行。"))


def test_a_circular_under_an_ordinance_does_not_name_the_ordinance_nor_turn_an_exemption_into_a_rule() -> None:
    text = draft_commentary(SFC_CIRCULAR, [], profile=profile_of(SFC_CIRCULAR))
    _whole(text)
    assert "打击洗钱" not in text, "the ordinance is only cited: " + text
    assert "拟资产" not in text.replace("虚拟资产", ""), text
    assert "不需要牌照的安排。" not in text and not re.search(r"(?<!不)需要?牌照", text.replace("需提前评估牌照", "")), text


def test_a_regulation_takes_明确_as_a_verb_only() -> None:
    for text in (_draft("d06"), draft_commentary(REVISED_RULES, [], profile=profile_of(REVISED_RULES))):
        _whole(text)
        assert "明确上" not in text and "做出了不少调整" not in text, text


def test_an_inspection_visit_has_no_dateline_and_no_deal_tail() -> None:
    text = _draft("d21")
    _whole(text)
    assert "消息" not in text and "8月10日" not in text, text
    assert not re.search(r"合作协议|项目落地|权利归属", text), "a deal's tail on an inspection visit: " + text


def test_a_duty_keeps_its_subject() -> None:
    item = Item(section="政策速递", title="香港证监会发布虚拟资产交易平台指引", date="2023-05-23", body=(
        "2023年5月23日，香港证券及期货事务监察委员会发布《适用于虚拟资产交易平台营运者的指引》（下称《指引》）。"
        "自2023年6月1日起，在香港经营虚拟资产交易平台的营运者，均须向证监会申领牌照。"))
    text = draft_commentary(item, [], profile=profile_of(item))
    _whole(text)
    assert not re.search(r"《指引》，均须", text) and "营运者" in text, text


def test_a_deal_from_a_long_first_line_has_no_cut_word() -> None:
    raw = ("AR眼镜与智能穿戴企业影目科技宣布完成数亿元A轮融资，由红杉中国领投，高瓴创投跟投，老股东继续加注\n"
           "5月16日，AR眼镜企业影目科技宣布完成数亿元A轮融资。本轮融资将用于光学方案研发和量产。")
    item = item_from_raw(raw, "交易资讯")
    text = draft_commentary(item, [], profile=profile_of(item))
    _whole(item.title + "。" + text)
    assert "跟，" not in text and not item.title.endswith("跟"), (item.title, text)


def test_the_centre_and_the_state_council_are_not_a_主管部门() -> None:
    for cid in ("d03", "d04"):
        text = _draft(cid)
        _whole(text)
        assert "部门" not in text, text
        assert not wrong_names(text, CASES[cid]), text


@pytest.mark.parametrize("cid", ["d10", "d11", "d12"])
def test_an_associations_倡议_is_self_regulation_not_a_部门s_rule(cid: str) -> None:
    text = _draft(cid)
    _whole(text)
    assert "部门" not in text and not re.search(r"监管要求|合规要求|监管关注|监管规定", text), text
    assert re.search(r"自律|倡议|公约", text), text


def test_a_district_plan_is_credited_to_the_district() -> None:
    text = _draft("d13")
    _whole(text)
    assert "东城区" in text and not re.search(r"北京市(?!东城区)", text), text


def test_a_white_paper_is_not_commented_as_an_action_plan() -> None:
    for cid in ("d01", "d02"):
        text = _draft(cid)
        _whole(text)
        assert not re.search(r"行动计划|该计划|该方案|实施方案|系统部署|重点任务|为企业发展提供保障", text), text
        assert re.search(r"白皮书|报告", text), text


def test_five_promotional_plans_share_no_stock_sentence() -> None:
    ids = ["d14", "d15", "d16", "d17", "d18"]
    cases = [CASES[i] for i in ids]
    drafts = draft_set(cases, lambda item, avoid: draft_commentary(item, [], avoid=avoid, profile=profile_of(item)))
    for text in drafts:
        _whole(text)
        assert "高度关注与前瞻性思考" not in text and "这一举措也为相关企业提供了明确方向" not in text, text
    report = check_drafts(cases, drafts)
    assert report.stock_sentences == 0, [r.stock for r in report.rows]
    assert report.wrong_names == 0, [r.wrong_names for r in report.rows]


# Five plans whose offline drafts editors accepted after deleting the stock praise: their own openings and closings.
ACCEPTED = [
    ("d14", "河南省人民政府办公厅印发《河南省元宇宙产业发展行动计划（2022—2025年）》，以产业规模目标为纲。",
     "对拟在当地布局的企业而言，可逐条对照申报条件，尽早准备申报材料。"),
    ("d15", "江西省人民政府办公厅印发《江西省元宇宙产业发展实施方案（2022—2026年）》，以产业规模目标为纲。",
     "对拟在当地布局的企业而言，可逐条对照申报条件，尽早准备申报材料。"),
    ("d17", "厦门市工业和信息化局等部门印发《厦门市元宇宙产业发展三年行动方案（2022—2024年）》，以产业规模目标为纲。",
     "对拟在当地布局的企业而言，可逐条对照申报条件，尽早准备申报材料。"),
    ("d18", "成都市新经济发展工作领导小组办公室印发《成都市元宇宙产业发展行动方案（2023—2025年）》，以产业规模目标为纲。",
     "对拟在当地布局的企业而言，可逐条对照申报条件，尽早准备申报材料。"),
    ("d13", "北京市东城区人民政府印发《东城区元宇宙产业发展行动计划（2023—2025年）》，以产业规模目标为纲。",
     "对拟在当地布局的企业而言，可逐条对照申报条件，尽早准备申报材料。"),
]


def _accepted_precedents() -> list[Precedent]:
    out = []
    for n, (cid, opening, closing) in enumerate(ACCEPTED):
        item = CASES[cid].item().model_copy(update={"commentary": opening + "该文件的重点任务较为具体。" + closing})
        out.append(Precedent(item=item, score=1.0 - n * 0.1, profile=profile_of(item)))
    return out


def test_accepted_edits_change_the_next_draft_without_a_rule() -> None:
    before = _draft("d16")
    after = _draft("d16", _accepted_precedents())
    _whole(after)
    assert after != before
    assert "对拟在当地布局的企业而言，可逐条对照申报条件，尽早准备申报材料。" in after, after
    assert after.startswith("浙江省发展和改革委员会"), after
    assert "以产业规模目标为纲" in after, "the opening move of the nearest accepted precedent, with the item's own facts"
    assert "河南" not in after and "300亿元" not in after, "nothing of the precedent's own facts"
    assert not wrong_names(after, CASES["d16"]), after


def test_a_precedent_sentence_with_its_own_facts_is_not_taken() -> None:
    p = _accepted_precedents()[0]
    p = p.model_copy(update={"item": p.item.model_copy(update={"commentary": (
        "河南省人民政府办公厅印发《河南省元宇宙产业发展行动计划（2022—2025年）》，提出到2025年核心产业规模超过300亿元。"
        "该计划重点突出。郑州、洛阳两地将率先建设元宇宙产业园，值得关注。")})})
    text = _draft("d16", [p])
    _whole(text)
    assert "300亿元" not in text and "郑州" not in text and "洛阳" not in text, text


def test_sentences_used_twice_in_the_issue_are_not_used_a_third_time() -> None:
    first = _draft("d14")
    avoid = split_sentences(first)
    again = _draft("d14", avoid=avoid)
    _whole(again)
    assert not set(split_sentences(again)) & set(avoid[1:]), (first, again)


def test_kind_specific_moves() -> None:
    consult = _draft("d05")
    assert re.search(r"征求意见|正式文本|最终", consult) and not re.search(r"自.{0,12}起施行", consult), consult
    product = _draft("d23")
    assert "Quest 3" in product or "Meta" in product, product
    people = _draft("d26")
    assert "上海数据交易所" in people and not re.search(r"合作协议|权利归属", people), people
    for text in (consult, product, people):
        _whole(text)


def test_profile_of_the_labelled_set_names_kind_and_stance() -> None:
    # the moves depend on the profile: the labelled kinds must be what profile_of reads
    wrong = [(c.id, profile_of(c.item()).kind, c.expected["kind"]) for c in CASES.values()
             if profile_of(c.item()).kind != c.expected["kind"]]
    assert len(wrong) <= 3, wrong


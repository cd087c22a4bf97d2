"""The offline drafter's pieces one by one, in-process and without an index: punctuation, dates, sections,
the facts an item states, the house shapes and the length window. Expectations are read from the source
sentences by hand (these tests also keep `make mutation MODULES=offline` to seconds per mutant)."""

from __future__ import annotations

import re

import pytest

from drafting.corpus.profile import guess_section, profile_of
from drafting.models import Item, Precedent
from drafting.writing.offline.drafter import _lead, draft_commentary, shapes_for
from drafting.writing.offline.facts import Facts, extract_facts
from drafting.writing.offline.item import item_from_raw
from drafting.writing.offline.text import find_date, house_punct


def _chars(text: str) -> int:
    return len(re.sub(r"\s+", "", text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("元宇宙,区块链", "元宇宙，区块链"),
        ("规模达1,000亿元", "规模达1,000亿元"),  # a thousands separator stays
        ("第1,第2", "第1，第2"),
        ("a,1", "a，1"),
        ("重点任务;保障措施", "重点任务；保障措施"),
        ("意见提出:加快", "意见提出：加快"),
        ("见https://www.miit.gov.cn", "见https://www.miit.gov.cn"),  # a URL keeps its colon
        ("《行动计划(2023—2025年)》", "《行动计划（2023—2025年）》"),
        ("B2 (Series B)", "B2 (Series B)"),  # Latin in brackets keeps ASCII brackets
        ('打造"中国元宇宙谷"', "打造“中国元宇宙谷”"),
        ('打造"中国元宇宙谷', '打造"中国元宇宙谷'),  # an unbalanced quote is left alone
        ("元宇宙 , 产业 。 发展", "元宇宙，产业。发展"),  # no space around Chinese punctuation
        ("Apple Vision Pro", "Apple Vision Pro"),
    ],
)
def test_house_punct(text: str, expected: str) -> None:
    assert house_punct(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023年9月22日，重庆市经济和信息化委员会印发", "2023-09-22"),
        ("2023 年 9 月 18 日,工信部科技司", "2023-09-18"),
        ("２０２３年９月２２日", "2023-09-22"),  # full-width digits from a web page
        ("发布于2023-9-22", "2023-09-22"),
        ("2023/09/22", "2023-09-22"),
        ("2023.12.31", "2023-12-31"),
        ("2023-09-221", None),  # a longer number, not a date
        ("2023年13月1日", None),
        ("2023年12月32日", None),
        ("2023年0月1日", None),
        ("2023年12月0日", None),
        ("2023年1月1日", "2023-01-01"),
        ("2023年12月31日", "2023-12-31"),
        ("近日，某市印发", None),
        ("先是2023年9月1日，后是2023年9月2日", "2023-09-01"),  # the first date
    ],
)
def test_find_date(text: str, expected: str | None) -> None:
    assert find_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("关于防范NFT相关金融风险的倡议\n中国互联网金融协会等三协会发布倡议。", "政策速递"),
        ("关于防范代币发行融资风险的公告\n代币发行融资是指融资主体通过代币的违规发售。", "政策速递"),
        ("零数科技完成数亿元C轮融资\n本轮由红杉中国领投。", "交易资讯"),
        ("某集团宣布收购一家元宇宙公司\n交易金额未披露。", "交易资讯"),
        ("某公司获战略投资\n投资方为某基金。", "交易资讯"),
        ("重庆发布元宇宙产业发展行动计划\n计划提出产业基金融资支持。", "政策速递"),  # a plan's funding is not a deal
        ("元宇宙大会开幕\n会上市经信委发布了产业扶持政策。", "政策速递"),
        ("元宇宙大会开幕\n会上多家企业展示了新品。", "行业新闻"),
        ("苹果发布Vision Pro头显\n售价3499美元。", "行业新闻"),
        ("元宇宙大会开幕\n" + "甲" * 3000 + "融资", "行业新闻"),  # only the head of a long text is read
    ],
)
def test_guess_section(text: str, expected: str) -> None:
    assert guess_section(text) == expected


CHONGQING = Item(
    section="政策速递",
    title="重庆发布元宇宙产业发展行动计划",
    date="2023-09-22",
    body="2023年9月22日，重庆市经济和信息化委员会印发《重庆市元宇宙产业发展行动计划(2023—2025年)》"
    "（下称《行动计划》）。《行动计划》提出，到2025年，全市元宇宙相关产业规模达1000亿元，"
    "打造一批元宇宙领域“满天星”示范楼宇，并在工业制造、文化旅游、教育培训、医疗健康等领域建设应用场景，"
    "加强人才培育与标准体系建设。",
)


def test_facts_of_a_policy_item_are_the_ones_it_states() -> None:
    f = extract_facts(CHONGQING)
    assert f.doc == "重庆市元宇宙产业发展行动计划(2023—2025年)"
    assert f.short == "行动计划"
    assert f.kind == "行动计划"
    assert f.issuer == "重庆市经济和信息化委员会"
    assert f.verb == "发布"  # the headline's word comes first
    assert f.region == "重庆市"
    assert f.topic == "元宇宙产业"
    assert f.target == "到2025年全市元宇宙相关产业规模达1000亿元"
    assert f.fields == "工业制造、文化旅游、教育培训"
    assert f.measures == ["标准体系建设", "应用场景建设", "人才培育"]
    assert f.slogan is not None and "满天星" in f.slogan


@pytest.mark.parametrize(
    ("body", "issuer", "region"),
    [
        ("2023年9月18日，四川省经济和信息化厅等16部门联合印发《四川省元宇宙产业发展行动计划》。", "四川省经济和信息化厅等16部门", "四川省"),
        ("山东省工业和信息化厅、山东省教育厅联合印发《山东省加快元宇宙产业创新发展的指导意见》。", "山东省工业和信息化厅等部门", "山东省"),
        ("近日，上海市黄浦区科学技术委员会发布《黄浦区扶持办法》。", "上海市黄浦区科学技术委员会", "黄浦区"),
        ("2023年9月18日，工信部科技司就《元宇宙标准化工作组筹建方案》公开征求意见。", "工信部科技司", None),
    ],
)
def test_issuer_and_region_are_read_from_the_lead(body: str, issuer: str, region: str | None) -> None:
    f = extract_facts(Item(section="政策速递", title="某政策", body=body))
    assert (f.issuer, f.region) == (issuer, region)


def test_consultation_is_the_verb_when_the_item_asks_for_comments() -> None:
    f = extract_facts(Item(section="政策速递", title="工信部征求意见",
                           body="2023年9月18日，工信部科技司就《元宇宙标准化工作组筹建方案》公开征求意见。"))
    assert f.verb == "征求意见"
    assert f.doc == "元宇宙标准化工作组筹建方案"


def test_facts_of_a_bare_item_fall_back_to_neutral_words() -> None:
    f = extract_facts(Item(section="行业新闻", title="大会开幕", body="某大会在京开幕，多位嘉宾参会。"))
    assert (f.doc, f.short, f.kind, f.issuer, f.verb, f.topic, f.target, f.fields, f.measures) == (
        None, None, "文件", None, "发布", "相关产业", None, None, [])


def _precedent(commentary: str) -> Precedent:
    return Precedent(item=Item(section="政策速递", title="某先例", body="正文。", commentary=commentary), score=1.0)


@pytest.mark.parametrize(
    ("commentary", "shape"),
    [
        ("首先，该计划明确目标；其次，该计划提出举措。", "enumerate"),
        ("《行动计划》的出台体现了前瞻性。", "title_first"),
        ("该计划提出多项举措。", "this_document"),
        ("此次印发的方案值得关注。", "this_document"),
        ("重庆市经信委印发行动计划。", "issuer_first"),
        ("首先，该计划明确目标。", "issuer_first"),  # 首先 without 其次 is no enumeration, nor does it open with 该
    ],
)
def test_a_precedent_lends_its_shape_first(commentary: str, shape: str) -> None:
    assert shapes_for([_precedent(commentary)], 1) == [shape]


def test_shapes_are_distinct_then_cycle() -> None:
    shapes = shapes_for([_precedent("该计划提出多项举措。"), _precedent("该方案值得关注。")], 6)
    assert shapes == ["this_document", "title_first", "enumerate", "issuer_first", "this_document", "title_first"]
    assert shapes_for([], 2) == ["title_first", "this_document"]


@pytest.mark.parametrize("variant", [0, 1, 2, 3])
def test_every_shape_of_a_policy_commentary_names_the_document_and_fits_the_window(variant: int) -> None:
    text = draft_commentary(CHONGQING, [], variant=variant, profile=profile_of(CHONGQING))
    assert "《行动计划》" in text or "《重庆市元宇宙产业发展行动计划" in text, text
    assert "重庆市经济和信息化委员会" in text, text
    assert 130 <= _chars(text) <= 200, (_chars(text), text)
    assert "四川" not in text and "山东" not in text


def test_the_length_window_is_honoured_at_other_sizes() -> None:
    short = draft_commentary(CHONGQING, [], min_chars=60, max_chars=120, profile=profile_of(CHONGQING))
    assert _chars(short) <= 120, short
    long = draft_commentary(CHONGQING, [], min_chars=190, max_chars=260, profile=profile_of(CHONGQING))
    assert 190 <= _chars(long) <= 260, long


def test_raw_text_body_stays_within_its_window() -> None:
    sentences = "".join(f"第{n}项措施提出支持元宇宙企业开展技术攻关。" for n in range(1, 40))
    raw = f"重庆市经济和信息化委员会关于印发《重庆市元宇宙产业发展行动计划》的通知\n2023年9月22日，{sentences}"
    item = item_from_raw(raw, min_body=100, max_body=200)
    assert item.date == "2023-09-22"
    assert 100 <= len(item.body) <= 200, len(item.body)
    assert item.body.endswith("。")
    assert item.section == "政策速递"
    assert item.title == "重庆市经济和信息化委员会印发《重庆市元宇宙产业发展行动计划》"


def test_raw_text_without_a_sentence_end_keeps_its_words() -> None:
    item = item_from_raw("Apple unveils Vision Pro headset at WWDC", "行业新闻")
    assert item.body == "Apple unveils Vision Pro headset at WWDC"
    assert item.title == "Apple unveils Vision Pro headset at WWDC"


# --- the body window of an item made from raw text: whole sentences, else a cut at a comma -----------------

FIRST = "2023年9月22日，某市提出行动计划。"


def _sentence(k: int) -> str:
    s = f"计划提出第{k}项措施" + "甲" * 10 + "。"
    assert len(s) == 20
    return s


@pytest.mark.parametrize(
    ("lo", "hi", "kept"),
    [
        (30, 60, 3),  # three sentences fill 60 characters exactly
        (30, 59, 2),  # the third would pass 59 and two already reach 30
        (40, 50, 2),  # two sentences are exactly the 40 asked for: stop there
    ],
)
def test_whole_sentences_up_to_the_window(lo: int, hi: int, kept: int) -> None:
    assert len(FIRST) == 20
    sentences = [FIRST, _sentence(2), _sentence(3), _sentence(4)]
    item = item_from_raw("".join(sentences), "行业新闻", min_body=lo, max_body=hi)
    assert item.body == "".join(sentences[:kept])


def test_a_sentence_too_long_for_the_window_is_cut_at_its_last_comma() -> None:
    base = "2023年9月22日，重庆市经济和信息化委员会印发行动计划"
    assert len(base) == 29
    item = item_from_raw(base + "，提出措施甲" * 10 + "。", "政策速递", min_body=30, max_body=60)
    assert item.body == base + "，提出措施甲" * 5 + "。"  # the sixth comma sits at character 60: past the window


def test_a_sentence_without_a_comma_is_cut_at_the_window() -> None:
    item = item_from_raw("某市元宇宙大会" + "甲" * 100 + "。", "行业新闻", min_body=30, max_body=60)
    assert item.body == "某市元宇宙大会" + "甲" * 52 + "。"


def test_a_comma_cut_that_would_keep_only_the_date_is_a_cut_at_the_window() -> None:
    # A policy text whose first sentence runs past the window and whose only comma follows the date:
    # cutting there would leave "2023年9月22日。", a body that says nothing.
    opening = "2023年9月22日，重庆市经济和信息化委员会印发《重庆市元宇宙产业发展行动计划》"
    rest = "提出到2025年全市元宇宙产业规模力争达到500亿元并培育引进元宇宙领域创新型企业100家以上打造10个元宇宙特色产业园区"
    raw = opening + rest + "建成一批示范应用场景" * 5 + "。"
    item = item_from_raw(raw, "政策速递", min_body=60, max_body=120)
    assert item.body != "2023年9月22日。"
    assert item.body.startswith(opening + "提出到2025年")
    assert 60 <= len(item.body) <= 120 and item.body.endswith("。")
    assert item.body == raw[:119] + "。"  # no usable comma: the hard cut at the window, as for a sentence without one


def test_a_too_long_sentence_after_enough_text_is_left_out() -> None:
    long = "计划提出" + "甲" * 80 + "。"
    item = item_from_raw(FIRST + _sentence(2) + long, "行业新闻", min_body=40, max_body=60)
    assert item.body == FIRST + _sentence(2)
    short = item_from_raw(FIRST + _sentence(2) + "计划提出乙，" + "甲" * 80 + "。", "行业新闻", min_body=41, max_body=60)
    assert short.body == FIRST + _sentence(2) + "计划提出乙。"  # below the minimum: the next sentence is cut at its comma


LONG_DOC = "某市关于加快推进元宇宙产业创新发展和应用场景建设的若干项扶持办法"  # 32 characters
LONGER_DOC = "某市关于加快推进元宇宙产业创新发展和应用场景建设的若干项专项扶持办法"


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (Facts(doc="重庆市元宇宙产业发展行动计划(2023—2025年)", short="行动计划", kind="行动计划", issuer="重庆市经信委", verb="印发"),
         ("重庆市经信委印发《行动计划》", "《行动计划》", "该行动计划")),
        (Facts(doc=LONG_DOC, kind="办法", issuer="某市经信委", verb="发布"),
         (f"某市经信委发布《{LONG_DOC}》", f"《{LONG_DOC}》", "该办法")),  # 32 characters: named in full
        (Facts(doc=LONGER_DOC, kind="办法", issuer="某市经信委", verb="发布"),
         ("某市经信委发布《办法》", "《办法》", "该办法")),  # longer: by its kind
        (Facts(doc=LONGER_DOC), ("该文件的发布", "该文件", "该文件")),  # no kind, no issuer
        (Facts(doc="元宇宙标准化工作组筹建方案", kind="方案", issuer="工信部科技司", verb="征求意见"),
         ("工信部科技司就《元宇宙标准化工作组筹建方案》公开征求意见", "《元宇宙标准化工作组筹建方案》", "该方案")),
        (Facts(doc="元宇宙标准化工作组筹建方案", kind="方案", verb="征求意见"),
         ("《元宇宙标准化工作组筹建方案》的征求意见", "《元宇宙标准化工作组筹建方案》", "该方案")),
    ],
)
def test_the_opening_names_issuer_verb_and_document(facts: Facts, expected: tuple[str, str, str]) -> None:
    assert (len(LONG_DOC), len(LONGER_DOC)) == (32, 34)
    assert _lead(facts) == expected


def test_the_slogan_is_the_clause_around_the_longest_quoted_phrase() -> None:
    assert extract_facts(CHONGQING).slogan == "打造一批元宇宙领域“满天星”示范楼宇"


def test_a_target_written_with_extraction_spaces_is_read_whole() -> None:
    item = Item(section="政策速递", title="某市印发行动计划",
                body="《行动计划》提出，到 2025 年，全市元宇宙相关产业规模达到 1000 亿元。")
    assert extract_facts(item).target == "到2025年全市元宇宙相关产业规模达到1000亿元"


@pytest.mark.parametrize(
    ("body", "issuer", "region"),
    [
        ("近日上海市科学技术委员会印发《上海区块链关键技术攻关专项行动方案》。", "上海市科学技术委员会", "上海市"),
        ("2023年9月18日，四川省 经济和信息化厅印发《四川省元宇宙产业发展行动计划》。", "四川省经济和信息化厅", "四川省"),
        ("2024年1月2日，北京经信局印发《北京元宇宙行动计划》。", "北京经信局", "北京"),
    ],
)
def test_issuer_prefixes_spaces_and_bare_province_names(body: str, issuer: str, region: str) -> None:
    f = extract_facts(Item(section="政策速递", title="某政策", body=body))
    assert (f.issuer, f.region) == (issuer, region)


@pytest.mark.parametrize(
    ("body", "doc"),
    [
        ("根据《网络安全法》，某部印发《数字藏品管理办法》。", "数字藏品管理办法"),  # the legal basis is not the document
        ("依据《某条例》制定本办法。", None),  # only cited: never named as the item's own document (#22)
        ("某市经信委关于印发元宇宙产业发展行动计划的通知。", "元宇宙产业发展行动计划"),
        ("《人民日报》报道了元宇宙大会。", "人民日报"),
        ("某市举办元宇宙大会。", None),
    ],
)
def test_the_document_an_item_is_about(body: str, doc: str | None) -> None:
    assert extract_facts(Item(section="政策速递", title="某条目", body=body)).doc == doc


def test_the_document_may_come_from_the_pasted_source() -> None:
    item = Item(section="政策速递", title="某市发布行动计划", body="2024年1月2日，某市发布行动计划。")
    f = extract_facts(item, raw_text="某市关于印发《某市元宇宙产业发展行动计划》的通知")
    assert f.doc == "某市元宇宙产业发展行动计划"

"""Deterministic retrieve-and-edit drafter: house structure from precedents, facts only from the source."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import jieba

from drafting.corpus.profile import EVENT_KINDS, ISSUER_SUFFIX, guess_section
from drafting.errors import ValidationError
from drafting.models import Item, Precedent, Profile, Section
from drafting.sources.cleanup import clean_raw, clean_title
from drafting.sources.reader import Document, deal_headline, read_fields
from drafting.sources.summary import digest
from drafting.writing.guard.check import short_names
from drafting.writing.offline import clauses, genres, moves, voice

logger = logging.getLogger(__name__)

OFFLINE_VERSION = "offline@2"
OFFLINE_LABEL = "离线草稿"

_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_TITLE = re.compile(r"《([^《》\n]{2,120})》")
_VERB = r"(?:联合)?(?:正式)?(?:印发|发布|出台|公布|制定|修订|刊发)"
_SHORT = re.compile(r"(?:下称|简称|以下简称)\s*[“\"]?《([^《》]{2,20})》")
# Spaces next to Chinese text are PDF-extraction damage ("2023 年 9 月"); spaces between Latin words stay.
_SPACES = re.compile(r"(?<=[\u4e00-\u9fff\d，。、；：（）《》“”])[ \t\u3000]+|[ \t\u3000]+(?=[\u4e00-\u9fff\d，。、；：（）《》“”])")
_TOPICS = ("元宇宙产业", "区块链技术", "元宇宙", "区块链", "Web3", "虚拟现实", "数字人", "人工智能", "数字经济", "科技创新",
           "NFT", "数字藏品", "虚拟资产", "虚拟货币", "稳定币", "数据资源", "数据")
_MEASURES = (
    ("标准", "标准体系建设"), ("核心技术", "关键核心技术攻关"), ("攻关", "技术攻关"), ("场景", "应用场景建设"),
    ("人才", "人才培育"), ("扶持", "资金扶持"), ("园区", "产业集聚"), ("集聚", "产业集聚"),
    ("企业", "市场主体培育"), ("生态", "产业生态构建"), ("安全", "安全可控"),
)
_PADS = (
    "对于相关企业而言，可持续关注后续配套细则的出台与落地情况，把握政策带来的发展机遇。",
    "这也为行业的规范、有序发展提供了政策指引。",
    "相关市场主体亦可结合自身业务，关注其中与技术研发、场景应用相关的安排。",
)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def house_punct(text: str) -> str:
    """Chinese punctuation as the newsletter prints it: ，；：（）“” in Chinese text (PDF extraction leaves ASCII)."""
    text = re.sub(r"(?<!\d),|,(?!\d)", "，", text)
    text = re.sub(r";", "；", text)
    text = re.sub(r":(?!//)", "：", text)
    text = re.sub(r"\(([^()]*[\u4e00-\u9fff][^()]*)\)", r"（\1）", text)
    parts = text.split('"')
    if len(parts) % 2 == 1:  # only balanced ASCII quotes become “…”
        text = "".join(p + ("“" if i % 2 == 0 else "”") if i < len(parts) - 1 else p for i, p in enumerate(parts))
    return re.sub(r"\s*([，；：。、（）“”《》])\s*", r"\1", text)


def _cn_date(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


def find_date(text: str) -> str | None:
    """The first full date in the text, as ISO (2023年9月22日 → 2023-09-22)."""
    m = _DATE.search(_fold(text))
    if not m:
        return None
    y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return None
    return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"


def _sentences(text: str) -> list[str]:
    """Sentences ending in 。！？；; lines without such an ending (headings, signatures) are dropped."""
    parts = re.split(r"(?<=[。！？；])|\n", _SPACES.sub("", text))
    return [p.strip() for p in parts if p.strip() and p.strip()[-1] in "。！？；"]


@dataclass
class Facts:
    """What an item states that a 短评 may use."""

    doc: str | None = None  # full document title, without 《》
    short: str | None = None  # 行动计划, 指导意见 …: used as 《short》 or 该short
    kind: str = "文件"
    verb: str = "发布"
    issuer: str | None = None
    region: str | None = None
    topic: str = "相关产业"
    target: str | None = None
    slogan: str | None = None
    fields: str | None = None
    measures: list[str] = field(default_factory=list)


def _doc_title(text: str) -> str | None:
    # A title cited as the legal basis (根据《打击洗钱……条例》, 《条例》下的发牌制度) is not the document the item is about;
    # when every title is cited, the item's own document has none (a 通函 about a regime under an ordinance).
    titles = [m.group(1) for m in _TITLE.finditer(text)
              if not re.search(r"(?:根据|依据|按照|依照|参照|遵照)$", text[max(0, m.start() - 4):m.start()])
              and not re.match(r"(?:项?下|规定的|所规定)", text[m.end():m.end() + 3])]
    cited_only = bool(_TITLE.search(text)) and not titles
    for t in titles:
        t = str(t)
        if len(short_names(t)) > 1:  # ends like a policy document: 行动计划, 办法, 意见 …
            return t
    m = re.search(r"关于印发[“\"]?([^“”\"《》\n]{4,80}?)[”\"]?的通知", text)
    if m:
        return m.group(1)
    return None if cited_only else (titles[0] if titles else None)


def _issuer(text: str, doc: str | None) -> str | None:
    folded = _fold(text)
    pats = [
        rf"(?:^|[，。,\n])\s*(?:\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日\s*[，,]?)?\s*([^，。,；;《》\n]{{2,80}}?){_VERB}(?:了)?(?:关于印发)?《",
        rf"(?:^|[，。,\n])\s*(?:\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日\s*[，,]?)?\s*([^，。,；;《》\n]{{2,40}}?{ISSUER_SUFFIX})就《",
        rf"^\s*([^，。,；;《》\n]{{2,40}}?{ISSUER_SUFFIX})关于印发",
        rf"\n\s*([^，。,；;《》\n\d]{{2,40}}?{ISSUER_SUFFIX})\s*\n",  # signature line of an official document
    ]
    for pat in pats:
        m = re.search(pat, folded, re.MULTILINE)
        if m:
            issuer = re.sub(r"\s+", "", m.group(1))
            issuer = re.sub(r"^(?:近日|日前|此前|今日)[，,]?", "", issuer)
            issuer = issuer.removesuffix("关于")  # 某委员会关于印发《…》的通知: the body is the issuer, not 某委员会关于
            if "、" in issuer:  # several bodies: name the first "等部门", as the house does
                parts = issuer.split("、")
                same = "协会" if all(x.endswith("协会") for x in parts) else "单位" if any(_ASSOCIATION.search(x) for x in parts) else "部门"
                issuer = parts[0] + f"等{same}"  # three associations are not 部门
            if 2 <= len(issuer) <= 40:
                return issuer
    return None


def _region(issuer: str | None, text: str) -> str | None:
    m = re.search(r"(?<=[省市])([\u4e00-\u9fff]{2,3}?[区县])", issuer or "")
    if m and not m.group(1).endswith("块链"):
        return m.group(1)
    for source in (issuer or "", text[:200]):
        m = re.search(r"(?:^|(?<=[省市]))([\u4e00-\u9fff]{2,3}?区)(?=[\u4e00-\u9fff]{0,8}" + ISSUER_SUFFIX + ")", source)
        if m and source is issuer:
            return m.group(1)
        m = re.match(r"([\u4e00-\u9fff]{2,3}?(?:省|市|自治区))", source)
        if m:
            return m.group(1)
    if issuer:
        m = re.match(r"(北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|"
                     r"四川|贵州|云南|陕西|甘肃|青海|内蒙古|广西|西藏|宁夏|新疆|香港|澳门)", issuer)
        if m:
            return m.group(1)
    return None


def extract_facts(item: Item, raw_text: str | None = None) -> Facts:
    """The document, issuer, region, topic, target, slogan, fields and measures an item states."""
    text = _fold(f"{item.title}\n{item.body}")
    facts = Facts()
    facts.doc = _doc_title(text) or (_doc_title(_fold(raw_text)) if raw_text else None)
    m = _SHORT.search(text)
    names = short_names(facts.doc) if facts.doc else []
    generic = names[1] if len(names) > 1 else None
    if m:
        facts.short = m.group(1)
    elif generic and f"《{generic}》" in text:
        facts.short = generic
    facts.kind = generic or "文件"
    facts.issuer = _issuer(_fold(item.body), facts.doc) or _issuer(text, facts.doc)
    if facts.issuer and re.match(r"中共中央国务院", facts.issuer):  # two bodies, as news text lists them
        facts.issuer = facts.issuer.replace("中共中央国务院", "中共中央、国务院")
    m = re.search(r"征求意见|印发|发布|出台|公布", text)
    facts.verb = m.group(0) if m else "发布"
    facts.region = _region(facts.issuer, text)
    facts.topic = next((t for t in _TOPICS if t in text), "相关产业")
    m = re.search(r"到\s*(\d{4})\s*年[^；]{0,150}?([\u4e00-\u9fff]{0,8}产业规模达到?\s*\d+(?:\.\d+)?\s*亿元)", text)
    if m:
        facts.target = f"到{m.group(1)}年{re.sub(chr(32), '', m.group(2))}"
    # The clause around the longest quoted phrase, verbatim: 打造“一核引领、双擎驱动、多点支撑”的……格局.
    quoted = [m for m in re.finditer(r"[“\"]([^”\"]{2,16})[”\"]", text) if not re.search(r"\d", m.group(1))]
    if quoted:
        q = max(quoted, key=lambda m: len(m.group(1)))
        start = max(text.rfind(p, 0, q.start()) for p in "，。；,;:：\n") + 1
        ends = [i for i in (text.find(p, q.end()) for p in "，。；,;\n") if i != -1]
        clause = text[start:min(ends) if ends else len(text)].strip()
        clause = re.sub(r"^(?:并|提出|其中提出|同时)", "", clause)
        facts.slogan = clause if 4 <= len(clause) <= 40 and not clause.startswith("《") else f"“{q.group(1)}”"
    m = re.search(r"在([^，。,；在]{2,30}?)等(?:领域|方面|行业)", text)
    if m and "、" in m.group(1):
        facts.fields = "、".join(m.group(1).split("、")[:3])
    facts.measures = list(dict.fromkeys(phrase for key, phrase in _MEASURES if key in text))[:3]
    return facts


SHAPES = ("title_first", "this_document", "enumerate", "issuer_first")


def _structure(precedent: Precedent | None) -> str | None:
    """Which of the house's commentary shapes a precedent's 短评 follows."""
    text = (precedent.item.commentary or "") if precedent else ""
    if not text:
        return None
    if "首先" in text and "其次" in text:
        return "enumerate"
    if text.startswith("《"):
        return "title_first"
    if text.startswith(("该", "此")):
        return "this_document"
    return "issuer_first"


def shapes_for(precedents: list[Precedent], n: int) -> list[str]:
    """n distinct shapes: the nearest precedents' shapes first, then the remaining house shapes."""
    ordered = [s for s in (_structure(p) for p in precedents) if s]
    ordered += list(SHAPES)
    unique = list(dict.fromkeys(ordered))
    return [unique[i % len(unique)] for i in range(n)]


def _lead(f: Facts) -> tuple[str, str, str]:
    """The opening (issuer + verb + document), the document reference and 该<kind>."""
    if f.short:
        ref = f"《{f.short}》"
    elif f.doc and len(f.doc) <= 32:
        ref = f"《{f.doc}》"
    else:
        ref = f"《{f.kind}》" if f.doc and f.kind != "文件" else f"该{f.kind}"
    this = f"该{f.kind}"
    if f.issuer and f.verb == "征求意见":
        lead = f"{f.issuer}就{ref}公开征求意见"
    elif f.issuer:
        lead = f"{f.issuer}{f.verb}{ref}"
    else:
        lead = f"{ref}的{f.verb}"
    return lead, ref, this


def _policy_sentences(f: Facts, shape: str) -> tuple[list[moves.Move], list[moves.Move]]:
    """Core sentences (always kept) and optional ones (dropped first when too long); a tuple is a move's wordings,
    the first one the issue has not used twice is taken."""
    lead, _, this = _lead(f)
    region = f.region or (f.issuer or "").removesuffix("等部门") or "发布方"
    where = f"在{f.region}" if f.region else ""
    distinct = []
    if f.target:
        distinct.append(f"{this}提出{f.target}的目标，以量化指标明确了发展路径")
    if f.slogan:
        distinct.append(f"{this}提出{f.slogan}，思路清晰、重点突出")
    if f.fields:
        distinct.append(f"{this}强调了{f.topic}在{f.fields}等领域的应用")
    if not distinct:
        distinct.append(f"{this}对{f.topic}的发展方向和重点任务作出了系统部署")
    measures = "、".join(f.measures) if f.measures else "政策支持"
    place = f.region or "当地"
    core: list[moves.Move]
    optional: list[moves.Move]
    # Other wordings of the opening and closing moves, for when the issue already used the shape's own twice.
    openings = (f"{lead}，明确了{place}{f.topic}发展的重点方向。", f"{lead}，对{place}{f.topic}的发展作出安排。",
                f"{lead}，为{place}{f.topic}发展划定了路线。")
    closings = (f"对拟在{place}布局{f.topic}业务的企业而言，可对照{this}梳理可申报的支持事项。",
                f"{this}所列的支持方向，可供企业在选址、申报与合作上参考。",
                f"相关企业可关注{this}后续的申报指南与配套安排。")
    if shape == "enumerate":
        core = [
            (f"{lead}，首先{distinct[0].removeprefix(this)}。", *openings),
            f"其次，{this}围绕{measures}等方面提出了具体举措，明确了政策发力的重点。",
            (f"{this}为{f.region or '当地'}的{f.topic}发展提供了有力的政策支撑。", *closings),
        ]
        optional = [*(f"再者，{d.removeprefix(this)}。" for d in distinct[1:2]),
                    "这也为相关企业参与技术研发和场景应用提供了更为广阔的空间和机会。"]
    elif shape == "this_document":
        core = [
            (f"{lead}，充分体现了{region}对{f.topic}发展的策略思考和行动决策，为{f.topic}{where}的发展提供了清晰的蓝图。", *openings),
            f"{distinct[0]}，并围绕{measures}等方面为企业发展提供保障。",
            (f"此举不仅有助于推动{f.topic}健康、有序发展，也为相关企业提供了明确方向。", *closings),
        ]
        optional = [f"{d}。" for d in distinct[1:2]]
    elif shape == "issuer_first":
        core = [
            (f"{lead}，将{f.topic}列为{place}着力发展的方向。", *openings),
            f"{distinct[0]}，围绕{measures}等方面作出部署。",
            closings,
        ]
        optional = [f"{d}。" for d in distinct[1:2]]
    else:
        core = [
            (f"{lead}，体现了{region}对{f.topic}发展的前瞻性思考和高度重视。", *openings),
            f"{distinct[0]}。",
            (f"{this}重视{measures}，为相关企业参与{f.topic}建设提供了明确方向，展现了清晰的战略部署。", *closings),
        ]
        optional = [f"{d}。" for d in distinct[1:2]]
    return core, optional


_VISIT = re.compile(r"调研|走访|考察|座谈|视察")
_PEOPLE = re.compile(r"任命|履新|出任|辞任|辞职|卸任|当选|接任")
_TOP = re.compile(r"^(?:中共中央|国务院|全国人大|中央办公厅|中办)")
_ASSOCIATION = re.compile(r"协会|联合会|学会|联盟|委员会(?=.*(?:公约|倡议))")


def _other_sentences(item: Item, f: Facts, profile: Profile) -> tuple[Sequence[moves.Move], Sequence[moves.Move]]:
    """News and deals: what happened, what it signals for the market, what a client should watch."""
    subject = house_punct(clean_title(item.title)).rstrip("。！？；，")
    if len(subject) > 40:  # long headline: its first clause
        subject = re.split(r"[，：]", subject)[0]
    core_topic = re.sub(r"(产业|技术)$", "", f.topic) if f.topic != "相关产业" else "相关"
    if item.section == "交易资讯" or profile.kind in ("融资", "并购", "战略投资"):
        return genres.deal(subject, profile, core_topic)
    said = clauses.statement(item.body, 40, skip=subject)
    if _VISIT.search(item.title):
        return moves.visit(subject, said, core_topic)
    if _PEOPLE.search(item.title + item.body[:80]):
        return moves.personnel(subject, said, profile.issuer, core_topic)
    return genres.news(subject, profile, item.body, core_topic)


def _genre_sentences(item: Item, f: Facts, profile: Profile) -> tuple[Sequence[moves.Move], Sequence[moves.Move]]:
    """Warnings, regulations, rules, licence regimes, reports, consultations and top-level documents: each its own moves."""
    lead, ref, this = _lead(f)
    if not f.doc:  # no 《title》 to name: call it what it is (a 通函 about a regime), never 该文件
        own = re.search(r"通函|通告|公告|声明|咨询文件", item.title + item.body[:120])
        name = own.group(0) if own else {"风险提示": "倡议" if "倡议" in item.title + item.body else "风险提示",
                                         "许可": "发牌制度", "规则": "规则"}.get(
            profile.stance, "监管框架" if profile.kind == "境外监管制度" else "规定")
        verb = m.group(0) if (m := re.search(r"发出|刊发|发布|印发", item.title + item.body[:120])) else f.verb
        ref = this = f"该{name}"
        lead = f"{profile.issuer}{verb}{name}" if profile.issuer else f"近日发布的{name}"
        f.region = f.region or _region(profile.issuer, "")
    issuer = f.issuer or profile.issuer
    own = re.search(r"(倡议|公约|公告|声明|白皮书|报告|蓝皮书)$", f.doc or "")
    if own and f.kind == "文件":  # 关于防范…的倡议 is 该倡议, not 该文件
        this = f"该{own.group(1)}"
    if profile.kind == "白皮书/报告":
        return moves.report(lead, this if f.kind != "文件" else "该报告", item.body, f.topic)
    if profile.kind == "征求意见稿" or f.verb == "征求意见":
        return moves.consultation(lead, this, item.body)
    # an association's 倡议 (an editor who reads the item as a 规范 gets the regulation's moves instead)
    if profile.stance == "风险提示" and (profile.level == "行业协会" or (issuer and _ASSOCIATION.search(issuer))):
        return moves.association(lead, ref, this, item.body, f.topic, re.sub(r"等(?:部门|协会|单位)$", "", issuer or "") or None)
    if profile.stance == "风险提示":
        return genres.warning(lead, ref, item.body, f.topic)
    if profile.stance == "规则":
        return genres.rule(lead, ref, item.body, bool(re.search(r"会计|核算|计量", item.title + item.body)))
    if profile.stance == "许可":
        return genres.licensing(lead, ref, item.body, f.region)
    return genres.regulation(lead, ref, item.body, this)


def _fit(core: list[str], optional: list[str], lo: int, hi: int, pads: tuple[str, ...] = _PADS) -> str:
    """Core sentences plus optional then padding sentences, kept within lo..hi characters where possible."""
    chosen = list(core)

    def size(parts: list[str]) -> int:
        return len(re.sub(r"\s+", "", "".join(parts)))

    for extra in optional + list(pads):
        if size(chosen) >= lo:
            break
        if size(chosen + [extra]) <= hi:
            chosen.insert(len(chosen) - 1 if extra in optional else len(chosen), extra)
    while size(chosen) > hi and len(chosen) > 2:
        chosen.pop(-2)  # the middle detail goes first; the opening stance and the closing meaning stay
    return "".join(chosen)


def draft_commentary(
    item: Item, precedents: list[Precedent], *, profile: Profile, variant: int = 0, min_chars: int = 130,
    max_chars: int = 200, raw_text: str | None = None, avoid: list[str] | None = None,
) -> str:
    """A 短评 for the item: the kind's moves, the opening and closing of the nearest same-kind precedents,
    its own facts, whole sentences only, and no sentence the issue already used twice (avoid)."""
    facts = extract_facts(item, raw_text)
    used = voice.used_keys(avoid or [])
    core: Sequence[moves.Move]
    optional: Sequence[moves.Move]
    pads: tuple[str, ...] = genres.PADS.get(profile.stance, _PADS)
    issuer = facts.issuer or profile.issuer or ""
    if profile.kind in EVENT_KINDS or item.section != "政策速递":
        core, optional = _other_sentences(item, facts, profile)
        actor = re.split(r"任命|发布|推出|签约|落地|揭牌|成立|召开|举办|举行|完成|宣布|赴|与", house_punct(clean_title(item.title)))[0]
        who = profile.issuer if profile.issuer and len(profile.issuer) <= 16 else actor if 2 <= len(actor) <= 16 else None
        # pads that name the item's own actor: when the issue used the stock ones twice, these are still fresh
        pads = genres.PADS["市场动态"] + ((f"{who}此后的进展与市场反馈，值得持续观察。",
                                          f"围绕{who}的合作与合规安排，相关企业可保持关注。",
                                          f"{who}对上下游企业的影响，相关企业可结合自身业务加以评估。") if who else ())
    elif profile.stance == "促进" and profile.kind != "白皮书/报告" and _TOP.match(issuer):
        lead, _, this = _lead(facts)
        subject = re.sub(r"^关于|的(?:意见|通知|决定)$|(?:整体布局)?(?:规划|意见|方案)$", "", facts.doc or "") or facts.topic
        core, optional = moves.top_level(lead, this, subject, _distinct(facts, this), facts.topic)
    elif profile.stance == "促进" and profile.kind not in ("白皮书/报告", "征求意见稿"):
        core, optional = _policy_sentences(facts, shapes_for(precedents, variant + 1)[variant])
        pads = _PADS
    else:
        core, optional = _genre_sentences(item, facts, profile)
    picked = [x for x in (voice.pick(m, used, keep=i == 0) for i, m in enumerate(core)) if x]
    top = bool(_TOP.match(issuer))
    peers = [p for p in precedents if bool(_TOP.match((p.profile.issuer if p.profile else None) or "")) == top]
    _, ref, this = _lead(facts)
    subs = {"ref": ref, "this": this, "issuer": issuer, "place": facts.region or "", "verb": facts.verb}
    picked = voice.with_voice(picked, peers, profile, subs, item, raw_text, used)
    extra = [x for x in (voice.pick(m, used) for m in optional) if x]
    fresh_pads = tuple(x for x in pads if voice.stock_key(x) not in used)
    text = house_punct(_fit(picked, extra, min_chars, max_chars, fresh_pads))
    return house_punct(voice.whole_only(text, _lead(facts)[0]))


def _distinct(f: Facts, this: str) -> str | None:
    """What the document itself sets out: its target, its slogan or its fields, as a clause."""
    if f.target:
        return f"{this}提出{f.target}的目标"
    if f.slogan:
        return f"{this}提出{f.slogan}"
    if f.fields:
        return f"{this}强调了{f.topic}在{f.fields}等领域的应用"
    return None


def _headline(line: str, limit: int = 40) -> str:
    """A long first line as a title: whole clauses up to limit characters, never a word cut at the limit."""
    if len(line) <= limit:
        return line
    parts = re.split(r"(?<=[，,；;：:])", line)
    # a date or a setting (在…上) opens the sentence but names nobody: the title starts with who acted
    while len(parts) > 1 and re.match(r"(?:\d{4}\s*年)?\s*\d{1,2}\s*月\s*\d{1,2}\s*日[，,]?$|近日|日前|在[^，,]{0,30}[上中里内][，,]$|据", parts[0]):
        parts.pop(0)
    title = ""
    for part in parts:
        if len(title) + len(part) > limit:
            break
        title += part
    if not title:  # one long clause: whole words up to the limit, never a word cut in two
        for word in jieba.cut(parts[0]):
            if len(title) + len(word) > limit:
                break
            title += word
    return title.rstrip("，,；;：:、和与及跟") or line[:limit]


def _trim(text: str, lo: int, hi: int) -> str:
    """Whole sentences up to hi characters; cut at a comma when even the first sentence is too long.

    A comma cut must still reach lo characters: a cut at the comma after the date alone (2023年9月22日。)
    would leave a body that says nothing, so without a later comma the sentence is cut at the window.
    """
    out = ""
    for s in _sentences(text):
        if len(out) + len(s) > hi:
            if len(out) >= lo:
                break
            room = hi - len(out)
            cut = max((s.rfind(p, 0, room) for p in "，,；;"), default=-1)
            out += (s[:cut] + "。") if cut > 0 and len(out) + cut >= lo else s[: room - 1] + "。"
            break
        out += s
    return out


def item_from_raw(raw_text: str, section: Section | None = None, *, min_body: int = 100, max_body: int = 350,
                  document: Document | None = None) -> Item:
    """The item in house form from raw text: title, ISO date, a 100–350 character body opening with date and issuer.

    document: what was read out of the source (and corrected on the source card); read here when not given. Its
    published date is the item's date (never a deadline inside the text), its issuers and title name the item.
    """
    if not raw_text or not raw_text.strip():
        raise ValidationError("粘贴的原文为空：请粘贴政策文件或新闻的正文后再生成")
    doc_fields = document or read_fields(raw_text, kind_hint=section)
    text = clean_raw(doc_fields.text or raw_text) or _fold(raw_text).strip()
    section = section or guess_section(text)
    date = doc_fields.published
    found = _doc_title(text)
    # The reader's name for the document, when the text spells it the same way (a kept Traditional 《title》 is not).
    doc = (doc_fields.title if doc_fields.title and section == "政策速递" and len(short_names(doc_fields.title)) > 1
           and (doc_fields.title in text or not found) else found)
    issuer = (doc_fields.issuer_label() if section == "政策速递" else None) or _issuer(text, doc)
    names = short_names(doc) if doc else []
    m = _SHORT.search(text)
    short = m.group(1) if m else None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]

    if doc and issuer:
        title = f"{issuer}印发《{doc}》"
    elif doc:
        title = f"《{doc}》发布"
    elif doc_fields.title and section != "政策速递":
        title = clean_title(deal_headline(doc_fields.title) if section == "交易资讯" else doc_fields.title)[:60]
    else:
        title = _headline(clean_title(re.split(r"[。！？\n]", lines[0])[0]))

    sentences = _sentences(text)
    anchors = [a for a in (doc, issuer.split("等")[0] if issuer else None) if a]
    opening_idx = next((i for i, s in enumerate(sentences) if find_date(s) and any(a in s for a in anchors)), None)
    if opening_idx is None and date:
        # 财政部8月21日印发《…》: the opening without its year; written with the full date, as the house opens a body.
        md = rf"{int(date[5:7])}月{int(date[8:10])}日"
        for i, s in enumerate(sentences):
            if md in s and any(a in s for a in anchors):
                sentences[i] = f"{_cn_date(date)}，" + re.sub(rf"\s*{md}\s*[，,]?", "", s, count=1)
                opening_idx = i
                break
    if opening_idx is None and section != "政策速递" and lines:
        # News and deals open with what happened: the lead, after the headline (never a later sentence with a number).
        first = next((i for i, s in enumerate(sentences) if s not in lines[0] or len(lines) == 1), None)
        opening_idx = first
    long_plan = section == "政策速递" and len(text) > max_body and (doc_fields.tasks or text.count("\n\n") >= 2)
    if opening_idx is not None and long_plan:
        # A plan longer than the body: its opening, then its main tasks and later paragraphs, not the first 350 chars.
        body = digest(text, sentences[opening_idx], doc_fields.tasks, _trim, min_body, max_body)
    elif opening_idx is not None:
        body = _trim("".join(sentences[opening_idx:]), min_body, max_body)
    else:
        lead = []
        if date:
            lead.append(_cn_date(date))
        if issuer and doc:
            lead.append(f"{issuer}印发《{doc}》" + (f"（下称《{short}》）" if short else ""))
        opening = "，".join(lead)
        # The substance: sentences that state aims, targets or measures, skipping salutations and boilerplate.
        skip = re.compile(r"^各.{0,40}[：:]|现将|请认真贯彻|印发给你们|^\d{4}年\d{1,2}月\d{1,2}日。?$|关于印发")
        key = [s for s in sentences if not skip.search(s)
               and re.search(r"到20\d\d年|目标|提出|重点|鼓励|支持|推动|打造|规模|明确|施行|应当|不得|\d+(?:\.\d+)?\s*(?:亿|万|家|个|%)", s)]
        rest = key or [s for s in sentences if not skip.search(s)]
        joined = "".join(rest)
        if joined and date and find_date(joined[:20]) == date:
            lead = lead[1:]  # the text opens with its own date: never repeat it
            opening = "，".join(lead)
        if opening and issuer and doc and short and joined.startswith((f"《{short}》", "提出")):
            joined = opening + ("。" if joined.startswith("《") else "，") + joined  # never "（下称《指引》），提出《指引》明确"
        elif opening and issuer and doc:
            joined = opening + ("，提出" if joined and not joined.startswith(("提出", "《")) else "。" if joined.startswith("《") else "，") + joined
        elif opening:
            joined = opening + "，" + joined
        body = _trim(joined, min_body, max_body)
    if not body:
        body = _trim(text, min_body, max_body)
    if not body:
        # No sentence ends in 。！？； (English text, a bare headline): keep the text itself rather than an empty body.
        body = re.sub(r"\s+", " ", text)[:max_body]
    lead_date = _DATE.match(body)
    if date and lead_date and find_date(lead_date.group(0)) != date:
        body = _cn_date(date) + body[lead_date.end():]  # the source card's corrected date opens the body too
    if short is None and len(names) > 1 and f"《{names[1]}》" in body:
        short = names[1]
    logger.debug("offline item: %s (%s)", title, date)
    return Item(section=section, title=house_punct(title), date=date, body=house_punct(body), sources=[])

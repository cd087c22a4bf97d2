"""What an item states that a 短评 may use (its document, issuer, region, topic, target, slogan, fields, measures),
read from the item's text: kept apart from the commentary's moves, and shared with the item written from a paste
(item.py), which names the same document and issuer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from drafting.corpus.profile import ISSUER_SUFFIX
from drafting.models import Item
from drafting.writing.guard.check import short_names
from drafting.writing.offline.text import fold

TITLE = re.compile(r"《([^《》\n]{2,120})》")
_VERB = r"(?:联合)?(?:正式)?(?:印发|发布|出台|公布|制定|修订|刊发)"
SHORT = re.compile(r"(?:下称|简称|以下简称)\s*[“\"]?《([^《》]{2,20})》")
_TOPICS = ("元宇宙产业", "区块链技术", "元宇宙", "区块链", "Web3", "虚拟现实", "数字人", "人工智能", "数字经济", "科技创新",
           "NFT", "数字藏品", "虚拟资产", "虚拟货币", "稳定币", "数据资源", "数据")
_MEASURES = (
    ("标准", "标准体系建设"), ("核心技术", "关键核心技术攻关"), ("攻关", "技术攻关"), ("场景", "应用场景建设"),
    ("人才", "人才培育"), ("扶持", "资金扶持"), ("园区", "产业集聚"), ("集聚", "产业集聚"),
    ("企业", "市场主体培育"), ("生态", "产业生态构建"), ("安全", "安全可控"),
)
ASSOCIATION = re.compile(r"协会|联合会|学会|联盟|委员会(?=.*(?:公约|倡议))")


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


def doc_title(text: str) -> str | None:
    # A title cited as the legal basis (根据《打击洗钱……条例》, 《条例》下的发牌制度) is not the document the item is about;
    # when every title is cited, the item's own document has none (a 通函 about a regime under an ordinance).
    titles = [m.group(1) for m in TITLE.finditer(text)
              if not re.search(r"(?:根据|依据|按照|依照|参照|遵照)$", text[max(0, m.start() - 4):m.start()])
              and not re.match(r"(?:项?下|规定的|所规定)", text[m.end():m.end() + 3])]
    cited_only = bool(TITLE.search(text)) and not titles
    for t in titles:
        t = str(t)
        if len(short_names(t)) > 1:  # ends like a policy document: 行动计划, 办法, 意见 …
            return t
    m = re.search(r"关于印发[“\"]?([^“”\"《》\n]{4,80}?)[”\"]?的通知", text)
    if m:
        return m.group(1)
    return None if cited_only else (titles[0] if titles else None)


def issuer_of(text: str, doc: str | None) -> str | None:
    folded = fold(text)
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
            issuer = re.sub(r"(?:近日|日前|同日|当日|今日|昨日|近期)$", "", issuer)  # 证监会同日发布: the body is 证监会
            issuer = issuer.removesuffix("关于")  # 某委员会关于印发《…》的通知: the body is the issuer, not 某委员会关于
            if "、" in issuer:  # several bodies: name the first "等部门", as the house does
                parts = issuer.split("、")
                same = "协会" if all(x.endswith("协会") for x in parts) else "单位" if any(ASSOCIATION.search(x) for x in parts) else "部门"
                issuer = parts[0] + f"等{same}"  # three associations are not 部门
            if 2 <= len(issuer) <= 40:
                return issuer
    return None


def region_of(issuer: str | None, text: str) -> str | None:
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
    text = fold(f"{item.title}\n{item.body}")
    facts = Facts()
    facts.doc = doc_title(text) or (doc_title(fold(raw_text)) if raw_text else None)
    m = SHORT.search(text)
    names = short_names(facts.doc) if facts.doc else []
    generic = names[1] if len(names) > 1 else None
    if m:
        facts.short = m.group(1)
    elif generic and f"《{generic}》" in text:
        facts.short = generic
    facts.kind = generic or "文件"
    facts.issuer = issuer_of(fold(item.body), facts.doc) or issuer_of(text, facts.doc)
    if facts.issuer and re.match(r"中共中央国务院", facts.issuer):  # two bodies, as news text lists them
        facts.issuer = facts.issuer.replace("中共中央国务院", "中共中央、国务院")
    m = re.search(r"征求意见|印发|发布|出台|公布", text)
    facts.verb = m.group(0) if m else "发布"
    facts.region = region_of(facts.issuer, text)
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

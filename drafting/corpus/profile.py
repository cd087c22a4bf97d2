"""What kind of item this is: document or event kind, stance, issuer, level and key figures.

Deterministic (rules on the title and lead, plus jieba for company names), so every corpus item gets one
at index time without a model; a configured model may refine it (drafting.writing.refine), and the editor may
correct it in the 起草 tab.
"""

from __future__ import annotations

import logging
import re
import unicodedata

from drafting.models import SECTIONS, Item, Profile, Section, Stance
from drafting.sources.reader import Document, read_fields

logger = logging.getLogger(__name__)

# Bump when the rules change: the index then refreshes stored profiles (metadata only, no re-embedding).
# Not bumped for subject and draft_of (issue #28): searches compute profiles in memory and read no stored one, so a
# metadata rewrite of every record (minutes at 100k on the first start) would buy nothing.
PROFILE_VERSION = "pf1"

POLICY_KINDS = (
    "行动计划/实施方案", "若干措施/扶持办法", "管理办法/暂行规定/条例", "倡议/风险提示", "标准/指南",
    "白皮书/报告", "征求意见稿", "境外监管制度",
)
NEWS_KINDS = ("会议/活动", "机构设立", "产品发布", "项目")
DEAL_KINDS = ("融资", "并购", "战略投资")
KINDS = POLICY_KINDS + NEWS_KINDS + DEAL_KINDS
LEVELS = ("国家部委", "省", "市", "区县", "行业协会", "境外监管机构", "企业")
# Kinds that are events, not documents: a 短评 must not call them 文件.
EVENT_KINDS = frozenset(NEWS_KINDS + DEAL_KINDS)

_ABROAD = (r"香港|澳门|新加坡|美国|欧盟|欧洲|英国|日本|韩国|迪拜|阿联酋|瑞士|SFC|SEC|MAS|FCA|MiCA|FSA|"
           r"金融管理局|金管局|证券及期货事务监察委员会")
_PROVINCES = ("河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|"
              "甘肃|青海|内蒙古|广西|西藏|宁夏|新疆")
_MUNICIPALITIES = "北京|天津|上海|重庆"
# how an issuing body's name ends (the offline drafter reads issuers with it too)
ISSUER_SUFFIX = r"(?:委员会|办公厅|办公室|人民政府|政府|厅|局|部|委|司|署|院|中心|部门)"
_NATIONAL = (r"国务院|国家|中共中央|中国人民银行|人民银行|央行|财政部|工业和信息化部|工信部|商务部|科技部|科学技术部|网信办|"
             r"中央网信办|证监会|银保监会|金融监管总局|发改委|发展改革委|公安部|教育部|文化和旅游部|文旅部|最高人民法院|"
             r"最高人民检察院|中国信通院|中国信息通信研究院|标准化技术委员会|信安标委|市场监管总局|国家市场监督管理总局|审计署|海关总署|税务总局|外汇局")
_ORG_TAIL = r"(?:委员会|办公厅|办公室|人民政府|政府|厅|局|部|委|署|院|中心|协会|学会|联盟|联合会|银行|总局|监察委员会|管理局)"

_POLICY_RULES: tuple[tuple[str, str], ...] = (
    ("征求意见稿", r"征求意见"),
    ("倡议/风险提示", r"倡议|风险提示|警惕|谨防|警示|防范[^。；]{0,12}风险|提示[^。；]{0,6}风险"),
    ("白皮书/报告", r"白皮书|蓝皮书|报告|图谱"),
    ("标准/指南", r"评估指导意见|执业准则|标准(?!化工作组)|指南|指引|技术要求|技术规范"),
    ("若干措施/扶持办法", r"(?:促进|支持|鼓励|扶持)[^》]{0,16}办法"),
    ("管理办法/暂行规定/条例", r"管理办法|暂行办法|暂行规定|规定|条例|细则|(?<!扶持)(?<!奖励)(?<!支持)办法|牌照|发牌|监管制度|监管框架|法案"),
    ("若干措施/扶持办法", r"若干措施|若干政策|措施|扶持|支持政策|奖励|补贴"),
    ("行动计划/实施方案", r"行动计划|行动方案|实施方案|工作方案|规划|意见|方案|计划"),
)
_MEETING = r"大会|峰会|论坛|会议|研讨会|博览会|展会|大赛"
_NEWS_RULES: tuple[tuple[str, str], ...] = (
    ("机构设立", r"揭牌|挂牌|成立|设立|组建|落户"),
    # A headline whose first clause convenes a conference is about the conference, whatever it then 发布 (应用场景清单,
    # 案例集): without this, 发布…应用 read as a product launch and the 短评 spoke of 新品.
    ("会议/活动", (rf"^[^，。；]*?(?:召开|举办|举行|开幕)[^，。；]*?(?:{_MEETING})|^[^，。；]*?(?:{_MEETING})[^，。；]{{0,12}}?"
               r"(?:召开|举办|举行|开幕)")),
    ("产品发布", (r"推出|上线|发售|开售|亮相|首发|发布[^。；，]{0,12}(?:产品|平台|终端|头显|设备|手机|模型|应用|系统|芯片)|"
                 r"Vision\s*Pro|头显|新品")),
    ("会议/活动", r"大会|峰会|论坛|会议|研讨会|博览会|展会|大赛|开幕|举办|召开|举行|活动"),
    ("项目", r"项目|签约|落地|开工|启动|合作|试点|建设"),
)
_DEAL_RULES: tuple[tuple[str, str], ...] = (
    ("并购", r"并购|收购|合并|控股权|购入[^。；]{0,10}股权"),
    ("战略投资", r"战略投资|战略入股|战略融资"),
    ("融资", r"融资|领投|跟投|募资|[A-E]\d?\+?\s*轮|天使轮|种子轮"),
)
# What an item is about, most specific first (数字人 before 元宇宙: a 数字人 plan names 元宇宙 too). Precedents on the
# same subject rank above ones that merely share the region (a 上海 blockchain programme wants blockchain plans).
SUBJECTS: tuple[tuple[str, str], ...] = (
    ("虚拟资产", r"虚拟资产|虚拟货币|加密资产|加密货币|数字支付代币|稳定币|比特币|代币"),
    ("数字人", r"数字人|虚拟人|虚拟数字人|数字员工|虚拟偶像"),
    ("数据要素", r"数据要素|数据资产|数据交易|数据条例|数据资源|数据流通|数据产权|公共数据"),
    ("人工智能", r"人工智能|生成式|大模型|\bAI\b|AIGC"),
    ("区块链", r"区块链|分布式记账|Web\s*3|NFT|数字藏品|联盟链|许可链"),
    ("虚拟现实", r"虚拟现实|增强现实|混合现实|\bVR\b|\bAR\b|\bXR\b|头显|Vision\s*Pro"),
    ("元宇宙", r"元宇宙"),
)
# The kind of the document a 征求意见稿 drafts: standardisation work reads as 标准/指南 here.
_DRAFT_RULES: tuple[tuple[str, str], ...] = (("标准/指南", r"标准化|标准体系|标准"),) + _POLICY_RULES[1:]
_EVENT_HINT = re.compile(r"揭牌|挂牌|成立大会|正式成立|召开|举办|举行|峰会|论坛|大会")
_DOC = re.compile(r"《([^《》\n]{2,120})》")
_FIGURE = re.compile(
    r"(?:数|近|超|逾)?\d+(?:[.,]\d+)*\s*(?:万亿|亿|千万|百万|万)?\s*(?:元|美元|港元|人民币)|"
    r"\d+(?:\.\d+)?\s*%|数[十百千]?亿元|[A-E]\d?\+?\s*轮|Pre-[A-E]\s*轮|天使轮"
)
_COMPANY_VERB = re.compile(
    r"^(?:近日[，,]?|日前[，,]?)?([\u4e00-\u9fffA-Za-z0-9·“”\"]{2,24}?)(?:旗下[^，,]{0,12})?"
    r"(?:宣布|完成|获得?|正式|发布|推出|上线|与|将|拟(?:以|收购|投资)|在|揭牌|成立|召开|举办|战略投资|收购)"
)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _first(rules: tuple[tuple[str, str], ...], *texts: str) -> str | None:
    """The first rule matching the first text that any rule matches (title before lead before body)."""
    for text in texts:
        if not text:
            continue
        for kind, pattern in rules:
            if re.search(pattern, text):
                return kind
    return None


def _issuer(item: Item) -> str | None:
    """The body that issued the document, or the company that acted, as the lead names it."""
    lead = re.sub(r"^\s*(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|近日|日前)\s*[，,]?\s*", "", _fold(item.body))
    lead = re.sub(r"\s+", "", lead)
    org = rf"[\u4e00-\u9fffA-Za-z（）()]{{2,40}}?{_ORG_TAIL}"
    m = re.match(rf"((?:{org}[、和与及]?)+?)(?:等\d*个?部门)?(?:联合|正式|公开|近日|今日|于)*(?:印发|发布|出台|公布|发出|就|宣布|召开|推出|揭牌|举办)", lead)
    if m and item.section == "政策速递":
        issuer = m.group(1)
        return issuer.split("、")[0] + ("等部门" if "、" in issuer else "")
    m = re.search(rf"({org})(?:正式|联合|近日)?(?:印发|发布|出台|公布|就|宣布)", _fold(item.title))
    if m and item.section == "政策速递":
        return m.group(1)
    title = re.sub(r"^【[^】]*】", "", _fold(item.title))
    m = _COMPANY_VERB.match(re.sub(r"\s+", "", title)) or _COMPANY_VERB.match(lead)
    if m:
        return re.sub(r"^由", "", m.group(1).strip("“”\""))
    m = re.match(rf"({org})", lead)
    return m.group(1) if m else None


def _level(issuer: str | None, section: Section, abroad: bool) -> str | None:
    if section != "政策速递":
        if issuer and re.match(_NATIONAL, issuer):
            return "国家部委"  # 国家数据局揭牌: news about a public body
        return "企业" if issuer else None
    if abroad:
        return "境外监管机构"
    if not issuer:
        return None
    if re.search(r"协会|学会|联盟|联合会", issuer):
        return "行业协会"
    if re.search(r"[\u4e00-\u9fff]{1,6}(?<!自治)(?:区|县)(?!块链)", issuer) and not re.match(_NATIONAL, issuer):
        return "区县"
    if re.match(rf"(?:{_PROVINCES}|{_MUNICIPALITIES})", issuer) or re.search(r"省|自治区", issuer):
        return "省"
    if re.search(r"[\u4e00-\u9fff]{2,4}市", issuer):
        return "市"
    if re.match(_NATIONAL, issuer) or re.search(_NATIONAL, issuer):
        return "国家部委"
    return None


def _stance(kind: str, text: str) -> Stance:
    if kind in EVENT_KINDS:
        return "市场动态"
    if kind == "倡议/风险提示":
        return "风险提示"
    if kind in ("行动计划/实施方案", "若干措施/扶持办法", "白皮书/报告"):
        return "促进"
    if re.search(r"会计|核算|计量|入表", text):
        return "规则"
    if re.search(r"发牌|牌照|许可|持牌|授权要求|注册制度|准入", text):
        return "许可"
    if kind == "标准/指南":
        return "规范" if re.search(r"合规|监管", text) else "规则"
    if kind == "征求意见稿":
        doc = _DOC.search(text)
        inner = _first(_POLICY_RULES[1:], doc.group(1) if doc else "")
        return _stance(inner, text) if inner and inner != "征求意见稿" else "规范"
    return "规范"


def precedent_gap_message(profile: Profile) -> str:
    """The 缺少同类先例 warning in words: the kind and stance the corpus has no precedent of."""
    return f"缺少同类先例：语料库中没有类型为“{profile.kind}”、立场为“{profile.stance}”且带短评的往期条目，短评按该类型的写法起草，请重点核对"


def subject_of(*texts: str) -> str | None:
    """The first subject named in the first text naming any (title before document name before lead)."""
    return _first(SUBJECTS, *texts)


def draft_kind(title: str, doc: str) -> str | None:
    """What a 征求意见稿 drafts: the kind its document name (else its title without 征求意见) reads as."""
    inner = re.sub(r"[（(]?征求意见稿[)）]?|公开征求|征求意见", "", doc or title)
    return _first(_DRAFT_RULES, inner) or "行动计划/实施方案"


def figures(text: str, limit: int = 5) -> list[str]:
    """Key amounts, shares and rounds as written (first ones first, no repeats)."""
    found = [re.sub(r"\s+", "", m.group(0)) for m in _FIGURE.finditer(_fold(text))]
    return list(dict.fromkeys(f for f in found if not re.fullmatch(r"\d{4}年?", f)))[:limit]


def profile_of(item: Item, document: Document | None = None) -> Profile:
    """The deterministic profile of an item (rules only: cheap enough to run on every corpus item).

    document: what the source reader read (and the editor corrected on the source card): its issuers and figures
    win over the rules' reading of the item's lead.
    """
    title = re.sub(r"\s+", "", _fold(item.title))
    body = re.sub(r"\s+", "", _fold(item.body))
    lead = body[:160]
    docs = _DOC.findall(title) or _DOC.findall(lead)
    doc = docs[0] if docs else ""
    abroad = bool(re.search(_ABROAD, title + lead[:60]))
    if item.section == "交易资讯":
        kind = _first(_DEAL_RULES, title, lead, body) or "融资"
    elif item.section == "行业新闻" or (not doc and _EVENT_HINT.search(title) and not re.search("征求意见|印发", title)):
        kind = _first(_NEWS_RULES, title, lead) or "项目"
    elif abroad and not re.search(r"征求意见|倡议|风险提示|警惕", title + lead):
        kind = "境外监管制度"
    else:
        kind = _first(_POLICY_RULES, title if "征求意见" in title else "", doc, title, lead) or "行动计划/实施方案"
    issuer = _issuer(item)
    found = figures(body)
    if document is not None:
        issuer = document.issuer_label() or (issuer if item.section == "政策速递" and document.issuers else None)
        found = [f.text for f in document.figures][:5] or found
    section = item.section if kind not in EVENT_KINDS or item.section != "政策速递" else "行业新闻"
    return Profile(
        kind=kind, stance=_stance(kind, doc + title + lead), issuer=issuer,
        level=_level(issuer, section, abroad), figures=found, subject=subject_of(title, doc, lead),
        draft_of=draft_kind(title, doc) if kind == "征求意见稿" else None,
    )


def query_profile(text: str, section: str | None = None) -> Profile:
    """The profile of a pasted query: first line as title, the rest as body, section guessed when not given."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()] or [text.strip() or "（空）"]
    if section not in SECTIONS:
        section = guess_section(text)
    item = Item(section=section, title=lines[0][:120], body="\n".join(lines[1:]) or lines[0])  # type: ignore[arg-type]
    return profile_of(item, read_fields(text, kind_hint=section))


def guess_section(text: str) -> Section:
    """政策速递 for documents issued by public bodies, 交易资讯 for financings, else 行业新闻."""
    head = _fold(text[:3000])
    first = head.strip().split("\n", 1)[0][:80]
    # A headline naming a warning, rule or plan is policy even when its body mentions 融资 (代币发行融资).
    if re.search(r"倡议|风险提示|管理办法|暂行规定|条例|指引|通知|公告|行动计划|实施方案|征求意见|若干措施", first) \
            and not re.search(r"完成.{0,12}融资|领投|收购", first):
        return "政策速递"
    if re.search(r"融资|战略投资|领投|跟投|并购|收购|投资方", head) and not re.search(r"关于印发|行动计划|实施方案", head):
        return "交易资讯"
    if re.search(rf"{ISSUER_SUFFIX}.{{0,20}}(?:印发|发布|出台|征求意见)|关于印发|通知|办法|意见|方案|规划|条例", head):
        return "政策速递"
    return "行业新闻"

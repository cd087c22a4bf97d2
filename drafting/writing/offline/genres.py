"""The house voice per genre for the offline drafter: what a warning, a regulation, a rule, a licence regime,
a news event and a deal each call for. Promotional plans keep offline.py's shapes.

Every sentence states only what the item states (clauses are lifted from its body) or says what a client
should watch; none praises foresight, which would misstate a warning or a licence regime.
"""

from __future__ import annotations

import re
import unicodedata

from drafting.models import Profile
from drafting.writing.offline import clauses

# Closing sentences used to reach the minimum length, per stance; none promises 配套细则 or praises the issuer.
PADS: dict[str, tuple[str, ...]] = {
    "风险提示": ("相关企业在产品设计与宣传推广中宜审慎使用“投资”“收益”等表述。",
                "社会公众亦应提高风险识别能力，理性看待相关概念。"),
    "规范": ("企业可结合自身业务评估影响，及早完成内部制度与流程的调整。",
             "监管要求落地后，相关业务的合规成本与准入门槛值得关注。"),
    "规则": ("企业可据此检视现有做法与口径，必要时与审计、技术等专业人员沟通。",
             "相关口径的统一也有助于减少交易与合作中的理解分歧。"),
    "许可": ("持牌要求也意味着相关业务的准入门槛与持续合规成本将有所提高。",
             "拟布局相关市场的机构宜及早评估牌照路径与合规投入。"),
    "市场动态": ("相关企业可结合自身业务，关注其中的合作机会与合规要求。",
                 "后续的市场反馈与落地情况值得持续观察。", "其对行业格局的影响仍有待进一步观察。"),
}
_WHO = re.compile(
    r"[\u4e00-\u9fffA-Za-z]{0,12}(?:服务提供者|处理者|营运者|运营者|经营者|提供者|发行人|持牌[\u4e00-\u9fff]{0,6}|会员机构|"
    r"金融机构|从业机构|交易平台|平台企业|社会公众|投资者|消费者)"
)
_DUTY = re.compile(r"(?:应当|须|需|不得|不在|不通过|坚决|禁止|明确|要求|规定|提出)")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _clauses(body: str) -> list[str]:
    """Clauses of the body (split at ，；。), without the date-and-issuer opening."""
    parts = re.split(r"[，；。,;]", _fold(body))
    return [p.strip() for p in parts if p.strip()]


def _duty_clause(body: str, limit: int = 60) -> str | None:
    """The first whole clause stating an obligation, prohibition or exemption, with its subject (drafting.writing.offline.clauses)."""
    return clauses.duty(body, limit)


def _who(body: str, default: str) -> str:
    m = _WHO.search(_fold(body))
    if not m:
        return default
    who = re.sub(r"^(?:向|对|为|由|的|使用|利用|经营|要求|规定|明确|提出|提醒|呼吁)+", "", m.group(0))
    return who if len(who) >= 2 else default


def _effective(body: str) -> str | None:
    m = re.search(r"自\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*起施行", _fold(body))
    return re.sub(r"\s+", "", m.group(1)) if m else None


def warning(lead: str, ref: str, body: str, topic: str) -> tuple[list[str], list[str]]:
    """A warning: what it warns against, for whom, the compliance boundary."""
    duty = _duty_clause(body)
    who = _who(body, "相关市场主体")
    field = "相关业务" if topic == "相关产业" else f"{topic}相关业务"
    core = [
        f"{lead}，{'明确' + duty if duty else '对相关风险作出提示'}。",
        f"{ref}针对的是{who}，所列情形即是监管关注的重点。",
        f"对于从事{field}的企业而言，需对照{ref}审视自身的产品设计、募资与营销安排，守住合规边界。",
    ]
    return core, []


def regulation(lead: str, ref: str, body: str, short: str) -> tuple[list[str], list[str]]:
    """A regulation: who is bound, what changes, what to prepare."""
    duty = _duty_clause(body)
    who = _who(body, "相关企业")
    since = _effective(body)
    core = [f"{lead}，对{who}提出了明确的合规要求。"]
    if duty:
        core.append(f"{short}明确{duty}。")
    core.append(f"相关企业需对照{ref}梳理自身业务，提前做好制度建设、内部流程与必要手续方面的准备。")
    optional = [f"{short}自{since}起施行，留给市场主体的准备时间值得关注。"] if since else []
    return core, optional


def rule(lead: str, ref: str, body: str, accounting: bool) -> tuple[list[str], list[str]]:
    """An accounting or technical rule: what it changes in practice."""
    duty = _duty_clause(body, 50)
    nature = "会计处理规则" if accounting else "技术与执业规则"
    core = [f"{lead}，属于{nature}。"]
    if duty:
        core.append(f"其核心在于{duty}。")
    if accounting:
        core.append("在实务中，企业需梳理相关资源的取得方式、持有目的与成本归集，判断其确认与计量方式，并相应调整列示与披露。")
    else:
        core.append(f"在实务中，{ref}为产品设计、系统建设与交易定价提供了统一口径，相关企业可对照检视现有做法与文档。")
    return core, []


def licensing(lead: str, ref: str, body: str, region: str | None) -> tuple[list[str | tuple[str, ...]], list[str]]:
    """A licence regime: who needs a licence for what, and what applicants must prepare (a tuple: wordings)."""
    # the item's own document states the duty; one it only cites (根据《打击洗钱条例》) is never named
    duty = clauses.duty(body, 60, about=r"牌照|许可|授权") or _duty_clause(body)
    where = region or "当地"
    core: list[str | tuple[str, ...]] = [(f"{lead}，确立了以牌照为核心的准入安排。", f"{lead}，对相关业务设定了持牌要求。",
                                          f"{lead}，明确了相关业务的准入门槛。")]
    if duty:
        core.append(f"按照{ref}，{duty}。")
    core.append((f"对拟在{where}开展相关业务的机构而言，需提前评估牌照申请条件、资本与治理要求及合规投入。",
                 f"拟在{where}展业的机构宜及早规划牌照申请路径，并预留资本、人员与系统方面的合规投入。",
                 f"{ref}落地后，相关机构的准入门槛与持续合规成本均将提高，宜尽早评估。"))
    return core, []


def news(subject: str, profile: Profile, body: str, topic: str) -> tuple[list[str], list[str]]:
    """News: what happened, what it signals for the market, what a client should watch; no 配套细则 tail."""
    clause = clauses.statement(body, 40, skip=subject)  # a whole clause, never a dateline or the headline again
    kind = profile.kind
    area = "相关领域" if topic == "相关" else f"{topic}领域"
    if kind == "机构设立":
        core = [f"{subject}。", f"从公开信息看，{clause}。" if clause else "",
                f"这一机构安排显示{area}的组织与制度建设正在推进，相关企业可关注其职能范围及后续对业务的影响。"]
    elif kind == "产品发布":
        core = [f"{subject}。", f"据介绍，{clause}。" if clause else "",
                f"新品动向显示头部厂商仍在加码{area}，对内容开发者和品牌方而言，值得关注的是生态规则、用户数据收集与知识产权方面的合规要求。"]
    elif kind == "会议/活动":
        core = [f"{subject}。", f"据报道，{clause}。" if clause else "",
                f"活动释放的信号表明{area}仍是各方关注的焦点，相关企业可留意会上发布的案例与合作方，从中寻找业务与合作机会。"]
    else:
        core = [f"{subject}。", f"据介绍，{clause}。" if clause else "",
                f"项目落地说明{area}的应用正在进入实施阶段，参与各方需关注合作协议中的权利归属、数据使用与考核安排。"]
    return [c for c in core if c], []


def deal(subject: str, profile: Profile, topic: str) -> tuple[list[str], list[str]]:
    """A deal: what the transaction signals, and the terms a client should watch."""
    if profile.kind == "并购":
        terms = "标的估值依据、业绩承诺与补偿安排，以及相关信息披露与审批要求"
        signal = f"显示产业资本正通过并购方式布局{topic}能力"
    elif profile.kind == "战略投资":
        terms = "战略投资人的特殊权利与业务合作协议之间的联动，以及知识产权与数据的归属安排"
        signal = f"战略投资往往伴随业务资源的绑定，显示产业方对{topic}赛道的重视"
    else:
        terms = "估值调整、优先清算等投资人权利安排，以及核心技术知识产权的归属"
        signal = f"显示出资本市场对{topic}赛道的持续关注"
    core = [
        f"{subject}，{signal}。",
        f"对于投融资双方而言，交易文件中的{terms}，是值得重点关注的条款。",
    ]
    optional = [f"在{topic}产业仍处于发展早期的背景下，资金有助于相关企业加快产品研发与场景落地。"]
    return core, optional

"""The offline 短评: the kind's moves, the house shapes, the opening and closing of the nearest precedents, and the
length window, written from the facts an item states (facts.py); the item itself comes from item.py."""

from __future__ import annotations

import re
from collections.abc import Sequence

from drafting.corpus.profile import EVENT_KINDS
from drafting.models import Item, Precedent, Profile
from drafting.sources.cleanup import clean_title
from drafting.writing.offline import clauses, genres, moves, voice
from drafting.writing.offline.facts import ASSOCIATION, Facts, extract_facts, region_of
from drafting.writing.offline.text import house_punct

OFFLINE_VERSION = "offline@2"
OFFLINE_LABEL = "离线草稿"

_PADS = (
    "对于相关企业而言，可持续关注后续配套细则的出台与落地情况，把握政策带来的发展机遇。",
    "这也为行业的规范、有序发展提供了政策指引。",
    "相关市场主体亦可结合自身业务，关注其中与技术研发、场景应用相关的安排。",
)


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


def _other_sentences(item: Item, f: Facts, profile: Profile) -> tuple[Sequence[moves.Move], Sequence[moves.Move]]:
    """News and deals: what happened, what it signals for the market, what a client should watch."""
    # clean_title folds a full-width ！ to ASCII: both kinds of end mark go, or the subject ends "!。"
    subject = house_punct(clean_title(item.title)).rstrip("。！？；，!?")
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
        f.region = f.region or region_of(profile.issuer, "")
    issuer = f.issuer or profile.issuer
    own = re.search(r"(倡议|公约|公告|声明|白皮书|报告|蓝皮书)$", f.doc or "")
    if own and f.kind == "文件":  # 关于防范…的倡议 is 该倡议, not 该文件
        this = f"该{own.group(1)}"
    if profile.kind == "白皮书/报告":
        return moves.report(lead, this if f.kind != "文件" else "该报告", item.body, f.topic)
    if profile.kind == "征求意见稿" or f.verb == "征求意见":
        return moves.consultation(lead, this, item.body)
    # an association's 倡议 (an editor who reads the item as a 规范 gets the regulation's moves instead)
    if profile.stance == "风险提示" and (profile.level == "行业协会" or (issuer and ASSOCIATION.search(issuer))):
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

"""The firm's own voice for the offline drafter: opening and closing moves retrieved from the nearest accepted
precedents of the same kind and edited to the new item (retrieve and edit), and the sentence key that tells
when a sentence is stock (the same sentence but for its names and numbers).

Accepted 短评 are precedents, so an editor's accepted edit changes the next draft of that kind without a rule.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

import jieba

from drafting.models import Item, Precedent, Profile
from drafting.writing.guard import check as guard
from drafting.writing.guard.sentences import problems
from drafting.writing.offline import clauses

# Topics and places are slots of a sentence: two sentences that differ only there are the same stock sentence.
_TOPIC = re.compile(r"元宇宙产业|区块链技术|元宇宙|区块链|Web3|虚拟现实|数字人|人工智能|数字经济|科技创新|NFT|数字藏品|虚拟资产|"
                    r"虚拟货币|稳定币|数据资源|数据要素|数据")
_PROVINCES = (r"(北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|"
              r"云南|陕西|甘肃|青海|内蒙古|广西|西藏|宁夏|新疆|香港|澳门)")
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,6}?(?:省|自治区|市|区|县)(?![\u4e00-\u9fff]{0,2}块链)")
_KIND = re.compile(r"[该此本](?:行动计划|行动方案|实施方案|扶持办法|管理办法|暂行办法|白皮书|报告|倡议|公约|条例|指引|意见|规定|规划|"
                   r"方案|计划|办法|通知|文件|咨询文件|征求意见稿)")


# Words any 短评 may use whatever its item: a clause holding only these and the new item's own words is not the
# precedent's particulars.
_GENERIC = frozenset(['发展', '产业', '企业', '相关', '推动', '提出', '明确', '方向', '政策', '支持', '建设', '应用', '技术', '创新', '领域', '方面', '重点', '发布', '印发', '体现', '思考', '重视', '前瞻性', '高度', '关注', '有序', '健康', '蓝图', '规划', '方案', '计划', '行动', '措施', '举措', '提供', '保障', '生态', '市场', '主体', '布局', '机遇', '机会', '空间', '有助于', '有利于', '合规', '要求', '业务', '对照', '自身', '而言', '对于', '当地', '申报', '条件', '材料', '尽早', '逐条', '准备', '值得', '持续', '后续', '落地', '情况', '配套', '细则', '出台', '战略', '部署', '清晰', '具体', '目标', '实施', '数字', '经济', '新兴', '示范', '作用', '积极', '趋势', '设定', '加速', '转型', '规模', '指标', '路径', '量化', '结合', '优势', '体现了', '充分', '策略', '决策', '行动决策', '有力', '支撑', '奠定', '基础', '增长', '方针', '实践性', '指导', '展现', '远见', '时代', '实力', '意义', '此举', '不仅', '而且', '同时', '以及', '通过', '进一步', '提供了', '为了', '其中', '这一', '该', '文件', '未来', '全国', '地区', '区域', '领先', '高地', '打造', '推进', '促进', '鼓励', '引导', '加快', '加强', '完善', '优化', '环境', '体系', '能力', '水平', '质量', '效率', '深化', '拓展', '融合', '升级', '参与', '共同', '各方', '行业', '领先地位', '思路', '重点突出', '系统', '全面', '统筹', '协同', '整体', '总体', '主要', '任务', '进程', '阶段', '方式', '做法', '经验', '提升', '形成', '构建', '相应', '随之', '参考', '借鉴', '研判', '评估', '注意', '留意', '跟进', '观察', '把握', '共识', '边界', '审视', '梳理', '调整', '变化', '影响', '可能', '或将', '有望', '战略性', '新兴产业', '数字经济', '产业发展', '产业链', '发展趋势', '健康有序', '政策支持', '企业发展', '政策指引', '发展机遇', '市场主体', '一系列'])

# Who issued the document, at the start of a sentence: "X印发的《…》", "X等5部门发布《…》" are one opening.
_ISSUER_LEAD = re.compile(r"^[^，。《》]{0,40}?(?:印发|发布|出台|公布|刊发)(?:的)?《》")


def fold(text: str) -> str:
    """NFKC without spaces next to Chinese; spaces between Latin words and digits stay (Quest 3, 中共中央 国务院)."""
    text = unicodedata.normalize("NFKC", text).strip()
    return re.sub(r"(?<=[，。、；：,.;:])\s+|\s+(?=[，。、；：,.;:])", "", text)


def sentences(text: str) -> list[str]:
    """The sentences of a 短评, each with its end mark."""
    return [s for s in re.findall(r"[^。！？]+[。！？]?", fold(text)) if len(s) > 1]


def stock_key(sentence: str) -> str:
    """The sentence with its slots (《titles》, places, topics, 该<kind>, numbers) masked."""
    s = re.sub(r"《[^《》]*》", "《》", re.sub(r"\s+", "", fold(sentence)))
    s = _ISSUER_LEAD.sub("某方发布《》", s)
    s = _KIND.sub("该文件", s)
    s = _PLACE.sub("某地", s)
    s = re.sub(r"某领域(?:产业|技术)", "某领域", _TOPIC.sub("某领域", s))
    return re.sub(r"\d+(?:\.\d+)?", "0", s)


class SentenceCount:
    """Sentences of an issue's 短评 so far, counted by stock key; not thread-safe (callers lock)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.example: dict[str, str] = {}

    def add(self, commentary: str) -> None:
        """Count each sentence of one 短评 once."""
        for s in sentences(commentary):
            key = stock_key(s)
            if key not in self.example or self.example[key] == s:
                self.example[key] = s
        self.counts.update({stock_key(s) for s in sentences(commentary)})

    def twice(self, limit: int = 2) -> list[str]:
        """One sentence for every key used limit times already: the drafter words these otherwise."""
        return sorted(self.example[k] for k, n in self.counts.items() if n >= limit)


def used_keys(avoid: Iterable[str]) -> set[str]:
    """Stock keys of the sentences an issue already used twice."""
    return {stock_key(s) for s in avoid}


def _names_of(item: Item, profile: Profile | None) -> tuple[list[str], list[str], list[str]]:
    """The precedent's own documents, issuer and places, longest first: none may reach the new item's 短评."""
    text = fold(f"{item.title}{item.body}")
    docs = re.findall(r"《([^《》]+)》", text)
    docs += [n for d in list(docs) for n in guard.short_names(d)[1:2]]
    bodies = [fold(profile.issuer)] if profile and profile.issuer else []
    places = _PLACE.findall(text) + re.findall(_PROVINCES, text)

    def order(names: list[str]) -> list[str]:
        return sorted({n for n in names if len(n) >= 2}, key=len, reverse=True)

    return order(docs), order(bodies), order(places)


def _own_detail(clause: str, precedent: Item, item: Item) -> bool:
    """A clause stating something the new item does not: a word that is neither the item's own nor generic,
    or a quotation the item lacks (the precedent's particulars, 工业元宇宙, “中国元宇宙谷”)."""
    ours = fold(item.title + item.body)
    for q in re.findall(r"[“\"]([^”\"]+)[”\"]", clause):
        if q not in ours:
            return True
    for word in jieba.cut(re.sub(r"《[^《》]*》", "", clause)):
        if len(word) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", word) and word not in ours and not _generic(word):
            return True
    return False


# Characters that carry no fact on their own (对拟 = 对 + 拟).
_FUNCTION = frozenset("对拟在的而可以为将与和及了也并其之等于从向由把被更较均各该此其所")


def _generic(word: str) -> bool:
    """A word made only of generic words and function characters (申报材料 = 申报 + 材料)."""
    i = 0
    while i < len(word):
        step = next((n for n in (4, 3, 2) if word[i:i + n] in _GENERIC), 1 if word[i] in _FUNCTION else 0)
        if not step:
            return False
        i += step
    return True


def adapt(sentence: str, precedent: Precedent, subs: dict[str, str], item: Item, source_text: str | None,
          profile: Profile | None = None) -> str | None:
    """A precedent's sentence with its names replaced by the new item's, or None when any fact of its own remains.

    subs: "ref" (《doc》 or 该<kind>), "this" (该<kind>), "issuer", "place" of the new item. A sentence with a clause
    holding the precedent's own words or quotations is refused, and so is one that still states a number, a title,
    a body or a place the new item does not support (the fact check decides).
    """
    s = fold(sentence)
    if "部门" in s and "部门" not in subs.get("issuer", ""):
        return None  # never call the new issuer a 部门 it is not
    docs, bodies, places = _names_of(precedent.item, precedent.profile)
    # Names become placeholders first, so the new item's own names are never rewritten in turn.
    for name in docs:
        s = s.replace(f"《{name}》", "\x01R\x02")
    for name, slot in [(b, "I") for b in bodies] + [(p, "P") for p in places]:
        if name in s:
            s = s.replace(name, f"\x01{slot}\x02")
    values = {"R": subs["ref"], "I": subs.get("issuer", ""), "P": subs.get("place", "")}
    for slot, value in values.items():
        if f"\x01{slot}\x02" in s:
            if not value:
                return None  # the new item has no such name: the sentence would lose its subject
            s = s.replace(f"\x01{slot}\x02", value)
    s = _KIND.sub(subs["this"], s)
    if re.search(r"《[^《》]*》", re.sub(re.escape(subs["ref"]), "", s)) if subs["ref"].startswith("《") else "《" in s:
        return None  # a title that is not the new item's own
    s = re.sub(r"(省|市|区|县)\1", r"\1", s)  # 四川 → 河南省 before 省: 河南省省
    # All or nothing: a clause dropped from the middle leaves "不仅……" without its "也……", or a verb without its object.
    if any(_own_detail(p, precedent.item, item) for p in re.split(r"[，；,;]", s.rstrip("。"))):
        return None
    s = s.rstrip("。") + "。"
    if len(s) < 8 or s[0] in "，。、；":
        return None
    if guard.check_facts(s, item.model_copy(update={"commentary": None}), source_text=source_text):
        return None  # a number, title, body or place of the precedent's own is still there
    if profile is not None and guard.check_stance(s, profile):
        return None  # praise taken over into a warning, a rule or an event
    return s


def moves(precedents: list[Precedent], profile: Profile) -> list[Precedent]:
    """Precedents whose 短评 may lend their moves: same kind and stance; the editors' accepted 短评 first (their
    latest word on the house voice), then past issues', each nearest first."""
    same = [p for p in precedents if p.item.commentary and p.profile is not None and p.profile.kind == profile.kind
            and p.profile.stance == profile.stance]
    return sorted(same, key=lambda p: p.item.issue != "accepted")  # stable: nearest first within each group


def pick(move: str | tuple[str, ...], used: set[str], *, keep: bool = False) -> str:
    """The first wording of a move that the issue has not used twice; keep: the last wording rather than none."""
    options = (move,) if isinstance(move, str) else move
    for option in options:
        if stock_key(option) not in used:
            return option
    return options[-1] if keep else ""


def _named(opening: str, subs: dict[str, str]) -> str | None:
    """A precedent's opening that names the new item's issuer and document (added before the document when missing)."""
    issuer, ref = subs["issuer"], subs["ref"]
    if issuer and issuer in opening and ref in opening:
        return opening
    if not issuer:
        return opening if ref in opening else None
    for name in (ref, subs["this"]):
        if opening.startswith(name):
            return f"{issuer}{subs.get('verb') or '发布'}的{ref}{opening[len(name):]}"
    return None


def with_voice(core: list[str], precedents: list[Precedent], profile: Profile, subs: dict[str, str], item: Item,
               raw_text: str | None, used: set[str]) -> list[str]:
    """The draft with its opening and closing replaced by those of the nearest same-kind precedents, edited to
    this item (subs: its ref, this, issuer, place, verb); a move that cannot be edited safely is left as it was."""
    same = moves(precedents, profile)
    if not same or len(core) < 2:
        return core
    out = list(core)
    for slot, at in ((0, 0), (len(out) - 1, -1)):
        for p in same:
            said = sentences(p.item.commentary or "")
            if len(said) < 2:
                continue
            adapted = adapt(said[at], p, subs, item, raw_text, profile)
            if adapted and slot == 0:
                adapted = _named(adapted, subs)  # an opening must name the item's own document and issuer
            if adapted and stock_key(adapted) not in used and clauses.whole(adapted.rstrip("。")) and adapted not in out:
                out[slot] = adapted
                break
    return out


def whole_only(text: str, lead: str) -> str:
    """Sentences that are not whole are dropped; a broken opening becomes the plain lead."""
    said = sentences(text)
    kept = [x for x in said if not problems(x)]
    if said and problems(said[0]):
        kept.insert(0, f"{lead}。")
    return "".join(kept)

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

from drafting import guard
from drafting.models import Item, Precedent, Profile

# Topics and places are slots of a sentence: two sentences that differ only there are the same stock sentence.
_TOPIC = re.compile(r"元宇宙产业|区块链技术|元宇宙|区块链|Web3|虚拟现实|数字人|人工智能|数字经济|科技创新|NFT|数字藏品|虚拟资产|"
                    r"虚拟货币|稳定币|数据资源|数据要素|数据")
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,6}?(?:省|自治区|市|区|县)(?![\u4e00-\u9fff]{0,2}块链)")
_KIND = re.compile(r"[该此本](?:行动计划|行动方案|实施方案|扶持办法|管理办法|暂行办法|白皮书|报告|倡议|公约|条例|指引|意见|规定|规划|"
                   r"方案|计划|办法|通知|文件|咨询文件|征求意见稿)")


# Words any 短评 may use whatever its item: a clause holding only these and the new item's own words is not the
# precedent's particulars.
_GENERIC = frozenset((
    "发展", "产业", "企业", "相关", "推动", "提出", "明确", "方向", "政策", "支持", "建设", "应用", "技术", "创新", "领域", "方面",
    "重点", "发布", "印发", "体现", "思考", "重视", "前瞻性", "高度", "关注", "有序", "健康", "蓝图", "规划", "方案", "计划",
    "行动", "措施", "举措", "提供", "保障", "生态", "市场", "主体", "布局", "机遇", "机会", "空间", "有助于", "有利于", "合规",
    "要求", "业务", "对照", "自身", "企业而言", "当地", "申报", "条件", "材料", "尽早", "逐条", "准备", "值得", "持续", "后续",
    "落地", "情况", "配套", "细则", "出台", "战略", "部署", "清晰", "具体", "目标", "实施", "数字", "经济", "新兴", "示范",
    "作用", "积极", "趋势", "设定", "加速", "转型", "规模", "指标", "路径", "量化", "纲", "拟", "布局", "结合", "优势",
))


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
    s = _KIND.sub("该文件", s)
    s = _PLACE.sub("某地", s)
    s = _TOPIC.sub("某领域", s)
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


def _names_of(item: Item, profile: Profile | None) -> list[str]:
    """The precedent's own names that must not reach the new item's 短评: documents, issuer, places."""
    text = fold(f"{item.title}{item.body}")
    names = [t for t in re.findall(r"《([^《》]+)》", text)]
    names += [n for d in list(names) for n in guard.short_names(d)[1:2]]
    if profile and profile.issuer:
        names.append(fold(profile.issuer))
    names += _PLACE.findall(text)
    names += [m for m in re.findall(r"(北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|"
                                    r"海南|四川|贵州|云南|陕西|甘肃|青海|内蒙古|广西|西藏|宁夏|新疆|香港|澳门)", text)]
    return sorted({n for n in names if len(n) >= 2}, key=len, reverse=True)


def _own_detail(clause: str, precedent: Item, item: Item) -> bool:
    """A clause that carries the precedent's own particulars: a word, a list or a quotation its item has and ours lacks."""
    theirs, ours = fold(precedent.title + precedent.body), fold(item.title + item.body)
    for word in jieba.cut(clause):
        if len(word) >= 2 and re.search(r"[\u4e00-\u9fff]", word) and word in theirs and word not in ours \
                and word not in _GENERIC:
            return True
    for q in re.findall(r"[“\"]([^”\"]+)[”\"]", clause):
        if q not in ours:
            return True
    if "、" in clause:
        for part in re.split(r"[、和与及]", re.sub(r"^.*?(?:在|对|将|为|涵盖|包括|围绕|针对)", "", clause)):
            part = re.sub(r"(?:等)?(?:领域|方面|行业|方向|重点).*$", "", part)
            if len(part) >= 2 and part in theirs and part not in ours:
                return True
    return False


def adapt(sentence: str, precedent: Precedent, subs: dict[str, str], item: Item, source_text: str | None,
          profile: Profile | None = None) -> str | None:
    """A precedent's sentence with its names replaced by the new item's, or None when any fact of its own remains.

    subs: "ref" (《doc》 or 该<kind>), "this" (该<kind>), "issuer", "place" of the new item. Clauses holding the
    precedent's own lists or quotations are dropped; a sentence that still states a number, a title, a body or a
    place the new item does not support is refused (the fact check decides).
    """
    s = fold(sentence)
    if "部门" in s and "部门" not in subs.get("issuer", ""):
        return None  # never call the new issuer a 部门 it is not
    for name in _names_of(precedent.item, precedent.profile):
        if name not in s or name in (subs.get("issuer"), subs.get("place")):
            continue
        if f"《{name}》" in s:
            s = s.replace(f"《{name}》", subs["ref"])
            continue
        is_issuer = bool(precedent.profile and name == fold(precedent.profile.issuer or ""))
        value = subs.get("issuer" if is_issuer else "place") or ""
        if not value:
            return None  # the new item has no such name: the sentence would lose its subject
        s = s.replace(name, value)
    s = _KIND.sub(subs["this"], s)
    if re.search(r"《[^《》]*》", re.sub(re.escape(subs["ref"]), "", s)) if subs["ref"].startswith("《") else "《" in s:
        return None  # a title that is not the new item's own
    s = re.sub(r"(省|市|区|县)\1", r"\1", s)  # 四川 → 河南省 before 省: 河南省省
    parts = re.split(r"(?<=[，；,;])", s.rstrip("。"))
    kept = [p for n, p in enumerate(parts) if not _own_detail(p, precedent.item, item) or n == 0 and subs["ref"] in p]
    if not kept or _own_detail(kept[0], precedent.item, item) and len(kept) == 1:
        return None
    s = "".join(kept).rstrip("，；") + "。"
    if len(s) < 8 or s[0] in "，。、；":
        return None
    if guard.check_facts(s, item.model_copy(update={"commentary": None}), source_text=source_text):
        return None  # a number, title, body or place of the precedent's own is still there
    if profile is not None and guard.check_stance(s, profile):
        return None  # praise taken over into a warning, a rule or an event
    return s


def moves(precedents: list[Precedent], profile: Profile) -> list[Precedent]:
    """Precedents whose 短评 may lend their moves: accepted or past 短评 of the same kind, nearest first."""
    return [p for p in precedents if p.item.commentary and p.profile is not None and p.profile.kind == profile.kind
            and p.profile.stance == profile.stance]

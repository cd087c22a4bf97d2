"""What the newsletter covers, as words: the subjects of its sections, and the words that say an entry is out of scope.

The subjects are the ones item profiles already use (``drafting.corpus.profile.SUBJECTS``: 元宇宙, 区块链, 虚拟资产, 数字人,
数据要素, 人工智能, 虚拟现实), widened with the rules and markets the firm's 政策速递 follows around them (数据出境,
个人信息, 深度合成 and 算法备案, 数字人民币, 代币化/RWA, 数字孪生 …). A word in the title counts more than one in the
text: a 统计 bulletin that says 数据显示 is not about data rules, a plan whose title names 区块链 is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from drafting.corpus.profile import SUBJECTS
from drafting.sources.convert import is_traditional, to_simplified

# Beyond the profile's subjects: the rules and markets of the same scope (subject, pattern), most specific first.
_MORE: tuple[tuple[str, str], ...] = (
    ("虚拟资产", r"数字资产|代币化|通证|RWA|虚拟资产交易平台|交易所.{0,6}(?:加密|虚拟)|质押服务|托管.{0,4}数字资产|洗钱.{0,10}虚拟"),
    ("数字人民币", r"数字人民币|数字货币|e-CNY|央行数字"),
    ("数据要素", (r"数据出境|数据安全|个人信息|网络数据|网络安全法|数据分类分级|重要数据|数据局|数据开放|数据产品|数据确权|"
               r"数据治理|数据交易所|数据标注|数字经济")),
    ("人工智能", r"深度合成|算法备案|算法推荐|生成内容标识|智能体|具身智能|人形机器人|算力"),
    ("区块链", r"智能合约|分布式数字身份|跨链|链上|上链|以太坊|DeFi|去中心化金融|二层网络"),
    ("虚拟现实", r"空间计算|数字孪生|沉浸式|近眼显示|虚实融合|三维数字空间|全息"),
)
# 数字人民币 is money, not a 数字人: the profile's 数字人 pattern would read it as one.
SCOPE: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (subject, re.compile(pattern.replace("数字人|", "数字人(?!民币)|") if subject == "数字人" else pattern, re.IGNORECASE))
    for subject, pattern in SUBJECTS + _MORE
)
# Said in a title, these put an entry outside the newsletter unless a scope word is in the title too.
OUT_OF_SCOPE = re.compile(
    r"粮食|秋粮|储备粮|小麦|玉米|农田|农业生产|旅游市场|出游|旅游统计|旅游数据|国民经济运行|经济运行情况|统计公报|"
    r"最低工资|防汛|森林防火|消防|安全生产|供暖|疫苗|招生|入学|交通组织|养老|非物质文化遗产|国土绿化|稀土|钢铁|船舶|"
    r"新能源汽车|楼市|房贷|快递|光伏|乳制品|天然气|内幕交易|上市规则|取消资格"
)
SCOPE_WORDS = "元宇宙、Web3、区块链、虚拟资产、数据规则、人工智能"


def fold(text: str) -> str:
    """Width folded, Traditional read as Simplified (the Hong Kong regulator's notices match the same words)."""
    text = unicodedata.normalize("NFKC", text or "")
    return to_simplified(text) if is_traditional(text) else text


@dataclass(frozen=True)
class ScopeHit:
    """Which subjects of the newsletter an entry names, in its title and in its text."""

    title: tuple[str, ...]
    text: tuple[str, ...]
    words: tuple[str, ...]  # the words found (the title's first), for the reason
    out_of_scope: str | None  # an out-of-scope word of the title, when no scope word is there

    @property
    def subjects(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.title + self.text))

    @property
    def score(self) -> float:
        """1 when the title names a subject; less when only the text does (more with more subjects); 0 otherwise."""
        if self.title:
            return 1.0
        if self.text:  # the page is about the subject though its title does not say so (a 条例 on the 数字经济)
            return min(0.85, 0.7 + 0.1 * (len(self.text) - 1) + 0.05 * (len(set(self.words)) - 1))
        return 0.0


def scope_of(title: str, text: str) -> ScopeHit:
    """The subjects named in the title and in the text (title and text already folded)."""
    in_title: list[str] = []
    in_text: list[str] = []
    title_words: list[str] = []
    text_words: list[str] = []
    for subject, pattern in SCOPE:
        t = pattern.search(title)
        b = pattern.findall(text)
        if t:
            in_title.append(subject)
            title_words.append(t.group(0))
        elif b:
            in_text.append(subject)
            text_words.extend(b[:2])
    words = title_words or text_words
    out = OUT_OF_SCOPE.search(title)
    return ScopeHit(title=tuple(dict.fromkeys(in_title)), text=tuple(s for s in dict.fromkeys(in_text) if s not in in_title),
                    words=tuple(dict.fromkeys(words)), out_of_scope=out.group(0) if out and not in_title else None)

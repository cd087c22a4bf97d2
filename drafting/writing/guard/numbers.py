"""Numbers compared with what they count: 9项 is not 9月, 194% is not 194, 100个 is not 100家.

guard.py finds the numbers (and dates); this module reads the unit after each one and decides whether the source
states the same value for the same thing. A Chinese numeral may also count a list the source spells out
(三家协会 for three named associations).
"""

from __future__ import annotations

import re
from decimal import Decimal

# Units and measure words after a number, longest first. "%" is read by guard.py's number pattern itself.
_UNITS = ("平方米", "美元", "港元", "欧元", "人民币", "方面", "部门", "元", "个", "家", "项", "条", "台", "副", "款", "名", "位", "座",
          "所", "轮", "次", "份", "种", "类", "部", "件", "只", "枚", "套", "批", "期", "届", "场", "人", "户", "吨", "倍", "年",
          "月", "日", "天", "周", "点", "地", "大", "亿", "万", "%")
_UNIT = re.compile(r"\s*(" + "|".join(re.escape(u) for u in _UNITS) + ")")
# Items of a list that are bodies (委, 部, 局, 协会 …): a Chinese numeral may count them (两部门, 三家协会).
_BODY_END = tuple("委部局会院办厅府行所司署")
_DUTIES = ("不得", "禁止", "应当", "须")

Counted = tuple[Decimal, str]


def unit_after(folded: str, end: int) -> str:
    """The unit or measure word right after a number ending at end ('' when none)."""
    m = _UNIT.match(folded, end)
    return m.group(1) if m else ""


def date_parts(ymd: tuple[int | None, int | None, int | None]) -> set[Counted]:
    """A date's parts as counted numbers: 2024年, 3月, 15日 (never 15家)."""
    return {(Decimal(v), u) for v, u in zip(ymd, ("年", "月", "日"), strict=True) if v is not None}


def enumeration_counts(folded: str) -> set[int]:
    """How many bodies the source lists in one breath (A、B、C联合…), and how many duties it states (不得… 不得…)."""
    counts: set[int] = set()
    for clause in re.split(r"[，,。；;：:\n]", folded):
        for run in re.findall(r"[^、\s]+(?:[、\s]+[^、\s]+)+", clause):
            items = [i for i in re.split(r"[、\s]+", run) if i]
            # the last item carries the rest of the clause (…协会联合发布): cut it at the last body ending
            last = re.match(rf"^.*?[{''.join(_BODY_END)}]", items[-1])
            if last:
                items[-1] = last.group(0)
            if len(items) >= 2 and all(i.endswith(_BODY_END) for i in items):
                counts.add(len(items))
    for duty in _DUTIES:
        n = folded.count(duty)
        if n >= 2:
            counts.add(n)
    return counts


def is_known(value: Decimal, unit: str, counted: set[Counted], *, chinese: bool = False, lists: frozenset[int] = frozenset()) -> bool:
    """True when the source states value for the same unit, or the bare value, or (Chinese numeral) a list that long."""
    if unit == "%":
        return (value, "%") in counted
    if chinese and int(value) in lists:
        return True
    if unit:
        return (value, unit) in counted or (value, "") in counted
    return any(v == value and u != "%" for v, u in counted)


def counts_named_places(folded: str, start: int, value: Decimal, unit: str, source_text: str) -> bool:
    """深港两地, 京津冀三地: a Chinese numeral counting the one-character place names right before it, as the source
    writes them."""
    n = int(value)
    if unit not in ("地", "国", "岸", "省", "市") or not 2 <= n <= 4 or start < n:
        return False
    names = folded[start - n:start]
    return bool(re.fullmatch(r"[\u4e00-\u9fff]+", names)) and names in source_text

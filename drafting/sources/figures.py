"""Key figures of a policy or news text: amounts, shares and counts, with their unit and what they measure.

Amounts are valued by jionlp's parse_money (1200亿元 → 1.2e11 元, 数亿元 → its lower bound), Chinese numerals by cn2an;
what a figure measures is the noun phrase before it (产业规模达到1200亿元) or, for counts, after it (培育10家龙头企业).
"""

from __future__ import annotations

import contextlib
import io
import logging
import re

import cn2an
from pydantic import BaseModel, Field

with contextlib.redirect_stdout(io.StringIO()):  # jionlp prints a banner on import: it would corrupt --json output
    import jionlp

logger = logging.getLogger(__name__)


class Figure(BaseModel):
    """One key figure as written, its value in base units, its unit and what it measures."""

    text: str = Field(description="as written: 1200亿元, 98%, 10家")
    value: float | None = Field(None, description="in base units: 1.2e11 for 1200亿元; lower bound of a range")
    unit: str = Field("", description="元, 美元, 港元, %, 家, 个 …")
    measure: str = Field("", description="what it measures: 产业规模, 龙头企业 …")


_NUM = r"(?:\d+(?:,\d{3})*(?:\.\d+)?|[一二两三四五六七八九十百千]+)"
_RANGE = rf"{_NUM}(?:\s*[-—–~～至到]\s*{_NUM})?"
_MONEY_UNIT = r"(?:元|美元|港元|港币|欧元|英镑|日元|人民币|美金)"
_COUNT_UNIT = (r"(?:个工作日|个营业日|个月|工作日|营业日|家|个|项|所|座|台|套|款|部|人次|万人|人|名|倍|条|批|类|笔|件|宗|场|天|"
               r"年|户|GW|MW|TB|PB|EFLOPS|PFLOPS)")
_FIGURE = re.compile(
    rf"(?P<pre>超过|超|逾|近|约|不少于|不低于|达到|达|突破)?"
    rf"(?P<num>(?:数|几)?{_RANGE}|数十|数百|数千|数|几)\s*(?P<mult>万亿|千亿|百亿|十亿|亿|千万|百万|十万|万|千)?\s*(?:余|多)?"
    rf"(?:(?P<money>{_MONEY_UNIT})|(?P<pct>%|％|个百分点)|(?P<count>{_COUNT_UNIT})|(?P<bare>(?<=[万亿])(?=[，。；、\s）)]|$)))"
)
_MULT = {"万亿": 1e12, "千亿": 1e11, "百亿": 1e10, "十亿": 1e9, "亿": 1e8, "千万": 1e7, "百万": 1e6, "十万": 1e5, "万": 1e4,
         "千": 1e3}
_VERB_TAIL = re.compile(r"(?:达到|超过|突破|不少于|不低于|力争|给予|最高|分别|一次性|年均|增长|提升至|提高到|提高至|达|超|逾|约|近|为|至|到|占比|以上|左右)+$")
_LEAD_NOISE = re.compile(r"^(?:提出|明确|要求|到\d{4}年|到20\d\d年底?|力争|其中|全年|预计|累计|新增|培育|打造|建设|建成|形成|引进|推动|带动|实现|"
                         r"并|和|与|及|且|共|总)+")


def _number(text: str) -> float | None:
    text = text.replace(",", "")
    first = re.split(r"[-—–~～至到]", text)[0].lstrip("数几")
    if not first:
        return 1.0  # 数亿元: at least one 亿
    try:
        return float(first)
    except ValueError:
        try:
            return float(cn2an.cn2an(first, "smart"))
        except ValueError:
            return None


def _measure_before(text: str, start: int) -> str:
    cut = max(text.rfind(p, 0, start) for p in "，。；：:、\n（(")
    phrase = _VERB_TAIL.sub("", text[cut + 1:start].strip())
    phrase = _LEAD_NOISE.sub("", phrase)
    tail = re.sub(r"^.*(?:推动|带动|促进|实现|预计|使|让)", "", phrase)  # 相关规定将推动数据资产规模 → 数据资产规模
    return (tail if len(tail) >= 2 else phrase)[-16:]


def _measure_after(text: str, end: int) -> str:
    m = re.match(r"(?:以上|左右|多)?\s*([^，。；：、\n（(]{1,30})", text[end:])
    if not m:
        return ""
    phrase = m.group(1).split("的")[-1]
    return phrase[:16]


def _skip(text: str, m: re.Match[str]) -> bool:
    before, after = text[max(0, m.start() - 2):m.start()], text[m.end():m.end() + 2]
    num = m.group("num")
    if m.group("count") and (re.search(r"第$", before) or re.match(r"^(?:部门|以内|月|日)", m.group("count") + after)):
        return True  # 第3条, 五部门 (the issuer count), dates
    if m.group("count") and not re.search(r"\d", num) and m.group("count") in ("个", "项", "类", "条", "批", "部", "名", "年",
                                                                                "家", "人", "件", "场", "天"):
        return True  # 三个方面, 五项任务, 三年行动: wording, not figures
    if m.group("count") in ("年", "天") and re.match(r"^(?:级|度|底|内|以来|初|末|月)", after) is None and len(num) >= 4:
        return True  # 2025年: a year
    if m.group("count") == "天" and re.search(r"[月]$", before):
        return True
    return bool(m.group("bare") is not None and not re.search(r"\d", num))


def key_figures(text: str, limit: int = 20) -> list[Figure]:
    """Amounts, percentages and counts in the order written (no repeats)."""
    found: dict[str, Figure] = {}
    for m in _FIGURE.finditer(text):
        if _skip(text, m):
            continue
        written = re.sub(r"\s+", "", m.group(0))
        if m.group("pre"):
            written = written[len(m.group("pre")):]
        if written in found:
            continue
        mult = _MULT.get(m.group("mult") or "", 1.0)
        value = _number(m.group("num"))
        if m.group("money"):
            unit = {"港币": "港元", "人民币": "元", "美金": "美元"}.get(m.group("money"), m.group("money"))
            with contextlib.suppress(Exception):  # jionlp raises on forms it does not know; ours still stands
                parsed = jionlp.parse_money(written)
                num = parsed.get("num")
                value = float(num[0] if isinstance(num, list) else num)
                mult = 1.0
            measure = _measure_before(text, m.start())
            if reward := re.match(r"的?((?:Pre-)?[A-E]?\d?\+?轮?(?:奖励|补贴|资助|扶持|融资|投资|补助|贷款))", text[m.end():m.end() + 10]):
                measure = reward.group(1)
            elif not measure or text[m.end():m.end() + 1] == "的":
                measure = measure or _measure_after(text, m.end())
        elif m.group("pct"):
            unit, measure = "%" if m.group("pct") != "个百分点" else "个百分点", _measure_before(text, m.start())
        elif m.group("bare") is not None:
            unit, measure = "", _measure_before(text, m.start())
        else:
            unit, measure = m.group("count"), _measure_after(text, m.end()) or _measure_before(text, m.start())
        found[written] = Figure(text=written, value=None if value is None else value * mult, unit=unit, measure=measure)
        if len(found) >= limit:
            break
    return list(found.values())

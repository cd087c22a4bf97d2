"""Fact and style checks: what the draft says that the source does not."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from drafting.corpus.profile import EVENT_KINDS
from drafting.models import Finding, Item, Profile
from drafting.settings import GuardSettings
from drafting.writing.guard.documents import fragments, wrong_documents
from drafting.writing.guard.names import expand_short_forms, known_names, named_without_suffix
from drafting.writing.guard.numbers import (
    Counted,
    counts_named_places,
    date_parts,
    enumeration_counts,
    is_known,
    unit_after,
)

logger = logging.getLogger(__name__)

# fragment: a sentence that is not whole (drafting.writing.guard.sentences); wrong_document: another document or issuer than the item's own.
FACT_KINDS = frozenset({"number", "date", "title", "org", "place", "person", "fragment", "wrong_document"})

_DASHES = dict.fromkeys(map(ord, "—–―‐‑‒−－~～〜"), "-")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
_MULT = {"万亿": Decimal(10) ** 12, "亿": Decimal(10) ** 8, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6, "万": Decimal(10) ** 4}

_DATE_PATTERNS = [
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"),
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?!\s*\d)"),
    re.compile(r"(?<![\d年])(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"),
]
_NUMBER = re.compile(r"(?<![\d.])(\d+(?:,\d{3})*(?:\.\d+)?)\s*(%|万亿|亿|千万|百万|万)?")
# Chinese numerals count as facts only before a measure word ("三大方向", "十五家"); a bare 一 is an article.
_CN_NUMBER = re.compile(
    r"([零〇一二两三四五六七八九十百千万亿]+)\s*(?=个|家|项|大|条|类|年|倍|名|座|所|轮|起|部门|方面|次|款|位|期|届|种|栋|支|台|份|点|地|亿|万|%)"
)
_TITLE = re.compile(r"《([^《》]{1,120})》")
_DOC_REF = re.compile(
    r"(该|此|这一|这项|本次|上述)[\u4e00-\u9fff]{0,8}?"
    r"(计划|方案|办法|意见|通知|规划|政策|措施|文件|条例|规定|细则|白皮书|标准|指引|指南|举措|征求意见稿)|此举"
)
_VOICE = re.compile(r"我们|我所|本所|笔者|我(?!国)")

_PLACE_SUFFIXES = ("省", "市", "区", "县", "镇", "州")
_ORG_SUFFIXES = (
    "委员会", "办公室", "政府", "公司", "集团", "银行", "协会", "学会", "研究院", "研究所", "交易所", "大学",
    "部", "厅", "局", "委", "办", "院", "署", "司",
)
_GENERIC_PLACES = frozenset(
    ["中国", "我国", "全国", "国内", "国外", "国际", "全球", "世界", "海外", "境内", "境外", "各地", "地方", "全省", "全市", "全区", "本市", "该市", "本省", "该省", "省内", "市内", "区内", "区域", "省级", "市级", "区级", "各省", "国家", "中央", "城市", "东部", "西部", "中部", "沿海", "内地"]
)
_GENERIC_ORG_PARTS = frozenset(["相关", "有关", "主管", "监管", "各级", "地方", "职能", "政府", "该", "各", "上述", "国家", "行业", "业务", "管理"])
_MERGE_FLAGS = {"n", "vn", "ns", "nt", "nz", "j", "l", "ng", "an"}
# Short names of public bodies that jieba reads as plain nouns (科技部) or abbreviations (证监会); never the generic
# departments written with 门 (相关工信部门, 财政部门 are not a named body).
_BODIES = re.compile(
    "(?:香港证监会|中央网信办|国家网信办|金融监管总局|市场监管总局|国家数据局|国家发改委|银保监会|科技部|网信办|证监会|央行|人民银行|"
    "工信部|发改委|财政部|商务部|公安部|教育部|国资委|外汇局|文旅部|最高法|最高检|国务院|金管局|信通院|交易所)(?!门)"
)
# A company named without its suffix: a distinctive word + one of these (零数科技, 硅基智能, 当红齐天集团).
_COMPANY_TAILS = frozenset(["科技", "智能", "集团", "控股", "资本", "基金", "传媒", "数科", "股份", "互娱", "影业", "视觉", "智造"])
_GENERIC_HEADS = frozenset(
    ["金融", "数字", "信息", "网络", "人工", "智能", "前沿", "关键", "核心", "高新", "新兴", "未来", "文化", "区块链", "元宇宙",
     "数据", "互联网", "能源", "生物", "医疗", "教育", "农业", "工业", "产业", "行业", "相关", "现代", "创新", "应用", "技术",
     "平台", "虚拟", "智慧", "科学", "国有", "产业链", "投资", "科创", "硬", "黑", "自主", "头部", "领军", "龙头", "企业", "该", "多家"]
)
_PRAISE = re.compile(r"前瞻性|高度重视|高度关注|明确方向|明确的方向|战略部署|系统部署|发展机遇|政策机遇|清晰的蓝图|有力的政策支撑|"
                     r"策略思考|广阔的空间|奠定了基础|提供了有力|重要引领")
_PERSON_AFTER = frozenset(["表示", "称", "指出", "认为", "介绍", "说", "旗下", "担任", "创办", "出席", "致辞", "牵头", "带领", "透露", "强调", "等人", "先生", "女士"])
_PERSON_BEFORE = frozenset(["董事长", "总裁", "CEO", "创始人", "院士", "教授", "主任", "局长", "部长", "负责人", "总经理", "导演", "合伙人", "副局长", "司长"])
_EVENT_WORDS = re.compile(r"该文件|此文件|这一文件|配套细则|政策文件")


def _fold(text: str) -> str:
    """NFKC plus one dash: the form in which draft and source are compared."""
    return unicodedata.normalize("NFKC", text).translate(_DASHES)


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", _fold(text))


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    """Folded text and, for each of its characters, the offset of the original character."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold(ch)
        out.append(folded)
        where.extend([i] * len(folded))
    return "".join(out), where


def cn_to_int(text: str) -> int | None:
    """Chinese numeral → int ('二十五' → 25, '两千' → 2000, '三' → 3); None when not a numeral."""
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit >= 10_000:
                section = (section + (digit or 0)) * unit
                total += section
                section = 0
            else:
                section += (1 if digit is None else digit) * unit
            digit = None
        else:
            return None
    return total + section + (digit or 0)


def _dec(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "")).normalize()
    except InvalidOperation:
        return None


_YMD = tuple[int | None, int | None, int | None]


@dataclass
class _Facts:
    """What a text states, in comparable form."""

    numbers: set[tuple[Decimal, bool]]
    dates: set[tuple[int | None, int | None, int | None]]
    text: str  # compact folded text, official short forms expanded
    titles: list[str]
    counted: set[Counted]  # numbers with what they count (9项, 9月 and a bare 9 are three facts)
    lists: frozenset[int]  # how many bodies the source lists in one breath (两部门, 三家协会)


def _scan_numbers(folded: str) -> tuple[list[tuple[int, int, str, _YMD]], list[tuple[int, int, str, Decimal, bool]]]:
    """Dates (span, text, (y, m, d)) and numbers (span, text, value, is_percent) in folded text."""
    taken = [False] * len(folded)
    dates: list[tuple[int, int, str, _YMD]] = []
    for pat in _DATE_PATTERNS:
        for m in pat.finditer(folded):
            if any(taken[m.start():m.end()]):
                continue
            g = m.groupdict()
            y, mo, d = (int(g[k]) if g.get(k) else None for k in ("y", "m", "d"))
            ymd: _YMD = (y, mo, d)
            dates.append((m.start(), m.end(), m.group(0), ymd))
            for i in range(m.start(), m.end()):
                taken[i] = True
    numbers: list[tuple[int, int, str, Decimal, bool]] = []
    for m in _NUMBER.finditer(folded):
        if any(taken[m.start():m.end()]):
            continue
        value = _dec(m.group(1))
        if value is None:
            continue
        unit = m.group(2) or ""
        if unit in _MULT:
            value = (value * _MULT[unit]).normalize()
        numbers.append((m.start(), m.end(), m.group(0), value, unit == "%"))
    for m in _CN_NUMBER.finditer(folded):
        n = cn_to_int(m.group(1))
        if n is None or n <= 1 or any(taken[m.start():m.end()]):
            continue
        end = m.end()
        pct = folded[end:end + 1] == "%"
        numbers.append((m.start(), end, m.group(1), Decimal(n), pct))
    return dates, numbers


def _source_facts(source: Item, source_text: str | None) -> _Facts:
    raw = "\n".join([source.title, source.date or "", source.body, source_text or ""])
    folded = _fold(raw)
    dates, numbers = _scan_numbers(folded)
    number_set: set[tuple[Decimal, bool]] = set()
    counted: set[Counted] = set()
    for _, end, text, value, pct in numbers:
        number_set.add((value, pct))
        unit = "%" if pct else unit_after(folded, end)
        counted.add((value, unit))
        base = _dec(re.sub(r"[^\d.,]", "", text))  # "2500亿元" also stands for the bare 2500
        if base is not None:
            number_set.add((base, pct))
            counted.add((base, unit))
    date_set: set[tuple[int | None, int | None, int | None]] = set()
    for _, _, _, (y, m, d) in dates:
        date_set.update({(y, m, d), (y, m, None), (None, m, d), (y, None, None)})
        counted |= date_parts((y, m, d))
        for part in (y, m, d):
            if part is not None:
                number_set.add((Decimal(part), False))
    compact = re.sub(r"\s+", "", folded)
    titles = [re.sub(r"\s+", "", t) for t in _TITLE.findall(folded)]
    return _Facts(numbers=number_set, dates=date_set, text="\n".join(expand_short_forms(compact)), titles=titles,
                  counted=counted, lists=frozenset(enumeration_counts(folded)))


def _span(where: list[int], start: int, end: int) -> tuple[int, int]:
    return (where[start], where[end - 1] + 1)


def short_names(title: str) -> list[str]:
    """Names a draft may use for a document: the full title and its generic tail (《行动计划》, 《意见》)."""
    compact = re.sub(r"\([^()]*\)$", "", _compact(title))  # drop "(2023-2025年)" / "(征求意见稿)"
    names = [compact]
    m = re.search(r"(指导意见|实施意见|行动计划|行动方案|实施方案|工作方案|扶持办法|管理办法|实施细则|若干措施|若干政策|"
                  r"白皮书|规划|方案|办法|意见|通知|条例|规定|细则|措施|指引|指南)$", compact)
    if m:
        names.append(m.group(1))
        if len(m.group(1)) == 4:
            names.append(m.group(1)[2:])  # 指导意见 → 意见
    return names


def _entities(folded: str) -> list[tuple[int, int, str, str]]:
    """Organisations and places named in folded text: (start, end, text, 'org'|'place')."""
    import jieba.posseg as pseg  # slow first import (dictionary load); only when a draft is checked

    tokens: list[tuple[int, int, str, str]] = []
    pos = 0
    for pair in pseg.cut(folded):
        word, flag = pair.word, pair.flag
        tokens.append((pos, pos + len(word), word, flag))
        pos += len(word)
    found: list[tuple[int, int, str, str]] = []
    used = [False] * len(tokens)
    for i, (start, end, word, flag) in enumerate(tokens):
        if used[i]:
            continue
        is_suffix = word in _ORG_SUFFIXES or word in _PLACE_SUFFIXES
        ends_org = flag == "nt" and word.endswith(_ORG_SUFFIXES)
        if is_suffix or ends_org:
            # Merge the nouns right before the suffix: 工信 + 部, 黄浦 + 区, 科学技术 + 委员会.
            j = i
            # a whole name (中国证券业协会, nt) takes only a place before it, never a verb (约束中国证券业协会)
            allowed = _MERGE_FLAGS if is_suffix else {"ns"}
            while j > 0 and i - j < 4 and tokens[j - 1][3] in allowed and not used[j - 1]:
                j -= 1
            head = [t[2] for t in tokens[j:i]]
            while head and head[0] in _GENERIC_ORG_PARTS:
                head.pop(0)
                j += 1
            if is_suffix and not head:
                continue
            text = "".join(t[2] for t in tokens[j:i + 1])
            kind = "place" if word in _PLACE_SUFFIXES or (tokens[j][3] == "ns" and j == i) else "org"
            for k in range(j, i + 1):
                used[k] = True
            found.append((tokens[j][0], end, text, kind))
        elif flag == "ns" and len(word) >= 2:
            used[i] = True
            if len(word) >= 3 or word in known_names():  # jieba also tags 入口, 普及, 维度 ns
                found.append((start, end, word, "place"))
        elif word in _COMPANY_TAILS and i > 0 and not used[i - 1] and tokens[i - 1][3] in _MERGE_FLAGS | {"nr", "nrt", "nz", "eng"} \
                and len(tokens[i - 1][2]) >= 2 and tokens[i - 1][2] not in _GENERIC_HEADS:
            used[i - 1] = used[i] = True
            found.append((tokens[i - 1][0], end, tokens[i - 1][2] + word, "org"))
        elif flag in ("nr", "nrfg", "nz") and len(word) >= 3 and word.endswith(_PLACE_SUFFIXES):
            used[i] = True  # a district jieba reads as a name (徐汇区 nr) is a place all the same
            found.append((start, end, word, "place"))
        elif flag in ("nr", "nrfg") and 2 <= len(word) <= 4 and not used[i] and (
                (i + 1 < len(tokens) and tokens[i + 1][2] in _PERSON_AFTER) or (i > 0 and tokens[i - 1][2] in _PERSON_BEFORE)):
            # jieba tags many words nr (蓝图); a name is only trusted where a person does something or holds a post.
            used[i] = True
            found.append((start, end, word, "person"))
    for m in _BODIES.finditer(folded):
        if not any(s <= m.start() < e for s, e, _, _ in found):
            found.append((m.start(), m.end(), m.group(0), "org"))
    return [f for f in found if f[2] not in _GENERIC_PLACES]


def _entity_known(text: str, facts: _Facts) -> bool:
    if text in facts.text:
        return True
    core = re.sub(f"({'|'.join(_PLACE_SUFFIXES)})$", "", text)
    return len(core) >= 2 and core != text and core in facts.text


def check_facts(text: str, source: Item, *, source_text: str | None = None, field: str = "commentary") -> list[Finding]:
    """Numbers, dates, 《titles》, organisations and places in text that the source does not state."""
    facts = _source_facts(source, source_text)
    folded, where = _fold_with_map(text)
    findings: list[Finding] = []

    def add(kind: str, start: int, end: int, message: str) -> None:
        span = _span(where, start, end)
        findings.append(Finding(kind=kind, message=message, span=span, text=text[span[0]:span[1]], field=field))  # type: ignore[arg-type]

    dates, numbers = _scan_numbers(folded)
    for start, end, shown, ymd in dates:
        if ymd not in facts.dates:
            add("date", start, end, f"日期“{shown.strip()}”未见于来源条目，请核对或删除")
    for start, end, shown, value, pct in numbers:
        unit = "%" if pct else unit_after(folded, end)
        chinese = not shown[:1].isdigit()
        if not is_known(value, unit, facts.counted, chinese=chinese, lists=facts.lists) and not (
                chinese and counts_named_places(folded, start, value, unit, facts.text)):
            label = "百分比" if pct else "数字"
            add("number", start, end, f"{label}“{shown.strip()}”未见于来源条目，请核对或删除")
    for m in _TITLE.finditer(folded):
        title = re.sub(r"\s+", "", m.group(1))
        if title in facts.text or any(title in t for t in facts.titles):
            continue
        add("title", m.start(), m.end(), f"文件名称《{m.group(1)}》与来源条目中的文件不符，请核对名称")
    for start, end, name, kind in _entities(folded):
        if _entity_known(name, facts):
            continue
        label = {"place": "地名", "person": "人名"}.get(kind, "机构")
        add(kind, start, end, f"{label}“{name}”未见于来源条目，请核对或删除")
    for start, end, name, kind in named_without_suffix(folded):
        if any(f.span and f.span[0] < where[end - 1] + 1 and where[start] < f.span[1] for f in findings):
            continue  # already flagged as a whole (歌尔集团 by its suffix)
        if not _entity_known(name, facts) and name.lower() not in facts.text.lower():
            label = {"place": "地名", "person": "人名"}.get(kind, "机构")
            add(kind, start, end, f"{label}“{name}”未见于来源条目，请核对或删除")
    return sorted(findings, key=lambda f: f.span or (0, 0))


def _mentions_document(folded: str, source: Item, facts_titles: list[str]) -> bool:
    names = {n for t in facts_titles for n in short_names(t)}
    for m in _TITLE.finditer(folded):
        t = re.sub(r"\s+", "", m.group(1))
        if t in names or any(t in full for full in facts_titles):
            return True
    return bool(_DOC_REF.search(folded))


def check_stance(commentary: str, profile: Profile) -> list[Finding]:
    """Words that contradict the item's profile: praise of a warning, rule or licence regime; an event called a 文件."""
    folded, where = _fold_with_map(commentary)
    findings = []
    if profile.stance in ("风险提示", "规范", "规则", "许可"):
        for m in _PRAISE.finditer(folded):
            span = _span(where, m.start(), m.end())
            findings.append(Finding(kind="stance", span=span, text=commentary[span[0]:span[1]],
                                    message=f"“{m.group(0)}”是褒扬发展规划的说法，与条目类型（{profile.kind}，{profile.stance}）不符："
                                            "请改写为其约束对象、要求或合规边界"))
    if profile.kind in EVENT_KINDS:
        for m in _EVENT_WORDS.finditer(folded):
            span = _span(where, m.start(), m.end())
            findings.append(Finding(kind="stance", span=span, text=commentary[span[0]:span[1]],
                                    message=f"条目是{profile.kind}，不是文件：“{m.group(0)}”请改为对事件与市场信号的评述"))
    return findings


def check(commentary: str, source: Item, settings: GuardSettings, *, profile: Profile,
          source_text: str | None = None) -> list[Finding]:
    """Findings for a 短评 checked against its source item (and the raw pasted text, when given).

    ``profile`` is the draft's own (its job's, or the stored draft's): the guard never profiles the item again.
    """
    findings = check_facts(commentary, source, source_text=source_text)
    findings += check_stance(commentary, profile)
    folded, where = _fold_with_map(commentary)

    n = len(re.sub(r"\s+", "", commentary))
    if not settings.min_chars <= n <= settings.max_chars:
        findings.append(Finding(
            kind="length",
            message=f"短评共 {n} 字，应在 {settings.min_chars}—{settings.max_chars} 字之间",
        ))
    for m in _VOICE.finditer(folded):
        span = _span(where, m.start(), m.end())
        findings.append(Finding(kind="voice", span=span, text=commentary[span[0]:span[1]],
                                message=f"出现第一人称“{m.group(0)}”：短评应以第三人称客观评述"))
    for phrase in settings.banned_phrases:
        needle = _fold(phrase)
        if not needle:
            continue
        for m in re.finditer(re.escape(needle), folded):
            span = _span(where, m.start(), m.end())
            findings.append(Finding(kind="banned", span=span, text=commentary[span[0]:span[1]],
                                    message=f"使用了禁用语“{phrase}”：请改写，避免读作正式法律意见"))
    for (s, e), message in fragments(folded):
        span = _span(where, s, e)
        findings.append(Finding(kind="fragment", span=span, text=commentary[span[0]:span[1]], message=message))
    if source.section == "政策速递":
        own = {n for t in re.findall(r"《([^《》]+)》", _fold(source.title)) for n in short_names(t)}
        for p in wrong_documents(folded, _fold(source.title), _fold(source.body), own):
            span = _span(where, *p.span)
            findings.append(Finding(kind="wrong_document", span=span, text=commentary[span[0]:span[1]], message=p.message))
    titles = [re.sub(r"\s+", "", t) for t in _TITLE.findall(_fold(f"{source.title}\n{source.body}\n{source_text or ''}"))]
    if source.section == "政策速递" and titles and not _mentions_document(folded, source, titles):
        findings.append(Finding(kind="document", message="短评未提及所评文件：请写出文件简称（如《行动计划》）或“该方案”等指代"))
    return sorted(findings, key=lambda f: f.span or (10**9, 0))


def has_fact_findings(findings: list[Finding]) -> bool:
    """True when any finding is about a fact (not length or style)."""
    return any(f.kind in FACT_KINDS for f in findings)


def format_findings(findings: list[Finding]) -> str:
    """Printable, one finding per line."""
    if not findings:
        return "事实核查：未发现问题"
    lines = []
    for f in findings:
        where = f"[{f.span[0]}–{f.span[1]}]" if f.span else ""
        scope = {"title": "标题", "body": "正文"}.get(f.field, "短评")
        lines.append(f"- {scope}{where} {f.kind}：{f.message}")
    return "\n".join(lines)

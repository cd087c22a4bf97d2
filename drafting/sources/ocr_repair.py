"""Read a scan like a person: join lines wrapped inside a sentence, repair the usual slips of Chinese policy scans.

Every repair is checked, never blind: a dash only between two numbers (2024一2026年 → 2024—2026年, 3一5家),
〔〕 only in a 文号 (X[2024]12号), 《》 only for a bracket pair around a name, and a look-alike character
(挛/孪, 李/孪, 收/壮, 已/己 …) only where jieba's dictionary knows the repaired word and not the original,
and the characters are not already part of a known word (营收大幅 keeps its 收). Each repair is listed.
"""

from __future__ import annotations

import logging
import re
import statistics
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from importlib.resources import files

from drafting.sources.convert import to_simplified

logger = logging.getLogger(__name__)

_CJK = "\u4e00-\u9fff"
_FULL = "，。；：！？、（）《》〔〕“”‘’—"
# Look-alikes Tesseract's chi_sim confuses on policy scans: seen → what it may stand for.
CONFUSABLES: dict[str, str] = {
    "挛": "孪", "李": "孪", "这": "孪", "峦": "孪", "收": "壮", "状": "壮", "已": "己", "己": "已", "巳": "已",
    "末": "未", "未": "末", "曰": "日", "人": "入", "入": "人", "士": "土", "土": "士", "侯": "候", "候": "侯",
    "拔": "拨", "拨": "拔", "贝": "见", "兑": "免", "汁": "计", "忖": "付", "肓": "育", "淡": "谈", "戍": "戌", "干": "千",
    "改": "发", "吵": "函", "领": "瓴",
}
# Words jieba's dictionary lacks but policy texts of this field use.
DOMAIN_TERMS = ("数字孪生", "孪生", "元宇宙", "区块链", "数据要素", "虚拟资产", "稳定币", "代币化", "算力", "数字人", "通函")
WORD_MIN = 20  # a repaired word must be at least this frequent in jieba's dictionary …
NOT_WORD = 5  # … and the original below this (挛生 3, 李生 0: in the dictionary only as noise)
DOMINATES = 100  # or the repaired word this many times more frequent (自已 is in jieba's dictionary, as a common slip)


@dataclass(frozen=True)
class Repair:
    """One repair: what OCR read, what it became, and which rule made it."""

    original: str
    repaired: str
    rule: str

    def describe(self) -> str:
        return f"{self.original}→{self.repaired}（{self.rule}）"


@dataclass
class Repaired:
    text: str
    repairs: list[Repair] = field(default_factory=list)


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, int]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.check_initialized()
    freq = dict(jieba.dt.FREQ)
    for term in DOMAIN_TERMS:
        freq[term] = max(freq.get(term) or 0, 1000)
    return freq


def _freq(word: str) -> int:
    return _dictionary().get(word) or 0


def _variant(word: str) -> str | None:
    """The word with one look-alike repaired, when the dictionary knows that far better (自已 263 → 自己 90933)."""
    for i, c in enumerate(word):
        if c in CONFUSABLES:
            other = word[:i] + CONFUSABLES[c] + word[i + 1:]
            if _freq(other) >= WORD_MIN and _freq(other) >= DOMINATES * max(1, _freq(word)):
                return other
    return None


def _known(word: str) -> bool:
    """A word in its own right: frequent enough, and not the common misreading of a much more frequent word."""
    return _freq(word) >= NOT_WORD and _variant(word) is None


def _covered(text: str) -> list[bool]:
    """Per character: is it inside a word the dictionary knows well (营收, 生产线)? Those characters are never repaired."""
    import jieba

    _dictionary()
    covered = [False] * len(text)
    pos = 0
    for token in jieba.lcut(text, HMM=False):
        if len(token) >= 2 and _known(token):
            for i in range(pos, pos + len(token)):
                covered[i] = True
        pos += len(token)
    return covered


def _repair_confusables(text: str, repairs: list[Repair]) -> str:
    if not any(c in CONFUSABLES for c in text):
        return text
    chars = list(text)
    covered = _covered(text)
    for i, c in enumerate(text):
        if c not in CONFUSABLES or covered[i]:
            continue
        fix = CONFUSABLES[c]
        best: tuple[int, str, str] | None = None
        # the two- to four-character windows around it, none of whose other characters belongs to a known word
        for start in range(max(0, i - 3), i + 1):
            for end in range(i + 1, min(len(text), start + 4) + 1):
                if end - start < 2 or any(covered[j] for j in range(start, end) if j != i):
                    continue
                window = "".join(chars[start:end])
                if not re.fullmatch(f"[{_CJK}]+", window):
                    continue
                candidate = window[: i - start] + fix + window[i - start + 1:]
                better = _freq(candidate) >= WORD_MIN and (_freq(window) < NOT_WORD or _variant(window) == candidate)
                if better and (best is None or _freq(candidate) > best[0]):
                    best = (_freq(candidate), window, candidate)
        if best is not None:
            chars[i] = fix
            repairs.append(Repair(best[1], best[2], "形近字"))
    return "".join(chars)


def _repair_stray(text: str, repairs: list[Repair]) -> str:
    """A character OCR put inside a long name (中国人民和银行): dropped where the name without it is a word the
    dictionary knows well (five characters or more) and the name with it is not."""
    chars = list(text)
    for i in range(len(text) - 1, 0, -1):
        if not re.match(f"[{_CJK}]", text[i]):
            continue
        for start in range(max(0, i - 6), i):
            for end in range(i + 2, min(len(text), start + 9) + 1):
                window = "".join(chars[start:end])
                shorter = window[: i - start] + window[i - start + 1:]
                if len(shorter) >= 5 and re.fullmatch(f"[{_CJK}]+", window) and _freq(shorter) >= WORD_MIN \
                        and _freq(window) < NOT_WORD:
                    repairs.append(Repair(window, shorter, "多字"))
                    del chars[i]
                    break
            else:
                continue
            break
    return "".join(chars)


@lru_cache(maxsize=1)
def _names() -> tuple[str, ...]:
    """Investors, companies and bodies the package knows by name (drafting/data/names.tsv, shared with the fact
    check), of four characters or more: 高瓴创投 is a name, though 高领 is a word."""
    rows = (files("drafting") / "data" / "names.tsv").read_text(encoding="utf-8").splitlines()
    names = (row.split("\t")[0].strip() for row in rows if row.strip() and not row.startswith("#"))
    return tuple(n for n in names if len(n) >= 4 and re.fullmatch(f"[{_CJK}]+", n))


def _repair_names(text: str, repairs: list[Repair]) -> str:
    """A known name with one look-alike misread (高领创投 → 高瓴创投)."""
    for name in _names():
        for i, meant in enumerate(name):
            for seen in (c for c, fix in CONFUSABLES.items() if fix == meant):
                misread = name[:i] + seen + name[i + 1:]
                if misread in text:
                    repairs.append(Repair(misread, name, "已知名称"))
                    text = text.replace(misread, name)
    return text


def _repair_by_agreement(text: str, repairs: list[Repair]) -> str:
    """One name read several ways (这数科技 in the heading, 挛数科技 and 李数科技 in the body) is one glyph OCR was
    unsure of: when every reading at that place is a look-alike of the same character (这, 挛, 李 → 孪), that
    character is what the page says. Only where three identical neighbours on one side make it the same name,
    and never inside a word the dictionary knows well."""
    targets = set(CONFUSABLES.values())
    places: dict[tuple[str, str], list[int]] = {}
    for i, c in enumerate(text):
        if c in CONFUSABLES or c in targets:
            after, before = text[i + 1:i + 4], text[max(0, i - 3):i]
            for side, ctx in (("after", after), ("before", before)):
                if len(ctx) == 3 and re.fullmatch(f"[{_CJK}]+", ctx):
                    places.setdefault((side, ctx), []).append(i)
    chars = list(text)
    covered: list[bool] | None = None
    for (side, ctx), at in places.items():
        seen = {text[i] for i in at}
        if len(seen) < 2:
            continue
        agreed = {t for t in targets if all(c == t or CONFUSABLES.get(c) == t for c in seen)}
        if len(agreed) != 1:
            continue  # 己/已 read both ways: no reading says which is meant
        (fix,) = agreed
        covered = covered if covered is not None else _covered(text)
        for i in at:
            if chars[i] != fix and not covered[i]:
                word = text[i:i + 4] if side == "after" else text[i - 3:i + 1]
                repairs.append(Repair(word, word.replace(text[i], fix, 1) if side == "after" else word[:3] + fix, "同名异读"))
                chars[i] = fix
    return "".join(chars)


_RANGE = re.compile(r"(\d+)\s*[一_]\s*(\d+)")  # never "-": 2024-06-20 is a date
_YEARS_SPACE = re.compile(r"((?:19|20)\d{2})\s+((?:19|20)\d{2})\s*年")  # the dash of 2024—2026年 lost altogether
_NUMBER = re.compile(rf"([{_CJK}]{{1,14}})\s*[\[【［(（〔〈<]\s*((?:19|20)\d{{2}})\s*[\]】］)）〕〉>]\s*(\d{{1,4}})\s*号")
# “维境科技" / "维境科技” / "维境科技": a Chinese quotation whose marks OCR read as ASCII
_QUOTE_PAIR = re.compile(rf"[“\"]([{_CJK}][^“”\"\n]{{0,40}}?[{_CJK}])[”\"]")
_ANGLE_PAIR = re.compile(r"[〈<]([^〈〉<>《》\n]{2,80}?)[〉>]")
_OPEN_MIX = re.compile(r"(?<=[\u4e00-\u9fff])\s*〈((?:19|20)\d{2}[^〈〉()（）\n]{0,12}年)\s*[)）]")
# 《…要求〈征求意见稿）》: a round bracket inside a document name whose opening OCR read as 〈
_OPEN_MIX_NAME = re.compile(r"(?<=[\u4e00-\u9fff])\s*〈\s*([\u4e00-\u9fff\d]{1,12})\s*[)）](?=\s*》)")


# 《…管理办法试行)》: the round bracket of a name's standard qualifier, its opening lost
_QUALIFIER = re.compile(rf"(?<=[{_CJK}])((?:试行|暂行|征求意见稿|草案|送审稿|修订稿))\s*[)）](?=\s*》)")
_ROUND = re.compile(r"(?<=[A-Z])十(?=轮)")  # A十轮 is the A+ round


def _close_quotes(text: str, repairs: list[Repair]) -> str:
    """A “name whose closing mark OCR lost (“港易所获5000万…): closed after the longest start of it the text names
    elsewhere on its own (…平台港易所今日宣布)."""
    def close(m: re.Match[str]) -> str:
        before, rest = m.group(1), m.group(2)
        for n in range(min(8, len(rest) - 1), 1, -1):
            name = rest[:n]
            # a name met again elsewhere, there followed by something else (港易所今日), and not a word (我们)
            if re.fullmatch(f"[{_CJK}]+", name) and re.match(rf"[{_CJK}\d]", rest[n]) \
                    and text.count(name) >= 2 and text.count(name + rest[n]) == 1 and _freq(name) < NOT_WORD:
                repairs.append(Repair(f"“{rest[:n + 1]}", f"“{name}”{rest[n:n + 1]}", "引号"))
                return f"{before}“{name}”{rest[n:]}"
        return m.group(0)

    # “数据要素“三年…: a closing mark read as an opening one, when no closing mark follows on the line
    text = _sub_listed(re.compile(rf"“([{_CJK}]{{1,20}})“(?![^“”\n]*”)"), r"“\1”", "引号", text, repairs)
    return re.sub(rf"^([^“”\n]*)“([{_CJK}][^“”\"\n]{{2,40}})$", close, text, flags=re.MULTILINE)


def _sub_listed(pattern: re.Pattern[str], repl: str, rule: str, text: str, repairs: list[Repair]) -> str:
    def one(m: re.Match[str]) -> str:
        new = m.expand(repl)
        if new != m.group(0):
            repairs.append(Repair(m.group(0), new, rule))
        return new
    return pattern.sub(one, text)


def _repair_marks(text: str, repairs: list[Repair]) -> str:
    def sub(pattern: re.Pattern[str], repl: str, rule: str, s: str) -> str:
        def one(m: re.Match[str]) -> str:
            new = m.expand(repl)
            if new != m.group(0):
                repairs.append(Repair(m.group(0), new, rule))
            return new
        return pattern.sub(one, s)

    text = sub(_OPEN_MIX, r"（\1）", "括号", text)
    text = sub(_OPEN_MIX_NAME, r"（\1）", "括号", text)
    text = sub(_QUALIFIER, r"（\1）", "括号", text)
    text = sub(_ROUND, "+", "轮次", text)
    text = sub(_NUMBER, r"\1〔\2〕\3号", "文号括号", text)
    text = sub(_ANGLE_PAIR, r"《\1》", "书名号", text)
    text = sub(_YEARS_SPACE, r"\1—\2年", "年份区间", text)
    text = sub(_RANGE, r"\1—\2", "区间连接号", text)
    text = sub(_QUOTE_PAIR, r"“\1”", "引号", text)
    # 〈2024一2026年) inside 《…》: a stray 〈 or ) around a year range is a round bracket
    text = sub(re.compile(r"[〈(（]\s*((?:19|20)\d{2}—(?:19|20)\d{2}年)\s*[)）〉]"), r"（\1）", "括号", text)
    return text


_SPACE_BETWEEN = re.compile(rf"(?<![条章节])(?<=[{_CJK}{_FULL}\d])[ \t\u3000]+(?=[{_CJK}{_FULL}])|(?<=[{_CJK}{_FULL}])[ \t\u3000]+(?=\d)")
_HALF = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "?": "？", "!": "！"}
_HALF_NEAR_CJK = re.compile(rf"(?<=[{_CJK}{_FULL}])\s*([,;:()?!])|([,;:()?!])\s*(?=[{_CJK}{_FULL}])")


_ORG_END = re.compile(r"(?:部|厅|局|委|会|院|办|署|行|政府|中心|办公室|委员会|管委会)$")


def _tidy(line: str) -> str:
    """Half-width punctuation beside Chinese → full width; spaces OCR puts between Chinese characters removed.

    A 落款 line of several issuers keeps its gaps (as full-width spaces): they separate the names.
    """
    line = _HALF_NEAR_CJK.sub(lambda m: _HALF[m.group(1) or m.group(2)], line)
    chunks = line.split()
    if len(chunks) >= 2 and all(len(c) >= 3 and _ORG_END.search(c) for c in chunks):
        return "　".join(chunks)
    line = _SPACE_BETWEEN.sub("", line)
    return re.sub(r"\s+([，。；：！？、）》〕])", r"\1", line).strip()


_STARTS_BLOCK = re.compile(rf"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|第[一二三四五六七八九十百]+条|\d+[.．、]|附件|[{_CJK}]{{0,3}}\d{{4}}年\d{{1,2}}月\d{{1,2}}日?\s*$"
                          r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|(?:来源|发布时间|发布日期|作者|编辑)[：:])")  # a dateline under a headline
_ENDS_SENTENCE = re.compile(r"[。！？；：:」』”]\s*$")
_CANT_START = re.compile(r"^\s*[，,、。；;：:）)》〕”]")


def _open_bracket(line: str) -> bool:
    """A 《 or （ not yet closed: a heading in large type wraps inside its document name."""
    return line.count("《") > line.count("》") or line.count("（") > line.count("）")


# Words a heading never ends on: X、Y关于 / 关于印发 / …的 wrap onto the next line (a short heading line is never "full").
_OPEN_END = re.compile(r"(?:关于|关于印发|印发|转发|的|和|及|与|、)$")
_NUMBER_LINE = re.compile(r"[〔\[【(（]\s*(?:19|20)\d{2}\s*[〕\]】)）]\s*\d{1,4}\s*号$")  # a 文号 stands on its own line


def join_lines(text: str) -> str:
    """Lines wrapped inside a sentence joined, as a person reads a page; headings, list items and the 落款 stay lines."""
    pages = []
    for page in text.split("\f"):
        lines = [_tidy(ln) for ln in page.splitlines()]
        lengths = [len(ln) for ln in lines if len(ln) >= 8]
        full = statistics.quantiles(lengths, n=10)[-1] * 0.8 if len(lengths) >= 3 else 10**6  # a wrapped line is nearly full
        out: list[str] = []
        last: list[str] = []  # per output line, the physical line that ended it: its width says whether it wrapped
        for line in lines:
            if not line:
                out.append("")
                last.append("")
                continue
            prev_i = len(out) - 1
            while prev_i >= 0 and not out[prev_i]:
                prev_i -= 1  # OCR puts blank lines inside sentences too: the line before them decides
            prev = out[prev_i] if prev_i >= 0 else ""
            wrapped = prev and not _ENDS_SENTENCE.search(prev) and not _STARTS_BLOCK.match(line) \
                and not _NUMBER_LINE.search(prev) and (
                len(last[prev_i]) >= full or _CANT_START.match(line) or _open_bracket(prev) or _OPEN_END.search(prev))
            if wrapped:
                del out[prev_i + 1:]
                del last[prev_i + 1:]
                out[prev_i] = prev + _tidy(line if not _CANT_START.match(line) else _HALF.get(line[0], line[0]) + line[1:])
                last[prev_i] = line
            else:
                out.append(line)
                last.append(line)
        pages.append(re.sub(r"\n{3,}", "\n\n", "\n".join(out)))
    return "\f".join(pages)


LEFT_ANCHOR = 4  # characters the heading and the lead share before a slip in the middle of the heading …
END_ANCHOR = 6  # … or before a slip at its very end (no right neighbour to confirm it)


def _reads_as_words(line: str, start: int, end: int) -> bool:
    """Does a word the dictionary knows cover any character of line[start:end]?"""
    for a in range(max(0, start - 3), end):
        for b in range(max(a + 2, start + 1), min(len(line), a + 4) + 1):
            if re.fullmatch(f"[{_CJK}]+", line[a:b]) and _known(line[a:b]):
                return True
    return False


def _repair_heading_by_lead(text: str, repairs: list[Repair]) -> str:
    """A slip in the large-type heading read against the lead that repeats it, as a person checks a headline:
    募资10人2港元 under a lead reading 募资10亿港元 → 募资10亿港元; 获1.5亿元A+轮明 over …A+轮融资，由… → …A+轮融资.

    Only a short span (≤ 2 characters in the heading, ≤ 3 in the lead) between long identical stretches is taken
    from the lead, never a figure (a lead's digits never replace a heading's).
    """
    lines = text.split("\n")
    first = next((n for n, ln in enumerate(lines) if ln.strip()), None)
    if first is None or len(lines[first]) > 80:
        return text
    head = lines[first]
    for lead in [ln for ln in lines[first + 1:first + 6] if ln.strip()][:3]:
        body = to_simplified(lead)
        ops = SequenceMatcher(None, to_simplified(head), body, autojunk=False).get_opcodes()
        for k, (tag, i1, i2, j1, j2) in enumerate(ops):
            if tag != "replace" or k == 0 or ops[k - 1][0] != "equal" or not 1 <= i2 - i1 <= 2:
                continue
            left = ops[k - 1][2] - ops[k - 1][1]
            if i2 == len(head) and left >= END_ANCHOR:
                span = re.split(r"[，,。；;：:！？、\s（(]", body[j1:])[0][:4]  # the lead's words up to its punctuation
            elif k + 1 < len(ops) and ops[k + 1][0] == "equal" and ops[k + 1][2] - ops[k + 1][1] >= 2 and left >= LEFT_ANCHOR:
                span = body[j1:j2]
            else:
                continue
            if not 1 <= len(span) <= 3 or abs(len(span) - (i2 - i1)) > 1 or not re.fullmatch(f"[{_CJK}]+", span) \
                    or not re.fullmatch(rf"[{_CJK}\dA-Za-z]+", head[i1:i2]) or _reads_as_words(head, i1, i2):
                continue  # 上海发布元宇宙新政 over a lead saying 新规 is a headline's own word, not a slip
            fixed = head[:i1] + span + head[i2:]
            repairs.append(Repair(head[max(0, i1 - 2):i2 + 1], fixed[max(0, i1 - 2):i1 + len(span) + 1], "标题对照导语"))
            lines[first] = fixed
            return "\n".join(lines)
    return text


def repair(text: str) -> Repaired:
    """An OCR text joined where lines wrap and with its checked repairs; the list says what changed."""
    repairs: list[Repair] = []
    out = join_lines(text) if text.strip() else text
    out = _repair_marks(out, repairs)
    out = _repair_confusables(out, repairs)
    out = _repair_stray(out, repairs)
    out = _repair_names(out, repairs)
    out = _repair_by_agreement(out, repairs)
    out = _close_quotes(out, repairs)
    out = _repair_heading_by_lead(out, repairs)
    if repairs:
        logger.info("OCR repairs: %s", "；".join(r.describe() for r in repairs[:20]))
    return Repaired(text=out, repairs=repairs)

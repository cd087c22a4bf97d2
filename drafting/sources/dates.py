"""Dates of a policy text kept apart: published (page date, 成文日期, 落款, the lead) and effective (自…起施行).

A date inside the text that is a deadline (于2024年9月30日前报送) or a target year (到2026年) is neither: the old reader
took the first date it met, so an attachment was dated by its reporting deadline and a report by its effective day.
"""

from __future__ import annotations

import re

import cn2an

_CN_DIGIT = {"〇": "0", "○": "0", "零": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6",
             "七": "7", "八": "8", "九": "9"}
_CN = "〇○零O一二三四五六七八九十"
DATE = re.compile(
    r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
    r"|((?:19|20)\d{2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)"
    rf"|([{_CN}]{{4}})\s*年\s*([{_CN}]{{1,3}})\s*月\s*([{_CN}]{{1,3}})\s*日"
)
_LABELLED = re.compile(r"(?:成文日期|发文日期|印发日期|发布日期|发布时间|公布日期)\s*[:：]?\s*")
_EFFECTIVE = re.compile(
    r"(?:自|从|于)\s*(?P<d>[^，。；\n]{6,16}?)\s*(?:起|之日起|开始)\s*(?:施行|实施|生效|执行|正式实施|正式施行|正式生效)"
    r"|(?:施行日期|生效日期|实施日期)\s*[:：]\s*(?P<l>[^，。；\n]{6,16})"
)
_ON_ISSUE = re.compile(r"(?:本|该)?(?:公告|通知|通函|规定|办法|决定)?自?(?:印发|发布|公布|颁布|发文)之日起|即时生效|即日起(?:生效|施行|实施)"
                       r"|自即日起")
# Just before or after a date: it is a deadline, a period's end, an effective day or a target, not the issue date.
_NOT_BEFORE = re.compile(r"(?:自|从|截至|截止|截止到|截止至|到|至|不晚于|之前|期限为|有效期|报名|报送|在)\s*$")
_NOT_AFTER = re.compile(r"^\s*(?:前|之前|以前|止|为止|截止|起|之日起|以后|之后|后|至|到|[-—－~～])")
_ISSUE_VERB = re.compile(r"印发|发布|出台|公布|颁布|制定|发出|召开|举办|举行|宣布|完成|获得|上线|推出|揭牌|成立|签署|发文|正式|发表|刊发")


def _cn_number(s: str) -> int:
    if all(c in _CN_DIGIT for c in s):
        return int("".join(_CN_DIGIT[c] for c in s))
    return int(cn2an.cn2an(s, "smart"))


def iso(m: re.Match[str]) -> str | None:
    """A DATE match as YYYY-MM-DD, or None when it is not a real day."""
    try:
        if m.group(1):
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif m.group(4):
            y, mo, d = int(m.group(4)), int(m.group(5)), int(m.group(6))
        else:
            y, mo, d = _cn_number(m.group(7)), _cn_number(m.group(8)), _cn_number(m.group(9))
    except (ValueError, KeyError):
        return None
    if not (1990 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def to_iso(value: str | None) -> str | None:
    """Any common written date (2024-06-20 10:00, 2024年6月20日, 二〇二四年六月二十日) as YYYY-MM-DD."""
    if not value:
        return None
    m = DATE.search(value)
    return iso(m) if m else None


def _plain(text: str, m: re.Match[str]) -> bool:
    """A date that stands alone: not a deadline, period end, effective day or target."""
    before, after = text[max(0, m.start() - 6):m.start()], text[m.end():m.end() + 6]
    return not _NOT_BEFORE.search(before) and not _NOT_AFTER.match(after)


def _signature(text: str) -> str | None:
    """The date under the 落款: a line that is only a date, among the last lines (before 附件 and notes)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for line in reversed(lines[-10:]):
        m = DATE.fullmatch(re.sub(r"[\s（(）)]", "", line)) or DATE.fullmatch(line)
        if m:
            return iso(m)
    # A 落款 pasted on one line: "……特此通知。 北京市科学技术委员会 2024年5月10日"
    tail = text[-120:]
    m = re.search(rf"(?:{DATE.pattern})\s*$", tail)
    if m and re.search(r"(?:委员会|政府|厅|局|部|委|办公室|国务院|中央|协会)\s*$", tail[:m.start()].rstrip()):
        return iso(m)
    return None


_PAGE_LINE = re.compile(rf"^\s*(?:{DATE.pattern})\s*(?:\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?\s*(?:[，,。]|$|来源|作者|发表于|\s)")
_STAMPED = re.compile(rf"(?:{DATE.pattern})\s+\d{{1,2}}:\d{{2}}")


def published(text: str, page_date: str | None = None, kind: str = "policy", raw: str = "") -> str | None:
    """The day it was issued or reported: page date, 成文日期, 落款, then a dated lead sentence.

    raw: the text before page furniture was removed: 发布日期：…, a WeChat "2024-02-27 08:30 发表于北京" line and a
    date line under the heading are furniture for the text but the best witness of the date.
    """
    hint = to_iso(page_date)
    if hint and not hint.endswith("-01-01"):
        return hint  # YYYY-01-01 is what a page-date guesser says when it only found a year: a last resort here
    for source in (raw, text):
        m = _LABELLED.search(source)
        if m and (found := to_iso(source[m.end():m.end() + 20])):
            return found
    for line in (raw or text).strip().splitlines()[:5]:  # a date line under the heading, or a stamped page date
        m = _PAGE_LINE.match(line) or _STAMPED.search(line)
        if m and (found := iso(DATE.search(m.group(0)))):  # type: ignore[arg-type]
            return found
    if found := _signature(text):
        return found
    for sentence in re.split(r"(?<=[。！？\n])", text[:2500]):
        for m in DATE.finditer(sentence):
            if _plain(sentence, m) and (_ISSUE_VERB.search(sentence) or m.start() <= 2):
                return iso(m)
    return _month_day(text, effective(text)) or hint


_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:[，,]\s*)?(?:正式|联合)?(?:印发|发布|出台|公布|颁布|发文)")


def _month_day(text: str, effective_on: str | None) -> str | None:
    """财政部8月21日印发…，自2024年1月1日起施行: the year from the effective day, a year earlier when that puts the
    issue after the effective day (a rule is issued before it takes effect)."""
    m = _MONTH_DAY.search(text[:2500])
    if not m or not effective_on:
        return None
    year, month, day = int(effective_on[:4]), int(m.group(1)), int(m.group(2))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    found = f"{year:04d}-{month:02d}-{day:02d}"
    return found if found <= effective_on else f"{year - 1:04d}-{month:02d}-{day:02d}"


def effective(text: str, published_on: str | None = None) -> str | None:
    """The day it takes effect: 自2024年1月1日起施行; 自印发之日起施行 is the published day."""
    for m in _EFFECTIVE.finditer(text):
        found = to_iso(m.group("d") or m.group("l"))
        if found:
            return found
    if _ON_ISSUE.search(text):
        return published_on
    return None

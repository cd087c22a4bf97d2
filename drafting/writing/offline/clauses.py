"""Whole clauses from a source for the offline drafter: never a dateline, never a clause without its subject,
never a cut word or an open bracket, negation kept, and 规定/明确/要求 read as duties only as verbs.

Every clause returned passes drafting.writing.guard.sentences.problems(); when none does, callers write a plain sentence.
"""

from __future__ import annotations

import re
import unicodedata

from drafting.writing.guard.sentences import problems

# "8月10日消息", "新华社北京8月10日电": a news dateline, never material for a 短评.
_DATELINE = re.compile(r"^(?:[\u4e00-\u9fff]{0,8}?)\d{1,2}\s*月\s*\d{1,2}\s*日\s*(?:消息|电|讯)|^[^，。]{0,12}(?:消息|电)$")
# A clause that is only a date ("10月25日", "2023年7月3日").
_DATE_ONLY = re.compile(r"^(?:\d{4}\s*年\s*)?\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?$")
# Lead-ins dropped before the subject: the date, 据介绍, a cited basis (根据《条例》 names someone else's document).
_LEAD = re.compile(r"^(?:(?:\d{4}\s*年\s*)?\d{1,2}\s*月\s*\d{1,2}\s*日|近日|日前|据介绍|据报道|据悉|此外|同时|另外|其中|"
                   r"(?:根据|依据|按照|依照)[^，,。；;]{0,40})[，,]\s*")
# 规定/明确/要求/提出 as the verb of the document ("办法规定，…"), not as a noun or part of another word (明确上, 规定的).
_SAYS = re.compile(r"^[^，,。；;]{0,24}?(?:规定|明确|要求|提出|指出|倡议|建议|强调)[，,：:]\s*")
# A duty, prohibition or exemption; 不需要/无需/不得 are matched whole so the negation is kept.
_MODAL = re.compile(r"不需要|无需|不得|不在|不通过|不为|禁止|严禁|坚决|杜绝|应当|必须|均须|须|需要|需|应(?![用对])")


def fold(text: str) -> str:
    """NFKC without spaces next to Chinese (PDF damage); Latin word spaces stay."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"(?<=[\u4e00-\u9fff，。、；：])\s+|\s+(?=[\u4e00-\u9fff，。、；：])", "", text)


def source_sentences(body: str) -> list[str]:
    """The body's sentences (ending 。！？；), without datelines, each stripped of its lead-in."""
    out = []
    for s in re.split(r"(?<=[。！？；;])|\n", fold(body)):
        s = s.strip().rstrip("。！？；;")
        if not s or _DATELINE.search(s):
            continue
        while (m := _LEAD.match(s)) is not None:
            s = s[m.end():]
        if s and not _DATE_ONLY.match(s):
            out.append(s)
    return out


def whole(clause: str) -> bool:
    """A clause that can stand as a sentence of a 短评."""
    c = clause.strip()
    if len(c) < 6 or _DATE_ONLY.match(c) or _DATELINE.search(c) or c[0] in "，、；：）》”":
        return False
    return not problems(c + "。")


def shorten(clause: str, limit: int) -> str | None:
    """The clause, or its first comma-separated parts up to limit characters, if whole."""
    if len(clause) <= limit:
        return clause if whole(clause) else None
    cuts = [m.start() for m in re.finditer(r"[，,]", clause) if m.start() <= limit]
    for cut in reversed(cuts):
        head = clause[:cut]
        if whole(head):
            return head
    return None


def duty(body: str, limit: int = 60, *, about: str | None = None) -> str | None:
    """The first whole clause stating an obligation, prohibition or exemption, with its subject.

    about: a pattern the clause must match (牌照|许可 for a licence regime).
    """
    for s in source_sentences(body):
        said = _SAYS.match(s)
        if said:  # "办法规定，X应当…": the verb is the document's; the duty is what follows
            s = s[said.end():]
        m = _MODAL.search(s)
        if not m or (about and not re.search(about, s)):
            continue
        start = max(s.rfind("，", 0, m.start()), s.rfind(",", 0, m.start())) + 1
        # the subject may stand in the clause before: "…的营运者，均须…" — keep both
        if re.match(r"(?:均|都|皆|亦|也)?(?:须|需|应|不得|必须|无需|不需要)", s[start:]) and start > 0:
            start = max(s.rfind("，", 0, start - 1), s.rfind(",", 0, start - 1)) + 1
        clause = s[start:]
        # keep the clause ending after the modal; cut after the modal's clause when too long
        got = shorten(clause, max(limit, m.end() - start + 2))
        # "…不需要牌照的安排" cut before "将于6月1日终止": a noun phrase whose predicate was cut off, meaning reversed
        if got and _MODAL.search(got) and not (got != clause and re.search(r"的[\u4e00-\u9fff]{1,3}$", got)):
            return got
    return None


def statement(body: str, limit: int = 50, *, skip: str = "", pattern: str | None = None) -> str | None:
    """The first whole clause of the body (after its lead-in) that is not the headline again."""
    seen = set(skip)
    for s in source_sentences(body):
        s = _SAYS.sub("", s, count=1) if _SAYS.match(s) and pattern is None else s
        if pattern and not re.search(pattern, s):
            continue
        got = shorten(s, limit)
        if not got:
            continue
        if seen and len(set(got) & seen) / max(1, len(set(got))) >= 0.6:
            continue
        return got
    return None

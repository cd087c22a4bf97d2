"""Sentences that are not whole: what a clause lifted from a source looks like when it was cut badly.

Used by the fact check (finding kind ``fragment``) and by the offline drafter to refuse a clause.
Deliberately conservative: every rule here is something a published 短评 never does, so the firm's
own 短评 raise nothing (tests run this over every 短评 in ``corpus/issues``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

ProblemKind = Literal["no_subject", "cut_word", "unbalanced", "dateline"]


@dataclass(frozen=True)
class SentenceProblem:
    """One reason a sentence is not whole; span is [start, end) in the checked text."""

    kind: ProblemKind
    span: tuple[int, int]
    message: str

    @property
    def start(self) -> int:
        return self.span[0]


_END = "。！？!?"
_CLAUSE_END = "，,。；;：:！？!?"
# A sentence ends at 。！？ or a line break; the terminator belongs to the sentence.
_SENTENCE = re.compile(rf"[^{_END}\n]+[{_END}]*")
# Lead-ins that do not supply a subject: "根据《指引》，", "按照相关规定，", "对此，".
_LEAD_IN = re.compile(r"^(?:(?:根据|按照|依据|依照|据|对此|为此|同时|此外|其中|另外|因此)[^，,。]{0,40}[，,]\s*)+")
# A duty with nobody bearing it: "均须向证监会申领牌照", "应当在…前…", "不得…".
# 应用/应对/需求/须知 are nouns or verbs of their own, not modal verbs.
_MODAL_START = re.compile(r"^(?:均|皆|都|亦|也)?(?:必须|须|需要|需|应当|应该|应|不得|无需|不需要)(?![用对急运急求知])")
# A clause that ends on a connective or a list mark: "高瓴创投跟，", "A及。", "B、。".
_DANGLING = re.compile(rf"(?:跟|以及|及|和|与|并且|或者|、)\s*(?=[{_CLAUSE_END}])|(?:跟|以及|及|和|与|并且|或者)\s*(?=、)")
# 以及/并且 end no clause; one-character ones only when the character before is not part of a word
# that ends with them ("紧跟" is a verb; "参与" ends with 与; "总和" ends with 和).
_WORDS_ENDING_WITH = ("紧跟", "参与", "给与", "赋与", "总和", "平和", "温和", "缓和", "共和", "调和", "柔和", "饱和", "涉及", "普及",
                      "波及", "危及", "顾及", "殃及", "论及", "提及", "触及", "不及", "来不及", "企及", "惠及",
                      "溯及", "遍及", "追及", "等及")
_DATELINE = re.compile(
    r"(?:(?:新华社|中新社|人民网|新华网|央视网|央广网|中新网|经济日报|人民日报|证券时报|财联社|澎湃新闻|界面新闻)"
    r"[\u4e00-\u9fff]{0,6})?"
    r"(?:\d{4}\s*年\s*)?[\d一二三四五六七八九十〇零]{1,3}\s*月\s*[\d一二三四五六七八九十〇零]{1,3}\s*日\s*(?:消息|电|讯|报道)"
)
_PAIRS = {"（": "）", "(": ")", "《": "》", "“": "”", "「": "」", "『": "』", "【": "】", "[": "]", "‘": "’"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
_PAIR_NAMES = {"（": "括号", "(": "括号", "《": "书名号", "“": "引号", "「": "引号", "『": "引号", "【": "方括号", "[": "方括号", "‘": "引号"}


def _sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group(0).strip()]


def _no_subject(text: str, start: int, end: int) -> SentenceProblem | None:
    sentence = text[start:end]
    stripped = len(sentence) - len(sentence.lstrip())
    lead = _LEAD_IN.match(sentence[stripped:])
    offset = stripped + (lead.end() if lead else 0)
    m = _MODAL_START.match(sentence[offset:])
    if not m:
        return None
    s = start + offset
    return SentenceProblem("no_subject", (s, s + m.end()),
                           f"句子缺少主语：“{m.group(0)}”前没有写明由谁承担，请补出主体（如“持牌机构均须……”）")


def _dangling(text: str) -> list[SentenceProblem]:
    found = []
    for m in _DANGLING.finditer(text):
        word = m.group(0).strip()
        if len(word) == 1 and word != "、":
            before = text[max(0, m.start() - 3):m.start() + 1]
            if any(before.endswith(w) for w in _WORDS_ENDING_WITH):
                continue
        found.append(SentenceProblem("cut_word", (m.start(), m.start() + len(word)),
                                     f"分句以“{word}”结尾，像是从原文截断的残句，请补全或删去"))
    # Two clause marks in a row ("，。", "、，"): a word was cut out between them.
    for m in re.finditer(r"[，,、；;][，,。；;]", text):
        found.append(SentenceProblem("cut_word", (m.start(), m.end()), "标点连用，中间似有内容被截去，请补全"))
    return found


def _unbalanced(text: str) -> list[SentenceProblem]:
    found = []
    stack: list[int] = []
    for i, ch in enumerate(text):
        if ch in _PAIRS and not (ch == "‘" and stack and text[stack[-1]] == "‘"):
            stack.append(i)
        elif ch in _CLOSERS:
            if stack and text[stack[-1]] == _CLOSERS[ch]:
                stack.pop()
            else:
                found.append(SentenceProblem("unbalanced", (i, i + 1),
                                             f"“{ch}”没有对应的“{_CLOSERS[ch]}”，{_PAIR_NAMES[_CLOSERS[ch]]}不成对，句子可能是从原文中截取的片段"))
    for i in stack:
        found.append(SentenceProblem("unbalanced", (i, i + 1),
                                     f"“{text[i]}”没有对应的“{_PAIRS[text[i]]}”，{_PAIR_NAMES[text[i]]}不成对，请补全或删去"))
    # ASCII double quotes have no direction: an odd count means one is missing.
    quotes = [i for i, ch in enumerate(text) if ch == '"']
    if len(quotes) % 2:
        i = quotes[-1]
        found.append(SentenceProblem("unbalanced", (i, i + 1), "引号不成对，请补全或删去"))
    return found


def _datelines(text: str) -> list[SentenceProblem]:
    return [SentenceProblem("dateline", (m.start(), m.end()),
                            f"“{m.group(0)}”是新闻电头，不应出现在短评中，请删去")
            for m in _DATELINE.finditer(text)]


def problems(text: str) -> list[SentenceProblem]:
    """Every place where text is not made of whole sentences, in order of position."""
    found: list[SentenceProblem] = []
    for start, end in _sentences(text):
        p = _no_subject(text, start, end)
        if p:
            found.append(p)
    found += _dangling(text)
    found += _unbalanced(text)
    found += _datelines(text)
    return sorted(found, key=lambda p: (p.span, p.kind))


def is_whole(text: str) -> bool:
    """True when text raises no sentence problem (a clause the drafter may use)."""
    return not problems(text)

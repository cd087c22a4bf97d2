"""A 短评 that names a document or issuer other than the item's own, and sentences that are not whole.

The item's own document is the 《title》 in its title (else the first in its body); its issuers are the bodies
named in the title and the body's first sentence. A document the item only cites (为落实《…》, 根据《…》) or a
body it does not name as issuer must not be presented as the item's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drafting.guard_names import expand_short_forms
from drafting.sentences import problems

_TITLE = re.compile(r"《([^《》]{1,120})》")
_ISSUE_VERB = r"(?:联合|共同)?(?:印发|发布|出台|制定|推出)"
_BY = re.compile(rf"由([^，,。；;由《》]{{2,40}}?){_ISSUE_VERB}")
_PRESENTS = re.compile(r"^(?:提出|明确|要求|规定|指出|强调|显示|自|以|对|将|为)")
_CITES = re.compile(rf"(?:{_ISSUE_VERB}|依据|根据|按照)的?$")
_LEAD = re.compile(r"^(?:此次|近日|日前|该|由)+")
_FRAGMENT_KINDS = {"no_subject": "缺少主语", "cut_word": "残句", "unbalanced": "符号不成对", "dateline": "新闻电头"}


@dataclass(frozen=True)
class DocumentProblem:
    span: tuple[int, int]
    message: str


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _strip_years(title: str) -> str:
    return re.sub(r"\([^()]*\)$", "", title)


def own_titles(title: str, body: str) -> list[str]:
    """The item's own document(s): the 《》 in its title, else the first in its body."""
    found = [_squash(t) for t in _TITLE.findall(title)]
    if not found:
        first = _TITLE.search(body)
        found = [_squash(first.group(1))] if first else []
    return found


def _is_own(name: str, own: list[str], short: set[str]) -> bool:
    return name in short or any(name in o or _strip_years(name) in o or o in name for o in own)


def wrong_documents(folded: str, title: str, body: str, short_names: set[str]) -> list[DocumentProblem]:
    """Documents and issuers in folded 短评 text that are not the item's own (title, body: folded source)."""
    own = own_titles(title, body)
    source_titles = {_squash(t) for t in _TITLE.findall(f"{title}\n{body}")}
    cited = {t for t in source_titles if not any(t == o for o in own)}
    first_sentence = re.split(r"[。！？]", body, maxsplit=1)[0]
    issuers = "\n".join(expand_short_forms(_squash(f"{title}\n{first_sentence}")))
    found: list[DocumentProblem] = []
    for m in _TITLE.finditer(folded):
        name = _squash(m.group(1))
        before = folded[max(0, m.start() - 6):m.start()]
        if own and name in cited and not _is_own(name, own, short_names):
            if _CITES.search(before) or _PRESENTS.match(folded[m.end():]):
                found.append(DocumentProblem((m.start(), m.end()), f"《{m.group(1)}》是条目引用的文件，不是本条目所评的文件"
                                             f"《{own[0]}》：请改为所评文件的名称或简称"))
            continue
        if not _is_own(name, own, short_names):
            continue
        clause_start = max(folded.rfind(p, 0, m.start()) for p in "，,。；;\n") + 1
        lead = folded[clause_start:m.start()]
        lead = re.sub(rf"(?:{_ISSUE_VERB})?的?$", "", lead)
        found += _foreign_issuers(folded, clause_start + len(lead) - len(_LEAD.sub("", lead)), _LEAD.sub("", lead), issuers)
    for m in _BY.finditer(folded):
        found += _foreign_issuers(folded, m.start(1), m.group(1), issuers)
    return found


def _foreign_issuers(folded: str, start: int, phrase: str, issuers: str) -> list[DocumentProblem]:
    out = []
    pos = start
    for part in re.split(r"(、|与|会同|及)", phrase):
        counted = re.match(r"^[\d一二两三四五六七八九十多]+[家个]", part)  # 三家协会 counts bodies, names none
        if part and part not in ("、", "与", "会同", "及") and len(part) >= 2 and not counted and part not in issuers:
            # only bodies and places: "作为顶层设计" before a title is not an issuer
            if re.search(r"(委|部|局|会|院|办|厅|府|行|所|司|署|中央|国务院|区|市|省|县|协会|中心)$", part):
                out.append(DocumentProblem((pos, pos + len(part)), f"“{part}”不是条目所评文件的发布机构：请核对发文机关"))
        pos += len(part)
    return out


def fragments(text: str) -> list[tuple[tuple[int, int], str]]:
    """Sentences that are not whole, as (span, message) for fragment findings."""
    return [(p.span, f"{_FRAGMENT_KINDS[p.kind]}：{p.message}") for p in problems(text)]

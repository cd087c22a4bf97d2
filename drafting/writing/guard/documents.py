"""A 短评 that names a document or issuer other than the item's own, and sentences that are not whole.

The item's own document is the 《title》 in its title (else the first in its body); its issuers are the bodies
named in the title and the body's first sentence. A document the item only cites (为落实《…》, 根据《…》) or a
body it does not name as issuer must not be presented as the item's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from drafting.writing.guard.names import expand_short_forms
from drafting.writing.guard.sentences import problems

_TITLE = re.compile(r"《([^《》]{1,120})》")
_ISSUE_VERB = r"(?:联合|共同)?(?:印发|发布|出台|制定|推出)"
_DEPARTMENT_ISSUES = re.compile(rf"((?:相关|有关|主管|监管|各)?部门){_ISSUE_VERB}")
_TYPE_WORDS = "白皮书|蓝皮书|报告|倡议|行动计划|行动方案|实施方案|工作方案|计划|方案|办法|条例|规定|细则|指引|指南|意见|通知|规划|措施"
_TYPE_REF = re.compile(rf"(?:该|此|这一|本)({_TYPE_WORDS})|《({_TYPE_WORDS})》")
_BY = re.compile(rf"由([^，,。；;由《》]{{2,40}}?){_ISSUE_VERB}")
_PRESENTS = re.compile(r"^(?:提出|明确|要求|规定|指出|强调|显示|自|以|对|将|为)")
_ISSUED = re.compile(rf"{_ISSUE_VERB}的?$")
# 根据《…》 opening a sentence frames the sentence as that document's rule; mid-sentence (须根据《条例》申领牌照) it cites.
_OPENS_WITH = re.compile(r"(?:^|[。！？!?\n])\s*(?:根据|依据|按照)$")
_LEAD = re.compile(r"^(?:此次|近日|日前|该|由)+")


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


def _cited(name: str, cited: set[str]) -> bool:
    """The 短评 names a document the source cites, in full or shortened (《打击洗钱条例》 for 《打击洗钱及恐怖分子资金筹集条例》)."""
    return any(name == c or name in c or (len(name) >= 4 and name[:2] == c[:2] and name[-2:] == c[-2:]) for c in cited)


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
        if own and _cited(name, cited) and not _is_own(name, own, short_names):
            opening = _OPENS_WITH.search(folded[max(0, m.start() - 4):m.start()]) is not None
            if opening or _ISSUED.search(before) or _PRESENTS.match(folded[m.end():]):
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
    for m in _DEPARTMENT_ISSUES.finditer(folded):
        found += _foreign_issuers(folded, m.start(1), m.group(1), issuers)
    found += _wrong_kind(folded, own[0] if own else title, title)
    return found


def _doc_class(word: str) -> str:
    return "study" if word in ("白皮书", "蓝皮书", "报告") else "call" if word == "倡议" else "policy"


def _wrong_kind(folded: str, own: str, title: str) -> list[DocumentProblem]:
    """The document called by another kind's name: a 白皮书 as 该行动计划, a policy as 该倡议."""
    types = re.findall(_TYPE_WORDS, own)  # a type word may sit mid-title (白皮书（2024年）): the last one counts
    if not types:
        return []
    own_class = _doc_class(types[-1])
    out = []
    for ref in _TYPE_REF.finditer(folded):
        word = ref.group(1) or ref.group(2)
        if _doc_class(word) != own_class and word not in title:
            out.append(DocumentProblem((ref.start(), ref.end()), f"条目所评的是{types[-1]}，短评却称之为“{word}”：请按文件的实际类型评述"))
    return out


_BODY = re.compile(r"(委|部|局|会|院|办|厅|府|行|所|司|署|中央|国务院|区|市|省|县|协会|中心)$")
_GENERIC_ISSUER = re.compile(r"^(?:相关|有关|主管|监管|各)?部门$")
# Issuers that are not 部门: the top of the state (中共中央, 国务院) and self-regulatory bodies (协会, 学会, 联盟).
_NOT_A_DEPARTMENT = re.compile(r"中共中央|国务院|协会|学会|联盟|研究院|商会")


def _foreign_issuers(folded: str, start: int, phrase: str, issuers: str) -> list[DocumentProblem]:
    out = []
    pos = start
    for part in re.split(r"(、|与|会同|及)", phrase):
        problem = _issuer_problem(part, issuers)
        if problem:
            out.append(DocumentProblem((pos, pos + len(part)), problem))
        pos += len(part)
    return out


def _issuer_problem(part: str, issuers: str) -> str | None:
    part = part.split("等")[0]  # 中国互联网金融协会等协会, 湖北省经信厅等12部门: the named body counts
    part = re.split(r"提出|明确|要求|显示|指出|表明|是|系", part)[-1]  # 该计划提出国家数据局…: the body after the verb
    if part in ("、", "与", "会同", "及") or len(part) < 2:
        return None
    if re.match(r"^[\d一二两三四五六七八九十多]+[家个]", part):
        return None  # 三家协会 counts the bodies, names none
    if _GENERIC_ISSUER.match(part):
        if _NOT_A_DEPARTMENT.search(issuers) and "部" not in re.sub(r"部署|全部|内部", "", issuers):
            return f"“{part}”与条目的发布方不符（发布方不是政府部门）：请写明发文机关，倡议、顶层文件不宜称为部门规定"
        return None
    if not _BODY.search(part):
        return None  # "作为顶层设计" before a title is not an issuer
    if part not in issuers:
        return f"“{part}”不是条目所评文件的发布机构：请核对发文机关"
    # 北京市 for a plan of 北京市东城区: the city is named only as the district's prefix
    if re.search(r"[市省]$", part) and all(re.match(r"[\u4e00-\u9fff]{1,4}[区县]", issuers[m.end():])
                                           for m in re.finditer(re.escape(part), issuers)):
        return f"“{part}”不是发文机关：条目所评文件由其下辖区县发布，请写明区县名称"
    return None


def fragments(text: str) -> list[tuple[tuple[int, int], str]]:
    """Sentences that are not whole, as (span, message) for fragment findings."""
    return [(p.span, p.message) for p in problems(text)]

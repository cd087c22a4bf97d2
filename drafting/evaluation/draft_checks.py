"""Offline drafts of a labelled set of every genre, checked for what makes a 短评 unpublishable.

Per draft: fragments (sentences that are not whole, by drafting.writing.guard.sentences), a wrong document or issuer (the
短评 names a 《document》 or body other than the item's own, or a kind of document the item is not), and an
empty 短评; over the set: stock sentences (one sentence in more than two drafts counts as one issue).
The set is drafted as one issue, as a batch drafts it: sentences used twice are passed on to be avoided.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from drafting.errors import ValidationError
from drafting.models import DraftRequest, Item, Section
from drafting.settings import ROOT
from drafting.writing.guard.check import short_names
from drafting.writing.guard.sentences import problems
from drafting.writing.offline import voice

if TYPE_CHECKING:
    from drafting.services import Services

DEFAULT_LABELLED_PATH = ROOT / "tests" / "data" / "drafts_eval" / "items.jsonl"
# A sentence in more drafts than this is stock (the issue's own limit).
STOCK_LIMIT = 2
# Nouns for kinds of document: "该行动计划" on a 白皮书 names the wrong kind.
_DOC_KINDS = ("行动计划", "行动方案", "实施方案", "工作方案", "扶持办法", "管理办法", "暂行办法", "白皮书", "报告", "倡议", "公约",
              "条例", "指引", "意见", "规定", "规划", "方案", "计划", "办法", "通知", "咨询文件", "征求意见稿")
# Words that cast a body as a government department or its text as regulation.
_DEPARTMENT = re.compile(r"主管部门|监管部门|(?<![等])部门(?!等)")


class LabelledCase(BaseModel):
    """An item of the labelled set with its own document and issuer."""

    id: str
    section: Section
    title: str
    date: str | None = None
    body: str
    expected: dict[str, object] = Field(description="kind, stance, doc, issuer, cited")

    def item(self) -> Item:
        """The case as an item without a 短评."""
        return Item(section=self.section, title=self.title, date=self.date, body=self.body)

    @property
    def doc(self) -> str | None:
        value = self.expected.get("doc")
        return str(value) if value else None

    @property
    def issuer(self) -> str | None:
        value = self.expected.get("issuer")
        return str(value) if value else None

    @property
    def cited(self) -> list[str]:
        value = self.expected.get("cited") or []
        return [str(v) for v in value] if isinstance(value, list) else []


class CheckedDraft(BaseModel):
    """One offline 短评 of the set and what is wrong with it."""

    id: str
    title: str
    kind: str
    commentary: str
    fragments: list[str] = Field(default_factory=list)
    wrong_names: list[str] = Field(default_factory=list)
    stock: list[str] = Field(default_factory=list, description="its sentences found in more than two drafts")
    empty: bool = False


class DraftCheckReport(BaseModel):
    """Totals over the set and each draft."""

    drafts: int
    fragments: int
    wrong_names: int
    stock_sentences: int = Field(description="distinct sentences appearing in more than two drafts")
    empty: int
    rows: list[CheckedDraft]

    def table(self) -> str:
        """Printable: one line per draft with a problem, then the totals."""
        lines = [f"{'残句':>4} {'错名':>4} {'套话':>4} {'空':>2}  条目"]
        for r in self.rows:
            lines.append(f"{len(r.fragments):4d} {len(r.wrong_names):5d} {len(r.stock):5d} {int(r.empty):3d}  {r.id} {r.title[:28]}")
            lines += [f"      残句：{x}" for x in r.fragments] + [f"      错名：{x}" for x in r.wrong_names]
        lines.append(f"标注集 {self.drafts} 篇：残句 {self.fragments} 处，错误文件或主体 {self.wrong_names} 处，"
                     f"重复套话（超过 {STOCK_LIMIT} 篇）{self.stock_sentences} 句，空短评 {self.empty} 篇")
        return "\n".join(lines)


def load_labelled(path: Path = DEFAULT_LABELLED_PATH) -> list[LabelledCase]:
    """Read the labelled JSONL; ValidationError names the line to fix."""
    if not path.exists():
        raise ValidationError(f"找不到标注集 {path}：用 --labelled 指定 JSONL 文件")
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                cases.append(LabelledCase.model_validate(json.loads(line)))
            except (json.JSONDecodeError, PydanticValidationError) as exc:
                raise ValidationError(f"{path} 第 {n} 行不是有效的标注条目：{exc}") from exc
    return cases


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def split_sentences(text: str) -> list[str]:
    """The sentences of a 短评, each with its end mark."""
    return voice.sentences(text)


def _own_names(case: LabelledCase) -> list[str]:
    doc = _fold(case.doc or "")
    return [doc, *short_names(doc)] if doc else []


def wrong_names(commentary: str, case: LabelledCase) -> list[str]:
    """Documents, kinds and bodies the 短评 credits to the item that are not the item's own."""
    text = _fold(commentary)
    own = _own_names(case)
    doc = own[0] if own else ""
    issuer = _fold(case.issuer or "")
    found: list[str] = []
    for title in re.findall(r"《([^《》]+)》", text):
        if not any(title == o or title in o or o in title for o in own):
            found.append(f"《{title}》不是本条的文件")
    for name in case.cited:  # named without 《》 (a 《title》 is caught above)
        n = _fold(name)
        if n and n not in doc and n in text.replace(f"《{n}》", ""):
            found.append(f"{n} 只是本条引用的文件")
    for kind in re.findall(r"[该此](" + "|".join(_DOC_KINDS) + ")", text):
        if not doc or kind not in doc:
            found.append(f"“该{kind}”：本条{'是' + doc if doc else '不是文件'}")
    level_top = issuer.startswith("中共中央")
    association = bool(re.search(r"协会|联合会|学会|联盟", issuer))
    department = (re.search(r"部门", text) if association else _DEPARTMENT.search(text) if level_top
                  else re.search(r"主管部门", text) if issuer and "部" not in issuer else None)
    if department:
        found.append(f"称{case.issuer}为“{department.group(0)}”")
    if re.search(r"白皮书|报告", doc) and re.search(r"系统部署|重点任务|为企业发展提供保障|行动计划|政策支撑", text):
        found.append("把白皮书（报告）写成行动计划")
    if association and re.search(r"监管要求|合规要求|监管关注|监管规定", text):
        found.append("把协会的倡议写成监管规定")
    m = re.match(r"(.{2,4}?[省市])(.{2,5}?[区县])", issuer)
    if m and re.search(rf"{re.escape(m.group(1))}(?!{re.escape(m.group(2))})", text):
        found.append(f"把{m.group(2)}的文件记在{m.group(1)}名下")
    return found


def check_drafts(cases: list[LabelledCase], drafts: list[str]) -> DraftCheckReport:
    """Each draft checked against its case; stock sentences counted over the whole set."""
    # Two sentences that differ only in their names, places, topics and numbers are the same stock sentence.
    counts = Counter(k for d in drafts for k in {voice.stock_key(s) for s in split_sentences(d)})
    stock = {k for k, n in counts.items() if n > STOCK_LIMIT}
    rows = []
    for case, text in zip(cases, drafts, strict=True):
        folded = _fold(text)
        rows.append(CheckedDraft(
            id=case.id, title=case.title, kind=str(case.expected.get("kind") or ""), commentary=text,
            fragments=[f"{p.kind}：{folded[max(0, p.span[0] - 8):p.span[1] + 8]}" for p in problems(folded)],
            wrong_names=wrong_names(text, case), stock=[s for s in split_sentences(text) if voice.stock_key(s) in stock],
            empty=not folded,
        ))
    return DraftCheckReport(
        drafts=len(rows), fragments=sum(len(r.fragments) for r in rows), wrong_names=sum(len(r.wrong_names) for r in rows),
        stock_sentences=len(stock), empty=sum(r.empty for r in rows), rows=rows,
    )


def draft_set(cases: list[LabelledCase], draft: Callable[[Item, list[str]], str]) -> list[str]:
    """Draft the set in order as one issue: each draft is told the sentences already used twice."""
    used = voice.SentenceCount()
    out = []
    for case in cases:
        text = draft(case.item(), used.twice())
        used.add(text)
        out.append(text)
    return out


def evaluate_labelled(services: Services, path: Path = DEFAULT_LABELLED_PATH) -> DraftCheckReport:
    """Offline drafts of the labelled set with the corpus's precedents, checked."""
    cases = load_labelled(path)

    def offline(item: Item, avoid: list[str]) -> str:
        drafts = services.drafter.draft(DraftRequest(item=item, offline=True, commentary=True, avoid_sentences=avoid))
        return drafts[0].commentary if drafts else ""

    return check_drafts(cases, draft_set(cases, offline))

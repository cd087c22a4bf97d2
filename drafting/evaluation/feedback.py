"""Retrieval self-evaluation on the firm's own work: accepted drafts and the precedents editors kept.

A precedent marked helpful is a key precedent (grade 2); one the editor expanded and did not mark not useful
is a useful one (grade 1). Each accepted draft with at least one such precedent is a case, searched with the
same text the draft was searched with, the accepted item itself left out.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pydantic import BaseModel

from drafting.errors import ValidationError
from drafting.evaluation.retrieval import CaseResult, ModeScores, RetrievalReport, ndcg_at, recall_at, reciprocal_rank
from drafting.index.search import MODES
from drafting.writing.service import MAX_QUERY_CHARS

if TYPE_CHECKING:
    from drafting.services import Services

logger = logging.getLogger(__name__)


class FeedbackCase(BaseModel):
    """One accepted draft with the precedents its editor kept."""

    id: str
    query: str
    gains: dict[str, int]
    exclude: list[str]


def feedback_cases(services: Services) -> list[FeedbackCase]:
    """Cases from every accepted draft that has positive precedent feedback."""
    by_draft: dict[int, dict[str, int]] = {}
    for fb in services.learning.feedback.all():
        grade = 2 if fb.judgement == "helpful" else 1 if fb.expanded and fb.judgement is None else 0
        if grade:
            by_draft.setdefault(fb.draft_id, {})[fb.item_id] = grade
    cases = []
    for draft_id, gains in sorted(by_draft.items()):
        try:
            stored = services.store.get(draft_id)
        except ValidationError:
            continue  # feedback on a draft that no longer exists
        if stored.status != "accepted":
            continue
        item = stored.draft.item
        accepted = stored.accepted_item(services.store.accepted_text(draft_id))
        cases.append(FeedbackCase(id=f"draft-{draft_id}", query=f"{item.title}\n{item.body}"[:MAX_QUERY_CHARS],
                                  gains=gains, exclude=sorted({accepted.id, item.id})))
    return cases


def evaluate_feedback(services: Services, modes: tuple[str, ...] = MODES, k: int = 5) -> RetrievalReport:
    """Recall@3, MRR and nDCG@5 per retrieval mode on the firm's accepted drafts and kept precedents."""
    cases = feedback_cases(services)
    if not cases:
        raise ValidationError(
            "还没有可用的先例反馈：请在「起草」页对参考条目点「有帮助」（或展开查看），采纳草稿后再评测。"
        )
    results = []
    for mode in modes:
        for case in cases:
            found = services.retriever.search(case.query, k=k, mode=mode, exclude_ids=set(case.exclude))
            ranked = [p.item.id for p in found.precedents]
            results.append(CaseResult(case=case.id, mode=mode, ranked=ranked, recall_at_3=recall_at(ranked, case.gains, 3),
                                      mrr=reciprocal_rank(ranked, case.gains), ndcg_at_5=ndcg_at(ranked, case.gains, 5)))
    summary = {}
    for mode in modes:
        rows = [r for r in results if r.mode == mode]
        summary[mode] = ModeScores(recall_at_3=sum(r.recall_at_3 for r in rows) / len(rows),
                                   mrr=sum(r.mrr for r in rows) / len(rows), ndcg_at_5=sum(r.ndcg_at_5 for r in rows) / len(rows))
    return RetrievalReport(cases=len(cases), modes=summary, results=results)

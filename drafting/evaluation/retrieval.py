"""Retrieval evaluation: Recall@3, MRR and nDCG@5 of dense, lexical and hybrid search on labelled new items."""

from __future__ import annotations

import json
import logging
import math
import re
import unicodedata
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from drafting.errors import ValidationError
from drafting.index.search import MODES, Retriever
from drafting.models import Item, Section
from drafting.settings import ROOT

logger = logging.getLogger(__name__)

DEFAULT_EVAL_PATH = ROOT / "tests" / "data" / "retrieval_eval.jsonl"


class EvalCase(BaseModel):
    """A new item (not in the corpus) and the corpus items a lawyer would want as its precedents."""

    id: str
    section: Section
    title: str
    date: str | None = None
    body: str
    relevant: dict[str, int] = Field(description="title substring of a corpus item → grade (2 = key precedent, 1 = useful)")
    note: str = ""

    def query(self) -> str:
        """The text searched: title and body, as the drafter sends it."""
        return f"{self.title}\n{self.body}"


class ModeScores(BaseModel):
    """Mean metrics of one retrieval mode over all cases."""

    recall_at_3: float
    mrr: float
    ndcg_at_5: float


class CaseResult(BaseModel):
    """What one mode returned for one case."""

    case: str
    mode: str
    ranked: list[str]
    recall_at_3: float
    mrr: float
    ndcg_at_5: float
    duplicates: int = 0


class RetrievalReport(BaseModel):
    """Scores per mode, plus each case's ranking for inspection."""

    cases: int
    modes: dict[str, ModeScores]
    results: list[CaseResult] = Field(default_factory=list)


def load_cases(path: Path = DEFAULT_EVAL_PATH) -> list[EvalCase]:
    """Read the labelled JSONL; ValidationError names the line to fix."""
    if not path.exists():
        raise ValidationError(f"找不到检索评测数据 {path}：用 --data 指定 JSONL 文件")
    cases: list[EvalCase] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            cases.append(EvalCase.model_validate(json.loads(line)))
        except (json.JSONDecodeError, PydanticValidationError) as exc:
            raise ValidationError(f"{path} 第 {n} 行不是有效的评测条目：{exc}") from exc
    return cases


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def resolve_labels(cases: list[EvalCase], items: list[Item]) -> dict[str, dict[str, int]]:
    """Case id → {corpus item id: grade}; each title substring must match exactly one item."""
    titles = [(it.id, _fold(it.title)) for it in items]
    out: dict[str, dict[str, int]] = {}
    for case in cases:
        gains: dict[str, int] = {}
        for needle, grade in case.relevant.items():
            hits = [iid for iid, title in titles if _fold(needle) in title]
            if len(hits) != 1:
                raise ValidationError(
                    f"评测条目 {case.id} 的标注 {needle!r} 匹配到 {len(hits)} 个语料条目（应恰好 1 个）："
                    "改用更具体的标题片段，或先运行 drafting ingest"
                )
            gains[hits[0]] = grade
        out[case.id] = gains
    return out


def recall_at(ranked: list[str], gains: dict[str, int], k: int) -> float:
    """Share of the labelled precedents found in the top k."""
    return sum(1 for r in ranked[:k] if r in gains) / len(gains) if gains else 0.0


def reciprocal_rank(ranked: list[str], gains: dict[str, int]) -> float:
    """1 / rank of the first labelled precedent (0 when none is returned)."""
    return next((1.0 / n for n, r in enumerate(ranked, 1) if r in gains), 0.0)


def ndcg_at(ranked: list[str], gains: dict[str, int], k: int) -> float:
    """Graded nDCG@k with gain 2^grade - 1."""
    dcg = sum((2 ** gains.get(r, 0) - 1) / math.log2(n + 1) for n, r in enumerate(ranked[:k], 1))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(n + 1) for n, g in enumerate(ideal, 1))
    return dcg / idcg if idcg else 0.0


def evaluate_retrieval(
    retriever: Retriever,
    cases: list[EvalCase],
    modes: tuple[str, ...] = MODES,
    k: int = 5,
) -> RetrievalReport:
    """Run every case in every mode over the whole corpus (no section filter) and average the metrics."""
    labels = resolve_labels(cases, retriever.index.items())
    results: list[CaseResult] = []
    for mode in modes:
        for case in cases:
            found = retriever.search(case.query(), k=k, mode=mode)
            ranked = [p.item.id for p in found.precedents]
            gains = labels[case.id]
            results.append(
                CaseResult(
                    case=case.id,
                    mode=mode,
                    ranked=ranked,
                    recall_at_3=recall_at(ranked, gains, 3),
                    mrr=reciprocal_rank(ranked, gains),
                    ndcg_at_5=ndcg_at(ranked, gains, 5),
                    duplicates=len(found.duplicates),
                )
            )
    summary: dict[str, ModeScores] = {}
    for mode in modes:
        rows = [r for r in results if r.mode == mode]
        summary[mode] = ModeScores(
            recall_at_3=sum(r.recall_at_3 for r in rows) / len(rows),
            mrr=sum(r.mrr for r in rows) / len(rows),
            ndcg_at_5=sum(r.ndcg_at_5 for r in rows) / len(rows),
        )
    return RetrievalReport(cases=len(cases), modes=summary, results=results)

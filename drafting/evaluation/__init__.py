"""Offline evaluations of retrieval (and later drafting) on labelled data."""

from drafting.evaluation.retrieval import EvalCase, RetrievalReport, evaluate_retrieval, load_cases

__all__ = ["EvalCase", "RetrievalReport", "evaluate_retrieval", "load_cases"]

"""Precedent search: dense + BM25 on jieba tokens, fused by RRF, filtered, diversified by MMR."""

from __future__ import annotations

from drafting.index import VectorIndex
from drafting.models import SearchFilters, SearchResult
from drafting.settings import Settings


class Retriever:
    """Finds precedents for a new item and reports near-duplicates apart."""

    def __init__(self, settings: Settings, index: VectorIndex) -> None:
        raise NotImplementedError

    def search(
        self,
        text: str,
        k: int | None = None,
        filters: SearchFilters | None = None,
        *,
        mode: str = "hybrid",  # "hybrid" | "dense" | "lexical", for evaluation
        exclude_ids: set[str] | None = None,  # leave-one-out evaluation
    ) -> SearchResult:
        """Top-k precedents for the text; duplicates of the query go to SearchResult.duplicates."""
        raise NotImplementedError

    def refresh(self) -> None:
        """Rebuild the lexical index after the vector index changed."""
        raise NotImplementedError

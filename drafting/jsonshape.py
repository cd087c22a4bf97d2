"""The JSON shapes of search results and drafts, shared by the CLI's --json and the HTTP API (one contract)."""

from __future__ import annotations

from typing import Any

from drafting.models import Draft, Precedent, SearchResult


def precedent_json(p: Precedent) -> dict[str, Any]:
    """One search hit with the ranks that explain it."""
    return {
        "id": p.item.id, "title": p.item.title, "section": p.item.section, "date": p.item.date,
        "score": round(p.score, 6), "commentary": p.item.commentary, "sources": p.item.sources,
        "dense_rank": p.dense_rank, "lexical_rank": p.lexical_rank,
        "dense_score": p.dense_score, "lexical_score": p.lexical_score,
    }


def search_json(query: str, result: SearchResult) -> dict[str, Any]:
    """A search: its query, ranked precedents, and the corpus items the query duplicates."""
    return {
        "query": query,
        "results": [precedent_json(p) for p in result.precedents],
        "duplicates": [precedent_json(p) for p in result.duplicates],
    }


def draft_json(d: Draft) -> dict[str, Any]:
    """One Draft: item, 短评, provenance, findings, precedents."""
    return {
        "item": d.item.model_dump(exclude={"issue", "commentary"}),
        "commentary": d.commentary,
        "offline": d.offline,
        "model": d.model,
        "temperature": d.temperature,
        "prompt_version": d.prompt_version,
        "findings": [{"kind": f.kind, "span": list(f.span) if f.span else None, "message": f.message, "field": f.field} for f in d.findings],
        "precedents": [{"id": p.item.id, "title": p.item.title, "score": round(p.score, 6)} for p in d.precedents],
        "duplicates": [{"id": p.item.id, "title": p.item.title, "score": round(p.score, 6)} for p in d.duplicates],
    }

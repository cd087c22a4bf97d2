"""The JSON shapes of search results and drafts, shared by the CLI's --json and the HTTP API (one contract)."""

from __future__ import annotations

from typing import Any

from drafting.corpus.profile import precedent_gap_message
from drafting.models import Draft, Precedent, Profile, SearchResult


def profile_json(p: Profile | None) -> dict[str, Any] | None:
    """A Profile: kind, stance, issuer, level, figures, and who set it."""
    if p is None:
        return None
    return {"kind": p.kind, "stance": p.stance, "issuer": p.issuer, "level": p.level, "figures": p.figures, "source": p.source}


def precedent_extras(p: Precedent) -> dict[str, Any]:
    """Profile, reasons and similarity (dense cosine, in %) of a precedent."""
    return {"profile": profile_json(p.profile), "why": p.why,
            "similarity": round(100 * p.dense_score, 1) if p.dense_score is not None else None}


def precedent_json(p: Precedent) -> dict[str, Any]:
    """One search hit with the ranks that explain it."""
    return {
        "id": p.item.id, "title": p.item.title, "section": p.item.section, "date": p.item.date,
        "score": round(p.score, 6), "commentary": p.item.commentary, "sources": p.item.sources,
        "dense_rank": p.dense_rank, "lexical_rank": p.lexical_rank,
        "dense_score": p.dense_score, "lexical_score": p.lexical_score, **precedent_extras(p),
    }


def search_json(query: str, result: SearchResult, profile: Profile | None = None) -> dict[str, Any]:
    """A search: its query and profile, ranked precedents, whether a precedent of its kind is missing, duplicates."""
    return {
        "query": query,
        "profile": profile_json(profile or result.profile),
        "precedent_gap": result.precedent_gap,
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
        "precedents": [{"id": p.item.id, "title": p.item.title, "score": round(p.score, 6), **precedent_extras(p)}
                       for p in d.precedents],
        "duplicates": [{"id": p.item.id, "title": p.item.title, "score": round(p.score, 6)} for p in d.duplicates],
        "profile": profile_json(d.profile),
        "precedent_gap": d.precedent_gap,
        "precedent_gap_message": precedent_gap_message(d.profile) if d.precedent_gap and d.profile else None,
        "document": d.document.card() if d.document is not None else None,
        "no_commentary": d.no_commentary if not d.commentary else None,
    }

"""How an item is stored in the Chroma index: the passage embedded, the metadata, the filters as a `where`."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import date as _date
from typing import Any

from drafting.corpus.profile import PROFILE_VERSION, profile_of
from drafting.errors import ValidationError
from drafting.models import Item, SearchFilters

# Bump when passage_text() changes: stored hashes then differ and every item is re-embedded.
PASSAGE_VERSION = "p1"


def passage_text(item: Item) -> str:
    """The text embedded (and BM25-indexed) for an item: title and body, untruncated."""
    # The 短评 is left out: measured on tests/data/retrieval_eval.jsonl, adding it lowered nDCG@5,
    # because every commentary uses the same praising vocabulary and pulls unrelated policies together.
    return f"{item.title}\n{item.body}"


def date_int(date: str | None, *, end: bool = False) -> int:
    """YYYYMMDD as an int for Chroma range filters; 0 for no date. Partial dates cover their month/year."""
    if not date:
        return 0
    m = re.fullmatch(r"\s*(\d{4})(?:[-/.年](\d{1,2}))?(?:[-/.月](\d{1,2}))?日?\s*", date)
    if not m:
        raise ValidationError(f"日期 {date!r} 无法识别：请用 YYYY-MM-DD 格式，例如 2023-09-18")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    mm = int(month) if month else (12 if end else 1)
    dd = int(day) if day else (31 if end else 1)
    if not (1 <= mm <= 12 and 1 <= dd <= 31):
        raise ValidationError(f"日期 {date!r} 无效：月份 1–12，日 1–31")
    if day:
        try:
            _date(year, mm, dd)  # 2023-02-30 is no day at all
        except ValueError:
            raise ValidationError(f"日期 {date!r} 不存在：{year} 年 {mm} 月没有 {dd} 日") from None
    return year * 10000 + mm * 100 + dd


def where_clause(filters: SearchFilters | None) -> dict[str, Any] | None:
    """Chroma `where` for section, date range and has_commentary; None when nothing restricts."""
    if filters is None:
        return None
    conds: list[dict[str, Any]] = []
    if filters.section:
        conds.append({"section": filters.section})
    if filters.has_commentary is not None:
        conds.append({"has_commentary": filters.has_commentary})
    if filters.date_from or filters.date_to:
        # Undated (近日) items cannot be shown to fall inside a range, so a range excludes them.
        conds.append({"date_int": {"$gt": 0}})
        if filters.date_from:
            conds.append({"date_int": {"$gte": date_int(filters.date_from)}})
        if filters.date_to:
            conds.append({"date_int": {"$lte": date_int(filters.date_to, end=True)}})
    if not conds:
        return None
    return conds[0] if len(conds) == 1 else {"$and": conds}


def collection_name(prefix: str, embedder_name: str) -> str:
    """Prefix + slug of the embedder name (+ short hash so two names never share a slug)."""
    slug = re.sub(r"[^a-z0-9]+", "_", embedder_name.lower()).strip("_")[:48]
    digest = hashlib.sha1(embedder_name.encode()).hexdigest()[:6]
    return f"{prefix}__{slug}_{digest}"


def record_hash(item: Item) -> str:
    """What decides whether a stored record is up to date: the passage version and the item's content."""
    return f"{PASSAGE_VERSION}:{item.content_hash()}"


def metadata(item: Item) -> dict[str, Any]:
    """The Chroma metadata of an item: the filterable fields, the item itself as JSON, its profile."""
    return {
        "section": item.section,
        "date": item.date or "",
        "date_int": date_int(item.date) if item.date else 0,
        "title": item.title,
        "has_commentary": bool(item.commentary),
        "issue": item.issue or "",
        "source": item.sources[0] if item.sources else "",
        "content_hash": record_hash(item),
        "item_json": item.model_dump_json(),
        **profile_metadata(item),
    }


def profile_metadata(item: Item) -> dict[str, Any]:
    """The profile fields of the metadata (refreshed without re-embedding when the profiler changes)."""
    profile = profile_of(item)
    return {"profile_version": PROFILE_VERSION, "kind": profile.kind, "stance": profile.stance,
            "profile_json": profile.model_dump_json()}


def chunks(seq: list[Any], size: int) -> Iterable[list[Any]]:
    """Slices of at most `size`: Chroma caps the records of one call."""
    for start in range(0, len(seq), size):
        yield seq[start : start + size]

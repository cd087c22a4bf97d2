"""The Chroma index: derived from the corpus files, rebuildable at any time."""

from __future__ import annotations

from pydantic import BaseModel

from drafting.embeddings import Embedder
from drafting.models import Item, SearchFilters
from drafting.settings import Settings


class SyncStats(BaseModel):
    """What an upsert did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0


class VectorIndex:
    """Items as Chroma records: id = item id, metadata = section/date/title/has_commentary/issue/source/hash."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        raise NotImplementedError

    def sync(self, items: list[Item], *, remove_missing: bool = False, progress: bool = False) -> SyncStats:
        """Upsert items, embedding only new or changed ones (content hash); optionally drop ids not given."""
        raise NotImplementedError

    def dense(self, text: str, n: int, filters: SearchFilters | None = None) -> list[tuple[str, float]]:
        """Ids and cosine similarities of the n nearest items to a query text."""
        raise NotImplementedError

    def items(self) -> list[Item]:
        """Every indexed item (for the lexical index and the corpus browser)."""
        raise NotImplementedError

    def count(self) -> int:
        """Number of indexed items."""
        raise NotImplementedError

"""The drafting service: retrieve → prompt → model or offline → guard → Draft."""

from __future__ import annotations

from collections.abc import Iterator

from drafting.models import Draft, DraftEvent, DraftRequest
from drafting.retrieve import Retriever
from drafting.settings import Settings


class DraftingService:
    """Drafts items and 短评 in house style, citing precedents."""

    def __init__(self, settings: Settings, retriever: Retriever) -> None:
        raise NotImplementedError

    def stream(self, request: DraftRequest) -> Iterator[DraftEvent]:
        """Precedents first, then the item (for raw text), then tokens, then one 'done' per variant."""
        raise NotImplementedError

    def draft(self, request: DraftRequest) -> list[Draft]:
        """All variants, finished; ModelError when the provider fails after retries."""
        raise NotImplementedError

    def models(self) -> list[str]:
        """Configured model names the user may pick (empty when only offline)."""
        raise NotImplementedError

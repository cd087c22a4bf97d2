"""SQLite store of drafts, in-progress edits and accepts (WAL, so a crash loses nothing committed)."""

from __future__ import annotations

from pathlib import Path

from drafting.models import Draft, StoredDraft


class DraftStore:
    """Drafts as rows: created pending, edited as the editor types, accepted once."""

    def __init__(self, path: Path) -> None:
        raise NotImplementedError

    def create(self, draft: Draft, *, batch_id: str | None = None) -> int:
        """Store a new pending draft; returns its id."""
        raise NotImplementedError

    def save_edit(self, draft_id: int, *, title: str, body: str, commentary: str) -> None:
        """Autosave the editor's current text."""
        raise NotImplementedError

    def accept(self, draft_id: int, *, title: str, body: str, commentary: str) -> StoredDraft:
        """Mark accepted with the final text (idempotent)."""
        raise NotImplementedError

    def get(self, draft_id: int) -> StoredDraft:
        """One draft; ValidationError when it does not exist."""
        raise NotImplementedError

    def list(self, *, query: str | None = None, status: str | None = None, limit: int = 200) -> list[StoredDraft]:
        """Newest first, filtered by text and status."""
        raise NotImplementedError

"""The corpus folder: the system of record. Originals and one parsed JSON per issue."""

from __future__ import annotations

from pathlib import Path

from drafting.models import Issue, Item


class CorpusFiles:
    """Reads and writes corpus/ atomically.

    Layout: ``corpus/issues/<stem>.<ext>`` originals, ``corpus/issues/<stem>.json`` parsed issues,
    ``corpus/accepted/<item-id>.json`` single items accepted in the editor.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def issues(self) -> list[Issue]:
        """Every parsed issue, accepted items grouped as issue 'accepted'."""
        raise NotImplementedError

    def items(self) -> list[Item]:
        """All items, de-duplicated by id (a later file wins)."""
        raise NotImplementedError

    def ingest(self, path: Path) -> Issue:
        """Parse a file, copy it into corpus/issues/ if it is not there, write its JSON; idempotent."""
        raise NotImplementedError

    def add_item(self, item: Item) -> Path:
        """Store one accepted item as corpus/accepted/<id>.json (atomic write)."""
        raise NotImplementedError

    def save_issue(self, issue: Issue) -> Path:
        """Write corpus/issues/<issue.id>.json (atomic write)."""
        raise NotImplementedError

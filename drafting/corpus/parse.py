"""Entry points: any supported file or text → Issue."""

from __future__ import annotations

from pathlib import Path

from drafting.models import Issue


def parse_file(path: Path) -> Issue:
    """Parse an issue file (.txt .md .docx .pdf .json .jsonl) into an Issue; ParseError names the file."""
    raise NotImplementedError


def parse_text(text: str, *, issue_id: str, source_file: str | None = None) -> Issue:
    """Parse the plain text of a whole issue (as extracted from the PDF) into an Issue."""
    raise NotImplementedError

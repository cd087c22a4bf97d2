"""Fact and style checks: what the draft says that the source does not."""

from __future__ import annotations

from drafting.models import Finding, Item
from drafting.settings import GuardSettings


def check(commentary: str, source: Item, settings: GuardSettings, *, source_text: str | None = None) -> list[Finding]:
    """Findings for a 短评 checked against its source item (and the raw pasted text, when given)."""
    raise NotImplementedError


def format_findings(findings: list[Finding]) -> str:
    """Printable, one finding per line."""
    raise NotImplementedError

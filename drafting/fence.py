"""Untrusted text on its way into a prompt, capped and fenced one way everywhere.

Four kinds of text reach the model that nobody at the firm typed into the prompt files: the new item's source
(a pasted or fetched text, an API ``item``), precedents (accepted 短评 from the corpus), and house rules (approved
in the 规则 tab, or hand-edited in ``house_rules.md``). Each is cut to its own length and loses any tag that could
close or open a fence (``</source>``, ``<precedent>``, ``</rules>`` …), so text inside a fence can never step out
of it. The prompt files (prompts/*.md) put each kind between its tags and tell the model it is material only.
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["source", "precedent", "rule"]

# Characters of each kind that may reach a prompt. A source is a whole policy document; a precedent field is one
# item of a past issue (a 短评 is 130–200 characters, a body a few hundred); a rule is one sentence.
LIMITS: dict[Kind, int] = {"source": 20_000, "precedent": 3_000, "rule": 300}
CUT = "……（以下超出长度上限，已截去）"
# Any tag a fence uses (or a chat-role tag), opening or closing, however spaced or cased.
_TAG = re.compile(r"<\s*(/?)\s*(source|precedent|precedents|rules?|system|user|assistant)\b[^>]*>", re.IGNORECASE)


def neutralise(text: str) -> str:
    """Fence tags inside the text lose their angle brackets: ``</source>`` → ``［/source］``."""
    return _TAG.sub(lambda m: f"［{m.group(1)}{m.group(2)}］", text)


def cap(text: str, limit: int) -> str:
    """At most ``limit`` characters, with a visible mark where it was cut."""
    return text if len(text) <= limit else text[:limit] + CUT


def fence(text: str | None, kind: Kind = "source", limit: int | None = None) -> str:
    """The text as it may stand between its kind's tags: capped, tags neutralised, outer blanks stripped."""
    return neutralise(cap(text or "", LIMITS[kind] if limit is None else limit)).strip()

"""The body of a plan longer than an item's body: its opening, its main tasks and the later paragraphs' points.

The old body kept the first 350 characters, so a three-paragraph plan lost its main tasks and its risk sentences —
the very things the firm's items summarise. Here every paragraph gets its share, and a list of tasks (一是…二是…)
is named by its headings.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_ENUMERATION = re.compile(r"[一二三四五六七八九十]{1,2}是")
_SENTENCE = re.compile(r"[^。！？；]+[。！？；]?")


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def _tasks_sentence(paragraph: str, tasks: list[str]) -> str:
    """'《行动计划》部署了五项主要任务：一是…；二是…' → its lead and the tasks' own names, one clause each."""
    lead = re.split(r"[：:]", paragraph, maxsplit=1)[0] if re.search(r"[：:]", paragraph[:60]) else ""
    names = [re.split(r"[，,]", t)[0] for t in tasks]
    return (lead + "：" if lead else "") + "；".join(f"{n}" for n in names) + "。"


def digest(text: str, opening: str, tasks: list[str], trim: Callable[[str, int, int], str], lo: int, hi: int) -> str:
    """Opening sentence, then each later paragraph's first sentence (a task list by its task names), within hi."""
    paragraphs = _paragraphs(text)
    start = next((i for i, p in enumerate(paragraphs) if opening[:20] in p), 0)
    later = paragraphs[start + 1:]
    parts: list[str] = []
    for paragraph in later:
        if tasks and _ENUMERATION.search(paragraph):
            parts.append(_tasks_sentence(paragraph, tasks))
        else:
            first = next((s for s in _SENTENCE.findall(paragraph) if s.strip()), "")
            if first:
                parts.append(first.strip())
    if not parts:
        return trim(opening, lo, hi)
    # Each later paragraph keeps at least its share; the opening gets what is left (cut at a comma by trim).
    rest = "".join(parts)
    room = max(lo // 2, hi - len(rest))
    first = paragraphs[start] if start < len(paragraphs) else opening
    lead = first[first.find(opening[:20]):] if opening[:20] in first else opening
    head = trim(lead, min(lo, room), room) or opening[:room]
    body = head + rest
    while len(body) > hi and len(parts) > 1:
        longest = max(range(len(parts)), key=lambda i: len(parts[i]))
        parts[longest] = trim(parts[longest], 0, max(20, len(parts[longest]) - (len(body) - hi)))
        body = head + "".join(parts)
        if len(parts[longest]) <= 20:
            break
    return body[:hi]

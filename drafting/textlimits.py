"""Lengths of text a person or a script may store, and the range of draft numbers: refused in Chinese, naming the limit.

A 短评 is 130–200 characters and a body a few hundred; an accepted text far longer is a paste gone wrong or an
attempt to plant instructions in later prompts (every accepted 短评 becomes a precedent). Draft ids are SQLite
integers: a 23-digit number would overflow deep in sqlite3 instead of being "no such draft".
"""

from __future__ import annotations

from drafting.errors import ValidationError

MAX_TITLE_CHARS = 500
MAX_BODY_CHARS = 20_000  # as much source as one draft sends to the model (drafting/fence.py LIMITS["source"])
MAX_COMMENTARY_CHARS = 2_000  # ten times the house maximum: room for a long draft, none for a planted document
MAX_SOURCES = 50
MAX_DRAFT_ID = 2**63 - 1  # SQLite INTEGER

LIMITS = {"title": ("标题", MAX_TITLE_CHARS), "body": ("正文", MAX_BODY_CHARS),
          "commentary": ("短评", MAX_COMMENTARY_CHARS)}


def check_lengths(what: str, **texts: str | None) -> None:
    """ValidationError naming the first field longer than its limit (title, body, commentary)."""
    for field, text in texts.items():
        label, limit = LIMITS[field]
        if text is not None and len(text) > limit:
            raise ValidationError(f"{what}的{label}过长（{len(text)} 字）：最多 {limit} 字，请删减后重试；未保存任何内容。")


def check_draft_id(draft_id: int) -> int:
    """The id when SQLite can hold it; otherwise the same message as for a draft that does not exist."""
    if not isinstance(draft_id, int) or not 0 < draft_id <= MAX_DRAFT_ID:
        raise ValidationError(f"草稿 #{str(draft_id)[:30]} 不存在：草稿编号是 1 到 {MAX_DRAFT_ID} 之间的整数，"
                              "请用 drafting history 或「历史」页查看现有编号。")
    return draft_id

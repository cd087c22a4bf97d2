"""Precedent feedback: the editor marks a precedent helpful or not useful, and which ones were expanded."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from drafting.errors import ValidationError
from drafting.learning.db import LearningDB, now

logger = logging.getLogger(__name__)

Judgement = Literal["helpful", "not_useful"]
JUDGEMENTS: tuple[Judgement, ...] = ("helpful", "not_useful")


class PrecedentFeedback(BaseModel):
    """What the editor said about one precedent of one draft."""

    draft_id: int
    item_id: str
    judgement: Judgement | None = None
    expanded: bool = False


@dataclass
class FeedbackStore:
    """Judgements and expansions per (draft, precedent), kept across restarts."""

    db: LearningDB

    def judge(self, draft_id: int, item_id: str, judgement: str | None, *, actor: str | None = None) -> None:
        """Mark a precedent helpful / not useful; None clears the mark."""
        if judgement is not None and judgement not in JUDGEMENTS:
            raise ValidationError(f"评价“{judgement}”无效：只能是 helpful（有帮助）或 not_useful（无用）。")
        with self.db.transaction() as conn:
            if judgement is None:
                conn.execute("DELETE FROM precedent_feedback WHERE draft_id=? AND item_id=? AND kind='judgement'", (draft_id, item_id))
                return
            conn.execute(
                "INSERT INTO precedent_feedback (draft_id, item_id, kind, value, actor, created_at) VALUES (?, ?, 'judgement', ?, ?, ?)"
                " ON CONFLICT(draft_id, item_id, kind) DO UPDATE SET value=excluded.value, actor=excluded.actor,"
                " created_at=excluded.created_at",
                (draft_id, item_id, judgement, actor, now()),
            )

    def expanded(self, draft_id: int, item_id: str, *, actor: str | None = None) -> None:
        """Record that the editor opened a precedent's card (idempotent)."""
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO precedent_feedback (draft_id, item_id, kind, value, actor, created_at)"
                " VALUES (?, ?, 'expanded', '1', ?, ?)",
                (draft_id, item_id, actor, now()),
            )

    def for_draft(self, draft_id: int) -> dict[str, PrecedentFeedback]:
        """Item id → feedback for one draft."""
        return {f.item_id: f for f in self.all(draft_id)}

    def all(self, draft_id: int | None = None) -> list[PrecedentFeedback]:
        """Every recorded feedback, optionally for one draft."""
        sql = "SELECT draft_id, item_id, kind, value FROM precedent_feedback"
        params: tuple[object, ...] = ()
        if draft_id is not None:
            sql += " WHERE draft_id=?"
            params = (draft_id,)
        out: dict[tuple[int, str], PrecedentFeedback] = {}
        with self.db.connect() as conn:
            for row in conn.execute(sql + " ORDER BY draft_id, item_id", params):
                key = (row["draft_id"], row["item_id"])
                fb = out.setdefault(key, PrecedentFeedback(draft_id=key[0], item_id=key[1]))
                if row["kind"] == "judgement":
                    fb.judgement = row["value"]
                else:
                    fb.expanded = True
        return list(out.values())

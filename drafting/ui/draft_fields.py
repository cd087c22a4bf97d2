"""What the 起草 tab's modules share: the page's hidden draft id, the user, the time shown in notes, the fact check
of the editor's current text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import gradio as gr

from drafting.corpus.profile import profile_of
from drafting.issues.review import actor_name
from drafting.models import Draft
from drafting.settings import GuardSettings
from drafting.writing.guard import check as guard


def now() -> str:
    return datetime.now().strftime("%H:%M:%S")


def id_of(value: Any) -> int | None:
    """The draft id held by the page's hidden field ("" = none)."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def user_of(request: gr.Request | None) -> str:
    """The login user of this page, else the local OS user."""
    return actor_name(getattr(request, "username", None) if request is not None else None)


def same_text(a: Draft, b: Draft) -> bool:
    """Two drafts that would show the same text (the offline drafter is deterministic)."""
    return (a.item.title, a.item.body, a.commentary) == (b.item.title, b.item.body, b.commentary)


def variant_choices(drafts: list[Draft]) -> list[str]:
    return [f"版本 {n}" for n in range(1, len(drafts) + 1)]


def check_text(gs: GuardSettings, stored_draft: Draft, title: str, body: str, commentary: str,
               source_text: str | None) -> list[Any]:
    """Guard findings for the editor's current text."""
    item = stored_draft.item.model_copy(update={"title": title, "body": body})
    return guard.check(commentary, item, gs, source_text=source_text, profile=stored_draft.profile or profile_of(item))

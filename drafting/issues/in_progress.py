"""An issue in progress as the page, the CLI and the Word export read it: its items (the machine draft beside the
editor's text, state, who edited), the issue put together for print, and the audit trail's entries. Plain models,
kept apart from the SQLite operations that load and change them (review.py's ReviewStore)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from drafting.errors import ValidationError
from drafting.export.assemble import DEFAULT_TITLE, AssembledIssue, ClosingBlock, build_issue, default_period
from drafting.models import Draft, Item

ReviewState = Literal["pending", "edited", "reviewed", "published"]
STATE_LABELS: dict[str, str] = {"pending": "待定", "edited": "已修改", "reviewed": "已审核", "published": "已发布"}


class IssueItem(BaseModel):
    """One item of an issue in progress: the machine draft, the editor's current text, state and who edited it."""

    draft_id: int
    key: str = Field(description="stable key of the input row (item id or hash of the raw text)")
    position: int
    line: int = 0
    section: str
    title: str
    body: str
    commentary: str = ""
    sources: list[str] = Field(default_factory=list)
    ticked: bool = Field(default=False, description="采纳本条短评: the 短评 goes into the published issue")
    drafted: bool = Field(default=False, description="went through the drafter (else the item as given)")
    status: Literal["pending", "accepted"] = "pending"
    state: ReviewState = "pending"
    version: int = 1
    updated_at: str = ""
    updated_by: str | None = None
    accepted_by: str | None = None
    reviewed_by: str | None = None
    duplicates: list[str] = Field(default_factory=list)
    removed_at: str | None = Field(default=None, description="moved out of the issue (kept, restorable) at this time")
    removed_by: str | None = None
    machine: Draft = Field(description="the machine draft (its item and 短评 are the text before any edit)")

    @property
    def state_label(self) -> str:
        """待定 / 已修改 / 已审核 / 已发布."""
        return STATE_LABELS.get(self.state, self.state)

    @property
    def edited(self) -> bool:
        """The editor's text differs from the machine draft."""
        m = self.machine
        return (self.title, self.body, self.commentary) != (m.item.title, m.item.body, m.commentary)

    def final_item(self, *, ticked_only: bool) -> Item:
        """The item with the editor's text; its 短评 only if ticked (when asked)."""
        keep = self.commentary.strip() and (self.ticked or not ticked_only)
        return self.machine.item.model_copy(update={
            "id": "", "title": self.title.strip(), "body": self.body.strip(), "sources": list(self.sources),
            "commentary": self.commentary.strip() if keep else None,
        })


class IssueInProgress(BaseModel):
    """A batch under review: title, period, editors and the items in print order."""

    id: str
    title: str = DEFAULT_TITLE
    period: str = Field(default="", description="what the editor typed; empty = not set (see suggested_period)")
    editors: str = ""
    source: str = ""
    version: int = 1
    created_at: str = ""
    updated_at: str = ""
    updated_by: str | None = None
    published_at: str | None = None
    published_by: str | None = None
    items: list[IssueItem] = Field(default_factory=list)
    removed: list[IssueItem] = Field(default_factory=list, description="moved out: not printed, kept, restorable")

    @property
    def suggested_period(self) -> str:
        """The period guessed from the items' dates: shown as a placeholder, never written over the editor's."""
        return default_period([i.machine.item for i in self.items])

    def item(self, draft_id: int) -> IssueItem:
        """One item by its draft id."""
        for it in self.items:
            if it.draft_id == draft_id:
                return it
        raise ValidationError(f"本期没有草稿 #{draft_id}：请刷新列表后重试")

    def unreviewed(self) -> list[IssueItem]:
        """Items not yet signed off by a reviewer."""
        return [i for i in self.items if i.state not in ("reviewed", "published")]

    def assemble(self, prompts_dir: Path, *, ticked_only: bool = False, with_acceptors: bool = False) -> AssembledIssue:
        """The issue in house layout with the current text (every 短评, or only ticked ones)."""
        items = [i.final_item(ticked_only=ticked_only) for i in self.items]
        issue = build_issue(items, prompts_dir=prompts_dir, title=self.title or DEFAULT_TITLE,
                            period=self.period or None, editors=self.editors or None)
        if with_acceptors:
            names = [f"{i.title[:24]}：{i.accepted_by or i.reviewed_by or i.updated_by or ''}" for i in self.items]
            issue.closing.append(ClosingBlock(kind="heading", text="采纳记录"))
            issue.closing.extend(ClosingBlock(kind="para", text=n) for n in names)
        return issue

    def to_json(self) -> dict[str, Any]:
        """The `drafting issues --json` shape of one issue."""
        return {
            "id": self.id, "title": self.title, "period": self.period, "suggested_period": self.suggested_period,
            "editors": self.editors, "source": self.source, "version": self.version, "updated_at": self.updated_at,
            "updated_by": self.updated_by, "published_at": self.published_at,
            "items": [
                {"draft_id": i.draft_id, "key": i.key, "section": i.section, "title": i.title, "state": i.state,
                 "state_label": i.state_label, "status": i.status, "ticked": i.ticked, "version": i.version,
                 "updated_by": i.updated_by, "updated_at": i.updated_at, "accepted_by": i.accepted_by,
                 "reviewed_by": i.reviewed_by, "sources": i.sources, "edited": i.edited}
                for i in self.items
            ],
            "removed": [
                {"draft_id": i.draft_id, "key": i.key, "section": i.section, "title": i.title, "state": i.state,
                 "version": i.version, "removed_at": i.removed_at, "removed_by": i.removed_by}
                for i in self.removed
            ],
        }


class AuditEntry(BaseModel):
    """One recorded change: who, when, what, and the text before and after."""

    id: int
    at: str
    actor: str
    action: str
    draft_id: int | None = None
    issue_id: str | None = None
    version: int | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


ACTION_LABELS = {
    "create": "起草", "save": "修改", "variant": "换版本", "accept": "采纳", "reaccept": "重新采纳",
    "review": "审核", "publish": "发布", "issue": "本期信息", "order": "调整顺序", "tick": "勾选采纳",
    "corpus": "语料库", "sources": "修改来源", "remove": "移出本期", "restore": "恢复到本期",
}

def export_name(issue: IssueInProgress) -> str:
    """A file name for the exported issue: title and period (the typed one, else the suggestion)."""
    return re.sub(r"[\\/:*?\"<>|\s]+", "_", f"{issue.title}{issue.period or issue.suggested_period}") or "issue"

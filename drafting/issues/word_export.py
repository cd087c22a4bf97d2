"""Word out: an issue in progress written as DOCX (with Markdown, PDF, 公众号 HTML), optionally with the editor's
changes as tracked changes over the machine draft, and a record of what each item was exported from. The way back
(a reviewed file read, compared and applied) is word_review.py, which reads the issue through load_issue_for_export too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from drafting.export.assemble import DEFAULT_TITLE, build_issue, split_paragraphs
from drafting.export.basis import ExportBasis
from drafting.export.pdf import export_publishable
from drafting.export.revisions import TrackedBase
from drafting.issues.parts import IssueParts
from drafting.models import Item

DEFAULT_EDITOR = "编辑"  # tracked-change author when no editor is recorded for an item
MACHINE = "机器草稿"
TEXT_FIELDS: tuple[Literal["title", "body", "commentary"], ...] = ("title", "body", "commentary")


class ExportEntry(BaseModel):
    """One item of an issue in progress: the machine draft and the editor's current text."""

    key: str = Field(description="the id embedded in the export: the draft id, or the item id when not drafted")
    draft_id: int | None = None
    status: str = "pending"
    item: Item = Field(description="the item with the editor's current title, body and 短评")
    machine: dict[str, str] | None = Field(default=None, description="title, body, commentary as the machine wrote them")
    editor: str = DEFAULT_EDITOR
    edited_at: str | None = None
    version: int | None = Field(default=None, description="the stored version the text is from")


class IssueForExport(BaseModel):
    """An issue in progress, its items in order."""

    issue_id: str
    title: str | None = Field(default=None, description="the issue's title, when the issue records one")
    period: str | None = None
    editors: str | None = None
    entries: list[ExportEntry] = Field(default_factory=list)


def norm(text: str | None) -> str:
    return "\n".join(split_paragraphs(text or ""))


def load_issue_for_export(services: IssueParts, issue_id: str, *, editor: str | None = None) -> IssueForExport:
    """An issue in progress in print order: each item's machine draft, the editor's text, who edited it and when.

    ``editor`` names the author of every tracked change; default: the user who last edited each item.
    """
    issue = services.reviews.get_issue(issue_id)
    entries = [
        ExportEntry(
            key=str(it.draft_id), draft_id=it.draft_id, status=it.status,
            item=it.final_item(ticked_only=False).model_copy(update={"id": str(it.draft_id)}),
            machine={"title": it.machine.item.title, "body": it.machine.item.body, "commentary": it.machine.commentary},
            editor=editor or it.updated_by or DEFAULT_EDITOR, edited_at=it.updated_at or None, version=it.version,
        )
        for it in issue.items
    ]
    return IssueForExport(issue_id=issue.id, title=issue.title or None, period=issue.period or issue.suggested_period or None,
                          editors=issue.editors or None, entries=entries)


def export_issue(
    services: IssueParts,
    issue_id: str,
    output: Path,
    *,
    md: Path | None = None,
    tracked: bool = False,
    title: str | None = None,
    period: str | None = None,
    editors: str | None = None,
    editor: str | None = None,
    pdf: Path | None = None,
    wechat: Path | None = None,
) -> dict[str, Any]:
    """Write the issue as DOCX (and Markdown, PDF, 公众号 HTML); with ``tracked`` the editor's changes show as Word revisions."""

    issue = load_issue_for_export(services, issue_id, editor=editor)
    # What the caller gives wins over what the issue records; else the defaults.
    assembled = build_issue([e.item for e in issue.entries], prompts_dir=services.settings.prompts_dir,
                            title=title or issue.title or DEFAULT_TITLE, period=period or issue.period or None,
                            editors=editors or issue.editors)
    bases = {}
    if tracked:
        bases = {
            e.item.id: TrackedBase(title=e.machine["title"], body=e.machine["body"], commentary=e.machine["commentary"],
                                   author=e.editor, date=e.edited_at)
            for e in issue.entries if e.machine
        }
    # What each item is exported from goes into the file: the import tells later browser edits from the partner's.
    basis = {e.key: ExportBasis(version=e.version, title=e.item.title, body=e.item.body,
                                commentary=e.item.commentary or "", sources=list(e.item.sources))
             for e in issue.entries if e.version is not None}
    # The PDF (clean, never tracked) is made first: the Word file then carries its 目录 page numbers.
    export_publishable(assembled, docx=Path(output), pdf=pdf, md=md, wechat=wechat,
                       docx_options={"bases": bases, "anchors": {e.item.id: e.key for e in issue.entries}, "basis": basis})
    edited = sum(1 for e in issue.entries if e.machine and any(
        norm(e.machine[f]) != norm(getattr(e.item, f)) for f in TEXT_FIELDS))
    return {"issue": issue_id, "heading": assembled.heading, "items": len(issue.entries), "edited": edited,
            "tracked": tracked, "docx": str(output), "md": str(md) if md else None, "pdf": str(pdf) if pdf else None,
            "wechat": str(wechat) if wechat else None}

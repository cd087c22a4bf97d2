"""Word back: a DOCX reviewed in Word read as a review report (each item's changes, comments, conflicts with browser
edits made since the export, deleted and moved items), applied on confirmation like edits made in the browser. The
export side (the issue written as DOCX) is word_export.py.

Everything this module needs from an issue in progress goes through ``load_issue_for_export``, over the
issues in progress of ``drafting.issues.review`` (order, machine draft, editor's text and who edited it).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from drafting.errors import ConflictError, ValidationError
from drafting.export.basis import ExportBasis, read_basis
from drafting.export.docx import xml_safe
from drafting.issues.parts import IssueParts
from drafting.issues.review import actor_name
from drafting.issues.review_import import ReviewedItem, View, check_package, read_reviewed_docx
from drafting.issues.word_export import TEXT_FIELDS, ExportEntry, IssueForExport, load_issue_for_export, norm
from drafting.models import SECTIONS, Item

logger = logging.getLogger(__name__)

REVIEWER = "Word 审阅"  # the actor of changes written back from a reviewed file
OVERWRITE = "覆盖浏览器修改"  # marks the actor of a write that replaced a browser edit made after the export
NOT_IN_EXPORT = "不在此导出中（导出后加入或恢复），未改动"
# A conflict as the user saw it: draft id, field, the browser's text, the partner's text (see conflict_keys).
SeenConflict = tuple[int | None, str, str, str]


class FieldChange(BaseModel):
    """One field of one item changed in Word."""

    field: str
    before: str
    after: str
    author: str | None = Field(default=None, description="who made the tracked changes; None when made untracked")


class FieldConflict(BaseModel):
    """A field changed in the browser after the export and by the partner in Word, differently: not written back."""

    draft_id: int | None
    title: str
    field: str
    exported: str = Field(description="the text the file was exported with (unknown base: the file's original view)")
    current: str = Field(description="the editor's text stored now")
    partner: str = Field(description="the text of the reviewed file")
    editor: str | None = Field(default=None, description="who changed it in the browser since the export")
    applied: str | None = Field(
        default=None, description="on apply: kept (browser text stays), overwritten, or why it was not overwritten")


class ItemReview(BaseModel):
    """What the reviewed file says about one item of the issue."""

    draft_id: int | None
    key: str
    title: str
    position: int = Field(description="0-based place of the item in the reviewed file")
    matched_by: Literal["bookmark", "title"]
    changes: list[FieldChange] = Field(default_factory=list)
    comments: list[dict[str, Any]] = Field(default_factory=list)
    pending_revisions: int = 0
    applied: str | None = Field(default=None, description="saved / accepted / a reason it was not written back")
    version: int | None = Field(default=None, description="the stored version compared: apply refuses a newer one")


class ReviewReport(BaseModel):
    """The review report of one imported DOCX."""

    issue: str
    file: str
    view: View = Field(description="accepted: pending revisions taken as accepted; original: as rejected")
    items: list[ItemReview] = Field(default_factory=list)
    unmatched: list[dict[str, Any]] = Field(default_factory=list, description="items in the file not in the issue")
    deleted: list[dict[str, Any]] = Field(
        default_factory=list,
        description="items of the export missing from the file (in this view); applied: removed / a reason it was not")
    not_in_export: list[dict[str, Any]] = Field(
        default_factory=list, description="items of the issue the export did not hold (added or restored since): left alone")
    reordered: bool = False
    order: list[str] = Field(default_factory=list, description="keys of the matched items in the file's order")
    moved: list[dict[str, Any]] = Field(
        default_factory=list, description="items the file puts elsewhere in their section: before/after, 1-based")
    order_applied: bool = Field(default=False, description="the file's order was written to the issue")
    pending_revisions: int = 0
    applied: bool = False
    conflicts: list[FieldConflict] = Field(
        default_factory=list, description="fields edited in the browser after the export and by the partner: kept")
    base_known: bool = Field(default=True, description="the file records what it was exported from (older exports do not)")
    overwrite: bool = Field(default=False, description="conflicts were written with the partner's text")

    def changed(self) -> list[ItemReview]:
        """Items with at least one change."""
        return [i for i in self.items if i.changes]


def _find_issue(services: IssueParts, anchors: list[str]) -> str | None:
    for key in anchors:
        if key.isascii() and key.isdigit() and len(key) <= 18:  # "²".isdigit() is True; SQLite ints stop at 19 digits
            try:
                row = services.store.get(int(key))
            except ValidationError:
                continue
            if row.batch_id:
                return row.batch_id
    return None


def _texts(source: Item | ExportBasis) -> dict[str, str]:
    """Title, body, 短评 (paragraphs normalised) and sources (one a line) of an item or an export record, as compared.

    Characters XML forbids are dropped first: the export drops them from the file and its record, so a stored text
    that has them (pasted "\x0b") must not read as changed since the export.
    """
    texts = {n: xml_safe(getattr(source, n) or "") for n in TEXT_FIELDS}
    return {n: norm(t) for n, t in texts.items()} | {"sources": "\n".join(xml_safe(list(source.sources)))}


def _in_file(found: ReviewedItem, view: View) -> dict[str, str]:
    return {n: found.text(n, view) for n in TEXT_FIELDS} | {"sources": "\n".join(found.sources(view))}


def _compare(services: IssueParts, entry: ExportEntry, found: ReviewedItem, view: View,
             basis: dict[str, ExportBasis] | None) -> tuple[list[FieldChange], list[FieldConflict]]:
    """The partner's changes to apply, and those that clash with a browser edit made after the export.

    A field the partner left as exported is no change, even when the browser changed it since. Without a record of
    the export (older files) the file's original view stands in for it: a partner's change to a field whose stored
    text is not that view may overwrite a later edit, so it is held back as a conflict too.
    """
    base = basis.get(entry.key) if basis is not None else None
    current, partner = _texts(entry.item), _in_file(found, view)
    exported = _texts(base) if base is not None else _in_file(found, "original")
    changes: list[FieldChange] = []
    conflicts: list[FieldConflict] = []
    for name in (*TEXT_FIELDS, "sources"):
        if current[name] == partner[name] or (base is not None and partner[name] == exported[name]):
            continue  # nothing to do, or changed in the browser only: kept
        if current[name] != exported[name]:
            conflicts.append(FieldConflict(
                draft_id=entry.draft_id, title=entry.item.title, field=name, exported=exported[name],
                current=current[name], partner=partner[name], editor=_editors_since(services, entry, name, base)))
            continue
        authors = found.authors["body" if name == "sources" else name]
        changes.append(FieldChange(field=name, before=current[name], after=partner[name], author="、".join(authors) or None))
    return changes, conflicts


def _editors_since(services: IssueParts, entry: ExportEntry, name: str, base: ExportBasis | None) -> str | None:
    """Who changed the field after the export (unknown base: who changed it last), from the audit trail."""
    if entry.draft_id is None:
        return None
    who: list[str] = []
    for e in services.reviews.history(draft_id=entry.draft_id):  # newest first
        before, after = e.before or {}, e.after or {}
        if name not in after or before.get(name) == after.get(name) or e.version is None:
            continue
        if base is not None and e.version <= base.version:
            break
        if e.actor not in who:
            who.insert(0, e.actor)
        if base is None:
            break
    return "、".join(who) or entry.editor


def check_review_file(path: Path) -> None:
    """Refuse a missing file or one that is not .docx before any work is done."""
    if not Path(path).is_file():
        raise ValidationError(f"找不到文件 {path}：请检查路径后重试。")
    if Path(path).suffix.lower() != ".docx":
        raise ValidationError(f"{Path(path).name}：只能导入 .docx；.doc 或 WPS 格式请先在 Word/WPS 中另存为 .docx。")
    check_package(Path(path))  # a bomb is refused before the index loads


def review_report(services: IssueParts, path: Path, *, issue_id: str | None = None, view: View = "accepted") -> ReviewReport:
    """Compare a reviewed DOCX with the issue in progress it was exported from; changes nothing."""
    if view not in ("accepted", "original"):
        raise ValidationError(f"视图“{view}”无效：只能是 accepted（接受全部修订）或 original（拒绝全部修订）。")
    check_review_file(path)
    doc = read_reviewed_docx(Path(path))
    if not doc.items:
        raise ValidationError(f"{Path(path).name}：没有找到任何条目（标题 2 样式）；请导入由本工具导出、在 Word 中审阅过的文件。")
    issue_id = issue_id or _find_issue(services, [i.anchor for i in doc.items if i.anchor])
    if not issue_id:
        raise ValidationError(f"{Path(path).name}：文件中没有本工具的条目标记，无法确定期次；请用 --issue 指定期次编号。")
    issue = load_issue_for_export(services, issue_id)
    by_key = {e.key: e for e in issue.entries}
    by_title: dict[str, ExportEntry] = {}
    for e in issue.entries:
        by_title.setdefault(norm(e.item.title), e)
        if e.machine:
            by_title.setdefault(norm(e.machine["title"]), e)
    basis = read_basis(Path(path))
    report = ReviewReport(issue=issue_id, file=str(path), view=view, pending_revisions=doc.pending,
                          base_known=basis is not None)
    used: set[str] = set()
    for found in doc.items:
        if not found.text("title", view) and not found.text("body", view):
            continue  # deleted with 修订 on: still in the file, gone in this view; reported as deleted below
        entry, how = by_key.get(found.anchor or ""), "bookmark"
        if entry is None or entry.key in used:
            how = "title"
            entry = next((by_title[t] for t in (norm(found.text("title", v)) for v in ("accepted", "original"))
                          if t in by_title and by_title[t].key not in used), None)
        if entry is None:
            report.unmatched.append({"position": found.position, "title": found.text("title", view),
                                     "anchor": found.anchor, "section": found.section})
            continue
        used.add(entry.key)
        changes, conflicts = _compare(services, entry, found, view, basis)
        report.conflicts.extend(conflicts)
        report.items.append(ItemReview(
            draft_id=entry.draft_id, key=entry.key, title=found.text("title", view) or entry.item.title,
            position=found.position, matched_by=how, changes=changes, version=entry.version,
            comments=[c.as_dict() for c in found.comments], pending_revisions=found.pending,
        ))
    # Only what the export held can have been deleted from it: an item restored or added since is left alone.
    # Without the record (older exports) that is not knowable; the report says so (base_unknown_note).
    missing = [e for e in issue.entries if e.key not in used]
    report.deleted = [{"draft_id": e.draft_id, "key": e.key, "title": e.item.title, "applied": None}
                      for e in missing if basis is None or e.key in basis]
    report.not_in_export = [{"draft_id": e.draft_id, "key": e.key, "title": e.item.title}
                            for e in missing if basis is not None and e.key not in basis]
    report.order = [i.key for i in report.items]
    # The export prints sections in house order: compare with that order, not the batch's.
    printed = [e.key for s in SECTIONS for e in issue.entries if e.item.section == s]
    report.reordered = report.order != [k for k in printed if k in used]
    report.moved = _moved(issue, report.order)
    return report


def _moved(issue: IssueForExport, order: list[str]) -> list[dict[str, Any]]:
    """Items out of place within their section: those outside the longest run the file keeps in print order."""
    entries = {e.key: e for e in issue.entries}
    out: list[dict[str, Any]] = []
    for section in SECTIONS:
        filed = [k for k in order if entries[k].item.section == section]
        printed = [e.key for e in issue.entries if e.item.section == section and e.key in filed]
        kept: set[str] = set()
        for block in SequenceMatcher(None, printed, filed, autojunk=False).get_matching_blocks():
            kept.update(printed[block.a:block.a + block.size])
        out.extend({"draft_id": entries[k].draft_id, "key": k, "title": entries[k].item.title, "section": section,
                    "before": printed.index(k) + 1, "after": n + 1} for n, k in enumerate(filed) if k not in kept)
    return out


def base_unknown_note(report: ReviewReport) -> str:
    """What a file without the export record means for the report (empty when the record is there)."""
    if report.base_known:
        return ""
    note = "导出基准未知：此审阅稿由旧版本导出，没有记录导出时的文字；以审阅稿的原稿（拒绝全部修订）代替比较，与现存文字不同的栏目列为冲突。"
    if report.deleted:
        note += "审阅稿中没有的条目一律按删除处理（无法分辨导出后加入或恢复的条目），写回前请核对。"
    return note


def conflict_keys(report: ReviewReport) -> list[SeenConflict]:
    """The conflicts a report shows, as ``apply_review(seen=…)`` takes them: what the user decided on."""
    return [(c.draft_id, c.field, c.current, c.partner) for c in report.conflicts if c.applied != "overwritten"]


def _unseen(conflict: FieldConflict, seen: Collection[SeenConflict] | None) -> str | None:
    """Why a conflict may not be overwritten: the browser text changed since the report was shown, or it was not shown."""
    if seen is None or (conflict.draft_id, conflict.field, conflict.current, conflict.partner) in seen:
        return None
    if any(k[:2] == (conflict.draft_id, conflict.field) and k[3] == conflict.partner for k in seen):
        latest = (conflict.editor or "").split("、")[-1] or "未知"
        return f"读取审阅稿后此栏又在浏览器中被修改（{latest}），未覆盖：请重新读取审阅稿后再确认"
    return "读取审阅稿时没有这处冲突，未覆盖：请重新读取审阅稿后再确认"


def apply_review(services: IssueParts, report: ReviewReport, *, actor: str | None = None,
                 overwrite: bool = False, seen: Collection[SeenConflict] | None = None) -> ReviewReport:
    """Write the report back as an editor would: texts and sources saved (re-accepted into the corpus when accepted),
    deleted items moved out of the issue (kept, restorable), the file's order within each section.

    Conflicts (fields edited in the browser after the export) keep the browser's text unless ``overwrite``; with
    ``seen`` (the page's last report, ``conflict_keys``) only the conflicts shown there with the same browser text are
    overwritten, so a browser save after 读取 is refused, not replaced. Each write is versioned and audited under
    ``actor`` (default: the local or logged-in user, marked as a Word review, and, for the fields that replaced a
    browser edit, as an overwrite).
    """

    who = f"{actor_name(actor)}（{REVIEWER}）"
    forced = f"{actor_name(actor)}（{REVIEWER}，{OVERWRITE}）"
    report.overwrite = overwrite
    for item in report.items:
        held = [c for c in report.conflicts if c.draft_id is not None and c.draft_id == item.draft_id]
        taken: list[FieldConflict] = []
        for c in held:
            c.applied = "kept"
            if overwrite:
                c.applied = _unseen(c, seen) or "overwritten"
                taken += [c] if c.applied == "overwritten" else []
        item.changes += [FieldChange(field=c.field, before=c.current, after=c.partner) for c in taken]
        if item.changes:
            item.applied = _apply_item(services, item, who, forced, {c.field for c in taken})
            for c in taken:
                c.applied = "overwritten" if item.applied in ("saved", "accepted") else f"未覆盖：{item.applied}"
        elif held:
            item.applied = "导出后已在浏览器中修改，未写回（加 --overwrite 或勾选“以审阅稿为准”可覆盖）"
    _apply_deletions(services, report, who)
    if report.reordered:
        keys = [i.draft_id for i in report.items if i.draft_id is not None]
        report.order_applied = bool(services.reviews.set_order(report.issue, keys, actor=who))
    report.applied = True
    return report


def _apply_item(services: IssueParts, item: ItemReview, who: str, forced: str, forced_fields: set[str]) -> str:
    """One item's changed text and sources; what was done, or why not.

    The fields in ``forced_fields`` replaced a browser edit: they are written (and audited) under ``forced``, apart
    from the partner's other changes, so the 修改记录 marks only them as overwrites.
    """
    if item.draft_id is None:
        return "此条未经起草，没有草稿可写回"
    row = services.store.get(item.draft_id)
    text = {"title": row.title, "body": row.body, "commentary": row.commentary}
    final = text | {c.field: c.after for c in item.changes if c.field in TEXT_FIELDS}
    if not final["title"].strip() or not final["body"].strip():
        return "审阅后标题或正文为空，未写回"
    writes: list[tuple[str, dict[str, str]]] = [(a, {c.field: c.after for c in item.changes
                   if c.field in TEXT_FIELDS and (c.field in forced_fields) == (a == forced)}) for a in (who, forced)]
    writes = [(a, t) for a, t in writes if t]
    sources = next((c.after for c in item.changes if c.field == "sources"), None)
    sources_by = forced if "sources" in forced_fields else who
    accepted = row.status == "accepted"
    # The version the report compared against: a browser save between reading and writing is not overwritten.
    version = item.version
    try:
        if sources is not None:
            version = services.reviews.set_sources(item.draft_id, sources.split("\n"), expected_version=version,
                                                   actor=sources_by)
        for n, (by, change) in enumerate(writes):
            text |= change
            if accepted and n == len(writes) - 1:
                break  # the last write is the re-accept below
            version = services.store.save_edit(item.draft_id, **text, expected_version=version, actor=by)
        if accepted:  # the corpus item follows, sources included (they live in the stored draft)
            services.accept(item.draft_id, **final, expected_version=version, actor=writes[-1][0] if writes else sources_by)
            return "accepted"
    except ConflictError as exc:
        return f"读取审阅稿后此条又在浏览器中被修改（{exc.stored_by}），未写回：请重新读取审阅稿"
    return "saved"


def _apply_deletions(services: IssueParts, report: ReviewReport, who: str) -> None:
    """Move the items deleted in the file out of the issue, unless an item of the file matched nothing."""
    for entry in report.deleted:
        if report.unmatched:
            # A retyped title that lost its mark reads as "one deleted, one unknown": the two may be the same item.
            entry["applied"] = "审阅稿中有无法对应到本期的条目（可能就是此条）：未移出，请核对后处理"
        elif entry["draft_id"] is None:
            entry["applied"] = "此条未经起草，无法移出"
        else:
            services.reviews.remove_item(report.issue, entry["draft_id"], actor=who)
            entry["applied"] = "removed"


def import_review(services: IssueParts, path: Path, *, issue_id: str | None = None, view: View = "accepted",
                  apply: bool = False, actor: str | None = None, overwrite: bool = False,
                  seen: Collection[SeenConflict] | None = None) -> ReviewReport:
    """The review report of a DOCX; with ``apply`` its changes are written back (conflicts too with ``overwrite``:
    all of them, or with ``seen`` only those the user was shown)."""
    report = review_report(services, path, issue_id=issue_id, view=view)
    return apply_review(services, report, actor=actor, overwrite=overwrite, seen=seen) if apply else report

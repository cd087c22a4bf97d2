"""Issues in progress: a batch kept in SQLite as an issue with its period, editors, item order and drafts.
This module is the ReviewStore's reads and writes on that database; the models it returns (IssueInProgress,
IssueItem, AuditEntry) are in in_progress.py.

The id of an issue in progress is the batch id (``drafts.batch_id``), so ``drafting batch``, ``drafting issues``
and the 批量 tab share one id. Each item is a row of the draft store: its text is saved with a version
(a stale page is refused with :class:`~drafting.errors.ConflictError`), and every change is in the audit
trail with who made it (the login user, else the local OS user) and the text before and after.

Public API (used by the batch tab, the CLI and Word export/import)::

    reviews = services.reviews                 # ReviewStore over services.store
    reviews.list_issues() -> list[IssueInProgress]
    reviews.get_issue(issue_id) -> IssueInProgress   # items in print order, each with draft and editor text
    reviews.save_item(draft_id, title=…, body=…, commentary=…, expected_version=v, actor=u)
    reviews.set_sources(draft_id, [url, …]) / set_order(issue_id, [draft_id, …])   # Word review write-back
    reviews.remove_item(issue_id, draft_id) / restore_item(issue_id, draft_id)    # moved out, never deleted
    reviews.history(draft_id=…) / history(issue_id=…) -> list[AuditEntry]
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from drafting.errors import ValidationError
from drafting.export.assemble import DEFAULT_TITLE
from drafting.issues.batch_report import BatchReport
from drafting.issues.in_progress import AuditEntry, IssueInProgress, IssueItem
from drafting.models import SECTIONS, Draft, StoredDraft
from drafting.store import DraftStore, _now, local_user
from drafting.textlimits import check_draft_id

logger = logging.getLogger(__name__)

UNDRAFTED_MODEL = "原条目（未起草）"


def actor_name(username: str | None = None) -> str:
    """Who is acting: the login user of the page, else the local OS user."""
    return (username or "").strip() or local_user()


def _sources(stored: StoredDraft) -> list[str]:
    return list(stored.draft.item.sources)


class ReviewStore:
    """Issues in progress, review states and the audit trail, on the draft store's SQLite database."""

    def __init__(self, store: DraftStore) -> None:
        self.store = store

    # --- issues ---------------------------------------------------------------------------------------

    def list_issues(self, *, include_published: bool = True) -> list[IssueInProgress]:
        """Every issue in progress, most recently changed first, each with its items."""
        with self.store._connect() as conn:
            ids = [r["id"] for r in conn.execute("SELECT id FROM issues ORDER BY updated_at DESC, id")]
        issues = [self.get_issue(i) for i in ids]
        return [i for i in issues if include_published or not i.published_at]

    def exists(self, issue_id: str) -> bool:
        """An issue with this id is stored."""
        with self.store._connect() as conn:
            return conn.execute("SELECT 1 FROM issues WHERE id=?", (issue_id,)).fetchone() is not None

    def get_issue(self, issue_id: str) -> IssueInProgress:
        """One issue with its items in print order (by section, then the editor's order)."""
        with self.store._connect() as conn:
            row = conn.execute("SELECT * FROM issues WHERE id=?", (issue_id,)).fetchone()
            if row is None:
                raise ValidationError(f"没有编号为 {issue_id} 的进行中期刊：请在「批量」页的列表中重新选择，或运行 drafting issues 查看")
            links = conn.execute("SELECT * FROM issue_items WHERE issue_id=? ORDER BY position", (issue_id,)).fetchall()
        items = []
        for link in links:
            stored = self.store.get(link["draft_id"])
            items.append(IssueItem(
                draft_id=stored.id, key=link["key"], position=link["position"], line=link["line"],
                section=stored.draft.item.section, title=stored.title, body=stored.body, commentary=stored.commentary,
                sources=_sources(stored), ticked=bool(link["ticked"]), drafted=bool(link["drafted"]),
                status=stored.status, state=stored.review_state, version=stored.version, updated_at=stored.updated_at,
                updated_by=stored.updated_by, accepted_by=stored.accepted_by, reviewed_by=stored.reviewed_by,
                duplicates=json.loads(link["duplicates_json"] or "[]"), machine=stored.draft,
                removed_at=link["removed_at"], removed_by=link["removed_by"],
            ))
        order: dict[str, int] = {s: n for n, s in enumerate(SECTIONS)}
        items.sort(key=lambda i: (order.get(i.section, 9), i.position))
        removed = [i for i in items if i.removed_at]
        items = [i for i in items if not i.removed_at]
        return IssueInProgress(
            id=row["id"], title=row["title"] or DEFAULT_TITLE, period=row["period"], editors=row["editors"],
            source=row["source"], version=row["version"], created_at=row["created_at"], updated_at=row["updated_at"],
            updated_by=row["updated_by"], published_at=row["published_at"], published_by=row["published_by"], items=items,
            removed=removed,
        )

    def find_resumable(self, source: str, keys: list[str]) -> str | None:
        """An unpublished issue from a list of the same file name sharing items with ``keys`` (an edited list)."""
        stem = Path(source).stem
        with self.store._connect() as conn:
            rows = conn.execute("SELECT id, source FROM issues WHERE published_at IS NULL ORDER BY updated_at DESC").fetchall()
            for row in rows:
                if Path(row["source"]).stem != stem:
                    continue
                have = {r["key"] for r in conn.execute("SELECT key FROM issue_items WHERE issue_id=?", (row["id"],))}
                if have & set(keys):
                    return str(row["id"])
        return None

    def record_batch(self, report: BatchReport, *, resume: bool, actor: str | None = None) -> IssueInProgress:
        """Store a batch run as an issue in progress (finished items only), keeping every earlier edit.

        Items already in the issue keep their row unless this run drafted them afresh (not resuming); items that
        were not drafted (non-policy items as given) get a row too, so their edits autosave like the others.
        """
        who = actor_name(actor)
        now = _now()
        with self.store._transaction() as conn:
            if conn.execute("SELECT 1 FROM issues WHERE id=?", (report.batch_id,)).fetchone() is None:
                conn.execute(
                    "INSERT INTO issues (id, source, created_at, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)",
                    (report.batch_id, report.source, now, now, who),
                )
                DraftStore.audit(conn, "issue", who, issue_id=report.batch_id, after={"source": report.source})
            links = {r["key"]: r for r in conn.execute("SELECT * FROM issue_items WHERE issue_id=?", (report.batch_id,))}
        next_pos = max((r["position"] for r in links.values()), default=-1) + 1
        for result in report.results:
            if result.status != "done" or result.item is None:
                continue
            link = links.get(result.key)
            draft_id = result.draft_id
            if draft_id is None:
                if link is not None:
                    draft_id = link["draft_id"]
                else:
                    item = result.item.model_copy(update={"commentary": None})
                    machine = Draft(item=item, commentary=result.commentary or "", offline=False, model=UNDRAFTED_MODEL)
                    draft_id = self.store.create(machine, batch_id=report.batch_id, actor=who)
            if link is not None and link["draft_id"] != draft_id and resume:
                continue  # a resumed run never swaps out a row the editor may have edited
            with self.store._transaction() as conn:
                if link is None:
                    conn.execute(
                        "INSERT INTO issue_items (issue_id, key, position, line, draft_id, drafted, duplicates_json)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (report.batch_id, result.key, next_pos, result.line, draft_id, int(result.drafted),
                         json.dumps(result.duplicates, ensure_ascii=False)),
                    )
                    next_pos += 1
                elif link["draft_id"] != draft_id:
                    conn.execute("UPDATE issue_items SET draft_id=?, drafted=?, ticked=0 WHERE issue_id=? AND key=?",
                                 (draft_id, int(result.drafted), report.batch_id, result.key))
                    DraftStore.audit(conn, "issue", who, draft_id=draft_id, issue_id=report.batch_id,
                                     before={"draft_id": link["draft_id"]}, after={"draft_id": draft_id})
        return self.get_issue(report.batch_id)

    def set_meta(self, issue_id: str, *, title: str | None = None, period: str | None = None,
                 editors: str | None = None, actor: str | None = None) -> IssueInProgress:
        """Store what the editor typed (刊名, 期数, 执行编辑); None leaves a field as it is."""
        with self.store._transaction() as conn:
            row = conn.execute("SELECT * FROM issues WHERE id=?", (issue_id,)).fetchone()
            if row is None:
                raise ValidationError(f"没有编号为 {issue_id} 的进行中期刊：请重新运行批量起草")
            before = {"title": row["title"], "period": row["period"], "editors": row["editors"]}
            after = {k: (v.strip() if v is not None else before[k])
                     for k, v in (("title", title), ("period", period), ("editors", editors))}
            if after != before:
                conn.execute("UPDATE issues SET title=?, period=?, editors=?, updated_at=?, updated_by=?,"
                             " version=version+1 WHERE id=?",
                             (after["title"], after["period"], after["editors"], _now(), actor_name(actor), issue_id))
                DraftStore.audit(conn, "issue", actor_name(actor), issue_id=issue_id, before=before, after=after)
        return self.get_issue(issue_id)

    def move(self, issue_id: str, draft_id: int, delta: int, *, actor: str | None = None) -> IssueInProgress:
        """Move an item up (-1) or down (+1) among the items of its section."""
        issue = self.get_issue(issue_id)
        item = issue.item(draft_id)
        same = [i for i in issue.items if i.section == item.section]
        pos = same.index(item)
        target = pos + delta
        if 0 <= target < len(same):
            other = same[target]
            with self.store._transaction() as conn:
                for a, b in ((item, other), (other, item)):
                    conn.execute("UPDATE issue_items SET position=? WHERE issue_id=? AND draft_id=?",
                                 (b.position, issue_id, a.draft_id))
                conn.execute("UPDATE issues SET updated_at=? WHERE id=?", (_now(), issue_id))
                DraftStore.audit(conn, "order", actor_name(actor), draft_id=draft_id, issue_id=issue_id,
                                 before={"position": pos + 1}, after={"position": target + 1})
        return self.get_issue(issue_id)

    def set_order(self, issue_id: str, draft_ids: list[int], *, actor: str | None = None) -> list[str]:
        """Print the listed items in this order within their sections (sections keep house order); the sections changed.

        A section's listed items are permuted among the positions they already hold, so unlisted and moved-out items
        keep their place (a restored item comes back where it was). One audit entry per section whose order changed.
        """
        issue = self.get_issue(issue_id)
        rank = {d: n for n, d in enumerate(draft_ids)}
        who = actor_name(actor)
        changed: list[str] = []
        with self.store._transaction() as conn:
            for section in dict.fromkeys(i.section for i in issue.items):
                current = [i for i in issue.items if i.section == section]
                listed = [i for i in current if i.draft_id in rank]
                wanted = iter(sorted(listed, key=lambda i: rank[i.draft_id]))
                after = [next(wanted) if i.draft_id in rank else i for i in current]
                if after == current:
                    continue
                slots = iter(i.position for i in listed)  # ascending: current is in print order
                for item in (i for i in after if i.draft_id in rank):
                    conn.execute("UPDATE issue_items SET position=? WHERE issue_id=? AND draft_id=?",
                                 (next(slots), issue_id, item.draft_id))
                DraftStore.audit(conn, "order", who, issue_id=issue_id,
                                 before={"section": section, "order": [i.draft_id for i in current]},
                                 after={"section": section, "order": [i.draft_id for i in after]})
                changed.append(section)
            if changed:
                conn.execute("UPDATE issues SET updated_at=?, updated_by=? WHERE id=?", (_now(), who, issue_id))
        return changed

    def remove_item(self, issue_id: str, draft_id: int, *, actor: str | None = None) -> None:
        """Move an item out of the issue: no longer listed, exported or published, but kept and restorable."""
        self._set_removed(issue_id, draft_id, True, actor)

    def restore_item(self, issue_id: str, draft_id: int, *, actor: str | None = None) -> IssueInProgress:
        """Put a moved-out item back into the issue, at the place it had."""
        self._set_removed(issue_id, draft_id, False, actor)
        return self.get_issue(issue_id)

    def _set_removed(self, issue_id: str, draft_id: int, removed: bool, actor: str | None) -> None:
        check_draft_id(draft_id)
        self.get_issue(issue_id)  # an unknown issue gets its own message
        who = actor_name(actor)
        with self.store._transaction() as conn:
            link = conn.execute("SELECT * FROM issue_items WHERE issue_id=? AND draft_id=?", (issue_id, draft_id)).fetchone()
            if link is None:
                raise ValidationError(f"本期没有草稿 #{draft_id}：请运行 drafting issues {issue_id} 查看本期的草稿编号")
            if removed and link["removed_at"]:
                raise ValidationError(f"草稿 #{draft_id} 已移出本期（{link['removed_by']}）：如需放回，请运行"
                                      f" drafting restore-item {issue_id} {draft_id}")
            if not removed and not link["removed_at"]:
                raise ValidationError(f"草稿 #{draft_id} 没有被移出本期，无需恢复")
            conn.execute("UPDATE issue_items SET removed_at=?, removed_by=? WHERE issue_id=? AND draft_id=?",
                         (_now() if removed else None, who if removed else None, issue_id, draft_id))
            conn.execute("UPDATE issues SET updated_at=?, updated_by=? WHERE id=?", (_now(), who, issue_id))
            DraftStore.audit(conn, "remove" if removed else "restore", who, draft_id=draft_id, issue_id=issue_id,
                             before={"removed": not removed}, after={"removed": removed})

    # --- items ----------------------------------------------------------------------------------------

    def save_item(self, issue_id: str, draft_id: int, *, title: str, body: str, commentary: str, ticked: bool,
                  expected_version: int | None, actor: str | None = None) -> IssueItem:
        """Autosave one item's text and tick; ConflictError when the page is behind the stored version."""
        if not title.strip() or not body.strip():
            raise ValidationError("标题和正文不能为空：请补全后再保存")
        item = self.get_issue(issue_id).item(draft_id)
        who = actor_name(actor)
        if (item.title, item.body, item.commentary) != (title, body, commentary):
            self.store.save_edit(draft_id, title=title, body=body, commentary=commentary,
                                 expected_version=expected_version, actor=who)
        if item.ticked != ticked:
            with self.store._transaction() as conn:
                conn.execute("UPDATE issue_items SET ticked=? WHERE issue_id=? AND draft_id=?", (int(ticked), issue_id, draft_id))
                DraftStore.audit(conn, "tick", who, draft_id=draft_id, issue_id=issue_id,
                                 before={"ticked": item.ticked}, after={"ticked": ticked})
        return self.get_issue(issue_id).item(draft_id)

    def set_sources(self, draft_id: int, sources: list[str], *, expected_version: int | None = None,
                    actor: str | None = None) -> int:
        """Replace an item's sources (its footnotes), versioned and audited like a text edit; the new version.

        Sources live in the stored draft's item, so exports, accepts and publishing all print what is set here.
        """
        clean = [s.strip() for s in sources if s.strip()]
        who = actor_name(actor)
        with self.store._transaction() as conn:
            row = self.store._locked_row(conn, draft_id, expected_version)
            draft = Draft.model_validate_json(row["draft_json"])
            before = list(draft.item.sources)
            if before == clean:
                return int(row["version"])
            draft = draft.model_copy(update={"item": draft.item.model_copy(update={"sources": clean})})
            self.store._versioned(
                conn, draft_id, expected_version,
                "draft_json=?, updated_at=?, updated_by=?,"
                " review_state=CASE WHEN review_state IN ('pending', 'reviewed') THEN 'edited' ELSE review_state END",
                (draft.model_dump_json(), _now(), who),
            )
            DraftStore.audit(conn, "sources", who, draft_id=draft_id, issue_id=row["batch_id"], version=row["version"] + 1,
                             before={"sources": before}, after={"sources": clean})
        return int(row["version"]) + 1

    def review(self, draft_id: int, *, actor: str | None = None, login: bool = False) -> StoredDraft:
        """A reviewer's sign-off (已审核). With login on, the reviewer must not be the last editor."""
        stored = self.store.get(draft_id)
        who = actor_name(actor)
        if login and stored.updated_by == who:
            raise ValidationError(f"草稿 #{draft_id} 最后由您（{who}）修改：审核须由另一位同事完成，请让其他账号登录后点「审核通过」")
        with self.store._transaction() as conn:
            conn.execute("UPDATE drafts SET review_state='reviewed', reviewed_by=?, reviewed_at=?, version=version+1"
                         " WHERE id=?", (who, _now(), draft_id))
            DraftStore.audit(conn, "review", who, draft_id=draft_id, issue_id=stored.batch_id, version=stored.version + 1,
                             before={"state": stored.review_state}, after={"state": "reviewed"})
        return self.store.get(draft_id)

    def mark_published(self, issue_id: str, path: Path, *, actor: str | None = None) -> None:
        """Record the publication of an issue and set its items to 已发布."""
        who = actor_name(actor)
        with self.store._transaction() as conn:
            conn.execute("UPDATE issues SET published_at=?, published_by=?, published_path=?, updated_at=? WHERE id=?",
                         (_now(), who, str(path), _now(), issue_id))
            conn.execute("UPDATE drafts SET review_state='published' WHERE id IN"
                         " (SELECT draft_id FROM issue_items WHERE issue_id=? AND removed_at IS NULL)", (issue_id,))
            DraftStore.audit(conn, "publish", who, issue_id=issue_id, after={"path": str(path)})

    # --- audit ----------------------------------------------------------------------------------------

    def history(self, *, draft_id: int | None = None, issue_id: str | None = None, limit: int = 200) -> list[AuditEntry]:
        """Recorded changes, newest first, for one draft, one issue, or everything."""
        where: list[str] = []
        params: list[int | str] = []
        if draft_id is not None:
            where.append("draft_id=?")
            params.append(draft_id)
        if issue_id is not None:
            where.append("issue_id=?")
            params.append(issue_id)
        sql = "SELECT * FROM audit" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?"
        with self.store._connect() as conn:
            rows = conn.execute(sql, (*params, int(limit))).fetchall()
        return [
            AuditEntry(id=r["id"], at=r["at"], actor=r["actor"], action=r["action"], draft_id=r["draft_id"],
                       issue_id=r["issue_id"], version=r["version"],
                       before=json.loads(r["before_json"]) if r["before_json"] else None,
                       after=json.loads(r["after_json"]) if r["after_json"] else None)
            for r in rows
        ]

    def record(self, action: str, *, actor: str | None = None, draft_id: int | None = None, issue_id: str | None = None,
               before: object = None, after: object = None) -> None:
        """Record a change made outside the draft store (a corpus write, a publish)."""
        with self.store._transaction() as conn:
            DraftStore.audit(conn, action, actor_name(actor), draft_id=draft_id, issue_id=issue_id,
                             before=before, after=after)


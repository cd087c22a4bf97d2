"""The inbox's actions: list what the watch found, and put an entry into an issue in progress (加入本期).

加入本期 turns an entry into a *raw batch row* of the chosen issue: a row given as its link (the page is fetched and read
like a 来源-only row of an item list), drafted by the same batch runner and recorded in the issue by the same
``ReviewStore.record_batch`` as any row of a list, so the link stays the item's 来源 (its footnote in Word) and the row
is reviewed, exported and published like the others. The caller passes the batch run (``run_batch`` over its
services): this stage never imports ``services``.

Adding is idempotent and crash-safe: the row's key comes from the link, the batch checkpoint keeps a finished draft,
and the entry is marked 已加入 only after the issue holds it; a second 加入本期 of the same entry drafts nothing again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, get_args

from drafting.errors import ValidationError
from drafting.issues.batch_rows import BatchEntry, BatchInput, RowProblem
from drafting.models import SECTIONS, Section
from drafting.settings import Settings
from drafting.watch.entry import EntryStatus, InboxEntry
from drafting.watch.store import WatchStore

if TYPE_CHECKING:
    from drafting.issues.batch_report import BatchReport
    from drafting.issues.review import ReviewStore

STATUS_LABELS: dict[str, str] = {"new": "新", "added": "已加入本期", "ignored": "已忽略", "later": "稍后"}
# What the inbox lists: a status, or 已有 (new entries the firm already holds: listed apart, never offered as new).
View = Literal["new", "held", "later", "ignored", "added", "all"]
VIEWS: tuple[str, ...] = get_args(View)
_SCAN = 5000  # entries read to fill one view (an inbox holds hundreds, not millions)
SOURCE_NAME = "收件箱"  # the batch "list" an inbox row comes from, as the issue's history shows it

# (batch with one row, issue id) → the batch report; the caller binds run_batch(services, …, resume=True)
RunBatch = Callable[[BatchInput, str], "BatchReport"]
# fetches the page of a row given only as a link (batch_input.prepare_sources with the app's source settings)
PrepareSources = Callable[[BatchInput], BatchInput]


def open_store(settings: Settings) -> WatchStore:
    """The inbox's store for these settings (``<data_dir>/watch.sqlite3``)."""
    return WatchStore(settings.watch_db_path)


def min_relevance(settings: Settings) -> float:
    """The relevance from which a new entry counts on the 收件箱 tab."""
    return settings.watch.min_relevance


_issue_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _issue_lock(issue_id: str) -> threading.Lock:
    """One 加入本期 at a time per issue in this process: two editors adding the same entry draft it once."""
    with _locks_guard:
        return _issue_locks.setdefault(issue_id, threading.Lock())


def entry_json(entry: InboxEntry) -> dict[str, Any]:
    """One entry as `drafting inbox --json` and `GET /api/v1/inbox` give it."""
    s = entry.scored
    return {
        "id": entry.id, "title": entry.title, "url": entry.url, "links": list(entry.links),
        "sources": list(entry.sources), "published": entry.published.isoformat() if entry.published else None,
        "first_seen": entry.first_seen.isoformat(), "relevance": round(float(s.relevance), 4), "reason": s.reason,
        "section": s.section, "profile": s.profile, "duplicate_of": s.duplicate_of, "status": entry.status,
        "status_label": STATUS_LABELS.get(entry.status, entry.status), "issue_id": entry.issue_id,
        "summary": entry.summary,
    }


def listed(store: WatchStore, view: View = "new", limit: int = 200) -> list[InboxEntry]:
    """Entries of one view, most relevant first; 新 leaves out what the corpus or an issue in progress holds."""
    if view not in VIEWS:
        raise ValidationError(f"收件箱视图「{str(view)[:20]}」无效：可用 {' | '.join(VIEWS)}")
    if view == "all":
        return store.entries(None, limit=limit)
    if view in ("new", "held"):
        found = [e for e in store.entries("new", limit=_SCAN) if bool(e.scored.duplicate_of) == (view == "held")]
        return found[:limit]
    return store.entries(view, limit=limit)  # type: ignore[arg-type]


def inbox_json(store: WatchStore, *, view: View = "new", limit: int = 200, min_relevance: float = 0.5) -> dict[str, Any]:
    """The inbox: the entries of one view, most relevant first, and the count the tab shows."""
    return {"count_new": store.count_new(min_relevance), "min_relevance": min_relevance,
            "entries": [entry_json(e) for e in listed(store, view, limit)]}


def _section(entry: InboxEntry) -> Section | None:
    section = entry.scored.section
    return section if section in SECTIONS else None  # type: ignore[return-value]


def row_key(entry: InboxEntry) -> str:
    """The batch row's key: from the entry's link, so adding the same entry again finds the row it already made."""
    return "w" + hashlib.sha1(f"inbox|{entry.url}".encode()).hexdigest()[:12]


def fallback_text(entry: InboxEntry) -> str:
    """What the list page said of the entry, for drafting when its page cannot be read now: title, date, summary,
    and the link as the 来源 line the drafter turns into the item's footnote."""
    lines = [entry.title]
    if entry.published:
        lines.append(f"发布日期：{entry.published.isoformat()}")
    if entry.summary.strip():
        lines.append(entry.summary.strip())
    lines.append(f"来源：{entry.url}")
    return "\n".join(lines)


def batch_for(entry: InboxEntry, prepare: PrepareSources | None) -> tuple[BatchInput, str | None]:
    """The one-row batch for an entry: its page read through the link (like a 来源-only row of an item list), or,
    when the page cannot be read now, the title and summary the list gave. Returns the batch and a note for the editor."""
    row = BatchEntry(line=1, key=row_key(entry), section=_section(entry), link=entry.url, sources=[entry.url])
    batch = BatchInput(source=SOURCE_NAME, entries=[row])
    if prepare is None:
        return _fallback(batch, row, entry), "未读取原网页：按收件箱中的标题与摘要起草"
    read = prepare(batch)
    if read.entries and read.entries[0].raw_text:
        return read, None
    problem = next((p for p in read.problems if isinstance(p, RowProblem)), None)
    why = problem.reason if problem else "网页没有可读的正文"
    if not entry.summary.strip() and not entry.title.strip():
        raise ValidationError(f"无法加入本期：{why}，收件箱中也没有该条目的标题或摘要；请打开链接手动粘贴原文")
    return _fallback(batch, row, entry), f"{why}；已按收件箱中的标题与摘要起草，请核对"


def _fallback(batch: BatchInput, row: BatchEntry, entry: InboxEntry) -> BatchInput:
    return batch.model_copy(update={"entries": [row.model_copy(update={"raw_text": fallback_text(entry)})], "problems": []})


@dataclasses.dataclass(frozen=True)
class Added:
    """What 加入本期 did: the issue, the row's draft, and anything the editor should check."""

    entry_id: str
    issue_id: str
    draft_id: int | None
    title: str
    sources: list[str]
    note: str | None = None
    again: bool = False  # the entry was already in this issue: nothing drafted twice

    def to_json(self) -> dict[str, Any]:
        """The `drafting inbox add --json` shape."""
        return dataclasses.asdict(self)


def add_to_issue(store: WatchStore, reviews: ReviewStore, entry_id: str, issue_id: str, *, run: RunBatch,
                 prepare: PrepareSources | None) -> Added:
    """加入本期: the entry becomes a raw row of the issue, drafted like any batch row, its link kept as the 来源.

    The issue must be in progress (not published). The entry is marked added only once the issue holds its row.
    """
    entry = store.get(entry_id)
    issue_id = (issue_id or "").strip()
    if not issue_id:
        raise ValidationError("请先选择要加入的进行中期刊")
    with _issue_lock(issue_id):
        return _add(store, reviews, entry, issue_id, run=run, prepare=prepare)


def _add(store: WatchStore, reviews: ReviewStore, entry: InboxEntry, issue_id: str, *, run: RunBatch,
         prepare: PrepareSources | None) -> Added:
    if reviews.exists(issue_id):
        issue = reviews.get_issue(issue_id)
        if issue.published_at:
            raise ValidationError(f"期刊 {issue_id} 已发布，不能再加入条目：请选择一期进行中的期刊")
    key = row_key(entry)
    already = _row(reviews, issue_id, key)
    if already is not None:
        store.set_status(entry.id, "added", issue_id)
        moved = (f"该条曾被移出本期（{already.removed_by or ''}），未重新起草：可用 drafting restore-item {issue_id} "
                 f"{already.draft_id} 放回") if already.removed_at else None
        return Added(entry.id, issue_id, already.draft_id, already.title, list(already.sources), note=moved, again=True)
    batch, note = batch_for(entry, prepare)
    report = run(batch, issue_id)
    result = next((r for r in report.results if r.key == key), None)
    if result is None or result.status != "done":
        why = (result.error if result is not None else None) or report.stopped or "起草没有完成"
        raise ValidationError(f"「{entry.title[:30]}」未能加入本期：{why}；条目仍在收件箱中，可稍后重试")
    row = _row(reviews, issue_id, key)
    if row is None:  # record_batch keeps every finished row; missing means the issue changed under us
        raise ValidationError(f"「{entry.title[:30]}」起草完成，但期刊 {issue_id} 中找不到该条：请刷新后重试")
    store.set_status(entry.id, "added", issue_id)
    return Added(entry.id, issue_id, row.draft_id, row.title, list(row.sources), note=note)


def _row(reviews: ReviewStore, issue_id: str, key: str) -> Any:
    if not reviews.exists(issue_id):
        return None
    issue = reviews.get_issue(issue_id)
    return next((i for i in [*issue.items, *issue.removed] if i.key == key), None)


def decide(store: WatchStore, entry_id: str, status: EntryStatus) -> InboxEntry:
    """忽略 / 稍后 / back to 新: remembered in the store, where triage reads the editors' decisions."""
    if status == "added":
        raise ValidationError("加入本期请使用「加入本期」：需要选择一期进行中的期刊")
    store.get(entry_id)  # a Chinese error for an unknown id before anything changes
    store.set_status(entry_id, status)
    return store.get(entry_id)

"""A whole issue: draft every item concurrently under a rate limit, checkpoint each draft, resume.

Every finished draft is appended (with fsync) to ``<data_dir>/batches/<batch_id>/checkpoint.jsonl``
and stored in the draft store as it completes, so a killed process or a provider outage loses
nothing finished: ``resume=True`` skips every item whose draft is in the checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from drafting.assemble import DEFAULT_TITLE, AssembledIssue, assemble, load_closing
from drafting.batch_input import BatchEntry, BatchInput, RowProblem, read_items
from drafting.draft import query_text
from drafting.errors import DraftingError, ModelError, ValidationError
from drafting.fileio import atomic_write
from drafting.models import Draft, DraftRequest, Item, SearchResult

if TYPE_CHECKING:
    from drafting.services import Services

logger = logging.getLogger(__name__)

POLICY = "政策速递"
DraftFn = Callable[[DraftRequest], list[Draft]]
SearchFn = Callable[[str], SearchResult]


class RateLimiter:
    """Token bucket: at most ``rpm`` request starts per minute, ``burst`` at once; thread-safe; 0 = unlimited."""

    def __init__(
        self,
        rpm: int,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rpm / 60.0
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._clock, self._sleep = clock, sleep
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Block until a request may start; returns the seconds waited."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            # Reserve a token even when the bucket is empty: each caller gets its own slot in the future.
            self._tokens -= 1
            wait_s = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
        if wait_s > 0:
            self._sleep(wait_s)
        return wait_s


class BatchResult(BaseModel):
    """The outcome for one entry of the list."""

    key: str
    line: int
    label: str
    status: Literal["done", "failed", "pending"] = "pending"
    item: Item | None = Field(default=None, description="the item as it goes into the issue")
    commentary: str | None = Field(default=None, description="the 短评 the issue prints under the item")
    draft: Draft | None = None
    draft_id: int | None = Field(default=None, description="row in the draft store")
    error: str | None = None
    resumed: bool = Field(default=False, description="taken from the checkpoint, not drafted again")
    drafted: bool = Field(default=False, description="went through the drafter (policy items, raw texts)")
    duplicates: list[str] = Field(default_factory=list, description="corpus items this one (nearly) repeats")


class BatchProgress(BaseModel):
    """A progress tick for the CLI bar and the UI."""

    done: int
    failed: int
    total: int
    result: BatchResult


class BatchReport(BaseModel):
    """What a batch run produced, in input order."""

    batch_id: str
    source: str
    folder: str
    results: list[BatchResult] = Field(default_factory=list)
    problems: list[RowProblem] = Field(default_factory=list)
    elapsed: float = 0.0
    stopped: str | None = Field(default=None, description="why the run stopped early, if it did")

    def count(self, status: str) -> int:
        """Results with the given status."""
        return sum(1 for r in self.results if r.status == status)

    @property
    def complete(self) -> bool:
        """Every entry done."""
        return all(r.status == "done" for r in self.results)

    def items(self) -> list[Item]:
        """Finished items with their 短评, in input order."""
        return [
            r.item.model_copy(update={"commentary": r.commentary or None})
            for r in self.results
            if r.status == "done" and r.item is not None
        ]

    def duplicate_notes(self) -> list[str]:
        """Human lines for every duplicate: within the list (warnings) and against the corpus."""
        notes = [str(p) for p in self.problems if not p.fatal]
        for r in self.results:
            for title in r.duplicates:
                notes.append(f"第 {r.line} 行「{r.label[:20]}」：语料库中已有相同条目「{title}」")
        return notes

    def summary(self) -> dict[str, Any]:
        """Counts for --json and the UI."""
        return {
            "batch_id": self.batch_id,
            "folder": self.folder,
            "total": len(self.results),
            "done": self.count("done"),
            "failed": self.count("failed"),
            "pending": self.count("pending"),
            "resumed": sum(1 for r in self.results if r.resumed),
            "drafted": sum(1 for r in self.results if r.drafted and not r.resumed and r.status == "done"),
            "rejected_rows": [str(p) for p in self.problems if p.fatal],
            "duplicates": self.duplicate_notes(),
            "failures": [f"第 {r.line} 行「{r.label[:20]}」：{r.error}" for r in self.results if r.status == "failed"],
            "elapsed_s": round(self.elapsed, 2),
            "stopped": self.stopped,
        }


class Checkpoint:
    """Append-only JSONL of finished entries, fsynced per line; the last record per key wins."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def load(self) -> dict[str, dict[str, Any]]:
        """Records by key; a torn last line (killed mid-write) is ignored."""
        records: dict[str, dict[str, Any]] = {}
        if not self.path.exists():
            return records
        with self.path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    logger.warning("%s line %d is incomplete (interrupted write); ignored", self.path, n)
                    continue
                records[rec["key"]] = rec
        return records

    def append(self, record: dict[str, Any]) -> None:
        """Write one record durably before returning."""
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            if fh.tell() and not self._ends_with_newline():
                line = "\n" + line  # a torn last line (killed mid-write) must not swallow this record
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"

    def rotate(self) -> Path | None:
        """Move an old checkpoint aside (a fresh run keeps, never deletes, earlier drafts)."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"checkpoint-{stamp}.jsonl")
        self.path.rename(target)
        return target


def batch_id_for(path: Path) -> str:
    """Stable id of a list file: its name plus a hash of its absolute path (edits keep the same batch)."""
    path = Path(path)
    stem = re.sub(r"[^\w\-]+", "_", path.stem)[:40] or "batch"
    return f"{stem}-{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]}"


class BatchRunner:
    """Drafts a list's entries with a worker pool, a rate limiter and a checkpoint."""

    def __init__(
        self,
        draft_fn: DraftFn,
        *,
        data_dir: Path,
        concurrency: int = 4,
        rpm: int = 0,
        offline: bool = False,
        all_sections: bool = False,
        store: Any | None = None,
        search_fn: SearchFn | None = None,
        corpus_titles: dict[str, str] | None = None,
        prefetch_fn: Callable[[str], object] | None = None,
        max_consecutive_failures: int | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValidationError(f"并发数必须至少为 1（当前 {concurrency}），请修改 --concurrency 或 DRAFTING_BATCH__CONCURRENCY")
        self.draft_fn = draft_fn
        self.data_dir = Path(data_dir)
        self.concurrency = concurrency
        self.limiter = RateLimiter(rpm)
        self.offline = offline
        self.all_sections = all_sections
        self.store = store
        self.search_fn = search_fn
        self.corpus_titles = corpus_titles or {}  # id → title: the same id is the same item
        self.prefetch_fn = prefetch_fn
        # A provider that is down fails every call: stop early instead of burning the whole list.
        self.max_consecutive_failures = max_consecutive_failures or max(3, 2 * concurrency)
        self._failures_in_row = 0
        self._started: set[str] = set()
        self._stop: str | None = None
        self._lock = threading.Lock()

    def folder(self, batch_id: str) -> Path:
        """Where this batch's checkpoint and report live."""
        return self.data_dir / "batches" / batch_id

    def needs_drafter(self, entry: BatchEntry) -> bool:
        """Raw texts always (the item is drafted first); items when they get a 短评."""
        return entry.item is None or self.all_sections or entry.item.section == POLICY

    def run(
        self,
        batch: BatchInput,
        *,
        batch_id: str,
        resume: bool = False,
        progress: Callable[[BatchProgress], None] | None = None,
    ) -> BatchReport:
        """Draft every entry not already finished; returns the report (failures inside, not raised)."""
        started = time.perf_counter()
        self._stop, self._failures_in_row, self._started = None, 0, set()
        self._interrupted = False
        folder = self.folder(batch_id)
        folder.mkdir(parents=True, exist_ok=True)
        checkpoint = Checkpoint(folder / "checkpoint.jsonl")
        if not resume:
            moved = checkpoint.rotate()
            if moved:
                logger.info("earlier checkpoint kept as %s", moved)
        done_before = {k: r for k, r in checkpoint.load().items() if r.get("status") == "done"}
        atomic_write(folder / "input.json", batch.model_dump_json(indent=1).encode("utf-8"))

        report = BatchReport(batch_id=batch_id, source=batch.source, folder=str(folder), problems=batch.problems)
        report.results = [BatchResult(key=e.key, line=e.line, label=e.label) for e in batch.entries]
        by_key = {r.key: r for r in report.results}
        todo: list[BatchEntry] = []
        for entry in batch.entries:
            rec = done_before.get(entry.key)
            if rec is not None:
                by_key[entry.key] = _restore(by_key[entry.key], rec)
            else:
                todo.append(entry)
        total = len(report.results)
        counts = {"done": total - len(todo), "failed": 0}
        if resume:
            logger.info("resuming %s: %d done, %d to draft", batch_id, counts["done"], len(todo))
        for r in report.results:
            if r.resumed and progress:
                progress(BatchProgress(done=counts["done"], failed=0, total=total, result=r))

        def finish(result: BatchResult) -> None:
            by_key[result.key] = result
            counts[result.status] = counts.get(result.status, 0) + 1
            if progress:
                progress(BatchProgress(done=counts["done"], failed=counts["failed"], total=total, result=result))

        prefetcher = None
        if self.prefetch_fn is not None and not self.offline:
            later = [e for e in todo if self.needs_drafter(e)][self.concurrency:]
            prefetcher = threading.Thread(target=self._prefetch, args=(later,), name="batch-prefetch", daemon=True)
            prefetcher.start()
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="batch")
        try:
            futures: dict[Future[BatchResult], BatchEntry] = {
                pool.submit(self._one, e, batch_id, checkpoint): e for e in todo
            }
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in finished:
                    finish(fut.result())
        except BaseException:
            # Ctrl-C or a bug: drop queued work; finished drafts are already in the checkpoint.
            with self._lock:  # from here on no worker writes: the checkpoint stays as SIGKILL would leave it
                self._interrupted = True
                self._stop = self._stop or "已中断"
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        if prefetcher is not None:
            prefetcher.join(timeout=10)

        report.results = [by_key[e.key] for e in batch.entries]
        report.elapsed = time.perf_counter() - started
        report.stopped = self._stop
        atomic_write(folder / "report.json", report.model_dump_json(indent=1).encode("utf-8"))
        return report

    def _one(self, entry: BatchEntry, batch_id: str, checkpoint: Checkpoint) -> BatchResult:
        result = BatchResult(key=entry.key, line=entry.line, label=entry.label)
        if self._stop:
            result.error = self._stop
            return result
        if not self.needs_drafter(entry):
            result.item = entry.item
            result.status = "done"
            result.duplicates = self._corpus_duplicates(entry.item)  # type: ignore[arg-type]
            return result
        result.drafted = True
        self._started.add(entry.key)
        try:
            if not self.offline:
                self.limiter.acquire()
            if self._stop:
                result.error = self._stop
                return result
            drafts = self.draft_fn(entry.request(offline=self.offline, commentary=True if self.all_sections else None))
            if not drafts:
                raise ModelError("模型没有返回任何草稿")
            draft = drafts[0]
        except DraftingError as exc:
            self._failed(exc)
            result.status, result.error = "failed", str(exc)
            checkpoint.append({"key": entry.key, "line": entry.line, "status": "failed", "error": str(exc), "at": _now()})
            return result
        except Exception as exc:
            logger.exception("drafting %s (line %d) failed", entry.key, entry.line)
            self._failed(exc)
            result.status, result.error = "failed", f"内部错误：{exc}"
            checkpoint.append({"key": entry.key, "line": entry.line, "status": "failed", "error": result.error, "at": _now()})
            return result
        with self._lock:
            self._failures_in_row = 0
        result.draft = draft
        result.item = draft.item
        if entry.item is not None:  # keep the editor's sources/date even if the drafter dropped them
            result.item = entry.item
        result.commentary = draft.commentary if (self.all_sections or result.item.section == POLICY) else None
        result.duplicates = [p.item.title for p in draft.duplicates]
        # The drafter leaves the item's own id out of its precedents, so an exact repeat shows up here.
        same = self.corpus_titles.get(result.item.id)
        if same and same not in result.duplicates:
            result.duplicates.insert(0, same)
        if self.store is not None:
            try:
                result.draft_id = self.store.create(draft, batch_id=batch_id)
            except Exception:
                logger.exception("could not store draft for %s", entry.key)
        with self._lock:
            if self._interrupted:  # finished after the run was interrupted: dropped, as a killed process would
                return result
            result.status = "done"
            checkpoint.append({
                "key": entry.key, "line": entry.line, "status": "done", "draft_id": result.draft_id,
                "item": result.item.model_dump(mode="json"), "commentary": result.commentary,
                "duplicates": result.duplicates, "draft": draft.model_dump(mode="json"), "at": _now(),
            })
        return result

    def _prefetch(self, entries: list[BatchEntry]) -> None:
        """Search for later items while the workers wait on the provider, so their query vectors are cached.

        The text is the drafter's own query (draft.query_text), so the worker finds it cached; embedding is the
        CPU-bound part of a draft, and the CPU is otherwise idle during the provider's latency.
        """
        for entry in entries:
            if self._stop:
                return
            if entry.key in self._started:  # a worker got there first: warming it now would only add load
                continue
            text = query_text(entry.request(offline=self.offline))
            try:
                self.prefetch_fn(text)  # type: ignore[misc]
            except Exception:  # only a cache warm-up; the worker searches again anyway
                logger.debug("prefetch failed for %s", entry.key, exc_info=True)

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            self._failures_in_row += 1
            if self._failures_in_row >= self.max_consecutive_failures and not self._stop:
                self._stop = (
                    f"服务商连续 {self._failures_in_row} 次失败（最后一次：{exc}），已停止批量起草；"
                    "请检查模型服务后用 --resume 继续"
                )
                logger.error(self._stop)

    def _corpus_duplicates(self, item: Item) -> list[str]:
        titles = [self.corpus_titles[item.id]] if item.id in self.corpus_titles else []
        if self.search_fn is None:
            return titles
        try:
            found = self.search_fn(f"{item.title}\n{item.body}")
        except Exception:
            logger.warning("duplicate check failed for %s", item.id, exc_info=True)
            return titles
        return titles + [p.item.title for p in found.duplicates if p.item.title not in titles]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _restore(result: BatchResult, rec: dict[str, Any]) -> BatchResult:
    """A result rebuilt from its checkpoint record."""
    draft = Draft.model_validate(rec["draft"]) if rec.get("draft") else None
    return result.model_copy(update={
        "status": "done",
        "item": Item.model_validate(rec["item"]),
        "commentary": rec.get("commentary"),
        "draft": draft,
        "draft_id": rec.get("draft_id"),
        "duplicates": rec.get("duplicates", []),
        "resumed": True,
        "drafted": True,
    })


def run_batch(
    services: Services,
    source: Path | BatchInput,
    *,
    concurrency: int | None = None,
    rpm: int | None = None,
    resume: bool = False,
    offline: bool = False,
    all_sections: bool = False,
    batch_id: str | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
    prefetch: bool = True,
) -> BatchReport:
    """Read a list (or take a parsed one) and draft it with the configured services."""
    settings = services.settings
    batch = source if isinstance(source, BatchInput) else read_items(Path(source))
    if not batch.entries:
        reasons = "；".join(str(p) for p in batch.errors[:5])
        raise ValidationError(f"{batch.source}：没有可起草的条目" + (f"（{reasons}）" if reasons else "，文件为空"))
    offline = offline or not settings.llm.configured
    runner = BatchRunner(
        services.drafter.draft,
        data_dir=settings.data_dir,
        concurrency=concurrency or settings.batch.concurrency,
        rpm=settings.batch.rpm if rpm is None else rpm,
        offline=offline,
        all_sections=all_sections,
        store=services.store,
        search_fn=lambda text: services.retriever.search(text, k=1),
        corpus_titles={i.id: i.title for i in services.corpus.items()},
        prefetch_fn=(lambda text: services.retriever.search(text, k=1)) if prefetch else None,
    )
    bid = batch_id or (batch_id_for(Path(batch.source)) if not isinstance(source, BatchInput) else _input_id(batch))
    return runner.run(batch, batch_id=bid, resume=resume, progress=progress)


def _input_id(batch: BatchInput) -> str:
    digest = hashlib.sha1("|".join(e.key for e in batch.entries).encode()).hexdigest()[:8]
    stem = re.sub(r"[^\w\-]+", "_", Path(batch.source).stem)[:40] or "batch"
    return f"{stem}-{digest}"


def build_issue(
    items: list[Item],
    *,
    prompts_dir: Path,
    title: str = DEFAULT_TITLE,
    period: str | None = None,
    editors: str | None = None,
) -> AssembledIssue:
    """Assemble items into the house layout with the closing block from prompts/issue_closing.md."""
    return assemble(items, title=title, period=period, closing=load_closing(prompts_dir, editors))


def publish(
    services: Services,
    issue: AssembledIssue,
    *,
    accepted: list[tuple[int, Item]] | None = None,
) -> Path:
    """Mark the issue final: its items and 短评 join the corpus and the index; stored drafts become accepted."""
    if not issue.items():
        raise ValidationError("本期没有条目，无法发布：请先完成批量起草")
    final = issue.model_copy(deep=True)
    for section in final.sections:
        for a in section.items:
            # Edited titles change the stable id: recompute it from the final text.
            a.item = Item.model_validate({**a.item.model_dump(), "id": ""})
    path = services.corpus.save_issue(final.to_issue())
    for draft_id, item in accepted or []:
        services.store.accept(draft_id, title=item.title, body=item.body, commentary=item.commentary or "")
    services.ingest()
    logger.info("published %s to %s", final.id, path)
    return path


class ReviewItem(BaseModel):
    """One item under review: the editor's current text and whether its 短评 is accepted."""

    key: str
    line: int
    section: str
    title: str
    body: str
    commentary: str = ""
    accepted: bool = False
    item: Item
    draft_id: int | None = None
    draft: Draft | None = None
    duplicates: list[str] = Field(default_factory=list)

    def final_item(self, *, accepted_only: bool) -> Item:
        """The item with the editor's text; the 短评 only if accepted (when asked)."""
        keep = self.commentary.strip() and (self.accepted or not accepted_only)
        return self.item.model_copy(update={"title": self.title.strip(), "body": self.body.strip(),
                                             "commentary": self.commentary.strip() if keep else None})


class IssueReview(BaseModel):
    """An issue being reviewed item by item: order, text, accepts, title and period."""

    batch_id: str
    title: str = DEFAULT_TITLE
    period: str = ""
    editors: str | None = None
    entries: list[ReviewItem] = Field(default_factory=list)

    @classmethod
    def from_report(cls, report: BatchReport, *, accept_all: bool = False) -> IssueReview:
        """Finished items of a batch, in input order, with the period guessed from their dates."""
        entries = [
            ReviewItem(
                key=r.key, line=r.line, section=r.item.section, title=r.item.title, body=r.item.body,
                commentary=r.commentary or "", accepted=accept_all, item=r.item, draft_id=r.draft_id,
                draft=r.draft, duplicates=r.duplicates,
            )
            for r in report.results
            if r.status == "done" and r.item is not None
        ]
        review = cls(batch_id=report.batch_id, entries=entries)
        review.period = assemble([e.item for e in entries]).period
        return review

    def ordered(self) -> list[ReviewItem]:
        """Entries in the order the issue prints them: by section, then the editor's order."""
        order = {"政策速递": 0, "行业新闻": 1, "交易资讯": 2}
        return sorted(self.entries, key=lambda e: order.get(e.section, 3))

    def move(self, key: str, delta: int) -> None:
        """Move an item up (-1) or down (+1) among the items of its section."""
        same = [i for i, e in enumerate(self.entries) if e.section == self._get(key).section]
        pos = next(n for n, i in enumerate(same) if self.entries[i].key == key)
        target = pos + delta
        if 0 <= target < len(same):
            a, b = same[pos], same[target]
            self.entries[a], self.entries[b] = self.entries[b], self.entries[a]

    def edit(self, key: str, *, title: str, body: str, commentary: str, accepted: bool) -> ReviewItem:
        """Store the editor's text for one item; an empty title or body is refused."""
        if not title.strip() or not body.strip():
            raise ValidationError("标题和正文不能为空：请补全后再保存")
        entry = self._get(key)
        entry.title, entry.body, entry.commentary, entry.accepted = title, body, commentary, accepted
        return entry

    def _get(self, key: str) -> ReviewItem:
        for e in self.entries:
            if e.key == key:
                return e
        raise ValidationError(f"本期没有编号为 {key} 的条目：请刷新列表后重试")

    def assemble(self, prompts_dir: Path, *, accepted_only: bool = False) -> AssembledIssue:
        """The issue in house layout with the current text (every 短评, or only accepted ones)."""
        items = [e.final_item(accepted_only=accepted_only) for e in self.entries]
        return build_issue(items, prompts_dir=prompts_dir, title=self.title, period=self.period, editors=self.editors)

    def publish(self, services: Services) -> Path:
        """Add the issue to the corpus and index: every item, only the accepted 短评."""
        issue = self.assemble(services.settings.prompts_dir, accepted_only=True)
        accepted = [(e.draft_id, e.final_item(accepted_only=True)) for e in self.entries if e.accepted and e.draft_id]
        return publish(services, issue, accepted=accepted)  # type: ignore[arg-type]

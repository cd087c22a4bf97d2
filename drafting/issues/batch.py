"""A whole issue: draft every item concurrently under a rate limit, checkpoint each draft, resume.

Every finished draft is appended (with fsync) to ``<data_dir>/batches/<batch_id>/checkpoint.jsonl``
and stored in the draft store as it completes, so a killed process or a provider outage loses
nothing finished: ``resume=True`` skips every item whose draft is in the checkpoint. This module is the runner; the
checkpoint file is batch_checkpoint.py, the results and report batch_report.py.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from langchain_core.rate_limiters import InMemoryRateLimiter

from drafting.errors import DraftingError, ModelError, ValidationError
from drafting.fileio import atomic_write
from drafting.issues.batch_checkpoint import Checkpoint, now_iso, restore_result
from drafting.issues.batch_report import BatchProgress, BatchReport, BatchResult
from drafting.issues.batch_rows import BatchEntry, BatchInput
from drafting.models import Draft, DraftRequest, Item, SearchResult
from drafting.names import name_problem
from drafting.writing.offline.voice import SentenceCount
from drafting.writing.service import query_text

logger = logging.getLogger(__name__)

POLICY = "政策速递"
DraftFn = Callable[[DraftRequest], list[Draft]]
SearchFn = Callable[[str], SearchResult]


def rate_limiter(rpm: int) -> InMemoryRateLimiter | None:
    """At most ``rpm`` model requests started per minute across the workers (LangChain's limiter); 0 = unlimited."""
    if rpm <= 0:
        return None
    rate = rpm / 60.0
    return InMemoryRateLimiter(requests_per_second=rate, check_every_n_seconds=min(0.1, 0.5 / rate), max_bucket_size=1)


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
        self.limiter = rate_limiter(rpm)
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
        """Where this batch's checkpoint and report live; a batch id is one folder name, never a path."""
        problem = name_problem(batch_id)
        if problem:
            raise ValidationError(f"批次名「{batch_id[:60]}」无效：{problem}；请用字母、数字、汉字、- 或 _ 命名（--batch-id）")
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
        # Sentences of the issue's 短评 so far: one used twice is not offered a third time (no stock sentences).
        self._used = SentenceCount()
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
            restored = restore_result(by_key[entry.key], rec) if rec is not None else None
            if restored is not None:
                by_key[entry.key] = restored
                self._used.add(restored.commentary or "")
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
            if not self.offline and self.limiter is not None:
                self.limiter.acquire()
            if self._stop:
                result.error = self._stop
                return result
            request = entry.request(offline=self.offline, commentary=True if self.all_sections else None)
            with self._lock:
                request.avoid_sentences = self._used.twice()
            drafts = self.draft_fn(request)
            if not drafts:
                raise ModelError("模型没有返回任何草稿")
            draft = drafts[0]
        except DraftingError as exc:
            self._failed(exc)
            result.status, result.error = "failed", str(exc)
            checkpoint.append({"key": entry.key, "line": entry.line, "status": "failed", "error": str(exc), "at": now_iso()})
            return result
        except Exception as exc:
            logger.exception("drafting %s (line %d) failed", entry.key, entry.line)
            self._failed(exc)
            result.status, result.error = "failed", f"内部错误：{exc}"
            checkpoint.append({"key": entry.key, "line": entry.line, "status": "failed", "error": result.error, "at": now_iso()})
            return result
        with self._lock:
            self._failures_in_row = 0
            self._used.add(draft.commentary or "")
        result.draft = draft
        result.item = draft.item
        if entry.item is not None:  # keep the editor's sources/date even if the drafter dropped them
            result.item = entry.item
        elif entry.sources:  # a raw row's 来源 column: the drafter may not carry it over into the item
            extra = [u for u in entry.sources if u not in result.item.sources]
            result.item = result.item.model_copy(update={"sources": [*result.item.sources, *extra]})
        draft = draft.model_copy(update={"item": result.item})  # the stored draft carries the row's sources too
        result.draft = draft
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
                "duplicates": result.duplicates, "draft": draft.model_dump(mode="json"), "at": now_iso(),
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

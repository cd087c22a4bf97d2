"""One run of the watch: every due source polled, its new entries triaged and stored, each source on its own.

Crash-safe by order: a source's entries are stored (one transaction, idempotent) before its validators and next due
time are; a run killed anywhere leaves either nothing of that source (polled again in full next time) or its entries
stored and the source still due (polled again, every entry already known, nothing offered twice). Hosts are polled
in parallel, one request at a time per host and at most one every ``per_host_interval_s``; triage and storing stay
on the calling thread, in the order sources finish.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from urllib.parse import urlsplit

from drafting.errors import DraftingError, SourceError
from drafting.settings import SourcesSettings, WatchSettings
from drafting.watch.entry import InboxEntry, RawEntry, Scored, WatchSource
from drafting.watch.poll import HostPacer, Polled, RetryLater, poll, shared_pacer
from drafting.watch.store import SourceState, WatchStore

logger = logging.getLogger(__name__)

Triage = Callable[[Sequence[RawEntry]], list[Scored]]
POLL_WORKERS = 4  # hosts polled at once: the wait is the hosts', not ours


def unscored(entries: Sequence[RawEntry]) -> list[Scored]:
    """Triage for when none is configured: every entry kept, unscored (the inbox lists them by date)."""
    return [Scored(relevance=0.0, reason="未评分：尚未配置相关性评估") for _ in entries]


@dataclasses.dataclass
class RunReport:
    """What a run found and what went wrong, per source."""

    new: list[InboxEntry] = dataclasses.field(default_factory=list)
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (source id, Chinese message)
    polled: list[str] = dataclasses.field(default_factory=list)  # sources read successfully (verified)
    unchanged: list[str] = dataclasses.field(default_factory=list)  # answered 304
    deferred: list[str] = dataclasses.field(default_factory=list)  # due, left for the next run by the page cap

    def to_json(self) -> dict[str, object]:
        """The shape of ``drafting watch run --json``."""
        return {
            "new": [{"id": e.id, "title": e.title, "url": e.url, "published": e.published.isoformat() if e.published else None,
                     "source": e.sources[0] if e.sources else None, "relevance": round(e.scored.relevance, 4),
                     "profile": e.scored.profile, "duplicate_of": e.scored.duplicate_of} for e in self.new],
            "errors": [{"source": s, "message": m} for s, m in self.errors],
        }


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def is_due(source: WatchSource, state: SourceState, now: dt.datetime) -> bool:
    """Enabled and never polled, or its (backed-off) next time has come."""
    return source.enabled and (state.next_due is None or state.next_due <= now)


def backoff(source: WatchSource, failures: int, watch: WatchSettings, retry_after: float | None = None) -> float:
    """Seconds before retrying a failing source: its interval doubled per consecutive failure from a quarter of it."""
    wait = min(source.every_seconds / 4 * 2 ** (failures - 1), watch.max_backoff_s)
    return max(wait, min(retry_after or 0.0, watch.max_backoff_s))


def _poll_host(sources: list[tuple[WatchSource, SourceState]], pacer: HostPacer, settings: SourcesSettings,
               watch: WatchSettings) -> list[tuple[WatchSource, SourceState, Polled | Exception]]:
    results: list[tuple[WatchSource, SourceState, Polled | Exception]] = []
    for source, state in sources:
        pacer.wait(source.url)
        try:
            results.append((source, state, poll(source, etag=state.etag, last_modified=state.last_modified,
                                                sources=settings, watch=watch)))
        except Exception as exc:  # noqa: BLE001 - one source's failure, whatever it is, must not stop the others
            results.append((source, state, exc))
    return results


def _message(exc: Exception) -> str:
    if isinstance(exc, DraftingError):
        return str(exc)
    logger.exception("watch: unexpected failure", exc_info=exc)
    return f"读取时出现意外错误（{type(exc).__name__}）：下次运行会重试，如反复出现请告知管理员"


def run_once(sources: Sequence[WatchSource], store: WatchStore, triage: Triage, *, settings: SourcesSettings,
             watch: WatchSettings, force: bool = False, now: dt.datetime | None = None,
             pacer: HostPacer | None = None) -> RunReport:
    """Poll every due source (all of them with ``force``), triage what is new, store it; report per source."""
    now = now or _now()
    pacer = pacer or shared_pacer(watch.per_host_interval_s)
    report = RunReport()
    due: list[tuple[WatchSource, SourceState]] = []
    for source in sources:
        state = store.source_state(source.id)
        if source.enabled and (force or is_due(source, state, now)):
            due.append((source, state))
    # the longest-waiting first, so the page cap never starves the same sources
    due.sort(key=lambda p: p[1].next_due or dt.datetime.min.replace(tzinfo=dt.UTC))
    report.deferred = [s.id for s, _ in due[watch.max_pages:]]
    due = due[:watch.max_pages]
    by_host: dict[str, list[tuple[WatchSource, SourceState]]] = {}
    for pair in due:
        by_host.setdefault(urlsplit(pair[0].url).netloc.lower(), []).append(pair)
    with ThreadPoolExecutor(max_workers=POLL_WORKERS, thread_name_prefix="watch-poll") as pool:
        futures: list[Future[list[tuple[WatchSource, SourceState, Polled | Exception]]]] = [
            pool.submit(_poll_host, group, pacer, settings, watch) for group in by_host.values()
        ]
        for future in as_completed(futures):
            for source, state, result in future.result():
                _settle(source, state, result, store, triage, watch, report, now)
    return report


def _settle(source: WatchSource, state: SourceState, result: Polled | Exception, store: WatchStore, triage: Triage,
            watch: WatchSettings, report: RunReport, now: dt.datetime) -> None:
    """Store one source's new entries, then its state (in that order: see the module's note)."""
    if isinstance(result, Exception):
        _failed(source, state, result, store, watch, report, now)
        return
    try:
        fresh_urls = store.seen_many([e.url for e in result.entries])
        fresh = [e for e in result.entries if e.url not in fresh_urls]
        if fresh:
            scored = triage(fresh)
            if len(scored) != len(fresh):
                raise SourceError(f"相关性评估返回了 {len(scored)} 条结果，应为 {len(fresh)} 条：本来源的条目下次运行重新评估")
            report.new.extend(store.get_many(store.add(list(zip(fresh, scored, strict=True)))))
    except Exception as exc:  # noqa: BLE001 - triage or storage failing for one source leaves it due, others go on
        _failed(source, state, exc, store, watch, report, now)
        return
    keep = result.complete  # a feed read in part keeps the old validators: the next request asks for all of it
    partial = None if keep else (f"订阅内容格式有误（可能被截断），只读到 {len(result.entries)} 条：已保存这些条目，"
                                 "下次运行会重新读取整个订阅")
    store.record_poll(dataclasses.replace(
        state, etag=result.etag if keep else state.etag, last_modified=result.last_modified if keep else state.last_modified,
        last_polled=now, last_ok=now if keep else state.last_ok, next_due=now + dt.timedelta(seconds=source.every_seconds),
        failures=0, last_error=partial,
    ))
    if result.moved_to:  # read at its new address this time; the list should say where it lives now
        report.errors.append((source.id, f"网址已永久跳转到 {result.moved_to[:200]}：本次已按新网址读取，请在关注列表中更新网址"))
    if partial:
        report.errors.append((source.id, partial))
    else:
        (report.unchanged if result.not_modified else report.polled).append(source.id)


def _failed(source: WatchSource, state: SourceState, exc: Exception, store: WatchStore, watch: WatchSettings,
            report: RunReport, now: dt.datetime) -> None:
    message = _message(exc)
    failures = state.failures + 1
    wait = backoff(source, failures, watch, exc.retry_after if isinstance(exc, RetryLater) else None)
    report.errors.append((source.id, message))
    try:
        store.record_poll(dataclasses.replace(state, last_polled=now, failures=failures, last_error=message,
                                              next_due=now + dt.timedelta(seconds=wait)))
    except DraftingError as err:  # the store itself failing: the source simply stays due
        logger.warning("watch: could not record the failure of %s: %s", source.id, err)

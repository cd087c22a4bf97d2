"""Running the watch: one runner at a time across processes, from cron (`drafting watch run`) or the app's schedule.

The runner takes a non-blocking file lock in the data folder (``<data_dir>/watch.lock``): while the app's schedule
polls, a cron run (or a second app process) finds the lock taken and skips, and the other way round. The lock is the
kernel's (flock), so a runner killed mid-way releases it with its process. The app's schedule is an APScheduler 3
``BackgroundScheduler`` with one interval job that looks for due sources; ``max_instances=1`` and ``coalesce`` keep a
slow run from piling up runs behind it within the process, the lock across processes.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from drafting.settings import Settings
from drafting.watch import watchlist
from drafting.watch.run import RunReport, Triage, run_once
from drafting.watch.store import WatchStore

logger = logging.getLogger(__name__)

BUSY = "另一次关注列表读取正在进行（定时任务或另一个进程），本次跳过"


def lock_path(settings: Settings) -> Path:
    """The runners' lock file, beside the watch database."""
    return settings.data_dir / "watch.lock"


@contextmanager
def runner_lock(path: Path) -> Iterator[bool]:
    """Yield True holding the lock, False when another runner holds it (never waits)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"{os.getpid()} {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}\n".encode())
            fh.flush()
            yield True
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def run_watch(settings: Settings, triage: Triage, *, force: bool = False,
              store: WatchStore | None = None) -> RunReport | None:
    """One run over the watch list, unless another runner is at it (None then); verified sources are written back."""
    with runner_lock(lock_path(settings)) as held:
        if not held:
            return None
        sources = watchlist.load(settings.watch_list_file)
        store = store or WatchStore(settings.watch_db_path)
        report = run_once(sources, store, triage, settings=settings.sources, watch=settings.watch, force=force)
        unverified = {s.id for s in sources if not s.verified}
        try:
            watchlist.mark_verified(settings.watch_list_file, [i for i in report.polled + report.unchanged if i in unverified])
        except Exception as exc:  # noqa: BLE001 - the entries are stored; a read-only corpus only leaves the flag unset
            logger.warning("watch: could not mark sources verified: %s", exc)
        return report


class WatchSchedule:
    """The app's own schedule: every ``check_every_s`` a run over the due sources, one runner across processes."""

    def __init__(self, settings: Settings, triage_factory: Callable[[], Triage]) -> None:
        self.settings = settings
        self.triage_factory = triage_factory
        self.scheduler = BackgroundScheduler(timezone=dt.UTC, job_defaults={"coalesce": True, "max_instances": 1})
        self.last: RunReport | None = None

    def tick(self) -> RunReport | None:
        """One scheduled run (also callable by hand); failures are logged, never raised into the scheduler."""
        try:
            report = run_watch(self.settings, self.triage_factory())
        except Exception:
            logger.exception("watch: scheduled run failed")
            return None
        if report is None:
            logger.info("watch: %s", BUSY)
        else:
            self.last = report
            logger.info("watch: %d new, %d errors", len(report.new), len(report.errors))
        return report

    def start(self) -> None:
        """Start polling in the background, the first run shortly after start-up."""
        first = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
        self.scheduler.add_job(self.tick, "interval", seconds=self.settings.watch.check_every_s, id="watch-run",
                               next_run_time=first, replace_existing=True)
        self.scheduler.start()

    def shutdown(self) -> None:
        """Stop the schedule; a run in progress finishes (its work is stored source by source anyway)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

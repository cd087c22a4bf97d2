"""Child process of tests/test_watch_faults.py: one watch run (the path `drafting watch run` takes), with a triage
that takes its time the way the real one does (it fetches and reads each new entry) and says when it starts, so the
parent can kill the run while entries are polled but not yet stored."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence

from drafting.settings import Settings
from drafting.watch.entry import RawEntry, Scored
from drafting.watch.schedule import run_watch


def slow_triage(entries: Sequence[RawEntry]) -> list[Scored]:
    print("triage", file=sys.stderr, flush=True)  # the parent may kill the run from here on
    time.sleep(float(os.environ.get("WATCH_TRIAGE_DELAY", "0.1")) * len(entries))
    return [Scored(relevance=0.5, reason="测试") for _ in entries]


if __name__ == "__main__":
    report = run_watch(Settings(), slow_triage, force=True)
    print(json.dumps(report.to_json() if report else {"new": [], "errors": [], "skipped": True}, ensure_ascii=False))

"""A batch interrupted in-process (Ctrl-C, or an exception in the caller) leaves the checkpoint as SIGKILL would.

The real offline drafting service drafts; a thin wrapper only holds the third item in flight across the interrupt.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from drafting.issues.batch import BatchRunner
from drafting.issues.batch_rows import validate_rows
from drafting.models import DraftRequest


def policy_list(n: int):
    rows = [(i + 1, {"section": "政策速递", "title": f"某市印发第{i + 1}号元宇宙产业扶持政策",
                     "body": f"2023年9月{i + 1}日，某市印发第{i + 1}号元宇宙产业扶持政策，提出到2025年产业规模达到{100 + i}亿元。"})
            for i in range(n)]
    return validate_rows(rows, source="items.jsonl")


def done_keys(folder: Path) -> list[str]:
    lines = (folder / "checkpoint.jsonl").read_text(encoding="utf-8").splitlines()
    return [rec["key"] for rec in map(json.loads, lines) if rec["status"] == "done"]


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, RuntimeError])
def test_interrupt_in_process_then_resume(seeded_services, tmp_path: Path, interrupt: type[BaseException]) -> None:
    batch = policy_list(6)
    keys = [e.key for e in batch.entries]
    third_in_flight, released = threading.Event(), threading.Event()
    calls: list[str] = []

    def draft(request: DraftRequest):
        title = request.item.title if request.item else ""
        calls.append(title)
        if title.startswith("某市印发第3号"):
            third_in_flight.set()
            released.wait(120)  # still drafting when the run is interrupted
        return seeded_services.drafter.draft(request)

    def progress(p) -> None:
        if p.done == 2:
            assert third_in_flight.wait(120)
            raise interrupt("editor pressed Ctrl-C")

    with pytest.raises(interrupt):
        BatchRunner(draft, data_dir=tmp_path, concurrency=1, offline=True).run(batch, batch_id="b", progress=progress)
    released.set()  # the draft in flight now finishes, after the interrupt
    for thread in threading.enumerate():
        if thread.name.startswith("batch"):
            thread.join(120)
    folder = tmp_path / "batches" / "b"
    # Like SIGKILL at that moment: the two finished drafts are kept; nothing is written after the interrupt.
    assert done_keys(folder) == keys[:2]

    calls.clear()
    report = BatchRunner(draft, data_dir=tmp_path, concurrency=1, offline=True).run(batch, batch_id="b", resume=True)
    assert report.complete and sum(r.resumed for r in report.results) == 2
    assert calls == [f"某市印发第{i}号元宇宙产业扶持政策" for i in range(3, 7)]  # only the unfinished, each once
    assert sorted(done_keys(folder)) == sorted(keys)
    assert all(r.commentary for r in report.results)

"""A short load run through the app's own API (benchmarks/bench_load.py): no errors, every call finished."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


@pytest.mark.slow
def test_short_load_run_has_no_errors() -> None:
    import bench_load

    report = bench_load.run(editors=3, duration=8, model_latency=0.2, nonmodel_duration=0, search_duration=3, concurrency=2)
    phases = {p["phase"]: p for p in report["phases"]}
    assert len(phases) == 2
    for p in phases.values():
        assert p["errors"] == 0, p["error_samples"]
        assert p["ok"] >= 3 and p["ok"] == p["requests"]
    drafts = next(p for name, p in phases.items() if name.startswith("draft"))
    # raw text: one request for the item, one for the 短评, per draft
    assert report["model_requests"] == 2 * drafts["ok"]

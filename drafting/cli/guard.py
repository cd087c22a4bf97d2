"""`drafting guard` (check a hand-written 短评 against its item) and `drafting eval guard` (the planted-error set)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from drafting.cli import JsonOpt, _print_json, app, eval_app


@eval_app.command("guard")
def eval_guard(
    data: Annotated[Path | None, typer.Option(help="labelled JSONL (default tests/data/guard_eval.jsonl)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Fact-check recall per planted kind and the false-alarm rate on clean 短评."""
    from drafting.evaluation.guard import DEFAULT_GUARD_EVAL_PATH, evaluate_guard, load_guard_cases

    report = evaluate_guard(load_guard_cases(data or DEFAULT_GUARD_EVAL_PATH))
    if as_json:
        _print_json(report.as_json())
        return
    typer.echo(report.table())

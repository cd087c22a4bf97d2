"""`drafting eval retrieval --fit`: fit the profile ranking's weights on labelled data and store them."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from drafting.cli.common import print_json
from drafting.evaluation.fit import REPHRASED_PATH, collect, default_sets, feedback_pools, fit, load_ranking_cases
from drafting.evaluation.profiles import load_profile_cases
from drafting.evaluation.retrieval import load_cases
from drafting.index.ranking import DEFAULT_WEIGHTS, save_weights
from drafting.services import Services

COLUMNS = (("rephrased_recall3", "改写R@3"), ("rephrased_mrr", "改写MRR"), ("labelled_recall3", "标注R@3"),
           ("labelled_mrr", "标注MRR"), ("kind_p3", "同类型P@3"), ("kind_top1", "同类型Top1"), ("examples", "示例"))


def run_fit(services: Services, data: Path | None, profiles: Path | None, as_json: bool) -> None:
    """Search every labelled case once, grid-search the weights on two thirds, report the held-out third, and
    store the weights in the data folder when they do at least as well there as the shipped defaults."""
    rephrased, labelled, kinds = default_sets()
    if data is not None:
        labelled = load_cases(data)
    if profiles is not None:
        kinds = [*load_profile_cases(profiles), *load_ranking_cases()]
    pools = collect(services.retriever, rephrased=rephrased, labelled=labelled, kinds=kinds,
                    feedback=feedback_pools(services))
    weights, report = fit(pools)
    saved = None
    if report.better_than_defaults:
        saved = save_weights(services.settings.data_dir, weights, report.model_dump())
        services.retriever.weights = weights
    if as_json:
        print_json(report.model_dump() | {"saved": str(saved) if saved else None, "defaults": asdict(DEFAULT_WEIGHTS)})
        return
    typer.echo("weights chosen: " + ", ".join(f"{k}={v:g}" for k, v in report.weights.items()))
    typer.echo("shipped defaults: " + ", ".join(f"{k}={v:g}" for k, v in asdict(DEFAULT_WEIGHTS).items()))
    typer.echo(f"{report.settings_tried} settings tried; cases: " + ", ".join(f"{k} {v}" for k, v in report.cases.items())
               + f" (rephrased items: {REPHRASED_PATH.name})")
    typer.echo(f"{'':<18}" + "".join(f"{label:>11}" for _, label in COLUMNS))
    rows = (("train (fitted)", report.train), ("held-out (fitted)", report.held_out),
            ("held-out defaults", report.defaults_held_out), ("held-out hybrid", report.plain_held_out),
            ("all (fitted)", report.all_cases), ("all hybrid", report.plain_all_cases))
    for label, row in rows:
        cells = [row[key] for key, _ in COLUMNS]
        typer.echo(f"{label:<18}" + "".join(f"{c:>12.3f}" if isinstance(c, float) else f"{c!s:>12}" for c in cells))
    misses = report.held_out.get("misses")
    for miss in misses if isinstance(misses, list) else []:
        typer.echo(f"  held-out miss: {miss}")
    if saved:
        typer.echo(f"stored in {saved} (used by every search from now on)")
    else:
        typer.echo("not stored: on the held-out cases the fitted weights do worse than the shipped defaults, which stay")

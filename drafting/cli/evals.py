"""`drafting eval …`: retrieval, drafting and profile evaluation on the corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from drafting.cli import common
from drafting.cli.common import JsonOpt, eval_app, print_json


@eval_app.command("retrieval")
def eval_retrieval(
    data: Annotated[Path | None, typer.Option(help="labelled JSONL (default tests/data/retrieval_eval.jsonl)")] = None,
    profiles: Annotated[Path | None, typer.Option(help="labelled profiles JSONL (default tests/data/profiles_eval.jsonl)")] = None,
    from_feedback: Annotated[bool, typer.Option("--from-feedback", help="cases = accepted drafts and the precedents editors marked helpful")] = False,
    fit: Annotated[bool, typer.Option("--fit", help="fit the profile ranking's weights (train / held-out split) and store them")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Recall@3, MRR and nDCG@5 of each search mode; same-kind precision@3 without and with profile ranking."""
    from drafting.evaluation.retrieval import DEFAULT_EVAL_PATH, evaluate_retrieval, load_cases

    services = common.services()
    services.ingest()  # cheap when the corpus is unchanged; makes sure the eval sees the current corpus
    if fit:
        from drafting.cli.fit import run_fit

        run_fit(services, data, profiles, as_json)
        return
    if from_feedback:
        from drafting.evaluation.feedback import evaluate_feedback

        report = evaluate_feedback(services)
        kinds: dict[str, Any] = {}
    else:
        from drafting.evaluation.profiles import DEFAULT_PROFILE_PATH, evaluate_kind_precision, load_profile_cases

        report = evaluate_retrieval(services.retriever, load_cases(data or DEFAULT_EVAL_PATH))
        kinds = evaluate_kind_precision(services.retriever, load_profile_cases(profiles or DEFAULT_PROFILE_PATH))
    if as_json:
        print_json({"cases": report.cases, "corpus_items": services.index.count(), "modes": {m: s.model_dump() for m, s in report.modes.items()},
                     "same_kind": {m: s.model_dump() for m, s in kinds.items()}})
        return
    typer.echo(f"{'mode':<8} {'Recall@3':>9} {'MRR':>7} {'nDCG@5':>7}")
    for mode, s in report.modes.items():
        typer.echo(f"{mode:<8} {s.recall_at_3:>9.3f} {s.mrr:>7.3f} {s.ndcg_at_5:>7.3f}")
    typer.echo(f"{report.cases} cases, {services.index.count()} corpus items")
    if not kinds:
        return
    typer.echo(f"{'ranking':<8} {'同类型P@3':>9} {'同立场P@3':>9} {'先例缺口':>6}")
    for mode, k in kinds.items():
        typer.echo(f"{mode:<8} {k.same_kind_p3:>11.3f} {k.same_stance_p3:>11.3f} {k.gaps:>8}")
    typer.echo(f"{kinds['profile'].cases} labelled items whose kind has precedents with a 短评")


@eval_app.command("drafts")
def eval_drafts(
    offline: Annotated[bool, typer.Option("--offline", help="offline drafter even when a model is configured")] = False,
    limit: Annotated[int | None, typer.Option(help="only the first N items with a 短评")] = None,
    accepted: Annotated[bool, typer.Option("--accepted", help="the firm's accepted items instead of the whole corpus")] = False,
    rules: Annotated[bool, typer.Option("--rules/--no-rules", help="apply the approved house rules")] = True,
    compare_rules: Annotated[bool, typer.Option("--compare-rules", help="run with and without the house rules")] = False,
    labelled: Annotated[Path | None, typer.Option(help="labelled set of every genre (default tests/data/drafts_eval/items.jsonl)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Leave-one-out drafting of every corpus 短评: fact-guard flags, length, ROUGE-L, embedding similarity."""
    from drafting.evaluation.drafts import evaluate_drafts

    services = common.services()
    services.ingest()  # cheap when the corpus is unchanged; the eval must see the current corpus
    items = services.corpus.accepted_items() if accepted else None
    if compare_rules:
        runs = {"with_rules": evaluate_drafts(services, offline=offline, limit=limit, items=items, use_rules=True),
                "without_rules": evaluate_drafts(services, offline=offline, limit=limit, items=items, use_rules=False)}
        if as_json:
            print_json({k: r.model_dump() for k, r in runs.items()} | {"rules_version": services.drafter.house_rules().label})
            return
        for label, r in (("采用规则", runs["with_rules"]), ("不用规则", runs["without_rules"])):
            typer.echo(f"== {label} ==\n{r.table()}")
        return
    report = evaluate_drafts(services, offline=offline, limit=limit, items=items, use_rules=rules)
    from drafting.evaluation.profiles import evaluate_offline_stance, load_profile_cases, stance_table

    g = services.settings.guard
    stances = evaluate_offline_stance(load_profile_cases(), g.min_chars, g.max_chars) if offline and not accepted else []
    from drafting.evaluation.draft_checks import DEFAULT_LABELLED_PATH, evaluate_labelled

    checks = evaluate_labelled(services, labelled or DEFAULT_LABELLED_PATH) if offline and not accepted else None
    if as_json:
        print_json(report.model_dump() | {"stance": [r.model_dump() for r in stances]}
                    | ({"labelled": checks.model_dump()} if checks else {}))
        return
    typer.echo(report.table())
    if stances:
        typer.echo("\n按立场检查离线短评（tests/data/profiles_eval.jsonl）：\n" + stance_table(stances))
    if checks:
        typer.echo("\n标注集离线短评（残句、错误文件或主体、重复套话、空短评）：\n" + checks.table())


@eval_app.command("profiles")
def eval_profiles(
    data: Annotated[Path | None, typer.Option(help="labelled JSONL (default tests/data/profiles_eval.jsonl)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Accuracy per field (kind, stance, issuer, level) of the item profile on labelled items."""
    from drafting.evaluation.profiles import DEFAULT_PROFILE_PATH, evaluate_profiles, load_profile_cases

    report = evaluate_profiles(load_profile_cases(data or DEFAULT_PROFILE_PATH))
    if as_json:
        print_json(report.model_dump())
        return
    typer.echo(report.table())

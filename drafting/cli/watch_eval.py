"""`drafting eval watch`: relevance precision@20 and recall on the labelled watch fixture, baseline against the rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from drafting.cli import common
from drafting.cli.common import JsonOpt, eval_app, print_json
from drafting.errors import DraftingError


@eval_app.command("watch")
def eval_watch(
    configs: Annotated[str, typer.Option("--configs", help="comma-separated: similarity (past items only), scope, triage")] = "similarity,scope,triage",
    data: Annotated[Path | None, typer.Option(help="the labelled fixture (default tests/data/watch)")] = None,
    misses: Annotated[bool, typer.Option("--misses", help="list the relevant entries missed and the wrong ones in the top 20")] = False,
    as_json: JsonOpt = False,
) -> None:
    """P@20 and recall of relevant entries, precision above the inbox's threshold, duplicates of past items."""
    from drafting.evaluation.watch import CONFIGS, evaluate_watch, format_table, load_cases
    from drafting.watch.triage import Triage, held_from_corpus

    chosen = [c.strip() for c in configs.split(",") if c.strip()]
    unknown = [c for c in chosen if c not in CONFIGS]
    if unknown or not chosen:
        raise DraftingError(f"未知的配置 {'、'.join(unknown) or '（空）'}：可选 {', '.join(CONFIGS)}")
    cases = load_cases(data)
    services = common.services()
    services.ingest()  # cheap when the corpus is unchanged; the eval must see the current corpus
    held = held_from_corpus(services.indexable_items())
    threshold = services.settings.watch.min_relevance
    reports = [evaluate_watch(cases, Triage(services.retriever, held=lambda: held, signals=CONFIGS[c]),
                              config=c, threshold=threshold, held=held) for c in chosen]
    if as_json:
        print_json([r.model_dump(mode="json", exclude=set() if misses else {"misses", "false_top"}) for r in reports])
        return
    typer.echo(format_table(reports))
    if misses:
        for r in reports:
            for m in r.misses:
                typer.echo(f"[{r.config}] 漏掉 {m.id} {m.relevance:.2f} {m.title} — {m.reason}")
            for m in r.false_top:
                typer.echo(f"[{r.config}] 前20误入 {m.id} {m.relevance:.2f} {m.title} — {m.reason}")

"""`drafting parse`, `ingest`, `search`, `reindex`, `check`: the corpus, its index and precedent search."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from drafting.cli import common
from drafting.cli.common import JsonOpt, app, print_counts, print_json


@app.command()
def parse(file: Path, as_json: JsonOpt = False) -> None:
    """Parse an issue file (txt, md, docx, pdf, json, jsonl) into items."""
    from drafting.corpus import parse_file

    issue = parse_file(file)
    if as_json:
        print_json({"issue": issue.id, "items": [i.model_dump(exclude={"issue"}) for i in issue.items], "problems": issue.problems})
        return
    for it in issue.items:
        typer.echo(f"[{it.section}] {it.date or '近日'}  {it.title}" + ("  (短评)" if it.commentary else ""))
    for p in issue.problems:
        typer.echo(f"注意：{p}", err=True)
    typer.echo(f"{len(issue.items)} items")


@app.command()
def ingest(paths: Annotated[list[Path] | None, typer.Argument()] = None, as_json: JsonOpt = False) -> None:
    """Add issue files to the corpus (default: re-read corpus/) and update the index."""
    services = common.services()
    issues, stats = services.ingest(paths or None, progress=not as_json)
    items = [i for iss in issues for i in iss.items]
    counts = {
        "issues": len(issues),
        "items": len(items),
        "commentaries": sum(1 for i in items if i.commentary),
        "indexed": services.index.count(),
        **stats.model_dump(),
    }
    print_counts(counts, as_json)


@app.command()
def search(
    text: str,
    k: Annotated[int, typer.Option("-k", help="number of precedents")] = 5,
    section: Annotated[str | None, typer.Option(help="政策速递 | 行业新闻 | 交易资讯")] = None,
    date_from: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    with_commentary: Annotated[bool | None, typer.Option("--with-commentary/--any", help="only items with a 短评")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Rank the corpus's precedents for a new item's text."""
    from drafting.errors import ValidationError
    from drafting.index.search import check_search
    from drafting.models import SECTIONS, SearchFilters

    if section and section not in SECTIONS:
        raise ValidationError(f"--section {section!r} 无效：可选 {' | '.join(SECTIONS)}")
    filters = SearchFilters(section=section, date_from=date_from, date_to=date_to, has_commentary=with_commentary)  # type: ignore[arg-type]
    check_search(k, filters)  # bad -k or dates fail here, in Chinese, before the model loads
    from drafting.corpus.profile import query_profile

    profile = query_profile(text, section)
    result = common.services().retriever.search_profiled(text, profile, k, filters, section=section)
    if as_json:
        from drafting.jsonshape import search_json

        print_json(search_json(text, result, profile))
        return
    if result.precedent_gap:
        typer.echo(f"注意：语料库中没有与该条目同类（{profile.kind}，{profile.stance}）且带短评的先例", err=True)
    for d in result.duplicates:
        typer.echo(f"重复：语料库中已有此条目 —— {d.item.title}（{d.item.date or '近日'}）")
    for n, p in enumerate(result.precedents, 1):
        why = f"dense #{p.dense_rank or '-'} lexical #{p.lexical_rank or '-'}"
        typer.echo(f"{n}. {p.score:.4f}  [{p.item.section}] {p.item.date or '近日'} {p.item.title}  ({why})")


@app.command()
def reindex(
    from_scratch: Annotated[bool, typer.Option("--from-scratch", help="drop this model's collection and re-embed everything")] = False,
    from_path: Annotated[Path | None, typer.Option("--from-path", help="reuse vectors of an embedded index folder (e.g. data/chroma) when moving to a server")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Build or move the configured index (embedded or server) from the corpus files."""
    from drafting.maintenance import reindex as run_reindex

    services = common.services()
    report = run_reindex(services, from_scratch=from_scratch, from_path=from_path, progress=not as_json)
    counts = {k: v for k, v in report.model_dump().items() if k != "stats"} | report.stats.model_dump()
    print_counts(counts, as_json)


@app.command()
def check(
    repair: Annotated[bool, typer.Option("--repair", help="re-save lost accepts and sync the index to the corpus")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Report drift between corpus files, index and draft store (missing, stale, changed ids); exit 2 if unrepaired."""
    from drafting.maintenance import check as run_check

    report = run_check(common.services(), repair=repair)
    if as_json:
        print_json({**report.model_dump(), "ok": report.ok})
    else:
        typer.echo(report.summary())
        for label, ids in (("缺少", report.missing), ("多出", report.stale), ("已变", report.changed)):
            for rid in ids[:20]:
                typer.echo(f"  {label} {rid}")
        for draft_id in report.accepted_differs[:20]:
            typer.echo(f"  已采纳草稿 #{draft_id} 的文字与语料库不同")
    if (not report.ok and (not report.repaired or report.unreadable)) or report.accepted_differs:
        raise typer.Exit(2)

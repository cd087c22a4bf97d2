"""Command line: every capability as a command, each with --json. The only module that imports typer."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from drafting.errors import DraftingError
from drafting.settings import Settings

logger = logging.getLogger(__name__)

app = typer.Typer(
    help="植德 newsletter drafting: corpus, precedent search, 短评 drafting.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # main() turns DraftingError into one clear line
)
eval_app = typer.Typer(help="Evaluate retrieval and drafting on the corpus.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output")]


def _services():  # noqa: ANN202 - imported lazily so `drafting --help` stays fast
    from drafting.services import build_services

    return build_services(Settings())


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@app.command()
def parse(file: Path, as_json: JsonOpt = False) -> None:
    """Parse an issue file (txt, md, docx, pdf, json, jsonl) into items."""
    from drafting.corpus import parse_file

    issue = parse_file(file)
    if as_json:
        _print_json({"issue": issue.id, "items": [i.model_dump(exclude={"issue"}) for i in issue.items], "problems": issue.problems})
        return
    for it in issue.items:
        typer.echo(f"[{it.section}] {it.date or '近日'}  {it.title}" + ("  (短评)" if it.commentary else ""))
    for p in issue.problems:
        typer.echo(f"注意：{p}", err=True)
    typer.echo(f"{len(issue.items)} items")


@app.command()
def ingest(paths: Annotated[Optional[list[Path]], typer.Argument()] = None, as_json: JsonOpt = False) -> None:
    """Add issue files to the corpus (default: re-read corpus/) and update the index."""
    services = _services()
    issues, stats = services.ingest(paths or None, progress=not as_json)
    items = [i for iss in issues for i in iss.items]
    counts = {
        "issues": len(issues),
        "items": len(items),
        "commentaries": sum(1 for i in items if i.commentary),
        "indexed": services.index.count(),
        **stats.model_dump(),
    }
    if as_json:
        _print_json(counts)
    else:
        typer.echo("，".join(f"{k} {v}" for k, v in counts.items()))


@app.command()
def search(
    text: str,
    k: Annotated[int, typer.Option("-k", help="number of precedents")] = 5,
    section: Annotated[Optional[str], typer.Option(help="政策速递 | 行业新闻 | 交易资讯")] = None,
    date_from: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD")] = None,
    date_to: Annotated[Optional[str], typer.Option(help="YYYY-MM-DD")] = None,
    with_commentary: Annotated[Optional[bool], typer.Option("--with-commentary/--any", help="only items with a 短评")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Rank the corpus's precedents for a new item's text."""
    from drafting.models import SearchFilters

    filters = SearchFilters(section=section, date_from=date_from, date_to=date_to, has_commentary=with_commentary)  # type: ignore[arg-type]
    result = _services().retriever.search(text, k=k, filters=filters)
    if as_json:
        def row(p):  # noqa: ANN001, ANN202
            return {
                "id": p.item.id, "title": p.item.title, "section": p.item.section, "date": p.item.date,
                "score": round(p.score, 6), "commentary": p.item.commentary, "sources": p.item.sources,
                "dense_rank": p.dense_rank, "lexical_rank": p.lexical_rank,
                "dense_score": p.dense_score, "lexical_score": p.lexical_score,
            }
        _print_json({"query": text, "results": [row(p) for p in result.precedents], "duplicates": [row(p) for p in result.duplicates]})
        return
    for d in result.duplicates:
        typer.echo(f"重复：语料库中已有此条目 —— {d.item.title}（{d.item.date or '近日'}）")
    for n, p in enumerate(result.precedents, 1):
        why = f"dense #{p.dense_rank or '-'} lexical #{p.lexical_rank or '-'}"
        typer.echo(f"{n}. {p.score:.4f}  [{p.item.section}] {p.item.date or '近日'} {p.item.title}  ({why})")


@app.command()
def serve() -> None:
    """Run the editor's web page (same as `python app.py`)."""
    from drafting.ui import serve as serve_ui

    serve_ui(Settings())


def main() -> None:
    """Entry point: user-facing errors as one clear line, the traceback only in the log."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except DraftingError as exc:
        logger.debug("command failed", exc_info=True)
        typer.echo(f"错误：{exc}", err=True)
        sys.exit(1)

"""What every command shares: the typer app, the --json option, the app's parts, JSON output.

``services()`` is looked up on this module at call time (``common.services()``) so tests can hand commands their own.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from drafting.settings import Settings

if TYPE_CHECKING:
    from drafting.services import Services

app = typer.Typer(
    help="植德 newsletter drafting: corpus, precedent search, 短评 drafting.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # main() turns DraftingError into one clear line
)
eval_app = typer.Typer(help="Evaluate retrieval and drafting on the corpus.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable output")]
MAX_VARIANTS = 5  # DraftRequest.variants allows 1..5


def services() -> Services:
    """The app's parts, built from the settings (environment and .env)."""
    from drafting.services import build_services  # chromadb and langchain load only for commands that use them

    return build_services(Settings())


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def print_counts(counts: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(counts)
    else:
        typer.echo("，".join(f"{k} {v}" for k, v in counts.items()))

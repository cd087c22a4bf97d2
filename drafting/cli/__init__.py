"""Command line: every capability as a command, each with --json. The only package that imports typer.

Commands by area: corpus_cmds.py (corpus, index, search), draft_cmds.py (draft, fetch), issue_cmds.py (batch, issues),
evals.py, sources_eval.py, guard.py, word.py, learning.py; common.py holds the app and what they share.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

# Each command module registers its commands on `app` when imported.
from drafting.cli import (  # noqa: F401
    corpus_cmds,
    draft_cmds,
    evals,
    inbox,
    issue_cmds,
    learning,
    sources_eval,
    watch,
    watch_eval,
    word,
)
from drafting.cli import guard as _guard  # noqa: F401  (drafting guard, drafting eval guard)
from drafting.cli.common import app
from drafting.errors import DraftingError
from drafting.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["app", "main"]


@app.command()
def serve(
    host: Annotated[str | None, typer.Option("--host", help="bind address (default DRAFTING_SERVER__HOST, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option("--port", min=1, max=65535, help="port (default DRAFTING_SERVER__PORT, 7860)")] = None,
) -> None:
    """Run the editor's web page and the JSON API (same as `python app.py`)."""
    from drafting.ui import serve as serve_ui

    settings = Settings()
    # Flags win over the environment and .env; the rest of the settings stay as configured.
    if host is not None:
        settings.server.host = host
    if port is not None:
        settings.server.port = port
    serve_ui(settings)


def quiet_third_party_logs() -> None:
    """jieba logs its dictionary loading at DEBUG through its own stderr handler: keep that out of CLI output."""
    logging.getLogger("jieba").setLevel(logging.WARNING)
    import jieba

    jieba.setLogLevel(logging.WARNING)


def main() -> None:
    """Entry point: user-facing errors as one clear line, the traceback only in the log."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    quiet_third_party_logs()
    from drafting.redact import install_log_redaction

    install_log_redaction()  # a provider's error text may echo the API key: masked in every log line
    try:  # typer vendors click in recent versions; older ones use click itself
        from typer._click.exceptions import ClickException, UsageError
    except ImportError:  # pragma: no cover - depends on the installed typer
        from click.exceptions import ClickException, UsageError  # type: ignore[assignment]

    try:
        # standalone_mode=False: click's English usage errors reach us and are said in Chinese below
        code = app(standalone_mode=False)
    except DraftingError as exc:
        logger.debug("command failed", exc_info=True)
        typer.echo(f"错误：{exc}", err=True)
        sys.exit(1)
    except UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "drafting"
        typer.echo(f"错误：命令参数有误（{exc.format_message()}）；运行 {command} --help 查看用法", err=True)
        sys.exit(2)
    except ClickException as exc:
        typer.echo(f"错误：{exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("已取消", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)

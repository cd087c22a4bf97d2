"""`drafting guard` (check a hand-written 短评 against its item) and `drafting eval guard` (the planted-error set)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from drafting.cli.common import JsonOpt, app, eval_app, print_json
from drafting.corpus.profile import profile_of
from drafting.errors import ValidationError

# Exit status of `drafting guard`: 0 nothing found, 3 findings (1 and 2 stay errors and usage, as everywhere).
EXIT_FINDINGS = 3


def _read(path: str, what: str) -> str:
    if path == "-":
        return sys.stdin.read()
    p = Path(path)
    if not p.is_file():
        raise ValidationError(f"找不到{what} {p}：请检查路径，或用 - 从标准输入读取")
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{what} {p} 不是 UTF-8 文本：请另存为 UTF-8 后重试") from exc


@app.command("guard")
def guard_command(
    item_json: Annotated[str, typer.Argument(help="item JSON (section, title, date, body, sources) the 短评 comments on; - = stdin")],
    commentary: Annotated[str, typer.Option("--commentary", help="file holding the 短评 to check (UTF-8 text); - = stdin")],
    as_json: JsonOpt = False,
) -> None:
    """Fact-check a 短评 against its item: names, numbers, dates, titles, fragments, wrong document or issuer.

    Exit status: 0 when nothing is found, 3 when there are findings, 1 on bad input.
    """
    from drafting.settings import Settings
    from drafting.writing.guard.check import check, format_findings
    from drafting.writing.service import request_from_input

    if item_json == "-" and commentary == "-":
        raise ValidationError("条目 JSON 与短评不能同时从标准输入读取：请把其中之一写入文件")
    item_text = _read(item_json, "条目文件")
    try:
        json.loads(item_text)
    except json.JSONDecodeError as exc:  # said here: request_from_input's hint (--raw) is for `drafting draft`
        raise ValidationError(f"条目文件不是有效的 JSON（第 {exc.lineno} 行：{exc.msg}）：需要 {{section, title, date, body, sources}}") from exc
    item = request_from_input(item_text, raw=False, source="条目文件").item
    text = _read(commentary, "短评文件").strip()
    if not text:
        raise ValidationError("短评文件为空：请提供要核查的短评文字")
    assert item is not None  # request_from_input(raw=False) always carries the item
    findings = check(text, item, Settings().guard, profile=profile_of(item))
    if as_json:
        print_json({"findings": [{"kind": f.kind, "text": f.text, "span": list(f.span) if f.span else None, "message": f.message}
                                  for f in findings]})
    else:
        typer.echo(format_findings(findings))
    if findings:
        raise typer.Exit(EXIT_FINDINGS)


@eval_app.command("guard")
def eval_guard(
    data: Annotated[Path | None, typer.Option(help="labelled JSONL (default tests/data/guard_eval.jsonl)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Fact-check recall per planted kind and the false-alarm rate on clean 短评."""
    from drafting.evaluation.guard import DEFAULT_GUARD_EVAL_PATH, evaluate_guard, load_guard_cases

    report = evaluate_guard(load_guard_cases(data or DEFAULT_GUARD_EVAL_PATH))
    if as_json:
        print_json(report.as_json())
        return
    typer.echo(report.table())

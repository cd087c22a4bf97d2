"""`drafting batch` and `drafting issues`: a whole issue drafted at once, and issues in progress."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from drafting.cli import common
from drafting.cli.common import JsonOpt, app, print_json


@app.command()
def batch(
    items_file: Annotated[Path, typer.Argument(help="item list: .json .jsonl .csv .xlsx .md .docx")],
    output: Annotated[Path, typer.Option("-o", "--output", help="the issue as Word (.docx)")],
    md: Annotated[Path | None, typer.Option("--md", help="also write the issue as Markdown")] = None,
    concurrency: Annotated[int | None, typer.Option(help="drafts at once (default settings.batch.concurrency)")] = None,
    rpm: Annotated[int | None, typer.Option(help="requests per minute to the provider; 0 = unlimited")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="keep drafts already finished for this list")] = False,
    offline: Annotated[bool, typer.Option("--offline", help="use the offline drafter")] = False,
    all_sections: Annotated[bool, typer.Option("--all-sections", help="a 短评 for every item, not only 政策速递")] = False,
    publish: Annotated[bool, typer.Option("--publish", help="issue is final: add it to the corpus and index")] = False,
    title: Annotated[str | None, typer.Option(help="issue title (default: as stored for this issue, else 元宇宙/Web3 月刊)")] = None,
    period: Annotated[str | None, typer.Option(help='e.g. "2023年第10期" (default: from the items\' dates)')] = None,
    editors: Annotated[str | None, typer.Option(help="本期执行编辑 (default: prompts/issue_closing.md)")] = None,
    batch_id: Annotated[str | None, typer.Option(help="issue-in-progress id (default: from the list's name and content; see drafting issues)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Draft a whole issue from an item list and export it as DOCX (and Markdown)."""
    from tqdm import tqdm

    from drafting.errors import ValidationError
    from drafting.export import export_docx, export_markdown
    from drafting.issues.batch_input import prepare_sources, read_items
    from drafting.issues.batch_report import BatchProgress
    from drafting.issues.publish import publish_issue, run_batch

    services = common.services()
    items = read_items(items_file)
    items = prepare_sources(items, services.settings.sources, services.settings.sources_cache_path)  # rows given as a link
    for p in items.errors:
        typer.echo(f"跳过 {p}", err=True)
    bar = tqdm(total=len(items.entries), desc="起草", unit="条", disable=as_json, file=sys.stderr)

    def tick(p: BatchProgress) -> None:
        bar.n = p.done + p.failed
        bar.set_postfix(失败=p.failed, refresh=False)
        bar.refresh()

    try:
        report = run_batch(
            services, items, concurrency=concurrency, rpm=rpm, resume=resume, offline=offline,
            all_sections=all_sections, progress=tick, batch_id=batch_id,
        )
    finally:
        bar.close()
    # The run is an issue in progress: edits made in the page are in it; options given here are stored with it.
    review = services.reviews.set_meta(report.batch_id, title=title, period=period, editors=editors)
    issue = review.assemble(services.settings.prompts_dir)
    export_docx(issue, output)
    if md:
        export_markdown(issue, md)
    published = None
    if publish:
        if not report.complete:
            raise ValidationError(f"还有 {len(report.results) - report.count('done')} 条未完成，不能发布：请先用 --resume 补齐")
        # Running with --publish is the editor marking the issue final: every 短评 counts as accepted.
        published = str(publish_issue(services, review, every_commentary=True))
    summary = {**report.summary(), "issue": issue.heading, "docx": str(output), "md": str(md) if md else None, "published": published}
    if as_json:
        print_json(summary)
    else:
        for line in summary["duplicates"]:
            typer.echo(f"重复：{line}", err=True)
        for line in summary["failures"]:
            typer.echo(f"失败：{line}", err=True)
        for line in summary["precedent_gaps"]:
            typer.echo(f"注意：{line}", err=True)
        if report.stopped:
            typer.echo(f"已停止：{report.stopped}", err=True)
        typer.echo(
            f"{issue.heading}：完成 {summary['done']}/{summary['total']} 条（续用 {summary['resumed']}，失败 {summary['failed']}，"
            f"未开始 {summary['pending']}），跳过 {len(summary['rejected_rows'])} 行；已导出 {output}" + (f"、{md}" if md else "")
            + (f"；已发布到 {published}" if published else "")
        )
    if not report.complete:
        if not as_json:
            typer.echo("本期不完整：修复后运行同一命令加 --resume，只起草未完成的条目。", err=True)
        raise typer.Exit(2)


@app.command()
def issues(
    issue_id: Annotated[str | None, typer.Argument(help="one issue's id (default: every issue in progress)")] = None,
    history: Annotated[bool, typer.Option("--history", help="with an id: who changed what, before and after")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Issues in progress (batch runs from the page or the CLI): items, review states, versions, who edited."""
    from drafting.issues.in_progress import ACTION_LABELS

    reviews = common.services().reviews
    found = [reviews.get_issue(issue_id)] if issue_id else reviews.list_issues()
    audit = reviews.history(issue_id=issue_id) if (issue_id and history) else []
    if as_json:
        data: dict[str, Any] = {"issues": [i.to_json() for i in found]}
        if audit:
            data["history"] = [a.model_dump() for a in audit]
        print_json(data)
        return
    if not found:
        typer.echo("还没有进行中的期刊：用 drafting batch 或「批量」页开始一期。")
    for issue in found:
        states: dict[str, int] = {}
        for it in issue.items:
            states[it.state_label] = states.get(it.state_label, 0) + 1
        period = issue.period or f"（未填，建议 {issue.suggested_period or '—'}）"
        done = "，已发布" if issue.published_at else ""
        typer.echo(f"{issue.id}  {issue.title} {period}  {len(issue.items)} 条（"
                   + "，".join(f"{k} {v}" for k, v in states.items()) + f"）{done}")
        if issue_id:
            for n, it in enumerate(issue.items, 1):
                typer.echo(f"  {n:>2}. #{it.draft_id} [{it.section}] {it.title[:30]}  {it.state_label}"
                           f"{' · 采纳短评' if it.ticked else ''}  v{it.version}  {it.updated_by or ''}")
            for it in issue.removed:  # kept, restorable: drafting restore-item
                typer.echo(f"  已移出 #{it.draft_id} [{it.section}] {it.title[:30]}  {it.removed_by or ''}")
    for a in audit:
        typer.echo(f"  {a.at[:19]} {a.actor} {ACTION_LABELS.get(a.action, a.action)} #{a.draft_id or ''}")

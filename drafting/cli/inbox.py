"""`drafting inbox`: what the watch found, most relevant first; `inbox add` puts an entry into an issue in progress."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from drafting.cli import common
from drafting.cli.common import JsonOpt, app, print_json

inbox_app = typer.Typer(help="The inbox: entries the watch found (drafting watch run), and 加入本期 / 忽略 / 稍后.",
                        invoke_without_command=True)
app.add_typer(inbox_app, name="inbox")

def _store(services: Any) -> Any:
    from drafting.watch.inbox import open_store

    return open_store(services.settings)


@inbox_app.callback()
def inbox(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(help="new | held (already in the corpus or an issue) | later | ignored | added | all")] = "new",
    limit: Annotated[int, typer.Option(min=1, max=5000, help="at most this many entries")] = 200,
    as_json: JsonOpt = False,
) -> None:
    """List the inbox: relevance, date, source, section, the reason for the score, duplicates."""
    if ctx.invoked_subcommand is not None:
        return
    from drafting.errors import ValidationError
    from drafting.watch.inbox import STATUS_LABELS, VIEWS, inbox_json, min_relevance

    if status not in VIEWS:
        raise ValidationError(f"--status「{status[:20]}」无效：可用 {' | '.join(VIEWS)}")
    services = common.services()
    data = inbox_json(_store(services), view=status, limit=limit,  # type: ignore[arg-type]
                      min_relevance=min_relevance(services.settings))
    if as_json:
        print_json(data)
        return
    entries = data["entries"]
    if not entries:
        typer.echo("收件箱中没有条目：先用 drafting watch add 添加关注的网站，再运行 drafting watch run。"
                   if status == "new" else f"没有状态为「{STATUS_LABELS.get(status, status)}」的条目。")
    for e in entries:
        dup = f"  [已有：{e['duplicate_of']}]" if e["duplicate_of"] else ""
        where = f"  → {e['issue_id']}" if e["issue_id"] else ""
        typer.echo(f"{e['id']}  {e['relevance']:.2f}  {e['published'] or '日期不详'}  [{e['section'] or '未定栏目'}]  "
                   f"{e['title'][:40]}{dup}{where}")
        typer.echo(f"    {e['reason']}  {'、'.join(e['sources'])}  {e['url']}")
    typer.echo(f"新的相关条目：{data['count_new']} 条（相关度 ≥ {data['min_relevance']:g}）")


@inbox_app.command("add")
def add(
    entry_id: Annotated[str, typer.Argument(help="an entry id from `drafting inbox`")],
    issue: Annotated[str, typer.Option("--issue", help="the issue in progress (see `drafting issues`); a new id starts one")],
    offline: Annotated[bool, typer.Option("--offline", help="offline drafter even when a model is configured")] = False,
    as_json: JsonOpt = False,
) -> None:
    """加入本期: the entry becomes a raw row of the issue (its link kept as the 来源), drafted like any batch row."""
    from drafting.issues.batch_input import prepare_sources
    from drafting.issues.publish import run_batch
    from drafting.watch.inbox import add_to_issue

    services = common.services()
    settings = services.settings
    added = add_to_issue(
        _store(services), services.reviews, entry_id, issue,
        run=lambda batch, iid: run_batch(services, batch, batch_id=iid, resume=True, offline=offline, prefetch=False),
        prepare=lambda batch: prepare_sources(batch, settings.sources, settings.sources_cache_path, workers=1),
    )
    if as_json:
        print_json(added.to_json())
        return
    if added.again:
        typer.echo(f"「{added.title[:40]}」已在期刊 {added.issue_id} 中（草稿 #{added.draft_id}），未重复加入。")
    else:
        typer.echo(f"已加入期刊 {added.issue_id}：草稿 #{added.draft_id}「{added.title[:40]}」，来源 {'、'.join(added.sources)}")
    if added.note:
        typer.echo(f"注意：{added.note}", err=True)


def _decide(entry_id: str, status: str, as_json: bool) -> None:
    from drafting.watch.inbox import STATUS_LABELS, decide, entry_json

    entry = decide(_store(common.services()), entry_id, status)  # type: ignore[arg-type]
    if as_json:
        print_json(entry_json(entry))
    else:
        typer.echo(f"{entry.id}「{entry.title[:40]}」：{STATUS_LABELS[entry.status]}")


@inbox_app.command("ignore")
def ignore(entry_id: Annotated[str, typer.Argument(help="an entry id")], as_json: JsonOpt = False) -> None:
    """忽略: not for the newsletter (remembered; triage learns from it)."""
    _decide(entry_id, "ignored", as_json)


@inbox_app.command("later")
def later(entry_id: Annotated[str, typer.Argument(help="an entry id")], as_json: JsonOpt = False) -> None:
    """稍后: keep for a later look (off the new list, remembered)."""
    _decide(entry_id, "later", as_json)


@inbox_app.command("restore")
def restore(entry_id: Annotated[str, typer.Argument(help="an entry id")], as_json: JsonOpt = False) -> None:
    """Put an ignored or postponed entry back among the new ones."""
    _decide(entry_id, "new", as_json)

"""`drafting watch add/list/remove/run`: the watch list kept with the corpus, and one run over it (for cron)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import typer

from drafting.cli.common import JsonOpt, app, print_json
from drafting.errors import ValidationError
from drafting.settings import Settings
from drafting.watch import watchlist
from drafting.watch.entry import RawEntry, Scored
from drafting.watch.run import RunReport, Triage
from drafting.watch.schedule import BUSY, run_watch
from drafting.watch.store import WatchStore

watch_app = typer.Typer(help="Watch regulators and news sites: the watch list and one polling run (for cron).",
                        no_args_is_help=True)
app.add_typer(watch_app, name="watch")


def _triage(settings: Settings) -> Triage:
    """The relevance triage of new entries, from the app's parts (the precedent index, the corpus, issues in progress)."""
    from drafting.services import build_services  # the index and embedder load only when a run has new entries

    built: list[Triage] = []

    def triage(entries: Sequence[RawEntry]) -> list[Scored]:
        if not built:
            built.append(build_services(settings).watch_triage())
        return built[0](entries)

    return triage


@watch_app.command("add")
def add_command(
    url: Annotated[str, typer.Argument(help="the feed's or list page's URL")],
    feed: Annotated[bool, typer.Option("--feed", help="an RSS/Atom feed (the default)")] = False,
    selector: Annotated[str | None, typer.Option("--selector", help="list page: CSS for one entry (its first link)")] = None,
    date_selector: Annotated[str | None, typer.Option("--date-selector", help="list page: CSS for the date inside an entry")] = None,
    every: Annotated[str, typer.Option("--every", help="how often to poll: 30m, 6h, 1d")] = "6h",
    name: Annotated[str | None, typer.Option("--name", help="the name shown in the inbox")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="when the page's declared charset is wrong, e.g. gb18030")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a feed, or a list page with --selector, to the watch list (<corpus>/watch.toml)."""
    if feed and selector:
        raise ValidationError("--feed 与 --selector 只能选一个：订阅用 --feed，列表页用 --selector 指定条目")
    settings = Settings()
    source = watchlist.add(settings.watch_list_file, url, kind="list" if selector else "feed", selector=selector,
                           date_selector=date_selector, every=every, name=name, encoding=encoding)
    if as_json:
        print_json({"id": source.id, "name": source.name, "url": source.url, "kind": source.kind,
                     "every": watchlist.format_every(source.every_seconds)})
    else:
        typer.echo(f"已加入关注列表：{source.id}（{source.name}，每 {watchlist.format_every(source.every_seconds)} 读取一次）"
                   f" → {settings.watch_list_file}")


@watch_app.command("remove")
def remove_command(source_id: Annotated[str, typer.Argument(help="the source's id (see drafting watch list)")]) -> None:
    """Take a source off the watch list (entries it found stay in the inbox)."""
    settings = Settings()
    watchlist.remove(settings.watch_list_file, source_id)
    typer.echo(f"已从关注列表移除：{source_id}")


@watch_app.command("list")
def list_command(as_json: JsonOpt = False) -> None:
    """The watch list with each source's state: verified, last run, last error, next due."""
    settings = Settings()
    sources = watchlist.load(settings.watch_list_file)
    store = WatchStore(settings.watch_db_path)
    rows = []
    for s in sources:
        state = store.source_state(s.id)
        rows.append({"id": s.id, "name": s.name, "url": s.url, "kind": s.kind, "selector": s.selector,
                     "every": watchlist.format_every(s.every_seconds), "enabled": s.enabled,
                     "verified": s.verified or state.last_ok is not None,
                     "last_polled": state.last_polled.isoformat() if state.last_polled else None,
                     "next_due": state.next_due.isoformat() if state.next_due else None,
                     "failures": state.failures, "last_error": state.last_error})
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo(f"关注列表为空：用 drafting watch add 网址 添加来源，或编辑 {settings.watch_list_file}"
                   "（第一次添加时会写入带注释的监管机构预设）")
        return
    for r in rows:
        mark = "已验证" if r["verified"] else "未验证"
        health = "暂停" if not r["enabled"] else (f"失败 {r['failures']} 次：{r['last_error']}" if r["failures"] else "正常")
        typer.echo(f"{r['id']}\t{r['name']}\t{r['kind']}\t每 {r['every']}\t{mark}\t{health}\t{r['url']}")


def _print_report(report: RunReport) -> None:
    for e in report.new:
        day = e.published.isoformat() if e.published else "日期不详"
        dup = f"（已有：{e.scored.duplicate_of}）" if e.scored.duplicate_of else ""
        typer.echo(f"新 {e.id}\t{e.scored.relevance:.2f}\t{day}\t{e.title}{dup}\t{e.url}")
    for source, message in report.errors:
        typer.echo(f"错误 {source}：{message}", err=True)
    extra = f"，{len(report.deferred)} 个来源超过本次页数上限，留待下次" if report.deferred else ""
    typer.echo(f"本次读取 {len(report.polled) + len(report.unchanged)} 个来源（{len(report.unchanged)} 个未更新），"
               f"新条目 {len(report.new)} 条，出错 {len(report.errors)} 个来源{extra}")


@watch_app.command("run")
def run_command(
    all_sources: Annotated[bool, typer.Option("--all", help="poll every source now, due or not")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Poll the due sources once (for cron or a systemd timer); exit 0 even when some sources failed (they are listed)."""
    settings = Settings()
    if not as_json and not watchlist.load(settings.watch_list_file):
        typer.echo(f"关注列表为空：用 drafting watch add 网址 添加来源，或编辑 {settings.watch_list_file}")
        return
    report = run_watch(settings, _triage(settings), force=all_sources)
    if report is None:
        if as_json:
            print_json({"new": [], "errors": [], "skipped": BUSY})
        else:
            typer.echo(BUSY)
        return
    if as_json:
        print_json(report.to_json())
    else:
        _print_report(report)

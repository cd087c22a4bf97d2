"""Command line: every capability as a command, each with --json. The only package that imports typer.

Commands by area: this module (corpus, search, drafting, batch, issues, index, serve), evals.py, word.py, learning.py.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

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
MAX_VARIANTS = 5  # DraftRequest.variants allows 1..5


def _services():
    from drafting.services import build_services

    return build_services(Settings())


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def print_counts(counts: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(counts)
    else:
        typer.echo("，".join(f"{k} {v}" for k, v in counts.items()))


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
    result = _services().retriever.search_profiled(text, profile, k, filters, section=section)
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
    from drafting.issues import batch as batch_mod
    from drafting.issues.batch_input import prepare_sources, read_items

    services = _services()
    items = read_items(items_file)
    items = prepare_sources(items, services.settings.sources, services.settings.sources_cache_path)  # rows given as a link
    for p in items.errors:
        typer.echo(f"跳过 {p}", err=True)
    bar = tqdm(total=len(items.entries), desc="起草", unit="条", disable=as_json, file=sys.stderr)

    def tick(p: batch_mod.BatchProgress) -> None:
        bar.n = p.done + p.failed
        bar.set_postfix(失败=p.failed, refresh=False)
        bar.refresh()

    try:
        report = batch_mod.run_batch(
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
        published = str(batch_mod.publish_issue(services, review, every_commentary=True))
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

    reviews = _services().reviews
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


@app.command()
def reindex(
    from_scratch: Annotated[bool, typer.Option("--from-scratch", help="drop this model's collection and re-embed everything")] = False,
    from_path: Annotated[Path | None, typer.Option("--from-path", help="reuse vectors of an embedded index folder (e.g. data/chroma) when moving to a server")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Build or move the configured index (embedded or server) from the corpus files."""
    from drafting.maintenance import reindex as run_reindex

    services = _services()
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

    report = run_check(_services(), repair=repair)
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


def _draft_json(d: Any) -> dict[str, Any]:
    """One Draft in the CLI's JSON shape (the same as the HTTP API's)."""
    from drafting.jsonshape import draft_json

    return draft_json(d)


@app.command()
def draft(
    file: Annotated[str | None, typer.Argument(help="item JSON (section, title, date, body, sources), or with --raw: text, a link, or the policy file (PDF/DOCX/image); - = stdin")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="input is raw text (policy document, news): draft the item first")] = False,
    variants: Annotated[int, typer.Option("--variants", help="drafts at temperatures around the configured one (1-5)")] = 1,
    offline: Annotated[bool, typer.Option("--offline", help="offline drafter even when a model is configured")] = False,
    section: Annotated[str | None, typer.Option(help="政策速递 | 行业新闻 | 交易资讯 (raw text: guessed when omitted)")] = None,
    model: Annotated[str | None, typer.Option(help="one of the configured models (DRAFTING_LLM__MODEL / __MODELS)")] = None,
    commentary: Annotated[bool, typer.Option("--commentary", help="with --raw: a 短评 for a news or deal text too")] = False,
    keep_titles: Annotated[bool | None, typer.Option("--keep-titles/--convert-titles", help="Traditional source: keep 《names》 as published (default settings.sources.keep_quoted_titles)")] = None,
    save: Annotated[bool, typer.Option("--save", help="store the draft like the page does (then `drafting accept DRAFT_ID`)")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Draft an item's 植德短评 (and, with --raw, the item itself) with precedents and fact-guard findings."""
    from drafting.corpus.profile import precedent_gap_message
    from drafting.errors import ValidationError
    from drafting.writing.guard.check import format_findings
    from drafting.writing.offline.drafter import OFFLINE_LABEL
    from drafting.writing.service import request_from_input

    if not 1 <= variants <= MAX_VARIANTS:
        raise ValidationError(f"--variants 应为 1 到 {MAX_VARIANTS} 之间的整数（当前 {variants}）")
    if file in (None, "-"):
        text, source, document = sys.stdin.read(), "标准输入", None
    else:
        text, source, document = _input_text(file, raw=raw, keep_titles=keep_titles)
    request = request_from_input(text, raw=raw, source=source, section=section, variants=variants, offline=offline, model=model,
                                 commentary=True if commentary else None)
    if raw and document is not None:
        request = request.model_copy(update={"document": document})  # the page's date and title, read at fetch time
    services = _services()
    drafter = services.drafter
    source_text = text if raw else None

    def stored(d: Any) -> int | None:
        return services.store.create(d, source_text=source_text) if save else None

    if as_json:
        finished = drafter.draft(request)
        draft_id = stored(finished[0]) if finished else None
        drafts = [_draft_json(d) for d in finished]
        out = drafts[0] if len(drafts) == 1 else {"variants": drafts}
        print_json(out | ({"draft_id": draft_id} if save else {}))
        return
    precedents: list[Any] = []
    for event in drafter.stream(request):
        if event.kind == "precedents":
            precedents = event.precedents
            for d in event.duplicates:
                typer.echo(f"重复：语料库中已有此条目 —— {d.item.title}（{d.item.date or '近日'}）")
        elif event.kind == "item" and event.item is not None:
            typer.echo(f"[{event.item.section}] {event.item.date or '近日'}  {event.item.title}\n{event.item.body}\n")
        elif event.kind == "variant":
            typer.echo(f"植德短评（草稿 {event.variant + 1}，{event.text}）：" if variants > 1 else f"植德短评（{event.text}）：")
        elif event.kind == "token":
            typer.echo(event.text, nl=False)
        elif event.kind == "done" and event.draft is not None:
            d = event.draft
            label = OFFLINE_LABEL if d.offline else f"{d.model} @ {d.temperature:g}"
            typer.echo(f"\n（{len(d.commentary)} 字，{label}，{d.prompt_version}）")
            if d.precedent_gap and d.profile is not None and d.commentary:
                typer.echo(f"⚠ {precedent_gap_message(d.profile)}")
            if not d.commentary and d.no_commentary:
                typer.echo(d.no_commentary.split("如需短评")[0].split("可点")[0] + "命令行加 --commentary 仍写短评。")
            typer.echo(format_findings(d.findings) + "\n")
            if save and event.variant == 0:
                typer.echo(f"已保存为草稿 #{stored(d)}：修改后用 drafting accept 采纳，或在「历史」页继续编辑。")
        elif event.kind == "error":
            raise DraftingError(event.error or "起草失败")
    if precedents:
        typer.echo("参考先例：")
        for n, p in enumerate(precedents, 1):
            typer.echo(f"  {n}. {p.score:.4f}  [{p.item.section}] {p.item.date or '近日'} {p.item.title}")


def _input_text(file: str, *, raw: bool, keep_titles: bool | None) -> tuple[str, str, Any]:
    """What `draft --raw` reads: a link fetched, a policy file (PDF, Word, scan) read, or a text file; Traditional → Simplified."""
    from drafting.sources.convert import for_drafting
    from drafting.sources.document import DOCUMENT_SUFFIXES, condense, read_document
    from drafting.sources.fetch import fetch as fetch_source
    from drafting.sources.fetch import is_url
    from drafting.writing.service import MAX_SOURCE_CHARS

    settings = Settings()
    path = Path(file)
    document = None
    if raw and is_url(file):
        fetched = fetch_source(file, settings.sources, cache_dir=settings.sources_cache_path)
        text, source, document = fetched.raw_text(), file, fetched.document
    elif not path.is_file():
        hint = "；网址请加 --raw" if is_url(file) else ""
        raise DraftingError(f"找不到输入文件 {path}：请检查路径，或用 - 从标准输入读取{hint}")
    elif raw and path.suffix.lower() in DOCUMENT_SUFFIXES and path.suffix.lower() not in (".txt", ".md"):
        doc = read_document(path, settings.sources)
        for line in doc.ocr:
            typer.echo(line, err=True)
        text, source = doc.text, str(path)
    else:
        text, source = path.read_text(encoding="utf-8"), str(path)
    if raw:
        keep = settings.sources.keep_quoted_titles if keep_titles is None else keep_titles
        text = condense(for_drafting(text, keep_quoted_titles=keep).text, MAX_SOURCE_CHARS)  # figures survive a long text
    return text, source, document


@app.command()
def fetch(
    url: Annotated[str, typer.Argument(help="a web page, PDF, Word or image link")],
    refresh: Annotated[bool, typer.Option("--refresh", help="fetch again even when the link is in the source cache")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Fetch a link: its main text, title, date, issuer and attachments (cached under the data folder)."""
    from drafting.sources.fetch import fetch as fetch_source

    settings = Settings()
    src = fetch_source(url, settings.sources, cache_dir=settings.sources_cache_path, refresh=refresh)
    if as_json:
        print_json(src.cli_json())
        return
    typer.echo(f"{src.title or '（无标题）'}\n日期：{src.date or '未知'}  发布机构：{src.issuer or '未知'}  编码：{src.charset or '-'}"
               + ("（缓存）" if src.cached else ""))
    typer.echo(f"\n{src.text}\n\n来源：{src.url}")
    for line in [*src.notes, *src.ocr]:
        typer.echo(line, err=True)
    for n, a in enumerate(src.attachments, 1):
        typer.echo(f"附件 {n}：{a.name}（{a.type}）{a.url}")


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


# --- learning from editors (#12): accept from scripts, edit statistics, house rules ---------------------------------

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


# The other command groups register themselves on `app` when imported (after everything above exists).
from drafting.cli import evals, learning, sources_eval, word  # noqa: F401
from drafting.cli import guard as _guard  # noqa: F401  (drafting guard, drafting eval guard)
from drafting.cli import inbox as _inbox  # noqa: F401  (drafting inbox, inbox add)
from drafting.cli import watch as _watch  # noqa: F401  (drafting watch add/list/remove/run)
from drafting.cli import watch_eval as _watch_eval  # noqa: F401  (drafting eval watch)

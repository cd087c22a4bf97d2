"""`drafting draft` and `drafting fetch`: one item and its 短评 from an item, a text, a file or a link."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from drafting.cli import common
from drafting.cli.common import MAX_VARIANTS, JsonOpt, app, print_json
from drafting.errors import DraftingError
from drafting.settings import Settings


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
    services = common.services()
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
            for dup in event.duplicates:
                typer.echo(f"重复：语料库中已有此条目 —— {dup.item.title}（{dup.item.date or '近日'}）")
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

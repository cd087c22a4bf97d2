"""`drafting eval sources`: how well each field of a source is read, per form (page, attachment, paste, PDF, Word, scan)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from drafting.cli.common import JsonOpt, eval_app, print_json
from drafting.errors import DraftingError
from drafting.settings import Settings


@eval_app.command("sources")
def eval_sources(
    forms: Annotated[str | None, typer.Option(help="comma-separated forms (html, attachment, paste, trad, mixed, pdf, docx, doc, wps, scan, photo)")] = None,
    docs: Annotated[str | None, typer.Option(help="comma-separated document ids (default: all of the set)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="every form, and OCR of every document (slow: seconds a page)")] = False,
    reader: Annotated[str | None, typer.Option(help="today | reader (default: both, when the document reader exists)")] = None,
    data: Annotated[Path | None, typer.Option(help="the labelled set (default tests/data/sources)")] = None,
    cache: Annotated[Path | None, typer.Option(help="rendered forms and OCR results (default <data_dir>/eval-sources)")] = None,
    failures: Annotated[bool, typer.Option("--failures", help="list every reading that missed a field")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Accuracy per field (title, issuers, dates, 文号, figure recall) per form, and OCR character accuracy."""
    from drafting.evaluation.source_pages import load_docs
    from drafting.evaluation.sources import (
        ALL_FORMS,
        DEFAULT_FORMS,
        OCR_SUBSET,
        READERS,
        evaluate_sources,
        format_table,
        reader_available,
    )

    chosen = [f.strip() for f in forms.split(",")] if forms else list(ALL_FORMS if all_ else DEFAULT_FORMS)
    unknown = [f for f in chosen if f not in ALL_FORMS]
    if unknown:
        raise DraftingError(f"未知的形式 {'、'.join(unknown)}：可选 {', '.join(ALL_FORMS)}")
    names = [reader] if reader else ["today", *(["reader"] if reader_available() else [])]
    if any(n not in READERS for n in names) or ("reader" in names and not reader_available()):
        raise DraftingError("--reader 只能是 today 或 reader（reader 需要 drafting.sources.reader 模块）")
    documents = load_docs(data)
    if docs:
        wanted = {d.strip() for d in docs.split(",")}
        documents = [d for d in documents if d.id in wanted]
    if not documents:
        raise DraftingError("没有可评测的样例文档：请检查 --data 与 --docs")
    start = time.monotonic()
    report = evaluate_sources(documents, chosen, readers={n: READERS[n] for n in names},
                              cache=cache or Settings().data_dir / "eval-sources",
                              ocr_docs={d.id for d in documents} if all_ else set(OCR_SUBSET))
    if as_json:
        print_json({**report.model_dump(mode="json", exclude={"failures"}),
                     "failures": [f.model_dump(mode="json") for f in report.failures] if failures else len(report.failures),
                     "documents": len(documents), "seconds": round(time.monotonic() - start, 1)})
        return
    for line in format_table(report):
        typer.echo(line)
    typer.echo(f"{len(documents)} documents, {time.monotonic() - start:.0f} s; OCR on "
               f"{'all documents' if all_ else 'the subset ' + ','.join(OCR_SUBSET)}")
    if failures:
        for f in report.failures:
            got = f.got.model_dump() if f.got else None
            missed = [k for k, v in f.fields.items() if v < 1]
            typer.echo(f"{f.reader:<7}{f.form:<11}{f.doc:<5} missed {','.join(missed) or '-'} "
                       f"figures {f.figures_found}/{f.figures_labelled} {f.error or ''} {got}")

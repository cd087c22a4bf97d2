"""Reading a batch's item list: the file (JSON/JSONL, CSV/XLSX, Markdown, DOCX notes) through its format's reader
(batch_readers.py) into validated rows (batch_rows.py), then the rows given only as a link fetched before the run.

Every row becomes a :class:`~drafting.issues.batch_rows.BatchEntry` (a structured item, or raw text whose item the
drafter writes first) or a :class:`~drafting.issues.batch_rows.RowProblem` naming its line/row and the reason in
Chinese; bad rows never stop the good ones.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from drafting.errors import SourceError, ValidationError
from drafting.issues.batch_readers import decode, read_csv, read_docx, read_json, read_jsonl, read_markdown, read_xlsx
from drafting.issues.batch_rows import BatchEntry, BatchInput, RowProblem, validate_rows
from drafting.settings import SourcesSettings
from drafting.sources.convert import for_drafting
from drafting.sources.document import condense
from drafting.sources.fetch import fetch
from drafting.writing.service import MAX_SOURCE_CHARS

SUFFIXES = (".json", ".jsonl", ".csv", ".xlsx", ".md", ".markdown", ".docx")


def read_items(path: Path) -> BatchInput:
    """Read and validate an item list; ValidationError only when the whole file is unreadable."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValidationError(f"{path.name}：不支持的文件类型 {suffix or '（无扩展名）'}，请使用 {'、'.join(SUFFIXES)}")
    if not path.is_file():
        raise ValidationError(f"{path}：文件不存在，请检查路径")
    if suffix == ".xlsx":
        rows = read_xlsx(path)
    elif suffix == ".docx":
        rows = read_docx(path)
    else:
        text = decode(path.read_bytes(), path)
        if suffix == ".json":
            rows = read_json(path, text)
        elif suffix == ".jsonl":
            rows = read_jsonl(path, text)
        elif suffix == ".csv":
            rows = read_csv(path, text)
        else:
            rows = read_markdown(text)
    return validate_rows(rows, source=str(path))


def prepare_sources(batch: BatchInput, settings: SourcesSettings, cache_dir: Path | None, *, workers: int = 4) -> BatchInput:
    """Rows given only as a link get the page's text (cached, each link once; a failed link becomes a row problem);
    Traditional raw texts are converted to Simplified for drafting."""
    def simplified(text: str) -> str:
        return for_drafting(text, keep_quoted_titles=settings.keep_quoted_titles).text

    def one(entry: BatchEntry) -> BatchEntry | RowProblem:
        if entry.raw_text:
            return entry.model_copy(update={"raw_text": simplified(entry.raw_text)})
        if not entry.link:
            return entry
        try:
            src = fetch(entry.link, settings, cache_dir=cache_dir)
        except SourceError as exc:
            return RowProblem(line=entry.line, reason=f"链接无法读取：{exc}")
        return entry.model_copy(update={"raw_text": condense(simplified(src.raw_text(with_date=True)), MAX_SOURCE_CHARS)})

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        done = list(pool.map(one, batch.entries))
    entries = [e for e in done if isinstance(e, BatchEntry)]
    problems = sorted([*batch.problems, *(p for p in done if isinstance(p, RowProblem))], key=lambda p: p.line)
    return batch.model_copy(update={"entries": entries, "problems": problems})

"""Entry points: any supported file or text → Issue."""

from __future__ import annotations

import logging
from pathlib import Path

from drafting.corpus import readers
from drafting.corpus.text import parse_blocks, text_to_blocks
from drafting.errors import ParseError
from drafting.models import Issue
from drafting.names import safe_stem
from drafting.sources import formats

logger = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".pdf", ".json", ".jsonl")


def parse_file(path: Path) -> Issue:
    """Parse an issue file (.txt .md .docx .pdf .json .jsonl) into an Issue; ParseError names the file."""
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise ParseError("文件不存在，请检查路径", path=name)
    if not path.is_file():
        raise ParseError("这是文件夹，不是文件；请指定具体的期刊文件", path=name)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise ParseError(f"不支持的文件类型「{path.suffix or '无扩展名'}」；支持 {' '.join(SUFFIXES)}", path=name)
    issue_id = safe_stem(path.stem)  # the id names a corpus file: never a path, never too long
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"无法读取文件：{exc.strerror}", path=name) from exc
    if not data.strip():
        raise ParseError("文件是空的", path=name)

    if suffix == ".docx":
        formats.check_zip(path)
        issue = parse_blocks(readers.docx_blocks(path), issue_id=issue_id, source_file=path.name, join_broken=False)
    elif suffix == ".pdf":
        if not data.startswith(b"%PDF"):
            raise ParseError("不是有效的 PDF 文件（文件头缺少 %PDF）；请重新导出 PDF", path=name)
        ocr_report: list[str] = []  # a scan is recognised (OCR); its per-page confidence joins the problems
        text = formats.pdf_text(path, ocr=True, report=ocr_report)
        try:
            issue = parse_text(text, issue_id=issue_id, source_file=path.name)
        except ParseError as exc:
            if not ocr_report:
                raise
            raise ParseError(f"扫描件经文字识别（OCR）后{exc.args[0].split('：', 1)[-1]}（{ocr_report[0]}）", path=name) from exc
        issue.problems[:0] = ocr_report
    elif suffix in (".json", ".jsonl"):
        text = formats.decode_text(data, name)
        issue = readers.json_issue(text, issue_id=issue_id, source_file=path.name, jsonl=suffix == ".jsonl")
        if not issue.items:
            raise ParseError("JSON 中没有任何条目", path=name)
        return issue
    elif suffix in (".md", ".markdown"):
        text = formats.decode_text(data, name)
        issue = parse_blocks(readers.markdown_blocks(text), issue_id=issue_id, source_file=path.name, join_broken=False)
    else:
        issue = parse_text(formats.decode_text(data, name), issue_id=issue_id, source_file=path.name)

    if not issue.items:
        raise ParseError(
            "没有识别出任何条目：请确认文件含有栏目标题（政策速递 / 行业新闻 / 交易资讯）和条目标题", path=name
        )
    for problem in issue.problems:
        logger.info("%s: %s", path.name, problem)
    return issue


def parse_text(text: str, *, issue_id: str, source_file: str | None = None) -> Issue:
    """Parse the plain text of a whole issue (as extracted from the PDF) into an Issue."""
    issue = parse_blocks(text_to_blocks(text), issue_id=issue_id, source_file=source_file)
    if not issue.items:
        raise ParseError(
            "没有识别出任何条目：请确认文本含有栏目标题（政策速递 / 行业新闻 / 交易资讯）和条目标题", path=source_file
        )
    return issue

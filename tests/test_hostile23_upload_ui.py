"""Issue #23, 15: a 25 MB past issue dropped on the 语料库 tab (limit 20 MB) — in headless Chromium against a real
`python app.py`. The editor reads one Chinese message naming the limit, not Gradio's English size error followed by
请先选择要上传的往期文件.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_ui_e2e import (  # noqa: F401 - browser and page are fixtures used by name
    AppProcess,
    Page,
    browser,
    expect,
    open_page,
    page,
    pytestmark,
    tab,
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    running = AppProcess(tmp_path_factory.mktemp("app_upload23"), {"DRAFTING_SERVER__MAX_UPLOAD_MB": "20"})
    running.start()
    yield running
    running.stop()


def test_oversized_upload_is_named_in_chinese(page: Page, app: AppProcess, tmp_path: Path) -> None:  # noqa: F811
    big = tmp_path / "2023年12月刊.txt"
    big.write_bytes(("# 政策速递\n\n## 某市印发方案\n\n" + "某市印发元宇宙方案。" * 50 + "\n").encode("utf-8") * 20_000)
    assert big.stat().st_size > 25_000_000
    open_page(page, app.url)
    tab(page, "语料库")
    page.locator("#dz-upload input[type=file]").set_input_files([str(big)])
    page.wait_for_timeout(3000)
    page.locator("#dz-ingest-btn").click()
    toasts = page.locator(".toast-message-text")  # the message; the English toast titles are hidden by the page's CSS
    expect(toasts.first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(2000)
    text = " ".join(toasts.all_inner_texts())
    print("toasts:", text)
    assert "20 MB" in text.replace("20MB", "20 MB") and "文件" in text, text
    for english in ("exceed", "maximum", "File", "size"):
        assert english not in text, text
    assert "请先选择要上传的往期文件" not in text, text  # the old, misleading follow-up
    assert not list((app.corpus / "issues").glob("2023年12月刊*"))

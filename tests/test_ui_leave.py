"""Nothing typed is lost (issue #25, point 5): the last keystrokes before the tab closes are saved, and leaving
while a save is pending asks first. A real app process and headless Chromium, as in test_ui_e2e."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from test_ui_e2e import HUBEI, AppProcess, box, browser, draft, open_page, page, wait_status  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAST_SENTENCE = "关闭前最后一句话。"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    running = AppProcess(tmp_path_factory.mktemp("app_leave"), {})
    running.start()
    yield running
    running.stop()


def reopened_commentary(browser: Any, app: AppProcess) -> str:  # noqa: F811 - the imported fixtures
    """The 短评 of the last pending draft, as a fresh tab offers it (继续编辑上次的草稿)."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    try:
        fresh = context.new_page()
        open_page(fresh, app.url)
        fresh.locator("#dz-resume-btn").click()
        fresh.locator("#dz-status").filter(has_text="已打开草稿").wait_for()
        return str(box(fresh, "dz-comm").input_value())
    finally:
        context.close()


def test_last_keystrokes_before_closing_are_saved(page: Any, browser: Any, app: AppProcess) -> None:  # noqa: F811 - the imported fixtures
    open_page(page, app.url)
    draft(page, HUBEI)
    comm = box(page, "dz-comm")
    start = comm.input_value()
    assert start and not start.endswith(LAST_SENTENCE)

    dialogs: list[str] = []

    def leave(dialog: Any) -> None:  # the editor answers the browser's leave-page question with 离开
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave)
    comm.click()
    comm.press("Control+End")
    comm.press_sequentially(LAST_SENTENCE, delay=25)  # typed key by key, as an editor does
    page.close(run_before_unload=True)  # within ~0.3 s of the last key
    page.wait_for_event("close", timeout=30_000)  # Playwright answers the dialog (if any) while waiting here
    # The server may still be writing what the closing tab sent: look again for a few seconds before failing.
    seen = ""
    for _ in range(4):
        seen = reopened_commentary(browser, app)
        if seen == start + LAST_SENTENCE:
            break
        time.sleep(2)
    assert seen == start + LAST_SENTENCE, f"saved only {seen[len(start):]!r} of {LAST_SENTENCE!r}"
    assert dialogs == ["beforeunload"], f"no leave-page warning while the save was pending: {dialogs}"


def test_no_warning_once_everything_is_saved(page: Any, app: AppProcess) -> None:  # noqa: F811 - the imported fixtures
    """The warning is for pending saves only: after 已自动保存 the tab closes without a question."""
    open_page(page, app.url)
    draft(page, HUBEI.replace("湖北", "湖南"))
    comm = box(page, "dz-comm")
    comm.click()
    comm.press("Control+End")
    comm.press_sequentially("已保存。", delay=25)
    wait_status(page, "已自动保存草稿")
    page.wait_for_function("() => window.__dzLeave && !window.__dzLeave.pending()", timeout=30_000)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))
    page.close(run_before_unload=True)
    page.wait_for_event("close", timeout=30_000)
    assert dialogs == []

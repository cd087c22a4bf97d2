"""Nothing typed in 批量 is lost either: the last keystrokes in a batch item's 植德短评 before the tab closes are saved
(as the 起草 editor's are, tests/test_ui_leave.py), and leaving while that save is pending asks first.
A real app process and headless Chromium, as in test_ui_e2e."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_ui_e2e import AppProcess, box, browser, open_page, page  # noqa: F401 - fixtures
from test_ui_review_e2e import items_xlsx, pick_row, run_batch_upload

from drafting.store import DraftStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAST_SENTENCE = "关闭前最后一句话。"
ITEM = "四川省正式出台元宇宙专项政策"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    running = AppProcess(tmp_path_factory.mktemp("app_batch_leave"), {})
    running.start()
    yield running
    running.stop()


def stored_commentary(app: AppProcess) -> str:
    """The 短评 the server holds for the batch item (read from the app's SQLite file, as a restart would)."""
    rows = [d for d in DraftStore(app.data / "drafting.sqlite3").list(limit=50) if ITEM in d.title]
    assert rows, f"no draft titled {ITEM}"
    return rows[0].commentary


def test_last_keystrokes_in_a_batch_item_before_closing_are_saved(page: Any, app: AppProcess, tmp_path: Path) -> None:  # noqa: F811
    open_page(page, app.url)
    run_batch_upload(page, items_xlsx(tmp_path), 4)
    pick_row(page, ITEM)
    comm = box(page, "dz-batch-commentary")
    start = comm.input_value()
    assert start and not start.endswith(LAST_SENTENCE)
    assert stored_commentary(app) == start

    dialogs: list[str] = []

    def leave(dialog: Any) -> None:  # the editor answers the browser's leave-page question with 离开
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave)
    comm.click()
    comm.press("Control+End")
    comm.press_sequentially(LAST_SENTENCE, delay=25)  # typed key by key, as an editor does
    page.close(run_before_unload=True)  # within ~0.3 s of the last key
    page.wait_for_event("close", timeout=30_000)
    # The server may still be writing what the closing tab sent: look again for a few seconds before failing.
    seen = ""
    for _ in range(5):
        seen = stored_commentary(app)
        if seen == start + LAST_SENTENCE:
            break
        time.sleep(2)
    assert seen == start + LAST_SENTENCE, f"saved only {seen[len(start):]!r} of {LAST_SENTENCE!r}"
    assert dialogs == ["beforeunload"], f"no leave-page warning while the save was pending: {dialogs}"

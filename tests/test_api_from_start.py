"""The JSON routes answer from the server's first response on: a script (cron, the closing-save beacon of a page
left open across a restart) that calls /api/v1 the moment the port opens gets an answer, never a 404.

Before, /api/v1 was mounted on the server Gradio had already started, so for a moment after the port opened every
call to it was a 404 (the tests waited for it to appear).
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from test_ui_e2e import AppProcess


def test_json_routes_answer_from_the_first_response(tmp_path: Path) -> None:
    app = AppProcess(tmp_path, {})
    seen: list[int] = []
    done = threading.Event()

    def poll() -> None:
        # From before the start until the first answer of the route itself, as fast as the server answers.
        while not done.is_set():
            try:
                with urllib.request.urlopen(f"{app.url}/api/v1/health", timeout=10) as resp:
                    seen.append(resp.status)
                    done.set()
            except urllib.error.HTTPError as exc:
                seen.append(exc.code)
            except OSError:  # not listening yet
                time.sleep(0.005)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    try:
        app.start()
        assert done.wait(60), f"no answer from /api/v1/health: {seen[-5:]}"
    finally:
        done.set()
        poller.join(10)
        app.stop()
    assert seen and seen[-1] == 200, seen[-5:]
    assert 404 not in seen, f"/api/v1 answered 404 {seen.count(404)} times before it was mounted"

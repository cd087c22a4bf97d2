"""The login gate and where uploads land, in the fast tier: the app's own launch() in this process, no browser."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import seeded_settings
from processes import free_port

USER, PASSWORD = "editor", "pw-fast-tier"


@pytest.fixture
def gated_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Any]]:
    """launch() with one user, on a free port; yields (url, settings)."""
    from drafting.settings import ServerSettings
    from drafting.ui.app import launch

    # launch() sets GRADIO_TEMP_DIR for its own process; monkeypatch puts the variable back afterwards
    monkeypatch.delenv("GRADIO_TEMP_DIR", raising=False)
    port = free_port()
    # the seed already indexed (tests/seed_data.py): launch() starts without embedding it again
    settings = seeded_settings(tmp_path, server=ServerSettings(port=port, users={USER: PASSWORD}))
    demo = launch(settings, block=False)
    try:
        yield f"http://127.0.0.1:{port}", settings
    finally:
        demo.close()


def test_login_gate(gated_app: tuple[str, Any]) -> None:
    url, _ = gated_app
    with httpx.Client(base_url=url, timeout=60) as anon:
        assert anon.get("/config").status_code in (401, 403)
        assert anon.post("/gradio_api/upload", files={"files": ("a.txt", b"x")}).status_code in (401, 403)
        page = anon.get("/").text  # the login page: no corpus text, no component of the app
        assert "上海区块链关键技术攻关专项行动方案" not in page and '"components":[]' in page.replace(" ", "")
    with httpx.Client(base_url=url, timeout=60) as wrong:
        assert wrong.post("/login", data={"username": USER, "password": "wrong"}).status_code in (400, 401, 403)
        assert wrong.get("/config").status_code in (401, 403)
    with httpx.Client(base_url=url, timeout=60) as editor:
        assert editor.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
        assert editor.get("/config").status_code == 200


def test_uploads_land_in_the_data_folder(gated_app: tuple[str, Any]) -> None:
    """An uploaded issue is confidential: Gradio keeps its copy under data/uploads, never in the system temp folder."""
    url, settings = gated_app
    with httpx.Client(base_url=url, timeout=60) as editor:
        editor.post("/login", data={"username": USER, "password": PASSWORD})
        answer = editor.post("/gradio_api/upload", files={"files": ("issue.txt", "第一期".encode())})
    assert answer.status_code == 200, answer.text
    (stored,) = [Path(p).resolve() for p in answer.json()]
    uploads = (settings.data_dir / "uploads").resolve()
    assert stored.is_relative_to(uploads), stored
    assert not stored.is_relative_to(Path(tempfile.gettempdir()).resolve() / "gradio")
    assert stored.read_text(encoding="utf-8") == "第一期"

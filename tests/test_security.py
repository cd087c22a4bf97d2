"""Security of the running app (a real `python app.py` subprocess): login, no key leaks, upload limits."""

from __future__ import annotations

import json
import sqlite3
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import make_settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

SECRET = "sk-drafting-SECRET-7f3a9c41e2"
USER, PASSWORD = "editor", "pw-correct-horse"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app with login, the fake provider requiring SECRET, uploads capped at 1 MB."""
    import bench_load

    with bench_load.running_app(
        tmp_path_factory.mktemp("secure_app"), users={USER: PASSWORD}, api_key=SECRET,
        extra_env={"DRAFTING_SERVER__MAX_UPLOAD_MB": "1"},
        timeout=540,  # generous: on a busy shared machine the first embedding of the seed alone took 75 s
        seed_data=True,
    ) as running:
        yield running


def login(app: Any, password: str = PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=app.url, timeout=30)
    client.post("/login", data={"username": USER, "password": password})
    return client


def api_client(app: Any) -> Any:
    from gradio_client import Client

    return Client(app.url, auth=(USER, PASSWORD), verbose=False)


def test_api_refused_without_login(app: Any) -> None:
    with httpx.Client(base_url=app.url, timeout=30) as anon:
        for path in ("/config", "/gradio_api/info"):
            assert anon.get(path).status_code in (401, 403), path
        for path, kwargs in [
            ("/gradio_api/queue/join", {"json": {"data": [], "fn_index": 0, "session_hash": "x"}}),
            ("/gradio_api/call/on_search", {"json": {"data": ["元宇宙", "", "", "", "不限", "", ""]}}),
            ("/gradio_api/upload", {"files": {"files": ("a.txt", b"hello")}}),
        ]:
            assert anon.post(path, **kwargs).status_code in (401, 403), path
        page = anon.get("/")
        # The login page: no corpus text, no app state.
        assert page.status_code == 200 and "上海区块链关键技术攻关专项行动方案" not in page.text
        assert '"components":[]' in page.text.replace(" ", "")


def test_wrong_password_refused(app: Any) -> None:
    from gradio_client import Client

    bad = login(app, "wrong")
    assert bad.get("/config").status_code in (401, 403)
    wrong = bad.post("/login", data={"username": USER, "password": "wrong"})
    assert wrong.status_code in (400, 401, 403)
    assert login(app, "").get("/config").status_code in (401, 403)
    # refused at the login itself (gradio_client: ValueError for 400, AuthenticationError for 401), not a
    # connection error or a later failure that any broken server would also raise
    with pytest.raises(ValueError, match=r"^Could not login to .*") as refused:
        Client(app.url, auth=(USER, "wrong"), verbose=False)
    assert not isinstance(refused.value, (httpx.HTTPError, OSError))
    good = login(app)
    assert good.get("/config").status_code == 200


def test_api_key_never_shown_or_logged(app: Any) -> None:
    import bench_load

    client = api_client(app)
    api = bench_load.draft_endpoint(client)
    blanks = bench_load.blank_arguments(client, api)
    out = client.predict(**{**blanks, "raw": bench_load.raw_text(1), "offline": False}, api_name=api)
    assert any(str(v).startswith("✓") for v in out), out
    assert app.fake.requests, "the draft went to the provider (so the key was sent and accepted)"
    # A failing provider: errors and warnings are logged; the key still must not be.
    app.fake.configure(fail_status=[500, 500, 500, 500])
    failed = client.predict(**{**blanks, "raw": bench_load.raw_text(2), "offline": False}, api_name=api)
    assert any("失败" in str(v) for v in failed), failed
    app.fake.configure(fail_status=[])

    web = login(app)
    for path in ("/", "/config", "/gradio_api/info"):
        body = web.get(path).text
        assert SECRET not in body and SECRET[:12] not in body, path
    shown = client.predict(api_name="/show")  # the 设置 tab's model/key summary
    assert "已配置（不显示）" in str(shown) and SECRET not in str(shown)
    log = app.log_text()
    assert "Running on" in log and "model call failed" in log  # the log did capture the failure
    assert SECRET not in log
    with sqlite3.connect(app.data_dir / "drafting.sqlite3") as db:
        rows = [r[0] for r in db.execute("SELECT draft_json FROM drafts")]
    assert rows and all(SECRET not in r for r in rows)
    assert all("api_key" not in json.loads(r)["settings"].get("llm", {}) for r in rows)


def test_api_key_not_in_exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch command with a model and the key set: neither the DOCX nor the Markdown contains it."""
    from fake_openai import FakeOpenAI
    from typer.testing import CliRunner

    from drafting.cli import app as cli

    settings = make_settings(tmp_path)
    items = tmp_path / "items.jsonl"
    items.write_text(json.dumps({"section": "政策速递", "title": "某市印发《元宇宙产业行动计划》", "date": "2023-09-18",
                                 "body": "2023年9月18日，某市印发《元宇宙产业行动计划》，提出推动产业发展。"},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with FakeOpenAI(api_key=SECRET) as fake:
        env = {"DRAFTING_CORPUS_DIR": str(settings.corpus_dir), "DRAFTING_DATA_DIR": str(settings.data_dir),
               "DRAFTING_LLM__BASE_URL": fake.url, "DRAFTING_LLM__MODEL": "fake-chat", "DRAFTING_LLM__API_KEY": SECRET}
        result = CliRunner().invoke(cli, ["batch", str(items), "-o", "issue.docx", "--md", "issue.md", "--json"], env=env)
        assert result.exit_code == 0, result.output
        assert fake.requests
    assert SECRET not in result.output
    assert SECRET not in (tmp_path / "issue.md").read_text(encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "issue.docx") as docx:
        for name in docx.namelist():
            assert SECRET.encode() not in docx.read(name), name
        assert "元宇宙产业行动计划".encode() in docx.read("word/document.xml")


def test_uploads_limited_in_size_and_type(app: Any, tmp_path: Path) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    web = login(app)
    big = web.post("/gradio_api/upload", files={"files": ("big.txt", b"x" * 1_500_000)})
    assert big.status_code in (400, 413), big.text
    small = web.post("/gradio_api/upload", files={"files": ("ok.txt", b"x" * 1000)})
    assert small.status_code == 200

    # The corpus tab's 导入 refuses a type it does not read, on the server side too.
    client = api_client(app)
    info = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    ingest = next(name for name, spec in info.items() if [p.get("parameter_name") for p in spec["parameters"]] == ["paths"])
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ" + b"\0" * 100)
    # gr.File(file_types=…) refuses it before the handler runs: the client is told which types are read
    with pytest.raises(AppError, match=r"^Invalid file type\. Please upload a file that is one of these formats: .*\.docx"):
        client.predict(paths=[handle_file(str(exe))], api_name=ingest)
    corpus = app.data_dir.parent / "corpus" / "issues"
    assert not any(p.suffix == ".exe" for p in corpus.iterdir())

"""The JSON API beside the page and freshness across processes, on a real `python app.py` and a real CLI process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

USER, PASSWORD = "editor", "pw-api-horse"
pytestmark = pytest.mark.slow

# Not in the seed issue; a 政策速递 item, so a search restricted to that section reaches it (the original crash).
HUBEI_TITLE = "湖北省印发《湖北省元宇宙产业发展行动计划（2023—2025年）》"
HUBEI_ISSUE = f"""# 政策速递

## {HUBEI_TITLE}

2023年10月8日，湖北省经济和信息化厅等12部门联合印发《湖北省元宇宙产业发展行动计划（2023—2025年）》。行动计划提出，到2025年，全省元宇宙核心产业规模力争达到300亿元，培育5家以上具有行业影响力的元宇宙领军企业。
"""
HUBEI_QUERY = "湖北省元宇宙产业发展行动计划 核心产业规模300亿元"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app with a login and the fake model; freshness checked on every search (no waiting in the test)."""
    import bench_load

    with bench_load.running_app(
        tmp_path_factory.mktemp("api_app"), users={USER: PASSWORD},
        extra_env={"DRAFTING_INDEX__FRESHNESS_SECONDS": "0"}, seed_data=True,
    ) as running:
        yield running


def client(app: Any) -> httpx.Client:
    return httpx.Client(base_url=app.url, auth=(USER, PASSWORD), timeout=120)


def titles(payload: dict[str, Any]) -> list[str]:
    return [r["title"] for r in payload["results"] + payload["duplicates"]]


def test_api_needs_the_page_login(app: Any) -> None:
    with httpx.Client(base_url=app.url, timeout=30) as anon:
        for path in ("/api/v1/search?q=元宇宙", "/api/v1/issues", "/api/v1/health"):
            refused = anon.get(path)
            assert refused.status_code == 401, path
            assert "登录" in refused.json()["error"]
        assert anon.get("/api/v1/search?q=元宇宙", auth=(USER, "wrong")).status_code == 401
        # The page's own login cookie is accepted too.
        anon.post("/login", data={"username": USER, "password": PASSWORD})
        assert anon.get("/api/v1/health").status_code == 200


def test_search_has_the_cli_shape_and_rejects_bad_input(app: Any) -> None:
    with client(app) as c:
        got = c.get("/api/v1/search", params={"q": "上海 区块链 关键技术 攻关", "k": 3})
        assert got.status_code == 200, got.text
        body = got.json()
        assert len(body["results"]) == 3
        assert set(body["results"][0]) >= {"id", "title", "section", "date", "score", "dense_rank", "lexical_rank"}
        assert any("上海" in t for t in titles(body))
        bad_date = c.get("/api/v1/search", params={"q": "元宇宙", "date_from": "去年"})
        assert bad_date.status_code == 400 and "YYYY-MM-DD" in bad_date.json()["error"]
        bad_section = c.get("/api/v1/search", params={"q": "元宇宙", "section": "杂谈"})
        assert bad_section.status_code == 422 and "请求参数无效" in bad_section.json()["error"]
        spec = c.get("/api/v1/openapi.json").json()
        assert {"/search", "/draft", "/issues"} <= set(spec["paths"])


def test_cli_ingest_is_seen_by_the_running_app_and_drafts_still_work(app: Any, tmp_path: Path) -> None:
    import bench_load

    with client(app) as c:
        before = c.get("/api/v1/search", params={"q": HUBEI_QUERY, "section": "政策速递"}).json()
        assert HUBEI_TITLE not in titles(before)
        count_before = c.get("/api/v1/health").json()["indexed"]

        new = tmp_path / "hubei.md"
        new.write_text(HUBEI_ISSUE, encoding="utf-8")
        env = {**os.environ, "DRAFTING_CORPUS_DIR": str(app.data_dir.parent / "corpus"), "DRAFTING_DATA_DIR": str(app.data_dir)}
        done = subprocess.run([sys.executable, "-m", "drafting", "ingest", str(new), "--json"], check=False, env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["added"] == 1

        # Freshness is checked per search here (FRESHNESS_SECONDS=0): the very next search must see the item.
        after = c.get("/api/v1/search", params={"q": HUBEI_QUERY, "section": "政策速递"})
        assert after.status_code == 200, after.text
        assert HUBEI_TITLE in titles(after.json())
        assert c.get("/api/v1/health").json()["indexed"] == count_before + 1

        drafted = c.post("/api/v1/draft", json={"text": HUBEI_ISSUE.split("\n", 2)[2], "section": "政策速递"})
        assert drafted.status_code == 200, drafted.text
        assert drafted.json()["commentary"] and not drafted.json()["offline"]
        saved = c.post("/api/v1/draft", json={"item": {"section": "政策速递", "title": "某市印发《元宇宙产业行动计划》",
                                                        "date": "2023-10-20", "body": "2023年10月20日，某市印发行动计划。"},
                                               "offline": True, "save": True})
        assert saved.status_code == 200 and saved.json()["offline"] and saved.json()["draft_id"] > 0

    # The page's own draft event after the external ingest (where the crash was seen).
    from gradio_client import Client

    page = Client(app.url, auth=(USER, PASSWORD), verbose=False)
    api = bench_load.draft_endpoint(page)
    blanks = bench_load.blank_arguments(page, api)
    out = page.predict(**{**blanks, "raw": HUBEI_ISSUE.split("\n", 2)[2], "offline": False}, api_name=api)
    assert any(str(v).startswith("✓") for v in out), out
    assert "InternalError" not in app.log.read_text(encoding="utf-8")


def test_draft_body_errors_in_chinese(app: Any) -> None:
    with client(app) as c:
        neither = c.post("/api/v1/draft", json={"offline": True})
        assert neither.status_code == 400 and "item" in neither.json()["error"] and "text" in neither.json()["error"]
        assert isinstance(c.get("/api/v1/issues").json()["issues"], list)


def test_generated_gradio_endpoints_are_hidden(app: Any) -> None:
    from gradio_client import Client

    named = Client(app.url, auth=(USER, PASSWORD), verbose=False).view_api(return_format="dict", print_info=False)
    names = set(named["named_endpoints"])
    assert "/run" in names and "/on_search" in names
    assert not any(n.startswith(("/browse", "/refresh", "/on_select", "/select")) for n in names), names


def test_issues_route_lists_a_cli_batch_in_the_cli_shape(app: Any, tmp_path: Path) -> None:
    """A batch run from the command line is an issue in progress the API lists exactly as `drafting issues --json`."""
    items = Path(__file__).resolve().parent / "data" / "batch" / "items.jsonl"
    env = {**os.environ, "DRAFTING_CORPUS_DIR": str(app.data_dir.parent / "corpus"), "DRAFTING_DATA_DIR": str(app.data_dir)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "drafting", *args], check=False, env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=600)

    ran = cli("batch", str(items), "-o", str(tmp_path / "issue.docx"), "--offline", "--period", "2023年第10期")
    assert ran.returncode == 0, ran.stderr
    listed = cli("issues", "--json")
    assert listed.returncode == 0, listed.stderr
    expected = json.loads(listed.stdout)["issues"]
    with client(app) as c:
        got = c.get("/api/v1/issues").json()["issues"]
    assert got == expected and len(got) == 1
    assert got[0]["period"] == "2023年第10期" and got[0]["items"] and all("draft_id" in i for i in got[0]["items"])


def test_wrong_basic_passwords_are_throttled_like_the_login_form(app: Any) -> None:
    """HTTP Basic on /api/v1 counts against the login throttle (default 5 failures), per account."""
    with httpx.Client(base_url=app.url, auth=("mallory", "guess"), timeout=60) as guesser:
        codes = [guesser.get("/api/v1/health").status_code for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429, codes
    with client(app) as c:  # another account from the same address is not locked out
        assert c.get("/api/v1/health").status_code == 200

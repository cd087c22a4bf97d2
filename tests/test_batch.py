"""Batch drafting: concurrency, rate limit, checkpoint and resume, failures, duplicates, CLI, kill + resume."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from drafting.errors import ModelError
from drafting.issues.batch import BatchRunner, rate_limiter
from drafting.issues.batch_checkpoint import Checkpoint
from drafting.issues.batch_input import read_items
from drafting.issues.batch_rows import BatchInput, validate_rows
from drafting.models import Draft, DraftRequest, Item

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "batch"


def policy_list(n: int, section: str = "政策速递") -> BatchInput:
    rows = [(i + 1, {"section": section, "title": f"第{i + 1}号元宇宙政策", "body": f"2023年9月{i + 1}日，某市印发第{i + 1}号政策。"})
            for i in range(n)]
    return validate_rows(rows, source="test.jsonl")


class LocalDrafter:
    """Stands in for DraftingService in runner unit tests: records calls, can be slow, fail or hold calls.

    Kept where a test needs what the real service cannot give on demand: a failure on chosen items, or calls
    held open until `overlap` of them run at once (concurrency proven by a counter, not by a sleep).
    """

    def __init__(self, delay: float = 0.0, fail: set[str] | None = None, overlap: int | None = None) -> None:
        self.delay, self.fail, self.overlap = delay, fail or set(), overlap
        self.calls: list[str] = []
        self.in_flight = self.max_in_flight = 0
        self._lock = threading.Lock()
        self._overlapped = threading.Event()

    def __call__(self, request: DraftRequest) -> list[Draft]:
        title = request.item.title if request.item else (request.raw_text or "")[:10]
        with self._lock:
            self.calls.append(title)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if self.overlap is not None and self.in_flight >= self.overlap:
                self._overlapped.set()
        try:
            if self.overlap is not None:
                assert self._overlapped.wait(120), f"never {self.overlap} calls at once"
            time.sleep(self.delay)
            if title in self.fail:
                raise ModelError("模型服务超时（测试）")
            item = request.item or Item(section=request.section or "政策速递", title=title, body=request.raw_text or "")
            return [Draft(item=item, commentary=f"短评：{title}", offline=request.offline)]
        finally:
            with self._lock:
                self.in_flight -= 1


class RealDrafter:
    """The real drafting service (offline, over the seeded corpus), recording which items it was asked for."""

    def __init__(self, services) -> None:
        self.services = services
        self.calls: list[str] = []

    def __call__(self, request: DraftRequest) -> list[Draft]:
        self.calls.append(request.item.title if request.item else (request.raw_text or "")[:10])
        return self.services.drafter.draft(request)


@pytest.fixture
def real(seeded_services):
    """A fresh recording wrapper over the real offline drafter per use: real(), real(), …"""
    return lambda: RealDrafter(seeded_services)


def checkpoint_lines(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "checkpoint.jsonl").read_text(encoding="utf-8").splitlines()]


def test_rate_limiter_spaces_requests_across_threads() -> None:
    """600 rpm = one start per 0.1 s whatever the threads: six starts take at least half a second (a lower bound only)."""
    assert rate_limiter(0) is None
    limiter = rate_limiter(600)
    assert limiter is not None
    starts: list[float] = []
    lock = threading.Lock()

    def start() -> None:
        limiter.acquire()
        with lock:
            starts.append(time.monotonic())

    began = time.monotonic()
    threads = [threading.Thread(target=start) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(starts) == 6
    assert max(starts) - began >= 0.5, "requests started faster than the configured rate"


def test_concurrency_limit_order_and_checkpoint(tmp_path: Path) -> None:
    drafter = LocalDrafter(overlap=3)
    ticks: list[int] = []
    runner = BatchRunner(drafter, data_dir=tmp_path, concurrency=3)
    report = runner.run(policy_list(10), batch_id="b1", progress=lambda p: ticks.append(p.done))
    assert drafter.max_in_flight == 3
    assert [r.label for r in report.results] == [f"第{i}号元宇宙政策" for i in range(1, 11)]
    assert report.complete and report.count("done") == 10
    assert all(r.commentary == f"短评：{r.label}" for r in report.results)
    assert sorted(ticks) == list(range(1, 11))
    lines = checkpoint_lines(tmp_path / "batches" / "b1")
    assert sorted(rec["key"] for rec in lines) == sorted(r.key for r in report.results)
    assert all(rec["status"] == "done" and rec["draft"]["commentary"].startswith("短评：") for rec in lines)
    assert (tmp_path / "batches" / "b1" / "report.json").exists()


def test_failures_reported_then_resume_drafts_only_the_rest(tmp_path: Path) -> None:
    batch = policy_list(6)
    first = LocalDrafter(fail={"第2号元宇宙政策", "第5号元宇宙政策"})
    report = BatchRunner(first, data_dir=tmp_path, concurrency=2).run(batch, batch_id="b")
    assert report.count("done") == 4 and report.count("failed") == 2
    failed = [r for r in report.results if r.status == "failed"]
    assert [r.line for r in failed] == [2, 5] and "超时" in (failed[0].error or "")
    assert len(report.summary()["failures"]) == 2

    second = LocalDrafter()
    again = BatchRunner(second, data_dir=tmp_path, concurrency=2).run(batch, batch_id="b", resume=True)
    assert sorted(second.calls) == ["第2号元宇宙政策", "第5号元宇宙政策"]
    assert again.complete
    assert sum(r.resumed for r in again.results) == 4
    assert [r.commentary for r in again.results] == [f"短评：第{i}号元宇宙政策" for i in range(1, 7)]
    done = [rec["key"] for rec in checkpoint_lines(tmp_path / "batches" / "b") if rec["status"] == "done"]
    assert len(done) == len(set(done)) == 6  # nothing drafted twice


def test_fresh_run_keeps_old_checkpoint_and_torn_line_is_ignored(tmp_path: Path, real) -> None:
    batch = policy_list(3)
    BatchRunner(real(), data_dir=tmp_path, offline=True).run(batch, batch_id="b")
    folder = tmp_path / "batches" / "b"
    with (folder / "checkpoint.jsonl").open("a") as fh:
        fh.write('{"key": "i123", "status": "do')  # killed mid-write
    assert len(Checkpoint(folder / "checkpoint.jsonl").load()) == 3
    drafter = real()
    BatchRunner(drafter, data_dir=tmp_path, offline=True).run(batch, batch_id="b")  # no resume: start over
    assert len(drafter.calls) == 3
    assert len(list(folder.glob("checkpoint-*.jsonl"))) == 1


def test_resume_after_torn_line_keeps_records_written_after_it(tmp_path: Path, real) -> None:
    batch = policy_list(4)
    first = LocalDrafter(fail={"第3号元宇宙政策", "第4号元宇宙政策"})
    BatchRunner(first, data_dir=tmp_path, concurrency=1).run(batch, batch_id="b")
    folder = tmp_path / "batches" / "b"
    with (folder / "checkpoint.jsonl").open("a") as fh:
        fh.write('{"key": "i123", "status": "do')  # killed mid-write
    BatchRunner(real(), data_dir=tmp_path, concurrency=1, offline=True).run(batch, batch_id="b", resume=True)
    # The records appended after the torn line must survive: a third run drafts nothing again.
    third = real()
    again = BatchRunner(third, data_dir=tmp_path, concurrency=1, offline=True).run(batch, batch_id="b", resume=True)
    assert third.calls == []
    assert again.complete


def test_only_policy_items_drafted_unless_all_sections(tmp_path: Path, real) -> None:
    batch = read_items(DATA / "items.jsonl")  # 2 policy items, 1 raw policy text, 2 news, 1 deal
    drafter = real()
    report = BatchRunner(drafter, data_dir=tmp_path, offline=True).run(batch, batch_id="p")
    assert len(drafter.calls) == 3
    assert report.complete
    assert [bool(i.commentary) for i in report.items()] == [True, True, True, False, False, False]
    everything = real()
    report = BatchRunner(everything, data_dir=tmp_path, all_sections=True, offline=True).run(batch, batch_id="a")
    assert len(everything.calls) == 6 and all(i.commentary for i in report.items())


def test_provider_down_stops_early_and_leaves_rest_pending(tmp_path: Path) -> None:
    batch = policy_list(20)
    drafter = LocalDrafter(fail={f"第{i}号元宇宙政策" for i in range(1, 21)})
    report = BatchRunner(drafter, data_dir=tmp_path, concurrency=1, max_consecutive_failures=3).run(batch, batch_id="d")
    assert len(drafter.calls) == 3
    assert report.count("failed") == 3 and report.count("pending") == 17
    assert report.stopped and "连续 3 次失败" in report.stopped and "--resume" in report.stopped


def test_corpus_duplicates_reported(tmp_path: Path, real) -> None:
    batch = read_items(DATA / "items.jsonl")
    news = next(e.item for e in batch.entries if e.item and e.item.section == "行业新闻")
    runner = BatchRunner(real(), data_dir=tmp_path, corpus_titles={news.id: news.title}, offline=True)
    report = runner.run(batch, batch_id="dup")
    notes = report.duplicate_notes()
    # lines 1 and 2 are seed items the real drafter finds in the corpus; line 4 is the listed corpus title
    assert [n.split("「")[0] for n in notes] == ["第 1 行", "第 2 行", "第 4 行"]
    assert news.title[:20] in notes[2] and all("语料库中已有相同条目" in n for n in notes)


# ---- with the real services: offline drafter, draft store, Chroma index, CLI ----

def _env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAFTING_")}
    env.update({
        "DRAFTING_CORPUS_DIR": str(tmp / "corpus"), "DRAFTING_DATA_DIR": str(tmp / "data"),
        "DRAFTING_PROMPTS_DIR": str(ROOT / "prompts"), "ANONYMIZED_TELEMETRY": "False", **extra,
    })
    return env


@pytest.mark.slow
def test_cli_batch_offline_exports_and_publishes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import make_settings
    from typer.testing import CliRunner

    from drafting.cli import app

    make_settings(tmp_path)  # the seed corpus under tmp_path/corpus
    for k, v in _env(tmp_path).items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(tmp_path)  # no stray .env
    out = tmp_path / "issue.docx"
    args = ["batch", str(DATA / "bad_rows.csv"), "-o", str(out), "--md", str(tmp_path / "issue.md"),
            "--offline", "--period", "2023年第11期", "--publish", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["total"] == 4 and summary["done"] == 4 and summary["failed"] == 0
    assert [r.split("：")[0] for r in summary["rejected_rows"]] == [f"第 {n} 行" for n in (4, 5, 6, 7, 8, 9)]
    assert any("第 2 行" in d for d in summary["duplicates"])
    assert summary["issue"] == "元宇宙/Web3 月刊 2023年第11期"
    assert out.exists() and "## 政策速递" in (tmp_path / "issue.md").read_text(encoding="utf-8")

    from drafting.services import build_services
    from drafting.settings import Settings

    services = build_services(Settings(_env_file=None))
    published = Path(summary["published"])
    assert published.exists() and published.parent == tmp_path / "corpus" / "issues"
    issue_items = [i for i in services.corpus.items() if i.issue and i.issue.startswith("2023-11_")]
    assert {i.title for i in issue_items} >= {"山东多部门联合出台专项政策支持元宇宙产业发展", "虹口区元宇宙专区上线"}
    assert all(i.commentary for i in issue_items if i.section == "政策速递")
    hit = services.retriever.search("山东多部门联合出台专项政策支持元宇宙产业发展", k=3)
    assert any(p.item.issue and p.item.issue.startswith("2023-11_") for p in hit.precedents + hit.duplicates)
    assert all(d.status == "accepted" for d in services.store.list() if d.batch_id)


def _fake_server():
    from fake_openai import FakeOpenAI

    return FakeOpenAI


@pytest.mark.slow
def test_kill_midway_then_resume_does_not_redraft(tmp_path: Path) -> None:
    FakeOpenAI = _fake_server()
    from conftest import make_settings

    make_settings(tmp_path)
    items = tmp_path / "items.jsonl"
    with items.open("w", encoding="utf-8") as fh:
        for i in range(12):
            fh.write(json.dumps({"section": "政策速递", "title": f"某市发布第{i + 1}号元宇宙产业政策",
                                 "body": f"2023年9月{i + 1}日，某市印发第{i + 1}号元宇宙产业扶持政策，提出到2025年产业规模达到{100 + i}亿元。"},
                                ensure_ascii=False) + "\n")
    out = tmp_path / "issue.docx"
    # The resumed run asks for another model name, so its requests are told apart from any request of the killed
    # run still on the wire, without sleeping and counting.
    with FakeOpenAI(latency=0.5, models=["fake-chat", "fake-resume"]) as server:
        env = _env(tmp_path, DRAFTING_LLM__BASE_URL=server.url, DRAFTING_LLM__MODEL="fake-chat",
                   DRAFTING_LLM__API_KEY="test-key", DRAFTING_LLM__MAX_RETRIES="0")
        cmd = [sys.executable, "-m", "drafting", "batch", str(items), "-o", str(out), "--concurrency", "2", "--json"]
        proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        checkpoint = None
        while proc.poll() is None:  # a hang is caught by pytest-timeout, not by a clock here
            found = list((tmp_path / "data" / "batches").glob("*/checkpoint.jsonl"))
            if found and len(found[0].read_text(encoding="utf-8").splitlines()) >= 4:
                checkpoint = found[0]
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert checkpoint is not None, "no drafts were checkpointed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        before = {json.loads(line)["key"] for line in checkpoint.read_text(encoding="utf-8").splitlines()
                  if line.strip().endswith("}")}
        assert 4 <= len(before) < 12 and not out.exists()

        resume_env = {**env, "DRAFTING_LLM__MODEL": "fake-resume"}
        done = subprocess.run(cmd + ["--resume"], env=resume_env, cwd=tmp_path, capture_output=True, timeout=300,
                              check=False)
        assert done.returncode == 0, done.stderr.decode()
        summary = json.loads(done.stdout)
        assert summary["done"] == 12 and summary["resumed"] == len(before) and summary["drafted"] == 12 - len(before)
        redrafted = [r for r in server.requests if r.get("model") == "fake-resume"]
        assert len(redrafted) == 12 - len(before)
        asked = "\n".join(json.dumps(r, ensure_ascii=False) for r in redrafted)
        titles = {f"某市发布第{i + 1}号元宇宙产业政策": None for i in range(12)}
        keys_to_titles = {Item(section="政策速递", title=t, body="x", date=f"2023-09-{i + 1:02d}").id: t
                          for i, t in enumerate(titles)}
        for key in before:
            assert keys_to_titles[key] not in asked  # a checkpointed item never went to the model again
    lines = [json.loads(line) for line in checkpoint.read_text(encoding="utf-8").splitlines() if line.strip().endswith("}")]
    done_keys = [rec["key"] for rec in lines if rec["status"] == "done"]
    assert len(done_keys) == len(set(done_keys)) == 12

    from drafting.corpus import parse_file

    parsed = parse_file(out)
    assert len(parsed.items) == 12 and all(i.commentary for i in parsed.items)


@pytest.mark.slow
@pytest.mark.browser
def test_batch_tab_in_browser(tmp_path: Path, output_dir: Path) -> None:
    """Upload → draft → edit one item → export Word, in headless Chromium against the real page."""
    import shutil
    import socket

    import playwright.sync_api as playwright
    from conftest import make_settings, missing_tool

    chromium = shutil.which("chromium")
    if chromium is None:
        missing_tool("needs Debian's chromium (apt install chromium)")

    from drafting.corpus import parse_file
    from drafting.services import build_services
    from drafting.ui.app import build_app

    services = build_services(make_settings(tmp_path))
    services.ingest()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = build_app(services)
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, show_error=False)
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            page.goto(f"http://127.0.0.1:{port}/batch")  # 批量 is a page of its own
            page.locator("#dz-batch-file input[type=file]").set_input_files(str(DATA / "items.jsonl"))
            # the upload finished; Gradio prints the stem and the extension in separate spans ("items .jsonl")
            playwright.expect(page.locator("#dz-batch-file")).to_contain_text(re.compile(r"items\s*\.jsonl"))
            page.locator("#dz-batch-run").click()
            playwright.expect(page.locator("#dz-batch-report")).to_contain_text("完成 6/6 条", timeout=120_000)
            table = page.locator("#dz-batch-table")
            for title in ("工信部：公开征求", "重庆", "成都发布超60个", "零数科技获"):
                playwright.expect(table).to_contain_text(title)
            playwright.expect(table).not_to_contain_text("✓")
            table.get_by_text("工信部：公开征求").first.click()
            title_box = page.locator("#dz-batch-title textarea, #dz-batch-title input").first
            playwright.expect(title_box).to_have_value(re.compile("^工信部"), timeout=20_000)
            title_box.fill("工信部就元宇宙标准化工作组筹建方案公开征求意见")
            page.get_by_label("采纳本条短评").check()
            page.locator("#dz-batch-save").click()
            playwright.expect(table).to_contain_text("✓", timeout=20_000)
            playwright.expect(table).to_contain_text("工信部就元宇宙标准化")
            page.get_by_label("期数（如 2023年第10期）").fill("2023年第11期")
            page.locator("#dz-batch-docx").click()
            playwright.expect(page.locator("#dz-batch-download")).to_contain_text(".docx", timeout=60_000)
            page.screenshot(path=str(output_dir / "batch_tab.png"), full_page=True)
            browser.close()
    finally:
        demo.close()
    exported = list((services.settings.data_dir / "batches").glob("*/*.docx"))
    assert len(exported) == 1 and "2023年第11期" in exported[0].name
    parsed = parse_file(exported[0])
    assert parsed.items[0].title == "工信部就元宇宙标准化工作组筹建方案公开征求意见"
    assert len(parsed.items) == 6 and sum(1 for i in parsed.items if i.commentary) == 3


def test_prefetch_query_is_the_drafts_own_so_nothing_is_embedded_twice(tmp_path: Path) -> None:
    from conftest import make_settings

    from drafting.services import build_services

    services = build_services(make_settings(tmp_path))
    services.ingest()
    embedded: list[str] = []
    embedder = services.index.embedder
    real = embedder.embed_query
    embedder.embed_query = lambda text: (embedded.append(text), real(text))[1]  # type: ignore[method-assign]
    long_body = "2023年9月18日，某市发布《元宇宙产业创新发展行动方案》。" + "该方案明确，到2025年培育一批元宇宙领军企业，建设若干产业集聚区。" * 30
    batch = validate_rows([
        (1, {"section": "政策速递", "raw": long_body}),
        (2, {"section": "政策速递", "title": "某市发布《元宇宙行动方案》", "body": long_body}),  # longer than the query cap
    ], source="prefetch.jsonl")
    runner = BatchRunner(services.drafter.draft, data_dir=tmp_path, prefetch_fn=lambda text: services.retriever.search(text, k=1))
    runner._prefetch(batch.entries)
    assert len(embedded) == 2
    for entry in batch.entries:
        services.drafter.draft(entry.request(offline=True))
    assert len(embedded) == 2  # each draft's search found the prefetched query vector


def test_prefetch_warms_later_items_only(tmp_path: Path) -> None:
    warmed: list[str] = []
    batch = policy_list(7)
    ahead = threading.Event()

    def warm(text: str) -> None:
        warmed.append(text)
        if len(warmed) == 4:
            ahead.set()

    stub = LocalDrafter()

    def draft(request: DraftRequest) -> list[Draft]:  # the first wave waits on the prefetcher, not on a clock
        assert ahead.wait(120), "the prefetcher never got ahead"
        return stub(request)

    runner = BatchRunner(draft, data_dir=tmp_path, concurrency=3, prefetch_fn=warm)
    runner.run(batch, batch_id="w")
    items = [e.item for e in batch.entries if e.item]
    # The first wave is searched by the workers themselves; the rest ahead of time, in order.
    assert warmed == [f"{i.title}\n{i.body}" for i in items[3:]]
    offline = BatchRunner(LocalDrafter(), data_dir=tmp_path, offline=True, prefetch_fn=warmed.append)
    offline.run(batch, batch_id="w2")
    assert len(warmed) == 4  # no provider latency to hide offline


def test_all_sections_gives_a_raw_news_text_its_commentary(seeded_services, tmp_path: Path) -> None:
    """The real (offline) drafter: a raw 行业新闻 text gets a 短评 only when every section is asked for."""
    raw = ("2023年10月12日，在2023中国移动全球合作伙伴大会上，联想集团与中国移动宣布，在夯实行业数字底座、"
           "深化5G+AI赋能数实融合以及加速科技创新三方面达成深度合作共识。")
    batch = validate_rows([(1, {"section": "行业新闻", "raw": raw})], source="news.jsonl")
    drafter = seeded_services.drafter.draft
    plain = BatchRunner(drafter, data_dir=tmp_path, offline=True).run(batch, batch_id="plain")
    assert [i.commentary for i in plain.items()] == [None]
    everything = BatchRunner(drafter, data_dir=tmp_path, offline=True, all_sections=True).run(batch, batch_id="all")
    (item,) = everything.items()
    assert item.commentary and "联想" in item.commentary + item.title

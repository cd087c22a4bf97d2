"""The editor's page end to end: `python app.py` as a real process, driven in headless Chromium.

One app process per configuration (with the fake OpenAI-protocol model, and without any model), shared by the
tests of this module. Screenshots go to tests/output/ for a person to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from processes import free_port, stop, wait_until_answers
from seed_data import copy_seed_data

from drafting.ui.page_load import LOADED_SELECTOR

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "issues" / "000_91daaad5127cd8d6.txt"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
IN_CI = os.environ.get("CI", "").lower() == "true"
BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - dev extra missing
    sync_playwright = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        (CHROMIUM is None or sync_playwright is None) and not IN_CI,
        reason="needs Debian's chromium and the playwright package (apt install chromium; pip install -e .[dev])",
    ),
]

# A new provincial action plan: not in the seed issue, close to its 重庆/四川/山东 policy items.
HUBEI = """湖北省印发《湖北省元宇宙产业发展行动计划（2023—2025年）》
2023年10月8日，湖北省经济和信息化厅等12部门联合印发《湖北省元宇宙产业发展行动计划（2023—2025年）》。行动计划提出，到2025年，全省元宇宙核心产业规模力争达到300亿元，培育5家以上具有行业影响力的元宇宙领军企业，建设10个以上元宇宙特色产业园区，打造50个以上典型应用场景。行动计划部署了强化关键技术攻关、完善算力等基础设施、拓展工业制造和文化旅游等重点领域应用、优化产业生态等重点任务，并提出加强资金支持和人才引育。"""

ANHUI = """安徽省发布《安徽省元宇宙产业发展行动方案（2023—2025年）》
2023年10月12日，安徽省发展改革委等部门印发《安徽省元宇宙产业发展行动方案（2023—2025年）》。方案提出，到2025年，全省元宇宙相关产业营业收入突破500亿元，打造3个以上元宇宙产业集聚区，推动虚拟现实、数字孪生等技术在制造、文旅、教育、医疗等领域形成一批示范应用场景。方案明确了技术创新、应用推广、生态培育和要素保障等方面的重点举措。"""

# Records every value the page writes into the 短评 box, to see the draft arrive in pieces.
RECORD_COMMENTARY = """
(() => {
  const desc = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value');
  Object.defineProperty(HTMLTextAreaElement.prototype, 'value', {
    configurable: true,
    get() { return desc.get.call(this); },
    set(v) {
      if (this.closest && this.closest('#dz-comm')) { (window.__comm = window.__comm || []).push(String(v)); }
      desc.set.call(this, v);
    },
  });
})();
"""


class AppProcess:
    """`python app.py` on a tmp corpus copy and tmp data folder, restartable on the same folders."""

    def __init__(self, tmp: Path, env: dict[str, str], *, seeded: bool = True) -> None:
        self.tmp = tmp
        self.corpus = tmp / "corpus"
        self.data = tmp / "data"
        (self.corpus / "issues").mkdir(parents=True)
        shutil.copy(SEED, self.corpus / "issues" / SEED.name)
        if seeded:  # the seed already indexed (tests/seed_data.py): the app starts without embedding it again
            copy_seed_data(self.data)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DRAFTING_CORPUS_DIR": str(self.corpus),
            "DRAFTING_DATA_DIR": str(self.data),
            "DRAFTING_SERVER__HOST": "127.0.0.1",
            "DRAFTING_SERVER__PORT": str(self.port),
            "GRADIO_ANALYTICS_ENABLED": "False",
            "ANONYMIZED_TELEMETRY": "False",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        for key in ("DRAFTING_LLM__BASE_URL", "DRAFTING_LLM__MODEL", "DRAFTING_LLM__API_KEY"):
            if key not in env:
                self.env.pop(key, None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = tmp / "app.log"

    def start(self, timeout: float = 180) -> None:
        """Start and wait until the page answers."""
        log = open(self.log, "ab")  # noqa: SIM115 - kept open for the child's lifetime
        # cwd=tmp: no developer .env from the repo leaks into the test's settings.
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=self.tmp, env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT)
        wait_until_answers(self.url, self.proc, timeout=timeout, log=self.log, interval=0.5)
        # /api/v1 (the closing-save beacon's route) answers with the page (tests/test_api_from_start.py); 401 behind a login
        wait_until_answers(self.url.rstrip("/") + "/api/v1/health", self.proc, timeout=timeout, log=self.log,
                           interval=0.2, accept=(401,))

    def stop(self) -> None:
        """Terminate the app (SIGTERM, as a user stopping the server would)."""
        if self.proc:
            stop(self.proc, timeout=20)
        self.proc = None


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeOpenAI]:
    """The fake OpenAI-protocol model; latency so that precedents visibly arrive before the draft."""
    with FakeOpenAI(latency=0.4) as server:
        yield server


@pytest.fixture(scope="module")
def app_llm(tmp_path_factory: pytest.TempPathFactory, llm: FakeOpenAI) -> Iterator[AppProcess]:
    """The app with a configured model (the fake server)."""
    app = AppProcess(
        tmp_path_factory.mktemp("app_llm"),
        {
            "DRAFTING_LLM__BASE_URL": llm.url,
            "DRAFTING_LLM__MODEL": "fake-chat",
            "DRAFTING_LLM__MODELS": '["fake-chat-long"]',
            "DRAFTING_LLM__API_KEY": "sk-test-secret-never-shown",
            "DRAFTING_LLM__MAX_RETRIES": "0",
            "DRAFTING_LLM__BACKOFF": "0",
        },
    )
    app.start()
    yield app
    app.stop()


@pytest.fixture(scope="module")
def app_offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    """The app with no model configured: the offline drafter."""
    app = AppProcess(tmp_path_factory.mktemp("app_offline"), {})
    app.start()
    yield app
    app.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian chromium (never a downloaded browser)."""
    if CHROMIUM is None or sync_playwright is None:
        pytest.fail("CI=true but chromium or playwright is missing: browser tests must run in CI")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    """A fresh browser context (no cookies, no storage) in Chinese, at a desktop size."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    context.set_default_timeout(60_000)
    pg = context.new_page()
    pg.add_init_script(RECORD_COMMENTARY)
    yield pg
    context.close()


# --- helpers -------------------------------------------------------------------------------------


@contextmanager
def restarted(browser: Any, app: AppProcess) -> Iterator[Page]:
    """The server stopped and started again, then a fresh browser context in Chinese: only the server's data
    carries over (the caller closes its own tab first, as an editor closing the browser would)."""
    app.stop()
    app.start()
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    try:
        yield context.new_page()
    finally:
        context.close()


def box(page: Page, elem_id: str) -> Any:
    """The text field inside a gr.Textbox."""
    return page.locator(f"#{elem_id}").locator("textarea, input").first


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    # the page says 加载中… until Gradio has built it: seconds on a loaded machine or beside another worker
    expect(box(page, "dz-raw")).to_be_visible(timeout=60_000)


def wait_status(page: Page, text: str, timeout: float = 90_000) -> None:
    expect(page.locator("#dz-status")).to_contain_text(text, timeout=timeout)


def draft(page: Page, raw: str) -> None:
    box(page, "dz-raw").fill(raw)
    page.locator("#dz-draft-btn").click()
    wait_status(page, "已起草并保存为草稿")


# Pages of their own (drafting/ui/app.py, PAGES), reached by the bar at the top; every other name is a tab of the
# editor's page, reached from another page through the bar's first link.
OWN_PAGES = ("收件箱", "批量", "规则")


def navbar_link(page: Page, name: str) -> Any:
    return page.get_by_role("navigation").get_by_role("link", name=re.compile(f"^{name}"))


def tab(page: Page, name: str) -> None:
    """Go to a page or a tab of the editor's page, as an editor does: the bar's link, then the tab."""
    if name in OWN_PAGES:
        if re.search(r"\bactive\b", navbar_link(page, name).get_attribute("class") or ""):
            return  # already on it: clicking the bar would load the page again
        navbar_link(page, name).click()
        expect(navbar_link(page, name)).to_have_class(re.compile(r"\bactive\b"), timeout=60_000)
        page.wait_for_selector(LOADED_SELECTOR, state="attached", timeout=60_000)  # what the load fills is in place
        return
    tabs = page.get_by_role("tab", name=name, exact=True)
    if not tabs.count():
        navbar_link(page, "起草").click()
        expect(box(page, "dz-raw")).to_be_visible(timeout=60_000)
        page.wait_for_selector(LOADED_SELECTOR, state="attached", timeout=60_000)
    tabs.first.click()


def shot(page: Page, output_dir: Path, name: str) -> Path:
    path = output_dir / name
    page.screenshot(path=str(path), full_page=True)
    return path


# --- with the model --------------------------------------------------------------------------------


def test_draft_edit_accept_with_model(page: Page, app_llm: AppProcess, llm: FakeOpenAI, output_dir: Path) -> None:
    """Paste → precedents → streamed draft → edit (guard, diff, autosave) → accept → History and the index."""
    open_page(page, app_llm.url)
    box(page, "dz-raw").fill(HUBEI)
    page.locator("#dz-draft-btn").click()

    # Precedents arrive first, while the model is still writing.
    precedents = page.locator("#dz-precedents")
    expect(precedents.locator("details.dz-prec").first).to_be_visible(timeout=60_000)
    expect(precedents).to_contain_text("植德短评")
    expect(precedents).to_contain_text("相似度")
    expect(precedents).not_to_contain_text("相关度")  # one figure a lawyer reads (#25)
    expect(precedents).to_contain_text("元宇宙")
    expect(precedents.locator(".dz-dup")).to_have_count(0)  # a new item: no duplicate warning
    wait_status(page, "已起草并保存为草稿")

    expect(page.locator("#dz-model")).to_contain_text("fake-chat")
    expect(page.locator("#dz-model")).not_to_contain_text("离线草稿")
    title = box(page, "dz-title").input_value()
    commentary = box(page, "dz-comm").input_value()
    assert "湖北" in title
    assert len(commentary) >= 60 and "湖北省元宇宙产业发展行动计划" in commentary
    # The 短评 was streamed: the box showed growing prefixes of the final text before the whole of it.
    written = [v for v in page.evaluate("window.__comm || []") if v]
    partial = [v for v in written if len(v) < len(commentary) and commentary.startswith(v)]
    assert len(partial) >= 2, f"expected the 短评 to arrive in pieces, saw {len(written)} writes"
    assert any(r.get("stream") for r in llm.requests)
    shot(page, output_dir, "ui_01_draft_streamed.png")

    # The editor adds a number and a place that are not in the source: the guard marks both, live.
    edited = commentary + "预计带动相关投资900亿元，并在武汉建设产业园。"
    box(page, "dz-comm").fill(edited)
    wait_status(page, "已自动保存草稿")
    findings = page.locator("#dz-findings")
    expect(findings).to_contain_text("900亿")
    expect(findings).to_contain_text("武汉")
    expect(page.locator("#dz-highlight")).to_contain_text("900亿")
    expect(page.locator("#dz-diff ins")).to_contain_text("900亿元")
    expect(page.locator("#dz-count")).to_contain_text("短评")
    shot(page, output_dir, "ui_02_edited_findings_diff.png")

    # Accept: the final text is stored with the draft, and becomes a corpus item and an index entry.
    page.locator("#dz-accept-btn").click()
    wait_status(page, "已采纳草稿")
    expect(page.locator("#dz-model")).to_contain_text("已采纳")

    accepted = list((app_llm.corpus / "accepted").glob("*.json"))
    assert len(accepted) == 1
    stored_item = json.loads(accepted[0].read_text(encoding="utf-8"))
    assert stored_item["commentary"] == edited.strip()
    assert stored_item["title"] == title

    tab(page, "历史")
    table = page.locator("#dz-hist-table")
    expect(table).to_contain_text(title[:12])
    expect(table).to_contain_text("已采纳")
    page.locator("#dz-hist-query textarea, #dz-hist-query input").first.fill("湖北 900亿")
    page.locator("#dz-hist-query textarea, #dz-hist-query input").first.press("Enter")
    expect(table).to_contain_text(title[:12])
    table.get_by_role("gridcell").filter(has_text=title[:12]).first.click()
    expect(page.locator("#dz-hist-preview")).to_contain_text("900亿元")
    shot(page, output_dir, "ui_03_history.png")

    # The corpus tab lists what the index holds: the accepted item is there, marked 采纳.
    tab(page, "语料库")
    box(page, "dz-corpus-query").fill("湖北 产业园")
    page.locator("#dz-corpus-search").click()
    corpus_table = page.locator("#dz-corpus-table")
    expect(corpus_table).to_contain_text(title[:12])
    expect(corpus_table).to_contain_text("采纳")
    expect(page.locator("#dz-corpus-stats")).to_contain_text("符合条件 1 条")
    corpus_table.get_by_role("gridcell").filter(has_text=title[:12]).first.click()
    expect(page.locator("#dz-corpus-detail")).to_contain_text("900亿元")


def test_model_error_keeps_text(page: Page, app_llm: AppProcess, llm: FakeOpenAI) -> None:
    """A failing provider shows the Chinese message as a warning; the editor's text stays in the boxes."""
    open_page(page, app_llm.url)
    draft(page, ANHUI)
    edited = box(page, "dz-comm").input_value() + "（编辑中）"
    box(page, "dz-comm").fill(edited)
    wait_status(page, "已自动保存草稿")
    llm.configure(fail_status=[500] * 20)
    try:
        page.locator("#dz-regen-btn").click()
        wait_status(page, "起草失败")
    finally:
        llm.configure(fail_status=[])
    expect(page.locator(".toast-body").first).to_be_visible()
    assert box(page, "dz-comm").input_value() == edited
    assert "安徽" in box(page, "dz-title").input_value()


def test_settings_tab_hides_key(page: Page, app_llm: AppProcess, output_dir: Path) -> None:
    """Settings names the model and embedding in use, never the API key."""
    open_page(page, app_llm.url)
    tab(page, "设置")
    info = page.locator("#dz-settings-info")
    expect(info).to_contain_text("fake-chat")
    expect(info).to_contain_text("multilingual-e5-small")
    expect(info).to_contain_text("已配置（不显示）")
    assert "sk-test-secret" not in page.content()
    shot(page, output_dir, "ui_05_settings.png")


def test_model_picked_in_settings_drafts(page: Page, app_llm: AppProcess, llm: FakeOpenAI) -> None:
    """The model picked on the settings tab is the one the draft tab calls and names."""
    open_page(page, app_llm.url)
    tab(page, "设置")
    page.locator("#dz-model-pick input").click()
    page.get_by_role("option", name="fake-chat-long").click()
    tab(page, "起草")
    before = len(llm.requests)
    draft(page, ANHUI.replace("安徽", "江西"))
    expect(page.locator("#dz-model")).to_contain_text("fake-chat-long")
    assert {r["model"] for r in llm.requests[before:]} == {"fake-chat-long"}


def test_autosaved_edit_survives_restart(page: Page, browser: Any, app_llm: AppProcess, output_dir: Path) -> None:
    """An edit never accepted is still there after the tab is closed and the server restarted."""
    open_page(page, app_llm.url)
    draft(page, HUBEI.replace("湖北", "湖南").replace("2023年10月8日", "2023年10月9日"))
    unsaved = box(page, "dz-comm").input_value() + "这段修改尚未采纳。"
    box(page, "dz-comm").fill(unsaved)
    wait_status(page, "已自动保存草稿")
    page.context.close()  # the editor closes the browser tab

    with restarted(browser, app_llm) as fresh:
        open_page(fresh, app_llm.url)
        expect(fresh.locator("#dz-resume-md")).to_contain_text("未完成的草稿", timeout=30_000)
        expect(fresh.locator("#dz-resume-md")).to_contain_text("湖南")
        shot(fresh, output_dir, "ui_06_after_restart.png")
        fresh.locator("#dz-resume-btn").click()
        expect(box(fresh, "dz-comm")).to_have_value(unsaved)
        expect(fresh.locator("#dz-precedents details.dz-prec").first).to_be_visible()

        # The same draft is listed as pending in History and reopens from there too.
        tab(fresh, "历史")
        fresh.get_by_role("radio", name="待定").check()
        table = fresh.locator("#dz-hist-table")
        expect(table).to_contain_text("湖南")
        table.get_by_role("gridcell").filter(has_text="湖南").first.click()
        fresh.locator("#dz-hist-open").click()
        expect(fresh.get_by_role("tab", name="起草")).to_have_attribute("aria-selected", "true")
        expect(box(fresh, "dz-comm")).to_have_value(unsaved)


# --- without a model ------------------------------------------------------------------------------


def test_offline_flow(page: Page, app_offline: AppProcess, output_dir: Path) -> None:
    """With no model configured the same flow works, labelled 离线草稿."""
    open_page(page, app_offline.url)
    draft(page, HUBEI)
    expect(page.locator("#dz-model")).to_contain_text("离线草稿")
    expect(page.locator("#dz-precedents details.dz-prec").first).to_be_visible()
    commentary = box(page, "dz-comm").input_value()
    assert len(commentary) >= 100
    shot(page, output_dir, "ui_07_offline_draft.png")
    final = commentary.replace("。", "。湖北此次部署值得关注。", 1)
    box(page, "dz-comm").fill(final)
    wait_status(page, "已自动保存草稿")
    page.locator("#dz-accept-btn").click()
    wait_status(page, "已采纳草稿")
    items = [json.loads(p.read_text(encoding="utf-8")) for p in (app_offline.corpus / "accepted").glob("*.json")]
    assert [i["commentary"] for i in items] == [final]
    tab(page, "历史")
    expect(page.locator("#dz-hist-table")).to_contain_text("离线草稿")
    tab(page, "设置")
    expect(page.locator("#dz-settings-info")).to_contain_text("离线草稿")


def test_variants_pick_and_regenerate(page: Page, app_offline: AppProcess) -> None:
    """Two variants: pick the second (stored as the draft), then regenerate a new draft."""
    open_page(page, app_offline.url)
    page.get_by_role("radio", name="2", exact=True).check()
    draft(page, ANHUI)
    radio = page.locator("#dz-variants")
    expect(radio).to_be_visible()
    first = box(page, "dz-comm").input_value()
    radio.get_by_text("版本 2").click()
    wait_status(page, "已切换到版本 2")
    second = box(page, "dz-comm").input_value()
    assert second and second != first
    status = page.locator("#dz-status").inner_text()
    draft_no = status.split("#")[1].split(" ")[0].rstrip("）")
    tab(page, "历史")
    page.locator("#dz-hist-refresh").click()
    table = page.locator("#dz-hist-table")
    table.get_by_role("gridcell").filter(has_text="安徽").first.click()
    expect(page.locator("#dz-hist-preview")).to_contain_text(second[:30])
    tab(page, "起草")
    page.locator("#dz-regen-btn").click()
    wait_status(page, "已起草并保存为草稿")
    assert f"#{draft_no}，" not in page.locator("#dz-status").inner_text()  # a new row, the old one kept


def test_duplicate_warning_and_escaping(page: Page, app_offline: AppProcess) -> None:
    """Pasting an item already in the corpus warns; pasted markup is shown as text, never run."""
    open_page(page, app_offline.url)
    seed = (app_offline.corpus / "issues" / SEED.name).read_text(encoding="utf-8")
    start = seed.index("重庆发布元宇宙产业发展行动计划\n")
    chongqing = seed[start:seed.index("植德短评", start)]
    draft(page, chongqing)
    expect(page.locator("#dz-precedents .dz-dup")).to_contain_text("语料库中已有此条目")

    page.evaluate("window.__xss = 0")
    markup = '<img src=x onerror="window.__xss=1"><b>加粗</b>'
    box(page, "dz-comm").fill(box(page, "dz-comm").input_value() + markup)
    wait_status(page, "已自动保存草稿")
    diff = page.locator("#dz-diff")
    expect(diff).to_contain_text('<img src=x onerror="window.__xss=1">')
    assert diff.locator("img").count() == 0 and diff.locator("b", has_text="加粗").count() == 0
    assert page.evaluate("window.__xss") == 0


def test_empty_paste_warns(page: Page, app_offline: AppProcess) -> None:
    """Drafting with nothing pasted says what to do, in Chinese."""
    open_page(page, app_offline.url)
    page.locator("#dz-draft-btn").click()
    expect(page.get_by_text("请先在「新条目 / 政策原文」框中粘贴内容").first).to_be_visible()


def test_upload_ingest_and_browse(page: Page, app_offline: AppProcess, tmp_path: Path, output_dir: Path) -> None:
    """Upload a past issue: a progress bar, a report of what was parsed, the items in the table."""
    issue = tmp_path / "2023年11月刊.md"
    issue.write_text(
        "# 植德元宇宙月刊 2023年11月\n\n## 政策速递\n\n### 浙江省印发《浙江省元宇宙产业发展行动计划（2023—2025年）》\n\n"
        "2023年11月2日，浙江省经济和信息化厅等部门印发《浙江省元宇宙产业发展行动计划（2023—2025年）》。"
        "行动计划提出，到2025年，全省元宇宙相关产业规模达到1000亿元，培育一批元宇宙领军企业和特色产业园区。\n\n"
        "植德短评：\n\n浙江此次出台《行动计划》，体现了对元宇宙产业的高度重视。该计划立足浙江数字经济基础，"
        "明确了产业规模目标和重点任务，为相关企业参与技术研发与场景建设提供了明确方向。\n\n"
        "## 行业新闻\n\n### 杭州举办元宇宙产业大会\n\n2023年11月5日，杭州举办元宇宙产业大会，发布一批元宇宙应用案例。\n",
        encoding="utf-8",
    )
    open_page(page, app_offline.url)
    tab(page, "语料库")
    page.locator("#dz-upload input[type=file]").set_input_files([str(issue)])
    page.locator("#dz-ingest-btn").click()
    report = page.locator("#dz-ingest-report")
    expect(report).to_contain_text("2023年11月刊.md", timeout=90_000)
    expect(report).to_contain_text("索引中现有")
    assert (app_offline.corpus / "issues" / issue.name).exists()
    box(page, "dz-corpus-query").fill("浙江")
    page.locator("#dz-corpus-search").click()
    expect(page.locator("#dz-corpus-table")).to_contain_text("浙江省")
    shot(page, output_dir, "ui_04_corpus_upload.png")


# --- serving ------------------------------------------------------------------------------------------


def test_login_required_when_users_configured(tmp_path_factory: pytest.TempPathFactory) -> None:
    """settings.server.users turns on Gradio's login: nothing but the login page without it."""
    import http.cookiejar
    import urllib.error
    import urllib.parse
    import urllib.request

    app = AppProcess(tmp_path_factory.mktemp("app_auth"), {"DRAFTING_SERVER__USERS": '{"editor": "s3cret-pw"}'})
    app.start()
    try:
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(f"{app.url}/config", timeout=10)
        assert denied.value.code == 401
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with pytest.raises(urllib.error.HTTPError):
            opener.open(f"{app.url}/login", urllib.parse.urlencode({"username": "editor", "password": "wrong"}).encode())
        opener.open(f"{app.url}/login", urllib.parse.urlencode({"username": "editor", "password": "s3cret-pw"}).encode())
        with opener.open(f"{app.url}/config", timeout=10) as resp:
            config = resp.read().decode()
        assert resp.status == 200 and "起草" in config and "s3cret-pw" not in config
        assert "（需登录）" in app.log.read_text(encoding="utf-8")
    finally:
        app.stop()

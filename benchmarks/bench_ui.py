"""The editor's page, measured in headless Chromium: app start, page load, first precedents, draft, autosave.

Starts `python app.py` (offline drafter) on a temporary copy of the seed corpus, drives it with Debian's
chromium through Playwright, prints figures; asserts nothing. Targets: warm start < 10 s, precedents < 1 s after
the first draft, autosave + fact check + diff round trip < 300 ms.

    .venv/bin/python benchmarks/bench_ui.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from processes import wait_until_answers

SEED = ROOT / "corpus" / "issues" / "000_91daaad5127cd8d6.txt"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
RAW = (
    "湖北省印发《湖北省元宇宙产业发展行动计划（2023—2025年）》\n2023年10月8日，湖北省经济和信息化厅等12部门联合印发"
    "《湖北省元宇宙产业发展行动计划（2023—2025年）》。行动计划提出，到2025年，全省元宇宙核心产业规模力争达到300亿元，"
    "培育5家以上具有行业影响力的元宇宙领军企业，打造50个以上典型应用场景。"
)


def start_app(tmp: Path, port: int) -> tuple[subprocess.Popen[bytes], float]:
    """Start the app and return it with the seconds until the page answered."""
    env = {**os.environ, "DRAFTING_CORPUS_DIR": str(tmp / "corpus"), "DRAFTING_DATA_DIR": str(tmp / "data"),
           "DRAFTING_SERVER__PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False"}
    for key in ("DRAFTING_LLM__BASE_URL", "DRAFTING_LLM__MODEL"):
        env.pop(key, None)
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=tmp, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_answers(f"http://127.0.0.1:{port}/", proc, timeout=300, interval=0.1)
    return proc, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        (tmp / "corpus" / "issues").mkdir(parents=True)
        shutil.copy(SEED, tmp / "corpus" / "issues" / SEED.name)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc, cold = start_app(tmp, port)
        proc.terminate()
        proc.wait()
        proc, warm = start_app(tmp, port)
        print(f"app start: cold (embeds the corpus) {cold:.1f} s, warm {warm:.1f} s")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)
                page = browser.new_page(viewport={"width": 1600, "height": 1000})
                t = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector("#dz-raw textarea")
                print(f"page load: {time.perf_counter() - t:.2f} s")
                for run in range(args.runs):
                    page.fill("#dz-raw textarea", RAW)
                    t = time.perf_counter()
                    page.click("#dz-draft-btn")
                    page.wait_for_selector("#dz-precedents details")
                    first = time.perf_counter() - t
                    page.wait_for_function("document.querySelector('#dz-status').innerText.includes('已起草')")
                    done = time.perf_counter() - t
                    saves = []
                    for i in range(5):
                        t = time.perf_counter()
                        page.fill("#dz-comm textarea", page.input_value("#dz-comm textarea") + f"改{run}{i}")
                        page.wait_for_function(
                            "document.querySelector('#dz-status').innerText.includes('已自动保存')"
                            f" && document.querySelector('#dz-diff').innerText.includes('改{run}{i}')"
                        )
                        saves.append(time.perf_counter() - t)
                    print(f"draft {run + 1} (offline): precedents {first:.2f} s, done {done:.2f} s; "
                          f"autosave+guard+diff {min(saves) * 1000:.0f}–{max(saves) * 1000:.0f} ms")
                browser.close()
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()

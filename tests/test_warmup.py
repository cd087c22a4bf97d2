"""The start-up warm-up (issue #28: the first draft after start took 1.07 s against 0.31–0.34 s for the next): it pays
the first draft's one-time costs, stores nothing, and never stops the server when it fails.

Run in a fresh interpreter: jieba's dictionaries are loaded once per process, so another test may have loaded them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {tests!r})
    from conftest import seeded_settings
    from pathlib import Path
    import jieba
    from drafting.services import build_services
    from drafting.ui.warmup import start_warm_up

    services = build_services(seeded_settings(Path({tmp!r})))
    services.ingest()  # a warm start: the corpus's tokens come from their cache, jieba is not loaded
    before = {{"jieba": jieba.dt.initialized, "posseg": "jieba.posseg" in sys.modules,
              "drafts": len(services.store.list()), "done": services.warmup.done}}
    start_warm_up(services).join(timeout=300)
    after = {{"jieba": jieba.dt.initialized, "posseg": "jieba.posseg" in sys.modules,
             "drafts": len(services.store.list()), "done": services.warmup.done,
             "steps": sorted(services.warmup.seconds), "error": services.warmup.error,
             "usage": services.learning.stats().drafts}}
    print(json.dumps({{"before": before, "after": after}}))
    """
)


def run_script(tmp: Path) -> dict[str, dict[str, object]]:
    code = SCRIPT.format(tests=str(ROOT / "tests"), tmp=str(tmp))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp, timeout=600, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    result: dict[str, dict[str, object]] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_warm_up_pays_the_first_drafts_costs_and_stores_nothing(tmp_path: Path) -> None:
    seen = run_script(tmp_path)
    before, after = seen["before"], seen["after"]
    assert before == {"jieba": False, "posseg": False, "drafts": 0, "done": False}
    assert after["error"] is None
    assert after["done"] is True
    # the dictionaries the first draft loaded itself, and the whole page path (draft, then the page's rendering)
    assert after["jieba"] is True and after["posseg"] is True
    assert after["steps"] == ["draft", "jieba", "page"]
    assert after["drafts"] == 0  # nothing stored: no draft in History, none in the statistics
    assert after["usage"] == 0


def test_warm_up_never_calls_the_configured_model(tmp_path: Path, fake_openai: Any) -> None:
    from conftest import seeded_settings

    from drafting.services import build_services
    from drafting.settings import LLMSettings

    settings = seeded_settings(tmp_path, llm=LLMSettings(base_url=fake_openai.url, model="fake-chat", max_retries=1),
                               profile_with_model=True)
    services = build_services(settings)
    services.ingest()
    draft = services.warmup.run(services.drafter)
    assert services.warmup.done and services.warmup.error is None
    assert draft is not None and draft.offline and draft.commentary  # the whole offline path ran
    assert "prompts" in services.warmup.seconds  # read now, not on the first model draft
    assert fake_openai.requests == []  # nothing sent to the provider, even with profile_with_model on
    assert services.store.list() == []

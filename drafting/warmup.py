"""Pay the first draft's one-time costs when the server starts, in the background (issue #28).

The first offline draft after a start took about 0.7 s more than the next ones (1.07 s against 0.31–0.34 s in the
browser): the jieba dictionary (a warm start restores the corpus's tokens from their cache, so the first query is the
first text jieba cuts), jieba's part-of-speech table (the fact check), the embedding model's first run, the prompt
files, and the regular expressions and profiles of the drafting path. The server drafts one made-up item offline
once the page is served, and throws the draft away: nothing is stored, logged as usage or sent to a model.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from drafting.index.embeddings import REMOTE_EMBEDDINGS
from drafting.index.lexical import tokenize
from drafting.models import Draft, DraftEvent, DraftRequest
from drafting.writing.service import DraftingService

logger = logging.getLogger(__name__)

# A made-up policy item (no firm text): a typical 政策速递 paste, so the warm-up takes the editors' own path —
# the item read from raw text, its profile, precedents, an offline 短评 and its fact check.
SAMPLE_ITEM = (
    "某市印发《某市区块链与元宇宙产业创新发展行动方案（2024—2026年）》\n"
    "2024年3月1日，某市经济和信息化局等8部门联合印发《某市区块链与元宇宙产业创新发展行动方案（2024—2026年）》。"
    "方案提出，到2026年，全市相关产业规模力争达到200亿元，培育10家以上骨干企业，打造30个以上典型应用场景，"
    "并从技术攻关、算力设施、场景开放和人才引育等方面部署重点任务。"
)

@dataclass
class WarmUp:
    """Whether the start-up warm-up has finished, and what each step took (GET /api/v1/health reports it)."""

    seconds: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    _done: threading.Event = field(default_factory=threading.Event)

    @property
    def done(self) -> bool:
        """True once the warm-up ran (or failed: a failed warm-up only means the first draft pays the costs itself)."""
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the warm-up (tests, benchmarks); True when it has finished."""
        return self._done.wait(timeout)

    def run(self, drafter: DraftingService, request: DraftRequest | None = None,
            then: Callable[[Draft], None] | None = None) -> Draft | None:
        """Draft the request (default: SAMPLE_ITEM) offline and return the draft; `then` gets it before done is set
        (the page renders it once, so its own formatting is paid too). Never raises: a failure is logged."""
        draft: Draft | None = None
        try:
            draft = self._steps(drafter, request or DraftRequest(raw_text=SAMPLE_ITEM, offline=True))
            if draft is not None and then is not None:
                started = time.perf_counter()
                then(draft)
                self.seconds["page"] = time.perf_counter() - started
        except Exception as exc:  # a warm-up is an optimisation: it must never stop the server
            self.error = f"{type(exc).__name__}: {exc}"
            logger.exception("warm-up failed (the first draft pays its one-time costs)")
        finally:
            self._done.set()
        logger.info("warm-up done: %s", ", ".join(f"{k} {v:.2f} s" for k, v in self.seconds.items()) or "nothing to do")
        return draft

    def _steps(self, drafter: DraftingService, request: DraftRequest) -> Draft | None:
        def step(name: str, work: Callable[[], object]) -> None:
            started = time.perf_counter()
            work()
            self.seconds[name] = time.perf_counter() - started

        step("jieba", lambda: tokenize(SAMPLE_ITEM))
        events: list[DraftEvent] = []
        # searching through a remote embedder would send the sample to the provider: left to the first real draft
        if drafter.settings.embedding.backend not in REMOTE_EMBEDDINGS:
            step("draft", lambda: events.extend(drafter.stream(request.model_copy(update={"offline": True}))))
        if drafter.models():  # read on a model's first draft; an offline-only server may have no prompt files
            step("prompts", lambda: drafter.prompts)
        return next((e.draft for e in events if e.kind == "done" and e.draft is not None), None)

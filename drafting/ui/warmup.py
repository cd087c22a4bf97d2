"""The page's part of the start-up warm-up (issue #28): the sample item goes through the 起草 button's own path once
— the paste read as the page reads it, the offline draft, and every piece of the page that shows it."""

from __future__ import annotations

import logging
import threading

from drafting.models import Draft, DraftRequest
from drafting.services import Services
from drafting.ui import format as fmt
from drafting.warmup import SAMPLE_ITEM

logger = logging.getLogger(__name__)


def render(draft: Draft, services: Services) -> None:
    """What the page draws for a finished draft, and for the editor's first keystroke (autosave's check and diff)."""
    gs = services.settings.guard
    fmt.precedents_html(draft.precedents, draft.duplicates)
    fmt.profile_html(draft.profile, draft.precedent_gap)
    fmt.char_count(draft.commentary, gs.min_chars, gs.max_chars)
    fmt.highlight_segments(draft.commentary, draft.findings)
    fmt.findings_html(draft.findings)
    fmt.draft_diff_html(draft, draft.item.title, draft.item.body, draft.commentary + "改")


def start_warm_up(services: Services) -> threading.Thread:
    """Warm up in a daemon thread once the page is served: the server start and the page never wait for it."""

    def work() -> None:
        request: DraftRequest | None = None
        try:
            request, _source = fmt.build_request(SAMPLE_ITEM, offline=True,
                                                 keep_titles=services.settings.sources.keep_quoted_titles)
        except Exception:  # the core warm-up still runs on its own request
            logger.exception("warm-up: the sample paste was not read as the page reads it")
        services.warmup.run(services.drafter, request, then=lambda draft: render(draft, services))

    thread = threading.Thread(target=work, name="warm-up", daemon=True)
    thread.start()
    return thread

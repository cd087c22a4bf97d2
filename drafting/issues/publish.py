"""Running a batch as an issue in progress, and publishing an issue: the steps that need the app's parts.

Both take the parts they use as :class:`~drafting.issues.parts.IssueParts` (the app's ``Services`` fits it), so this
stage never imports the composition root above it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from pathlib import Path

from drafting.errors import ValidationError
from drafting.export.assemble import AssembledIssue
from drafting.issues.batch import BatchRunner
from drafting.issues.batch_input import read_items
from drafting.issues.batch_report import BatchProgress, BatchReport
from drafting.issues.batch_rows import BatchInput
from drafting.issues.in_progress import IssueInProgress
from drafting.issues.parts import IssueParts
from drafting.models import Item

logger = logging.getLogger(__name__)


def run_batch(
    services: IssueParts,
    source: Path | BatchInput,
    *,
    concurrency: int | None = None,
    rpm: int | None = None,
    resume: bool = False,
    offline: bool = False,
    all_sections: bool = False,
    batch_id: str | None = None,
    progress: Callable[[BatchProgress], None] | None = None,
    prefetch: bool = True,
    actor: str | None = None,
) -> BatchReport:
    """Read a list (or take a parsed one), draft it, and record it as an issue in progress (id = batch id).

    The id is the same for the same list whether the page or the CLI runs it (see :func:`resolve_batch_id`).
    """
    settings = services.settings
    batch = source if isinstance(source, BatchInput) else read_items(Path(source))
    if not batch.entries:
        reasons = "；".join(str(p) for p in batch.errors[:5])
        raise ValidationError(f"{batch.source}：没有可起草的条目" + (f"（{reasons}）" if reasons else "，文件为空"))
    offline = offline or not settings.llm.configured
    runner = BatchRunner(
        services.drafter.draft,
        data_dir=settings.data_dir,
        concurrency=concurrency or settings.batch.concurrency,
        rpm=settings.batch.rpm if rpm is None else rpm,
        offline=offline,
        all_sections=all_sections,
        store=services.store,
        search_fn=lambda text: services.retriever.search(text, k=1),
        corpus_titles={i.id: i.title for i in services.corpus.items()},
        prefetch_fn=(lambda text: services.retriever.search(text, k=1)) if prefetch else None,
    )
    bid = batch_id or resolve_batch_id(services, batch, resume=resume)
    report = runner.run(batch, batch_id=bid, resume=resume, progress=progress)
    services.reviews.record_batch(report, resume=resume, actor=actor)
    return report


def resolve_batch_id(services: IssueParts, batch: BatchInput, *, resume: bool) -> str:
    """The list's id from its file name and content, so the page and the CLI agree on it.

    Resuming an edited list (new content hash) continues the unpublished issue of the same file name that shares
    items with it, wherever it was started.
    """
    bid = _input_id(batch)
    if resume and not services.reviews.exists(bid):
        return services.reviews.find_resumable(batch.source, [e.key for e in batch.entries]) or bid
    return bid


def _input_id(batch: BatchInput) -> str:
    digest = hashlib.sha1("|".join(e.key for e in batch.entries).encode()).hexdigest()[:8]
    stem = re.sub(r"[^\w\-]+", "_", Path(batch.source).stem)[:40] or "batch"
    return f"{stem}-{digest}"


def publish(
    services: IssueParts,
    issue: AssembledIssue,
    *,
    accepted: list[tuple[int, Item]] | None = None,
    actor: str | None = None,
) -> Path:
    """Mark the issue final: its items and 短评 join the corpus and the index; stored drafts become accepted."""
    if not issue.items():
        raise ValidationError("本期没有条目，无法发布：请先完成批量起草")
    final = issue.model_copy(deep=True)
    for section in final.sections:
        for a in section.items:
            # Edited titles change the stable id: recompute it from the final text.
            a.item = Item.model_validate({**a.item.model_dump(), "id": ""})
    with services.corpus_lock.hold():
        # never over an issue of the same heading (same title and month): a new name instead
        path, stored = services.corpus.publish_issue(final.to_issue())
        services.reviews.record("corpus", actor=actor, after={"issue": stored.id, "path": str(path),
                                                              "items": [i.title for i in final.items()]})
        for draft_id, item in accepted or []:
            services.store.accept(draft_id, title=item.title, body=item.body, commentary=item.commentary or "", actor=actor,
                                  action="publish")
        services.ingest()
    logger.info("published %s to %s", final.id, path)
    return path


def publish_issue(services: IssueParts, issue: IssueInProgress, *, actor: str | None = None,
                  every_commentary: bool = False) -> Path:
    """Publish an issue in progress: every item, the ticked 短评 (all with ``every_commentary``); items → 已发布."""
    assembled = issue.assemble(services.settings.prompts_dir, ticked_only=not every_commentary)
    # An unticked 短评 stays pending in its row (the editor's text is kept); every other item is accepted as printed.
    accepted = [(i.draft_id, i.final_item(ticked_only=not every_commentary)) for i in issue.items
                if i.ticked or every_commentary or not i.commentary.strip()]
    path = publish(services, assembled, accepted=accepted, actor=actor)
    services.reviews.mark_published(issue.id, path, actor=actor)
    return path

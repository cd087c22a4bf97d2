"""What a batch run produces: one result per entry of the list, the progress ticks the CLI bar and the page show,
and the report with its counts and notes (duplicates, precedent gaps, failures). Plain models, read by the runner
(batch.py), the checkpoint (batch_checkpoint.py) and the issues in progress (review.py), none of which runs a batch."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from drafting.corpus.profile import precedent_gap_message
from drafting.issues.batch_rows import RowProblem
from drafting.models import Draft, Item


class BatchResult(BaseModel):
    """The outcome for one entry of the list."""

    key: str
    line: int
    label: str
    status: Literal["done", "failed", "pending"] = "pending"
    item: Item | None = Field(default=None, description="the item as it goes into the issue")
    commentary: str | None = Field(default=None, description="the 短评 the issue prints under the item")
    draft: Draft | None = None
    draft_id: int | None = Field(default=None, description="row in the draft store")
    error: str | None = None
    resumed: bool = Field(default=False, description="taken from the checkpoint, not drafted again")
    drafted: bool = Field(default=False, description="went through the drafter (policy items, raw texts)")
    duplicates: list[str] = Field(default_factory=list, description="corpus items this one (nearly) repeats")


class BatchProgress(BaseModel):
    """A progress tick for the CLI bar and the UI."""

    done: int
    failed: int
    total: int
    result: BatchResult


class BatchReport(BaseModel):
    """What a batch run produced, in input order."""

    batch_id: str
    source: str
    folder: str
    results: list[BatchResult] = Field(default_factory=list)
    problems: list[RowProblem] = Field(default_factory=list)
    elapsed: float = 0.0
    stopped: str | None = Field(default=None, description="why the run stopped early, if it did")

    def count(self, status: str) -> int:
        """Results with the given status."""
        return sum(1 for r in self.results if r.status == status)

    @property
    def complete(self) -> bool:
        """Every entry done."""
        return all(r.status == "done" for r in self.results)

    def items(self) -> list[Item]:
        """Finished items with their 短评, in input order."""
        return [
            r.item.model_copy(update={"commentary": r.commentary or None})
            for r in self.results
            if r.status == "done" and r.item is not None
        ]

    def duplicate_notes(self) -> list[str]:
        """Human lines for every duplicate: within the list (warnings) and against the corpus."""
        notes = [str(p) for p in self.problems if not p.fatal]
        for r in self.results:
            for title in r.duplicates:
                notes.append(f"第 {r.line} 行「{r.label[:20]}」：语料库中已有相同条目「{title}」")
        return notes

    def gap_notes(self) -> list[str]:
        """One line per drafted 短评 whose kind and stance have no precedent in the corpus (缺少同类先例)."""
        return [f"第 {r.line} 行「{r.label[:20]}」：{precedent_gap_message(r.draft.profile)}"
                for r in self.results if r.draft is not None and r.draft.commentary and r.draft.precedent_gap
                and r.draft.profile is not None]

    def summary(self) -> dict[str, Any]:
        """Counts for --json and the UI."""
        return {
            "batch_id": self.batch_id,
            "folder": self.folder,
            "total": len(self.results),
            "done": self.count("done"),
            "failed": self.count("failed"),
            "pending": self.count("pending"),
            "resumed": sum(1 for r in self.results if r.resumed),
            "drafted": sum(1 for r in self.results if r.drafted and not r.resumed and r.status == "done"),
            # done = resumed + drafted + given: items taken as they were (no 短评 asked for) are counted too.
            "given": sum(1 for r in self.results if not r.drafted and r.status == "done"),
            "rejected_rows": [str(p) for p in self.problems if p.fatal],
            "duplicates": self.duplicate_notes(),
            "precedent_gaps": self.gap_notes(),
            "failures": [f"第 {r.line} 行「{r.label[:20]}」：{r.error}" for r in self.results if r.status == "failed"],
            "elapsed_s": round(self.elapsed, 2),
            "stopped": self.stopped,
        }

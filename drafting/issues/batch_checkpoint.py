"""A batch's checkpoint: an append-only JSONL of finished entries in the batch's folder, fsynced per line, so a
killed process or a provider outage loses nothing finished; a record read back becomes the entry's result again
(resume). Kept apart from the runner (batch.py), which only appends and loads."""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drafting.issues.batch_report import BatchResult
from drafting.models import Draft, Item

logger = logging.getLogger(__name__)


class Checkpoint:
    """Append-only JSONL of finished entries, fsynced per line; the last record per key wins."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def load(self) -> dict[str, dict[str, Any]]:
        """Records by key; a torn last line (killed mid-write) is ignored."""
        records: dict[str, dict[str, Any]] = {}
        if not self.path.exists():
            return records
        # errors="replace": a damaged (binary) checkpoint must cost its bad lines, not the whole resume
        with self.path.open(encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except (json.JSONDecodeError, RecursionError):
                    logger.warning("%s line %d is incomplete (interrupted write); ignored", self.path, n)
                    continue
                if not isinstance(rec, dict) or not isinstance(rec.get("key"), str) or not isinstance(rec.get("status"), str):
                    logger.warning("%s line %d is not a checkpoint record; ignored", self.path, n)
                    continue
                records[rec["key"]] = rec
        return records

    def append(self, record: dict[str, Any]) -> None:
        """Write one record durably before returning."""
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            if fh.tell() and not self._ends_with_newline():
                line = "\n" + line  # a torn last line (killed mid-write) must not swallow this record
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as fh:
            fh.seek(-1, os.SEEK_END)
            return fh.read(1) == b"\n"

    def rotate(self) -> Path | None:
        """Move an old checkpoint aside (a fresh run keeps, never deletes, earlier drafts)."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return None
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"checkpoint-{stamp}.jsonl")
        self.path.rename(target)
        return target

def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def restore_result(result: BatchResult, rec: dict[str, Any]) -> BatchResult | None:
    """A result rebuilt from its checkpoint record; None when the record is damaged (the entry is drafted again)."""
    try:
        draft = Draft.model_validate(rec["draft"]) if rec.get("draft") else None
        item = Item.model_validate(rec["item"])
    except (KeyError, TypeError, ValueError) as exc:
        logger.warning("checkpoint record for %s is damaged (%s); drafting it again", result.key, type(exc).__name__)
        return None
    return result.model_copy(update={
        "status": "done",
        "item": item,
        "commentary": rec.get("commentary"),
        "draft": draft,
        "draft_id": rec.get("draft_id"),
        "duplicates": rec.get("duplicates", []),
        "resumed": True,
        "drafted": True,
    })

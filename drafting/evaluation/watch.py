"""`drafting eval watch`: relevance precision@20 and recall of relevant entries on the labelled watch fixture.

The fixture (``tests/data/watch``: ``entries.json`` written in the style of six sites, ``labels.json`` labelled before
any scoring rule) holds every entry as the sites publish it at the last step (edits applied). Each document is
triaged once as its first site lists it, with its text (what triage reads from its page), against the corpus the
retriever searches. Entries labelled ``in_corpus`` are past items of the firm: they must come back as duplicates and
are not counted as offered. Measured:

- **P@20**: relevant entries among the 20 most relevant offered ones (not flagged as a duplicate);
- **recall**: relevant entries offered at or above the inbox's threshold (``WatchSettings.min_relevance``);
- precision above the threshold, how many past items were caught as duplicates (and how many entries were wrongly),
  whether every document listed on two sites gets one document key, and how often the suggested section (where
  加入本期 puts the entry) is the labelled one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, Field

from drafting.errors import ValidationError
from drafting.settings import ROOT
from drafting.watch.dedupe import Held, document_key
from drafting.watch.entry import RawEntry, Scored
from drafting.watch.triage import SIGNALS, Triage

DEFAULT_WATCH_DATA = ROOT / "tests" / "data" / "watch"
# The configurations `drafting eval watch` compares: the baseline (similarity to past items alone) and the rules.
CONFIGS: dict[str, tuple[str, ...]] = {"similarity": ("similarity",), "scope": ("scope",), "triage": SIGNALS}


class Case(BaseModel):
    id: str
    site: str
    title: str
    text: str
    published: dt.date
    relevant: bool
    section: str | None = None
    in_corpus: str | None = None
    sites: list[str]
    titles: dict[str, str] = Field(default_factory=dict)


class Miss(BaseModel):
    id: str
    title: str
    relevance: float
    reason: str


class WatchReport(BaseModel):
    config: str
    entries: int
    relevant: int
    threshold: float
    p_at_20: float
    recall: float
    precision_at_threshold: float
    offered: int
    corpus_duplicates_found: int
    corpus_duplicates: int
    false_duplicates: int
    same_document_merged: int
    same_document: int
    false_merges: int
    section_accuracy: float = Field(description="relevant entries whose suggested section is the labelled one")
    misses: list[Miss] = Field(default_factory=list, description="relevant entries below the threshold or flagged duplicate")
    false_top: list[Miss] = Field(default_factory=list, description="entries in the top 20 labelled not relevant")


def load_cases(data: Path | None = None) -> list[Case]:
    """The fixture's documents as published at its last step, with their labels."""
    folder = data or DEFAULT_WATCH_DATA
    try:
        entries = json.loads((folder / "entries.json").read_text(encoding="utf-8"))["entries"]
        labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))["labels"]
    except (OSError, ValueError, KeyError) as exc:
        raise ValidationError(f"无法读取监测评测集 {folder}：{exc}") from exc
    cases = []
    for e in entries:
        edit = e.get("edit") or {}
        label = labels.get(e["id"])
        if label is None:
            raise ValidationError(f"监测评测集缺少条目 {e['id']} 的标注：请先在 labels.json 中标注")
        cases.append(Case(id=e["id"], site=e["sites"][0], title=edit.get("title", e["title"]), text=edit.get("body", e["body"]),
                          published=dt.date.fromisoformat(e["date"]), relevant=label["relevant"], section=label.get("section"),
                          in_corpus=label.get("in_corpus"), sites=e["sites"], titles=e.get("titles", {})))
    return cases


def _raw(case: Case, site: str | None = None) -> RawEntry:
    site = site or case.site
    return RawEntry(source_id=site, url=f"https://{site}.fixture/{case.id}", title=case.titles.get(site, case.title),
                    published=case.published, summary=case.text)


def evaluate_watch(cases: Sequence[Case], triage: Triage, *, config: str, threshold: float,
                   held: Sequence[Held] = ()) -> WatchReport:
    """Triage every case once and measure ranking, recall, duplicates and document keys."""
    scored: list[Scored] = triage([_raw(c) for c in cases])
    pairs = list(zip(cases, scored, strict=True))
    offered = sorted(((c, s) for c, s in pairs if s.duplicate_of is None and not c.in_corpus),
                     key=lambda cs: (-cs[1].relevance, cs[0].id))
    # an in-corpus entry the triage failed to flag would be offered again: it counts against precision
    offered_all = sorted(((c, s) for c, s in pairs if s.duplicate_of is None), key=lambda cs: (-cs[1].relevance, cs[0].id))
    top = offered_all[:20]
    wanted = [c for c in cases if c.relevant and not c.in_corpus]
    above = [(c, s) for c, s in offered_all if s.relevance >= threshold]
    got = {c.id for c, s in offered if c.relevant and s.relevance >= threshold}
    keys: dict[str, set[str | None]] = {}
    for c in cases:
        keys[c.id] = {document_key(c.titles.get(site, c.title)) for site in c.sites}
    multi = [c for c in cases if len(c.sites) > 1]
    owners: dict[str, set[str]] = {}
    for cid, ks in keys.items():
        for k in ks:
            if k:
                owners.setdefault(k, set()).add(cid)

    sectioned = [(c, s) for c, s in pairs if c.relevant and c.section]

    def miss(c: Case, s: Scored) -> Miss:
        return Miss(id=c.id, title=c.title, relevance=s.relevance, reason=s.reason)

    return WatchReport(
        config=config, entries=len(cases), relevant=len(wanted), threshold=threshold,
        p_at_20=round(sum(c.relevant and not c.in_corpus for c, _ in top) / max(len(top), 1), 3),
        recall=round(len(got) / max(len(wanted), 1), 3),
        precision_at_threshold=round(sum(c.relevant and not c.in_corpus for c, _ in above) / max(len(above), 1), 3),
        offered=len(above),
        corpus_duplicates_found=sum(1 for c, s in pairs if c.in_corpus and s.duplicate_of),
        corpus_duplicates=sum(1 for c in cases if c.in_corpus),
        false_duplicates=sum(1 for c, s in pairs if not c.in_corpus and s.duplicate_of),
        same_document_merged=sum(1 for c in multi if len(keys[c.id]) == 1 and None not in keys[c.id]),
        same_document=len(multi),
        false_merges=sum(1 for ids in owners.values() if len(ids) > 1),
        section_accuracy=round(sum(s.section == c.section for c, s in sectioned) / max(len(sectioned), 1), 3),
        misses=[miss(c, s) for c, s in pairs if c.relevant and not c.in_corpus and c.id not in got],
        false_top=[miss(c, s) for c, s in top if not c.relevant or c.in_corpus],
    )


def format_table(reports: Sequence[WatchReport]) -> str:
    lines = [f"{'config':<11} {'P@20':>6} {'recall':>7} {'P@thr':>6} {'offered':>7} {'past dup':>8} {'false dup':>9} {'2-site docs':>11} {'section':>7}"]
    for r in reports:
        lines.append(f"{r.config:<11} {r.p_at_20:>6.3f} {r.recall:>7.3f} {r.precision_at_threshold:>6.3f} {r.offered:>7} "
                     f"{r.corpus_duplicates_found:>4}/{r.corpus_duplicates:<3} {r.false_duplicates:>9} "
                     f"{r.same_document_merged:>5}/{r.same_document:<5} {r.section_accuracy:>7.3f}")
    r = reports[-1]
    lines.append(f"{r.entries} entries, {r.relevant} relevant and new, threshold {r.threshold}")
    return "\n".join(lines)

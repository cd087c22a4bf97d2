"""Triage: how relevant each new entry is to the newsletter, why (in Chinese), its profile, and what it duplicates.

Three signals, each shown in the reason:
- **scope** — the subjects of the newsletter's sections named in the title (strong) or only in the text
  (``drafting.watch.scope``); a title about grain or tourism statistics with no such subject is pushed down;
- **similarity** — the closest past item of the firm's own corpus (the precedent search the 起草 tab uses);
- **decisions** — what editors did with similar entries before (``WatchStore.decisions()``): 加入本期 pulls an entry
  up, 忽略 pushes it down, 稍后 a little up.

An entry the firm already holds (a past item of the corpus, or a row of an issue in progress: same link or same
document) gets ``duplicate_of`` and is never counted as new. Entries naming the same document share a
``Scored.document_key`` (a province's 转发 of a ministry's 《…》 too), so the inbox keeps one entry with several links.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from drafting.corpus.profile import guess_section, profile_of
from drafting.errors import DraftingError
from drafting.index.search import Retriever
from drafting.issues.review import ReviewStore
from drafting.models import Item
from drafting.watch.dedupe import Held, document_key, document_name, find_held
from drafting.watch.entry import InboxEntry, RawEntry, Scored
from drafting.watch.scope import SCOPE_WORDS, ScopeHit, fold, scope_of

logger = logging.getLogger(__name__)

SIGNALS = ("scope", "similarity", "decisions")
READ_BELOW_CHARS = 60  # a list page gives a title only: read the entry's page when it says less than this
# The precedent search gets the title and this much of the text: the title and lead carry the topic (80 and 400 gave
# the same figures on the fixture; the query embedding, most of triage's time, is capped by the retriever anyway).
SEARCH_TEXT_CHARS = 80
MAX_DECISIONS = 3000  # the latest decisions teach; older ones stop costing time on every entry


@dataclass(frozen=True)
class Weights:
    """How the signals add up to a relevance in 0..1 (the inbox's threshold is ``WatchSettings.min_relevance``)."""

    base: float = 0.1
    scope: float = 0.6
    similarity: float = 0.25
    decisions: float = 0.3
    out_of_scope: float = 0.25  # taken off when the title is about grain, tourism statistics … and names no subject
    # The bundled e5 model puts any two Chinese government notices near 0.84 and the same topic above 0.9: rescaled.
    cosine_floor: float = 0.84
    cosine_full: float = 0.92
    decision_min: float = 0.3  # title likeness below which an editor's decision says nothing about this entry


@dataclass
class Signals:
    """One entry's evidence, kept for the reason and the evaluation."""

    scope: ScopeHit
    similarity: float = 0.0
    closest: Item | None = None
    closest_cosine: float | None = None
    learned: float = 0.0
    decided: InboxEntry | None = None
    notes: list[str] = field(default_factory=list)


# A title whose subject is a regulator, a court or a government acting (not a company): a policy item, whatever the
# verb (公布名单, 发出通函, 提醒公众 …), unless it is a deal. Read after folding, so 證監會 is 证监会.
_PUBLIC_ACTOR = re.compile(
    r"^(?:香港)?(?:国务院|国家|中国人民银行|人民银行|最高人民法院|最高人民检察院|全国人民代表大会|中国证监会|证监会|金管局|"
    r"金融管理局|[\u4e00-\u9fff]{2,12}(?:部|委|局|厅|办公室|办公厅|人民政府|监察委员会|管理局))")
_DEAL = re.compile(r"融资|领投|收购|并购|战略投资")


def section_of(title: str, text: str) -> str:
    """The section an entry suggests: a public body's act is 政策速递, else the drafter's own guess from the text."""
    if _PUBLIC_ACTOR.match(re.sub(r"\s+", "", title)) and not _DEAL.search(title):
        return "政策速递"
    return guess_section(f"{title}\n{text}")


def held_from_corpus(items: Sequence[Item]) -> list[Held]:
    return [Held(ref=i.id, title=i.title, date=_date(i.date), links=tuple(i.sources)) for i in items]


def held_from_issues(reviews: ReviewStore) -> list[Held]:
    """Rows of the issues in progress (not yet published): an entry already there is not offered again."""
    return [Held(ref=f"issue:{issue.id}", title=row.title, date=_date(row.machine.item.date), links=tuple(row.sources))
            for issue in reviews.list_issues(include_published=False) for row in issue.items]


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


@functools.lru_cache(maxsize=20000)  # the same decisions are compared with every entry of every run
def _bigrams(title: str) -> frozenset[str]:
    """Character bigrams of a title's document name (folded: Traditional and Simplified listings compare alike)."""
    name = document_name(fold(title))
    return frozenset(name[i:i + 2] for i in range(len(name) - 1))


def _likeness(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two titles' bigrams (two sites word the same document differently)."""
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


class Triage:
    """``triage(entries) -> list[Scored]`` (same order), the callable ``run_once`` hands new entries to."""

    def __init__(
        self,
        retriever: Retriever | None = None,
        *,
        decisions: Callable[[], Sequence[InboxEntry]] | None = None,
        held: Callable[[], Sequence[Held]] | None = None,
        read: Callable[[RawEntry], str | None] | None = None,
        signals: Collection[str] = SIGNALS,
        weights: Weights | None = None,
    ) -> None:
        self.retriever = retriever
        self.decisions = decisions
        self.held = held
        self.read = read
        self.signals = frozenset(signals)
        self.weights = weights or Weights()

    def __call__(self, entries: Sequence[RawEntry]) -> list[Scored]:
        held = list(self.held()) if self.held else []
        decided = [d for d in (self.decisions() if self.decisions else []) if d.status != "new"]
        return [self.score(raw, held=held, decided=decided) for raw in entries]

    # --- one entry
    def score(self, raw: RawEntry, *, held: Sequence[Held] = (), decided: Sequence[InboxEntry] = ()) -> Scored:
        title = fold(raw.title)
        text = fold(raw.summary)
        notes: list[str] = []
        if self.read is not None and len(text) < READ_BELOW_CHARS:
            try:
                text = fold(self.read(raw) or "") or text
            except DraftingError as exc:  # a page that cannot be read: judged on its title, and said so
                notes.append(f"未能读取原文（{str(exc)[:60]}），仅按标题判断")
        sig = Signals(scope=scope_of(title, text), notes=notes)
        # The precedent search is most of the time; an entry whose title is off the scope and whose text names no
        # subject stays far below any threshold whatever its precedents, so it is not searched (the baseline still is).
        hopeless = "scope" in self.signals and sig.scope.out_of_scope is not None and not sig.scope.subjects
        if "similarity" in self.signals and self.retriever is not None and not hopeless:
            self._similarity(sig, title, text)
        if "decisions" in self.signals and decided:
            self._learn(sig, title, decided)
        relevance = self.relevance(sig)
        section = section_of(title, text)
        profile = profile_of(Item(section=section, title=title[:200], body=(text or title)[:3000]))  # type: ignore[arg-type]
        dup = find_held(raw.title, raw.url, raw.published, held)
        return Scored(
            relevance=round(relevance, 3), reason=self.reason(sig, dup), section=section,
            profile={**profile.model_dump(exclude={"source"}), "subjects": list(sig.scope.subjects),
                     "document": document_name(raw.title)},
            duplicate_of=dup.ref if dup else None, document_key=document_key(raw.title),
        )

    def relevance(self, sig: Signals) -> float:
        w = self.weights
        score = w.base
        if "scope" in self.signals:
            score += w.scope * sig.scope.score
            if sig.scope.out_of_scope:
                score -= w.out_of_scope
        if "similarity" in self.signals:
            # alone (the baseline) similarity is the whole score; with the scope it confirms it
            score += (w.similarity if "scope" in self.signals else 1 - w.base) * sig.similarity
        score += w.decisions * sig.learned
        return max(0.0, min(1.0, score))

    def _similarity(self, sig: Signals, title: str, text: str) -> None:
        assert self.retriever is not None
        try:
            found = self.retriever.search(f"{title}\n{text[:SEARCH_TEXT_CHARS]}", k=3)
        except DraftingError as exc:  # an empty corpus or a broken index: the other signals still count
            logger.info("watch triage: no precedent search (%s)", exc)
            return
        scored = [p for p in found.precedents + found.duplicates if p.dense_score is not None]
        if not scored:
            return
        best = max(scored, key=lambda p: p.dense_score or 0.0)
        cosine = best.dense_score or 0.0
        w = self.weights
        sig.closest, sig.closest_cosine = best.item, cosine
        sig.similarity = max(0.0, min(1.0, (cosine - w.cosine_floor) / (w.cosine_full - w.cosine_floor)))

    def _learn(self, sig: Signals, title: str, decided: Sequence[InboxEntry]) -> None:
        """A vote of the editors' decisions on entries like this one, weighted by likeness (the nearest says most)."""
        mine = _bigrams(title)
        votes: list[tuple[float, float, InboxEntry]] = []
        for d in decided[:MAX_DECISIONS]:
            like = _likeness(mine, _bigrams(d.title))
            if like >= self.weights.decision_min:
                votes.append((like, {"added": 1.0, "ignored": -1.0, "later": 0.3}.get(d.status, 0.0), d))
        if not votes:
            return
        total = sum(v[0] for v in votes)
        nearest = max(votes, key=lambda v: v[0])
        sig.learned = sum(like * vote for like, vote, _ in votes) / total * min(1.0, nearest[0] / 0.6)
        sig.decided = nearest[2]

    @staticmethod
    def reason(sig: Signals, dup: Held | None) -> str:
        parts: list[str] = []
        if dup is not None:
            where = "进行中的期刊" if dup.ref.startswith("issue:") else "往期条目"
            parts.append(f"已在{where}中：《{dup.title[:40]}》{f'（{dup.date}）' if dup.date else ''}")
        hit = sig.scope
        if hit.title:
            parts.append(f"标题涉及{'、'.join(hit.title)}（{'、'.join(hit.words[:3])}）")
        elif hit.text:
            parts.append(f"正文涉及{'、'.join(hit.text)}（{'、'.join(hit.words[:3])}）")
        else:
            parts.append(f"未涉及本刊主题（{SCOPE_WORDS}）")
        if hit.out_of_scope:
            parts.append(f"标题属本刊通常不收的题材（{hit.out_of_scope}）")
        if sig.closest is not None and sig.closest_cosine is not None:
            # below half the scale the "closest" item is just the least unrelated: naming it would mislead
            if sig.similarity >= 0.5:
                parts.append(f"与往期条目《{sig.closest.title[:30]}》相近（相似度 {sig.closest_cosine:.2f}）")
            else:
                parts.append(f"往期没有相近条目（最高相似度 {sig.closest_cosine:.2f}）")
        if sig.decided is not None and sig.learned:
            verb = {"added": "加入本期", "ignored": "忽略", "later": "稍后处理"}.get(sig.decided.status, sig.decided.status)
            parts.append(f"编辑曾{verb}相似条目《{sig.decided.title[:30]}》")
        parts.extend(sig.notes)
        return "；".join(parts)


def page_reader(fetch_text: Callable[[str], str]) -> Callable[[RawEntry], str | None]:
    """A ``read`` for Triage from a function fetching a link's main text (``drafting.watch.assemble`` passes the link
    fetcher, paced per host); a page that fails raises SourceError, which triage notes in the reason."""

    def read(raw: RawEntry) -> str | None:
        text = fetch_text(raw.url)
        return re.sub(r"\s+", " ", text).strip() or None

    return read

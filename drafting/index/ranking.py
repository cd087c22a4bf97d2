"""Profile-aware ranking of precedents: the closest matches first, then same kind, stance and subject.

One ranking keeps both what plain hybrid search does well (a rephrased item, the same event, document or company
comes first) and what the profile adds (a lawyer wants precedents of the same kind of document):

- a *very close match* (dense cosine at or above `close_dense`, or the same named document or company) is never
  placed below a candidate that is merely the same kind;
- the other candidates are ordered by relative relevance (share of the best fused score) plus a bonus for the same
  section, kind, stance and subject, and that bonus is capped at `cap` × relative relevance, so it can lift a
  relevant item of the right kind but never an unrelated one;
- a 征求意见稿 counts as the kind of document it drafts (Profile.draft_of).

The weights are fitted on labelled data by `drafting eval retrieval --fit` (drafting/evaluation/fit.py) and kept
in the data folder as `ranking_weights.json`; without that file the shipped defaults below (the result of the
same fit on the seed issue and the labelled sets) apply.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from drafting.corpus.profile import profile_of
from drafting.models import Item, Precedent, Profile, SearchResult

logger = logging.getLogger(__name__)

WEIGHTS_FILE = "ranking_weights.json"


@dataclass(frozen=True)
class Weights:
    """Bonuses on the relative fused score (0..1) and the limits that keep them below relevance."""

    # Defaults = `fit(..., split=False)` on every shipped labelled case (seed issue + fixtures, see docs/scaling.md).
    kind: float = 0.3
    stance: float = 0.0  # stance follows kind; a separate bonus only lifted wrong-kind plans
    section: float = 0.3
    subject: float = 0.2
    cap: float = 2.0  # the bonus is at most cap × relative relevance
    floor: float = 0.5  # below this relative relevance a candidate gets no bonus and goes after the others
    close_dense: float = 0.95  # dense cosine from which a candidate is a very close match
    margin: float = 0.03  # ... or the dense top-1 this far ahead of the next candidate (it stands out from the rest)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Weights:
        """Weights from stored JSON; unknown keys are ignored, missing ones take the defaults."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: float(v) for k, v in data.items() if k in names and isinstance(v, (int, float))})  # type: ignore[arg-type]


DEFAULT_WEIGHTS = Weights()


def load_weights(data_dir: Path) -> Weights:
    """The fitted weights stored in the data folder, else the shipped defaults (a broken file is logged, not fatal)."""
    path = data_dir / WEIGHTS_FILE
    if not path.exists():
        return DEFAULT_WEIGHTS
    try:
        return Weights.from_dict(json.loads(path.read_text(encoding="utf-8"))["weights"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("ignoring %s (%s): using the shipped ranking weights", path, exc)
        return DEFAULT_WEIGHTS


def save_weights(data_dir: Path, weights: Weights, report: dict[str, object]) -> Path:
    """Store fitted weights with the scores that chose them (written whole, then renamed)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / WEIGHTS_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"weights": asdict(weights), "fit": report}, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


def effective_kind(p: Profile) -> str:
    """The kind a precedent is compared on: a 征求意见稿 as the document it drafts."""
    return p.draft_of if p.kind == "征求意见稿" and p.draft_of else p.kind


_DOC = re.compile(r"《([^《》\n]{2,120})》")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{3,}|[“\"「]([^”\"」]{2,12})[”\"」]")
_GENERIC = frozenset({"opensea", "web3", "nft", "wmc2023"})


def _fold(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text)).lower()


def _doc_key(name: str) -> str:
    """A document name without years, editions and 征求意见稿, to compare two mentions of the same document."""
    name = re.sub(r"[（(][^()（）]*[)）]", "", unicodedata.normalize("NFKC", name))
    return _fold(name)


def _names(text: str) -> set[str]:
    """Latin brand names (Meelier) and quoted names (“当红齐天”) of a title."""
    out = set()
    for m in _NAME.finditer(unicodedata.normalize("NFKC", text)):
        name = _fold(m.group(1) or m.group(0))
        if name and name not in _GENERIC and not name.isdigit():
            out.add(name)
    return out


@dataclass(frozen=True)
class Query:
    """What the close-match test reads of the query, computed once per search."""

    docs: frozenset[str]
    names: frozenset[str]

    @classmethod
    def of(cls, text: str) -> Query:
        head = text.strip().split("\n", 1)
        title, lead = head[0], (head[1] if len(head) > 1 else "")[:200]
        docs = {_doc_key(d) for d in _DOC.findall(title + lead)}
        return cls(docs=frozenset(d for d in docs if len(d) >= 6), names=frozenset(_names(title)))


def _distinctive(query: Query, pool: list[Precedent]) -> frozenset[str]:
    """The query's names that at most two candidates' titles contain (“元宇宙” in quotes names nothing)."""
    titles = [item_keys(p.item)[1] for p in pool]
    return frozenset(n for n in query.names if sum(n in t for t in titles) <= 2)


def _dense_leader(pool: list[Precedent], margin: float) -> str | None:
    """The id of the dense top-1 when it is at least `margin` ahead of the next candidate, else None."""
    scored = sorted(((p.dense_score, p.item.id) for p in pool if p.dense_score is not None), reverse=True)
    if len(scored) >= 2 and scored[0][0] - scored[1][0] >= margin:
        return scored[0][1]
    return scored[0][1] if len(scored) == 1 else None


def is_close(query: Query, p: Precedent, weights: Weights, names: frozenset[str] = frozenset(),
             leader: str | None = None) -> bool:
    """A very close match: nearly the same text by the embedding (or far ahead of every other candidate), or the
    same named document, company or product."""
    if p.dense_score is not None and p.dense_score >= weights.close_dense:
        return True
    if leader == p.item.id:
        return True
    docs, folded = item_keys(p.item)
    if query.docs and not query.docs.isdisjoint(docs):
        return True
    return any(n in folded for n in names)


_KEYS: dict[tuple[str, int], tuple[frozenset[str], str]] = {}


def item_keys(item: Item) -> tuple[frozenset[str], str]:
    """The document names an item's title and lead mention, and its folded title (once per text, like profiles)."""
    key = (item.id, hash((item.title, item.body)))
    found = _KEYS.get(key)
    if found is None:
        if len(_KEYS) >= _PROFILES_MAX:
            _KEYS.clear()
        docs = frozenset(_doc_key(d) for d in _DOC.findall(item.title + item.body[:200]))
        found = _KEYS[key] = (docs, _fold(item.title))
    return found


_PROFILES: dict[tuple[str, int], Profile] = {}
_PROFILES_MAX = 200_000  # ~0.5 KB each; at 100k items every item fits, and a cleared cache refills at 0.05 ms an item


def cached_profile(item: Item) -> Profile:
    """The item's rule profile, computed once per text (the same as the index stores, without asking Chroma)."""
    key = (item.id, hash((item.section, item.title, item.body)))
    found = _PROFILES.get(key)
    if found is None:
        if len(_PROFILES) >= _PROFILES_MAX:
            _PROFILES.clear()
        found = _PROFILES[key] = profile_of(item)
    return found


def rank_by_profile(result: SearchResult, profile: Profile, section: str | None, k: int, *, bonus: bool = True,
                    weights: Weights = DEFAULT_WEIGHTS, query: str | None = None) -> SearchResult:
    """Precedents re-ranked: very close matches first, then relevance plus the capped profile bonus; with the
    reasons shown on each card and the gap flag (no chosen precedent has a 短评 of the same kind and stance)."""
    pool = result.precedents
    top = max((p.score for p in pool), default=1.0) or 1.0
    wanted_kind = effective_kind(profile)
    probe = Query.of(query if query is not None else result.query)
    names = _distinctive(probe, pool)
    leader = _dense_leader(pool, weights.margin)
    ranked: list[tuple[tuple[bool, float], int, Profile, list[str]]] = []
    for position, p in enumerate(pool):
        theirs = p.profile or cached_profile(p.item)
        why: list[str] = []
        rel = p.score / top
        extra = 0.0
        close = is_close(probe, p, weights, names, leader)
        if close:
            why.append("高度相关")
        if section and p.item.section == section:
            extra += weights.section
            why.append("同栏目")
        if effective_kind(theirs) == wanted_kind:
            extra += weights.kind
            why.append(f"同类型（{effective_kind(theirs)}）")
        if theirs.stance == profile.stance:
            extra += weights.stance
            why.append(f"同立场（{theirs.stance}）")
        if profile.subject and theirs.subject == profile.subject:
            extra += weights.subject
            why.append(f"同主题（{theirs.subject}）")
        if not bonus:
            key = (False, -float(position))  # reasons still shown; the hybrid (MMR) order stays
        elif rel < weights.floor and not close:
            key = (False, rel - 10.0)  # below the floor: after every relevant candidate, in fused order
        else:
            key = (close, rel + min(extra, weights.cap * rel))
        ranked.append((key, position, theirs, why))
    ranked.sort(key=lambda r: (-r[0][0], -r[0][1]))
    # only the k shown are copied (a copy per candidate was a third of the re-ranking's time)
    chosen = [pool[n].model_copy(update={"profile": theirs, "why": why}) for _, n, theirs, why in ranked[:k]]
    # The gap is by kind and stance: a 白皮书 among plans of the same stance still has no precedent of its kind.
    gap = not any(p.item.commentary and p.profile and p.profile.stance == profile.stance
                  and effective_kind(p.profile) == effective_kind(profile) for p in chosen)
    return result.model_copy(update={"precedents": chosen, "profile": profile, "precedent_gap": gap})

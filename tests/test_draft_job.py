"""One draft, one profile (#27): the request is read into a job once, and nothing below recomputes its profile.

profile_of is counted wherever a module holds it (the index's ranking included), so a stage that profiles the item
again, or a precedent whose profile does not come from the index, shows up as a second call.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from drafting.corpus import profile as profile_module
from drafting.corpus.parse import parse_file
from drafting.models import DraftRequest, Item, Profile
from drafting.settings import LLMSettings
from drafting.writing.service import DraftingService

RAW = ("关于印发《重庆市元宇宙产业发展行动计划（2024—2026年）》的通知\n"
       "重庆市经济和信息化委员会\n2024年6月20日\n"
       "为加快元宇宙产业发展，到2026年，全市元宇宙相关产业规模达到1000亿元，培育50家以上重点企业，"
       "建设10个以上元宇宙特色应用场景。各区县要结合实际抓好落实。")


@pytest.fixture
def count_profiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every profile_of call during the test, by item title, from whichever module made it."""
    calls: list[str] = []
    original: Callable[..., Profile] = profile_module.profile_of

    def counting(item: Item, *args: Any, **kwargs: Any) -> Profile:
        calls.append(item.title)
        return original(item, *args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("drafting") and getattr(module, "profile_of", None) is original:
            monkeypatch.setattr(module, "profile_of", counting)
    return calls


@pytest.fixture(scope="module")
def seed_item(seed_path: Path) -> Item:
    return next(i for i in parse_file(seed_path).items if i.section == "政策速递" and i.commentary)


def _warm(services: Any, request: DraftRequest) -> None:
    """One draft first: the index's profiles of the corpus are loaded once per process, not per draft."""
    services.drafter.draft(request)


@pytest.mark.parametrize("variants", [1, 3])
def test_an_offline_draft_of_a_pasted_text_profiles_it_once(seeded_services: Any, count_profiles: list[str],
                                                            variants: int) -> None:
    request = DraftRequest(raw_text=RAW, offline=True, variants=variants)
    _warm(seeded_services, request)
    count_profiles.clear()
    drafts = seeded_services.drafter.draft(request)
    assert len(drafts) == variants and all(d.commentary for d in drafts)
    assert len(count_profiles) == 1, count_profiles
    assert all(d.profile == drafts[0].profile for d in drafts)
    assert all(p.profile is not None for d in drafts for p in d.precedents)  # the index's, not recomputed


def test_an_item_request_profiles_the_item_once(seeded_services: Any, count_profiles: list[str], seed_item: Item) -> None:
    request = DraftRequest(item=seed_item.model_copy(update={"commentary": None}), offline=True)
    _warm(seeded_services, request)
    count_profiles.clear()
    (draft,) = seeded_services.drafter.draft(request)
    assert count_profiles == [seed_item.title]
    assert draft.profile is not None and draft.commentary


def test_the_editors_whole_profile_is_used_as_given(seeded_services: Any, count_profiles: list[str]) -> None:
    """A profile the editor corrected in every field is never recomputed, and it is the one the guard and the draft use."""
    base = profile_module.profile_of(Item(section="政策速递", title="t", body=RAW))
    corrected = base.model_copy(update={"kind": "风险提示", "stance": "风险提示", "source": "editor"})
    request = DraftRequest(raw_text=RAW, offline=True, profile=corrected)
    _warm(seeded_services, request)
    count_profiles.clear()
    (draft,) = seeded_services.drafter.draft(request)
    assert count_profiles == []
    assert draft.profile == corrected


def test_a_model_draft_profiles_once_and_keeps_that_profile(seeded_services: Any, fake_openai: Any,
                                                            count_profiles: list[str]) -> None:
    """The model writes the item from the paste: the draft keeps the profile its precedents were chosen by."""
    settings = seeded_services.settings.model_copy(update={"llm": LLMSettings(
        base_url=fake_openai.url, model="fake-chat", max_retries=1, backoff=0.01, timeout=5.0)})
    drafter = DraftingService(settings, seeded_services.retriever)
    request = DraftRequest(raw_text=RAW)
    drafter.draft(request)
    count_profiles.clear()
    (draft,) = drafter.draft(request)
    assert not draft.offline
    assert len(count_profiles) == 1, count_profiles
    job = drafter.job(request)
    assert draft.profile == job.profile


def test_the_job_carries_what_the_steps_need(seeded_services: Any) -> None:
    job = seeded_services.drafter.job(DraftRequest(raw_text=RAW, offline=True))
    assert job.offline and job.raw and job.rough is not None and job.document is not None
    assert job.document.published == "2024-06-20" and "重庆" in (job.profile.issuer or "")
    assert job.section == job.rough.section
    with pytest.raises(AssertionError):
        job.precedents  # noqa: B018 - searched only by the service

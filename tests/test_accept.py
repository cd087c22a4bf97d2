"""Accepting a draft: the final text joins the corpus and the index, once, under its final title."""

from __future__ import annotations

from pathlib import Path

from conftest import seeded_settings

from drafting.models import DraftRequest, item_id
from drafting.services import build_services

RAW = "2023年9月18日，某市发布《元宇宙产业创新发展行动方案》，提出推动区块链与数字孪生技术在文旅、制造领域的应用。"


def test_reaccept_with_corrected_title_replaces_the_earlier_version(tmp_path: Path) -> None:
    services = build_services(seeded_settings(tmp_path))
    services.ingest()
    draft = services.drafter.draft(DraftRequest(raw_text=RAW, section="政策速递", offline=True))[0]
    draft_id = services.store.create(draft, source_text=RAW)

    services.accept(draft_id, title="某市发布《元宇宙产业创新发展行动方案》", body=draft.item.body, commentary=draft.commentary)
    first_id = item_id("政策速递", "某市发布《元宇宙产业创新发展行动方案》", draft.item.date)
    assert [i.id for i in services.corpus.accepted_items()] == [first_id]
    indexed = services.index.count()

    # The editor fixes a typo in the title (autosaved first, as the page does) and accepts again.
    fixed = "某市印发《元宇宙产业创新发展三年行动方案》"
    services.store.save_edit(draft_id, title=fixed, body=draft.item.body, commentary=draft.commentary)
    services.accept(draft_id, title=fixed, body=draft.item.body, commentary=draft.commentary)
    second_id = item_id("政策速递", fixed, draft.item.date)

    assert [i.id for i in services.corpus.accepted_items()] == [second_id]
    assert services.index.count() == indexed
    assert services.index.get([first_id]) == {}
    assert services.index.get([second_id])[second_id].title == fixed
    result = services.retriever.search(RAW, k=10, filters=None)
    found = {p.item.id for p in result.precedents + result.duplicates}
    assert first_id not in found and second_id in found


def test_accepting_the_same_text_twice_keeps_one_item(tmp_path: Path) -> None:
    services = build_services(seeded_settings(tmp_path))
    services.ingest()
    draft = services.drafter.draft(DraftRequest(raw_text=RAW, section="政策速递", offline=True))[0]
    draft_id = services.store.create(draft, source_text=RAW)
    title = "某市发布《元宇宙产业创新发展行动方案》"
    services.accept(draft_id, title=title, body=draft.item.body, commentary=draft.commentary)
    indexed = services.index.count()
    services.accept(draft_id, title=title, body=draft.item.body, commentary=draft.commentary)
    assert len(services.corpus.accepted_items()) == 1
    assert services.index.count() == indexed


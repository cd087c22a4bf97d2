"""The smaller findings of issue #25 (point 8), each as the user met it, without a browser where none is needed."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import make_settings
from page_server import PageServer

from drafting.models import DraftRequest, Item, Precedent
from drafting.services import build_services
from drafting.ui import format as fmt
from drafting.ui.settings_tab import settings_markdown

RAW = "2023年9月18日，某市发布《元宇宙产业创新发展行动方案》，提出推动区块链与数字孪生技术在文旅、制造领域的应用。"


def test_precedent_card_shows_one_figure_a_lawyer_reads() -> None:
    item = Item(section="政策速递", title="重庆发布元宇宙产业发展行动计划", date="2023-09-22", body="正文", commentary="短评")
    html = fmt.precedents_html([Precedent(item=item, score=0.0331, dense_score=0.94, dense_rank=1, lexical_rank=2)])
    assert "相似度 94%" in html
    assert "相关度" not in html and "0.033" not in html


def test_settings_show_no_server_paths_or_setting_names(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    shown = settings_markdown(settings, [], 42)
    assert str(tmp_path) not in shown and "DRAFTING_" not in shown and "Chroma" not in shown
    assert "42 条" in shown


@pytest.fixture
def page_fns(seeded_services: Any) -> Iterator[Callable[[str], Callable[..., Any]]]:
    """The page's callbacks by name, built over the seeded services (Gradio's toasts become Python warnings)."""
    from drafting.ui.app import build_app

    demo = build_app(seeded_services)
    fns = [f.fn for f in demo.fns.values() if f.fn is not None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield lambda name: next(f for f in fns if f.__name__ == name)


def test_a_dead_link_replaces_the_previous_links_note(page_fns: Callable[[str], Callable[..., Any]]) -> None:
    on_fetch = page_fns("on_fetch")
    with PageServer() as pages:
        # inputs as the page sends them: paste box, 来源链接, the attachments' link texts, the text the card was read from
        ok = on_fetch("", pages.url("/utf8.html"), {}, "", None)
        assert "已读取链接" in ok[4]
        gone = on_fetch("", pages.url("/missing.html"), {}, "", None)
    note = gone[4]  # the note under the paste box
    assert isinstance(note, str), f"the old note stays on the page: {note!r}"
    assert "未能读取链接" in note and "404" in note and "已读取链接" not in note
    assert not isinstance(gone[0], str)  # the paste box keeps the editor's text


def test_accepting_the_same_text_again_is_not_logged(tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path))
    services.ingest()
    draft = services.drafter.draft(DraftRequest(raw_text=RAW, section="政策速递", offline=True))[0]
    draft_id = services.store.create(draft, source_text=RAW)
    text = {"title": "某市发布《元宇宙产业创新发展行动方案》", "body": draft.item.body, "commentary": draft.commentary}
    first = services.accept(draft_id, **text)
    for _ in range(2):  # the second and third click on 采纳, nothing changed
        again = services.accept(draft_id, **text, expected_version=first.version)
        assert again.version == first.version
    actions = [e.action for e in services.reviews.history(draft_id=draft_id)]
    assert actions.count("accept") == 1 and "reaccept" not in actions, actions


def test_stats_read_well_from_the_first_month() -> None:
    """Point 4: one month of data gives whole percents, rounded usage figures and Chinese headers."""
    from drafting.learning.edits import CostGroup, Group, Stats
    from drafting.ui.stats_tab import views

    KINDS = ("facts_added", "facts_removed", "sentences_dropped", "sentences_added", "phrases_replaced", "length_change")

    group = Group(key="2026-12", drafts=3, commentary_ratio=0.319, body_ratio=0.05, title_ratio=0.0, commentary_distance=12.0)
    cost = CostGroup(key="deepseek-chat", drafts=3, prompt_tokens=12345, completion_tokens=678, mean_latency_s=2.34567,
                     cost=0.0123456)
    stats = Stats(drafts=3, overall=group, by_month=[group], by_section=[group.model_copy(update={"key": "政策速递"})],
                  by_model=[group.model_copy(update={"key": "deepseek-chat"})], by_prompt_version=[],
                  by_rules_version=[group.model_copy(update={"key": "house_rules@2"})],
                  by_precedent_set=[], kinds=dict.fromkeys(KINDS, 0), top_replacements=[], cost_by_model=[cost], cost_by_issue=[])
    summary, month, _section, _model, _phrases, costs = views(stats)
    assert "规则第 2 版" in summary and "house_rules" not in summary
    assert month.iloc[0].tolist()[:2] == ["2026-12", 32]
    header = " ".join(costs.columns)
    assert not re.search(r"[A-Za-z]", header), header
    row = costs.iloc[0].tolist()
    assert "12,345" in row and "2.3" in row and "0.01 元" in row, row


def test_moving_the_only_item_of_a_section_says_nothing_moved(tmp_path: Path) -> None:
    """上移 on the one 交易资讯 item: not "现为第 6 条" (its place in the whole issue), but that nothing moved."""
    from test_review import DATA, echo_drafter

    from drafting.issues.batch import BatchRunner
    from drafting.issues.batch_input import read_items
    from drafting.ui.app import build_app

    services = build_services(make_settings(tmp_path))
    report = BatchRunner(echo_drafter, data_dir=tmp_path, store=services.store).run(
        read_items(DATA / "items.jsonl"), batch_id="b1")
    issue = services.reviews.record_batch(report, resume=False)
    demo = build_app(services)
    up, down = [f.fn for f in demo.fns.values() if f.fn is not None and f.fn.__name__ == "move"]
    deal = next(i for i in issue.items if i.section == "交易资讯")
    _table, note = up(issue.id, str(deal.draft_id), None)
    assert "顺序未变" in note and "只有这一条" in note, note
    news = [i for i in issue.items if i.section == "行业新闻"]
    _table, note = down(issue.id, str(news[0].draft_id), None)
    assert "「行业新闻」栏目第 2 条" in note, note

"""Issues in progress: behaviour found unchecked by the round-24 mutation run of issues/review.py + in_progress.py
(issue #24). What goes into the published issue and who is named for it. Fixtures written by hand; no index."""

from __future__ import annotations

from drafting.issues.in_progress import IssueInProgress, IssueItem
from drafting.models import Draft, Item

MACHINE = Draft(item=Item(section="政策速递", title="某市印发元宇宙行动计划", date="2024-05-06", body="某市印发行动计划。",
                          sources=["https://a.example/plan"]),
                commentary="该行动计划提出培育元宇宙企业。", offline=True)


def item(**changes: object) -> IssueItem:
    base = {"draft_id": 7, "key": "k7", "position": 0, "section": "政策速递", "title": MACHINE.item.title,
            "body": MACHINE.item.body, "commentary": MACHINE.commentary, "sources": ["https://a.example/plan"],
            "machine": MACHINE}
    return IssueItem.model_validate({**base, **changes})


def test_an_unticked_commentary_never_reaches_the_published_issue() -> None:
    assert item(ticked=False).final_item(ticked_only=True).commentary is None
    assert item(ticked=True).final_item(ticked_only=True).commentary == "该行动计划提出培育元宇宙企业。"
    # the working copy shows every 短评, ticked or not
    assert item(ticked=False).final_item(ticked_only=False).commentary == "该行动计划提出培育元宇宙企业。"
    # a 短评 emptied by the editor is no 短评, even when ticked
    assert item(ticked=True, commentary="  ").final_item(ticked_only=True).commentary is None


def test_the_published_item_carries_the_editors_text_trimmed_and_sources() -> None:
    final = item(title=" 某市印发元宇宙产业行动计划 ", body="某市印发行动计划，提出三项任务。\n",
                 sources=["https://b.example/plan"]).final_item(ticked_only=False)
    assert (final.title, final.body, final.sources, final.date) == (
        "某市印发元宇宙产业行动计划", "某市印发行动计划，提出三项任务。", ["https://b.example/plan"], "2024-05-06")


def test_an_item_is_edited_when_any_of_title_body_or_commentary_differs_from_the_machine() -> None:
    assert not item().edited
    assert item(title="某市印发元宇宙产业行动计划").edited
    assert item(body="某市印发行动计划，提出三项任务。").edited
    assert item(commentary="该计划提出培育元宇宙企业。").edited


def test_an_issue_lists_as_unreviewed_only_items_no_reviewer_signed() -> None:
    issue = IssueInProgress(id="b1", items=[item(draft_id=1, state="pending"), item(draft_id=2, state="edited"),
                                            item(draft_id=3, state="reviewed"), item(draft_id=4, state="published")])
    assert [i.draft_id for i in issue.unreviewed()] == [1, 2]

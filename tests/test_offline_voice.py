"""Issue #22, point 3, end to end: five promotional plans drafted offline, edited by an editor who deleted the
stock praise and wrote the opening and closing in their own words, and accepted; the next plan's offline draft
takes its opening and closing moves from those accepted 短评 (retrieve and edit), with no house rule involved."""

from __future__ import annotations

from pathlib import Path

from conftest import make_settings

from drafting.evaluation.draft_checks import load_labelled, wrong_names
from drafting.models import DraftRequest
from drafting.services import build_services
from drafting.writing.guard.sentences import problems
from drafting.writing.offline.facts import extract_facts
from drafting.writing.offline.voice import sentences

CASES = {c.id: c for c in load_labelled()}
CLOSING = "对拟在当地布局的企业而言，可逐条对照申报条件，尽早准备申报材料。"
STOCK = ("高度关注与前瞻性思考", "这一举措也为相关企业提供了明确方向", "前瞻性思考和高度重视")


def test_five_accepted_edits_change_the_next_offline_draft_without_a_rule(tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path))
    services.ingest()
    before = services.drafter.draft(DraftRequest(item=CASES["d16"].item(), offline=True))[0].commentary

    for cid in ("d13", "d14", "d15", "d17", "d18"):
        item = CASES[cid].item()
        draft = services.drafter.draft(DraftRequest(item=item, offline=True))[0]
        draft_id = services.store.create(draft)
        facts = extract_facts(item)
        middle = [s for s in sentences(draft.commentary)[1:-1] if not any(p in s for p in STOCK)]
        edited = f"{facts.issuer}印发《{facts.doc}》，以产业规模目标为纲。" + "".join(middle) + CLOSING
        services.accept(draft_id, title=item.title, body=item.body, commentary=edited)
    # No house rule exists in this fresh corpus: only the accepted 短评 can change the next draft.

    after = services.drafter.draft(DraftRequest(item=CASES["d16"].item(), offline=True))[0]
    text = after.commentary
    assert text != before
    assert "以产业规模目标为纲" in text and CLOSING.rstrip("。") in text, text
    assert not any(p in text for p in STOCK), text
    assert text.startswith("浙江省发展和改革委员会"), text
    assert not problems(text) and not wrong_names(text, CASES["d16"]), text
    assert not [f for f in after.findings if f.kind in {"number", "date", "title", "org", "place", "person"}], after.findings

"""Learning from editors: an edit history through the real service and store becomes proposed, approved house rules."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from conftest import make_settings

from drafting.errors import ValidationError
from drafting.learning.edits import edits, field_edit
from drafting.learning.rules import load_rules
from drafting.models import DraftRequest
from drafting.services import Services, build_services
from drafting.settings import ROOT, LearningSettings, LLMSettings, ModelPrice

RAWS = [
    "2023年10月8日，浙江省经济和信息化厅印发《浙江省元宇宙产业发展行动计划》，提出到2025年培育一批元宇宙骨干企业，推动数字人、虚拟现实在文旅、教育领域应用。",
    "2023年10月12日，广州市工业和信息化局发布《广州市区块链产业高质量发展若干措施》，支持区块链底层技术研发与政务数据共享应用。",
    "2023年11月2日，江苏省科学技术厅印发《江苏省数字孪生技术创新专项方案》，明确在智能制造和城市治理领域推进数字孪生平台建设。",
    "2023年11月20日，山东省工业和信息化厅发布《山东省虚拟现实产业培育方案》，提出建设虚拟现实产业园区并引导社会资本投入。",
    "2023年12月5日，福建省发展和改革委员会印发《福建省元宇宙产业创新发展实施方案》，提出推动元宇宙与海洋经济、文旅产业融合发展。",
]
NEW_RAW = "2023年12月18日，湖北省经济和信息化厅印发《湖北省虚拟现实产业发展行动方案》，提出推动虚拟现实技术在工业制造与医疗健康领域的应用。"


def _clauses(text: str) -> list[str]:
    return [c for c in re.split(r"[，。]", text) if len(c) >= 6]


def _settings(root: Path, **overrides: object):
    prompts = root / "prompts"
    if not prompts.exists():
        shutil.copytree(ROOT / "prompts", prompts)
    return make_settings(root, prompts_dir=prompts, **overrides)


@pytest.fixture(scope="module")
def history_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, list[int]]:
    """Five offline drafts accepted through Services.accept; the editor deleted one recurring clause from each."""
    root = tmp_path_factory.mktemp("history")
    services = build_services(_settings(root))
    services.ingest()
    drafts = [services.drafter.draft(DraftRequest(raw_text=r, section="政策速递", offline=True))[0] for r in RAWS]
    # The clause the editors always delete: the most common one across the machine drafts (from the data, not the miner).
    counts = Counter(c for d in drafts for c in set(_clauses(d.commentary)))
    clause, n = counts.most_common(1)[0]
    assert n >= 3, f"the offline drafts share no clause: {counts.most_common(3)}"
    ids = []
    for raw, d in zip(RAWS, drafts, strict=True):
        draft_id = services.store.create(d, source_text=raw)
        final = d.commentary.replace("，" + clause, "").replace(clause + "，", "").replace(clause, "")
        services.accept(draft_id, title=d.item.title, body=d.item.body, commentary=final)
        if clause in d.commentary:
            ids.append(draft_id)
    return root, clause, ids


@pytest.fixture
def services(history_dir: tuple[Path, str, list[int]], tmp_path: Path) -> Services:
    """A private copy of the history (corpus, index, SQLite, prompts), so tests can approve and reject freely."""
    root = tmp_path / "copy"
    shutil.copytree(history_dir[0], root)
    return build_services(_settings(root))


def _proposal(services: Services, clause: str):
    return next((p for p in services.learning.proposals() if p.kind == "delete" and clause in (p.before or "")), None)


def test_edits_are_minimal_token_spans() -> None:
    machine = "该方案体现了发文机关的高度重视。值得注意的是，该方案提出了系统部署。"
    final = "该方案体现了发文机关的高度重视。该方案作出了系统部署。"
    found = [(e.op, e.before, e.after) for e in edits(machine, final)]
    assert ("delete", "值得注意的是，", "") in found
    assert ("replace", "提出了", "作出了") in found or ("replace", "提出", "作出") in found
    fe = field_edit("abcd", "abxd")
    assert (fe.distance, fe.ratio) == (1, 0.25)
    assert field_edit("同样", "同样").ratio == 0.0


def test_a_phrase_deleted_in_three_accepted_drafts_is_proposed_with_its_evidence(services, history_dir) -> None:
    _, clause, ids = history_dir
    proposal = _proposal(services, clause)
    assert proposal is not None, [p.model_dump() for p in services.learning.proposals()]
    assert proposal.before is not None and re.sub(r"[，。]", "", proposal.before) == clause
    assert proposal.evidence == sorted(ids) and proposal.count == len(ids) >= 3
    assert clause in proposal.text


def test_approving_changes_the_next_offline_draft_and_records_the_rules_version(services, history_dir) -> None:
    _, clause, _ = history_dir
    request = DraftRequest(raw_text=RAWS[ids_with(services, clause)], section="政策速递", offline=True)
    before = services.drafter.draft(request)[0]
    assert clause in before.commentary and before.rules_version is None

    proposal = _proposal(services, clause)
    book = services.learning.approve(proposal.id, actor="editor")
    assert book.version == 1 and load_rules(services.settings.rules_file).rules[0].id == proposal.id
    after = services.drafter.draft(request)[0]
    assert clause not in after.commentary
    assert not re.search(r"[，、；][。！？]|[。！？][，、；]|，，", after.commentary), after.commentary
    assert after.rules_version == "house_rules@1"
    assert _proposal(services, clause) is None, "an approved rule is not proposed again"
    # --use_rules off: the same draft as before (what `eval drafts --no-rules` compares against)
    plain = services.drafter.draft(request.model_copy(update={"use_rules": False}))[0]
    assert plain.commentary == before.commentary

    # Undo: the rule leaves the file (a new version), the next draft is as before, and it is not proposed again.
    services.learning.remove(proposal.id)
    assert load_rules(services.settings.rules_file).version == 2
    assert clause in services.drafter.draft(request)[0].commentary
    assert _proposal(services, clause) is None


def ids_with(services: Services, clause: str) -> int:
    """Index in RAWS of a text whose offline draft contains the clause."""
    for n, raw in enumerate(RAWS):
        if clause in services.drafter.draft(DraftRequest(raw_text=raw, section="政策速递", offline=True))[0].commentary:
            return n
    raise AssertionError("no draft contains the clause")


def test_an_approved_rule_reaches_the_model_prompt(services, history_dir, fake_openai) -> None:
    _, clause, _ = history_dir
    proposal = _proposal(services, clause)
    services.learning.edit(proposal.id, f"不要使用“{clause}”这类空泛的套话。")
    settings = services.settings.model_copy(update={
        "llm": LLMSettings(base_url=fake_openai.url, model="fake-chat", max_retries=0),
        "learning": LearningSettings(prices={"fake-chat": ModelPrice(input=2.0, output=8.0)}),
    })
    from drafting.writing.service import DraftingService

    drafter = DraftingService(settings, services.retriever)
    (draft,) = drafter.draft(DraftRequest(raw_text=NEW_RAW, section="政策速递"))
    system = fake_openai.requests[-1]["messages"][0]["content"]
    assert f"不要使用“{clause}”这类空泛的套话。" in system
    assert "{#" not in system, "the machine form of a rule never reaches the model"
    assert draft.rules_version == "house_rules@1"
    # Usage from the streams' last chunks (the fake server counts characters as tokens): the item call and the 短评.
    from fake_openai import default_reply

    requests = fake_openai.requests
    assert len(requests) == 2 and all(r["stream_options"] == {"include_usage": True} for r in requests)
    prompt_chars = sum(len("\n".join(m["content"] for m in r["messages"])) for r in requests)
    reply_chars = sum(len(default_reply(r)) for r in requests)
    assert draft.usage is not None
    assert (draft.usage.prompt_tokens, draft.usage.completion_tokens) == (prompt_chars, reply_chars)
    assert draft.usage.cost == pytest.approx((prompt_chars * 2.0 + reply_chars * 8.0) / 1e6)
    (plain,) = drafter.draft(DraftRequest(raw_text=NEW_RAW, section="政策速递", use_rules=False))
    assert clause not in fake_openai.requests[-1]["messages"][0]["content"]
    assert plain.rules_version is None


def test_a_rejected_proposal_never_comes_back(services, history_dir) -> None:
    _, clause, _ = history_dir
    proposal = _proposal(services, clause)
    services.learning.reject(proposal.id)
    assert _proposal(services, clause) is None
    # More evidence later (another accepted draft with the same deletion) does not bring it back, nor does a restart.
    d = services.drafter.draft(DraftRequest(raw_text=RAWS[ids_with(services, clause)], section="政策速递", offline=True))[0]
    draft_id = services.store.create(d)
    services.accept(draft_id, title=d.item.title + "（二）", body=d.item.body, commentary=d.commentary.replace(clause, ""))
    again = build_services(services.settings)
    assert _proposal(again, clause) is None
    assert load_rules(services.settings.rules_file).rules == []
    with pytest.raises(ValidationError, match="drafting rules"):
        again.learning.approve(proposal.id)


def test_rule_text_with_template_marks_is_refused_and_the_file_is_untouched(services, history_dir) -> None:
    _, clause, _ = history_dir
    proposal = _proposal(services, clause)
    with pytest.raises(ValidationError, match="不能包含"):
        services.learning.edit(proposal.id, "删除 {{ 套话 }}")
    assert load_rules(services.settings.rules_file).version == 0
    assert _proposal(services, clause) is not None


def test_stats_group_the_edit_history(services, history_dir) -> None:
    _, _, ids = history_dir
    stats = services.learning.stats()
    assert stats.drafts == len(RAWS)
    assert stats.overall is not None and stats.overall.commentary_ratio > 0
    assert [g.key for g in stats.by_section] == ["政策速递"]
    assert [g.key for g in stats.by_model] == ["离线草稿"] and stats.by_model[0].drafts == len(RAWS)
    assert stats.kinds["length_change"] < 0  # every edit only deleted text
    assert stats.kinds["phrases_replaced"] == 0
    # The first draft's ratio, computed independently: deleted characters over the machine text's length.
    rec = next(r for r in services.learning.history() if r.draft_id == ids[0])
    deleted = len(rec.machine_commentary) - len(rec.final_commentary)
    assert rec.fields["commentary"].distance == deleted
    assert rec.fields["commentary"].ratio == pytest.approx(deleted / len(rec.machine_commentary))


# --- the same loop from the command line --------------------------------------------------------------------------

def _cli(services: Services, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict:
    from typer.testing import CliRunner

    from drafting import cli

    monkeypatch.setattr(cli.common, "services", lambda: services)
    result = CliRunner().invoke(cli.app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_draft_save_accept_stats_and_rules(services, history_dir, tmp_path: Path, monkeypatch) -> None:
    _, clause, ids = history_dir
    raw = tmp_path / "raw.txt"
    raw.write_text(RAWS[ids_with(services, clause)], encoding="utf-8")
    out = _cli(services, monkeypatch, "draft", str(raw), "--raw", "--section", "政策速递", "--offline", "--save")
    draft_id = out["draft_id"]
    assert services.store.get(draft_id).commentary == out["commentary"] and clause in out["commentary"]

    final = out["commentary"].replace(clause, "")
    accepted = _cli(services, monkeypatch, "accept", str(draft_id), "--title", out["item"]["title"] + "（定稿）",
                    "--commentary", final)
    assert accepted["status"] == "accepted"
    assert accepted["edit_ratio"]["commentary"] == pytest.approx(len(clause) / len(out["commentary"]), abs=1e-4)
    assert services.corpus.accepted_items() and accepted["item_id"] in {i.id for i in services.corpus.accepted_items()}

    stats = _cli(services, monkeypatch, "stats")
    assert stats["drafts"] == len(RAWS) + 1
    assert stats["by_model"][0]["key"] == "离线草稿"

    listing = _cli(services, monkeypatch, "rules")
    assert listing["rules"] == [] and listing["version"] == 0
    proposal = next(p for p in listing["proposals"] if p["kind"] == "delete" and clause in p["text"])
    assert set(proposal) >= {"id", "kind", "text", "evidence", "count"}
    # The same item drafted and accepted again is one independent draft, not a new one (issue #25): its latest
    # draft stands for it in the evidence, and the count of independent drafts stays.
    assert draft_id in proposal["evidence"] and proposal["count"] == len(ids)

    approved = _cli(services, monkeypatch, "rules", "approve", proposal["id"])
    assert [r["id"] for r in approved["rules"]] == [proposal["id"]] and approved["version"] == 1
    edited = _cli(services, monkeypatch, "rules", "edit", proposal["id"], "--text", "删去空泛的套话。")
    assert edited["rules"][0]["text"] == "删去空泛的套话。" and edited["version"] == 2
    removed = _cli(services, monkeypatch, "rules", "remove", proposal["id"])
    assert removed["rules"] == [] and removed["version"] == 3
    assert proposal["id"] not in {p["id"] for p in removed["proposals"]}


def test_cli_accept_of_a_missing_draft_names_the_fix(services, monkeypatch) -> None:
    from typer.testing import CliRunner

    from drafting import cli

    monkeypatch.setattr(cli.common, "services", lambda: services)
    result = CliRunner().invoke(cli.app, ["accept", "9999", "--json"])
    assert result.exit_code != 0
    assert isinstance(result.exception, ValidationError) and "不存在" in str(result.exception)


# --- precedent feedback -------------------------------------------------------------------------------------------

def test_precedent_feedback_survives_a_restart_and_changes_the_feedback_eval(services, history_dir, monkeypatch) -> None:
    _, _, ids = history_dir
    from typer.testing import CliRunner

    from drafting import cli

    monkeypatch.setattr(cli.common, "services", lambda: services)
    empty = CliRunner().invoke(cli.app, ["eval", "retrieval", "--from-feedback", "--json"])
    assert empty.exit_code != 0 and "先例反馈" in str(empty.exception)
    stored = services.store.get(ids[0])
    top = stored.draft.precedents[0].item.id
    services.learning.feedback.judge(ids[0], top, "helpful", actor="editor")
    services.learning.feedback.expanded(ids[0], stored.draft.precedents[1].item.id)

    restarted = build_services(services.settings)  # new objects over the same SQLite file
    assert restarted.learning.feedback.for_draft(ids[0])[top].judgement == "helpful"
    first = _cli(restarted, monkeypatch, "eval", "retrieval", "--from-feedback")
    assert first["cases"] == 1 and first["modes"]["hybrid"]["mrr"] == 1.0

    # The editor changes their mind: the top precedent was not useful, an item never retrieved was the helpful one.
    shown = {p.item.id for p in stored.draft.precedents}
    unseen = next(i.id for i in restarted.corpus.items() if i.id not in shown and i.commentary and i.issue != "accepted")
    restarted.learning.feedback.judge(ids[0], top, "not_useful")
    restarted.learning.feedback.judge(ids[0], unseen, "helpful")
    second = _cli(build_services(services.settings), monkeypatch, "eval", "retrieval", "--from-feedback")
    assert second["modes"]["hybrid"]["mrr"] < first["modes"]["hybrid"]["mrr"]


def test_a_reworded_sentence_is_not_counted_as_dropped_and_added() -> None:
    from drafting.learning.edits import unmatched

    machine = ["该方案体现了发文机关的高度重视。", "该方案对产业发展作出了系统部署，展现了清晰的战略部署。"]
    final = ["该方案体现了发文机关的高度重视。", "该方案对产业发展作出了系统部署。", "企业应关注配套细则。"]
    assert unmatched(machine, final) == []
    assert unmatched(final, machine) == ["企业应关注配套细则。"]


def test_a_clause_cut_where_a_sentence_was_appended_still_counts_as_deleted() -> None:
    from drafting.learning.edits import EditRecord, FieldEdit
    from drafting.learning.rules import mine

    reminder = "相关主体应同步关注数据安全等合规要求。"
    records = []
    for n, place in enumerate(["浙江", "广东", "江苏"], 1):
        machine = f"{place}印发的方案对产业发展作出了系统部署，展现了清晰的战略部署。"
        final = f"{place}印发的方案对产业发展作出了系统部署。{reminder}"
        zero = FieldEdit(machine_chars=0, final_chars=0, distance=0, ratio=0.0)
        records.append(EditRecord(
            draft_id=n, title="t", section="政策速递", model="m", prompt_version="p", rules_version="r", precedent_set="x",
            month="2023-10", fields={"title": zero, "body": zero, "commentary": zero}, facts_added=0, facts_removed=0,
            sentences_dropped=0, sentences_added=1, phrases_replaced=0, length_change=0,
            machine_commentary=machine, final_commentary=final))
    kinds = {(r.kind, r.before or r.after) for r in mine(records, min_support=3)}
    assert ("delete", "展现了清晰的战略部署") in kinds
    assert ("add", reminder) in kinds


def test_usage_counts_the_raw_text_to_item_call_too(seeded_services, fake_openai) -> None:
    from drafting.writing.service import DraftingService

    settings = seeded_services.settings.model_copy(update={"llm": LLMSettings(base_url=fake_openai.url, model="fake-chat",
                                                                               max_retries=0)})
    (draft,) = DraftingService(settings, seeded_services.retriever).draft(DraftRequest(raw_text=NEW_RAW, section="政策速递"))
    assert len(fake_openai.requests) == 2  # the item, then the 短评
    prompt_chars = sum(len("\n".join(m["content"] for m in r["messages"])) for r in fake_openai.requests)
    assert draft.usage is not None and draft.usage.prompt_tokens == prompt_chars
    assert draft.usage.cost is None, "no price configured for this model"


def test_rules_approved_before_the_move_are_read_from_prompts_until_the_next_approval(tmp_path: Path) -> None:
    """An upgrade keeps the firm's rules (once in prompts/house_rules.md); the next write goes to the corpus."""
    from drafting.learning.rules import Rule, save_rules

    settings = _settings(tmp_path)
    old = Rule(id="r0ld0000", kind="note", text="不写“我们认为”")
    save_rules(settings.legacy_rules_file, [old], previous=2)
    assert not settings.rules_file.exists()
    assert [r.id for r in load_rules(settings.rules_file, legacy=settings.legacy_rules_file).rules] == ["r0ld0000"]
    services = build_services(settings)
    assert services.drafter.house_rules().version == 3
    services.learning.rules.edit("r0ld0000", "不写“我们认为”“本所认为”", [], actor="editor")
    book = load_rules(settings.rules_file)
    assert book.version == 4 and book.rules[0].text == "不写“我们认为”“本所认为”"
    assert load_rules(settings.legacy_rules_file).version == 3, "the old file is left as it was"

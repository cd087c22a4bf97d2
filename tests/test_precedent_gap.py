"""Issue #22, point 5: 缺少同类先例 compares kind and stance, and shows in `drafting draft` (text and JSON), the batch
report and the batch table. Also: a batch tells the drafter which sentences the issue already used twice."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drafting import cli
from drafting.corpus.profile import profile_of
from drafting.evaluation.draft_checks import load_labelled
from drafting.index.search import rank_by_profile
from drafting.issues.batch import BatchRunner
from drafting.issues.batch_rows import validate_rows
from drafting.models import Draft, DraftRequest, Item, Precedent, Profile, SearchResult
from drafting.ui.review_format import BATCH_HEADERS, batch_rows

CASES = {c.id: c for c in load_labelled()}
WHITE_PAPER = CASES["d01"].item()


def _precedent(item: Item, score: float) -> Precedent:
    return Precedent(item=item, score=score, profile=profile_of(item))


def test_a_white_paper_among_plans_of_the_same_stance_has_no_precedent_of_its_kind() -> None:
    plans = [CASES[i].item().model_copy(update={"commentary": "某短评。"}) for i in ("d14", "d15", "d16")]
    want = profile_of(WHITE_PAPER)
    assert want.kind == "白皮书/报告" and all(profile_of(p).stance == want.stance for p in plans)
    result = rank_by_profile(SearchResult(query="q", precedents=[_precedent(p, 1.0 - n / 10) for n, p in enumerate(plans)]),
                             want, "政策速递", 3)
    assert result.precedent_gap is True, "same stance but another kind is no precedent of this kind"
    report = WHITE_PAPER.model_copy(update={"commentary": "某报告短评。", "title": "某机构发布《数字经济白皮书》"})
    with_kind = rank_by_profile(SearchResult(query="q", precedents=[_precedent(report, 0.9), _precedent(plans[0], 1.0)]),
                                want, "政策速递", 3)
    assert with_kind.precedent_gap is False


@pytest.fixture
def cli_env(seeded_services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith("DRAFTING_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(seeded_services.settings.corpus_dir))
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(seeded_services.settings.data_dir))
    path = tmp_path / "item.json"
    path.write_text(json.dumps({k: getattr(WHITE_PAPER, k) for k in ("section", "title", "date", "body")},
                               ensure_ascii=False), encoding="utf-8")
    return path


def test_draft_text_and_json_say_缺少同类先例_with_kind_and_stance(cli_env: Path) -> None:
    text = CliRunner().invoke(cli.app, ["draft", str(cli_env), "--offline"])
    assert text.exit_code == 0, text.output
    assert "缺少同类先例" in text.stdout and "白皮书/报告" in text.stdout and "促进" in text.stdout, text.stdout
    out = CliRunner().invoke(cli.app, ["draft", str(cli_env), "--offline", "--json"])
    data = json.loads(out.stdout)
    assert data["precedent_gap"] is True and "白皮书/报告" in data["precedent_gap_message"]


def test_batch_report_and_table_list_the_gap(seeded_services, tmp_path: Path) -> None:
    rows = [(1, {"section": "政策速递", "title": WHITE_PAPER.title, "body": WHITE_PAPER.body, "date": WHITE_PAPER.date})]
    batch = validate_rows(rows, source="gap.jsonl")
    report = BatchRunner(seeded_services.drafter.draft, data_dir=tmp_path, offline=True).run(batch, batch_id="gap")
    (line,) = report.summary()["precedent_gaps"]
    assert "第 1 行" in line and "缺少同类先例" in line and "白皮书/报告" in line
    from drafting.issues.in_progress import IssueInProgress, IssueItem

    draft = report.results[0].draft
    assert draft is not None
    item = IssueItem(draft_id=1, key="k", position=0, section="政策速递", title=WHITE_PAPER.title, body=WHITE_PAPER.body,
                     commentary=draft.commentary, drafted=True, machine=draft)
    (row,) = batch_rows(IssueInProgress(id="gap", items=[item]))
    assert BATCH_HEADERS[-1] == "先例" and row[-1] == "⚠ 缺少同类先例"


def test_a_batch_passes_the_sentences_used_twice_to_the_drafter(tmp_path: Path) -> None:
    seen: list[list[str]] = []
    lock = threading.Lock()

    def fake(request: DraftRequest) -> list[Draft]:
        with lock:
            seen.append(list(request.avoid_sentences))
        item = request.item
        assert item is not None
        text = f"{item.title}有新意。这是一句套话。"
        return [Draft(item=item, commentary=text, offline=True, profile=Profile(kind="行动计划/实施方案", stance="促进"))]

    names = ("星河", "云栖", "蓝海", "远山")
    rows = [(n, {"section": "政策速递", "title": f"{name}计划发布", "body": f"{name}计划发布。"}) for n, name in enumerate(names, 1)]
    BatchRunner(fake, data_dir=tmp_path, offline=True, concurrency=1).run(validate_rows(rows, source="s.jsonl"), batch_id="s")
    assert seen[0] == [] and seen[1] == []
    assert seen[2] == ["这是一句套话。"] and seen[3] == ["这是一句套话。"]

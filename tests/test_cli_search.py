"""CLI: ingest, search, reindex and eval retrieval, run through typer's runner on the seeded corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drafting.cli import app

runner = CliRunner()


@pytest.fixture
def seeded_env(seeded_services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Point the CLI's Settings() at the session's already-embedded seed corpus."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(seeded_services.settings.corpus_dir))
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(seeded_services.settings.data_dir))
    return seeded_services


def test_search_json_done_check(seeded_env) -> None:
    result = runner.invoke(app, ["search", "河南省印发元宇宙产业发展行动计划", "--section", "政策速递", "-k", "6", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    titles = [r["title"] for r in data["results"]]
    assert all(r["section"] == "政策速递" for r in data["results"])
    pos = lambda needle: next(n for n, t in enumerate(titles) if needle in t)
    for plan in ("四川省", "重庆", "山东"):
        assert pos(plan) < pos("区块链") and pos(plan) < pos("黄浦区")
    top = data["results"][0]
    assert top["dense_rank"] and top["lexical_rank"] and top["score"] > 0 and top["commentary"]
    assert data["duplicates"] == []


def test_search_text_reports_a_duplicate(seeded_env) -> None:
    result = runner.invoke(app, ["search", "重庆发布元宇宙产业发展行动计划", "-k", "3"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("重复：") and "重庆发布元宇宙产业发展行动计划" in lines[0]
    assert [ln.split(".")[0] for ln in lines[1:]] == ["1", "2", "3"]
    assert "dense #" in lines[1]


def test_search_bad_date_is_a_clear_error(seeded_env) -> None:
    result = runner.invoke(app, ["search", "元宇宙", "--date-from", "上个月"])
    assert result.exit_code != 0
    assert isinstance(result.exception, Exception) and "YYYY-MM-DD" in str(result.exception)


def test_search_bad_section_lists_the_valid_ones(seeded_env) -> None:
    result = runner.invoke(app, ["search", "元宇宙", "--section", "政策"])
    assert result.exit_code != 0
    assert all(s in str(result.exception) for s in ("政策速递", "行业新闻", "交易资讯"))


def test_ingest_unchanged_corpus_embeds_nothing(seeded_env) -> None:
    result = runner.invoke(app, ["ingest", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["items"] == 17 and data["indexed"] == 17
    assert (data["added"], data["updated"], data["unchanged"], data["removed"]) == (0, 0, 17, 0)


def test_eval_retrieval_prints_a_table_and_json(seeded_env, tmp_path: Path) -> None:
    cases = [
        {"id": "t1", "section": "政策速递", "title": "湖南省印发元宇宙产业发展行动计划", "body": "湖南省提出到2025年元宇宙相关产业规模达到800亿元。", "relevant": {"四川省": 2, "重庆发布": 2}},
        {"id": "t2", "section": "交易资讯", "title": "某区块链公司完成B轮融资", "body": "某区块链公司完成B轮融资,国资基金领投。", "relevant": {"零数科技": 2}},
    ]
    data_file = tmp_path / "eval.jsonl"
    data_file.write_text("\n".join(json.dumps(c, ensure_ascii=False) for c in cases), encoding="utf-8")

    table = runner.invoke(app, ["eval", "retrieval", "--data", str(data_file)])
    assert table.exit_code == 0, table.output
    header, *rows = table.stdout.strip().splitlines()
    assert header.split() == ["mode", "Recall@3", "MRR", "nDCG@5"]
    assert [r.split()[0] for r in rows[:3]] == ["hybrid", "dense", "lexical"]

    as_json = runner.invoke(app, ["eval", "retrieval", "--data", str(data_file), "--json"])
    data = json.loads(as_json.stdout)
    assert data["cases"] == 2 and set(data["modes"]) == {"hybrid", "dense", "lexical"}
    for scores in data["modes"].values():
        assert 0 <= scores["ndcg_at_5"] <= 1 and 0 <= scores["mrr"] <= 1 and 0 <= scores["recall_at_3"] <= 1
    assert data["modes"]["hybrid"]["mrr"] > 0


def test_eval_retrieval_bad_label_names_the_case(seeded_env, tmp_path: Path) -> None:
    data_file = tmp_path / "eval.jsonl"
    data_file.write_text(json.dumps({"id": "bad1", "section": "行业新闻", "title": "x", "body": "y", "relevant": {"不存在的标题": 2}}, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["eval", "retrieval", "--data", str(data_file)])
    assert result.exit_code != 0
    assert "bad1" in str(result.exception) and "不存在的标题" in str(result.exception)

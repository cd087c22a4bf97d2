"""`drafting draft` and `drafting eval drafts`: JSON shape, raw text, variants, streaming, errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from test_offline import RAW_DOCUMENT
from typer.testing import CliRunner

from drafting import cli
from drafting.errors import DraftingError, ValidationError
from drafting.models import Item
from drafting.settings import LLMSettings


@pytest.fixture(scope="module")
def chongqing(seed_path: Path) -> Item:
    from drafting.corpus import parse_file

    return next(i for i in parse_file(seed_path).items if i.title.startswith("重庆"))


@pytest.fixture
def use_services(seeded_services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Point the CLI's own set-up (Settings from DRAFTING_* variables) at the seeded corpus, optionally with a model."""
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in [k for k in os.environ if k.startswith("DRAFTING_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("DRAFTING_CORPUS_DIR", str(seeded_services.settings.corpus_dir))
    monkeypatch.setenv("DRAFTING_DATA_DIR", str(seeded_services.settings.data_dir))

    def use(llm: LLMSettings | None = None) -> None:
        for field, value in (llm.model_dump(mode="json", exclude_unset=True) if llm else {}).items():
            monkeypatch.setenv(f"DRAFTING_LLM__{field.upper()}", json.dumps(value) if isinstance(value, list) else str(value))

    use()
    return use


def _item_file(tmp_path: Path, item: Item) -> Path:
    path = tmp_path / "item.json"
    data = {k: getattr(item, k) for k in ("section", "title", "date", "body", "sources")}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_draft_item_json_offline(use_services, tmp_path: Path, chongqing: Item) -> None:
    result = CliRunner().invoke(cli.app, ["draft", str(_item_file(tmp_path, chongqing)), "--offline", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) >= {"item", "commentary", "offline", "model", "findings", "precedents"}
    assert out["offline"] is True and out["model"] is None
    assert out["item"]["title"] == chongqing.title and 130 <= len(out["commentary"]) <= 200
    assert all(set(f) >= {"kind", "span", "message"} for f in out["findings"])
    assert not [f for f in out["findings"] if f["kind"] in {"number", "date", "title", "org", "place"}]
    assert out["precedents"] and all(set(p) >= {"id", "title", "score"} for p in out["precedents"])  # extra keys may appear (README)
    assert chongqing.title in [d["title"] for d in out["duplicates"]], "the corpus already holds this item"


def test_draft_raw_text_from_stdin_with_variants(use_services) -> None:
    result = CliRunner().invoke(cli.app, ["draft", "-", "--raw", "--variants", "2", "--json"], input=RAW_DOCUMENT)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert len(out["variants"]) == 2
    first, second = out["variants"]
    assert first["item"]["date"] == "2023-09-22" and first["item"]["body"].startswith("2023年9月22日")
    assert first["commentary"] != second["commentary"]


NEWS = ("2023年10月12日，在2023中国移动全球合作伙伴大会上，联想集团与中国移动宣布，在夯实行业数字底座、"
        "深化5G+AI赋能数实融合以及加速科技创新三方面达成深度合作共识。")


def test_raw_news_gets_a_commentary_only_when_asked(use_services) -> None:
    base = ["draft", "-", "--raw", "--section", "行业新闻", "--offline", "--json"]
    plain = json.loads(CliRunner().invoke(cli.app, base, input=NEWS).stdout)
    asked = CliRunner().invoke(cli.app, [*base, "--commentary"], input=NEWS)
    assert asked.exit_code == 0, asked.output
    out = json.loads(asked.stdout)
    assert plain["commentary"] == "" and plain["item"]["section"] == "行业新闻"
    assert len(out["commentary"]) >= 60 and out["item"]["section"] == "行业新闻"


def test_draft_streams_model_output_to_the_terminal(use_services, fake_openai, tmp_path: Path, chongqing: Item) -> None:
    use_services(LLMSettings(base_url=fake_openai.url, model="fake-chat", backoff=0.01, max_retries=1))
    result = CliRunner().invoke(cli.app, ["draft", str(_item_file(tmp_path, chongqing))])
    assert result.exit_code == 0, result.output
    assert "植德短评（fake-chat @ 0.4）" in result.output
    assert "《重庆市元宇宙产业发展行动计划" in result.output
    assert "事实核查" in result.output and "参考先例" in result.output
    assert fake_openai.requests and fake_openai.requests[0]["stream"] is True


def test_draft_model_failure_is_a_clear_error(use_services, fake_openai, tmp_path: Path, chongqing: Item) -> None:
    fake_openai.configure(fail_status=[500, 500, 500])
    use_services(LLMSettings(base_url=fake_openai.url, model="fake-chat", backoff=0.01, max_retries=1))
    result = CliRunner().invoke(cli.app, ["draft", str(_item_file(tmp_path, chongqing))])
    assert result.exit_code != 0
    assert isinstance(result.exception, DraftingError) and "已重试 1 次" in str(result.exception)


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["draft", "-", "--raw"], "   ", "为空"),
        (["draft", "-"], "这不是 JSON", "--raw"),
        (["draft", "-"], '{"section": "体育新闻", "title": "x", "body": "y"}', "section"),
    ],
)
def test_bad_input_is_rejected_in_chinese(use_services, args: list[str], stdin: str, message: str) -> None:
    result = CliRunner().invoke(cli.app, args, input=stdin)
    assert result.exit_code != 0
    assert isinstance(result.exception, ValidationError) and message in str(result.exception)


def test_eval_drafts_offline_json(use_services) -> None:
    result = CliRunner().invoke(cli.app, ["eval", "drafts", "--offline", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["offline"] is True and report["drafts"] == 6
    assert report["drafts_with_fact_flags"] == 0
    assert report["length_conformance"] == 1.0
    assert 0.0 < report["mean_rouge_l"] < 1.0 and 0.0 < report["mean_similarity"] <= 1.0
    for case in report["cases"]:
        assert case["draft"] != case["reference"]

"""Issue #10, corpus side: hostile or broken files never write outside corpus/, never replace or hide what is
there, and never block the rest of the corpus, `check` or start-up. Real files, real Chroma, real CLI processes.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SEED, make_settings

BIN = Path(sys.executable).parent / "drafting"
ITEM = {"section": "政策速递", "title": "某市印发《元宇宙产业行动计划》", "date": "2023-09-18",
        "body": "2023年9月18日，某市印发《元宇宙产业行动计划》，提出推动产业发展。"}


def issue_json(issue_id: str, items: list[dict] | None = None) -> str:
    return json.dumps({"id": issue_id, "items": items or [ITEM]}, ensure_ascii=False)


def run_cli(tmp: Path, *args: str, preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DRAFTING_CORPUS_DIR": str(tmp / "corpus"), "DRAFTING_DATA_DIR": str(tmp / "data"),
           "ANONYMIZED_TELEMETRY": "False"}
    env.pop("DRAFTING_LLM__BASE_URL", None)
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, cwd=tmp, timeout=300,
                          check=False, preexec_fn=preexec)


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


# ---------- files that must be refused by `drafting ingest` without writing anything ----------

@dataclass
class Refused:
    name: str
    file: str
    content: str | bytes
    words: tuple[str, ...]


REFUSED = [
    Refused("traversal-id", "evil.json", issue_json("../../../../{tmp}/x/pwned"), ("id", "无效")),
    Refused("absolute-id", "abs.json", issue_json("/{tmp}/x/pwned"), ("id", "无效")),
    Refused("empty-id", "empty.json", issue_json(""), ("id", "不能为空")),
    Refused("dot-id", "dot.json", issue_json(".hidden"), ("id",)),
    Refused("impossible-date", "date.json",
            json.dumps([ITEM | {"date": "2023-13-45"}], ensure_ascii=False), ("2023-13-45", "第 1 条")),
    Refused("impossible-date-issue", "date_issue.json", issue_json("fine", [ITEM | {"date": "2023-02-30"}]), ("2023-02-30",)),
    Refused("duplicate-items", "dups.json", json.dumps([ITEM, ITEM], ensure_ascii=False), ("第 2 条", "第 1 条")),
    Refused("list-title", "listtitle.json", json.dumps([ITEM | {"title": ["a", ["b"]]}]), ("title", "文本")),
    Refused("deep-nesting", "deep.json", "[" * 100_000 + "]" * 100_000, ("嵌套",)),
    Refused("deep-nesting-issue", "deep_issue.json", '{"id":"x","items":' + "[" * 100_000 + "]" * 100_000 + "}", ("嵌套",)),
]


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile_cli")
    make_settings(tmp)
    assert run_cli(tmp, "ingest").returncode == 0
    return tmp


@pytest.mark.parametrize("case", REFUSED, ids=[c.name for c in REFUSED])
def test_ingest_refuses_without_writing(case: Refused, cli_env: Path) -> None:
    src = cli_env / "in" / case.file
    src.parent.mkdir(exist_ok=True)
    content = case.content.replace("{tmp}", str(cli_env).lstrip("/")) if isinstance(case.content, str) else case.content
    src.write_bytes(content.encode() if isinstance(content, str) else content)
    corpus_before = files_under(cli_env / "corpus")
    outside_before = files_under(cli_env) - {f"corpus/{f}" for f in corpus_before}
    result = run_cli(cli_env, "ingest", str(src))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert chinese(result.stderr), result.stderr
    for word in case.words:
        assert word in result.stderr, result.stderr
    assert str(src.parent) not in result.stderr  # the file's name, never the server's folders
    assert files_under(cli_env / "corpus") == corpus_before
    written = files_under(cli_env) - {f"corpus/{f}" for f in files_under(cli_env / "corpus")} - outside_before
    assert not [w for w in written if not w.startswith("data/")], written
    assert not (Path("/") / str(cli_env).lstrip("/") / "x").exists()


def test_model_refuses_path_ids() -> None:
    from drafting.models import Issue, Item

    for bad in ("../x", "a/b", "", ".x", "a\\b", "x" * 300):
        with pytest.raises(ValueError):
            Issue(id=bad)
        if bad:
            with pytest.raises(ValueError):
                Item(id=bad, section="政策速递", title="t", body="b")


def test_accepted_item_and_batch_ids_never_leave_their_folder(tmp_path: Path) -> None:
    from drafting.corpus import CorpusFiles
    from drafting.errors import ValidationError
    from drafting.issues.batch import BatchRunner
    from drafting.models import Item

    corpus = CorpusFiles(tmp_path / "corpus")
    item = Item.model_construct(id="../../escaped", section="政策速递", title="t", body="b")  # bypasses validation
    with pytest.raises(ValidationError):
        corpus.add_item(item)
    with pytest.raises(ValidationError):
        corpus.remove_item("../../../etc/passwd")
    runner = BatchRunner(lambda request: [], data_dir=tmp_path / "data")
    with pytest.raises(ValidationError):
        runner.folder("../../outside")
    assert not (tmp_path / "escaped.json").exists()


# ---------- data loss ----------

def test_same_id_never_replaces_an_existing_issue(tmp_path: Path) -> None:
    from drafting.corpus import CorpusFiles
    from drafting.errors import DraftingError

    settings = make_settings(tmp_path)
    corpus = CorpusFiles(settings.corpus_dir)
    corpus.issues()
    seed_json = settings.corpus_dir / "issues" / f"{SEED.stem}.json"
    corrected = json.loads(seed_json.read_text(encoding="utf-8"))
    corrected["items"][0]["title"] = corrected["items"][0]["title"] + "（人工更正）"
    seed_json.write_text(json.dumps(corrected, ensure_ascii=False), encoding="utf-8")
    before = seed_json.read_bytes()
    intruder = tmp_path / "intruder.json"
    intruder.write_text(issue_json(SEED.stem), encoding="utf-8")
    with pytest.raises(DraftingError) as info:
        corpus.ingest(intruder)
    assert SEED.stem in str(info.value) and "id" in str(info.value)
    assert seed_json.read_bytes() == before
    # the same file again is not a conflict: ingesting is idempotent
    same = tmp_path / "same.json"
    same.write_bytes(before)
    corpus.ingest(same)
    assert seed_json.read_bytes() == before


def test_a_broken_hand_edit_keeps_its_items_indexed_and_check_names_it(tmp_path: Path) -> None:
    from drafting import maintenance
    from drafting.services import build_services

    services = build_services(make_settings(tmp_path))
    services.ingest()
    indexed = services.index.count()
    assert indexed > 10
    seed_json = services.settings.corpus_dir / "issues" / f"{SEED.stem}.json"
    seed_json.write_text(seed_json.read_text(encoding="utf-8")[:-40], encoding="utf-8")  # a bad hand edit
    broken = seed_json.read_bytes()
    services.ingest()
    assert services.index.count() == indexed
    report = maintenance.check(services, repair=True)
    assert not report.ok
    assert seed_json.name in report.summary()
    assert seed_json.read_bytes() == broken  # named and left alone
    assert services.index.count() == indexed
    result = run_cli(tmp_path, "check")
    assert result.returncode != 0
    assert seed_json.name in result.stdout


def test_a_poisoned_file_in_the_corpus_blocks_nothing(tmp_path: Path) -> None:
    """A bad file dropped into corpus/issues by hand: ingest, check --repair and start-up name it and go on."""
    settings = make_settings(tmp_path)
    (settings.corpus_dir / "issues" / "poison.json").write_text(
        json.dumps([ITEM | {"date": "2023-13-45"}], ensure_ascii=False), encoding="utf-8")
    result = run_cli(tmp_path, "ingest", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["indexed"] >= 17
    repair = run_cli(tmp_path, "check", "--repair")
    assert "poison.json" in repair.stdout
    assert "Traceback" not in repair.stderr


# ---------- crashes: long names, damaged checkpoints, full disk ----------

def test_a_253_byte_file_name_is_ingested_under_a_shorter_name(tmp_path: Path) -> None:
    from drafting.corpus import CorpusFiles

    corpus = CorpusFiles(tmp_path / "corpus")
    name = ("政" * 83) + ".txt"  # 249 bytes of name + 4
    assert len(name.encode()) >= 253
    src = tmp_path / name
    src.write_bytes(SEED.read_bytes())
    issue = corpus.ingest(src)
    assert len(issue.items) == 17
    assert all(len(p.name.encode()) <= 255 for p in corpus.issues_dir.iterdir())
    assert len(corpus.issues()) == 1


@pytest.mark.parametrize(("content", "loaded"), [
    (b"[]\n", {}),  # JSON, but not a record
    (b'{"key": 1}\n{"no": "key"}\n', {}),  # records without a usable key
    (bytes(range(256)) * 8, {}),  # binary garbage
    # a record of the right shape whose item is damaged: loaded, then refused when resuming
    (b'{"key": "k", "status": "done", "item": 5}\n', {"k": {"key": "k", "status": "done", "item": 5}}),
])
def test_damaged_checkpoint_is_not_a_traceback(tmp_path: Path, content: bytes, loaded: dict[str, object],
                                               caplog: pytest.LogCaptureFixture) -> None:
    from drafting.issues.batch import BatchRunner
    from drafting.issues.batch_checkpoint import Checkpoint
    from drafting.issues.batch_rows import validate_rows

    path = tmp_path / "checkpoint.jsonl"
    path.write_bytes(content)
    assert Checkpoint(path).load() == loaded
    batch = validate_rows([(1, {"栏目": "行业新闻", "标题": "t", "正文": "某公司发布平台。"})], source="x.csv")
    key = batch.entries[0].key
    folder = tmp_path / "data" / "batches" / "b1"
    folder.mkdir(parents=True)
    (folder / "checkpoint.jsonl").write_bytes(content.replace(b'"k"', json.dumps(key).encode()))
    runner = BatchRunner(lambda request: [], data_dir=tmp_path / "data", offline=True)
    with caplog.at_level("WARNING"):
        report = runner.run(batch, batch_id="b1", resume=True)
    # the entry is drafted again from its row, not taken from the damaged record, and nothing is an error
    [result] = report.results
    assert (result.key, result.resumed, result.error) == (key, False, None)
    assert result.item is not None and (result.item.title, result.item.body) == ("t", "某公司发布平台。")
    if loaded:
        assert f"checkpoint record for {key} is damaged" in caplog.text


def _limit_file_size() -> None:
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # like a full disk: any write past 4 KB fails


def test_full_disk_is_a_message_and_loses_nothing(tmp_path: Path) -> None:
    src = tmp_path / "new-issue.txt"
    src.write_bytes(SEED.read_bytes())
    (tmp_path / "corpus").mkdir()
    code = ("import sys\nfrom drafting.corpus import CorpusFiles\nfrom drafting.errors import DraftingError\n"
            f"try:\n    CorpusFiles({str(tmp_path / 'corpus')!r}).ingest({str(src)!r})\n"
            "except DraftingError as exc:\n    print(exc)\n    sys.exit(1)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            preexec_fn=_limit_file_size, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "磁盘" in result.stdout, result.stdout
    assert files_under(tmp_path / "corpus") == set()  # no half-written file, no temp file left behind


# ---------- clear messages ----------

def test_utf16_without_bom_is_text(tmp_path: Path) -> None:
    from drafting.corpus import parse_file

    for enc in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"seed_{enc}.txt"
        path.write_bytes(SEED.read_text(encoding="utf-8").encode(enc))
        assert len(parse_file(path).items) == 17


def test_corpus_files_follow_the_umask(tmp_path: Path) -> None:
    from drafting.corpus import CorpusFiles

    old = os.umask(0o022)
    try:
        corpus = CorpusFiles(tmp_path / "corpus")
        corpus.ingest(SEED)
    finally:
        os.umask(old)
    for path in corpus.issues_dir.iterdir():
        assert path.stat().st_mode & 0o777 == 0o644, path


def test_xlsx_with_data_on_the_second_sheet(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from drafting.issues.batch_input import read_items

    book = Workbook()
    book.active.title = "说明"
    sheet = book.create_sheet("条目")
    sheet.append(["栏目", "标题", "日期", "正文"])
    sheet.append(["行业新闻", "某公司发布元宇宙平台", "2023-09-18", "2023年9月18日，某公司发布元宇宙平台。"])
    path = tmp_path / "list.xlsx"
    book.save(path)
    assert len(read_items(path).entries) == 1


# ---------- zip bombs ----------

def _bomb(path: Path, part: str, good: Path) -> None:
    """A real Office file whose main part is padded with ~150 MB of whitespace (about 150 KB compressed)."""
    import zipfile

    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == part:
                head, rest = data.split(b"?>", 1) if data.startswith(b"<?xml") else (None, data)
                padding = b"<!--" + b" " * 150_000_000 + b"-->"
                data = (head + b"?>" if head is not None else b"") + padding + rest
            dst.writestr(info.filename, data)


def test_zip_bombs_are_refused_before_they_expand(tmp_path: Path) -> None:
    import docx
    from openpyxl import Workbook

    from drafting.corpus import parse_file
    from drafting.errors import DraftingError
    from drafting.issues.batch_input import read_items

    good_docx = tmp_path / "good.docx"
    document = docx.Document()
    document.add_heading("政策速递", 1)
    document.add_heading("某市印发《元宇宙产业行动计划》", 2)
    document.add_paragraph("2023年9月18日，某市印发《元宇宙产业行动计划》。")
    document.save(good_docx)
    bomb_docx = tmp_path / "bomb.docx"
    _bomb(bomb_docx, "word/document.xml", good_docx)
    assert bomb_docx.stat().st_size < 2_000_000
    good_xlsx = tmp_path / "good.xlsx"
    book = Workbook()
    book.active.append(["栏目", "标题", "正文"])
    book.save(good_xlsx)
    bomb_xlsx = tmp_path / "bomb.xlsx"
    _bomb(bomb_xlsx, "xl/worksheets/sheet1.xml", good_xlsx)
    for call in (lambda: parse_file(bomb_docx), lambda: read_items(bomb_docx), lambda: read_items(bomb_xlsx)):
        with pytest.raises(DraftingError) as info:
            call()
        assert "压缩炸弹" in str(info.value)
    assert parse_file(good_docx).items  # an ordinary Word file still parses


def test_an_800_item_markdown_issue_without_markers_parses(tmp_path: Path) -> None:
    """Once cubic in the items (minutes); the subprocess bound is a hang check with a wide margin, not a timing."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_parse_markdown import markdown_issue

    path = tmp_path / "big.md"
    path.write_text(markdown_issue(800, markers=False), encoding="utf-8")
    code = f"from drafting.corpus import parse_file\nprint(len(parse_file({str(path)!r}).items))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert result.stdout.strip() == "800", result.stderr

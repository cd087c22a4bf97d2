"""The corpus folder: ingest, the parsed JSON as system of record, accepted items, atomic writes."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from pathlib import Path

import pytest

from drafting.corpus import CorpusFiles
from drafting.errors import ParseError
from drafting.models import Item


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def corpus(tmp_path: Path) -> CorpusFiles:
    return CorpusFiles(tmp_path / "corpus")


def test_ingest_copies_original_and_writes_reviewable_json(corpus: CorpusFiles, seed_path: Path) -> None:
    issue = corpus.ingest(seed_path)
    assert len(issue.items) == 17
    folder = corpus.root / "issues"
    assert sorted(p.name for p in folder.iterdir()) == [f"{seed_path.stem}.json", seed_path.name]
    assert (folder / seed_path.name).read_bytes() == seed_path.read_bytes()
    text = (folder / f"{seed_path.stem}.json").read_text(encoding="utf-8")
    assert "政策速递" in text  # ensure_ascii=False: a person can read and correct it
    assert text.startswith("{\n  ")  # pretty-printed
    data = json.loads(text)
    assert data["id"] == seed_path.stem and len(data["items"]) == 17
    assert {i["issue"] for i in data["items"]} == {seed_path.stem}


def test_ingest_twice_is_idempotent(corpus: CorpusFiles, seed_path: Path, tmp_path: Path) -> None:
    first = corpus.ingest(seed_path)
    before = snapshot(corpus.root)
    second = corpus.ingest(seed_path)
    assert snapshot(corpus.root) == before
    assert [i.id for i in second.items] == [i.id for i in first.items]
    # the same content under another name is not a second issue
    copy = tmp_path / "renamed.txt"
    shutil.copy(seed_path, copy)
    third = corpus.ingest(copy)
    assert snapshot(corpus.root) == before
    assert third.id == first.id
    assert len(corpus.items()) == 17


def test_ingest_from_inside_the_corpus(corpus: CorpusFiles, seed_path: Path) -> None:
    folder = corpus.root / "issues"
    folder.mkdir(parents=True)
    inside = folder / seed_path.name
    shutil.copy(seed_path, inside)
    issue = corpus.ingest(inside)
    assert issue.id == seed_path.stem
    assert sorted(p.name for p in folder.iterdir()) == [f"{seed_path.stem}.json", seed_path.name]


def test_same_name_different_content_gets_its_own_stem(corpus: CorpusFiles, seed_path: Path, tmp_path: Path) -> None:
    corpus.ingest(seed_path)
    other = tmp_path / "other" / seed_path.name
    other.parent.mkdir()
    other.write_text("政策速递\n\n新的政策标题\n\n2024年1月2日，某机构发布新规。\n", encoding="utf-8")
    issue = corpus.ingest(other)
    assert issue.id != seed_path.stem and issue.id.startswith(seed_path.stem)
    assert (corpus.root / "issues" / f"{issue.id}.txt").exists()
    assert len(corpus.issues()) == 2
    assert len(corpus.items()) == 18


def test_originals_without_json_are_parsed_and_written(corpus: CorpusFiles, seed_path: Path) -> None:
    folder = corpus.root / "issues"
    folder.mkdir(parents=True)
    shutil.copy(seed_path, folder / seed_path.name)
    issues = corpus.issues()
    assert [i.id for i in issues] == [seed_path.stem]
    assert (folder / f"{seed_path.stem}.json").exists()
    # the parsed JSON is not taken for another input issue
    assert [i.id for i in corpus.issues()] == [seed_path.stem]
    assert len(corpus.items()) == 17


def correct_title(path: Path, title: str) -> None:
    """What a person does: edit the parsed JSON by hand (here without keeping indentation)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["items"][0]["title"] = title
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_ingest_records_the_originals_hash(corpus: CorpusFiles, seed_path: Path) -> None:
    issue = corpus.ingest(seed_path)
    digest = hashlib.sha1(seed_path.read_bytes()).hexdigest()
    assert issue.source_sha1 == digest
    stored = json.loads((corpus.root / "issues" / f"{seed_path.stem}.json").read_text(encoding="utf-8"))
    assert stored["source_sha1"] == digest


def test_corrected_json_is_the_system_of_record(corpus: CorpusFiles, seed_path: Path) -> None:
    corpus.ingest(seed_path)
    path = corpus.root / "issues" / f"{seed_path.stem}.json"
    correct_title(path, "人工校对后的标题")
    assert corpus.issues()[0].items[0].title == "人工校对后的标题"
    assert corpus.ingest(seed_path).items[0].title == "人工校对后的标题"  # re-ingest keeps the correction
    assert corpus.issues()[0].items[0].title == "人工校对后的标题"


def test_correction_survives_an_original_that_looks_newer(corpus: CorpusFiles, seed_path: Path) -> None:
    """The reviewer's bug: git clone / cp rewrite the original with the same bytes and a newer mtime."""
    corpus.ingest(seed_path)
    folder = corpus.root / "issues"
    path = folder / f"{seed_path.stem}.json"
    original = folder / seed_path.name
    correct_title(path, "人工校对后的标题")
    corrected = path.read_bytes()
    original.write_bytes(seed_path.read_bytes())  # identical content, written after the JSON
    later = path.stat().st_mtime + 60
    os.utime(original, (later, later))
    assert original.stat().st_mtime > path.stat().st_mtime
    assert corpus.issues()[0].items[0].title == "人工校对后的标题"
    assert corpus.ingest(original).items[0].title == "人工校对后的标题"
    assert corpus.ingest(seed_path).items[0].title == "人工校对后的标题"
    assert path.read_bytes() == corrected  # not even rewritten
    # a whole corpus copied with its files in any order keeps the correction too
    copy = CorpusFiles(corpus.root.parent / "cloned")
    (copy.root / "issues").mkdir(parents=True)
    shutil.copy(path, copy.root / "issues" / path.name)
    shutil.copy(original, copy.root / "issues" / original.name)
    assert copy.issues()[0].items[0].title == "人工校对后的标题"


def test_a_changed_original_is_parsed_again(corpus: CorpusFiles, seed_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    corpus.ingest(seed_path)
    folder = corpus.root / "issues"
    path = folder / f"{seed_path.stem}.json"
    original = folder / seed_path.name
    # an untouched JSON follows its original (a hand-corrected one is kept: tests/test_hostile23_units.py)
    # the original really changes, even with an older mtime than the JSON
    changed = seed_path.read_text(encoding="utf-8").replace("\n工信部:", "\n工业和信息化部:", 1)
    original.write_text(changed, encoding="utf-8")
    earlier = path.stat().st_mtime - 60
    os.utime(original, (earlier, earlier))
    with caplog.at_level(logging.WARNING, logger="drafting.corpus.files"):
        issue = corpus.issues()[0]
    assert issue.items[0].title.startswith("工业和信息化部")
    assert issue.source_sha1 == hashlib.sha1(original.read_bytes()).hexdigest()
    assert any("已修改" in r.getMessage() and path.name in r.getMessage() for r in caplog.records)
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["items"][0]["title"] == issue.items[0].title and stored["source_sha1"] == issue.source_sha1
    before = snapshot(corpus.root)
    assert corpus.issues()[0].items[0].title == issue.items[0].title
    assert snapshot(corpus.root) == before  # parsed once, then the JSON is trusted again


def test_json_without_hash_is_parsed_again_and_gets_one(corpus: CorpusFiles, seed_path: Path) -> None:
    corpus.ingest(seed_path)
    path = corpus.root / "issues" / f"{seed_path.stem}.json"
    fresh = path.read_bytes()
    data = json.loads(fresh)
    del data["source_sha1"]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert corpus.issues()[0].source_sha1 == hashlib.sha1(seed_path.read_bytes()).hexdigest()
    assert path.read_bytes() == fresh


def test_a_broken_corrected_json_is_never_overwritten(corpus: CorpusFiles, seed_path: Path) -> None:
    corpus.ingest(seed_path)
    folder = corpus.root / "issues"
    path = folder / f"{seed_path.stem}.json"
    broken = path.read_text(encoding="utf-8").replace('"title": "', '"title": 人工', 1)
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ParseError, match=path.name):
        corpus.ingest(folder / seed_path.name)
    assert path.read_text(encoding="utf-8") == broken


def test_plain_json_item_list(corpus: CorpusFiles, tmp_path: Path) -> None:
    records = [
        {"section": "行业新闻", "title": "某市举办元宇宙大会", "date": None, "body": "近日，某市举办元宇宙大会。", "sources": []},
        {"section": "交易资讯", "title": "某公司完成融资", "date": "2024-03-20", "body": "2024年3月20日，某公司完成融资。"},
    ]
    src = tmp_path / "items.json"
    src.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    issue = corpus.ingest(src)
    assert [i.title for i in issue.items] == ["某市举办元宇宙大会", "某公司完成融资"]
    stored = corpus.root / "issues" / "items.json"
    assert json.loads(stored.read_text(encoding="utf-8"))["id"] == "items"
    before = snapshot(corpus.root)
    corpus.ingest(src)
    assert snapshot(corpus.root) == before
    # a user's list dropped straight into the folder is read as an issue too
    (corpus.root / "issues" / "dropped.json").write_text(json.dumps(records[:1], ensure_ascii=False), encoding="utf-8")
    assert sorted(i.id for i in corpus.issues()) == ["dropped", "items"]
    assert len(corpus.items()) == 2  # the same item in both files counts once


def test_accepted_items_and_dedup(corpus: CorpusFiles, seed_path: Path) -> None:
    seed = corpus.ingest(seed_path)
    path = corpus.add_item(seed.items[0])
    assert path == corpus.root / "accepted" / f"{seed.items[0].id}.json"
    assert len(corpus.items()) == 17  # same id: no duplicate
    new = Item(section="行业新闻", title="编辑采纳的新条目", body="近日，某事发生。", commentary="短评" * 70, issue="accepted")
    corpus.add_item(new)
    items = corpus.items()
    assert len(items) == 18 and items[-1].id == new.id
    ids = [i.id for i in corpus.issues()]
    assert ids == [seed_path.stem, "accepted"]
    assert corpus.issues()[-1].items[-1].commentary == new.commentary


def test_later_file_wins_for_the_same_id(corpus: CorpusFiles, seed_path: Path) -> None:
    seed = corpus.ingest(seed_path)
    edited = seed.items[3].model_copy(update={"commentary": "编辑改过的短评。"})
    corpus.add_item(edited)
    items = {i.id: i for i in corpus.items()}
    assert items[edited.id].commentary == "编辑改过的短评。"


def test_save_issue_is_atomic_and_leaves_no_temp_files(corpus: CorpusFiles, seed_path: Path) -> None:
    issue = corpus.ingest(seed_path)
    path = corpus.save_issue(issue.model_copy(update={"title": "元宇宙月刊"}))
    assert json.loads(path.read_text(encoding="utf-8"))["title"] == "元宇宙月刊"
    leftovers = [p.name for p in corpus.root.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]
    assert leftovers == []
    mtime = path.stat().st_mtime_ns
    time.sleep(0.01)
    corpus.save_issue(corpus.issues()[0])  # unchanged content: the file is left alone
    assert path.stat().st_mtime_ns == mtime


def test_a_broken_file_does_not_hide_the_rest(corpus: CorpusFiles, seed_path: Path) -> None:
    corpus.ingest(seed_path)
    (corpus.root / "issues" / "broken.docx").write_bytes(b"not a docx")
    assert [i.id for i in corpus.issues()] == [seed_path.stem]
    with pytest.raises(ParseError, match="broken.docx"):
        corpus.ingest(corpus.root / "issues" / "broken.docx")


def test_ingest_missing_file(corpus: CorpusFiles, tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="nope.txt"):
        corpus.ingest(tmp_path / "nope.txt")


def test_empty_corpus(corpus: CorpusFiles) -> None:
    assert corpus.issues() == [] and corpus.items() == []


def test_services_ingest_on_tmp_settings(tmp_settings) -> None:
    """The conftest corpus (seed original only) reads as one issue of 17 items."""
    corpus = CorpusFiles(tmp_settings.corpus_dir)
    assert len(corpus.items()) == 17

"""Hostile Word files on every DOCX path (issue #23 findings 5 and 15): bombs and part floods refused, named rightly.

Paths: `drafting import-review` (drafting/issues/word_review.py → drafting/issues/review_import.py), a Word file read as a
source (drafting/sources/document.py) and the corpus/batch readers' shared check (drafting/corpus/readers.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from drafting.errors import ParseError, SourceError
from drafting.issues.review_import import read_reviewed_docx
from drafting.sources import formats
from drafting.sources.document import read_document

HUGE = 300_000_000  # a customXml part of 300 MB of zeros: about 300 KB in the file


def _plain_docx(path: Path) -> Path:
    import docx

    doc = docx.Document()
    doc.add_heading("政策速递", level=1)
    doc.add_paragraph("上海市促进元宇宙产业发展行动方案印发。")
    doc.save(str(path))
    return path


def _with_huge_part(path: Path) -> Path:
    """A valid DOCX plus customXml/item9.xml expanding to 300 MB (streamed in, never held)."""
    _plain_docx(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z, z.open("customXml/item9.xml", "w") as part:
        block = b"\0" * 1_000_000
        for _ in range(HUGE // len(block)):
            part.write(block)
    return path


def _with_many_parts(path: Path, n: int = 6017) -> Path:
    """n parts in all, the added ones four bytes each."""
    _plain_docx(path)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        for k in range(n - len(z.infolist())):
            z.writestr(f"customXml/tiny{k}.xml", b"<a/>")
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _with_huge_part(tmp_path_factory.mktemp("docx") / "审阅稿.docx")


def test_review_import_refuses_a_zip_bomb_before_parsing(bomb: Path) -> None:
    assert bomb.stat().st_size < 2_000_000
    tracemalloc.start()
    try:
        with pytest.raises(ParseError) as err:
            read_reviewed_docx(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "上限" in str(err.value) and "100 MB" in str(err.value)
    assert peak < 20_000_000, f"{peak / 1e6:.0f} MB held while refusing"


def test_import_review_cli_refuses_the_bomb_in_chinese(bomb: Path, tmp_path: Path) -> None:
    env = {**os.environ, "DRAFTING_DATA_DIR": str(tmp_path / "data"), "DRAFTING_CORPUS_DIR": str(tmp_path / "corpus"),
           "ANONYMIZED_TELEMETRY": "False"}
    done = subprocess.run([sys.executable, "-m", "drafting", "import-review", str(bomb), "--issue", "2023-10"],
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode != 0, done.stdout
    assert "上限" in done.stderr and "Traceback" not in done.stderr + done.stdout, done.stderr[-2000:]


def test_ratio_checked_even_under_the_size_cap(tmp_path: Path) -> None:
    """60 MB from 60 KB (1000:1) is no Word document, though under 100 MB."""
    path = _plain_docx(tmp_path / "ratio.docx")
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z, z.open("word/media/x.bin", "w") as part:
        for _ in range(60):
            part.write(b"\0" * 1_000_000)
    with pytest.raises(ParseError) as err:
        formats.check_zip(path)
    assert "压缩比" in str(err.value) and "倍上限" in str(err.value)


def test_many_tiny_parts_refused_for_their_number(tmp_path: Path) -> None:
    """6,017 parts of a few bytes: the message names the part limit, not a size the file does not have."""
    path = _with_many_parts(tmp_path / "parts.docx")
    for call in (lambda: formats.check_zip(path), lambda: read_reviewed_docx(path)):
        with pytest.raises(ParseError) as err:
            call()
        message = str(err.value)
        assert "6017 个部件" in message and "5000 个" in message and "MB" not in message, message
    with pytest.raises(SourceError) as err2:
        read_document(path)
    assert "5000 个" in str(err2.value)


def test_ordinary_docx_still_reads(tmp_path: Path) -> None:
    path = _plain_docx(tmp_path / "ok.docx")
    formats.check_zip(path)
    assert "元宇宙" in read_document(path).text

"""Word review files with forged item marks (issue #23 finding 14, the Word-file side): no ValueError/OverflowError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drafting.errors import DraftingError, ValidationError
from drafting.issues.review_import import read_reviewed_docx

MARKS = ["dz_draft_²", "dz_draft_12345678901234567890123", "dz_draft_٣", "dz_draft_ⅻ", "dz_draft_-1", "dz_draft_"]


def _reviewed(path: Path, marks: list[str]) -> Path:
    """An issue-shaped DOCX (Heading 1 section, Heading 2 items) whose titles carry the given bookmarks."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    doc = docx.Document()
    doc.add_heading("政策速递", level=1)
    for n, mark in enumerate(marks):
        title = doc.add_heading(f"上海市印发元宇宙行动方案之{n}", level=2)
        start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
        start.set(qn("w:id"), str(n))
        start.set(qn("w:name"), mark)
        end.set(qn("w:id"), str(n))
        title._p.insert(0, start)
        title._p.append(end)
        doc.add_paragraph("2023年7月8日，上海市人民政府办公厅印发行动方案，提出到2025年产业规模达到3500亿元。")
    doc.save(str(path))
    return path


def test_forged_marks_are_not_item_keys(tmp_path: Path) -> None:
    doc = read_reviewed_docx(_reviewed(tmp_path / "审阅稿.docx", MARKS))
    assert len(doc.items) == len(MARKS)
    assert [i.anchor for i in doc.items] == [None] * len(MARKS), "forged marks are dropped; items match by title"


def test_real_marks_still_read(tmp_path: Path) -> None:
    doc = read_reviewed_docx(_reviewed(tmp_path / "审阅稿.docx", ["dz_draft_42", "dz_draft_i0123456789ab"]))
    assert [i.anchor for i in doc.items] == ["42", "i0123456789ab"]


@pytest.mark.parametrize("mark", ["dz_draft_²", "dz_draft_12345678901234567890123"])
def test_import_review_with_a_forged_mark_answers_in_chinese(seeded_services: Any, tmp_path: Path, mark: str) -> None:
    from drafting.issues.word_review import review_report

    path = _reviewed(tmp_path / "审阅稿.docx", [mark])
    with pytest.raises(DraftingError) as err:
        review_report(seeded_services, path)
    assert isinstance(err.value, ValidationError) and "期次" in str(err.value)

"""A DOCX as Microsoft Word saves it (tests/word_docx.py, tests/data/word/README.md): the corpus reader, the review
reader and `drafting import-review` read Word's own XML — rsids, split runs, proofing marks, the chsdate smart tag,
field codes, zh-CN style ids, tracked changes and comments — not only files python-docx or LibreOffice wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import seeded_settings
from word_docx import Edit, WordItem, write_word_docx

from drafting.corpus import parse_file
from drafting.issues.review_import import read_reviewed_docx

DATA = Path(__file__).resolve().parent / "data"
FIXTURE = DATA / "word" / "issue_reviewed_in_word.docx"

TITLE = "植德元宇宙、Web3与区块链月报（2023年10月）"
SHANGHAI_BODY = ("2023年9月18日，上海市经济和信息化委员会印发《上海市元宇宙关键技术攻关行动方案》，"
                 "提出到2025年在元宇宙关键技术领域取得一批突破。")
SHANGHAI_COMMENT = ("该方案聚焦元宇宙关键技术攻关，明确了产业发展的重点方向，"
                    "为相关企业参与技术研发与场景建设提供了明确指引，企业可关注后续配套细则与申报窗口。")
FIXTURE_ITEMS = [
    WordItem(section="政策速递", title="上海市印发《上海市元宇宙关键技术攻关行动方案》", body=SHANGHAI_BODY,
             commentary=SHANGHAI_COMMENT, anchor="i000000000001", source="https://www.sheitc.sh.gov.cn/zxxx/20230918.html",
             commentary_edit=Edit("明确了产业发展的重点方向", "明确了攻关任务与时间表"),
             comment=("王律师", "请核实“2025年”的表述"), bold_title_change=True),
    WordItem(section="政策速递", title="北京市发布数字人产业创新发展行动计划",
             body="2023年8月3日，北京市经济和信息化局发布《北京市数字人产业创新发展行动计划》，提出培育一批数字人企业。",
             commentary="该计划围绕数字人产业链布局，提出了培育目标与应用场景，对相关企业具有参考意义。", anchor="i000000000002",
             body_edit=Edit("提出培育一批数字人企业", "提出到2025年培育一批数字人领军企业")),
    WordItem(section="交易资讯", title="某数字科技公司完成亿元B轮融资", anchor="i000000000003",
             body="2023年10月9日，某数字科技公司宣布完成亿元B轮融资，资金将用于区块链底层技术研发。"),
]
EDITED_COMMENT = SHANGHAI_COMMENT.replace("明确了产业发展的重点方向", "明确了攻关任务与时间表")
EDITED_BODY = FIXTURE_ITEMS[1].body.replace("提出培育一批数字人企业", "提出到2025年培育一批数字人领军企业")


def test_the_committed_fixture_is_what_the_writer_makes(tmp_path: Path) -> None:
    # the fixture can be rebuilt (and read) from tests/word_docx.py: `python tests/word_docx.py` is not needed
    made = write_word_docx(tmp_path / "made.docx", TITLE, FIXTURE_ITEMS)
    assert made.read_bytes() == FIXTURE.read_bytes(), "regenerate tests/data/word/issue_reviewed_in_word.docx"


def test_corpus_reader_reads_the_word_file_as_accepted_without_field_codes() -> None:
    issue = parse_file(FIXTURE)
    by_title = {i.title: i for i in issue.items}
    assert list(by_title) == [i.title for i in FIXTURE_ITEMS]
    shanghai, beijing, deal = (by_title[i.title] for i in FIXTURE_ITEMS)
    assert [i.section for i in issue.items] == ["政策速递", "政策速递", "交易资讯"]
    # split runs, proofing marks and the chsdate smart tag leave the text whole; the date is read from it
    assert shanghai.body.startswith(SHANGHAI_BODY)
    assert shanghai.date == "2023-09-18" and beijing.date == "2023-08-03" and deal.date == "2023-10-09"
    # pending revisions read as accepted (inserted text in, deleted text out), as the reviewer asked
    assert shanghai.commentary == EDITED_COMMENT
    assert beijing.body == EDITED_BODY
    assert deal.commentary is None
    # the link in the footnote's HYPERLINK field is the item's source
    assert shanghai.sources == [FIXTURE_ITEMS[0].source] and beijing.sources == [] and deal.sources == []
    every = " ".join(f"{i.title} {i.body} {i.commentary or ''}" for i in issue.items)
    assert "HYPERLINK" not in every and "MERGEFORMAT" not in every  # field instructions are not text
    assert "请核实" not in every  # a comment is not part of the item


def test_review_reader_gives_both_views_authors_comments_and_anchors() -> None:
    doc = read_reviewed_docx(FIXTURE)
    assert [i.anchor for i in doc.items] == ["i000000000001", "i000000000002", "i000000000003"]
    shanghai, beijing, deal = doc.items
    assert shanghai.text("commentary", "accepted") == EDITED_COMMENT
    assert shanghai.text("commentary", "original") == SHANGHAI_COMMENT
    assert beijing.text("body", "accepted") == EDITED_BODY and beijing.text("body", "original") == FIXTURE_ITEMS[1].body
    assert deal.text("body", "accepted") == deal.text("body", "original") == FIXTURE_ITEMS[2].body
    assert shanghai.authors["commentary"] == ["王律师"] and beijing.authors["body"] == ["王律师"]
    assert [(c.author, c.text, c.field) for c in shanghai.comments] == [("王律师", "请核实“2025年”的表述", "commentary")]
    assert shanghai.text("title", "accepted") == FIXTURE_ITEMS[0].title  # a formatting change is not a text change
    assert shanghai.footnotes["accepted"] == [FIXTURE_ITEMS[0].source] == shanghai.sources("original")
    assert doc.pending == 4  # two deletions, two insertions (w:rPrChange is not a text revision)


def _issue_items(services) -> list:  # type: ignore[no-untyped-def]
    from drafting.issues.publish import run_batch

    run_batch(services, DATA / "batch" / "items.jsonl", offline=True, batch_id="oct", prefetch=False)
    return services.reviews.get_issue("oct").items


@pytest.mark.slow
def test_import_review_reads_a_file_saved_by_word(tmp_path: Path) -> None:
    from drafting.services import build_services

    settings = seeded_settings(tmp_path)
    services = build_services(settings)
    items = _issue_items(services)
    policy = next(i for i in items if i.section == "政策速递" and len(i.commentary) > 30)
    deal = next(i for i in items if i.section == "交易资讯")
    old = policy.commentary[4:14]
    word_items = [
        WordItem(section=i.section, title=i.title, body=i.body, commentary=i.commentary or None, anchor=str(i.draft_id),
                 source=(i.sources or [None])[0],
                 commentary_edit=Edit(old, "（经复核）" + old) if i is policy else None,
                 comment=("王律师", "请核实产业规模数字") if i is policy else None,
                 body_edit=Edit(i.body[-8:-1], "") if i is deal else None)
        for i in items
    ]
    reviewed = write_word_docx(tmp_path / "审阅稿.docx", "植德月报", word_items)
    env = {**os.environ, "DRAFTING_CORPUS_DIR": str(settings.corpus_dir), "DRAFTING_DATA_DIR": str(settings.data_dir),
           "ANONYMIZED_TELEMETRY": "False"}
    env.pop("DRAFTING_LLM__BASE_URL", None)
    proc = subprocess.run([sys.executable, "-m", "drafting", "import-review", str(reviewed), "--json"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    assert report["issue"] == "oct" and report["unmatched"] == [] and report["deleted"] == []
    assert report["conflicts"] == []  # the original view (no export record in the file) is the text as stored
    changed = {r["draft_id"]: r for r in report["items"] if r["changes"]}
    assert set(changed) == {policy.draft_id, deal.draft_id}
    assert all(r["matched_by"] == "bookmark" for r in report["items"])
    [c] = changed[policy.draft_id]["changes"]
    assert (c["field"], c["author"], c["after"]) == ("commentary", "王律师", policy.commentary.replace(old, "（经复核）" + old, 1))
    assert [(n["author"], n["text"]) for n in changed[policy.draft_id]["comments"]] == [("王律师", "请核实产业规模数字")]
    [b] = changed[deal.draft_id]["changes"]
    assert (b["field"], b["after"]) == ("body", deal.body[:-8] + deal.body[-1:])
    assert report["pending_revisions"] == 3  # the 短评: a deletion and an insertion; the deal: a deletion

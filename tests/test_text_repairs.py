"""Repairs of extracted text at their edges: which paragraphs split by a page are joined, and which are not."""

from __future__ import annotations

from drafting.corpus import parse_text

LONG = "2024年3月5日，某部委印发《元宇宙产业指导意见》，提出到2026年培育一批骨干企业，并在"  # 44 characters, no sentence end


def issue_text(*body: str) -> str:
    return "\n\n".join(["政策速递", "某部委印发元宇宙产业指导意见", *body, "行业新闻", "某市举办元宇宙大会", "近日，某市举办元宇宙大会。"])


def body_of(text: str) -> str:
    return parse_text(text, issue_id="repairs").items[0].body


def test_a_sentence_split_by_a_page_is_joined() -> None:
    assert body_of(issue_text(LONG, "\n\n", "多个领域打造应用场景。")) == LONG + "多个领域打造应用场景。"


def test_a_twenty_character_fragment_split_by_a_page_is_joined() -> None:
    twenty = "某部委还提出加快推进元宇宙关键技术攻关与"  # 20 characters, the sentence goes on over the page
    assert len(twenty) == 20
    first = "2024年3月5日，某部委印发《元宇宙产业指导意见》。"
    assert body_of(issue_text(first, twenty, "\n\n", "应用场景建设。")) == f"{first}\n{twenty}应用场景建设。"


def test_short_lines_before_a_page_break_stay_their_own_paragraph() -> None:
    """A numbered heading inside a body has no full stop either, but it is not half a sentence."""
    for heading in ("一、强化关键技术攻关", "二、完善算力等基础设施与数据要素流通"):
        assert len(heading) < 20
        first = "2024年3月5日，某部委印发《元宇宙产业指导意见》，提出多项重点任务。"
        body = body_of(issue_text(first, heading, "\n\n", "加快推进扩展现实、区块链等技术攻关。"))
        assert body == f"{first}\n{heading}\n加快推进扩展现实、区块链等技术攻关。", body

"""Two mistakes of the offline drafter an editor would see at once, found while writing tests/test_offline_mutants.py
(round 29); both failed before the fix in drafting/writing/offline/facts.py and drafter.py."""

from __future__ import annotations

import pytest

from drafting.corpus.profile import profile_of
from drafting.models import Item
from drafting.writing.offline.drafter import draft_commentary
from drafting.writing.offline.facts import issuer_of


@pytest.mark.parametrize(("text", "issuer"), [
    ("证监会同日发布《适用于虚拟资产交易平台营运者的指引》。", "证监会"),
    ("河南省工业和信息化厅近日印发《河南省区块链产业发展行动方案》。", "河南省工业和信息化厅"),
    ("2023年5月1日，某部日前印发《数字藏品平台管理办法》。", "某部"),
])
def test_a_time_word_before_the_verb_is_not_part_of_the_issuer(text: str, issuer: str) -> None:
    # the 短评 opened "证监会同日发布《…》", and an association's members were "某协会近日的会员单位"
    assert issuer_of(text, None) == issuer


def test_a_headline_ending_in_an_exclamation_mark_is_not_doubled_punctuation() -> None:
    # clean_title folds the full-width ！ to ASCII "!": the first sentence ended "新品!。"
    item = Item(section="行业新闻", title="某公司发布元宇宙新品！",
                body="某公司在上海发布元宇宙头显新品，新品支持虚拟现实内容创作，售价3999元。")
    text = draft_commentary(item, [], profile=profile_of(item))
    assert text.startswith("某公司发布元宇宙新品。"), text
    assert "!" not in text and "！。" not in text, text

"""The guard's length limits, exactly at and one past each end (house style: 130–200 characters, whitespace not counted)."""

from __future__ import annotations

import pytest

from drafting.corpus.profile import profile_of
from drafting.models import Item
from drafting.settings import GuardSettings
from drafting.writing.guard.check import check

SOURCE = Item(section="行业新闻", title="某公司发布数字藏品平台", date="2023-09-18", body="某公司发布数字藏品平台。")


def length_findings(text: str, settings: GuardSettings | None = None) -> list[str]:
    return [f.message for f in check(text, SOURCE, settings or GuardSettings(), profile=profile_of(SOURCE)) if f.kind == "length"]


@pytest.mark.parametrize("n", [130, 131, 165, 199, 200])
def test_lengths_inside_the_limits_pass(n: int) -> None:
    assert length_findings("甲" * n) == []


@pytest.mark.parametrize("n", [0, 1, 129, 201, 260])
def test_lengths_outside_the_limits_are_flagged_with_the_count(n: int) -> None:
    assert length_findings("甲" * n) == [f"短评共 {n} 字，应在 130—200 字之间"]


def test_whitespace_does_not_count() -> None:
    assert length_findings("甲" * 65 + " \n\u3000\t" + "甲" * 65) == []  # 130 characters plus spaces and a break
    assert length_findings("甲" * 100 + "\n\n" + "甲" * 29) == ["短评共 129 字，应在 130—200 字之间"]


def test_limits_come_from_settings_inclusive() -> None:
    tight = GuardSettings(min_chars=10, max_chars=12)
    assert length_findings("甲" * 10, tight) == [] and length_findings("甲" * 12, tight) == []
    assert length_findings("甲" * 9, tight) == ["短评共 9 字，应在 10—12 字之间"]
    assert length_findings("甲" * 13, tight) == ["短评共 13 字，应在 10—12 字之间"]

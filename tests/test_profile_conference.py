"""A conference that announces things is still a conference: its 短评 speaks of the event, not of 新品动向.

Found by the round-29 offline mutation tests (docs/testing.md, "Round 29: offline drafter"): a headline convening a
conference that then 发布 a list of 应用 scenarios was filed as 产品发布, because 发布…应用 reads as a launch.
"""

from __future__ import annotations

import pytest

from drafting.corpus.profile import profile_of
from drafting.models import Item
from drafting.writing.offline.drafter import draft_commentary

CONVENED = [
    ("某市召开元宇宙产业发展大会，发布一批元宇宙应用场景清单并签约二十个重点项目",
     "2023年9月1日，某市召开元宇宙产业发展大会，会上发布元宇宙应用场景清单，签约二十个重点项目。"),
    ("2023元宇宙产业峰会在杭州举行，发布元宇宙应用创新案例集",
     "2023年11月2日，2023元宇宙产业峰会在杭州举行。峰会发布元宇宙应用创新案例集。"),
]
LAUNCHES = [  # a launch stays a launch, even when the company names its own event
    ("Meta发布新一代混合现实头显Quest 3", "2023年9月27日，Meta发布新一代混合现实头显Quest 3。"),
    ("某科技公司在开发者大会上发布数字人应用平台", "2023年8月4日，某科技公司在开发者大会上发布数字人应用平台。"),
]


@pytest.mark.parametrize(("title", "body"), CONVENED)
def test_a_convened_conference_that_announces_is_a_conference(title: str, body: str) -> None:
    item = Item(section="行业新闻", title=title, body=body)
    assert profile_of(item).kind == "会议/活动"
    text = draft_commentary(item, [], profile=profile_of(item))
    assert "新品" not in text, text


@pytest.mark.parametrize(("title", "body"), LAUNCHES)
def test_a_launch_is_still_a_launch(title: str, body: str) -> None:
    assert profile_of(Item(section="行业新闻", title=title, body=body)).kind == "产品发布"

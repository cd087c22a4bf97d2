"""Guard behaviour the mutation run found unchecked (round 24, issue #24): what a lawyer would see go wrong if the
fact check silently changed. Source items and 短评 are fixtures written by hand in the house voice."""

from __future__ import annotations

from drafting.models import Item
from drafting.writing.guard.check import check_facts

NEWS = Item(section="行业新闻", title="某科技公司发布元宇宙平台", date="2024-03-05",
            body="2024年3月5日，某科技公司发布元宇宙平台，首批接入12家合作方。")


def kinds(text: str, source: Item = NEWS) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in check_facts(text, source)]


def test_an_organisation_the_source_never_names_is_flagged_by_its_suffix() -> None:
    assert kinds("该平台由上海市数据局牵头建设。") == [("place", "上海市"), ("org", "数据局")]
    assert kinds("清华大学参与了该平台的测试。") == [("org", "清华大学")]


def test_a_number_and_a_date_the_source_states_pass_and_changed_ones_are_flagged() -> None:
    assert kinds("2024年3月5日，首批接入12家合作方。") == []
    assert kinds("2024年3月6日，首批接入13家合作方。") == [("date", "2024年3月6日"), ("number", "13")]

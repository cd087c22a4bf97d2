"""The draft limiter shared by the page and the API: pools, counts, and the refusal after waiting."""

from __future__ import annotations

import pytest

from drafting.errors import BusyError
from drafting.writing.limits import DraftLimiter


def test_a_full_model_pool_refuses_in_chinese_and_leaves_offline_drafts_free() -> None:
    limiter = DraftLimiter(model=1, offline=1)
    assert limiter.try_acquire(offline=False)
    with pytest.raises(BusyError, match="服务繁忙"), limiter.hold(offline=False, timeout=0):
        pass
    assert limiter.status()["model"] == {"limit": 1, "running": 1, "waiting": 0}  # the refused call is not left counted
    with limiter.hold(offline=True, timeout=0):
        assert limiter.status()["offline"]["running"] == 1
    limiter.release(offline=False)
    with limiter.hold(offline=False, timeout=0):
        assert limiter.status()["model"]["running"] == 1
    assert limiter.status() == {"model": {"limit": 1, "running": 0, "waiting": 0},
                                "offline": {"limit": 1, "running": 0, "waiting": 0}}


def test_a_waiting_page_draft_is_counted_until_it_gives_up() -> None:
    limiter = DraftLimiter(model=1, offline=1)
    assert limiter.try_acquire(offline=False)
    turns = limiter.wait(offline=False, step=0)
    assert next(turns) == 1  # what the page shows as 排队中 (等待 1 份)
    assert limiter.status()["model"]["waiting"] == 1
    turns.close()  # the page was closed while waiting
    assert limiter.status()["model"] == {"limit": 1, "running": 1, "waiting": 0}
    limiter.release(offline=False)
    assert list(limiter.wait(offline=False, step=0)) == []  # free now: taken without waiting
    assert limiter.status()["model"]["running"] == 1

"""POST /api/v1/drafts/{id}/autosave, the save a closing tab sends (#25 point 5): a page's saves land in its own
order, its own newer version is no conflict, another editor's still is."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import make_settings
from fastapi.testclient import TestClient

from drafting.api import build_api
from drafting.autosave import PageEdit, save_from_page
from drafting.models import Draft, Item
from drafting.services import build_services


def test_closing_tab_save_is_ordered_per_page(tmp_path: Path) -> None:
    services = build_services(make_settings(tmp_path))
    draft = Draft(item=Item(section="政策速递", title="某市印发《元宇宙行动方案》", date="2023-09-18", body="正文"),
                  commentary="机器短评", offline=True)
    draft_id = services.store.create(draft)
    client = TestClient(build_api(services))
    url = f"/drafts/{draft_id}/autosave"  # build_api is mounted at /api/v1 by the page

    # The page's autosave #1 is saved (version 2); its closing save #3 still names version 1, the one it loaded.
    save_from_page(services, draft_id, title=draft.item.title, body="正文", commentary="机器短评。关",
                   expected_version=1, actor="张律师", page=PageEdit("tab-a", 1))
    text = {"title": draft.item.title, "body": "正文", "commentary": "机器短评。关闭前最后一句话。"}
    # sendBeacon posts text/plain: the route reads the JSON whatever the content type.
    sent = client.post(url, content=json.dumps({**text, "version": 1, "page": "tab-a", "seq": 3}, ensure_ascii=False),
                       headers={"Content-Type": "text/plain;charset=UTF-8"})
    assert sent.status_code == 200, sent.text
    assert sent.json()["saved"] is True
    assert services.store.get(draft_id).commentary == text["commentary"]

    # The autosave #2 that was still in flight arrives last: dropped, the whole sentence stays.
    late = save_from_page(services, draft_id, title=draft.item.title, body="正文", commentary="机器短评。关闭前",
                          expected_version=2, actor="张律师", page=PageEdit("tab-a", 2))
    assert late.stale and services.store.get(draft_id).commentary == text["commentary"]

    # Another page (another editor) that loaded version 1 is refused, not silently overwriting.
    other = client.post(url, json={**text, "commentary": "别人的文字", "version": 1, "page": "tab-b", "seq": 1})
    assert other.status_code == 400 and "已在别处被修改" in other.json()["error"]
    assert services.store.get(draft_id).commentary == text["commentary"]

    bad = client.post(url, content=b"{not json", headers={"Content-Type": "text/plain"})
    assert bad.status_code == 400 and "自动保存的内容无效" in bad.json()["error"]

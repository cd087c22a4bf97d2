"""The page's pure helpers (escaping, diff, highlights, requests) and the page assembly, without a browser."""

from __future__ import annotations

import dataclasses
import sys
import types
from pathlib import Path

import pytest
from pydantic import SecretStr

from drafting.errors import DraftingError, ValidationError
from drafting.models import Draft, Finding, Issue, Item, Precedent, StoredDraft
from drafting.ui import format as fmt

XSS = '<img src=x onerror="alert(1)">'


def item(**kw: object) -> Item:
    data = {"section": "政策速递", "title": "重庆发布元宇宙产业发展行动计划", "date": "2023-09-22", "body": "正文", "commentary": "短评"}
    data.update(kw)
    return Item.model_validate(data)


def test_precedents_html_escapes_and_expands() -> None:
    p = Precedent(item=item(title=XSS, body=f"正文{XSS}", commentary=f"短评{XSS}", sources=[XSS]), score=0.0312, dense_rank=1,
                  dense_score=0.94)
    html = fmt.precedents_html([p, Precedent(item=item(title="无短评", commentary=None), score=0.02)])
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert html.count("<details") == 2 and "open" in html.split("<details")[1].split(">")[0]
    assert "相似度 94%" in html and "2023-09-22" in html and "（此条无短评）" in html
    assert "dz-dup" not in html


def test_duplicate_warning() -> None:
    dup = Precedent(item=item(title=f"重庆{XSS}", issue="000_x"), score=1.0, duplicate=True)
    html = fmt.precedents_html([], [dup])
    assert "语料库中已有此条目" in html and "000_x" in html and "<img" not in html
    assert fmt.duplicates_html([]) == ""


def test_diff_is_by_word_and_escaped() -> None:
    html = fmt.diff_html("规模达到500亿元。", "规模达到<b>800</b>亿元。")
    assert "<del>500</del>" in html, "a number changes whole, never digit by digit"
    assert "<ins>&lt;b&gt;800&lt;/b&gt;</ins>" in html
    assert "<b>" not in html
    assert fmt.diff_html("同样", "同样") == "同样"
    assert fmt.diff_html("", "新增") == "<ins>新增</ins>"
    assert fmt.diff_html("删掉", "") == "<del>删掉</del>"


def test_draft_diff_per_field() -> None:
    d = Draft(item=item(title="原标题", body="原正文"), commentary="原短评", offline=True)
    assert "起草后" in fmt.draft_diff_html(None, "", "", "")
    assert "尚未修改" in fmt.draft_diff_html(d, "原标题", "原正文", "原短评")
    html = fmt.draft_diff_html(d, "原标题", "原正文", "原短评，新增")
    assert "短评" in html and "<ins>，新增</ins>" in html and "标题" not in html.replace("短评", "")


def test_highlight_segments_cover_text_once() -> None:
    text = "重庆规模达到900亿元，武汉建设园区。"
    findings = [
        Finding(kind="place", message="", span=(text.index("武汉"), text.index("武汉") + 2)),
        Finding(kind="number", message="", span=(6, 11)),
        Finding(kind="number", message="", span=(7, 9)),  # overlaps the one before: dropped
        Finding(kind="length", message="字数", span=None),
        Finding(kind="title", message="", span=(0, 2), field="title"),  # not in the 短评
        Finding(kind="number", message="", span=(500, 600)),  # out of range
    ]
    segs = fmt.highlight_segments(text, findings)
    assert "".join(s for s, _ in segs) == text
    assert ("900亿元", "数字") in segs and ("武汉", "地点") in segs
    assert [label for _, label in segs if label] == ["数字", "地点"]
    assert fmt.highlight_segments("", findings) == []


def test_findings_html() -> None:
    assert "未发现" in fmt.findings_html([])
    html = fmt.findings_html([Finding(kind="number", message="数字“900亿”未见于来源", text=XSS, span=(0, 1))])
    assert "数字" in html and "短评" in html and "<img" not in html and "（1）" in html


def test_char_count_marks_range() -> None:
    assert fmt.char_count("字" * 150, 130, 200).startswith("✓") and "150 字" in fmt.char_count("字" * 150, 130, 200)
    assert fmt.char_count("字 字", 130, 200).startswith("⚠") and "2 字" in fmt.char_count("字 字", 130, 200)


def test_make_filters() -> None:
    assert fmt.make_filters(fmt.SECTION_ANY, "", "") is None
    f = fmt.make_filters("政策速递", "2023-01-01", "")
    assert f is not None and f.section == "政策速递" and f.date_from == "2023-01-01" and f.date_to is None
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        fmt.make_filters(None, "2023/1/1", "")
    with pytest.raises(ValidationError, match="晚于"):
        fmt.make_filters(None, "2023-12-01", "2023-01-01")


def test_build_request() -> None:
    with pytest.raises(ValidationError, match="粘贴"):
        fmt.build_request("   ")
    with pytest.raises(ValidationError, match="上限"):
        fmt.build_request("字" * (fmt.MAX_PASTE_CHARS + 1))
    req, source = fmt.build_request("正文。", "湖北省行动计划", "2023-10-08", "https://a.example/x", "政策速递", variants=2)
    assert req.item is not None and req.item.title == "湖北省行动计划" and req.item.sources == ["https://a.example/x"]
    assert req.variants == 2 and req.raw_text is None
    assert source.splitlines()[0] == "湖北省行动计划" and "来源：https://a.example/x" in source
    req, source = fmt.build_request("湖北省印发行动计划\n正文。", section=fmt.SECTION_AUTO, model=fmt.OFFLINE_LABEL)
    assert req.item is None and req.raw_text == source == "湖北省印发行动计划\n正文。"
    assert req.section is None and req.offline and req.model is None and req.commentary is None
    req, _ = fmt.build_request("联想集团与中国移动宣布深度合作。", section="行业新闻")
    assert req.raw_text and req.section == "行业新闻" and req.commentary is True  # a chosen section asks for its 短评
    req, _ = fmt.build_request("正文", model="deepseek-chat")
    assert req.model == "deepseek-chat" and not req.offline
    with pytest.raises(ValidationError, match="日期"):
        fmt.build_request("正文", date="十月")


def test_model_label() -> None:
    assert fmt.model_label(Draft(item=item(), commentary="", offline=True, model=None)).endswith("离线草稿")
    assert "deepseek-chat" in fmt.model_label(Draft(item=item(), commentary="", offline=False, model="deepseek-chat"))


def test_history_rows_and_preview(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Shanghai")  # stored in UTC, shown in the firm's local time
    time.tzset()
    d = Draft(item=item(), commentary="短", offline=False, model="qwen-plus")
    stored = StoredDraft(id=3, status="accepted", draft=d, title=f"标题{XSS}", body="正文", commentary="长" * 80,
                         created_at="2026-01-02T03:04:05.123+00:00", updated_at="2026-01-02T03:05:06.1+00:00")
    (row,) = fmt.history_rows([stored])
    assert row[0] == 3 and row[1] == "已采纳" and row[4] == "qwen-plus" and row[5] == "2026-01-02 11:05:06"
    assert len(str(row[3])) == 61 and str(row[3]).endswith("…")
    html = fmt.stored_html(stored)
    assert "#3" in html and "<img" not in html and "<ins>" in html and "创建 2026-01-02 11:04:05" in html
    monkeypatch.undo()
    time.tzset()


def test_filter_items_and_rows() -> None:
    items = [item(title="重庆元宇宙", date="2023-09-22"), item(section="行业新闻", title="成都元宇宙案例", date="2023-09-20", commentary=None),
             item(title="上海区块链", date="2023-09-27", issue="accepted")]
    assert [i.title for i in fmt.filter_items(items, "元宇宙")] == ["重庆元宇宙", "成都元宇宙案例"]
    assert [i.title for i in fmt.filter_items(items, "元宇宙 成都")] == ["成都元宇宙案例"]
    assert [i.title for i in fmt.filter_items(items, "", "行业新闻")] == ["成都元宇宙案例"]
    assert fmt.filter_items(items, "", fmt.SECTION_ANY)[0].title == "上海区块链"  # newest first
    rows = fmt.corpus_rows(fmt.filter_items(items))
    assert rows[0][3] == "有" and rows[0][4] == "采纳" and rows[2][3] == ""


def test_ingest_report() -> None:
    issue = Issue(id="x", items=[item(), item(section="行业新闻", title="n", commentary=None)], problems=["第 3 页|无法识别"])
    md = fmt.ingest_report([("a|b.md", issue, None), ("bad.exe", None, "不支持的文件类型")], indexed=19)
    assert "a\\|b.md | 2 | 1 | 1/1/0 | 第 3 页\\|无法识别" in md
    assert "| bad.exe | – | – | – | ✗ 不支持的文件类型 |" in md
    assert "**19**" in md


# --- the page assembly (imports gradio) -------------------------------------------------------------------


def test_upload_checks(tmp_path: Path) -> None:
    from drafting.ui.corpus_tab import _check_upload

    ok = tmp_path / "issue.md"
    ok.write_text("x", encoding="utf-8")
    _check_upload(ok, 1)
    exe = tmp_path / "issue.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(ValidationError, match="不支持的文件类型"):
        _check_upload(exe, 1)
    big = tmp_path / "big.pdf"
    big.write_bytes(b"0" * 1_100_000)
    with pytest.raises(ValidationError, match="请管理员调大上传上限"):
        _check_upload(big, 1)


def test_settings_markdown_never_shows_secrets(tmp_settings) -> None:
    from drafting.ui.settings_tab import settings_markdown

    s = tmp_settings.model_copy(deep=True)
    s.llm.base_url = "https://user:pw-secret@api.example.com/v1?key=q-secret"
    s.llm.model = "deepseek-chat"
    s.llm.api_key = SecretStr("sk-very-secret")
    s.server.users = {"editor": SecretStr("login-secret")}
    md = settings_markdown(s, ["deepseek-chat", "qwen-plus"], 17)
    assert "deepseek-chat、qwen-plus" in md and "https://api.example.com/v1" in md
    assert "已配置（不显示）" in md and "17 条" in md and "已开启" in md
    assert not any(secret in md for secret in ("sk-very-secret", "pw-secret", "q-secret", "login-secret", "user:"))


def test_guarded_keeps_outputs() -> None:
    import gradio as gr

    from drafting.ui.app import guarded

    @guarded(3)
    def fails() -> tuple[str, str, str]:
        raise ValidationError("请先粘贴")

    @guarded(1)
    def crashes() -> str:
        raise RuntimeError("boom")

    assert fails() == (gr.skip(), gr.skip(), gr.skip())
    assert crashes() == gr.skip()
    assert issubclass(ValidationError, DraftingError)


def test_build_app_pages_tabs_and_a_tab_that_fails_to_import(seeded_services, monkeypatch: pytest.MonkeyPatch) -> None:
    import gradio as gr

    from drafting.ui import app

    def labels(demo) -> list[str]:
        return [b.label for b in demo.blocks.values() if isinstance(b, gr.Tab)]

    def pages(demo) -> dict[str, set[str]]:
        """Each page's address → the elem_ids of its components (what the browser gets on that page)."""
        cfg = demo.get_config_file()
        ids = {c["id"]: c["props"].get("elem_id") for c in cfg["components"]}
        return {path: {ids[i] for i in page["components"] if ids.get(i)} for path, page in cfg["page"].items()}

    demo = app.build_app(seeded_services)
    # the editor's page: five tabs; 收件箱 (with its own two sub-pages), 批量 and 规则 each a page of its own
    assert labels(demo) == ["起草", "历史", "语料库", "设置", "统计", "新条目", "设置"]
    ctx = demo.ui_context
    assert {"draft_comm", "history_table", "corpus_table", "settings_model", "batch_table", "inbox_table",
            "rules_evidence"} <= set(ctx.components)
    by_page = pages(demo)
    assert set(by_page) == {"", "inbox", "batch", "rules"}
    assert {"dz-raw", "dz-hist-table", "dz-settings-info", "dz-navbar"} <= by_page[""]
    assert not {i for i in by_page[""] if i.startswith(("dz-batch", "dz-inbox", "dz-rules", "dz-watch"))}, \
        "the editor's page carries no component of the other pages"
    assert {"dz-batch-table", "dz-navbar"} <= by_page["batch"] and "dz-raw" not in by_page["batch"]
    assert {"dz-inbox-table", "dz-watch-sources", "dz-navbar"} <= by_page["inbox"]
    assert {"dz-rules-evidence", "dz-navbar"} <= by_page["rules"]
    # no event of one page reaches a component of another: the browser would have nothing to fill
    cfg = demo.get_config_file()
    for path, page in cfg["page"].items():
        mine = set(page["components"])
        for dep in cfg["dependencies"]:
            if dep["id"] in page["dependencies"]:
                assert set(dep["outputs"]) <= mine and set(dep["inputs"]) <= mine, (path, dep["api_name"])

    # A tab module is picked up in its slot with no change to app.py.
    main = app.PAGES[0]
    fake = types.ModuleType("drafting.ui.fake_batch_tab")
    fake.TAB_ID, fake.TAB_LABEL = "batch", "整期起草"  # type: ignore[attr-defined]
    built: list[object] = []
    fake.build = lambda ctx: built.append(ctx)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "drafting.ui.fake_batch_tab", fake)

    def with_main(*modules: str) -> None:
        monkeypatch.setattr(app, "PAGES", (dataclasses.replace(main, modules=modules), *app.PAGES[1:]))

    with_main(main.modules[0], "drafting.ui.fake_batch_tab", *main.modules[1:])
    assert labels(app.build_app(seeded_services)) == ["起草", "整期起草", "历史", "语料库", "设置", "统计", "新条目", "设置"]
    assert len(built) == 1

    # A listed tab that is absent stops the app loudly instead of serving a page without it.
    with_main(main.modules[0], "drafting.ui.no_such_tab", *main.modules[1:])
    with pytest.raises(ModuleNotFoundError, match="no_such_tab"):
        app.build_app(seeded_services)

    # So does a tab whose own dependency is missing.
    with_main("drafting.ui.broken_tab")
    monkeypatch.setattr(app.importlib, "import_module", _raise_missing_dependency)
    with pytest.raises(ModuleNotFoundError):
        app.build_app(seeded_services)


def _raise_missing_dependency(name: str) -> types.ModuleType:
    err = ModuleNotFoundError("No module named 'openpyxl_missing'")
    err.name = "openpyxl_missing"
    raise err

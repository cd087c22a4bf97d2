"""起草's autosave, on every edit of the three text boxes: the live fact check and diff, and the conflict panel when
another page or editor saved first (载入最新版本 / 保留我的文字为新版本 / 合并双方修改)."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from drafting.autosave import ANONYMOUS, PageEdit, save_from_page
from drafting.errors import ConflictError, ValidationError
from drafting.merge import merge
from drafting.ui import format as fmt
from drafting.ui import leave_guard
from drafting.ui import review_format as rfmt
from drafting.ui.app import UIContext, guarded
from drafting.ui.draft_fields import check_text, id_of, now, user_of

logger = logging.getLogger(__name__)


def wire_autosave(ctx: UIContext, conflict_merge: Any, conflict_keep: Any, conflict_reload: Any,
                  open_outputs: list[Any]) -> None:
    """Autosave and the conflict panel over the components the tab registered (ctx.add) and its buttons."""
    services = ctx.services
    gs = services.settings.guard
    c = ctx.components
    highlight, findings_out, diff_out, count_md, status_md = (
        c["draft_highlight"], c["draft_findings"], c["draft_diff"], c["draft_count"], c["draft_status"])
    draft_id, draft_version, model_md = c["draft_id"], c["draft_version"], c["draft_model_md"]
    title_out, body_out, comm_out = c["draft_title"], c["draft_body"], c["draft_comm"]
    conflict_box, conflict_out, conflict_version = c["draft_conflict_box"], c["draft_conflict"], c["draft_conflict_version"]

    # --- autosave + live fact check + diff, on every edit (debounced: only the last pending edit runs)
    # page_seq: "token:seq" of this page's edit (set by leave_guard's script); echoed back once saved, so the page
    # knows which of its texts the server holds and warns before leaving while a newer one is unsaved.
    page_seq = gr.Textbox(value="", visible=False, elem_id="dz-page-seq")
    edit_outputs = [highlight, findings_out, diff_out, count_md, status_md, draft_version, conflict_box, conflict_out,
                    conflict_version, model_md, page_seq, conflict_merge, title_out, body_out, comm_out]
    keep_boxes = (gr.skip(), gr.skip(), gr.skip(), gr.skip())  # merge button and the three text boxes, as they are

    def save_text(current_id: Any, version: Any, title: str, body: str, commentary: str, who: str, *,
                  force_version: int | None = None, page: PageEdit = ANONYMOUS) -> tuple[Any, ...]:
        """Save the page's text over the version it loaded; an accepted draft is re-accepted (corpus and index)."""
        count = fmt.char_count(commentary, gs.min_chars, gs.max_chars)
        forced = force_version is not None
        expected = force_version if forced else id_of(version)
        try:
            outcome = save_from_page(services, id_of(current_id), title=title, body=body,  # type: ignore[arg-type]
                                     commentary=commentary, expected_version=force_version if forced else id_of(version),
                                     actor=who, page=page, force=forced)
        except ConflictError as exc:
            yours = {"title": title, "body": body, "commentary": commentary}
            # Both started from the version this page loaded: changes to different paragraphs merge by themselves.
            base = services.store.text_at(exc.draft_id, expected) if expected is not None else None
            if base == yours:  # a late event of a page with nothing typed since it loaded: nothing to save or merge
                return gr.skip(), gr.skip(), gr.skip(), count, *(gr.skip() for _ in range(7)), *keep_boxes
            accepted = services.store.get(exc.draft_id).status == "accepted"
            merged = merge(base, yours, exc.stored) if base is not None else None
            if merged is not None and merged.clean and not accepted:
                note = (f"已与别处的修改（{exc.stored_by or '另一页面'}，第 {exc.stored_version} 版）自动合并：双方改动的段落"
                        "不重叠，合并后的文字已保存（第 {version} 版）")
                return merged_outputs(current_id, merged.text, note, who, exc.stored_version)
            return (gr.skip(), gr.skip(), gr.skip(), count, f"✗ 未保存：草稿 #{exc.draft_id} 已在别处被修改，请在下方选择",
                    gr.skip(), gr.update(visible=True), rfmt.conflict_html(exc, yours, merged), exc.stored_version, gr.skip(),
                    gr.skip(), gr.update(visible=merged is not None and not accepted), gr.skip(), gr.skip(), gr.skip())
        saved_seq = f"{page.token}:{page.seq}" if page.token else gr.skip()
        if not outcome.saved:  # unchanged text, or an older edit of this page that arrived after a newer one
            return (gr.skip(), gr.skip(), gr.skip(), count if not outcome.stale else gr.skip(), gr.skip(), gr.skip(),
                    gr.skip(), gr.skip(), gr.skip(), gr.skip(), saved_seq if not outcome.stale else gr.skip(), *keep_boxes)
        stored, new_version = outcome.stored, outcome.version
        if stored.status == "accepted":
            note = f"已自动保存并重新采纳草稿 #{stored.id}，语料库已更新（第 {new_version} 版，{now()}）"
            label = f"{fmt.model_label(stored.draft)} · 草稿 #{stored.id} · ✓ 已采纳"
        else:
            note, label = f"已自动保存草稿 #{stored.id}（第 {new_version} 版，{now()}）", gr.skip()
        logger.info("autosave draft %s (version %s)", stored.id, new_version)
        findings = check_text(gs, stored.draft, title, body, commentary, services.store.source_text(stored.id))
        return (
            fmt.highlight_segments(commentary, findings),
            fmt.findings_html(findings),
            fmt.draft_diff_html(stored.draft, title, body, commentary),
            count,
            note,
            str(new_version),
            gr.update(visible=False),
            "",
            None,
            label,
            saved_seq,
            *keep_boxes,
        )

    def merged_outputs(current_id: Any, text: dict[str, str], note: str, who: str, theirs_version: int) -> tuple[Any, ...]:
        """Save a merge over the stored version and put the merged text into the page's boxes."""
        saved = save_text(current_id, None, text["title"], text["body"], text["commentary"], who,
                          force_version=theirs_version)
        st = services.store.get(id_of(current_id))  # type: ignore[arg-type]
        findings = check_text(gs, st.draft, st.title, st.body, st.commentary, services.store.source_text(st.id))
        return (fmt.highlight_segments(st.commentary, findings), fmt.findings_html(findings),
                fmt.draft_diff_html(st.draft, st.title, st.body, st.commentary),
                fmt.char_count(st.commentary, gs.min_chars, gs.max_chars), note.format(version=st.version),
                str(st.version), gr.update(visible=False), "", None, saved[9], gr.skip(), gr.update(visible=False),
                st.title, st.body, st.commentary)

    @guarded(len(edit_outputs))
    def on_edit(current_id: Any, version: Any, title: str, body: str, commentary: str, page_seq: Any,
                request: gr.Request) -> tuple[Any, ...]:
        count = fmt.char_count(commentary, gs.min_chars, gs.max_chars)
        if id_of(current_id) is None:  # nothing drafted yet, or a draft is streaming in: nothing to save
            return gr.skip(), gr.skip(), gr.skip(), count, *(gr.skip() for _ in range(6)), page_seq, *keep_boxes
        return save_text(current_id, version, title or "", body or "", commentary or "", user_of(request),
                         page=PageEdit.parse(page_seq))

    @guarded(len(edit_outputs))
    def on_keep(current_id: Any, title: str, body: str, commentary: str, theirs: Any, request: gr.Request) -> tuple[Any, ...]:
        if id_of(current_id) is None or theirs is None:
            raise ValidationError("没有待解决的冲突。")
        return save_text(current_id, None, title or "", body or "", commentary or "", user_of(request),
                         force_version=int(theirs))

    # .change, not .input: Gradio does not report the first edit after a server update as input, and a paste right
    # after drafting must be saved too. Streaming clears draft_id, so a draft arriving saves nothing. One event for
    # the three boxes with always_last: at most one autosave per page in flight, so saves cannot arrive out of order.
    edit_event = gr.on(
        [title_out.change, body_out.change, comm_out.change],
        on_edit,
        [draft_id, draft_version, title_out, body_out, comm_out, page_seq],
        edit_outputs,
        trigger_mode="always_last",
        show_progress="hidden",
        concurrency_limit=None,  # cheap; must never wait behind a running draft
        js=leave_guard.BEFORE_SAVE_JS,  # numbers the edit and remembers its text, for the save on leaving
    )
    edit_event.then(None, [page_seq], None, js=leave_guard.AFTER_SAVE_JS)

    conflict_keep.click(on_keep, [draft_id, title_out, body_out, comm_out, conflict_version], edit_outputs,
                        concurrency_limit=None)

    @guarded(len(edit_outputs))
    def on_merge(current_id: Any, version: Any, title: str, body: str, commentary: str, theirs: Any,
                 request: gr.Request) -> tuple[Any, ...]:
        draft = id_of(current_id)
        base = services.store.text_at(draft, id_of(version) or 0) if draft is not None else None
        if draft is None or theirs is None or base is None:
            raise ValidationError("没有可合并的冲突：请选择「载入最新版本」或「保留我的文字为新版本」。")
        stored = services.store.get(draft)
        merged = merge(base, {"title": title or "", "body": body or "", "commentary": commentary or ""},
                       {"title": stored.title, "body": stored.body, "commentary": stored.commentary}, prefer="mine")
        note = (f"已合并双方修改（第 {{version}} 版）：{len(merged.conflicts)} 处重叠的段落用了您的文字，对方的文字留在修改记录中；"
                "可继续修改")
        return merged_outputs(current_id, merged.text, note, user_of(request), stored.version)

    conflict_merge.click(on_merge, [draft_id, draft_version, title_out, body_out, comm_out, conflict_version],
                         edit_outputs, concurrency_limit=None)
    conflict_reload.click(ctx["draft_open"], [draft_id], open_outputs, concurrency_limit=None)

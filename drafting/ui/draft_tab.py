"""起草: paste an item, see precedents, stream the draft, check it, edit (autosaved), accept."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import gradio as gr

from drafting import guard
from drafting.autosave import ANONYMOUS, PageEdit, save_from_page
from drafting.errors import ConflictError, DraftingError, ValidationError
from drafting.merge import merge
from drafting.models import SECTIONS, Draft, DraftEvent, StoredDraft
from drafting.profile import query_profile
from drafting.review import actor_name
from drafting.ui import format as fmt
from drafting.ui import leave_guard, precedent_feedback, source_card, source_input
from drafting.ui import review_format as rfmt
from drafting.ui.app import UIContext, guarded
from drafting.ui.slots import DraftSlots

logger = logging.getLogger(__name__)

TAB_ID = "draft"
TAB_LABEL = "起草"


# As 起草 counts it (fmt.build_request): the stripped text; over the limit the note says what will happen.
PASTE_COUNT_JS = """(t) => {
  const n = (t || '').trim().length;
  if (!n) return '';
  return n > MAX ? `<span class="dz-over">已粘贴 ${n} 字，超过 MAX 字上限：请只保留这一条的正文</span>`
                 : `<span class="dz-muted">已粘贴 ${n} / MAX 字</span>`;
}"""


def _now() -> str:
    return datetime.now().strftime("%H:%M:%S")


def _id(value: Any) -> int | None:
    """The draft id held by the page's hidden field ("" = none)."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _user(request: gr.Request | None) -> str:
    """The login user of this page, else the local OS user."""
    return actor_name(getattr(request, "username", None) if request is not None else None)


def _same_text(a: Draft, b: Draft) -> bool:
    """Two drafts that would show the same text (the offline drafter is deterministic)."""
    return (a.item.title, a.item.body, a.commentary) == (b.item.title, b.item.body, b.commentary)


def _variant_choices(drafts: list[Draft]) -> list[str]:
    return [f"版本 {n}" for n in range(1, len(drafts) + 1)]


def build(ctx: UIContext) -> None:
    """Lay out the draft tab and wire its own events."""
    services = ctx.services
    gs = services.settings.guard

    with gr.Row(equal_height=False):
        with gr.Column(scale=4, min_width=320):
            with gr.Group(visible=False, elem_id="dz-resume") as resume_box:
                resume_md = gr.Markdown(elem_id="dz-resume-md")
                resume_btn = gr.Button("继续编辑上次的草稿", size="sm", variant="primary", elem_id="dz-resume-btn")
            raw = gr.Textbox(
                label="新条目 / 政策原文",
                placeholder="粘贴新闻条目或政策原文（可含标题、日期、正文、来源），或粘贴网页链接自动读取……",
                lines=10,
                max_lines=24,
                elem_id="dz-raw",
            )
            paste_count = gr.Markdown("", elem_id="dz-raw-count")
            with gr.Row():
                title_in = gr.Textbox(label="标题（可选）", scale=3, elem_id="dz-title-in")
                date_in = gr.Textbox(label="日期（可选）", placeholder="如 2023-09-18（留空则从原文识别）", scale=2, elem_id="dz-date-in")
            with gr.Row():
                url_in = gr.Textbox(label="来源链接（可选）", scale=3, elem_id="dz-url-in")
                section_in = gr.Dropdown([fmt.SECTION_AUTO, *SECTIONS], value=fmt.SECTION_AUTO, label="栏目", scale=2)
            source_input.build(ctx, raw, url_in)  # link fetch, policy file upload, attachments
            with gr.Accordion("参考条目筛选", open=False):
                f_section = gr.Dropdown([fmt.SECTION_ANY, *SECTIONS], value=fmt.SECTION_ANY, label="只参考此栏目")
                with gr.Row():
                    f_from = gr.Textbox(label="起始日期", placeholder="如 2023-01-01（可不填）")
                    f_to = gr.Textbox(label="截止日期", placeholder="如 2023-12-31（可不填）")
            with gr.Accordion("条目画像（类型与立场决定短评写法，判断有误时在此改正）", open=False, elem_id="dz-profile-box"), gr.Row():
                kind_in = gr.Dropdown(fmt.KIND_CHOICES, value=fmt.PROFILE_AUTO, label="类型", elem_id="dz-kind-in")
                stance_in = gr.Dropdown(fmt.STANCE_CHOICES, value=fmt.PROFILE_AUTO, label="立场", elem_id="dz-stance-in")
            with gr.Row():
                n_variants = gr.Radio([1, 2, 3], value=1, label="生成版本数", scale=2)
                draft_btn = gr.Button("起草", variant="primary", scale=2, elem_id="dz-draft-btn")
            # Set by 仍写短评: a news or deal item, or a kind without a move, gets a 短评 anyway (reset by 起草).
            force_comm = gr.Checkbox(False, visible=False, elem_id="dz-force-comm")
            search_btn = gr.Button("仅检索参考条目", size="sm", variant="secondary")

        with gr.Column(scale=5, min_width=380):
            model_md = gr.Markdown("尚未起草。", elem_id="dz-model")
            profile_out = gr.HTML(fmt.profile_html(None), elem_id="dz-profile")
            variant_radio = gr.Radio([], label="选择版本", visible=False, elem_id="dz-variants")
            title_out = gr.Textbox(label="标题", elem_id="dz-title", interactive=True)
            body_out = gr.Textbox(label="正文", lines=6, max_lines=16, elem_id="dz-body", interactive=True)
            comm_out = gr.Textbox(label="植德短评", lines=5, max_lines=12, elem_id="dz-comm", interactive=True)
            count_md = gr.Markdown(fmt.char_count("", gs.min_chars, gs.max_chars), elem_id="dz-count")
            with gr.Row():
                regen_btn = gr.Button("重新生成", elem_id="dz-regen-btn")
                accept_btn = gr.Button("采纳", variant="primary", elem_id="dz-accept-btn")
            status_md = gr.Markdown("", elem_id="dz-status")
            force_btn = gr.Button("仍写短评", size="sm", visible=False, elem_id="dz-force-comm-btn")
            with gr.Group(visible=False, elem_id="dz-conflict-box") as conflict_box:
                conflict_out = gr.HTML(elem_id="dz-conflict")
                with gr.Row():
                    conflict_reload = gr.Button("载入最新版本", size="sm", elem_id="dz-conflict-reload")
                    conflict_keep = gr.Button("保留我的文字为新版本", size="sm", variant="primary", elem_id="dz-conflict-keep")
                    conflict_merge = gr.Button("合并双方修改（重叠段落用我的文字）", size="sm", visible=False,
                                               elem_id="dz-conflict-merge")

        with gr.Column(scale=3, min_width=280):
            highlight = gr.HighlightedText(
                label="事实核查（短评中标出的片段需核对原文）",
                color_map=fmt.FINDING_COLORS,
                show_legend=False,
                combine_adjacent=False,
                elem_id="dz-highlight",
            )
            findings_out = gr.HTML(fmt.FINDINGS_PLACEHOLDER, elem_id="dz-findings")

    with gr.Row(equal_height=False):
        with gr.Column(scale=1):
            gr.Markdown("#### 参考条目（往期相似条目及其短评）")
            prec_out = gr.HTML('<p class="dz-empty">起草后，这里列出检索到的往期条目。</p>', elem_id="dz-precedents")
            feedback = precedent_feedback.controls()
        with gr.Column(scale=1):
            gr.Markdown("#### 修改对比（相对机器草稿）")
            diff_out = gr.HTML(fmt.draft_diff_html(None, "", "", ""), elem_id="dz-diff")

    # The draft's id lives in the browser (a hidden field), not in gr.State: an event then carries the id and the
    # texts as one snapshot, so an autosave can never pair a new id with text from before the draft arrived.
    draft_id = gr.Textbox(value="", visible=False, elem_id="dz-draft-id")
    # The version this page loaded: a save over a newer one (another tab, another editor) is refused, not lost.
    draft_version = gr.Textbox(value="", visible=False, elem_id="dz-draft-version")
    conflict_version = gr.State(None)
    variants = gr.State([])
    precedent_feedback.wire(ctx, feedback, prec_out, draft_id)

    ctx.add(
        draft_raw=raw, draft_title_in=title_in, draft_date_in=date_in, draft_url_in=url_in, draft_section_in=section_in,
        draft_f_section=f_section, draft_f_from=f_from, draft_f_to=f_to, draft_n_variants=n_variants,
        draft_btn=draft_btn, draft_regen_btn=regen_btn, draft_search_btn=search_btn, draft_accept_btn=accept_btn,
        draft_model_md=model_md, draft_variant_radio=variant_radio, draft_title=title_out, draft_body=body_out,
        draft_comm=comm_out, draft_count=count_md, draft_status=status_md, draft_highlight=highlight,
        draft_findings=findings_out, draft_precedents=prec_out, draft_diff=diff_out, draft_id=draft_id,
        draft_variants=variants, draft_kind_in=kind_in, draft_stance_in=stance_in, draft_profile=profile_out,
        draft_resume_box=resume_box, draft_resume_md=resume_md, draft_resume_btn=resume_btn,
        draft_version=draft_version, draft_conflict_box=conflict_box, draft_force_comm=force_comm,
        draft_force_btn=force_btn,
    )

    # Everything a reopened draft fills in, in this order (History reuses it).
    open_outputs = [
        draft_id, variants, raw, model_md, variant_radio, title_out, body_out, comm_out, count_md,
        highlight, findings_out, prec_out, diff_out, status_md, resume_box, draft_version, conflict_box, profile_out,
    ]
    ctx.add(draft_open_outputs=open_outputs)

    def check_text(stored_draft: Draft, title: str, body: str, commentary: str, source_text: str | None) -> list[Any]:
        """Guard findings for the editor's current text."""
        item = stored_draft.item.model_copy(update={"title": title, "body": body})
        return guard.check(commentary, item, gs, source_text=source_text)

    def open_draft(stored_id: Any) -> tuple[Any, ...]:
        """Load a stored draft into the editor (after a restart, or from History)."""
        if _id(stored_id) is None:
            raise ValidationError("请先在表格中点选一份草稿。")
        stored = services.store.get(_id(stored_id))  # type: ignore[arg-type]
        source = services.store.source_text(stored.id) or ""
        findings = check_text(stored.draft, stored.title, stored.body, stored.commentary, source or None)
        state = rfmt.draft_state(stored, services.store.accepted_text(stored.id))
        status = f"{state}（修改会自动保存并重新采纳）" if stored.status == "accepted" else f"{state}（修改自动保存）"
        return (
            str(stored.id),
            [stored.draft],
            source,
            f"{fmt.model_label(stored.draft)} · 草稿 #{stored.id} · {status}",
            gr.update(choices=[], value=None, visible=False),
            stored.title,
            stored.body,
            stored.commentary,
            fmt.char_count(stored.commentary, gs.min_chars, gs.max_chars),
            fmt.highlight_segments(stored.commentary, findings),
            fmt.findings_html(findings),
            fmt.precedents_html(stored.draft.precedents, stored.draft.duplicates),
            fmt.draft_diff_html(stored.draft, stored.title, stored.body, stored.commentary),
            f"已打开草稿 #{stored.id}（第 {stored.version} 版，{_now()}）",
            gr.update(visible=False),
            str(stored.version),
            gr.update(visible=False),
            fmt.profile_html(stored.draft.profile, stored.draft.precedent_gap),
        )

    ctx.add(draft_open_raw=open_draft, draft_open=guarded(len(open_outputs))(open_draft))

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
        expected = force_version if forced else _id(version)
        try:
            outcome = save_from_page(services, _id(current_id), title=title, body=body,  # type: ignore[arg-type]
                                     commentary=commentary, expected_version=force_version if forced else _id(version),
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
            note = f"已自动保存并重新采纳草稿 #{stored.id}，语料库已更新（第 {new_version} 版，{_now()}）"
            label = f"{fmt.model_label(stored.draft)} · 草稿 #{stored.id} · ✓ 已采纳"
        else:
            note, label = f"已自动保存草稿 #{stored.id}（第 {new_version} 版，{_now()}）", gr.skip()
        logger.info("autosave draft %s (version %s)", stored.id, new_version)
        findings = check_text(stored.draft, title, body, commentary, services.store.source_text(stored.id))
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
        st = services.store.get(_id(current_id))  # type: ignore[arg-type]
        findings = check_text(st.draft, st.title, st.body, st.commentary, services.store.source_text(st.id))
        return (fmt.highlight_segments(st.commentary, findings), fmt.findings_html(findings),
                fmt.draft_diff_html(st.draft, st.title, st.body, st.commentary),
                fmt.char_count(st.commentary, gs.min_chars, gs.max_chars), note.format(version=st.version),
                str(st.version), gr.update(visible=False), "", None, saved[9], gr.skip(), gr.update(visible=False),
                st.title, st.body, st.commentary)

    @guarded(len(edit_outputs))
    def on_edit(current_id: Any, version: Any, title: str, body: str, commentary: str, page_seq: Any,
                request: gr.Request) -> tuple[Any, ...]:
        count = fmt.char_count(commentary, gs.min_chars, gs.max_chars)
        if _id(current_id) is None:  # nothing drafted yet, or a draft is streaming in: nothing to save
            return gr.skip(), gr.skip(), gr.skip(), count, *(gr.skip() for _ in range(6)), page_seq, *keep_boxes
        return save_text(current_id, version, title or "", body or "", commentary or "", _user(request),
                         page=PageEdit.parse(page_seq))

    @guarded(len(edit_outputs))
    def on_keep(current_id: Any, title: str, body: str, commentary: str, theirs: Any, request: gr.Request) -> tuple[Any, ...]:
        if _id(current_id) is None or theirs is None:
            raise ValidationError("没有待解决的冲突。")
        return save_text(current_id, None, title or "", body or "", commentary or "", _user(request),
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
        draft = _id(current_id)
        base = services.store.text_at(draft, _id(version) or 0) if draft is not None else None
        if draft is None or theirs is None or base is None:
            raise ValidationError("没有可合并的冲突：请选择「载入最新版本」或「保留我的文字为新版本」。")
        stored = services.store.get(draft)
        merged = merge(base, {"title": title or "", "body": body or "", "commentary": commentary or ""},
                       {"title": stored.title, "body": stored.body, "commentary": stored.commentary}, prefer="mine")
        note = (f"已合并双方修改（第 {{version}} 版）：{len(merged.conflicts)} 处重叠的段落用了您的文字，对方的文字留在修改记录中；"
                "可继续修改")
        return merged_outputs(current_id, merged.text, note, _user(request), stored.version)

    conflict_merge.click(on_merge, [draft_id, draft_version, title_out, body_out, comm_out, conflict_version],
                         edit_outputs, concurrency_limit=None)
    conflict_reload.click(ctx["draft_open"], [draft_id], open_outputs, concurrency_limit=None)

    # --- pick one of N variants
    pick_outputs = [title_out, body_out, comm_out, model_md, count_md, highlight, findings_out, diff_out, status_md,
                    draft_version]

    @guarded(len(pick_outputs))
    def on_pick(choice: str, drafts: list[Draft], current_id: Any, version: Any, request: gr.Request) -> tuple[Any, ...]:
        if not choice or not drafts or _id(current_id) is None:
            raise ValidationError("请先起草，再选择版本。")
        idx = _variant_choices(drafts).index(choice)
        d = drafts[idx]
        new_version = services.store.set_draft(_id(current_id), d, expected_version=_id(version),  # type: ignore[arg-type]
                                               actor=_user(request))
        return (
            d.item.title,
            d.item.body,
            d.commentary,
            f"{fmt.model_label(d)} · 草稿 #{current_id} · {choice}",
            fmt.char_count(d.commentary, gs.min_chars, gs.max_chars),
            fmt.highlight_segments(d.commentary, d.findings),
            fmt.findings_html(d.findings),
            fmt.draft_diff_html(d, d.item.title, d.item.body, d.commentary),
            f"已切换到{choice}（草稿 #{current_id} 已更新）",
            str(new_version),
        )

    variant_radio.input(on_pick, [variant_radio, variants, draft_id, draft_version], pick_outputs, concurrency_limit=None)

    # --- accept
    accept_outputs = [model_md, diff_out, status_md, draft_version, conflict_box, conflict_out, conflict_version]

    @guarded(len(accept_outputs))
    def on_accept(current_id: Any, version: Any, title: str, body: str, commentary: str,
                  request: gr.Request) -> tuple[Any, ...]:
        if _id(current_id) is None:
            raise ValidationError("还没有可采纳的草稿：请先粘贴条目并点「起草」，或在「历史」页打开一份草稿。")
        if not (title or "").strip() or not (commentary or "").strip():
            raise ValidationError("标题和短评不能为空：请补全后再点「采纳」。")
        try:
            stored = services.accept(_id(current_id) or 0, title=title.strip(), body=(body or "").strip(),
                                     commentary=commentary.strip(), expected_version=_id(version), actor=_user(request))
        except ConflictError as exc:
            yours = {"title": title, "body": body or "", "commentary": commentary}
            gr.Warning(fmt.esc(exc), title="提示")
            return (gr.skip(), gr.skip(), f"✗ 未采纳：草稿 #{exc.draft_id} 已在别处被修改，请在下方选择", gr.skip(),
                    gr.update(visible=True), rfmt.conflict_html(exc, yours), exc.stored_version)
        gr.Info(f"已采纳草稿 #{stored.id}，并加入语料库与索引。", title="已采纳")
        return (
            f"{fmt.model_label(stored.draft)} · 草稿 #{stored.id} · ✓ 已采纳",
            fmt.draft_diff_html(stored.draft, stored.title, stored.body, stored.commentary),
            f"✓ 已采纳草稿 #{stored.id}：定稿已存档，并已加入语料库和索引，之后的起草会参考它（{_now()}）",
            str(stored.version),
            gr.update(visible=False),
            "",
            None,
        )

    accept_event = accept_btn.click(on_accept, [draft_id, draft_version, title_out, body_out, comm_out], accept_outputs,
                                    concurrency_limit=None)
    ctx.add(draft_accept_event=accept_event)

    # --- search only: precedents for the pasted text, without drafting
    @guarded(1)
    def on_search(text: str, title: str, date: str, url: str, fsec: str, ffrom: str, fto: str) -> str:
        _req, source = fmt.build_request(text, title, date, url)
        filters = fmt.make_filters(fsec, ffrom, fto)
        # The same profile-aware ranking as a draft, so the cards show the same rank, similarity and reasons.
        profile = query_profile(source)
        result = services.retriever.search_profiled(source, profile, services.settings.retrieval.k, filters)
        return fmt.precedents_html(result.precedents, result.duplicates)

    # The paste box's length against its limit, counted in the browser (no server call per keystroke).
    raw.change(None, [raw], [paste_count], js=PASTE_COUNT_JS.replace("MAX", str(fmt.MAX_PASTE_CHARS)))

    search_btn.click(on_search, [raw, title_in, date_in, url_in, f_section, f_from, f_to], prec_out)

    # --- on page load: offer the last pending draft (the browser tab may have been closed, the server restarted)
    def on_load(current_id: Any) -> tuple[Any, ...]:
        last: StoredDraft | None = services.store.last_pending() if _id(current_id) is None else None
        if last is None:
            return gr.update(visible=False), ""
        when = fmt.local_time(last.updated_at)
        # 「」 not 《》: titles often quote a document in 《》 already, and nested 《《…》》 reads as a typo.
        return gr.update(visible=True), f"有未完成的草稿 **#{last.id}**「{fmt.esc(last.title)}」，最后保存于 {when}。"

    ctx.on_load(on_load, [draft_id], [resume_box, resume_md])

    def resume() -> tuple[Any, ...]:
        last = services.store.last_pending()
        return ctx["draft_open"](last.id if last else None)

    resume_btn.click(resume, None, open_outputs)


def wire(ctx: UIContext) -> None:
    """The draft run needs the model picked on the settings tab, so it is wired after every tab exists."""
    services = ctx.services
    gs = services.settings.guard
    c = ctx.components
    outputs = [
        c["draft_precedents"], c["draft_model_md"], c["draft_variant_radio"], c["draft_title"], c["draft_body"],
        c["draft_comm"], c["draft_count"], c["draft_highlight"], c["draft_findings"], c["draft_diff"],
        c["draft_status"], c["draft_id"], c["draft_variants"], c["draft_version"], c["draft_force_btn"],
    ]
    (prec_out, model_md, variant_radio, title_out, body_out, comm_out, count_md, highlight, findings_out, diff_out, status_md,
     draft_id, variants, draft_version, force_btn) = outputs
    profile_out = c["draft_profile"]
    outputs = [*outputs, profile_out]
    model_choice = c.get("settings_model")
    offline_choice = c.get("settings_offline")

    def run(
        raw: str, title: str, date: str, url: str, section: str, fsec: str, ffrom: str, fto: str, n: int,
        cur_id: Any, cur_version: Any, cur_title: str, cur_body: str, cur_comm: str, kind: str | None, stance: str | None,
        force: bool, card_title: str, card_issuers: str, card_published: str, card_effective: str, card_number: str,
        card_figures: str, request: gr.Request,
        model: str | None = None, offline: bool = False,
    ) -> Iterator[dict[Any, Any]]:
        """Stream one draft run into the page; on failure put the editor's previous text back."""
        restore = {title_out: cur_title, body_out: cur_body, comm_out: cur_comm, draft_id: cur_id, draft_version: cur_version}
        who = _user(request)
        previous = services.store.get(_id(cur_id)) if _id(cur_id) is not None else None  # type: ignore[arg-type]
        try:
            filters = fmt.make_filters(fsec, ffrom, fto)
            if not (raw or "").strip() and _id(cur_id) is not None:
                # Regenerate a reopened draft whose pasted text was not kept: draft its item again.
                stored = services.store.get(_id(cur_id))  # type: ignore[arg-type]
                item = stored.draft.item.model_copy(update={"commentary": None})
                req, source = fmt.build_request(item.body, item.title, item.date or "", "", item.section,
                                                filters=filters, variants=n, model=model, offline=bool(offline))
            else:
                req, source = fmt.build_request(raw, title, date, url, section, filters=filters, variants=n,
                                                model=model, offline=bool(offline),
                                                keep_titles=services.settings.sources.keep_quoted_titles)
            req = fmt.with_profile(req, kind, stance)
            card = source_card.card_document(card_title, card_issuers, card_published, card_effective, card_number,
                                             card_figures)
            req = source_card.with_card(req, card, force=bool(force))
        except DraftingError as exc:
            gr.Warning(fmt.esc(exc), title="提示")  # toasts render HTML; messages may quote user text
            return
        # No current draft while the new one streams in: autosave must not write partial text into the old row.
        yield {status_md: "正在检索参考条目……", variant_radio: gr.update(choices=[], value=None, visible=False), draft_id: "",
               force_btn: gr.update(visible=False)}
        texts: dict[int, str] = {}
        drafts: dict[int, Draft] = {}
        new_id: int | None = None
        shown: int | None = None
        failed: str | None = None
        # An offline draft is ready a few tens of ms after its precedents: each intermediate update is a round trip and
        # a re-render in the browser that cost more than the draft itself (issue #28), so only the finished text goes.
        whole = (bool(offline) or not services.drafter.models()) and req.variants == 1
        sent_precedents: list[str] | None = None
        try:
            for ev in services.drafter.stream(req):
                ev = DraftEvent.model_validate(ev) if not isinstance(ev, DraftEvent) else ev
                if ev.kind == "precedents":
                    sent_precedents = [p.item.id for p in [*ev.precedents, *ev.duplicates]]
                    yield {prec_out: fmt.precedents_html(ev.precedents, ev.duplicates), status_md: "正在起草……"}
                elif ev.kind == "item" and ev.item is not None and not whole:
                    yield {title_out: ev.item.title, body_out: ev.item.body}
                elif ev.kind == "token":
                    texts[ev.variant] = texts.get(ev.variant, "") + ev.text
                    shown = ev.variant if shown is None else shown
                    if ev.variant == shown and not whole:
                        yield {comm_out: texts[shown]}
                elif ev.kind == "done" and ev.draft is not None:
                    d = ev.draft
                    if not d.settings:
                        d = d.model_copy(update={"settings": services.settings.public()})
                    drafts[ev.variant] = d
                    if new_id is None and (shown is None or ev.variant == shown):
                        shown = ev.variant
                        if previous is not None and d.offline and _same_text(d, previous.draft) and req.variants == 1:
                            break  # the offline drafter gives the same text again: no duplicate row (said below)
                        new_id = services.store.create(d, source_text=source, actor=who)
                        if not whole:  # the final update below says the same
                            yield {
                                draft_id: str(new_id), draft_version: "1", title_out: d.item.title, body_out: d.item.body,
                                comm_out: d.commentary, model_md: f"{fmt.model_label(d)} · 草稿 #{new_id} · 待定（修改自动保存）",
                            }
                elif ev.kind == "error":
                    failed = ev.error or ev.text or "起草失败"
                    break
        except DraftingError as exc:
            failed = str(exc)
        except Exception as exc:
            logger.exception("draft stream failed")
            failed = f"出现内部错误（{type(exc).__name__}），详情见服务器日志。"
        if previous is not None and new_id is None and not failed and len(drafts) == 1 and req.variants == 1:
            only = next(iter(drafts.values()))
            if only.offline and _same_text(only, previous.draft):
                gr.Info("离线起草的结果与当前草稿相同，未新增草稿。", title="未新增草稿")
                yield {**restore, status_md: f"离线重新生成的结果与草稿 #{previous.id} 相同（离线起草对同一条目总是给出同样的文字），"
                       "未新增草稿；您的修改保留在原草稿中。配置语言模型或生成多个版本可得到不同文字。"}
                return
        if failed and not drafts:
            gr.Warning(fmt.esc(failed), title="提示")
            yield {**restore, status_md: f"✗ 起草失败：{fmt.esc(failed)}（您原来的文字已保留）"}
            return
        if failed:
            gr.Warning(fmt.esc(failed), title="提示")
        if not drafts:
            yield {**restore, status_md: "✗ 没有生成草稿，请重试。"}
            return
        ordered = [drafts[k] for k in sorted(drafts)]
        first = drafts[shown] if shown in drafts else ordered[0]
        if new_id is None:
            new_id = services.store.create(first, source_text=source, actor=who)
        if len(ordered) > 1:
            # Keep the stored variant first so that "版本 1" is what the editor sees.
            ordered = [first] + [d for d in ordered if d is not first]
        choices = _variant_choices(ordered)
        same_cards = sent_precedents == [p.item.id for p in [*first.precedents, *first.duplicates]]
        yield {
            # the cards already shown are not sent and drawn again (the largest output of the page)
            **({} if same_cards else {prec_out: fmt.precedents_html(first.precedents, first.duplicates)}),
            profile_out: fmt.profile_html(first.profile, first.precedent_gap),
            model_md: f"{fmt.model_label(first)} · 草稿 #{new_id} · 待定（修改自动保存）",
            variant_radio: gr.update(choices=choices, value=choices[0], visible=len(ordered) > 1),
            title_out: first.item.title,
            body_out: first.item.body,
            comm_out: first.commentary,
            count_md: fmt.char_count(first.commentary, gs.min_chars, gs.max_chars),
            highlight: fmt.highlight_segments(first.commentary, first.findings),
            findings_out: fmt.findings_html(first.findings),
            diff_out: fmt.draft_diff_html(first, first.item.title, first.item.body, first.commentary),
            status_md: f"✓ 已起草并保存为草稿 #{new_id}，修改会自动保存（{_now()}）" + (f"；{len(ordered)} 个版本可选" if len(ordered) > 1 else "")
            + (f"\n\n⚠ {fmt.esc(first.no_commentary)}" if not first.commentary and first.no_commentary else ""),
            force_btn: gr.update(visible=not first.commentary),
            draft_id: str(new_id),
            draft_version: str(services.store.get(new_id).version),
            variants: ordered,
        }

    inputs = [
        c["draft_raw"], c["draft_title_in"], c["draft_date_in"], c["draft_url_in"], c["draft_section_in"],
        c["draft_f_section"], c["draft_f_from"], c["draft_f_to"], c["draft_n_variants"],
        draft_id, draft_version, title_out, body_out, comm_out, c["draft_kind_in"], c["draft_stance_in"],
        c["draft_force_comm"], *c["draft_card_fields"],
    ]
    if model_choice is not None and offline_choice is not None:
        inputs += [model_choice, offline_choice]
    slots = DraftSlots(services.limiter)  # the same limiter as POST /api/v1/draft

    def is_offline(args: tuple[Any, ...]) -> bool:
        # Gradio inserts the gr.Request among the inputs (run's signature); the offline switch is always the last one.
        chosen = offline_choice is not None and len(args) >= len(inputs) and bool(args[-1])
        return chosen or not services.drafter.models()

    limited = slots.limit(run, is_offline=is_offline,
                          waiting_update=lambda n: {status_md: f"排队中：前面还有模型草稿在起草（等待 {n} 份）……"})
    for btn in (c["draft_btn"], c["draft_regen_btn"]):
        # slots, not Gradio's per-event limit: offline drafts must never wait behind model drafts
        btn.click(lambda: False, None, c["draft_force_comm"], queue=False).then(limited, inputs, outputs, concurrency_limit=None)
    # 仍写短评: the same draft again, asking for a 短评 whatever the item was read as.
    force_btn.click(lambda: True, None, c["draft_force_comm"], queue=False).then(limited, inputs, outputs, concurrency_limit=None)

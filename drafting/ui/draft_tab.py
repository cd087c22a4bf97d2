"""起草: paste an item, see precedents, stream the draft, check it, edit (autosaved), accept."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from drafting.corpus.profile import query_profile
from drafting.errors import ConflictError, ValidationError
from drafting.models import SECTIONS, Draft, StoredDraft
from drafting.ui import format as fmt
from drafting.ui import precedent_feedback, source_input
from drafting.ui import review_format as rfmt
from drafting.ui.app import UIContext, guarded
from drafting.ui.draft_autosave import wire_autosave
from drafting.ui.draft_fields import check_text, id_of, now, user_of, variant_choices
from drafting.ui.draft_run import wire_draft_run

logger = logging.getLogger(__name__)

TAB_ID = "draft"
TAB_LABEL = "起草"
DRAFT_PARAM = "draft"  # the editor's page at ?draft=<id> opens that draft (规则's evidence links here)


# As 起草 counts it (fmt.build_request): the stripped text; over the limit the note says what will happen.
PASTE_COUNT_JS = """(t) => {
  const n = (t || '').trim().length;
  if (!n) return '';
  return n > MAX ? `<span class="dz-over">已粘贴 ${n} 字，超过 MAX 字上限：请只保留这一条的正文</span>`
                 : `<span class="dz-muted">已粘贴 ${n} / MAX 字</span>`;
}"""


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
        draft_version=draft_version, draft_conflict_box=conflict_box, draft_conflict=conflict_out,
        draft_conflict_version=conflict_version, draft_force_comm=force_comm,
        draft_force_btn=force_btn,
    )

    # Everything a reopened draft fills in, in this order (History reuses it).
    open_outputs = [
        draft_id, variants, raw, model_md, variant_radio, title_out, body_out, comm_out, count_md,
        highlight, findings_out, prec_out, diff_out, status_md, resume_box, draft_version, conflict_box, profile_out,
    ]
    ctx.add(draft_open_outputs=open_outputs)

    def open_draft(stored_id: Any) -> tuple[Any, ...]:
        """Load a stored draft into the editor (after a restart, or from History)."""
        if id_of(stored_id) is None:
            raise ValidationError("请先在表格中点选一份草稿。")
        stored = services.store.get(id_of(stored_id))  # type: ignore[arg-type]
        source = services.store.source_text(stored.id) or ""
        findings = check_text(gs, stored.draft, stored.title, stored.body, stored.commentary, source or None)
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
            f"已打开草稿 #{stored.id}（第 {stored.version} 版，{now()}）",
            gr.update(visible=False),
            str(stored.version),
            gr.update(visible=False),
            fmt.profile_html(stored.draft.profile, stored.draft.precedent_gap),
        )

    ctx.add(draft_open_raw=open_draft, draft_open=guarded(len(open_outputs))(open_draft))

    # --- autosave + live fact check + diff on every edit, and the conflict panel (drafting/ui/draft_autosave.py)
    wire_autosave(ctx, conflict_merge, conflict_keep, conflict_reload, open_outputs)

    # --- pick one of N variants
    pick_outputs = [title_out, body_out, comm_out, model_md, count_md, highlight, findings_out, diff_out, status_md,
                    draft_version]

    @guarded(len(pick_outputs))
    def on_pick(choice: str, drafts: list[Draft], current_id: Any, version: Any, request: gr.Request) -> tuple[Any, ...]:
        if not choice or not drafts or id_of(current_id) is None:
            raise ValidationError("请先起草，再选择版本。")
        idx = variant_choices(drafts).index(choice)
        d = drafts[idx]
        new_version = services.store.set_draft(id_of(current_id), d, expected_version=id_of(version),  # type: ignore[arg-type]
                                               actor=user_of(request))
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
        if id_of(current_id) is None:
            raise ValidationError("还没有可采纳的草稿：请先粘贴条目并点「起草」，或在「历史」页打开一份草稿。")
        if not (title or "").strip() or not (commentary or "").strip():
            raise ValidationError("标题和短评不能为空：请补全后再点「采纳」。")
        try:
            stored = services.accept(id_of(current_id) or 0, title=title.strip(), body=(body or "").strip(),
                                     commentary=commentary.strip(), expected_version=id_of(version), actor=user_of(request))
        except ConflictError as exc:
            yours = {"title": title, "body": body or "", "commentary": commentary}
            gr.Warning(fmt.esc(exc), title="提示")
            return (gr.skip(), gr.skip(), f"✗ 未采纳：草稿 #{exc.draft_id} 已在别处被修改，请在下方选择", gr.skip(),
                    gr.update(visible=True), rfmt.conflict_html(exc, yours), exc.stored_version)
        gr.Info(f"已采纳草稿 #{stored.id}，并加入语料库与索引。", title="已采纳")
        return (
            f"{fmt.model_label(stored.draft)} · 草稿 #{stored.id} · ✓ 已采纳",
            fmt.draft_diff_html(stored.draft, stored.title, stored.body, stored.commentary),
            f"✓ 已采纳草稿 #{stored.id}：定稿已存档，并已加入语料库和索引，之后的起草会参考它（{now()}）",
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

    # --- on page load: open the draft the address names (?draft=N: a link from 规则, on its own page), else offer the
    # last pending draft (the browser tab may have been closed, the server restarted)
    at_resume = open_outputs.index(resume_box)

    def offer(box: Any, text: str) -> tuple[Any, ...]:
        return (*(box if i == at_resume else gr.skip() for i in range(len(open_outputs))), text)

    def on_load(current_id: Any, request: gr.Request | None = None) -> tuple[Any, ...]:
        asked = request.query_params.get(DRAFT_PARAM, "") if request is not None else ""
        if asked:
            try:
                return (*open_draft(asked), "")
            except ValidationError:  # not a number, or no such draft: the page opens as usual, and says so
                gr.Warning(f"未找到草稿 #{fmt.esc(asked[:20])}：请在「历史」中查找。", title="提示")
        last: StoredDraft | None = services.store.last_pending() if id_of(current_id) is None else None
        if last is None:
            return offer(gr.update(visible=False), "")
        when = fmt.local_time(last.updated_at)
        # 「」 not 《》: titles often quote a document in 《》 already, and nested 《《…》》 reads as a typo.
        return offer(gr.update(visible=True), f"有未完成的草稿 **#{last.id}**「{fmt.esc(last.title)}」，最后保存于 {when}。")

    ctx.on_load(on_load, [draft_id], [*open_outputs, resume_md], with_request=True)

    def resume() -> tuple[Any, ...]:
        last = services.store.last_pending()
        return ctx["draft_open"](last.id if last else None)

    resume_btn.click(resume, None, open_outputs)



def wire(ctx: UIContext) -> None:
    """The draft run needs the model picked on the settings tab, so it is wired after every tab exists."""
    wire_draft_run(ctx)

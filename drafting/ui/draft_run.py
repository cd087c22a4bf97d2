"""起草's draft run: the 起草 / 重新生成 / 仍写短评 buttons stream one draft into the page, through the same draft slots
as POST /api/v1/draft; on failure the editor's previous text is put back."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr

from drafting.errors import DraftingError
from drafting.models import Draft, DraftEvent, DraftRequest
from drafting.sources.fetch import is_url
from drafting.sources.reader import Document
from drafting.ui import format as fmt
from drafting.ui import source_card
from drafting.ui.app import UIContext
from drafting.ui.draft_fields import id_of, now, same_text, user_of, variant_choices
from drafting.ui.slots import DraftSlots

logger = logging.getLogger(__name__)


def card_document(card: tuple[str, ...]) -> Document | None:
    """The source card's six fields (title, issuers, published, effective, number, figures) as a Document."""
    title, issuers, published, effective, number, figures = card
    return source_card.card_document(title, issuers, published, effective, number, figures)


def wire_draft_run(ctx: UIContext) -> None:
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

    def request_of(raw: str, title: str, date: str, url: str, section: str, fsec: str, ffrom: str, fto: str, n: int,
                   kind: str | None, stance: str | None, card: tuple[str, ...], *, model: str | None, offline: bool,
                   force: bool, pasted: bool = True) -> tuple[DraftRequest, str]:
        """The draft request of the page's fields (and the source text the guard checks against); pasted=False for a
        stored item drafted again, whose text the reader already shaped (the setting to keep quoted titles is for
        pasted text)."""
        keep = services.settings.sources.keep_quoted_titles and pasted
        req, source = fmt.build_request(raw, title, date, url, section, filters=fmt.make_filters(fsec, ffrom, fto),
                                        variants=n, model=model, offline=offline, keep_titles=keep)
        return source_card.with_card(fmt.with_profile(req, kind, stance), card_document(card), force=force), source

    def run(
        raw: str, title: str, date: str, url: str, section: str, fsec: str, ffrom: str, fto: str, n: int,
        cur_id: Any, cur_version: Any, cur_title: str, cur_body: str, cur_comm: str, kind: str | None, stance: str | None,
        force: bool, card_title: str, card_issuers: str, card_published: str, card_effective: str, card_number: str,
        card_figures: str, request: gr.Request,
        model: str | None = None, offline: bool = False,
    ) -> Iterator[dict[Any, Any]]:
        """Stream one draft run into the page; on failure put the editor's previous text back."""
        card = (card_title, card_issuers, card_published, card_effective, card_number, card_figures)
        restore = {title_out: cur_title, body_out: cur_body, comm_out: cur_comm, draft_id: cur_id, draft_version: cur_version}
        who = user_of(request)
        previous = services.store.get(id_of(cur_id)) if id_of(cur_id) is not None else None  # type: ignore[arg-type]
        try:
            if not (raw or "").strip() and id_of(cur_id) is not None:
                # Regenerate a reopened draft whose pasted text was not kept: draft its item again.
                stored = services.store.get(id_of(cur_id))  # type: ignore[arg-type]
                item = stored.draft.item
                req, source = request_of(item.body, item.title, item.date or "", "", item.section, fsec, ffrom, fto, n,
                                         kind, stance, card, model=model, offline=bool(offline), force=bool(force),
                                         pasted=False)
            else:
                req, source = request_of(raw, title, date, url, section, fsec, ffrom, fto, n, kind, stance, card,
                                         model=model, offline=bool(offline), force=bool(force))
        except DraftingError as exc:
            gr.Warning(fmt.esc(exc), title="提示")  # toasts render HTML; messages may quote user text
            return
        # An offline draft is ready a few tens of ms after its precedents. Each update the page gets costs a round of
        # status messages and a re-render of every component the page's events have filled so far, more than the
        # draft itself (issue #28), so only the finished draft goes, in one update.
        whole = (bool(offline) or not services.drafter.models()) and req.variants == 1
        if not whole:
            # No current draft while the new one streams in: autosave must not write partial text into the old row.
            yield {status_md: "正在检索参考条目……", variant_radio: gr.update(choices=[], value=None, visible=False),
                   draft_id: "", force_btn: gr.update(visible=False)}
        texts: dict[int, str] = {}
        drafts: dict[int, Draft] = {}
        new_id: int | None = None
        shown: int | None = None
        failed: str | None = None
        sent_precedents: list[str] | None = None
        try:
            for ev in services.drafter.stream(req):
                ev = DraftEvent.model_validate(ev) if not isinstance(ev, DraftEvent) else ev
                if ev.kind == "precedents" and not whole:
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
                        if previous is not None and d.offline and same_text(d, previous.draft) and req.variants == 1:
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
            if only.offline and same_text(only, previous.draft):
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
        choices = variant_choices(ordered)
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
            status_md: f"✓ 已起草并保存为草稿 #{new_id}，修改会自动保存（{now()}）" + (f"；{len(ordered)} 个版本可选" if len(ordered) > 1 else "")
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
    # The 仍写短评 flag is set in the browser (js, no server round trip before the draft starts: issue #28).
    for btn in (c["draft_btn"], c["draft_regen_btn"]):
        # slots, not Gradio's per-event limit: offline drafts must never wait behind model drafts
        btn.click(None, None, c["draft_force_comm"], js="() => false").then(limited, inputs, outputs, concurrency_limit=None)
    # 仍写短评: the same draft again, asking for a 短评 whatever the item was read as.
    force_btn.click(None, None, c["draft_force_comm"], js="() => true").then(limited, inputs, outputs, concurrency_limit=None)

    def prefetch(raw: str, title: str, date: str, url: str, section: str, fsec: str, ffrom: str, fto: str, n: int,
                 cur_id: Any, cur_version: Any, cur_title: str, cur_body: str, cur_comm: str, kind: str | None,
                 stance: str | None, force: bool, card_title: str, card_issuers: str, card_published: str,
                 card_effective: str, card_number: str, card_figures: str,
                 model: str | None = None, offline: bool = False) -> None:
        """Once a paste is read (its card filled), embed what its draft will search with: the click then finds the
        query vector ready (issue #28). Best effort: a field the draft would refuse is reported by the draft."""
        card = (card_title, card_issuers, card_published, card_effective, card_number, card_figures)
        if not (raw or "").strip() or is_url(raw):
            return
        try:
            req, _ = request_of(raw, title, date, url, section, fsec, ffrom, fto, n, kind, stance, card,
                                model=model, offline=bool(offline), force=bool(force))
            services.drafter.prefetch(req)
        except DraftingError:
            return
        except Exception:  # never a toast for a step the editor did not ask for
            logger.exception("prefetch of a paste failed")

    c["draft_paste_event"].then(prefetch, inputs, None, show_progress="hidden", concurrency_limit=None)


"""HTML for review: a save conflict with both texts, the audit trail, issue choices, the batch table.

No gradio import: unit-tested without a browser.
"""

from __future__ import annotations

from collections.abc import Sequence

from drafting.errors import ConflictError
from drafting.issues.in_progress import ACTION_LABELS, AuditEntry, IssueInProgress
from drafting.merge import Merged
from drafting.models import StoredDraft
from drafting.ui.format import diff_html, esc, local_time

BATCH_HEADERS = ["序号", "栏目", "标题", "短评", "采纳", "状态", "修改人", "先例"]
FIELD_LABELS = {"title": "标题", "body": "正文", "commentary": "植德短评"}


def draft_state(stored: StoredDraft, accepted_text: dict[str, str] | None = None) -> str:
    """The state a lawyer reads: 待定 / 已修改 / 已审核 / 已发布 / 已采纳 / 已采纳（有改动）."""
    if stored.status == "accepted":
        if accepted_text and any(accepted_text.get(k, "") != getattr(stored, k) for k in FIELD_LABELS):
            return "已采纳（有改动）"
        return "已发布" if stored.review_state == "published" else "已采纳"
    return {"pending": "待定", "edited": "已修改", "reviewed": "已审核", "published": "已发布"}.get(stored.review_state, "待定")


def merge_note_html(merged: Merged | None) -> str:
    """The paragraphs both sides changed differently, side by side; what merging does with them."""
    if merged is None or not merged.conflicts:
        return ""
    rows = "".join(
        f"<tr><th>{FIELD_LABELS.get(c.field, c.field)}</th><td>{esc(chr(10).join(c.theirs))}</td>"
        f"<td>{esc(chr(10).join(c.mine))}</td></tr>" for c in merged.conflicts
    )
    return (f"<p>双方都改动了以下 {len(merged.conflicts)} 处段落；其余改动互不重叠，可以合并。"
            "「合并双方修改」保留双方不重叠的改动，重叠的段落先用您的文字（之后可以继续修改）。</p>"
            f'<table class="dz-conflict dz-merge"><tr><th></th><th>对方的段落</th><th>您的段落</th></tr>{rows}</table>')


def conflict_html(exc: ConflictError, yours: dict[str, str], merged: Merged | None = None) -> str:
    """Both texts side by side with what differs, what the buttons do, and the overlapping paragraphs of a merge."""
    rows = []
    for key, label in FIELD_LABELS.items():
        theirs, mine = exc.stored.get(key, ""), yours.get(key, "")
        if theirs == mine:
            continue
        rows.append(
            f"<tr><th>{label}</th><td>{esc(theirs)}</td><td>{esc(mine)}</td></tr>"
            f'<tr><td></td><td colspan="2" class="dz-diff">{diff_html(theirs, mine)}</td></tr>'
        )
    who = f"（{esc(exc.stored_by)}）" if exc.stored_by else ""
    return (
        f'<div class="dz-dup" role="alert"><b>⚠ 草稿 #{exc.draft_id} 已在别处被修改{who}，您的修改尚未保存。</b>'
        f"<p>现存为第 {exc.stored_version} 版，您的页面是第 {exc.yours_version} 版。"
        "「载入最新版本」放弃本页的文字、显示现存文字；「保留我的文字为新版本」以本页文字保存为新一版"
        "（被替换的文字留在修改记录中）。</p>"
        '<table class="dz-conflict"><tr><th></th><th>现存版本</th><th>您的文字</th></tr>'
        + "".join(rows) + "</table>" + merge_note_html(merged) + "</div>"
    )


def audit_html(entries: Sequence[AuditEntry]) -> str:
    """Who changed what and when, newest first, with the text before and after."""
    if not entries:
        return '<p class="dz-empty">暂无修改记录。</p>'
    parts = ['<div class="dz-audit"><b>修改记录</b><ul>']
    for e in entries:
        changes = ""
        before, after = e.before or {}, e.after or {}
        for key, label in FIELD_LABELS.items():
            if key in after and before.get(key) is not None and before.get(key) != after.get(key):
                changes += f'<div class="dz-diff"><b>{label}：</b>{diff_html(str(before.get(key, "")), str(after[key]))}</div>'
        for key, label in (("period", "期数"), ("editors", "执行编辑"), ("title", "刊名"), ("ticked", "采纳短评"),
                           ("state", "状态"), ("position", "位置")):
            if e.action in ("issue", "tick", "review", "order") and key in after and before.get(key) != after.get(key):
                changes += f"<div>{label}：{esc(before.get(key, ''))} → {esc(after[key])}</div>"
        if e.action == "sources":  # footnotes corrected (e.g. in a Word review): list before → after
            changes += (f"<div>来源：{esc('；'.join(before.get('sources') or []) or '（无）')} → "
                        f"{esc('；'.join(after.get('sources') or []) or '（无）')}</div>")
        target = f"草稿 #{e.draft_id}" if e.draft_id else (f"期刊 {esc(e.issue_id)}" if e.issue_id else "")
        version = f" · 第 {e.version} 版" if e.version else ""
        parts.append(
            f'<li><span class="dz-muted">{esc(local_time(e.at))}</span> <b>{esc(e.actor)}</b> '
            f"{esc(ACTION_LABELS.get(e.action, e.action))} {target}{version}{changes}</li>"
        )
    parts.append("</ul></div>")
    return "".join(parts)


def issue_choices(issues: Sequence[IssueInProgress]) -> list[tuple[str, str]]:
    """(label, id) pairs for the issue picker."""
    out = []
    for i in issues:
        period = i.period or i.suggested_period or "期数未定"
        done = " · 已发布" if i.published_at else ""
        out.append((f"{i.title} {period} · {len(i.items)} 条 · {local_time(i.updated_at)}{done}", i.id))
    return out


def batch_rows(issue: IssueInProgress | None) -> list[list[object]]:
    """One row per item in print order."""
    if issue is None:
        return []
    return [
        [n, i.section, i.title, (i.commentary[:40] + "…") if len(i.commentary) > 40 else i.commentary,
         "✓" if i.ticked else "", i.state_label, i.updated_by or "",
         "⚠ 缺少同类先例" if i.drafted and i.machine.commentary and i.machine.precedent_gap else ""]
        for n, i in enumerate(issue.items, 1)
    ]


HISTORY_HEADERS = ["编号", "状态", "标题", "短评", "模型", "更新时间", "修改人"]


def history_rows(drafts: Sequence[StoredDraft], accepted: dict[int, dict[str, str] | None]) -> list[list[object]]:
    """Rows of the History table: the shared columns plus the review state and who changed it last."""
    from drafting.ui.format import history_rows as base_rows

    rows = base_rows(drafts)
    for row, d in zip(rows, drafts):
        row[1] = draft_state(d, accepted.get(d.id))
        row.append(d.updated_by or "")
    return rows

"""Pure formatting for the page: HTML is built here, every piece of user or corpus text escaped.

No gradio import, so these helpers are unit-tested without a browser.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from drafting import textdiff
from drafting.corpus.profile import KINDS
from drafting.errors import ValidationError
from drafting.models import (
    SECTIONS,
    STANCES,
    Draft,
    DraftRequest,
    Finding,
    Issue,
    Item,
    Precedent,
    Profile,
    SearchFilters,
    StoredDraft,
)
from drafting.sources.convert import for_drafting

SECTION_AUTO = "自动判断"
SECTION_ANY = "不限"
STATUS_LABELS = {"pending": "待定", "accepted": "已采纳"}
OFFLINE_LABEL = "离线草稿"

# Chinese names of the fact guard's finding kinds; unknown kinds are shown as they are.
FINDING_LABELS = {
    "number": "数字",
    "date": "日期",
    "title": "标题",
    "org": "机构",
    "place": "地点",
    "length": "字数",
    "voice": "语气",
    "banned": "禁用语",
    "document": "文件名",
    "style": "文风",
    "person": "人名",
    "stance": "立场",
    "fragment": "残句",
    "wrong_document": "文件或机关不符",
}
FINDING_COLORS = {
    "数字": "#fca5a5",
    "日期": "#fdba74",
    "标题": "#fcd34d",
    "机构": "#c4b5fd",
    "地点": "#93c5fd",
    "文件名": "#f9a8d4",
    "禁用语": "#f87171",
    "语气": "#a5b4fc",
    "字数": "#d1d5db",
    "文风": "#a7f3d0",
    "人名": "#bef264",
    "立场": "#fb923c",
    "残句": "#fde68a",
    "文件或机关不符": "#f0abfc",
}
PROFILE_AUTO = "自动判断"
KIND_CHOICES = [PROFILE_AUTO, *KINDS]
STANCE_CHOICES = [PROFILE_AUTO, *STANCES]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def esc(text: object) -> str:
    """HTML-escape anything shown on the page (pasted text is never trusted)."""
    return html.escape("" if text is None else str(text), quote=True)


def issue_label(issue: str | None) -> str:
    """Where an item came from, for a lawyer: 采纳 for items accepted in the editor, else the issue id."""
    return "采纳" if issue == "accepted" else (issue or "")


def local_time(iso: str) -> str:
    """A stored UTC timestamp in the server's local time, to the second."""
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return iso[:19].replace("T", " ")


def finding_label(kind: str) -> str:
    """Chinese label of a finding kind."""
    return FINDING_LABELS.get(kind, kind)


def check_date(value: str | None, field: str) -> str | None:
    """A YYYY-MM-DD date or None; ValidationError naming the field otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    if not _DATE.match(value):
        raise ValidationError(f"「{field}」应为 YYYY-MM-DD 格式的日期（例如 2023-09-18），现在是“{value}”。")
    return value


def make_filters(section: str | None, date_from: str | None, date_to: str | None) -> SearchFilters | None:
    """Precedent filters from the page's filter widgets; None when nothing is restricted."""
    sec = section if section and section not in (SECTION_ANY, SECTION_AUTO) else None
    start = check_date(date_from, "参考条目起始日期")
    end = check_date(date_to, "参考条目截止日期")
    if start and end and start > end:
        raise ValidationError(f"参考条目的起始日期 {start} 晚于截止日期 {end}：请对调或清空其中一个。")
    if not (sec or start or end):
        return None
    return SearchFilters(section=sec, date_from=start, date_to=end)  # type: ignore[arg-type]


def compose_raw_text(text: str, title: str = "", date: str = "", url: str = "") -> str:
    """Pasted text with the optional title, date and source prepended the way issues print them."""
    text = (text or "").strip()
    title = (title or "").strip()
    parts = [title] if title and not text.startswith(title) else []
    if (date or "").strip():
        parts.append(f"{date.strip()}，")
    parts.append(text)
    if (url or "").strip():
        parts.append(f"来源：{url.strip()}")
    return "\n".join(p for p in parts if p)


def model_label(draft: Draft | None) -> str:
    """Which model made the draft, or 离线草稿."""
    if draft is None:
        return ""
    if draft.offline or not draft.model:
        return f"{OFFLINE_LABEL}"
    return f"模型：{draft.model}"


def char_count(commentary: str, min_chars: int, max_chars: int) -> str:
    """The 短评 length against the house range, e.g. "短评 152 字（130–200）"."""
    n = len(re.sub(r"\s", "", commentary or ""))
    mark = "✓" if min_chars <= n <= max_chars else "⚠"
    return f"{mark} 短评 {n} 字（要求 {min_chars}–{max_chars}）"


def duplicates_html(duplicates: Sequence[Precedent]) -> str:
    """The warning shown when the pasted item is already in the corpus."""
    if not duplicates:
        return ""
    rows = "".join(
        f"<li>{esc(p.item.title)}（{esc(p.item.date or '近日')}，{esc(p.item.section)}"
        f"{'，期号 ' + esc(issue_label(p.item.issue)) if p.item.issue else ''}）</li>"
        for p in duplicates
    )
    return (
        '<div class="dz-dup" role="alert"><b>⚠ 疑似重复：语料库中已有此条目</b>'
        f"<ul>{rows}</ul>请确认是否已在往期刊发，避免重复收录。</div>"
    )


def precedents_html(precedents: Sequence[Precedent], duplicates: Sequence[Precedent] = ()) -> str:
    """Precedents as expandable cards: title, date, score in the summary; body and 短评 inside."""
    parts = [duplicates_html(duplicates)]
    if not precedents:
        parts.append('<p class="dz-empty">暂无参考条目。</p>')
    for n, p in enumerate(precedents, 1):
        it = p.item
        ranks = f"语义 #{p.dense_rank or '–'} · 关键词 #{p.lexical_rank or '–'}"
        # One figure a lawyer reads: the dense cosine as 相似度 (how alike). The fused rank score (0.033) means
        # nothing to a reader; it only orders the cards, which the rank already says.
        similar = f"相似度 {round(100 * p.dense_score)}%" if p.dense_score is not None else "相似度 –"
        why = f'<div class="dz-why">入选理由：{esc("、".join(p.why))}</div>' if p.why else ""
        kind = (f'<div class="dz-muted dz-prec-profile">类型：{esc(p.profile.kind)} · 立场：{esc(p.profile.stance)}'
                f'{" · 发布主体：" + esc(p.profile.issuer) if p.profile.issuer else ""}</div>') if p.profile else ""
        comm = (
            f'<div class="dz-comm"><b>植德短评：</b>{esc(it.commentary)}</div>'
            if it.commentary
            else '<div class="dz-comm dz-muted">（此条无短评）</div>'
        )
        sources = "".join(f'<div class="dz-muted">来源：{esc(s)}</div>' for s in it.sources)
        parts.append(
            f'<details class="dz-prec"{" open" if n == 1 else ""}>'
            f'<summary><span class="dz-n">{n}</span> <b>{esc(it.title)}</b> '
            f'<span class="dz-meta">第 {n} 名 · {similar} · {esc(it.date or "近日")} · {esc(it.section)}'
            f"{' · 有短评' if it.commentary else ''}</span></summary>"
            f'{why}{kind}{comm}<div class="dz-body">{esc(it.body)}</div>{sources}'
            f'<div class="dz-muted">{ranks}{" · 期号 " + esc(issue_label(it.issue)) if it.issue else ""}</div></details>'
        )
    return "".join(parts)


def highlight_segments(text: str, findings: Iterable[Finding]) -> list[tuple[str, str | None]]:
    """The 短评 cut into (text, label) pieces for gr.HighlightedText; overlapping spans keep the first."""
    marks: list[tuple[int, int, str]] = []
    for f in findings:
        if f.field != "commentary" or not f.span:
            continue
        start, end = max(0, f.span[0]), min(len(text), f.span[1])
        if start < end:
            marks.append((start, end, finding_label(f.kind)))
    marks.sort()
    segments: list[tuple[str, str | None]] = []
    pos = 0
    for start, end, label in marks:
        if start < pos:  # overlaps an earlier mark
            continue
        if start > pos:
            segments.append((text[pos:start], None))
        segments.append((text[start:end], label))
        pos = end
    if pos < len(text):
        segments.append((text[pos:], None))
    return segments


FINDINGS_PLACEHOLDER = '<p class="dz-empty">起草后，这里列出短评中与原文不符或不合体例之处。</p>'


def findings_html(findings: Sequence[Finding]) -> str:
    """The findings as a list, each naming its field and the text it points at."""
    if not findings:
        return '<div class="dz-ok">✓ 未发现与原文不符之处。</div>'
    field_names = {"commentary": "短评", "title": "标题", "body": "正文"}
    rows = []
    for f in findings:
        # The guard's messages usually quote the text already; quote it only when they do not.
        where = f"“{esc(f.text)}”：" if f.text and f.text not in f.message else ""
        rows.append(
            f'<li><span class="dz-tag">{esc(finding_label(f.kind))}</span> '
            f"<b>{esc(field_names.get(f.field, f.field))}</b>：{where}{esc(f.message)}</li>"
        )
    return f'<div class="dz-findings"><b>核查提示（{len(findings)}）</b><ul>{"".join(rows)}</ul></div>'


def diff_html(before: str, after: str, opcodes: Callable[[str, str], Sequence[tuple[str, int, int, int, int]]] | None = None) -> str:
    """Word- and sentence-level diff (drafting/textdiff.py): deletions struck through, insertions underlined; escaped.

    ``opcodes`` replaces the default (e.g. the Word export's edit spans, so a report shows what Word shows).
    """
    out: list[str] = []
    ops = (opcodes or textdiff.opcodes)(before or "", after or "")
    for op, a0, a1, b0, b1 in ops:
        if op == "equal":
            out.append(esc(before[a0:a1]))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{esc(before[a0:a1])}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{esc(after[b0:b1])}</ins>")
    return "".join(out)


def draft_diff_html(draft: Draft | None, title: str, body: str, commentary: str) -> str:
    """What the editor changed against the machine draft, field by field."""
    if draft is None:
        return '<p class="dz-empty">起草后，这里显示您对草稿所做的修改。</p>'
    fields = [("标题", draft.item.title, title), ("正文", draft.item.body, body), ("短评", draft.commentary, commentary)]
    changed = [(name, a, b) for name, a, b in fields if (a or "") != (b or "")]
    if not changed:
        return '<p class="dz-empty">尚未修改草稿。</p>'
    blocks = "".join(
        f'<div class="dz-diff"><div class="dz-muted">{esc(name)}</div><div>{diff_html(a or "", b or "")}</div></div>'
        for name, a, b in changed
    )
    return blocks


def history_rows(drafts: Sequence[StoredDraft]) -> list[list[object]]:
    """Rows of the History table."""
    rows: list[list[object]] = []
    for d in drafts:
        snippet = d.commentary.replace("\n", " ")
        rows.append(
            [
                d.id,
                STATUS_LABELS.get(d.status, d.status),
                d.title,
                snippet[:60] + ("…" if len(snippet) > 60 else ""),
                OFFLINE_LABEL if d.draft.offline or not d.draft.model else d.draft.model,
                local_time(d.updated_at),
            ]
        )
    return rows


HISTORY_HEADERS = ["编号", "状态", "标题", "短评", "模型", "更新时间"]
CORPUS_HEADERS = ["栏目", "日期", "标题", "短评", "来源", "编号"]


def filter_items(items: Iterable[Item], query: str = "", section: str | None = None) -> list[Item]:
    """Items whose title, body or 短评 contain every term of the query, newest first."""
    terms = (query or "").split()
    sec = section if section and section != SECTION_ANY else None
    out = []
    for it in items:
        if sec and it.section != sec:
            continue
        hay = f"{it.title}\n{it.body}\n{it.commentary or ''}"
        if all(t in hay for t in terms):
            out.append(it)
    out.sort(key=lambda i: (i.date or "", i.title), reverse=True)
    return out


def corpus_rows(items: Sequence[Item]) -> list[list[object]]:
    """Rows of the corpus table."""
    return [
        [it.section, it.date or "近日", it.title, "有" if it.commentary else "", "采纳" if it.issue == "accepted" else (it.issue or ""), it.id]
        for it in items
    ]


def item_html(item: Item | None) -> str:
    """One corpus item in full, escaped."""
    if item is None:
        return '<p class="dz-empty">在表格中点选一条查看全文。</p>'
    comm = f'<div class="dz-comm"><b>植德短评：</b>{esc(item.commentary)}</div>' if item.commentary else ""
    sources = "".join(f'<div class="dz-muted">来源：{esc(s)}</div>' for s in item.sources)
    return (
        f'<div class="dz-item"><h3>{esc(item.title)}</h3>'
        f'<div class="dz-muted">{esc(item.date or "近日")} · {esc(item.section)} · {esc(issue_label(item.issue))} · {esc(item.id)}</div>'
        f'<div class="dz-body">{esc(item.body)}</div>{comm}{sources}</div>'
    )


def stored_html(stored: StoredDraft | None) -> str:
    """Preview of a stored draft in History, with the editor's changes."""
    if stored is None:
        return '<p class="dz-empty">在表格中点选一份草稿预览，再点「继续编辑」。</p>'
    d = stored.draft
    return (
        f'<div class="dz-item"><h3>#{stored.id} {esc(stored.title)}</h3>'
        f'<div class="dz-muted">{esc(STATUS_LABELS.get(stored.status, stored.status))} · {esc(model_label(d))} · '
        f"创建 {esc(local_time(stored.created_at))} · 更新 {esc(local_time(stored.updated_at))}</div>"
        f'<div class="dz-body">{esc(stored.body)}</div>'
        f'<div class="dz-comm"><b>植德短评：</b>{esc(stored.commentary)}</div>'
        f'<div class="dz-muted">相对原稿的修改：</div>{draft_diff_html(d, stored.title, stored.body, stored.commentary)}</div>'
    )


def ingest_report(rows: Sequence[tuple[str, Issue | None, str | None]], indexed: int) -> str:
    """Markdown report of an upload: per file the items, 短评 and problems, or the error."""
    lines = ["| 文件 | 条目 | 短评 | 政策/新闻/交易 | 问题 |", "|---|---|---|---|---|"]
    for name, issue, error in rows:
        safe = _md(name)
        if issue is None:
            lines.append(f"| {safe} | – | – | – | ✗ {_md(error or '')} |")
            continue
        items = issue.items
        by_sec = "/".join(str(sum(1 for i in items if i.section == s)) for s in ("政策速递", "行业新闻", "交易资讯"))
        problems = "<br>".join(_md(p) for p in issue.problems) or "无"
        lines.append(f"| {safe} | {len(items)} | {sum(1 for i in items if i.commentary)} | {by_sec} | {problems} |")
    lines.append(f"\n索引中现有 **{indexed}** 条。")
    return "\n".join(lines)


def _md(text: str) -> str:
    # Markdown table cells: escape HTML and the cell separator.
    return esc(text).replace("|", "\\|").replace("\n", " ")


MAX_PASTE_CHARS = 20000


def build_request(
    raw: str,
    title: str = "",
    date: str = "",
    url: str = "",
    section: str | None = None,
    *,
    filters: SearchFilters | None = None,
    variants: int = 1,
    model: str | None = None,
    offline: bool = False,
    keep_titles: bool = False,
) -> tuple[DraftRequest, str]:
    """The DraftRequest for the paste box and its optional fields, and the source text the guard checks against."""
    # A Traditional source is drafted, searched and checked in Simplified; the paste box keeps the original.
    text = for_drafting((raw or "").strip(), keep_quoted_titles=keep_titles).text
    if not text:
        raise ValidationError("请先在「新条目 / 政策原文」框中粘贴内容，再点「起草」。")
    if len(text) > MAX_PASTE_CHARS:
        raise ValidationError(f"粘贴的内容有 {len(text)} 字，超过 {MAX_PASTE_CHARS} 字上限：请只粘贴这一条的正文。")
    day = check_date(date, "日期")
    sec = section if section in SECTIONS else None
    title = (title or "").strip()
    url = (url or "").strip()
    source = compose_raw_text(text, title, day or "", url)
    use_model = model if model and model != OFFLINE_LABEL else None
    common = {"variants": int(variants or 1), "model": use_model, "offline": offline or model == OFFLINE_LABEL, "filters": filters}
    if title and sec:
        # The editor named the item: no need for the drafter to guess title and section from raw text.
        item = Item(section=sec, title=title, date=day, body=text, sources=[url] if url else [])
        return DraftRequest(item=item, **common), source  # type: ignore[arg-type]
    # Choosing a section is asking for its 短评, as naming the item is; a guessed news or deal item gets none.
    return DraftRequest(raw_text=source, section=sec, commentary=True if sec else None, **common), source  # type: ignore[arg-type]


def profile_html(profile: Profile | None, gap: bool = False) -> str:
    """The new item's profile (as the drafter used it) and, when no precedent shares its stance, the gap warning."""
    if profile is None:
        return '<p class="dz-empty">起草后，这里显示条目画像（类型、立场、发布主体）。</p>'
    who = {"rules": "规则判断", "model": "模型判断", "editor": "编辑指定"}.get(profile.source, profile.source)
    figures = f" · 关键数字：{esc('、'.join(profile.figures))}" if profile.figures else ""
    parts = [(
        f'<div class="dz-profile"><b>条目画像</b>（{esc(who)}）：类型 <b>{esc(profile.kind)}</b> · 立场 <b>{esc(profile.stance)}</b>'
        f"{' · 发布主体 ' + esc(profile.issuer) if profile.issuer else ''}{' · 层级 ' + esc(profile.level) if profile.level else ''}"
        f"{figures}。判断有误时，在「条目画像」中改选类型与立场后重新起草。</div>"
    )]
    if gap:
        parts.append(
            f'<div class="dz-gap" role="alert"><b>⚠ 缺少同类先例</b>：语料库中没有类型为“{esc(profile.kind)}”、立场为“{esc(profile.stance)}”且带短评的往期条目，'
            "下列参考条目仅供参考其格式，短评按风格指南中该类型的写法起草，请重点核对。</div>"
        )
    return "".join(parts)


def with_profile(request: DraftRequest, kind: str | None, stance: str | None) -> DraftRequest:
    """The request with the editor's kind and/or stance; 自动判断 leaves the drafter to decide."""
    kind = kind if kind in KINDS else None
    stance = stance if stance in STANCES else None
    if not (kind or stance):
        return request
    # The rest of the profile (issuer, figures) is filled in by the drafter from the item.
    profile = Profile(kind=kind or "", stance=stance or "促进", source="editor")  # type: ignore[arg-type]
    fields = {f for f, v in (("kind", kind), ("stance", stance)) if v}
    return request.model_copy(update={"profile": profile, "profile_fields": sorted(fields)})

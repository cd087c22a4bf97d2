"""What a house rule would do, before it is approved: applied to its evidence drafts and to the current issue.

On each evidence draft the preview shows the machine's 短评 before and after the rule, beside what the editor
accepted, and whether the rule's change is a part of the editor's own (``agrees``). On the issue in progress (or,
without one, the latest pending drafts) it shows every 短评 the rule would change.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from drafting.learning.db import LearningDB
from drafting.learning.edits import EditRecord, sentences
from drafting.learning.phrases import changes
from drafting.learning.rules import Rule, RuleBook, apply_rules

CURRENT_LIMIT = 200  # an issue has a few dozen items; the pending fallback shows the latest ones
PENDING_LIMIT = 20


class PreviewRow(BaseModel):
    """One 短评 before and after the rule (and, for evidence, as the editor accepted it)."""

    draft_id: int
    title: str = ""
    editor: str = ""
    before: str
    after: str
    final: str | None = Field(default=None, description="evidence: the 短评 the editor accepted")
    agrees: bool | None = Field(default=None, description="evidence: the rule's change is a part of the editor's")


class RulePreview(BaseModel):
    """The rule on its evidence and on the current drafts."""

    rule: Rule
    evidence: list[PreviewRow]
    current_label: str = Field(description="期刊 … or 最近的待定草稿")
    current: list[PreviewRow] = Field(description="current drafts the rule changes")
    current_total: int = Field(description="current drafts looked at (changed or not)")

    @property
    def agreeing(self) -> int:
        """Evidence drafts where the rule does what the editor did."""
        return sum(1 for r in self.evidence if r.agrees)


def agrees(rule: Rule, machine: str, final: str) -> bool:
    """The rule changes the machine's 短评, and each of its changes is one the editor made too."""
    after = apply_rules(machine, RuleBook(version=1, rules=[rule]))
    if after == machine:
        return False
    if rule.kind == "add":
        return bool(rule.after) and rule.after in sentences(final)
    editor = changes(machine, final)
    if rule.kind == "replace":  # the editor made this very swap, in a clause that otherwise stayed
        return any(c.kind == "swap" and (c.before, c.after) == (rule.before, rule.after) for c in editor)
    deleted = [c.before for c in editor if c.kind != "swap"]
    mine = changes(machine, after)
    return bool(mine) and all(c.kind != "swap" and any(c.before in d for d in deleted) for c in mine)


def preview_rule(rule: Rule, records: list[EditRecord], current: list[tuple[int, str, str]],
                 current_label: str) -> RulePreview:
    """The rule on its evidence records and on ``current`` (draft id, title, 短评) drafts."""
    book = RuleBook(version=1, rules=[rule])
    by_id = {r.draft_id: r for r in records}
    evidence = []
    for i in rule.evidence:
        r = by_id.get(i)
        if r is None:
            continue
        evidence.append(PreviewRow(draft_id=i, title=r.title, editor=r.editor, before=r.machine_commentary,
                                   after=apply_rules(r.machine_commentary, book), final=r.final_commentary,
                                   agrees=agrees(rule, r.machine_commentary, r.final_commentary)))
    changed = []
    for draft_id, title, text in current:
        after = apply_rules(text, book)
        if after != text:
            changed.append(PreviewRow(draft_id=draft_id, title=title, before=text, after=after))
    return RulePreview(rule=rule, evidence=evidence, current_label=current_label, current=changed,
                       current_total=len(current))


def current_drafts(db: LearningDB) -> tuple[str, list[tuple[int, str, str]]]:
    """The 短评 of the issue in progress (the latest unpublished one), else of the latest pending drafts."""
    with db.connect() as conn:
        issue = conn.execute("SELECT id, title, period FROM issues WHERE published_at IS NULL"
                             " ORDER BY updated_at DESC LIMIT 1").fetchone()
        if issue is not None:
            rows = conn.execute(
                "SELECT d.id, d.title, d.commentary FROM issue_items i JOIN drafts d ON d.id = i.draft_id"
                " WHERE i.issue_id=? AND i.removed_at IS NULL ORDER BY i.position LIMIT ?", (issue["id"], CURRENT_LIMIT),
            ).fetchall()
            label = f"进行中的期刊 {issue['title']} {issue['period']}".strip()
        else:
            rows = conn.execute("SELECT id, title, commentary FROM drafts WHERE status='pending'"
                                " ORDER BY updated_at DESC LIMIT ?", (PENDING_LIMIT,)).fetchall()
            label = "最近的待定草稿"
    return label, [(int(r[0]), str(r[1]), str(r[2])) for r in rows if r[2]]

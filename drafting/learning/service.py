"""The learning loop in one object: edit history, statistics, house rules and precedent feedback."""

from __future__ import annotations

from drafting.errors import ValidationError
from drafting.learning.db import LearningDB
from drafting.learning.edits import EditRecord, Stats, history, summarise
from drafting.learning.feedback import FeedbackStore
from drafting.learning.preview import RulePreview, current_drafts, preview_rule
from drafting.learning.rules import Rule, RuleBook, RuleService
from drafting.settings import Settings
from drafting.store import DraftStore


class Learning:
    """What the CLI and the UI call: stats, rules and feedback over the drafts' SQLite file."""

    def __init__(self, settings: Settings, store: DraftStore) -> None:
        self.settings = settings
        self.store = store
        db = self.db = LearningDB(store)
        self.rules = RuleService(db, settings.rules_file, settings.legacy_rules_file, settings.learning.min_support,
                                 settings.learning.min_editors)
        self.feedback = FeedbackStore(db)

    def history(self) -> list[EditRecord]:
        """Edit records of every accepted draft."""
        return history(self.store)

    def stats(self) -> Stats:
        """The analytics of the 统计 tab and `drafting stats`."""
        return summarise(self.history(), currency=self.settings.learning.currency)

    def proposals(self) -> list[Rule]:
        """Open rule proposals from the current edit history."""
        return self.rules.propose(self.history())

    def preview(self, rule_id: str) -> RulePreview:
        """What a proposal (or an approved rule) does to its evidence drafts and to the current issue."""
        records = self.history()
        found = next((r for r in [*self.rules.book().rules, *self.rules.propose(records)] if r.id == rule_id), None)
        if found is None:
            raise ValidationError(f"没有编号为 {rule_id} 的规则或建议：请先运行 drafting rules 查看现有编号。")
        label, current = current_drafts(self.db)
        return preview_rule(found, records, current, label)

    def approve(self, rule_id: str, *, text: str | None = None, actor: str | None = None) -> RuleBook:
        """Approve a proposal into house_rules.md beside the corpus."""
        return self.rules.approve(rule_id, self.history(), text=text, actor=actor)

    def reject(self, rule_id: str, *, actor: str | None = None) -> Rule:
        """Reject a proposal for good."""
        return self.rules.reject(rule_id, self.history(), actor=actor)

    def edit(self, rule_id: str, text: str, *, actor: str | None = None) -> RuleBook:
        """Reword a rule or a proposal (approving it)."""
        return self.rules.edit(rule_id, text, self.history(), actor=actor)

    def remove(self, rule_id: str, *, actor: str | None = None) -> RuleBook:
        """Undo an approved rule."""
        return self.rules.remove(rule_id, actor=actor)

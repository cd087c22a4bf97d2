"""`drafting accept`, `stats` and `rules`: the learning loop from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from drafting.cli import common
from drafting.cli.common import JsonOpt, app, print_json
from drafting.evaluation.rule_mining import DEFAULT_FIXTURE
from drafting.evaluation.rule_mining import evaluate as evaluate_rule_mining

rules_app = typer.Typer(help="House rules mined from editors' recurring edits: list, propose, approve, edit, reject, remove.")
app.add_typer(rules_app, name="rules")


@app.command()
def accept(
    draft_id: Annotated[int, typer.Argument(help="id printed by `drafting draft --save` (or shown in 历史)")],
    title: Annotated[str | None, typer.Option(help="final title (default: the draft's current text)")] = None,
    body: Annotated[str | None, typer.Option(help="final body")] = None,
    commentary: Annotated[str | None, typer.Option(help="final 植德短评")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Accept a stored draft with the editor's final text: store, corpus, index (the same path as 采纳)."""
    from drafting.errors import ValidationError
    from drafting.learning.edits import record_for

    services = common.services()
    current = services.store.get(draft_id)
    final = {"title": (title if title is not None else current.title).strip(),
             "body": (body if body is not None else current.body).strip(),
             "commentary": (commentary if commentary is not None else current.commentary).strip()}
    if not final["title"] or not final["commentary"]:
        raise ValidationError("标题和短评不能为空：请用 --title 与 --commentary 给出定稿文字。")
    stored = services.accept(draft_id, title=final["title"], body=final["body"], commentary=final["commentary"])
    record = record_for(stored, final)
    ratio = {f: round(e.ratio, 4) for f, e in record.fields.items()}
    out = {"draft_id": stored.id, "status": stored.status, "item_id": stored.accepted_item(final).id, "edit_ratio": ratio}
    if as_json:
        print_json(out)
    else:
        ratios = "，".join(f"{k} {v:.0%}" for k, v in ratio.items())
        typer.echo(f"已采纳草稿 #{stored.id}，已加入语料库与索引（修改比例：{ratios}）")


@app.command()
def stats(as_json: JsonOpt = False) -> None:
    """Edit statistics of accepted drafts: edit ratio by month, section, model, prompt and rules; phrases; costs."""
    report = common.services().learning.stats()
    if as_json:
        print_json(report.model_dump())
        return
    if report.overall is None:
        typer.echo("还没有已采纳的草稿：采纳后这里显示编辑修改统计。")
        return
    o = report.overall
    typer.echo(f"已采纳 {report.drafts} 篇；平均修改比例：短评 {o.commentary_ratio:.1%}，正文 {o.body_ratio:.1%}，标题 {o.title_ratio:.1%}")
    for label, groups in (("按月份", report.by_month), ("按栏目", report.by_section), ("按模型", report.by_model),
                          ("按提示词版本", report.by_prompt_version), ("按规则版本", report.by_rules_version)):
        typer.echo(f"{label}：" + "；".join(f"{g.key} {g.commentary_ratio:.1%}（{g.drafts} 篇）" for g in groups))
    typer.echo("修改类型：" + "，".join(f"{k} {v}" for k, v in report.kinds.items()))
    for a, b, n in report.top_replacements[:10]:
        typer.echo(f"  “{a}” → “{b}”  {n} 个条目")
    for c in report.cost_by_model + report.cost_by_issue:
        cost = f"{c.cost:.4f} {report.currency}" if c.cost is not None else "未配置价格"
        typer.echo(f"  {c.key}：{c.drafts} 篇，tokens {c.prompt_tokens}+{c.completion_tokens}，费用 {cost}")


def _rules_json(learning: Any) -> dict[str, Any]:
    book = learning.rules.book()
    return {
        "version": book.version,
        "rules": [r.model_dump(include={"id", "kind", "text", "evidence", "count"}) for r in book.rules],
        "proposals": [p.model_dump(include={"id", "kind", "text", "evidence", "count", "kept", "unit", "editors"})
                      for p in learning.proposals()],
    }


def _print_rules(learning: Any, as_json: bool) -> None:
    data = _rules_json(learning)
    if as_json:
        print_json(data)
        return
    typer.echo(f"已批准的规则（house_rules.md 第 {data['version']} 版）：" + ("" if data["rules"] else "暂无"))
    for r in data["rules"]:
        typer.echo(f"  {r['id']}  {r['text']}")
    typer.echo("待定的建议：" + ("" if data["proposals"] else "暂无（同一修改需在至少 "
                                 f"{learning.settings.learning.min_support} 篇不同条目的已采纳草稿中出现）"))
    for p in data["proposals"]:
        editors = f"，{len(p['editors'])} 位编辑" if p["editors"] else ""
        typer.echo(f"  {p['id']}  [{p['kind']}] {p['text']}  依据 {p['count']} 篇不同条目{editors}：草稿 "
                   f"{', '.join(f'#{i}' for i in p['evidence'][:10])}（批准前可看效果：drafting rules preview {p['id']}）")


@rules_app.callback(invoke_without_command=True)
def rules(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List approved rules and open proposals (with their evidence)."""
    if ctx.invoked_subcommand is None:
        _print_rules(common.services().learning, as_json)


@rules_app.command("propose")
def rules_propose(as_json: JsonOpt = False) -> None:
    """Mine the edit history again and list the proposals."""
    _print_rules(common.services().learning, as_json)


def _rules_changed(learning: Any, message: str, as_json: bool) -> None:
    if as_json:
        print_json(_rules_json(learning) | {"message": message})
    else:
        typer.echo(message)


@rules_app.command("approve")
def rules_approve(rule_id: str, text: Annotated[str | None, typer.Option(help="the rule in your own words")] = None,
                  as_json: JsonOpt = False) -> None:
    """Approve a proposal: written to house_rules.md beside the corpus as a new version."""
    learning = common.services().learning
    book = learning.approve(rule_id, text=text, actor="cli")
    _rules_changed(learning, f"已批准规则 {rule_id}（house_rules 第 {book.version} 版）", as_json)


@rules_app.command("reject")
def rules_reject(rule_id: str, as_json: JsonOpt = False) -> None:
    """Reject a proposal: it is never proposed again."""
    learning = common.services().learning
    learning.reject(rule_id, actor="cli")
    _rules_changed(learning, f"已拒绝建议 {rule_id}，今后不再提出", as_json)


@rules_app.command("edit")
def rules_edit(rule_id: str, text: Annotated[str, typer.Option(help="new wording")], as_json: JsonOpt = False) -> None:
    """Reword an approved rule, or approve a proposal in your own words."""
    learning = common.services().learning
    book = learning.edit(rule_id, text, actor="cli")
    _rules_changed(learning, f"已更新规则 {rule_id}（house_rules 第 {book.version} 版）", as_json)


@rules_app.command("remove")
def rules_remove(rule_id: str, as_json: JsonOpt = False) -> None:
    """Undo an approved rule: removed from the file (a new version) and not proposed again."""
    learning = common.services().learning
    book = learning.remove(rule_id, actor="cli")
    _rules_changed(learning, f"已撤销规则 {rule_id}（house_rules 第 {book.version} 版）", as_json)


@rules_app.command("preview")
def rules_preview(rule_id: str, as_json: JsonOpt = False) -> None:
    """What a proposal would change, before approving it: its evidence drafts and the current issue, before → after."""
    preview = common.services().learning.preview(rule_id)
    if as_json:
        print_json(preview.model_dump())
        return
    typer.echo(f"{preview.rule.id}  {preview.rule.text}")
    typer.echo(f"依据草稿（{len(preview.evidence)} 篇，其中 {preview.agreeing} 篇与编辑的修改一致）：")
    for row in preview.evidence:
        mark = "✓ 与编辑一致" if row.agrees else "✗ 与编辑的修改不同"
        typer.echo(f"  #{row.draft_id} {row.title[:30]}（{row.editor or '编辑未知'}）{mark}")
        typer.echo(f"    规则前：{row.before}\n    规则后：{row.after}\n    编辑定稿：{row.final}")
    typer.echo(f"{preview.current_label}：{preview.current_total} 篇中有 {len(preview.current)} 篇会被修改")
    for row in preview.current:
        typer.echo(f"  #{row.draft_id} {row.title[:30]}\n    规则前：{row.before}\n    规则后：{row.after}")


@rules_app.command("eval")
def rules_eval(
    fixture: Annotated[Path | None, typer.Argument(help="labelled edits (default: tests/data/rule_edits.json)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Mine the labelled edit set and report precision, recall, cut words and the preview's agreement."""
    report = evaluate_rule_mining(fixture or DEFAULT_FIXTURE)
    if as_json:
        print_json(report)
        return
    typer.echo(f"{report['edits']} 次修改（{report['items']} 个条目）：{report['proposals']} 条建议，{report['correct']} 条符合标注"
               f"（精确率 {report['precision']}），找到 {len(report['habits_found'])}/{report['habits']} 个习惯（召回率 {report['recall']}）")
    typer.echo(f"切断词语或分句的建议 {len(report['cut_word_or_clause'])} 条；独立草稿不足的建议 {len(report['below_min_independent'])} 条")
    typer.echo(f"预览与编辑一致：{report['preview_agrees']}/{report['preview_evidence']} 篇依据草稿")
    for text in report["wrong"]:
        typer.echo(f"  不符合标注：{text}")
    typer.echo("最常被替换的措辞（≥2 个条目）：" + "，".join(report["top_replacements"]))

"""`drafting export` and `drafting import-review`: an issue in progress to Word and a reviewed DOCX back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from drafting.cli import common
from drafting.cli.common import JsonOpt, app, print_json
from drafting.errors import ValidationError


@app.command("export")
def export_cmd(
    issue_id: Annotated[str, typer.Argument(help="the issue in progress (the batch id shown by `drafting batch` / 批量)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="the issue as Word (.docx)")],
    md: Annotated[Path | None, typer.Option("--md", help="also write the issue as Markdown")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="also write the issue as PDF, 目录 with page numbers (LibreOffice)")] = None,
    wechat: Annotated[Path | None, typer.Option("--wechat", help="also write HTML to paste into the WeChat 公众号 editor")] = None,
    tracked: Annotated[bool, typer.Option("--tracked", help="show the editor's changes to the machine draft as Word tracked changes")] = False,
    editor: Annotated[str | None, typer.Option("--editor", help="author of the tracked changes (default: who last edited each item)")] = None,
    title: Annotated[str | None, typer.Option(help="issue title (default: the issue's, else 元宇宙/Web3 月刊)")] = None,
    period: Annotated[str | None, typer.Option(help='e.g. "2023年第10期" (default: from the items\' dates)')] = None,
    editors: Annotated[str | None, typer.Option(help="本期执行编辑 (default: prompts/issue_closing.md)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Export an issue in progress as DOCX (clean, or with tracked changes) for review in Word."""
    from drafting.issues.word_export import export_issue

    summary = export_issue(common.services(), issue_id, output, md=md, tracked=tracked, title=title, period=period,
                           editors=editors, editor=editor, pdf=pdf, wechat=wechat)
    if as_json:
        print_json(summary)
        return
    kind = "带修订痕迹" if tracked else "清稿"
    others = "".join(f"、{p}" for p in (md, pdf, wechat) if p)
    typer.echo(f"{summary['heading']}：{summary['items']} 条（编辑改动 {summary['edited']} 条），已导出{kind} {output}{others}")


@app.command("import-review")
def import_review_cmd(
    file: Annotated[Path, typer.Argument(help="the DOCX after review in Word")],
    apply: Annotated[bool, typer.Option("--apply", help="write the changes back (edit history, corpus, index)")] = False,
    view: Annotated[str, typer.Option("--view", help="accepted: take pending revisions as accepted; original: as rejected")] = "accepted",
    issue_id: Annotated[str | None, typer.Option("--issue", help="the issue, when the file lost its item marks")] = None,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="with --apply: write the partner's text over fields edited in the browser after the export")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Read a DOCX reviewed in Word: what changed per item, comments, deleted and unmatched items; --apply writes back.

    A field edited in the browser after the export and changed in Word too is a conflict: reported, kept as the browser
    has it unless --overwrite.
    """
    from drafting.issues.word_review import NOT_IN_EXPORT, base_unknown_note, check_review_file, import_review

    if overwrite and not apply:
        raise ValidationError("--overwrite 只在写回时有意义：请与 --apply 一起使用（先不加 --apply 查看冲突）。")
    check_review_file(file)  # before the index loads: a wrong path answers at once
    report = import_review(common.services(), file, issue_id=issue_id, view=view, apply=apply,  # type: ignore[arg-type]
                           overwrite=overwrite)
    if as_json:
        print_json(report.model_dump())
        return
    names = {"title": "标题", "body": "正文", "commentary": "短评", "sources": "来源"}
    typer.echo(f"期次 {report.issue}：{len(report.items)} 条对上，{len(report.changed())} 条有修改；"
               f"未处理的修订 {report.pending_revisions} 处按{'接受' if report.view == 'accepted' else '拒绝'}计")
    for item in report.items:
        if not item.changes and not item.comments:
            continue
        typer.echo(f"· {item.title}" + ("（按标题对上）" if item.matched_by == "title" else ""))
        for c in item.changes:
            typer.echo(f"    改{names.get(c.field, c.field)}" + (f"（{c.author}）" if c.author else "（未留修订痕迹）"))
        for note in item.comments:
            typer.echo(f"    批注（{note['author']}）：{note['text']}")
        if item.applied:
            done = {"saved": "已保存", "accepted": "已保存并更新语料库"}.get(item.applied, item.applied)
            typer.echo(f"    → {done}")
    for d in report.deleted:
        done = {"removed": f"已移出本期（drafting restore-item {report.issue} {d['draft_id']} 可恢复）"}.get(
            d["applied"], d["applied"])
        typer.echo(f"审阅稿中已删除：#{d['draft_id']} {d['title']}" + (f" → {done}" if done else ""), err=True)
    for n in report.not_in_export:
        typer.echo(f"{NOT_IN_EXPORT}：#{n['draft_id']} {n['title']}", err=True)
    for u in report.unmatched:
        typer.echo(f"无法对应到本期条目：{u['title']}", err=True)
    for m in report.moved:
        typer.echo(f"顺序调整：{m['title']}（{m['section']} 第 {m['before']} → {m['after']} 条）", err=True)
    if report.order_applied:
        typer.echo("已按审阅稿调整本期顺序。", err=True)
    if not report.base_known:
        typer.echo(base_unknown_note(report))
    for clash in report.conflicts:
        typer.echo(f"导出后已在浏览器中修改：{clash.title}（{names.get(clash.field, clash.field)}，{clash.editor or '未知'}）")
        for label, text in (("导出时", clash.exported), ("浏览器中", clash.current), ("审阅稿", clash.partner)):
            typer.echo(f"    {label}：{text}")
        if clash.applied == "overwritten":
            typer.echo("    → 已按审阅稿覆盖")
        elif clash.applied and clash.applied != "kept":
            typer.echo(f"    → {clash.applied}")  # overwrite asked for, the write refused: why
        else:
            typer.echo("    → 保留浏览器中的文字；确认以审阅稿为准请加 --apply --overwrite")
    if not apply and (report.changed() or report.deleted or report.moved):
        typer.echo("确认无误后加 --apply 写回。")


@app.command("restore-item")
def restore_item_cmd(
    issue_id: Annotated[str, typer.Argument(help="the issue in progress")],
    draft_id: Annotated[int, typer.Argument(help="the draft moved out of it (listed under 已移出 by `drafting issues ISSUE_ID`)")],
    as_json: JsonOpt = False,
) -> None:
    """Put an item moved out of an issue (deleted in a Word review) back, at the place it had."""
    issue = common.services().reviews.restore_item(issue_id, draft_id)
    item = issue.item(draft_id)
    if as_json:
        print_json({"issue": issue.id, "draft_id": draft_id, "title": item.title, "restored": True})
        return
    typer.echo(f"已恢复到本期：#{draft_id} {item.title}")

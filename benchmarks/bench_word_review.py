"""Word review cost: tracked-changes export and reviewed-file import of a large issue, without the store.

Builds an issue of N items (every one edited by the editor in title, body and 短评), writes the tracked DOCX and
reads it back in both views; prints the times, the file size and the number of revisions.

    .venv/bin/python benchmarks/bench_word_review.py [--items 60]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import zipfile
from pathlib import Path

from drafting.export.assemble import assemble
from drafting.export.docx import export_docx
from drafting.export.revisions import TrackedBase
from drafting.issues.review_import import read_reviewed_docx
from drafting.models import Item

CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "重庆", "武汉", "西安", "南京"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=60)
    args = parser.parse_args()
    items, bases = [], {}
    for n in range(args.items):
        city = CITIES[n % len(CITIES)]
        body = (f"2023年9月{n % 28 + 1}日，{city}市经济和信息化局印发《{city}市元宇宙产业发展行动计划（2023—2025年）》。"
                f"行动计划提出，到2025年，全市元宇宙相关产业规模达到{100 + n}亿元，打造{10 + n}个典型应用场景。") * 2
        commentary = (f"《行动计划》体现了{city}市对元宇宙产业的前瞻布局，以量化指标明确了发展路径，"
                      "为相关企业参与元宇宙建设提供了清晰指引。") * 2
        item = Item(id=f"k{n}", section="政策速递", title=f"{city}印发元宇宙行动计划（第{n}号）", date="2023-09-18",
                    body=body.replace("印发", "正式印发", 1) + "\n企业可关注申报窗口。", commentary=commentary.replace("清晰", "明确", 1),
                    sources=[f"https://example.gov.cn/{n}.html"])
        items.append(item)
        bases[item.id] = TrackedBase(title=f"{city}出台元宇宙行动计划（第{n}号）", body=body, commentary=commentary, author="编辑")
    issue = assemble(items, period="2023年第10期")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tracked.docx"
        started = time.perf_counter()
        export_docx(issue, path, bases=bases, anchors={i.id: i.id for i in items})
        exported = time.perf_counter() - started
        with zipfile.ZipFile(path) as z:
            xml = z.read("word/document.xml").decode()
        started = time.perf_counter()
        doc = read_reviewed_docx(path)
        views = [(i.text("body"), i.text("body", "original")) for i in doc.items]
        imported = time.perf_counter() - started
        print(f"items {args.items}: tracked export {exported:.2f} s, import (both views) {imported:.2f} s, "
              f"{path.stat().st_size / 1024:.0f} KB, {xml.count('<w:ins ') + xml.count('<w:del ')} revisions, "
              f"{len(views)} items read back")


if __name__ == "__main__":
    main()

"""Parse time of a large Markdown issue whose footnotes lost their [^n] markers (issue #10: once cubic).

    python benchmarks/bench_parse_markdown.py --items 800
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

SECTIONS = ("政策速递", "行业新闻", "交易资讯")


def markdown_issue(n_items: int, *, markers: bool) -> str:
    """An issue of n_items with a footnote after each item; with markers=False the body has no [^n]."""
    parts = ["# 元宇宙/Web3 月刊\n"]
    per = -(-n_items // len(SECTIONS))
    k = 0
    for section in SECTIONS:
        parts.append(f"## {section}\n")
        for n in range(per):
            if k >= n_items:
                break
            k += 1
            mark = f"[^{k}]" if markers else ""
            parts.append(f"### 某市印发《元宇宙产业行动计划第{section}{n}号》\n\n2023年9月{n % 28 + 1}日，某市印发"
                         f"《元宇宙产业行动计划第{n}号》，提出推动产业发展，培育一批企业。{mark}\n")
            parts.append(f"[^{k}]: https://example.com/{k}\n")
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=800)
    args = parser.parse_args()
    from drafting.corpus import parse_file

    with tempfile.TemporaryDirectory() as tmp:
        for markers in (True, False):
            path = Path(tmp) / f"issue_{'markers' if markers else 'no_markers'}.md"
            path.write_text(markdown_issue(args.items, markers=markers), encoding="utf-8")
            start = time.perf_counter()
            issue = parse_file(path)
            took = time.perf_counter() - start
            sourced = sum(1 for i in issue.items if i.sources)
            print(f"{args.items} items, footnote markers {'kept' if markers else 'lost'}: "
                  f"{took:.2f} s, {len(issue.items)} items parsed, {sourced} with sources")


if __name__ == "__main__":
    main()

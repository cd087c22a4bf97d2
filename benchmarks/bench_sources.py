"""Sources: OCR seconds per scanned page, and a batch of links fetched cold, then from the cache.

Pages come from tests/page_server.py on loopback; the scan is rendered with the Noto CJK font (no text layer).

    .venv/bin/python benchmarks/bench_sources.py [--pages 3] [--links 30]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from page_server import PageServer
from test_sources_ocr import BODY, COMMENT, TITLE, render_page

from drafting.settings import SourcesSettings
from drafting.sources.fetch import fetch
from drafting.sources.ocr import recognise


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=3)
    ap.add_argument("--links", type=int, default=30)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        from PIL import Image

        images = []
        for n in range(args.pages):
            render_page([TITLE, BODY, COMMENT, BODY], folder / f"p{n}.png")
            images.append(Image.open(folder / f"p{n}.png").convert("L"))
        scan = folder / "scan.pdf"
        images[0].save(scan, save_all=True, append_images=images[1:], resolution=150)
        start = time.perf_counter()
        result = recognise(scan)
        took = time.perf_counter() - start
        confs = [p.confidence or 0 for p in result.pages]
        print(f"OCR: {args.pages} pages in {took:.1f} s = {took / args.pages:.1f} s/page, mean confidence {sum(confs) / len(confs):.0f}")

        settings = SourcesSettings()
        with PageServer() as pages:
            paths = ["/utf8.html", "/gbk.html", "/hk.html"]
            # Distinct URLs (a query string) over the three saved pages: a batch of N different links.
            urls = [pages.url(paths[n % 3]) + f"?n={n}" for n in range(args.links)]
            for label in ("cold", "cached"):
                start = time.perf_counter()
                for url in urls:
                    fetch(url, settings, cache_dir=folder / "cache")
                took = time.perf_counter() - start
                print(f"{args.links} links {label}: {took:.2f} s ({1000 * took / args.links:.0f} ms/link), server hits {sum(pages.hits.values())}")


if __name__ == "__main__":
    main()

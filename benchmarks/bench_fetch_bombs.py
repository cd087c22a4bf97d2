"""Hostile links: peak memory (max RSS) of `drafting fetch` on decompression bombs, and seconds until a dripping
server is cut. Each fetch runs in its own process so its peak RSS is its own; the servers are on 127.0.0.1.

    .venv/bin/python benchmarks/bench_fetch_bombs.py [--decoded-mb 1000]

Run with PYTHONPATH=<an older checkout> to measure that code instead (the figures in the report of issue #23).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import brotli
import zstandard

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from test_hostile_fetch import Drip, Server, _send


def _bombs(decoded: int) -> dict[str, bytes]:
    """Each bomb built streaming, so this process never holds the decoded size either."""
    block = b"\0" * 1_000_000
    n = decoded // len(block)
    br = brotli.Compressor(quality=5)
    zs = zstandard.ZstdCompressor(level=3).compressobj()
    gz = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    out = {"br": b"", "zstd": b"", "gzip": b""}
    for _ in range(n):
        out["br"] += br.process(block)
        out["zstd"] += zs.compress(block)
        out["gzip"] += gz.compress(block)
    out["br"] += br.finish()
    out["zstd"] += zs.flush()
    out["gzip"] += gz.flush()
    return out


def _fetch_rss(url: str, data_dir: str, timeout: float = 15.0) -> tuple[float, float, str]:
    """(seconds, max RSS in MB of the child, last line of its stderr)."""
    env = {**os.environ, "DRAFTING_DATA_DIR": data_dir, "DRAFTING_SOURCES__TIMEOUT": str(timeout)}
    t0 = time.monotonic()
    with tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([sys.executable, "-m", "drafting", "fetch", url, "--refresh"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=err)
        _, _, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest of all children so far
        child.returncode = 0
        took = time.monotonic() - t0
        err.seek(0)
        lines = err.read().strip().splitlines() or ["(no message)"]
    return took, usage.ru_maxrss / 1024, lines[-1][:110]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--decoded-mb", type=int, default=1000)
    args = ap.parse_args()
    bombs = _bombs(args.decoded_mb * 1_000_000)
    routes = {f"/{enc}": _send(body, {"Content-Type": "text/html", "Content-Encoding": enc}) for enc, body in bombs.items()}
    drip = Drip(step=1.0, lines=90)
    routes["/drip"] = drip
    print(f"load average {os.getloadavg()[0]:.1f}; bombs decode to {args.decoded_mb} MB each; cap 20 MB")
    with Server(routes) as server, tempfile.TemporaryDirectory() as data:
        for enc, body in bombs.items():
            took, rss, line = _fetch_rss(server.url(f"/{enc}"), data)
            print(f"{enc:5s} {len(body) / 1000:8.1f} KB → max RSS {rss:7.0f} MB, {took:5.1f} s: {line}")
        took, rss, line = _fetch_rss(server.url("/drip"), data, timeout=3.0)
        drip.stop.set()
        print(f"drip  header line every 1 s, TIMEOUT=3 → {took:5.1f} s, {drip.sent} lines read: {line}")


if __name__ == "__main__":
    main()

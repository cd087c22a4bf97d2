"""A data folder that already indexes the seed issue, built once per test run and copied where a test needs one.

Embedding the seed with the bundled model costs 10–40 s on the shared machine; an app started (or services built)
over a copy finds every item unchanged and starts in about two seconds. That is the product's own restart path,
so only tests that are not about the first build use it. Shared by pytest-xdist workers and later runs of the same code: the
first to ask builds it (under a lock); the others wait and copy.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "issues" / "000_91daaad5127cd8d6.txt"

_BUILD = r"""
import shutil, sys
from pathlib import Path
from drafting.services import build_services
from drafting.settings import Settings
where, seed = Path(sys.argv[1]), Path(sys.argv[2])
(where / "corpus" / "issues").mkdir(parents=True)
shutil.copy(seed, where / "corpus" / "issues" / seed.name)
services = build_services(Settings(_env_file=None, corpus_dir=where / "corpus", data_dir=where / "data"))
services.ingest()
"""


def _fingerprint() -> str:
    """Changes whenever the package's code, the seed or the Python changes: a template is never reused across them."""
    digest = hashlib.sha1(sys.version.encode())
    for path in sorted((ROOT / "drafting").rglob("*.py")) + [SEED]:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _template() -> Path:
    """The folder holding the built `data/` (built on first use, in a child so every file is closed when copied).

    Kept in the system temporary folder under the code's fingerprint, so later runs of the same code (a single test
    file while working, the next full run) reuse it; a change to any module builds a new one."""
    shared = Path(tempfile.gettempdir()) / f"drafting-seed-data-{_fingerprint()}"
    shared.mkdir(exist_ok=True)
    target = shared / "seed-data"
    with (shared / "seed-data.lock").open("a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        if not (target / "done").exists():
            shutil.rmtree(target, ignore_errors=True)
            env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "PYTHONPATH": str(ROOT)}
            subprocess.run([sys.executable, "-c", _BUILD, str(target), str(SEED)], env=env, cwd=shared, check=True,
                           timeout=600)
            (target / "done").write_text("ok", encoding="utf-8")
    return target / "data"


def copy_seed_data(data_dir: Path) -> Path:
    """Fill data_dir (which must not exist yet) with the seed's index, catalog and database."""
    shutil.copytree(_template(), data_dir)
    return data_dir

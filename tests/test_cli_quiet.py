"""CLI output carries the answer only: no third-party DEBUG lines (jieba's dictionary banner) on stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import make_settings

RAW = "2023年9月18日，某市发布《元宇宙产业创新发展行动方案》，提出推动区块链与数字孪生技术在文旅、制造领域的应用。"


def test_draft_prints_no_jieba_debug_lines(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    env = {**os.environ, "DRAFTING_CORPUS_DIR": str(settings.corpus_dir), "DRAFTING_DATA_DIR": str(settings.data_dir)}
    env.pop("DRAFTING_LLM__BASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "drafting", "draft", "--raw", "--offline", "--section", "政策速递", "-"],
                          input=RAW, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert "植德短评" in done.stdout
    assert "DEBUG" not in done.stderr and "prefix dict" not in done.stderr.lower(), done.stderr

"""Issue #10, command line: arguments that once gave a default, nothing, or typer's English get a Chinese error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_settings

BIN = Path(sys.executable).parent / "drafting"

CASES = [
    (("search", "元宇宙", "-k", "0"), 1, ("k", "1")),
    (("search", "元宇宙", "-k", "-1"), 1, ("k",)),
    (("search", "元宇宙", "--date-from", "2023-02-30"), 1, ("2023-02-30", "不存在")),
    (("search", "元宇宙", "--date-to", "2023-13-01"), 1, ("2023-13-01",)),
    (("search", "元宇宙", "--date-from", "2023-05-01", "--date-to", "2023-01-01"), 1, ("晚于",)),
    (("draft", "-", "--raw", "--offline", "--variants", "0"), 1, ("--variants",)),
    (("draft", "-", "--raw", "--offline", "--variants", "9"), 1, ("--variants",)),
    (("search", "元宇宙", "-k", "abc"), 2, ("参数", "--help")),
    (("search",), 2, ("参数", "--help")),
    (("no-such-command",), 2, ("参数", "--help")),
    (("batch", "x.csv", "-o", "out.docx", "--batch-id", "../../escape"), 1, ("批次名",)),
]


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile_cli_args")
    make_settings(tmp)
    (tmp / "x.csv").write_text("栏目,标题,正文\n政策速递,某市印发《元宇宙行动计划》,2023年9月18日，某市印发《元宇宙行动计划》。\n",
                               encoding="utf-8")
    return tmp


@pytest.mark.parametrize(("args", "rc", "words"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_arguments_get_a_chinese_error(tmp: Path, args: tuple[str, ...], rc: int, words: tuple[str, ...]) -> None:
    env = {**os.environ, "DRAFTING_CORPUS_DIR": str(tmp / "corpus"), "DRAFTING_DATA_DIR": str(tmp / "data"),
           "ANONYMIZED_TELEMETRY": "False"}
    env.pop("DRAFTING_LLM__BASE_URL", None)
    result = subprocess.run([str(BIN), *args], input="2023年9月18日，某市印发《元宇宙行动计划》。", capture_output=True,
                            text=True, env=env, cwd=tmp, timeout=300, check=False)
    assert result.returncode == rc, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("错误："), result.stderr
    for word in words:
        assert word in line, line
    assert not (tmp.parent / "escape").exists()

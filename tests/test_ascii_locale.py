"""The firm's files are read as UTF-8 whatever the server's locale: a cron job or a service may run under LANG=C.

Python decodes a file opened without an encoding with the locale's, which is ASCII under the C locale once UTF-8 mode
is off (-X utf8=0): every Chinese character of an approved rule or a corpus issue would then come out as U+FFFD (or
fail). Each check runs in a child process with that locale, so the test fails if an ``encoding="utf-8"`` goes missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from seed_data import SEED as SEED_ISSUE

RULE = "不写“为……提供了明确方向”之类的赞语。"

CHILD = """
import json, sys
from pathlib import Path
from drafting.corpus import parse_file
from drafting.learning.rules import load_rules
book = load_rules(Path(sys.argv[1]))
issue = parse_file(Path(sys.argv[2]))
print(json.dumps({"rules": [r.text for r in book.rules], "version": book.version,
                  "titles": [i.title for i in issue.items]}, ensure_ascii=True))
"""


def run_in_c_locale(*args: str) -> dict[str, object]:
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": "ascii:backslashreplace"}
    # the child's own encoding is ASCII: the check is meaningful only then
    probe = subprocess.run([sys.executable, "-X", "utf8=0", "-c", "import locale; print(locale.getpreferredencoding(False))"],
                           env=env, capture_output=True, text=True, check=True)
    assert "utf" not in probe.stdout.lower(), f"the child still decodes files as UTF-8: {probe.stdout}"
    done = subprocess.run([sys.executable, "-X", "utf8=0", "-c", CHILD, *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_rules_and_corpus_read_as_utf8_under_an_ascii_locale(tmp_path: Path) -> None:
    rules = tmp_path / "house_rules.md"
    rules.write_text(f"---\nversion: 3\n---\n- {RULE}\n", encoding="utf-8")
    read = run_in_c_locale(str(rules), str(SEED_ISSUE))
    assert read["rules"] == [RULE] and read["version"] == 3
    titles = read["titles"]
    assert isinstance(titles, list) and titles
    assert not [t for t in titles if "\ufffd" in t], "a corpus title lost its characters"
    assert any("元宇宙" in t for t in titles)

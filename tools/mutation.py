"""Mutation score per module: mutmut over the modules where a silent mistake costs a lawyer most.

Each module runs in its own scratch copy of the repository (mutmut reads one `[tool.mutmut]`
and writes `mutants/` in the working folder), with only the tests that cover that module, under
`nice`, one module at a time. Prints killed / survived / score per module and writes
`mutation-report.json`. Slow (minutes per module): not part of CI.

    .venv/bin/python tools/mutation.py                 # every module below
    .venv/bin/python tools/mutation.py guard text      # some of them
    .venv/bin/python tools/mutation.py --survivors guard   # and list the surviving mutants
    .venv/bin/python tools/mutation.py --retest guard      # after writing tests: rerun the last run's survivors
    .venv/bin/python tools/mutation.py --sample 300 review # every k-th mutant only, 300 in all (an estimate)
    .venv/bin/python tools/mutation.py --sample 150 --offset 0.5 guard  # other mutants: between the default sample's
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
# module key → (file globs mutmut mutates, the narrowest tests that cover it)
# Each selection runs in-process in seconds per mutant: no test here builds the seeded index (embedding the seed
# costs ~12 s, paid again by every mutant) or starts a server. The tests that do are covered by CI.
_OFFLINE_SLOW = "seed_corpus or same_kind or few_shot or model_setting or stored_in_the_index or json or refines or eval_profiles"
MODULES: dict[str, tuple[str | list[str], list[str]]] = {
    # check_stance's tests are in test_genres.py (its index-building tests are left out)
    "guard": ("drafting/writing/guard/check.py", ["tests/test_guard.py", "tests/test_guard_limits.py", "tests/test_guard_details.py",
                                    "tests/test_guard_percent.py", "tests/test_guard_mutants.py", "tests/test_genres.py", "-k", f"not ({_OFFLINE_SLOW})"]),
    "text": (["drafting/corpus/text.py", "drafting/corpus/lines.py"],
             ["tests/test_parse.py", "tests/test_text_repairs.py", "tests/test_text_mutants.py", "tests/test_text_issues.py",
              "tests/test_text_mutants2.py",
              "-k", "not pdf and not cli"]),
    "retrieve": ("drafting/index/search.py", ["tests/test_retrieve_units.py", "tests/test_retrieve_mutants.py"]),
    "offline": (["drafting/writing/offline/drafter.py", "drafting/writing/offline/facts.py", "drafting/writing/offline/item.py",
                 "drafting/writing/offline/text.py"], ["tests/test_offline_units.py", "tests/test_offline_mutants.py", "tests/test_offline_fixes.py",
                                        "tests/test_genres.py",
                                        "tests/test_offline.py", "-k", (f"test_offline_units or test_offline_mutants or test_offline_fixes or pasted"
                                                                       f" or (test_genres and not ({_OFFLINE_SLOW}))")]),
    "assemble": ("drafting/export/assemble.py", ["tests/test_export.py", "tests/test_assemble.py", "-k", "not render"]),
    "export": ("drafting/export/*", ["tests/test_export.py", "tests/test_export_markdown.py", "tests/test_export_mutants.py",
                                    "-k", "not render"]),
    # the CLI test builds services over the seed corpus (an index per mutant): left to CI
    "review": (["drafting/issues/review.py", "drafting/issues/in_progress.py"],
               ["tests/test_review.py", "tests/test_review_mutants.py", "-k", "not cli"]),
    # test_learning.py's other tests share a module fixture that embeds the seed corpus (~10 s per mutant)
    "learning": ("drafting/learning/*", ["tests/test_learning_mutants.py", "tests/test_learning_mutants2.py", "tests/test_learning_mutants3.py",
                                         "tests/test_learning_units.py", "tests/test_learning.py", "tests/test_rules_mining.py", "-k",
                                         ("test_learning_mutants or test_learning_mutants2 or test_learning_mutants3 or test_learning_units"
                                          " or test_rules_mining or minimal or reworded or clause_cut")]),
}
COPY = ["drafting", "tests", "prompts", "corpus", "pyproject.toml", "app.py"]
# A pytest plugin loaded by the fork server's warm-up (and by every run): jieba's dictionaries, which the guard, the
# profile and the learning edits load lazily on first use (1-5 s under load), are then loaded once and inherited by
# every forked mutant run instead of being loaded again by each. Nothing else: the tests see the same jieba.
WARM_PLUGIN = "_mutation_warm"
WARM_SOURCE = '''"""Written by tools/mutation.py: load jieba's dictionaries once, in the fork server."""
import logging

import jieba
import jieba.posseg  # noqa: F401  (its tag table, read at import)

jieba.setLogLevel(logging.WARNING)
jieba.initialize()
'''


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def _survivors(mutmut: Path, here: Path, env: dict[str, str], status: str = "survived") -> list[str]:
    listing = subprocess.run([str(mutmut), "results"], cwd=here, env=env, capture_output=True, text=True, check=False)
    return [line.strip().split(":")[0] for line in listing.stdout.splitlines() if line.strip().endswith(status)]


def _prepare(key: str, here: Path) -> None:
    """A fresh scratch copy of the repository whose [tool.mutmut] selects one module and its tests."""
    pattern, _ = MODULES[key]
    patterns = [pattern] if isinstance(pattern, str) else pattern
    shutil.rmtree(here, ignore_errors=True)
    here.mkdir(parents=True)
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, here / name, ignore=shutil.ignore_patterns("__pycache__", "output", "mutants"))
        elif src.exists():
            shutil.copy2(src, here / name)
    pyproject = (here / "pyproject.toml").read_text(encoding="utf-8")
    start = pyproject.find("[tool.mutmut]")
    if start >= 0:  # replace the repo's defaults with this module's selection
        end = pyproject.find("\n[", start + 1)
        pyproject = pyproject[:start] + (pyproject[end + 1:] if end >= 0 else "")
    pyproject += (
        "\n[tool.mutmut]\n"
        'source_paths = ["drafting"]\n'
        f"only_mutate = {_toml_list(patterns)}\n"
        f'also_copy = ["prompts", "corpus", "app.py"]\n'
        f"{_selection_line(key)}\n"
        f'pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "{WARM_PLUGIN}"]\n'
        # workers fork from a clean server, not from the process that ran the suite: Chroma's Rust runtime
        # (tokio, sqlx threads) does not survive a fork, and every mutant building an index hung until timeout
        'process_isolation = "forkserver"\n'
        # mutmut's default (15 x the clean run) turned ~10 % of guard mutants into timeouts when the shared machine's
        # load swung from 2 to 20; a timeout counts as killed, so a loose limit keeps the score honest
        "timeout_multiplier = 60.0\n"
    )
    (here / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    # the folder must exist before Python starts: a missing PYTHONPATH entry is cached as absent, and
    # the tests would then silently import the unmutated package through the editable install
    (here / "mutants").mkdir()
    (here / "mutants" / f"{WARM_PLUGIN}.py").write_text(WARM_SOURCE, encoding="utf-8")


def _selection(key: str) -> list[str]:
    """The module's pytest selection, without test files that do not exist (yet) in this checkout."""
    return [t for t in MODULES[key][1] if not t.startswith("tests/") or (ROOT / t).exists()]


def _selection_line(key: str) -> str:
    return f"pytest_add_cli_args_test_selection = {_toml_list(_selection(key))}"


def _judged(mutmut: Path, here: Path, env: dict[str, str]) -> list[str]:
    """Every mutant the earlier run gave a verdict (killed ones too)."""
    listing = subprocess.run([str(mutmut), "results", "--all", "true"], cwd=here, env=env, capture_output=True, text=True,
                             check=False)
    return [line.strip().split(":")[0] for line in listing.stdout.splitlines()
            if line.strip() and not line.strip().endswith("not checked")]


def _sample(mutmut: Path, here: Path, env: dict[str, str], size: int, out: IO[str], niceness: list[str],
            offset: float = 0.0) -> list[str]:
    """Every k-th of the module's mutants, in file order (so each function is sampled in proportion to its mutants).

    ``offset`` (a fraction of k) shifts the picks: 0.5 takes the mutants midway between offset 0's, a sample
    disjoint from it (when k ≥ 2), to check tests written from offset 0's survivors on mutants they never saw.

    mutmut generates the mutants and maps tests to functions on any run; a run asked for a mutant that does not
    exist stops right after that, leaving every mutant "not checked" for ``mutmut results`` to list.
    """
    subprocess.run([*niceness, str(mutmut), "run", "--max-children", "1", "no-such-mutant"], cwd=here, env=env,
                   stdout=out, stderr=subprocess.STDOUT, check=False)
    every = _survivors(mutmut, here, env, "not checked")
    if size >= len(every):
        return every
    step = len(every) / size
    return [every[int((i + offset) * step)] for i in range(size)]


def _refresh(key: str, here: Path) -> None:
    """Today's tests and code in a kept scratch copy, except the mutated files, which stay as they were measured
    (a changed function would get new mutants, renumbered, and lose the verdicts of the run being completed)."""
    pattern, _ = MODULES[key]
    patterns = [pattern] if isinstance(pattern, str) else pattern
    measured = {p: p.read_bytes() for glob in patterns for p in here.glob(glob)}
    for name in COPY:
        src = ROOT / name
        if name == "pyproject.toml":
            continue  # holds this module's [tool.mutmut]: only its test selection is today's (below)
        if src.is_dir():
            shutil.rmtree(here / name, ignore_errors=True)
            shutil.copytree(src, here / name, ignore=shutil.ignore_patterns("__pycache__", "output", "mutants"))
        elif src.exists():
            shutil.copy2(src, here / name)
    for path, data in measured.items():
        path.write_bytes(data)
    # a test file added to MODULES since the run must be selected too, or mutmut never lists (nor runs) its tests
    pyproject = here / "pyproject.toml"
    pyproject.write_text(re.sub(r"(?m)^pytest_add_cli_args_test_selection = .*$",
                                lambda _: _selection_line(key),
                                pyproject.read_text(encoding="utf-8")), encoding="utf-8")
    # mutmut copies a source file into mutants/ only when it is not there yet: stale unmutated copies must go
    for path in (here / "mutants" / "drafting").rglob("*"):
        rel = path.relative_to(here / "mutants").as_posix()
        if path.is_file() and not rel.endswith(".meta") and not any(fnmatch.fnmatch(rel, g) for g in patterns):
            path.unlink()


def run_module(key: str, work: Path, survivors: bool, retest: bool = False, sample: int = 0,
               offset: float = 0.0) -> dict[str, object]:
    """Copy the repo into work/key, point [tool.mutmut] at one module, run mutmut, read its counts.

    With ``retest``, the scratch copy of an earlier run is kept: its tests and code are replaced by today's (the
    mutated files excepted) and only the mutants that survived, timed out or had no test are run again (every mutant
    of the earlier sample when a test file was added to MODULES since: mutmut drops all verdicts when its test
    selection changes). mutmut finds the new tests and maps them to the functions they reach; every other verdict
    stands, as it would in a full run (adding tests cannot revive a killed mutant).
    """
    pattern, _ = MODULES[key]
    label = " ".join([pattern] if isinstance(pattern, str) else pattern)
    here = work / key
    env = {**os.environ, "PYTHONPATH": str(here / "mutants"), "ANONYMIZED_TELEMETRY": "False"}
    mutmut = Path(sys.executable).with_name("mutmut")
    names: list[str] = []
    if retest and (here / "mutants").is_dir():
        if _selection_line(key) not in (here / "pyproject.toml").read_text(encoding="utf-8"):
            # a test file was added to MODULES: mutmut resets every verdict when the test selection changes, so the
            # whole earlier sample is judged again (with the new tests), not only its survivors
            names = _judged(mutmut, here, env)
        else:
            # "no tests" too: a new test may reach a function no selected test reached before
            names = [n for status in ("survived", "timeout", "no tests") for n in _survivors(mutmut, here, env, status)]
        _refresh(key, here)
        if not names:
            retest = False
    else:
        _prepare(key, here)
    log = work / f"{key}.log"
    with log.open("a" if retest else "w", encoding="utf-8") as out:
        # nice 10 when started at 0 (make mutation), as the other work on a shared machine; not lower: at nice 19
        # under load 18 the tests ran 20x slower than mutmut's clean run and every mutant timed out
        niceness = ["nice", "-n", "10"] if os.nice(0) == 0 else []
        if sample and not retest:
            names = _sample(mutmut, here, env, sample, out, niceness, offset)
        if not retest or names:
            subprocess.run([*niceness, str(mutmut), "run", "--max-children", "1", *names],
                           cwd=here, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
        subprocess.run([str(mutmut), "export-cicd-stats"], cwd=here, env=env, stdout=out,
                       stderr=subprocess.STDOUT, check=False)
    stats_file = here / "mutants" / "mutmut-cicd-stats.json"
    if not stats_file.exists():
        return {"module": label, "error": f"mutmut did not finish: see {log}"}
    stats = json.loads(stats_file.read_text(encoding="utf-8"))
    killed = stats.get("killed", 0)
    survived = stats.get("survived", 0)
    judged = killed + survived + stats.get("timeout", 0) + stats.get("suspicious", 0)
    row: dict[str, object] = {"module": label, **stats, "judged": judged,
                              "score": round(100 * (killed + stats.get("timeout", 0)) / judged, 1) if judged else None,
                              # a timeout on a loaded machine is not always a kill: the score without them, too
                              "score_without_timeouts": round(100 * killed / (killed + survived), 1)
                              if killed + survived else None}
    if survivors:
        row["survivors"] = _survivors(mutmut, here, env)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)} (default: all)")
    parser.add_argument("--survivors", action="store_true", help="list the surviving mutants of each module")
    # on a loaded shared machine a full run of a module takes an hour; a systematic sample estimates the score
    parser.add_argument("--sample", type=int, default=0, metavar="N",
                        help="judge only N mutants of each module, every k-th in file order (0: all)")
    parser.add_argument("--offset", type=float, default=0.0, metavar="F",
                        help="with --sample: start F of a step later (0.5: a sample disjoint from the default one)")
    parser.add_argument("--retest", action="store_true",
                        help="keep the last run's scratch copy, take today's tests, run its survivors, timeouts and untested again")
    # one scratch folder per checkout: two worktrees measuring at once must not share (and wipe) mutants/
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / f"drafting-mutation-{ROOT.name}")
    args = parser.parse_args()
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {unknown}: choose from {list(MODULES)}")
    rows = []
    for key in args.modules or list(MODULES):
        if not 0.0 <= args.offset < 1.0:
            parser.error("--offset is a fraction of the sampling step: 0 ≤ F < 1")
        row = run_module(key, args.work, args.survivors, args.retest, args.sample, args.offset)
        rows.append(row)
        print(f"{row['module']:28} killed {row.get('killed', '?'):>4}  survived {row.get('survived', '?'):>4}  "
              f"timeout {row.get('timeout', '?'):>4}  no tests {row.get('no_tests', '?'):>4}  "
              f"judged {row.get('judged', '?')}/{row.get('total', '?')}  score {row.get('score', '?')}% "
              f"({row.get('score_without_timeouts', '?')}% without timeouts)", flush=True)
    (args.work / "mutation-report.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

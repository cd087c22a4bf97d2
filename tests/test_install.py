"""The install a new user makes: `pip install .` (not editable) with the pip Python ships, run from another folder.

The package must carry its prompts and seed issue, keep the firm's data out of site-packages, and declare every
package it imports (trafilatura's `lxml[html_clean]` extra is not resolved by old pip: `lxml_html_clean` is ours).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
import urllib.request
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from drafting.settings import ROOT
from tests.page_server import PageServer
from tests.processes import free_port, stop, wait_until_answers

RAW = ("2023年9月18日，河南省人民政府办公厅印发《河南省元宇宙产业发展行动计划（2023—2025年）》，提出到2025年"
       "元宇宙核心产业规模超过300亿元，培育10家以上具有国际竞争力的骨干企业。")


def _declared() -> set[str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = [*meta["dependencies"], *meta["optional-dependencies"]["st"]]  # the optional backend says how to install it
    return {n.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip().lower().replace("_", "-") for n in names}


def _imported_top_level() -> set[str]:
    mods: set[str] = set()
    for path in (ROOT / "drafting").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                mods.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                mods.add(node.module.split(".")[0])
    return mods - set(sys.stdlib_module_names) - {"drafting"}


def test_every_imported_package_is_declared() -> None:
    """A module the code imports that only arrives through another package's extra breaks on old pip."""
    dists = packages_distributions()
    declared = _declared()
    missing = {m: dists.get(m) for m in _imported_top_level()
               if not {d.lower().replace("_", "-") for d in dists.get(m, [m])} & declared}
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"
    # trafilatura's HTML cleaning needs it and old pip leaves it out: declared by us (issue #27).
    assert "lxml-html-clean" in declared


def test_every_package_folder_is_in_the_wheel() -> None:
    """The package list in pyproject is by hand (for the shipped defaults): a new package folder must be added."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "drafting").rglob("__init__.py")}
    assert folders - listed == set(), f"package folders missing from [tool.setuptools] packages: {folders - listed}"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_pip_install_then_serve_and_draft_from_another_folder(tmp_path: Path) -> None:
    """Fresh venv with Python's own pip, `pip install .`, `drafting serve` elsewhere, a draft through the API."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip_version = subprocess.run([venv / "bin" / "python", "-m", "pip", "--version"], capture_output=True,
                                 text=True, check=True).stdout
    built = subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "-q", str(ROOT)],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, f"{pip_version}\n{built.stdout[-2000:]}\n{built.stderr[-4000:]}"

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    xdg = tmp_path / "xdg"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAFTING_")}
    env |= {"XDG_DATA_HOME": str(xdg), "HOME": str(tmp_path / "home"), "PYTHONPATH": ""}
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([venv / "bin" / "drafting", "serve", "--port", str(port)], cwd=elsewhere, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        wait_until_answers(f"{base}/health", proc, timeout=300, log=log)
        req = urllib.request.Request(f"{base}/draft", method="POST", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"text": RAW, "section": "政策速递", "offline": True}).encode())
        with urllib.request.urlopen(req, timeout=120) as resp:
            draft = json.loads(resp.read())
        with urllib.request.urlopen(f"{base}/health", timeout=10) as resp:
            health = json.loads(resp.read())
    finally:
        stop(proc)
    assert len(draft["commentary"]) >= 60
    assert draft["precedents"], "the seed issue shipped in the package should give precedents"
    assert health["indexed"] >= 10
    home = xdg / "drafting"
    assert (home / "corpus" / "issues").is_dir() and (home / "data").is_dir()
    site = next((venv / "lib").glob("python*/site-packages"))
    assert not (site / "data").exists() and not (site / "corpus").exists() and not (site.parent / "data").exists()
    assert not (elsewhere / "data").exists()
    # The shipped prompts stay read-only defaults: nothing of the firm's is written beside them.
    assert sorted(p.name for p in (site / "drafting" / "defaults" / "prompts").iterdir()) == sorted(
        p.name for p in (ROOT / "prompts").iterdir())

    # The same venv, editable now (as `make` installs it), with the old pip: a link is read (trafilatura, cleaning).
    editable = subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", "-e", str(ROOT)],
                              capture_output=True, text=True, check=False)
    assert editable.returncode == 0, editable.stderr[-4000:]
    with PageServer() as pages:
        fetched = subprocess.run([venv / "bin" / "drafting", "fetch", pages.url("/utf8.html"), "--json"], cwd=elsewhere,
                                 env=env, capture_output=True, text=True, timeout=300, check=False)
    assert fetched.returncode == 0, fetched.stderr[-4000:]
    assert "元宇宙" in json.loads(fetched.stdout)["title"]

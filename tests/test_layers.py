"""The package's shape (#27): stages import only from the stages below them, and no import cycle, not even through
an import inside a function (those count: a cycle dodged at call time is still a cycle). Imports under
``if TYPE_CHECKING:`` are left out: they never run."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "drafting"

# Lowest first. A module may import from its own layer and the layers before it, never from a later one.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "errors_zh", "settings", "fileio", "locking", "sqlitefile", "names", "redact", "textlimits", "fence", "office",
     "textdiff", "merge", "queueing"),
    ("sources",),
    ("models",),
    ("store",),
    ("corpus",),
    ("learning",),
    ("index",),
    ("writing",),
    ("export",),
    ("issues",),
    ("watch",),
    ("services", "autosave", "jsonshape", "maintenance", "warmup", "evaluation"),
    ("api", "cli", "ui", "__main__"),
]


def _layer(module: str) -> int:
    head = module.split(".")[1] if "." in module else ""
    for rank, names in enumerate(LAYERS):
        if head in names:
            return rank
    raise AssertionError(f"{module} is in no layer of tests/test_layers.py: place it where it belongs")


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, known: set[str]) -> set[str]:
    """Every drafting module this tree imports, anywhere but under ``if TYPE_CHECKING:``."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "drafting")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.split(".")[0] == "drafting":
            for alias in node.names:  # `from drafting.x import y`: y may be a module itself
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {m for m in found if m in known}


def _graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    known = {_module_name(p) for p in paths}
    return {_module_name(p): _imports(ast.parse(p.read_text(encoding="utf-8")), known) - {_module_name(p)} for p in paths}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    sys.setrecursionlimit(10_000)

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            strong(v)
    return out


def test_the_walk_sees_imports_inside_functions_and_skips_type_checking() -> None:
    known = {"drafting.a", "drafting.b", "drafting.c", "drafting.d"}
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from drafting.b import X\n"
                     "def f():\n    from drafting import c\n    import drafting.d\n")
    assert _imports(tree, known) == {"drafting.c", "drafting.d"}
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle() -> None:
    assert _cycles(_graph()) == []


def test_each_stage_imports_only_from_the_stages_below() -> None:
    upward = [f"{m} (layer {_layer(m)}) imports {d} (layer {_layer(d)})"
              for m, deps in _graph().items() if m != "drafting" for d in sorted(deps)
              if d != "drafting" and _layer(d) > _layer(m)]
    assert upward == []


@pytest.mark.parametrize("package", ["drafting.writing.service", "drafting.index.search", "drafting.issues.batch",
                                     "drafting.export.docx", "drafting.watch"])
def test_core_never_imports_the_ui(package: str) -> None:
    code = f"import sys, {package}; print(sorted(m for m in sys.modules if m == 'gradio' or m.startswith('drafting.ui')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_long_modules_say_why() -> None:
    """A module past ~450 lines is split along a seam, or says at its top why it is not."""
    long = [str(p.relative_to(PACKAGE.parent)) for p in PACKAGE.rglob("*.py")
            if len(p.read_text(encoding="utf-8").splitlines()) > 450
            and "Why this module is long" not in "\n".join(p.read_text(encoding="utf-8").splitlines()[:20])]
    assert long == []

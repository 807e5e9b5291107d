"""Who may import whom: the kernel imports no library, and the libraries not each other."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

LAYERS = ("wfmcore", "forecasting", "scheduling", "web")


def loaded_packages(module: str) -> set[str]:
    """The top-level project packages in ``sys.modules`` after importing *module* afresh."""
    code = (
        f"import json, sys, {module}; "
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(LAYERS)!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(out.stdout))


@pytest.mark.parametrize(
    ("module", "allowed"),
    [
        ("wfmcore", {"wfmcore"}),
        ("forecasting", {"wfmcore", "forecasting"}),
        ("forecasting.engine", {"wfmcore", "forecasting"}),
        ("forecasting.history", {"wfmcore", "forecasting"}),
        ("scheduling", {"wfmcore", "scheduling"}),
        ("scheduling.staffing", {"wfmcore", "scheduling"}),
    ],
)
def test_import_layers(module: str, allowed: set[str]) -> None:
    assert loaded_packages(module) <= allowed


def imported_modules(folder: str) -> dict[str, set[str]]:
    """Every module each ``.py`` file under *folder* imports, read from the source (any depth)."""
    out = {}
    for path in sorted((REPO_ROOT / folder).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
        out[str(path.relative_to(REPO_ROOT))] = names
    return out


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("wfmcore", ("forecasting", "scheduling", "web")),
        ("forecasting", ("scheduling", "web")),
        ("scheduling", ("forecasting", "web")),
        ("scheduling/staffing", ("scheduling.roster",)),
    ],
)
def test_no_import_statement_crosses_a_layer(folder: str, forbidden: tuple[str, ...]) -> None:
    crossing = {
        file: sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden))
        for file, modules in imported_modules(folder).items()
    }
    assert {f: m for f, m in crossing.items() if m} == {}

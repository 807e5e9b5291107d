"""The packages' public faces.

Each ``__all__`` is sorted and importable, and ``web/`` (the shell) reaches the libraries only
through their public modules, never a ``_``-prefixed one.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TOP_PACKAGES = ("wfmcore", "forecasting", "scheduling", "web")
LIBRARIES = ("wfmcore", "forecasting", "scheduling")

#: Packages that must declare their public names.
FACES = (
    "wfmcore",
    "forecasting",
    "forecasting.models",
    "scheduling",
    "scheduling.staffing",
    "scheduling.roster",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources(top: str) -> Iterator[Path]:
    yield from sorted((REPO_ROOT / top).rglob("*.py"))


def _declares_all(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.Assign | ast.AnnAssign)
        and any(
            isinstance(t, ast.Name) and t.id == "__all__"
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
        for node in tree.body
    )


#: Every package that declares ``__all__`` (found without importing anything), and the faces.
PACKAGES_WITH_ALL = sorted(
    {
        _module_name(p)
        for top in TOP_PACKAGES
        for p in _sources(top)
        if p.name == "__init__.py" and _declares_all(p)
    }
    | set(FACES)
)


def _isort_key(name: str) -> tuple[int, str]:
    """Sort key of Ruff's RUF022 order: CONSTANTS, Classes, functions, each alphabetically."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


@pytest.mark.parametrize("module_name", PACKAGES_WITH_ALL)
def test_all_is_sorted_unique_and_imports(module_name: str) -> None:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    assert names is not None, f"{module_name} declares no __all__"
    assert all(isinstance(n, str) for n in names)
    assert len(set(names)) == len(names), f"{module_name}.__all__ repeats a name"
    assert list(names) == sorted(names, key=_isort_key), f"{module_name}.__all__ is not sorted"
    missing = [n for n in names if not hasattr(module, n)]
    assert not missing, f"{module_name}.__all__ names what it does not define: {missing}"
    namespace: dict[str, object] = {}
    exec(f"from {module_name} import *", namespace)  # what a star import gives
    assert set(namespace) - {"__builtins__"} == set(names)


def test_the_libraries_export_what_the_shell_runs() -> None:
    import forecasting
    import scheduling.roster
    from forecasting.engine import ForecastConfig, ForecastResult, run_forecast
    from scheduling.roster._lp_bound import lp_under_staffing_bound

    assert forecasting.run_forecast is run_forecast
    assert forecasting.ForecastConfig is ForecastConfig
    assert forecasting.ForecastResult is ForecastResult
    assert scheduling.roster.lp_under_staffing_bound is lp_under_staffing_bound


# --- web/ imports only public modules of the libraries ------------------------------------------


def _private(dotted: str) -> bool:
    """Whether *dotted* is a library path with a ``_``-prefixed component.

    Dunder names such as ``__init__`` are not private.
    """
    parts = dotted.split(".")
    if parts[0] not in LIBRARIES:
        return False
    return any(p.startswith("_") and not (p.startswith("__") and p.endswith("__")) for p in parts)


def private_imports(source: str) -> list[str]:
    """Every import in ``source`` that reaches a private module or name of a library.

    Covers ``import a.b``, ``from a.b import c`` (``c`` may itself be a module) and
    ``importlib.import_module("a.b")`` / ``__import__("a.b")`` with a literal name. Relative
    imports stay inside ``web`` and are allowed.
    """
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [node.module]
            if not _private(node.module):
                targets += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in {"import_module", "__import__"} and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    targets = [first.value]
        found.extend(t for t in targets if _private(t))
    return sorted(set(found))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from scheduling.roster._lp_bound import lp_under_staffing_bound", 1),
        ("import forecasting._validation", 1),
        ("from scheduling import _csv", 1),
        ("from forecasting.engine import _ratio", 1),
        ("import importlib\nimportlib.import_module('wfmcore._x')", 1),
        ("from scheduling.roster import lp_under_staffing_bound", 0),
        ("from web.cli._options import quiet_option", 0),
        ("from web._io import write_csv", 0),
        ("from . import _options", 0),
        ("from __future__ import annotations", 0),
        ("import forecasting.__init__", 0),
        ("from tqdm import _utils", 0),
    ],
)
def test_the_private_import_finder(source: str, expected: int) -> None:
    assert len(private_imports(source)) == expected


@pytest.mark.parametrize(
    "path", [p.relative_to(REPO_ROOT).as_posix() for p in _sources("web")], ids=str
)
def test_web_reaches_no_private_library_module(path: str) -> None:
    source = (REPO_ROOT / path).read_text(encoding="utf-8")
    assert private_imports(source) == [], f"{path} imports private library code"

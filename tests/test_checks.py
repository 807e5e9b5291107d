"""The static checks stay on: ruff (with the numpydoc ``D`` rules) and ``mypy --strict``.

CI runs the tests only, so the checks run here, as subprocesses, whenever the tools are
installed (the ``dev`` extra); without them those tests are skipped. The configuration itself
is checked without the tools, so switching a check off, or widening an exception, fails a test.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("forecasting", "scheduling", "web", "wfmcore")


def _config() -> dict[str, Any]:
    with (REPO_ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["tool"]


def _tool(name: str) -> None:
    if importlib.util.find_spec(name) is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def test_ruff_selects_the_numpydoc_rules_everywhere() -> None:
    lint = _config()["ruff"]["lint"]
    assert "D" in lint["select"]
    assert lint["ignore"] == ["D401"]
    assert lint["pydocstyle"]["convention"] == "numpy"
    for pattern, codes in lint["per-file-ignores"].items():
        if pattern == "tests/**":
            assert codes == ["D1"]  # docstring presence only; their layout is still checked
        elif pattern == "web/cli/*.py":
            assert codes == ["D301"]  # click's backspace marker in the help texts
        else:
            raise AssertionError(f"{pattern}: no exception expected")


def test_mypy_is_strict_on_the_packages() -> None:
    mypy = _config()["mypy"]
    assert mypy["strict"] is True
    assert sorted(mypy["packages"]) == sorted(PACKAGES)
    assert "ignore_missing_imports" not in mypy  # only per third-party module
    for override in mypy.get("overrides", []):
        ours = [m for m in override["module"] if m.split(".")[0] in PACKAGES]
        assert not ours, f"{ours}: no exception expected"


def test_ruff_asks_for_numpydoc_docstrings_in_the_packages() -> None:
    _tool("ruff")
    source = (
        'def speed(x):\n    """Speed of x\n    in m/s."""\n    return x\n\n\n'
        "def pace(x):\n    return x\n"
    )
    result = _run(
        "ruff", "check", "--no-cache", "--output-format", "concise",
        "--stdin-filename", "forecasting/probe.py", "-",
        stdin=source,
    )  # fmt: skip
    assert result.returncode == 1
    for code in ("D100", "D103", "D205", "D209"):
        assert code in result.stdout, result.stdout


def test_ruff_check_passes() -> None:
    _tool("ruff")
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_check_passes() -> None:
    _tool("ruff")
    result = _run("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes() -> None:
    _tool("mypy")
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr

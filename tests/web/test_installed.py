"""The installed ``wfm`` console script, run as a separate process.

* A fast smoke test runs the ``wfm`` script of the active environment (``pip install -e .``
  in development and CI): ``--help``, ``--version`` and one real verb on a tiny file.
* A ``slow`` test builds the wheel, installs it into a fresh virtual environment and runs
  ``wfm demo --no-serve --time-limit 5`` from an empty folder: the demo center must come from
  inside the wheel, and nothing may be drawn into site-packages. ``.ci/run`` runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = "Scripts" if os.name == "nt" else "bin"


def _clean_env(bin_dir: Path) -> dict[str, str]:
    """The environment without anything that could import the source tree instead."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV"}
    }
    env["PATH"] = str(bin_dir) + os.pathsep + env.get("PATH", "")
    return env


def _run(
    args: Sequence[str | Path], *, cwd: Path, env: dict[str, str], timeout_s: float
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout_s,
        check=False,
    )


def _installed_wfm() -> Path:
    """The ``wfm`` script next to the running interpreter (the active environment's)."""
    bin_dir = Path(sys.executable).parent
    found = shutil.which("wfm", path=str(bin_dir))
    if found is None:
        pytest.fail(f"no wfm script in {bin_dir}: install the project (pip install -e .)")
    return Path(found)


# --- fast: the active environment's package and script -----------------------------------------


def test_demo_center_files_are_package_resources() -> None:
    from scheduling import load_targets
    from web.demo import demo_center, demo_center_files
    from web.pipeline import DEMO_DIR

    assert DEMO_DIR == demo_center()
    assert (demo_center() / "targets.toml").read_text(encoding="utf-8").startswith("#")
    with demo_center_files() as files:
        paths = (files.targets_toml, files.rules_toml, files.agents_csv, files.events_csv)
        assert all(p.is_file() for p in paths)
        targets = load_targets(files.targets_toml)
        assert {c.name for c in targets.channels} == {"voice", "chat", "whatsapp", "email"}
    # the entity file is package data too (the demo's generator reads it from there)
    assert "[entities.residency]" in (demo_center() / "entities.toml").read_text(encoding="utf-8")


TINY_FORECAST = """channel,queue,interval_start,volume,aht_s
voice,all,2026-11-30T09:00:00+04:00,100,180
voice,all,2026-11-30T09:30:00+04:00,0,
"""

TINY_TARGETS = """[channels.voice]
model = "erlang_c"
service_level = 0.80
answer_within_s = 20
shrinkage = 0.0
"""


def test_installed_script_help_version_and_a_verb(tmp_path: Path) -> None:
    wfm = _installed_wfm()
    env = _clean_env(wfm.parent)

    helped = _run([wfm, "--help"], cwd=tmp_path, env=env, timeout_s=300)
    assert helped.returncode == 0, helped.stderr
    for verb in ("demo", "forecast", "staff", "roster", "evaluate"):
        assert verb in helped.stdout

    versioned = _run([wfm, "--version"], cwd=tmp_path, env=env, timeout_s=300)
    assert versioned.returncode == 0, versioned.stderr
    assert versioned.stdout.strip() == f"wfm, version {version('contact-wfm')}"

    (tmp_path / "forecast.csv").write_text(TINY_FORECAST, encoding="utf-8")
    (tmp_path / "targets.toml").write_text(TINY_TARGETS, encoding="utf-8")
    staffed = _run(
        [wfm, "staff", "forecast.csv", "--targets", "targets.toml", "-o", "req.csv", "--quiet"],
        cwd=tmp_path,
        env=env,
        timeout_s=300,
    )
    assert staffed.returncode == 0, staffed.stderr
    req = pd.read_csv(tmp_path / "req.csv")
    # 100 calls of 180 s in 30 min = 10 erlangs; Erlang C at 80/20 needs 14 agents
    # (13 give 79.6 %, 14 give 88.8 %: the textbook example)
    assert req["agents"].tolist() == [14, 0]
    assert req["service_level"].iloc[0] == pytest.approx(0.8884, abs=5e-4)


# --- slow: the wheel in a fresh environment -----------------------------------------------------

PACKAGES = ("forecasting", "scheduling", "web", "wfmcore")
DEMO_FILES = (
    "targets.toml",
    "rules.toml",
    "agents.csv",
    "events.csv",
    "entities.toml",
    "README.md",
)


def _copy_source(dest: Path) -> Path:
    """Copy what the wheel is built from, never build/, .venv*/ or data/generated/.

    A build in the working tree would also leave build/ behind, and stale files in it reach the
    wheel.
    """
    dest.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "generated", "*.egg-info")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO_ROOT / name, dest / name)
    for name in ("data", *PACKAGES):
        # symlinks=True keeps web/demo/center -> ../../data, as in the repository
        shutil.copytree(REPO_ROOT / name, dest / name, symlinks=True, ignore=ignore)
    return dest


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_runs_the_demo(tmp_path: Path) -> None:
    src = _copy_source(tmp_path / "src")
    dist = tmp_path / "dist"
    base_env = _clean_env(Path(sys.executable).parent)
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", src, "-w", dist],
        cwd=tmp_path,
        env=base_env,
        timeout_s=900,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = dist.glob("contact_wfm-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name in DEMO_FILES:
        assert f"web/demo/center/{name}" in names
    assert not [n for n in names if "generated" in n or n.startswith("data/")]

    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", venv], cwd=tmp_path, env=base_env, timeout_s=300)
    assert made.returncode == 0, made.stderr
    bin_dir = venv / SCRIPTS
    env = _clean_env(bin_dir)
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    installed = _run(
        [python, "-m", "pip", "install", "--quiet", wheel], cwd=tmp_path, env=env, timeout_s=1800
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    run_dir = tmp_path / "empty"
    run_dir.mkdir()
    where = _run(
        [python, "-c", "import web.demo; print(web.demo.demo_center())"],
        cwd=run_dir,
        env=env,
        timeout_s=300,
    )
    assert where.returncode == 0, where.stderr
    center = Path(where.stdout.strip())
    assert venv.resolve() in center.resolve().parents  # the wheel's copy, not the repository's

    demo = _run(
        [bin_dir / "wfm", "demo", "--no-serve", "--time-limit", "5"],
        cwd=run_dir,
        env=env,
        timeout_s=1800,
    )
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "Traceback" not in demo.stderr
    for needle in ("== Forecast accuracy", "== Roster ==", "rule check: 0 violation"):
        assert needle in demo.stdout
    out = run_dir / "out" / "demo"
    for name in ("history.csv", "forecast.csv", "requirements.csv", "roster.csv", "summary.txt"):
        assert (out / name).is_file(), name
    assert sorted(p.name for p in center.iterdir()) == sorted(DEMO_FILES)  # nothing drawn there

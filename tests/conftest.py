"""Fixtures shared by every test package."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _shared_data_dir() -> Path:
    env = os.environ.get("WFM_SHARED_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top folder."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: the real bank data sets (read-only).

    Set ``WFM_SHARED_DATA`` to point elsewhere. Missing data fails under CI and skips locally.
    """
    path = _shared_data_dir()
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"shared data folder not found at {path} (set WFM_SHARED_DATA)")
        pytest.skip(f"shared data folder not found at {path}")
    return path


# --- demo center (appended by the calendar/demo-data owner) -----------------------------------


@pytest.fixture(scope="session")
def demo_data_dir() -> Path:
    """The repository's ``data/`` folder (demo agents, events, targets; ``generated/``)."""
    return REPO_ROOT / "data"


@pytest.fixture(scope="session")
def demo_history_csv(demo_data_dir: Path) -> Path:
    """Path of the full demo history CSV, generated once into ``data/generated/history.csv``.

    Regenerated when missing or stale (see ``web.demo.synthetic.ensure_demo_history``).
    Generation writes a temporary file and ``os.replace``s it into place, so concurrent test
    sessions never see a half-written file (at worst two sessions both generate it).
    """
    from web.demo.synthetic import ensure_demo_history

    return ensure_demo_history(demo_data_dir / "generated" / "history.csv")

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
    """Path of the small demo center's history CSV, generated once into ``data/generated/``.

    The small center (``web.demo.synthetic.SMALL_SPEC``: three channels, five pooled series,
    2021-2026) keeps the tests that need a realistic multi-year history fast; the 50-entity
    demo center is tested on short slices (tests/web/test_demo_entities.py). Regenerated when
    missing or stale (see ``web.demo.synthetic.ensure_demo_history``). Generation writes a
    temporary file and ``os.replace``s it into place, so concurrent test sessions never see a
    half-written file (at worst two sessions both generate it).
    """
    from web.demo.synthetic import SMALL_SPEC, ensure_demo_history

    return ensure_demo_history(demo_data_dir / "generated" / "history-small.csv", spec=SMALL_SPEC)


# --- every roster the tests produce keeps its lunch and break windows ---------------------

#: Rules about a shift's own rows: its type, its lunch and breaks (count, length, window,
#: gap) and its structure. Rules across days (rest, hours) need the previous roster, which
#: the tests that use one check themselves.
SHIFT_RULES = frozenset({"structure", "shift_type", "breaks", "skills"})


@pytest.fixture(autouse=True)
def _check_every_solved_roster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the independent rule checker on every roster the solver returns in any test."""
    import sys

    import scheduling.roster.solve  # noqa: F401 - the module, not the function of that name
    from scheduling.roster.check import check_roster
    from scheduling.roster.io import roster_frame

    module = sys.modules["scheduling.roster.solve"]
    original = module._solution_from

    def checked(problem, assignments, **fields):  # type: ignore[no-untyped-def]
        solution = original(problem, assignments, **fields)
        frame = roster_frame(list(solution.shifts))
        broken = [
            v
            for v in check_roster(frame, problem.agents, problem.rules, problem.dates)
            if v.rule in SHIFT_RULES
        ]
        assert not broken, f"the solver returned a roster breaking {broken[:3]}"
        return solution

    monkeypatch.setattr(module, "_solution_from", checked)

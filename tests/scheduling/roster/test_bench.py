"""Slow: the benchmark's 60-agent week, solved, checked, and no worse than the greedy start."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from scheduling.roster._lp_bound import lp_under_staffing_bound
from scheduling.roster.check import check_roster
from scheduling.roster.io import coverage_table, roster_frame
from scheduling.roster.problem import build_problem
from scheduling.roster.solve import SolverOptions, solve
from scheduling.roster.summary import coverage_figures


@pytest.mark.slow
def test_bench_60_agents(repo_root: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "roster_bench", repo_root / "bench" / "roster_bench.py"
    )
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    req, agents, rules = bench.make_instance(60, seed=0)
    problem = build_problem(req, agents, rules, tz=bench.TZ)
    sol = solve(problem, SolverOptions(time_limit_s=30))
    frame = roster_frame(list(sol.shifts))
    assert check_roster(frame, agents, rules, problem.dates) == []
    assert sol.objective is not None and sol.greedy_objective is not None
    assert sol.objective <= sol.greedy_objective + 1e-6
    assert sol.best_bound is not None and sol.best_bound <= sol.objective
    under = sum(v.under_h for v in coverage_figures(coverage_table(problem, frame), 30).values())
    lp = lp_under_staffing_bound(problem)
    assert lp is not None and lp <= under + 1e-6


@pytest.mark.slow
@pytest.mark.parametrize("family", ["fixed_lunch", "lunch_window"])
def test_bench_lunch_families_60_agents(repo_root: Path, family: str) -> None:
    spec = importlib.util.spec_from_file_location(
        "roster_bench", repo_root / "bench" / "roster_bench.py"
    )
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    r = bench.run_lunch(family, 60, 20.0, 0)
    assert r["violations"] == 0
    # the bound never exceeds what the roster achieves on the phones, and the search beats
    # the greedy baseline
    assert r["lp_h"] <= r["deviation_h"] + 1e-6
    assert r["deviation_h"] <= r["greedy_h"]

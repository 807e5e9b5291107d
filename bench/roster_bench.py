"""Roster benchmark: seeded synthetic weeks, CP-SAT against a greedy baseline and bounds.

Usage::

    python bench/roster_bench.py                 # 60 agents (30 s) and 600 agents (300 s)
    python bench/roster_bench.py --agents 60 --time-limit 30 --seed 1

For each instance it prints: time to the first roster, the final objective and the proven
bound (gap), under-staffing in agent-hours against its LP lower bound (the aggregated
relaxation of :mod:`scheduling.roster._lp_bound`: day patterns, rest cuts, whole agents per
interval; HiGHS), the greedy baseline's objective and under-staffing, and the independent rule
check.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scheduling.roster._greedy import greedy_roster  # noqa: E402
from scheduling.roster._lp_bound import lp_under_staffing_bound  # noqa: E402
from scheduling.roster.agents import Agent  # noqa: E402
from scheduling.roster.check import check_roster  # noqa: E402
from scheduling.roster.io import coverage_table, roster_frame  # noqa: E402
from scheduling.roster.problem import RosterProblem, build_problem  # noqa: E402
from scheduling.roster.rules import RosterRules, load_rules  # noqa: E402
from scheduling.roster.solve import (  # noqa: E402
    Progress,
    SolverOptions,
    shifts_from_assignments,
    solve,
)
from scheduling.roster.summary import ChannelCoverage, coverage_figures  # noqa: E402
from wfmcore.defaults import DEFAULT_TZ  # noqa: E402

TZ = DEFAULT_TZ
FIRST_DAY = dt.date(2026, 11, 30)  # a Monday


def _profile(hours: np.ndarray, weekday: int, channel: str) -> np.ndarray:
    """Demand shape per half-hour: two peaks on weekdays, weaker weekend."""
    peak1 = np.exp(-0.5 * ((hours - 10.5) / 1.8) ** 2)
    peak2 = 0.8 * np.exp(-0.5 * ((hours - 16.0) / 2.0) ** 2)
    base = 0.12 + peak1 + peak2
    if channel == "chat":
        base = np.where((hours >= 7) & (hours < 23), 0.2 + peak1 + 1.1 * peak2, 0.0)
    elif channel == "email":
        base = np.where((hours >= 8) & (hours < 18), 0.6, 0.0)
    factor = 0.55 if weekday >= 5 else (0.85 if weekday == 4 else 1.0)
    return base * factor


def make_instance(
    n_agents: int, seed: int = 0, days: int = 7, load: float = 1.05
) -> tuple[pd.DataFrame, list[Agent], RosterRules]:
    """A seeded week: requirements for voice/chat/email and ``n_agents`` mixed agents.

    ``load`` scales demand against the agents' contracted hours (above 1: a shortage).
    """
    rng = np.random.default_rng(seed)
    rules = load_rules(REPO / "data" / "rules.toml")
    # the generated requirements carry no volume: the fixed convex weights are benchmarked
    rules = replace(rules, weights=replace(rules.weights, under_staffing_from="fixed"))
    agents = []
    for i in range(n_agents):
        u = rng.random()
        skills = (
            ("voice",)
            if u < 0.5
            else ("chat",)
            if u < 0.65
            else ("email",)
            if u < 0.75
            else ("voice", "chat")
            if u < 0.92
            else ("voice", "chat", "email")
        )
        part = rng.random() < 0.2
        unavailable = frozenset(
            {FIRST_DAY + dt.timedelta(days=int(rng.integers(0, days)))}
            if rng.random() < 0.1
            else set()
        )
        agents.append(
            Agent(
                agent_id=f"A{i + 1:04d}",
                name=f"Agent {i + 1}",
                skills=skills,
                min_hours_week=20.0 if part else 32.0 if unavailable else 40.0,
                max_hours_week=25.0 if part else 40.0,
                max_days_week=5,
                unavailable=unavailable,
                preferred_start_min=int(rng.choice([420, 480, 540, 600]))
                if rng.random() < 0.3
                else None,
                preferred_days_off=frozenset({int(rng.integers(0, 7))})
                if rng.random() < 0.3
                else frozenset(),
                earliest_start_min=420 if rng.random() < 0.05 else None,
                group="part_time" if part else "full_time",
            )
        )
    supply = {c: 0.0 for c in ("voice", "chat", "email")}
    for a in agents:
        for c in a.skills:
            supply[c] += a.max_hours_week / len(a.skills) * days / 7
    rows = []
    hours = np.arange(48) / 2
    for d in range(days):
        date = FIRST_DAY + dt.timedelta(days=d)
        for c in supply:
            shape = _profile(hours, date.weekday(), c)
            rows.append((c, date, shape))
    totals = {c: sum(float(s.sum()) / 2 for ch, _, s in rows if ch == c) for c in supply}
    out = []
    for c, date, shape in rows:
        staff = shape * supply[c] * load / totals[c]
        noise = rng.normal(1, 0.05, size=48)
        for k in range(48):
            ts = pd.Timestamp(dt.datetime.combine(date, dt.time()), tz=TZ) + pd.Timedelta(
                minutes=30 * k
            )
            s = max(0.0, round(float(staff[k] * noise[k]), 2))
            out.append(
                {
                    "channel": c,
                    "queue": "all",
                    "interval_start": ts,
                    "staff": s,
                    "agents": round(s * 0.88, 2),
                }
            )
    return pd.DataFrame(out), agents, rules


def _under_h(problem: RosterProblem, shifts: list) -> tuple[float, dict[str, ChannelCoverage]]:
    cov = coverage_table(problem, roster_frame(shifts))
    fig = coverage_figures(cov, problem.interval_min)
    return sum(v.under_h for v in fig.values()), fig


def run(n_agents: int, time_limit_s: float, seed: int) -> dict[str, object]:
    """Solve one instance and return its figures."""
    req, agents, rules = make_instance(n_agents, seed)
    problem = build_problem(req, agents, rules, tz=TZ)
    t0 = time.perf_counter()
    lp = lp_under_staffing_bound(problem)
    t_lp = time.perf_counter() - t0
    greedy = greedy_roster(problem)
    g_shifts = shifts_from_assignments(problem, list(greedy.assignments))
    g_under, _ = _under_h(problem, g_shifts)
    g_viol = check_roster(roster_frame(g_shifts), problem.agents, rules, problem.dates)

    def show(p: Progress) -> None:
        print(
            f"    [{p.wall_time_s:6.1f} s] {p.phase} #{p.solutions} objective "
            f"{p.objective:.1f} bound {p.best_bound:.1f}",
            flush=True,
        )

    sol = solve(problem, SolverOptions(time_limit_s=time_limit_s, seed=seed), progress=show)
    under, fig = _under_h(problem, list(sol.shifts))
    viol = check_roster(roster_frame(list(sol.shifts)), problem.agents, rules, problem.dates)
    req_h = sum(v.required_h for v in fig.values())
    return {
        "mode": "lns" if any("neighbourhood search" in n for n in sol.notes) else "monolithic",
        "greedy_obj": sol.greedy_objective,
        "agents": n_agents,
        "status": sol.status,
        "first_s": sol.time_to_first_s,
        "final_s": sol.time_to_final_s,
        "wall_s": sol.wall_time_s,
        "objective": sol.objective,
        "bound": sol.best_bound,
        "gap": sol.gap,
        "required_h": req_h,
        "under_h": under,
        "lp_under_h": lp,
        "lp_s": t_lp,
        "greedy_under_h": g_under,
        "greedy_s": greedy.wall_time_s,
        "greedy_violations": len(g_viol),
        "violations": len(viol),
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--agents", type=int, nargs="*", default=[60, 600])
    ap.add_argument(
        "--time-limit",
        type=float,
        nargs="*",
        default=None,
        help="seconds per instance (default 30 for <=100 agents, else 300)",
    )
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    limits = args.time_limit or [30.0 if n <= 100 else 300.0 for n in args.agents]
    if len(limits) == 1:
        limits = limits * len(args.agents)
    results = []
    for n, limit in zip(args.agents, limits, strict=True):
        print(f"== {n} agents, time limit {limit:g} s, seed {args.seed}", flush=True)
        results.append(run(n, limit, args.seed))
    print()
    head = (
        f"{'agents':>6} {'mode':>10} {'first s':>8} {'final s':>8} {'wall s':>7} "
        f"{'greedy obj':>10} "
        f"{'objective':>10} {'bound':>10} {'gap':>6} {'req h':>8} {'under h':>8} "
        f"{'LP lb h':>8} {'+LB/req':>8} {'greedy h':>9} {'viol':>5}"
    )
    print(head)
    for r in results:
        lp = r["lp_under_h"]
        excess = (r["under_h"] - lp) / r["required_h"] if lp is not None else math.nan  # type: ignore[operator]
        print(
            f"{r['agents']:>6} {r['mode']:>10} {r['first_s'] or math.nan:>8.1f} "
            f"{r['final_s'] or math.nan:>8.1f} {r['wall_s']:>7.1f} "
            f"{r['greedy_obj'] or math.nan:>10.1f} "
            f"{r['objective']:>10.1f} {r['bound']:>10.1f} {r['gap']:>6.1%} "
            f"{r['required_h']:>8.1f} {r['under_h']:>8.1f} "
            f"{lp if lp is not None else math.nan:>8.1f} {excess:>8.2%} "
            f"{r['greedy_under_h']:>9.1f} {r['violations']:>5}"
        )
    print(
        "\nmode: one CP-SAT model (monolithic) or large-neighbourhood search (lns); bound: the "
        "larger of the CP-SAT bound and the aggregated LP relaxation's;"
        "\ngap = (objective - bound) / objective;"
        "\nLP lb h: least under-staffing of that relaxation; +LB/req = (under h - LP lb h) / "
        "req h; greedy: the sequential baseline; viol: independent rule-check violations"
    )


if __name__ == "__main__":
    main()

"""Rosters counted on the phones: lunch and breaks are off them.

So they are in the model, the bound, the objective evaluator, the coverage table and the summary
alike. Every check here measures the roster from its rows (code independent of the model's cover
tables).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.roster._greedy import greedy_roster
from scheduling.roster._lp_bound import lp_objective_bound, lp_under_staffing_bound
from scheduling.roster.agents import Agent
from scheduling.roster.breaks import rest_combinations
from scheduling.roster.check import check_roster
from scheduling.roster.io import coverage_table, roster_frame
from scheduling.roster.objective import objective_terms
from scheduling.roster.problem import Assignment, RosterProblem, build_problem
from scheduling.roster.rules import RosterRules, rules_from_dict
from scheduling.roster.solve import SolverOptions, shifts_from_assignments, solve
from scheduling.roster.summary import coverage_figures

TZ = "Asia/Dubai"
DAY0 = dt.date(2026, 11, 30)  # Monday
LINEAR = {  # the objective is |under| + |over| in agent-hours
    "under_staffing": [1.0],
    "over_staffing": 1.0,
    **dict.fromkeys(
        (
            "paid_hour",
            "preferred_start_per_h",
            "preferred_day_off",
            "full_weekend",
            "late_shift_spread",
            "start_band",
            "change",
        ),
        0,
    ),
}


def rules(shifts: list[dict[str, object]], **weights: object) -> RosterRules:
    return rules_from_dict(
        {
            "week": {"days_off": 0, "days_off_consecutive": False, "min_rest_h": 11},
            "breaks": {"step_min": 30, "min_gap_min": 30},
            "shift": shifts,
            "weights": {**LINEAR, **weights},
        }
    )


def requirements(days: int, need: list[float]) -> pd.DataFrame:
    rows = []
    for d in range(days):
        for k in range(48):
            rows.append(
                {
                    "channel": "voice",
                    "interval_start": pd.Timestamp(
                        dt.datetime.combine(DAY0 + dt.timedelta(days=d), dt.time()), tz=TZ
                    )
                    + pd.Timedelta(minutes=30 * k),
                    "staff": need[(d * 48 + k) % len(need)],
                }
            )
    return pd.DataFrame(rows)


def agent(aid: str, hi: float = 70.0) -> Agent:
    return Agent(aid, aid, ("voice",), 0.0, hi, 7)


def phones_from_rows(problem: RosterProblem, frame: pd.DataFrame) -> np.ndarray:
    """Agents working (not at lunch, not on a break) per interval, from the roster rows."""
    out = np.zeros(problem.n_intervals)
    grid = [problem.timestamp(i * problem.interval_min) for i in range(problem.n_intervals + 1)]
    for rec in frame.to_dict("records"):
        if rec["activity"] == "work":
            for i in range(problem.n_intervals):
                lo, hi = max(rec["start"], grid[i]), min(rec["end"], grid[i + 1])
                if hi > lo:
                    out[i] += (hi - lo).total_seconds() / 60 / problem.interval_min
    return out


def deviation_h(problem: RosterProblem, frame: pd.DataFrame) -> tuple[float, float]:
    """(under, over) on the phones in agent-hours against ``staff``, from the rows."""
    have = phones_from_rows(problem, frame)
    need = problem.staff["voice"]
    h = problem.interval_min / 60
    return float(np.maximum(need - have, 0).sum() * h), float(np.maximum(have - need, 0).sum() * h)


NINE_H_LUNCH = {
    "name": "s9",
    "length_h": 9,
    "starts": ["08:00-08:00"],
    "lunch": {"length_min": 60, "earliest_min": 180, "latest_min": 300},
}


def test_lunch_probe_reports_its_hour_short() -> None:
    # one agent, one 9-hour shift with a 1-hour lunch, one agent needed 08:00-17:00: the
    # phones are empty for the lunch hour, and every figure says so
    need = [1.0 if 16 <= k < 34 else 0.0 for k in range(48)]
    problem = build_problem(requirements(1, need), [agent("A")], rules([NINE_H_LUNCH]), tz=TZ)
    sol = solve(problem, SolverOptions(time_limit_s=10))
    assert sol.status == "optimal"
    frame = roster_frame(list(sol.shifts))
    assert deviation_h(problem, frame) == (1.0, 0.0)
    assert sol.objective_terms["under_staffing"] == pytest.approx(1.0)
    figures = coverage_figures(coverage_table(problem, frame), problem.interval_min)
    assert figures["voice"].under_h == 1.0 and figures["voice"].on_phones_h == 8.0
    assert figures["voice"].scheduled_h == 9.0
    assert lp_under_staffing_bound(problem) == pytest.approx(1.0)
    assert sol.best_bound == pytest.approx(1.0) and sol.gap == 0.0


def test_lunches_are_staggered_inside_the_model() -> None:
    # two agents on the same 9-hour shift, two needed all day, and the second missing agent
    # costs three times the first: both at lunch at once costs 1 + 3 points, staggered 1 + 1
    need = [2.0 if 16 <= k < 34 else 0.0 for k in range(48)]
    problem = build_problem(
        requirements(1, need),
        [agent("A"), agent("B")],
        rules([NINE_H_LUNCH], under_staffing=[1.0, 3.0]),
        tz=TZ,
    )
    sol = solve(problem, SolverOptions(time_limit_s=10))
    frame = roster_frame(list(sol.shifts))
    lunches = frame[frame["activity"] == "lunch"]
    assert len(lunches) == 2 and lunches["start"].nunique() == 2
    assert deviation_h(problem, frame) == (2.0, 0.0)
    assert sol.status == "optimal" and sol.objective == pytest.approx(2.0)


TINY_SHIFTS = [
    {
        "name": "s4",
        "length_h": 4,
        "starts": ["08:00-10:00"],
        "start_step_min": 60,
        "breaks": [{"length_min": 30, "earliest_min": 60, "latest_min": 150}],
    },
    {
        "name": "s6",
        "length_h": 6,
        "starts": ["09:00-09:00"],
        "lunch": {"length_min": 60, "earliest_min": 120, "latest_min": 240},
    },
]


def brute_force(problem: RosterProblem) -> float:
    """Least |under| + |over| (agent-hours, from the roster rows) over every roster.

    Each agent and day takes no shift or any shift with any allowed lunch/break offsets.
    """
    options = []
    for a in range(len(problem.agents)):
        for d in range(len(problem.dates)):
            opts: list[Assignment | None] = [None]
            for k, cand in enumerate(problem.candidates):
                if cand.day == d:
                    for row in rest_combinations(problem, cand.type_idx).tolist():
                        opts.append(Assignment(a, k, "voice", tuple(row)))
            options.append(opts)
    best = math.inf
    for combo in itertools.product(*options):
        chosen = [key for key in combo if key is not None]
        frame = roster_frame(shifts_from_assignments(problem, chosen))
        if check_roster(frame, problem.agents, problem.rules, problem.dates):
            continue
        best = min(best, sum(deviation_h(problem, frame)))
    return best


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_tiny_instances_match_brute_force_over_shifts_and_rests(seed: int) -> None:
    rng = np.random.default_rng(seed)
    need = [0.0] * 48
    for k in range(16, 32):
        need[k] = float(rng.integers(0, 3))
    problem = build_problem(
        requirements(1, need), [agent("A"), agent("B")], rules(TINY_SHIFTS), tz=TZ
    )
    sol = solve(problem, SolverOptions(time_limit_s=20))
    best = brute_force(problem)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(best)
    assert sum(deviation_h(problem, roster_frame(list(sol.shifts)))) == pytest.approx(best)
    lp = lp_objective_bound(problem)
    assert lp is not None and lp <= best + 1e-6


def random_instance(seed: int, n_agents: int, days: int) -> RosterProblem:
    rng = np.random.default_rng(seed)
    shifts = [
        {
            "name": "day",
            "length_h": 8,
            "starts": ["07:00-11:00"],
            "start_step_min": 60,
            "lunch": {"length_min": 60, "earliest_min": 150, "latest_min": 300},
            "breaks": [{"length_min": 30, "earliest_min": 60, "latest_min": 90}],
        },
        {
            "name": "short",
            "length_h": 4,
            "starts": ["12:00-16:00"],
            "start_step_min": 120,
            "breaks": [{"length_min": 30, "earliest_min": 60, "latest_min": 150}],
        },
    ]
    need = [0.0] * 14 + [float(x) for x in rng.integers(0, 4, size=28)] + [0.0] * 6
    agents = [agent(f"A{i}", hi=float(rng.choice([30, 50]))) for i in range(n_agents)]
    return build_problem(requirements(days, need), agents, rules(shifts), tz=TZ)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_agents=st.integers(1, 4), days=st.integers(1, 3))
def test_objective_equals_the_coverage_table_on_the_phones(
    seed: int, n_agents: int, days: int
) -> None:
    # with shrinkage 0 (staff = agents) and |under| + |over| as the whole objective, the
    # objective's terms are exactly what the coverage CSV's required_net against available
    # gives, and both are what the roster rows give
    problem = random_instance(seed, n_agents, days)
    sol = solve(problem, SolverOptions(time_limit_s=5))
    frame = roster_frame(list(sol.shifts))
    cov = coverage_table(problem, frame)
    h = problem.interval_min / 60
    under = float((cov["required_net"] - cov["available"]).clip(lower=0).sum() * h)
    over = float((cov["available"] - cov["required_net"]).clip(lower=0).sum() * h)
    assert sol.objective_terms["under_staffing"] == pytest.approx(under)
    assert sol.objective_terms["over_staffing"] == pytest.approx(over)
    assert deviation_h(problem, frame) == pytest.approx((under, over))
    assert check_roster(frame, problem.agents, problem.rules, problem.dates) == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lp_bound_never_exceeds_the_shortage_of_any_roster(seed: int) -> None:
    problem = random_instance(seed, 4, 3)
    lp_under = lp_under_staffing_bound(problem)
    lp_obj = lp_objective_bound(problem)
    assert lp_under is not None and lp_obj is not None
    rosters = [list(greedy_roster(problem).assignments)]
    rosters.append(list(solve(problem, SolverOptions(time_limit_s=5)).assignments))
    rng = np.random.default_rng(seed)
    for _ in range(60):  # random rosters the checker accepts
        chosen = []
        for a in range(len(problem.agents)):
            for d in range(len(problem.dates)):
                ks = [k for k, c in enumerate(problem.candidates) if c.day == d]
                if rng.random() < 0.6:
                    k = int(rng.choice(ks))
                    table = rest_combinations(problem, problem.candidates[k].type_idx)
                    row = table[int(rng.integers(0, len(table)))]
                    chosen.append(Assignment(a, k, "voice", tuple(int(o) for o in row)))
        frame = roster_frame(shifts_from_assignments(problem, chosen))
        if not check_roster(frame, problem.agents, problem.rules, problem.dates):
            rosters.append(chosen)
    assert len(rosters) >= 6
    for chosen in rosters:
        frame = roster_frame(shifts_from_assignments(problem, chosen))
        under, over = deviation_h(problem, frame)
        assert lp_under <= under + 1e-6
        assert lp_obj <= under + over + 1e-6
        assert objective_terms(problem, chosen)["total"] == pytest.approx(under + over)

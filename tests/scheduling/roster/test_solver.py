"""Roster optimizer.

Brute force on tiny instances, rules never broken, re-rostering, infeasibility explanation,
solver options.
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

from scheduling.errors import InfeasibleError, InputError
from scheduling.roster._lp_bound import (
    aggregated_bound,
    lp_objective_bound,
    lp_under_staffing_bound,
)
from scheduling.roster.agents import Agent
from scheduling.roster.check import check_roster
from scheduling.roster.io import coverage_table, previous_shifts, roster_frame
from scheduling.roster.model import build_model, cover_grain, coverage_weights, under_cost
from scheduling.roster.objective import objective_terms
from scheduling.roster.problem import Assignment, PreviousShift, RosterProblem, build_problem
from scheduling.roster.records import RosterSolution
from scheduling.roster.rules import RosterRules, rules_from_dict
from scheduling.roster.solve import SolverOptions, _gap, configure_solver, solve
from scheduling.roster.summary import coverage_figures

TZ = "Asia/Dubai"
DAY0 = dt.date(2026, 11, 30)  # Monday


def tiny_rules(**weights: float) -> RosterRules:
    w: dict[str, float] = {
        k: 0
        for k in (
            "paid_hour",
            "preferred_start_per_h",
            "preferred_day_off",
            "full_weekend",
            "late_shift_spread",
            "start_band",
            "change",
        )
    }
    w.update(weights)
    return rules_from_dict(
        {
            "week": {"days_off": 0, "days_off_consecutive": False, "min_rest_h": 12},
            "shift": [
                {"name": "s4", "length_h": 4, "starts": ["08:00-10:00"], "start_step_min": 60}
            ],
            "weights": {"under_staffing": [10, 20], "over_staffing": 2, **w},
        }
    )


def requirements(days: int, demand: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for d in range(days):
        for c, per_slot in demand.items():
            for k in range(48):
                ts = pd.Timestamp(
                    dt.datetime.combine(DAY0 + dt.timedelta(days=d), dt.time()), tz=TZ
                ) + pd.Timedelta(minutes=30 * k)
                rows.append(
                    {
                        "channel": c,
                        "interval_start": ts,
                        "staff": per_slot[(d * 48 + k) % len(per_slot)],
                    }
                )
    return pd.DataFrame(rows)


def agent(
    aid: str, skills: tuple[str, ...] = ("voice",), lo: float = 0, hi: float = 40, **kw: object
) -> Agent:
    return Agent(
        agent_id=aid,
        name=aid,
        skills=skills,
        min_hours_week=lo,
        max_hours_week=hi,
        max_days_week=7,
        **kw,  # type: ignore[arg-type]
    )


def demand_profile(seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    out = [0.0] * 48
    for k in range(16, 28):  # 08:00-14:00
        out[k] = float(rng.integers(0, 3))
    return out


def on_phones_from_rows(problem: RosterProblem, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Agents on the phones per channel and interval, from a roster frame's ``work`` rows.

    Counted from those rows alone (independent of the model's cover tables).
    """
    n, im = problem.n_intervals, problem.interval_min
    out = {c: np.zeros(n) for c in problem.channels}
    starts = [problem.timestamp(i * im) for i in range(n + 1)]
    for rec in frame.to_dict("records"):
        if rec["activity"] != "work":
            continue
        for i in range(n):
            lo, hi = max(rec["start"], starts[i]), min(rec["end"], starts[i + 1])
            if hi > lo:
                out[rec["channel"]][i] += (hi - lo).total_seconds() / 60 / im
    return out


def brute_force(problem: RosterProblem) -> float:
    """Optimal objective (points) by enumerating every roster the checker accepts.

    Every shift, channel and lunch/break offset of every agent and day, costed from the roster
    rows (agents on the phones) with the convex under-staffing and the over-staffing weights.
    """
    weights, w_over = coverage_weights(problem)
    per = problem.interval_min / 60 * 100  # objective units per agent-interval and point
    options = []
    for a, ag in enumerate(problem.agents):
        for d in range(len(problem.dates)):
            opts: list[Assignment | None] = [None]
            for k, cand in enumerate(problem.candidates):
                if cand.day != d:
                    continue
                chain = problem.rests_of(k)
                for rests in itertools.product(*(range(len(s.offsets_min)) for s in chain)):
                    for c in ag.skills:
                        if c in problem.channels:
                            opts.append(Assignment(a, k, c, tuple(rests)))
            options.append(opts)
    best = math.inf
    for combo in itertools.product(*options):
        chosen = [key for key in combo if key is not None]
        frame = _frame(problem, chosen)
        if check_roster(frame, problem.agents, problem.rules, problem.dates):
            continue
        cov = on_phones_from_rows(problem, frame)
        cost = 0.0
        for c in problem.channels:
            w_agent = weights[c] * problem.cover_units / per  # points per agent-hour
            for i, (need, have) in enumerate(zip(problem.staff[c], cov[c], strict=True)):
                short = max(0.0, math.ceil(need * 10 - 1e-6) / 10 - have)
                k = 0
                while short > 1e-9:  # the k-th missing agent at its weight
                    take = min(1.0, short) if k < w_agent.shape[1] - 1 else short
                    cost += take * w_agent[i, min(k, w_agent.shape[1] - 1)] * per / 100
                    short -= take
                    k += 1
                over = max(0.0, have - math.ceil(need * 10 - 1e-6) / 10)
                cost += over * w_over * problem.cover_units / 100
        cost += sum(
            v
            for name, v in objective_terms(problem, chosen).items()
            if name not in ("under_staffing", "over_staffing", "total")
        )
        best = min(best, cost)
    return best


def _frame(problem: RosterProblem, chosen: list[Assignment]) -> pd.DataFrame:
    from scheduling.roster.solve import shifts_from_assignments

    return roster_frame(shifts_from_assignments(problem, chosen))


OPTS = SolverOptions(time_limit_s=20, num_workers=2, seed=0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tiny_instance_matches_brute_force(seed: int) -> None:
    agents = [agent("A", ("voice",), lo=14, hi=28), agent("B", ("voice", "chat"), hi=14)]
    req = requirements(2, {"voice": demand_profile(seed), "chat": demand_profile(seed + 10)})
    problem = build_problem(req, agents, tiny_rules(), tz=TZ)
    sol = solve(problem, OPTS)
    best = brute_force(problem)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(best)
    assert check_roster(roster_frame(list(sol.shifts)), agents, problem.rules, problem.dates) == []
    lp = lp_objective_bound(problem)
    assert lp is not None and lp <= best + 1e-6


def test_lp_bound_counts_whole_agents() -> None:
    # half an agent needed 08:00-12:00: a 4 h shift over-staffs by half an agent (8 x 0.5 x
    # 0.25 h x 2 points = 4 points for 30-min intervals) rather than 20 points short; a
    # fractional LP would claim 0, the lattice relaxation proves the optimum
    demand = [0.0] * 48
    demand[16:24] = [0.5] * 8
    problem = build_problem(requirements(1, {"voice": demand}), [agent("A")], tiny_rules(), tz=TZ)
    assert cover_grain(problem)[16] == problem.cover_units == 10
    assert lp_objective_bound(problem) == pytest.approx(4.0)
    sol = solve(problem, OPTS)
    assert sol.status == "optimal" and sol.objective == pytest.approx(4.0)
    assert sol.best_bound == pytest.approx(4.0) and sol.gap == 0.0


def test_lp_under_staffing_bound_uses_the_exact_requirement() -> None:
    # 1.55 agents needed 08:00-12:00 and one agent with a 4 h shift: 0.55 x 4 h = 2.2 h short.
    # Rounded up to whole tenths (1.6) the bound would claim 2.4 h, above what the roster has.
    demand = [0.0] * 48
    demand[16:24] = [1.55] * 8
    problem = build_problem(requirements(1, {"voice": demand}), [agent("A")], tiny_rules(), tz=TZ)
    assert lp_under_staffing_bound(problem) == pytest.approx(2.2)
    sol = solve(problem, OPTS)
    cov = coverage_table(problem, roster_frame(list(sol.shifts)))
    under = sum(v.under_h for v in coverage_figures(cov, problem.interval_min).values())
    assert under == pytest.approx(2.2)


def test_under_cost_is_convex_piecewise() -> None:
    w = [50, 100, 150]
    assert under_cost(w, 0, 10) == 0
    assert under_cost(w, 4, 10) == 200
    assert under_cost(w, 12, 10) == 10 * 50 + 2 * 100
    assert under_cost(w, 35, 10) == 10 * 50 + 10 * 100 + 15 * 150
    assert under_cost(w, 35, 20) == 20 * 50 + 15 * 100


def _two_windows(under_staffing: list[float]) -> RosterProblem:
    """Two agents for a demand of two agents 08:00-16:00.

    Each works one 4 h shift, from 08:00 or from 12:00, and both prefer 08:00 (2 points per hour
    of deviation).
    """
    rules = rules_from_dict(
        {
            "week": {"days_off": 0, "days_off_consecutive": False, "min_rest_h": 12},
            "shift": [
                {"name": "s4", "length_h": 4, "starts": ["08:00-12:00"], "start_step_min": 240}
            ],
            "weights": {
                "under_staffing": under_staffing,
                "over_staffing": 2,
                "preferred_start_per_h": 2,
                **{
                    k: 0
                    for k in (
                        "paid_hour",
                        "preferred_day_off",
                        "full_weekend",
                        "late_shift_spread",
                        "start_band",
                        "change",
                    )
                },
            },
        }
    )
    demand = [0.0] * 48
    demand[16:32] = [2.0] * 16  # 08:00-16:00
    agents = [agent("A", preferred_start_min=480), agent("B", preferred_start_min=480)]
    return build_problem(requirements(1, {"voice": demand}), agents, rules, tz=TZ)


def test_convex_penalty_spreads_shortage() -> None:
    # Both agents at 08:00 leave 12:00-16:00 two short: 4 h x (10 + 20) = 120 points. One at
    # 08:00 and one at 12:00 leave every hour one short: 8 h x 10 = 80 points, plus 4 h x 2 =
    # 8 points for the start away from the preferred 08:00. The convex penalty spreads.
    problem = _two_windows([10, 20])
    sol = solve(problem, OPTS)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(88.0)
    assert sorted(s.start.hour for s in sol.shifts) == [8, 12]
    cov = coverage_table(problem, roster_frame(list(sol.shifts)))
    open_hours = cov[(cov["required"] > 0)]
    assert (open_hours["gap"] == -1).all()  # one agent short in every interval, never two
    assert check_roster(roster_frame(list(sol.shifts)), problem.agents, problem.rules, [DAY0]) == []


def test_linear_penalty_concentrates_the_same_shortage() -> None:
    # The check above can fail: under a linear penalty (15 points for every missing agent-hour)
    # the same shortage costs 120 points either way, so the preferred start decides and both
    # agents start at 08:00, leaving 12:00-16:00 two short.
    sol = solve(_two_windows([15]), OPTS)
    assert sol.status == "optimal" and sol.objective == pytest.approx(120.0)
    assert [s.start.hour for s in sol.shifts] == [8, 8]


def test_shortage_is_not_infeasible() -> None:
    req = requirements(1, {"voice": [5.0] * 48})
    problem = build_problem(req, [agent("A", hi=40)], tiny_rules(), tz=TZ)
    sol = solve(problem, OPTS)
    assert sol.status == "optimal" and len(sol.shifts) == 1


def test_infeasible_names_agent_and_rules() -> None:
    rules = tiny_rules()
    # 4 h shifts from 08:00-10:00 all end after 10:00
    agents = [agent("A"), agent("Z", lo=16, hi=16, latest_end_min=600)]
    req = requirements(7, {"voice": demand_profile(0)})
    problem = build_problem(req, agents, rules, tz=TZ)
    with pytest.raises(InfeasibleError, match="agent Z") as info:
        solve(problem, OPTS)
    text = "\n".join(info.value.conflicts)
    assert "latest end 10:00" in text and "at least 16 paid hours" in text
    assert "agent A" not in text and "at most" not in text


def test_infeasible_is_a_status_when_not_raising() -> None:
    agents = [agent("A"), agent("Z", lo=16, hi=16, latest_end_min=600)]
    problem = build_problem(
        requirements(7, {"voice": demand_profile(0)}), agents, tiny_rules(), tz=TZ
    )
    sol = solve(problem, OPTS, raise_on_infeasible=False)
    assert sol.status == "infeasible"
    assert sol.objective is None and sol.best_bound is None and sol.shifts == ()
    assert sol.conflicts and all(line.startswith("agent Z") for line in sol.conflicts)


def test_solution_is_built_with_keywords_only() -> None:
    with pytest.raises(TypeError):
        RosterSolution("optimal", 1.0, 1.0, 0.0, None, None, 0.1, 1)  # type: ignore[misc]
    sol = RosterSolution(status="feasible", wall_time_s=0.5)
    assert (sol.objective, sol.gap, sol.num_solutions, sol.shifts) == (None, None, 0, ())


@pytest.mark.parametrize(
    ("objective", "bound", "gap"),
    [(100.0, 90.0, 0.1), (100.0, None, None), (0.0, 0.0, 0.0), (50.0, 60.0, 0.0), (8.0, 6.0, 0.25)],
)
def test_gap_is_relative_to_the_objective(
    objective: float, bound: float | None, gap: float | None
) -> None:
    assert _gap(objective, bound) == (None if gap is None else pytest.approx(gap))


def test_without_greedy_start_the_model_alone_finds_the_optimum() -> None:
    agents = [agent("A", ("voice",), lo=14, hi=28), agent("B", ("voice", "chat"), hi=14)]
    req = requirements(2, {"voice": demand_profile(0), "chat": demand_profile(10)})
    problem = build_problem(req, agents, tiny_rules(), tz=TZ)
    sol = solve(problem, SolverOptions(time_limit_s=20, greedy_hint=False))
    assert sol.status == "optimal" and sol.gap == 0.0
    assert sol.greedy_objective is None
    assert sol.objective == pytest.approx(brute_force(problem))


def test_solver_never_breaks_time_off_or_earliest_start() -> None:
    agents = [agent("A", unavailable=frozenset({DAY0})), agent("B", earliest_start_min=600)]
    req = requirements(2, {"voice": [3.0] * 48})
    problem = build_problem(req, agents, tiny_rules(), tz=TZ)
    sol = solve(problem, OPTS)
    assert all(not (s.agent_id == "A" and s.date == DAY0) for s in sol.shifts)
    assert all(s.start.hour >= 10 for s in sol.shifts if s.agent_id == "B")
    assert check_roster(roster_frame(list(sol.shifts)), agents, problem.rules, problem.dates) == []


def test_rerostering_unchanged_reproduces_previous() -> None:
    rules = rules_from_dict(
        {
            "week": {"days_off": 2, "min_rest_h": 12},
            "shift": [
                {
                    "name": "d",
                    "length_h": 5,
                    "starts": ["07:00-12:00"],
                    "start_step_min": 60,
                    "breaks": [{"length_min": 15, "earliest_min": 60, "latest_min": 180}],
                }
            ],
            "weights": {"change": 50},
        }
    )
    agents = [agent(f"A{i}", lo=15, hi=25) for i in range(3)]
    req = requirements(7, {"voice": demand_profile(3)})
    problem = build_problem(req, agents, rules, tz=TZ)
    first = roster_frame(list(solve(problem, OPTS).shifts))
    again = build_problem(req, agents, rules, tz=TZ, previous=previous_shifts(first))
    second = roster_frame(list(solve(again, OPTS).shifts))
    pd.testing.assert_frame_equal(first, second)


def test_previous_roster_rest_and_consecutive_days_cross_week_boundary() -> None:
    rules = rules_from_dict(
        {
            "week": {
                "days_off": 0,
                "days_off_consecutive": False,
                "max_consecutive_days": 3,
                "min_rest_h": 12,
            },
            "shift": [
                {"name": "x", "length_h": 4, "starts": ["06:00-20:00"], "start_step_min": 60}
            ],
            "weights": {"under_staffing": [10]},
        }
    )
    before = [DAY0 - dt.timedelta(days=k) for k in (1, 2, 3)]
    prev_rows = []
    for d in before:
        s = pd.Timestamp(dt.datetime.combine(d, dt.time(20)), tz=TZ)
        prev_rows.append(
            {
                "agent_id": "A",
                "date": d,
                "activity": "work",
                "channel": "voice",
                "start": s,
                "end": s + pd.Timedelta(hours=4),
            }
        )
    prev = pd.DataFrame(prev_rows)
    req = requirements(2, {"voice": [1.0] * 48})
    agents = [agent("A")]
    problem = build_problem(req, agents, rules, tz=TZ, previous=previous_shifts(prev))
    sol = solve(problem, OPTS)
    # 3 days in a row before the week: day 0 must be off; day 1 may start at 06:00
    assert [s.date for s in sol.shifts] == [DAY0 + dt.timedelta(days=1)]
    assert (
        check_roster(roster_frame(list(sol.shifts)), agents, rules, problem.dates, previous=prev)
        == []
    )
    # the checker catches a roster that ignores the boundary
    bad = roster_frame(list(sol.shifts))
    s = pd.Timestamp(dt.datetime.combine(DAY0, dt.time(6)), tz=TZ)
    bad = pd.concat(
        [
            bad,
            pd.DataFrame(
                [
                    {
                        "agent_id": "A",
                        "date": DAY0,
                        "activity": "work",
                        "channel": "voice",
                        "start": s,
                        "end": s + pd.Timedelta(hours=4),
                    }
                ]
            ),
        ]
    )
    rules_hit = {v.rule for v in check_roster(bad, agents, rules, problem.dates, previous=prev)}
    assert {"min_rest", "max_consecutive_days"} <= rules_hit


def test_solver_options_take_effect() -> None:
    opts = SolverOptions(time_limit_s=7.5, num_workers=3, seed=42, log=True, relative_gap=0.01)
    solver = configure_solver(opts)
    p = solver.parameters
    assert (p.max_time_in_seconds, p.num_workers, p.random_seed) == (7.5, 3, 42)
    assert p.log_search_progress and p.relative_gap_limit == pytest.approx(0.01)
    problem = build_problem(
        requirements(1, {"voice": [1.0] * 48}), [agent("A")], tiny_rules(), tz=TZ
    )
    model, _ = build_model(problem)
    lines: list[str] = []
    solver.parameters.log_to_stdout = False
    solver.log_callback = lines.append
    solver.solve(model)
    log = "\n".join(lines)
    assert "num_workers: 3" in log and "random_seed: 42" in log


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_agents=st.integers(1, 4),
    days=st.integers(1, 7),
    rest_h=st.sampled_from([8, 12, 16]),
)
def test_solver_rosters_always_pass_the_checker(
    seed: int, n_agents: int, days: int, rest_h: int
) -> None:
    rng = np.random.default_rng(seed)
    rules = rules_from_dict(
        {
            "week": {"days_off": 2, "min_rest_h": rest_h, "max_consecutive_days": 4},
            "night": {"max_per_week": 1},
            "shift": [
                {
                    "name": "day",
                    "length_h": 8,
                    "starts": ["06:00-12:00"],
                    "start_step_min": 60,
                    "lunch": {"length_min": 60, "earliest_min": 180, "latest_min": 300},
                },
                {
                    "name": "late",
                    "length_h": 6,
                    "starts": ["16:00-22:00"],
                    "start_step_min": 120,
                    "channels": ["voice"],
                    "breaks": [{"length_min": 15, "earliest_min": 60, "latest_min": 240}],
                },
            ],
        }
    )
    skills = [("voice",), ("chat",), ("voice", "chat")]
    agents = [
        agent(
            f"A{i}",
            skills[int(rng.integers(0, 3))],
            lo=0,
            hi=float(rng.choice([20, 40])),
            unavailable=frozenset({DAY0 + dt.timedelta(days=int(rng.integers(0, days)))})
            if rng.random() < 0.3
            else frozenset(),
            earliest_start_min=480 if rng.random() < 0.3 else None,
        )
        for i in range(n_agents)
    ]
    demand = {c: [float(x) for x in rng.integers(0, 3, size=48)] for c in ("voice", "chat")}
    problem = build_problem(requirements(days, demand), agents, rules, tz=TZ)
    sol = solve(problem, SolverOptions(time_limit_s=10))
    assert sol.status in ("optimal", "feasible")
    frame = roster_frame(list(sol.shifts))
    assert check_roster(frame, agents, rules, problem.dates) == []
    # the relaxation (day patterns, rest cuts, soft terms, whole agents) is a valid bound
    lp = lp_objective_bound(problem)
    assert sol.objective is not None and lp is not None and lp <= sol.objective + 1e-6


def test_objective_evaluator_and_lp_bound_agree_with_solver() -> None:
    seed = 0
    rules = rules_from_dict(
        {
            "week": {"days_off": 2, "min_rest_h": 12},
            "shift": [
                {"name": "d", "length_h": 5, "starts": ["07:00-12:00"], "start_step_min": 60},
                {"name": "l", "length_h": 6, "starts": ["15:00-17:00"], "start_step_min": 60},
            ],
            "weights": {
                "preferred_start_per_h": 1,
                "preferred_day_off": 2,
                "full_weekend": 3,
                "late_shift_spread": 2,
                "start_band": 1,
                "paid_hour": 0.5,
            },
        }
    )
    agents = [
        agent("A", ("voice",), lo=15, hi=25, preferred_start_min=480),
        agent("B", ("voice", "chat"), lo=10, hi=25, preferred_days_off=frozenset({5, 6})),
        agent("C", ("chat",), lo=0, hi=20),
    ]
    rng = np.random.default_rng(seed)
    demand = {c: [float(x) for x in rng.integers(0, 3, size=48)] for c in ("voice", "chat")}
    problem = build_problem(requirements(7, demand), agents, rules, tz=TZ)
    sol = solve(problem, SolverOptions(time_limit_s=5))
    terms = objective_terms(problem, sol.assignments)
    assert sol.objective is not None
    assert terms["total"] == pytest.approx(sol.objective)
    for name, value in sol.objective_terms.items():
        assert terms[name] == pytest.approx(value), name
    lp = lp_objective_bound(problem)
    assert lp is not None and lp <= sol.objective + 1e-6
    ip = aggregated_bound(problem, time_limit_s=10)
    assert ip is not None and lp - 1e-6 <= ip <= sol.objective + 1e-6
    # the large-neighbourhood search returns a valid roster no worse than the greedy start
    dec = solve(
        problem,
        SolverOptions(time_limit_s=6, monolithic_max_vars=0, lns_agents=2, lns_step_s=1),
    )
    assert dec.status == "feasible" and dec.best_bound == pytest.approx(lp)
    assert dec.objective is not None and dec.greedy_objective is not None
    assert dec.objective == pytest.approx(objective_terms(problem, dec.assignments)["total"])
    assert dec.objective <= dec.greedy_objective + 1e-6
    assert check_roster(roster_frame(list(dec.shifts)), agents, rules, problem.dates) == []


def test_solver_never_works_a_night_into_time_off() -> None:
    rules = rules_from_dict(
        {
            "week": {"days_off": 0, "days_off_consecutive": False, "min_rest_h": 12},
            "shift": [
                {"name": "night", "length_h": 8, "starts": ["22:00-22:00"], "start_step_min": 60}
            ],
            "weights": {"under_staffing": [10, 20], "over_staffing": 2},
        }
    )
    # demand only in the small hours of Tuesday, the agent's day of leave
    demand = [0.0] * 96
    for k in range(48, 60):
        demand[k] = 1.0
    agents = [agent("A", unavailable=frozenset({DAY0 + dt.timedelta(days=1)}))]
    problem = build_problem(requirements(2, {"voice": demand}), agents, rules, tz=TZ)
    sol = solve(problem, OPTS)
    assert all(s.date != DAY0 for s in sol.shifts)
    assert check_roster(roster_frame(list(sol.shifts)), agents, rules, problem.dates) == []


def _fixed(aid: str, day: dt.date, start_h: int, hours: int = 4) -> PreviousShift:
    begin = pd.Timestamp(dt.datetime.combine(day, dt.time(start_h)), tz=TZ)
    return PreviousShift(aid, day, "voice", begin, begin + pd.Timedelta(hours=hours))


def test_fixed_single_shifts_are_kept_and_the_other_days_stay_free() -> None:
    """A locked shift is worked exactly though nothing asks for it; other days are solved."""
    demand = [0.0] * 48 * 2 + [1.0 if 16 <= k < 24 else 0.0 for k in range(48)]  # day 2 only
    req = requirements(3, {"voice": demand})
    lock = _fixed("A", DAY0, 9)
    problem = build_problem(req, [agent("A")], tiny_rules(), tz=TZ, fixed=[lock])
    shifts = {(s.agent_id, s.date): s for s in solve(problem, OPTS).shifts}
    assert (shifts[("A", DAY0)].start, shifts[("A", DAY0)].end) == (lock.start, lock.end)
    assert ("A", DAY0 + dt.timedelta(days=1)) not in shifts  # no demand and no lock
    assert ("A", DAY0 + dt.timedelta(days=2)) in shifts  # the unlocked day is rostered
    free = build_problem(req, [agent("A")], tiny_rules(), tz=TZ)
    assert ("A", DAY0) not in {(s.agent_id, s.date) for s in solve(free, OPTS).shifts}


def test_a_fixed_shift_the_rules_do_not_allow_is_infeasible() -> None:
    req = requirements(2, {"voice": demand_profile(0)})
    bad = _fixed("A", DAY0, 14)  # starts are 08:00-10:00
    problem = build_problem(req, [agent("A")], tiny_rules(), tz=TZ, fixed=[bad])
    with pytest.raises(InfeasibleError, match="agent A"):
        solve(problem, OPTS)
    with pytest.raises(InputError, match="outside the horizon"):
        build_problem(
            req,
            [agent("A")],
            tiny_rules(),
            tz=TZ,
            fixed=[_fixed("A", DAY0 - dt.timedelta(days=1), 9)],
        )

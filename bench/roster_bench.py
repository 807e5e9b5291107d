"""Roster benchmark: seeded synthetic weeks, CP-SAT against a greedy baseline and bounds.

Usage::

    python bench/roster_bench.py                 # every family at 60 (30 s) and 600 (300 s) agents
    python bench/roster_bench.py --family fixed_lunch --agents 60 --time-limit 30 --seed 1

Families (every figure counts agents **on the phones**: at lunch or on a break is off them):

- ``mixed``: voice, chat and e-mail, mixed skills and contracts, the demo's rules (9 h day and
  night shifts with a lunch window and two breaks, 5 h part-time shifts), convex weights;
- ``fixed_lunch``: one voice queue, full-time agents (exactly 5 days, 35-40 paid hours, 11 h
  rest); 8 h shifts with a 1 h unpaid lunch 3.5 h after the start, 9 h with the lunch 4 h after
  the start, or 4 h without; starts every 30 min from 06:00 to 14:00; requirements from Erlang C
  (AHT 300 s, 80 % in 20 s, no shrinkage, peak = 3/4 of the agents); the objective is
  |under| + |over| in agent-hours (weights 1, nothing else);
- ``lunch_window``: the same, with a 2-hour lunch window and two 15-minute breaks.

For each instance it prints: time to the first roster and wall time; the objective and the
proven bound (gap); for the lunch families the on-the-phones |under| + |over| measured on the
roster rows against the LP bound (the aggregated relaxation of
:mod:`scheduling.roster._lp_bound` with the rest windows: day patterns, rest cuts, whole agents
per interval; HiGHS) and against the greedy baseline run in the same process, and the week's
expected service level from Erlang C on the agents on the phones; the independent rule check.
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
from scheduling.roster._lp_bound import lp_objective_bound, lp_under_staffing_bound  # noqa: E402
from scheduling.roster.agents import Agent  # noqa: E402
from scheduling.roster.check import check_roster  # noqa: E402
from scheduling.roster.io import coverage_table, roster_frame  # noqa: E402
from scheduling.roster.problem import RosterProblem, build_problem  # noqa: E402
from scheduling.roster.rules import (  # noqa: E402
    RosterRules,
    load_rules,
    rules_from_dict,  # noqa: E402
)
from scheduling.roster.solve import (  # noqa: E402
    Progress,
    SolverOptions,
    shifts_from_assignments,
    solve,
)
from scheduling.roster.summary import ChannelCoverage, coverage_figures  # noqa: E402
from scheduling.staffing.evaluate import evaluate_staffing, roster_to_scheduled  # noqa: E402
from scheduling.staffing.requirements import required_agents  # noqa: E402
from scheduling.staffing.targets import ChannelTargets, Targets  # noqa: E402
from wfmcore.defaults import DEFAULT_TZ  # noqa: E402

TZ = DEFAULT_TZ
FIRST_DAY = dt.date(2026, 11, 30)  # a Monday
FAMILIES = ("mixed", "fixed_lunch", "lunch_window")
VOICE = ChannelTargets(
    name="voice", model="erlang_c", service_level=0.80, answer_within_s=20.0, max_occupancy=1.0
)
AHT_S = 300.0


def _lunch_rules(family: str) -> RosterRules:
    """The lunch families' rules: |under| + |over| is the whole objective."""
    step = {"starts": ["06:00-14:00"], "start_step_min": 30}
    if family == "fixed_lunch":
        shifts = [
            {
                "name": "8h",
                "length_h": 8,
                **step,
                "lunch": {"length_min": 60, "earliest_min": 210, "latest_min": 210},
            },
            {
                "name": "9h",
                "length_h": 9,
                **step,
                "lunch": {"length_min": 60, "earliest_min": 240, "latest_min": 240},
            },
            {"name": "4h", "length_h": 4, **step},
        ]
    else:
        shifts = [
            {
                "name": "8h",
                "length_h": 8,
                **step,
                "lunch": {"length_min": 60, "earliest_min": 150, "latest_min": 270},
                "breaks": [
                    {"length_min": 15, "earliest_min": 60, "latest_min": 90},
                    {"length_min": 15, "earliest_min": 390, "latest_min": 450},
                ],
            },
            {
                "name": "9h",
                "length_h": 9,
                **step,
                "lunch": {"length_min": 60, "earliest_min": 180, "latest_min": 300},
                "breaks": [
                    {"length_min": 15, "earliest_min": 60, "latest_min": 120},
                    {"length_min": 15, "earliest_min": 420, "latest_min": 480},
                ],
            },
            {
                "name": "4h",
                "length_h": 4,
                **step,
                "breaks": [{"length_min": 15, "earliest_min": 90, "latest_min": 150}],
            },
        ]
    zero = (
        "paid_hour",
        "preferred_start_per_h",
        "preferred_day_off",
        "full_weekend",
        "late_shift_spread",
        "start_band",
        "change",
    )
    return rules_from_dict(
        {
            "week": {"min_rest_h": 11, "days_off": 2, "days_off_consecutive": False},
            "breaks": {"step_min": 15, "min_gap_min": 60},
            "shift": shifts,
            "weights": {"under_staffing": [1.0], "over_staffing": 1.0, **dict.fromkeys(zero, 0)},
        }
    )


def _volume_for(agents: int) -> float:
    """Calls per half hour that need exactly ``agents`` agents under Erlang C 80/20."""
    lo, hi = 0.0, 10.0 * agents * 1800 / AHT_S
    for _ in range(60):
        mid = (lo + hi) / 2
        need = required_agents(VOICE, [mid], [AHT_S], interval_s=1800.0)[0]
        lo, hi = (mid, hi) if need <= agents else (lo, mid)
    return lo


def make_lunch_instance(
    family: str, n_agents: int, seed: int = 0, days: int = 7
) -> tuple[pd.DataFrame, list[Agent], RosterRules]:
    """A seeded voice week for the lunch families (see the module docstring)."""
    rng = np.random.default_rng(seed)
    rules = _lunch_rules(family)
    agents = [
        Agent(f"F{i + 1:04d}", f"Agent {i + 1}", ("voice",), 35.0, 40.0, 5) for i in range(n_agents)
    ]
    peak = _volume_for(round(0.75 * n_agents))
    hours = np.arange(48) / 2
    # two peaks (10:30 and 16:30) on a low base, 07:00-22:00: about 0.9 of the agents' hours
    shape = (
        0.1
        + np.exp(-0.5 * ((hours - 10.5) / 1.3) ** 2)
        + 0.75 * np.exp(-0.5 * ((hours - 16.5) / 1.43) ** 2)
    )
    shape = np.where((hours >= 7) & (hours < 22), shape, 0.0)
    shape /= shape.max()
    rows = []
    for d in range(days):
        date = FIRST_DAY + dt.timedelta(days=d)
        factor = 0.6 if date.weekday() >= 5 else (0.85 if date.weekday() == 4 else 1.0)
        vol = peak * shape * factor * rng.normal(1, 0.03, size=48).clip(0.9, 1.1)
        need = required_agents(VOICE, vol, np.full(48, AHT_S), interval_s=1800.0)
        for k in range(48):
            ts = pd.Timestamp(dt.datetime.combine(date, dt.time()), tz=TZ) + pd.Timedelta(
                minutes=30 * k
            )
            rows.append(
                {
                    "channel": "voice",
                    "queue": "all",
                    "interval_start": ts,
                    "volume": round(float(vol[k]), 3),
                    "aht_s": AHT_S,
                    "agents": float(need[k]),
                    "staff": float(need[k]),
                }
            )
    return pd.DataFrame(rows), agents, rules


def weekly_service_level(roster: pd.DataFrame, req: pd.DataFrame) -> float:
    """Volume-weighted Erlang C service level of the week for the agents on the phones."""
    scheduled = roster_to_scheduled(roster, req["interval_start"], 30)
    ev = evaluate_staffing(scheduled, req, Targets(channels=(VOICE,)), 30)
    ok = ev["volume"] > 0
    return float(
        (ev.loc[ok, "service_level"] * ev.loc[ok, "volume"]).sum() / ev.loc[ok, "volume"].sum()
    )


def on_phones_deviation_h(problem: RosterProblem, roster: pd.DataFrame) -> tuple[float, float]:
    """(under, over) on the phones in agent-hours, measured on the roster rows."""
    fig = coverage_figures(coverage_table(problem, roster), problem.interval_min)
    return sum(v["under_h"] for v in fig.values()), sum(v["over_h"] for v in fig.values())


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


def _show(p: Progress) -> None:
    bound = "no bound yet" if math.isnan(p.best_bound) else f"bound {p.best_bound:.1f}"
    line = f"{p.phase} #{p.solutions} objective {p.objective:.1f} {bound}"
    print(f"    [{p.wall_time_s:6.1f} s] {line}", flush=True)


def run(n_agents: int, time_limit_s: float, seed: int) -> dict[str, object]:
    """Solve one ``mixed`` instance and return its figures."""
    req, agents, rules = make_instance(n_agents, seed)
    problem = build_problem(req, agents, rules, tz=TZ)
    t0 = time.perf_counter()
    lp = lp_under_staffing_bound(problem)
    t_lp = time.perf_counter() - t0
    greedy = greedy_roster(problem)
    g_shifts = shifts_from_assignments(problem, list(greedy.assignments))
    g_under, _ = _under_h(problem, g_shifts)
    sol = solve(problem, SolverOptions(time_limit_s=time_limit_s, seed=seed), progress=_show)
    under, fig = _under_h(problem, list(sol.shifts))
    viol = check_roster(roster_frame(list(sol.shifts)), problem.agents, rules, problem.dates)
    req_h = sum(v.required_h for v in fig.values())
    return {
        "family": "mixed",
        "agents": n_agents,
        "limit": time_limit_s,
        "first_s": sol.time_to_first_s,
        "wall_s": sol.wall_time_s,
        "greedy_obj": sol.greedy_objective,
        "objective": sol.objective,
        "bound": sol.best_bound,
        "gap": sol.gap,
        "required_h": req_h,
        "under_h": under,
        "lp_under_h": lp,
        "lp_s": t_lp,
        "greedy_under_h": g_under,
        "violations": len(viol),
    }


def run_lunch(family: str, n_agents: int, time_limit_s: float, seed: int) -> dict[str, object]:
    """Solve one lunch-family instance and measure it on the phones."""
    req, agents, rules = make_lunch_instance(family, n_agents, seed)
    problem = build_problem(req, agents, rules, tz=TZ)
    t0 = time.perf_counter()
    lp = lp_objective_bound(problem)
    t_lp = time.perf_counter() - t0
    lp_under = lp_under_staffing_bound(problem)
    t0 = time.perf_counter()
    greedy = greedy_roster(problem)
    g_frame = roster_frame(shifts_from_assignments(problem, list(greedy.assignments)))
    g_dev = sum(on_phones_deviation_h(problem, g_frame))
    t_greedy = time.perf_counter() - t0
    sol = solve(problem, SolverOptions(time_limit_s=time_limit_s, seed=seed), progress=_show)
    frame = roster_frame(list(sol.shifts))
    under, over = on_phones_deviation_h(problem, frame)
    viol = check_roster(frame, problem.agents, rules, problem.dates)
    required = float(req["staff"].sum()) * problem.interval_min / 60
    return {
        "family": family,
        "agents": n_agents,
        "limit": time_limit_s,
        "first_s": sol.time_to_first_s,
        "wall_s": sol.wall_time_s,
        "required_h": required,
        "under_h": under,
        "over_h": over,
        "deviation_h": under + over,
        "objective": sol.objective,
        "bound": sol.best_bound,
        "gap": sol.gap,
        "lp_h": lp,
        "lp_s": t_lp,
        "lp_under_h": lp_under,
        "vs_lp": (under + over - lp) / (under + over) if lp is not None and under + over else None,
        "greedy_h": g_dev,
        "greedy_s": t_greedy,
        "greedy_sl": weekly_service_level(g_frame, req),
        "sl": weekly_service_level(frame, req),
        "violations": len(viol),
    }


def _table(results: list[dict[str, object]]) -> None:
    lunch = [r for r in results if r["family"] != "mixed"]
    mixed = [r for r in results if r["family"] == "mixed"]
    if lunch:
        print(
            f"{'family':>12} {'agents':>6} {'limit':>5} {'first s':>7} {'wall s':>6} "
            f"{'req h':>7} {'under h':>7} {'over h':>7} {'|u|+|o|':>8} {'LP h':>8} "
            f"{'vs LP':>6} {'greedy':>8} {'/greedy':>7} {'SL':>6} {'greedy SL':>9} "
            f"{'LP under':>8} {'viol':>4}"
        )
        for r in lunch:
            nan = math.nan
            print(
                f"{r['family']:>12} {r['agents']:>6} {r['limit']:>5.0f} "
                f"{r['first_s'] or nan:>7.1f} {r['wall_s']:>6.1f} {r['required_h']:>7.1f} "
                f"{r['under_h']:>7.1f} {r['over_h']:>7.1f} {r['deviation_h']:>8.1f} "
                f"{r['lp_h'] if r['lp_h'] is not None else nan:>8.1f} "
                f"{r['vs_lp'] if r['vs_lp'] is not None else nan:>6.1%} {r['greedy_h']:>8.1f} "
                f"{r['deviation_h'] / r['greedy_h'] if r['greedy_h'] else nan:>7.2f} "
                f"{r['sl']:>6.3f} {r['greedy_sl']:>9.3f} "
                f"{r['lp_under_h'] if r['lp_under_h'] is not None else nan:>8.1f} "
                f"{r['violations']:>4}"
            )
        print(
            "|u|+|o|: under- plus over-staffing on the phones (agent-hours, from the roster "
            "rows); LP h: the on-the-phones LP bound on it;\nvs LP = (|u|+|o| - LP) / |u|+|o|; "
            "greedy: the sequential baseline in the same process; SL: the week's Erlang C "
            "service level (target 0.80);\nLP under: the least under-staffing any roster can "
            "have (above 0: the agents do not suffice at the peaks, and the SL target is out of "
            "reach)\n"
        )
    if mixed:
        print(
            f"{'agents':>6} {'first s':>8} {'wall s':>7} {'greedy obj':>10} {'objective':>10} "
            f"{'bound':>10} {'gap':>6} {'req h':>8} {'under h':>8} {'LP lb h':>8} "
            f"{'greedy h':>9} {'viol':>5}"
        )
        for r in mixed:
            nan = math.nan
            print(
                f"{r['agents']:>6} {r['first_s'] or nan:>8.1f} {r['wall_s']:>7.1f} "
                f"{r['greedy_obj'] or nan:>10.1f} {r['objective']:>10.1f} "
                f"{r['bound'] if r['bound'] is not None else nan:>10.1f} "
                f"{r['gap'] if r['gap'] is not None else nan:>6.1%} {r['required_h']:>8.1f} "
                f"{r['under_h']:>8.1f} {r['lp_under_h'] or nan:>8.1f} "
                f"{r['greedy_under_h']:>9.1f} {r['violations']:>5}"
            )
        print(
            "mixed: gap = (objective - bound) / objective (convex weights, paid hours and "
            "preferences); under h: on the phones; LP lb h: its LP lower bound"
        )


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--family", nargs="*", choices=FAMILIES, default=list(FAMILIES))
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
    for family in args.family:
        for n, limit in zip(args.agents, limits, strict=True):
            print(f"== {family}: {n} agents, time limit {limit:g} s, seed {args.seed}", flush=True)
            if family == "mixed":
                results.append(run(n, limit, args.seed))
            else:
                results.append(run_lunch(family, n, limit, args.seed))
    print()
    _table(results)


if __name__ == "__main__":
    main()

"""Impossible contracts, rest windows and stopping a solve (issue #11).

Impossible contracts are found before any solve, rest windows checked when the rules are read,
and a solve is stopped on request.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.errors import InfeasibleError, RulesError
from scheduling.roster.agents import Agent
from scheduling.roster.check import check_roster
from scheduling.roster.explain import explain_agent
from scheduling.roster.feasibility import (
    check_contracts,
    contract_conflicts,
    problem_conflicts,
    unknown_skills,
)
from scheduling.roster.io import roster_frame
from scheduling.roster.problem import build_problem
from scheduling.roster.rules import RosterRules, rest_chain, rules_from_dict
from scheduling.roster.solve import STOPPED, Progress, SolverOptions, solve

TZ = "Asia/Dubai"
DAY0 = dt.date(2026, 11, 30)  # a Monday


def rules(
    length_h: float = 9, lunch: bool = True, days_off: int = 2, **extra: object
) -> RosterRules:
    shift: dict[str, object] = {
        "name": "day",
        "length_h": length_h,
        "starts": ["07:00-12:00"],
        "start_step_min": 60,
        "breaks": [{"length_min": 15, "earliest_min": 60, "latest_min": 120}],
    }
    if lunch:
        shift["lunch"] = {"length_min": 60, "earliest_min": 180, "latest_min": 300}
    shift.update(extra)
    return rules_from_dict({"week": {"days_off": days_off}, "shift": [shift]})


def agent(aid: str = "A2", lo: float = 32, hi: float = 40, days: int = 5, **kw: object) -> Agent:
    return Agent(aid, "Omar", ("voice",), lo, hi, days, **kw)  # type: ignore[arg-type]


def requirements(days: int = 7, staff: float = 1.0) -> pd.DataFrame:
    start = pd.Timestamp(dt.datetime.combine(DAY0, dt.time()), tz=TZ)
    stamps = pd.date_range(start, periods=days * 48, freq="30min")
    return pd.DataFrame({"channel": "voice", "interval_start": stamps, "staff": staff})


# -------------------------------------------------------------------------------- contracts
def test_the_issues_contract_48_hours_in_5_days_of_8() -> None:
    lines = contract_conflicts([agent(lo=48, hi=48)], rules())
    assert lines == [
        "agent A2 (Omar): at least 48 paid hours a week (contract: min_hours_week) cannot be "
        "reached in the week of 2001-01-01: at most 5 working days (max_days_week 5) x 8 h "
        "(the longest paid shift, 'day') = 40 h, less than the 48 h asked"
    ]


def test_it_is_refused_before_any_solving(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_search(*args: object, **kwargs: object) -> None:
        raise AssertionError("the solver started")

    # the module, not the function of that name that scheduling.roster exports
    monkeypatch.setattr(sys.modules["scheduling.roster.solve"], "_start", no_search)
    problem = build_problem(requirements(), [agent("A1"), agent(lo=48, hi=48)], rules(), tz=TZ)
    with pytest.raises(InfeasibleError, match="agent A2") as info:
        solve(problem, SolverOptions(time_limit_s=3))
    assert "min_hours_week" in info.value.conflicts[0]
    assert "max_days_week 5" in info.value.conflicts[0]
    assert not any("A1" in line for line in info.value.conflicts)


@pytest.mark.parametrize(
    ("who", "days_off", "kw", "expected"),
    [
        (agent(lo=36, hi=40, days=7), 3, {}, "(week.days_off 3) x 8 h"),
        (
            agent(lo=40, hi=40, unavailable=frozenset({DAY0})),
            2,
            {},
            None,  # a day off counts 8 h toward the 40: still 32 h in 4 days, reachable
        ),
        (agent(lo=20, hi=7), 2, {}, "shortest paid shift"),
        (agent(lo=20, hi=20, days=7), 0, {"length_h": 6, "lunch": False}, "no count of shifts"),
        (agent(lo=8, earliest_start_min=13 * 60), 2, {}, "earliest start 13:00"),
        (agent(lo=8, latest_end_min=15 * 60), 2, {}, "latest end 15:00"),
        (agent(lo=0, hi=40, latest_end_min=15 * 60), 2, {}, None),  # no hours asked
    ],
)
def test_each_sum(who: Agent, days_off: int, kw: dict[str, object], expected: str | None) -> None:
    lines = contract_conflicts([who], rules(days_off=days_off, **kw))  # type: ignore[arg-type]
    if expected is None:
        assert lines == []
    else:
        assert len(lines) == 1 and expected in lines[0], lines


def test_an_unknown_only_skill_is_named_and_an_extra_one_warned_about() -> None:
    fax = Agent("A3", "Huda", ("fax",), 16, 40, 5)
    both = Agent("A4", "Ali", ("voice", "fax"), 16, 40, 5)
    lines = contract_conflicts([fax, both], rules(), channels=["voice"])
    assert len(lines) == 1 and lines[0].startswith("agent A3 (Huda): no allowed shift at all")
    assert "skill(s) 'fax' match no channel of the requirements (voice)" in lines[0]
    notes = unknown_skills([fax, both], rules(), ["voice"], source="agents.csv", rows=(2, 3))
    assert notes == [
        "agents.csv, row 3, column 'skills': agent A4 has skill(s) 'fax' that no requirement "
        "nor shift type knows (channels: voice); ignored"
    ]


def test_check_contracts_raises_naming_the_agents() -> None:
    with pytest.raises(InfeasibleError, match="agent A2 .Omar.") as info:
        check_contracts([agent("A1"), agent(lo=48, hi=48)], rules())
    assert len(info.value.conflicts) == 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lo=st.integers(0, 56),
    extra=st.integers(0, 16),
    days=st.integers(1, 7),
    days_off=st.integers(0, 3),
    off=st.sets(st.integers(0, 6), max_size=4),
    earliest=st.sampled_from([None, 8 * 60, 12 * 60]),
    length=st.sampled_from([5, 8, 9]),
)
def test_never_refuses_an_agent_the_solver_can_roster(
    lo: int,
    extra: int,
    days: int,
    days_off: int,
    off: set[int],
    earliest: int | None,
    length: int,
) -> None:
    """Whatever the quick sums refuse, CP-SAT proves infeasible too (they are never wrong)."""
    who = agent(
        lo=lo,
        hi=lo + extra,
        days=days,
        unavailable=frozenset(DAY0 + dt.timedelta(days=d) for d in off),
        earliest_start_min=earliest,
    )
    problem = build_problem(
        requirements(), [who], rules(length_h=length, lunch=length > 5, days_off=days_off), tz=TZ
    )
    if problem_conflicts(problem):
        assert explain_agent(problem, 0, time_limit_s=20.0), "refused an agent CP-SAT can roster"


# -------------------------------------------------------------------------------- rest windows
@pytest.mark.parametrize(
    ("shift", "breaks", "message"),
    [
        (  # the issue's: 30 min at minute 60 and 15 min at minute 75
            {
                "lunch": {"length_min": 30, "earliest_min": 60, "latest_min": 60},
                "breaks": [{"length_min": 15, "earliest_min": 75, "latest_min": 75}],
            },
            {"min_gap_min": 0},
            r"shift\[0\] \(day\): lunch .* and breaks\[0\] .* overlap wherever they are placed",
        ),
        (
            {"lunch": {"length_min": 600, "earliest_min": 60, "latest_min": 60}},
            {},
            r"shift\[0\] \(day\)\.lunch\.length_min: 600 min is not shorter than the shift",
        ),
        (
            {
                "breaks": [
                    {"length_min": 15, "earliest_min": 60, "latest_min": 60},
                    {"length_min": 15, "earliest_min": 90, "latest_min": 90},
                ]
            },
            {"min_gap_min": 60},
            r"shift\[0\] \(day\): .* 60 min apart \(breaks\.min_gap_min\)",
        ),
        (
            {"breaks": [{"length_min": 30, "earliest_min": 500, "latest_min": 510}]},
            {"step_min": 5},
            r"breaks\[0\]\.earliest_min: a 30-min rest starting 500 min into the 480-min shift",
        ),
    ],
)
def test_rest_windows_that_cannot_be_placed_are_refused_on_reading(
    shift: dict[str, object], breaks: dict[str, int], message: str
) -> None:
    base = {"name": "day", "length_h": 8, "starts": ["08:00-08:00"], **shift}
    with pytest.raises(RulesError, match=message):
        rules_from_dict({"breaks": breaks, "shift": [base]})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    windows=st.lists(
        st.tuples(st.sampled_from([15, 30, 60]), st.integers(0, 28), st.integers(0, 8)),
        min_size=1,
        max_size=3,
    ),
    gap=st.sampled_from([0, 30, 60]),
)
def test_rules_that_load_can_always_be_placed(
    windows: list[tuple[int, int, int]], gap: int
) -> None:
    """A rules file that passes validation never makes the builder write a broken shift."""
    shift = {
        "name": "day",
        "length_h": 8,
        "starts": ["08:00-08:00"],
        "breaks": [
            {"length_min": n, "earliest_min": 15 * e, "latest_min": 15 * (e + w)}
            for n, e, w in windows
        ],
    }
    try:
        loaded = rules_from_dict(
            {"week": {"days_off": 0}, "breaks": {"min_gap_min": gap}, "shift": [shift]}
        )
    except RulesError:
        return
    assert rest_chain(loaded, loaded.shift_types[0])
    problem = build_problem(requirements(1), [agent(lo=0, hi=70, days=7)], loaded, tz=TZ)
    sol = solve(problem, SolverOptions(time_limit_s=5))
    frame = roster_frame(list(sol.shifts))
    assert len(sol.shifts) == 1
    assert check_roster(frame, problem.agents, problem.rules, problem.dates) == []


# -------------------------------------------------------------------------------- stopping
def _week(n_agents: int = 6) -> tuple[list[Agent], pd.DataFrame]:
    agents = [agent(f"A{i}", lo=24, hi=40) for i in range(n_agents)]
    return agents, requirements(staff=3.0)


def test_a_stop_before_the_search_returns_the_greedy_roster() -> None:
    agents, req = _week()
    problem = build_problem(req, agents, rules(), tz=TZ)
    stop = threading.Event()
    stop.set()
    sol = solve(problem, SolverOptions(time_limit_s=600), stop=stop)
    assert sol.status == "feasible" and any(STOPPED in note for note in sol.notes)
    frame = roster_frame(list(sol.shifts))
    assert len(sol.shifts) > 0
    assert check_roster(frame, problem.agents, problem.rules, problem.dates) == []


@pytest.mark.parametrize("monolithic_max_vars", [0, 1_000_000])  # the search, then CP-SAT
def test_a_stop_during_the_search_keeps_the_best_roster(monolithic_max_vars: int) -> None:
    """With a ten-minute limit, only the stop can end the solve this soon."""
    agents, req = _week(10)
    problem = build_problem(req, agents, rules(), tz=TZ)
    stop = threading.Event()
    phases: list[str] = []

    def progress(p: Progress) -> None:
        phases.append(p.phase)
        stop.set()  # the greedy start is ready and the search begins: stop it

    options = SolverOptions(time_limit_s=600, monolithic_max_vars=monolithic_max_vars)
    sol = solve(problem, options, progress=progress, stop=stop)
    assert phases[0] == "greedy"
    assert sol.status in ("feasible", "optimal")
    if sol.status == "feasible":
        assert any(STOPPED in note for note in sol.notes)
    assert sol.wall_time_s < 600
    frame = roster_frame(list(sol.shifts))
    assert check_roster(frame, problem.agents, problem.rules, problem.dates) == []

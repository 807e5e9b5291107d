"""The large-neighbourhood search: exact bookkeeping, valid rosters, fixed days stay fixed.

It stops at its deadline, keeps its best roster and reports its bound (on a fake clock: no test
here depends on how fast the machine is).
"""

from __future__ import annotations

import datetime as dt
import importlib
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.roster import _search
from scheduling.roster._greedy import greedy_roster
from scheduling.roster._lp_bound import lp_objective_bound, lp_objective_solution
from scheduling.roster._search import LnsOptions, Search, _Hood, improve
from scheduling.roster.check import check_roster
from scheduling.roster.io import roster_frame
from scheduling.roster.objective import (
    coverage_cost,
    interval_costs,
    objective_terms,
    on_phones,
)
from scheduling.roster.problem import RosterProblem, build_problem
from scheduling.roster.rules import rules_from_dict
from scheduling.roster.solve import SolverOptions, _solve_lns, shifts_from_assignments, solve
from tests.scheduling.roster.test_solver import DAY0, TZ, agent, requirements

# the module, not the function that scheduling.roster re-exports under the same name
solve_module = importlib.import_module("scheduling.roster.solve")

RULES = rules_from_dict(
    {
        "week": {"days_off": 2, "min_rest_h": 12, "max_consecutive_days": 5},
        "shift": [
            {"name": "day", "length_h": 8, "starts": ["06:00-14:00"], "start_step_min": 60},
            {"name": "part", "length_h": 4, "starts": ["08:00-18:00"], "start_step_min": 120},
        ],
        "weights": {
            "paid_hour": 0.5,
            "preferred_start_per_h": 0.5,
            "preferred_day_off": 3,
            "full_weekend": 2,
            "late_shift_spread": 1,
            "start_band": 1,
        },
    }
)


def instance(seed: int, n_agents: int = 8, days: int = 7) -> RosterProblem:
    rng = np.random.default_rng(seed)
    skills = [("voice",), ("chat",), ("voice", "chat")]
    agents = [
        agent(
            f"A{i}",
            skills[int(rng.integers(0, 3))],
            lo=float(rng.choice([0, 16, 24])),
            hi=40,
            preferred_start_min=int(rng.choice([420, 600])) if rng.random() < 0.4 else None,
            preferred_days_off=frozenset({int(rng.integers(0, 7))})
            if rng.random() < 0.4
            else frozenset(),
            unavailable=frozenset({DAY0 + dt.timedelta(days=int(rng.integers(0, days)))})
            if rng.random() < 0.2
            else frozenset(),
        )
        for i in range(n_agents)
    ]
    demand = {c: [float(x) for x in rng.integers(0, 4, size=48)] for c in ("voice", "chat")}
    return build_problem(requirements(days, demand), agents, RULES, tz=TZ)


def test_interval_costs_sum_to_the_coverage_cost() -> None:
    problem = instance(0)
    start = list(greedy_roster(problem).assignments)
    cov = on_phones(problem, start)
    under, over = coverage_cost(problem, cov)
    costs = [u + o for u, o in interval_costs(problem, cov).values()]
    assert sum(int(v.sum()) for v in costs) == under + over
    assert all((v >= 0).all() for v in costs)


class FakeClock:
    """Stands in for the ``time`` module of the search.

    Every ``perf_counter()`` read is one second after the last, so a deadline is a number of
    clock reads, not of real seconds.


    ``frozen`` keeps the time still (no deadline is ever reached). Past ``max_reads`` reads the
    clock sets ``overrun`` and raises, so a search that never stops fails instead of hanging.
    """

    def __init__(self, *, frozen: bool = False, max_reads: int = 400) -> None:
        self.now = 0.0
        self.reads = 0
        self.frozen = frozen
        self.max_reads = max_reads
        self.overrun = False
        self._lock = threading.Lock()

    def perf_counter(self) -> float:
        with self._lock:
            self.reads += 1
            if self.reads > self.max_reads:
                self.overrun = True
                raise AssertionError("the search kept reading the clock: it did not stop")
            if not self.frozen:
                self.now += 1.0
            return self.now

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """A fake clock for the search and the solve loop (not for CP-SAT's own step limits)."""
    fake = FakeClock()
    monkeypatch.setattr(_search, "time", fake)
    monkeypatch.setattr(solve_module, "time", fake)
    return fake


def test_search_with_its_deadline_passed_returns_the_start() -> None:
    problem = instance(1)
    start = list(greedy_roster(problem).assignments)
    search = improve(problem, start, time.perf_counter() - 1.0, LnsOptions(), lambda: None)
    assert sum(search.stats.tried.values()) == 0 and search.improvements == 0
    assert sorted(search.assignments()) == sorted(start)
    assert search.objective_units / 100 == pytest.approx(objective_terms(problem, start)["total"])


@pytest.mark.parametrize("workers", [1, 2])
def test_search_stops_at_its_deadline_and_keeps_its_best(clock: FakeClock, workers: int) -> None:
    problem = instance(1)
    start = list(greedy_roster(problem).assignments)
    before = objective_terms(problem, start)["total"]
    seen: list[float] = []
    deadline = 30.0  # clock reads: a few neighbourhood steps
    search = improve(
        problem,
        start,
        deadline,
        LnsOptions(workers=workers, step_time_s=0.3, seed=3),
        lambda: None,
        seen.append,
    )
    # it stopped at the deadline: no thread went on reading the clock past it
    assert not clock.overrun and deadline <= clock.now < deadline + 3 * workers
    assert sum(search.stats.tried.values()) > 0
    assert search.busy == set()  # every step released its agents
    # it returns its best: the exact objective of the roster it holds, never above the start
    after = objective_terms(problem, search.assignments())["total"]
    assert after == pytest.approx(search.objective_units / 100)
    assert after <= before + 1e-9
    assert seen == sorted(seen, reverse=True)  # each reported roster is better
    assert not seen or seen[-1] == search.objective_units
    frame = roster_frame(shifts_from_assignments(problem, search.assignments()))
    assert check_roster(frame, problem.agents, problem.rules, problem.dates) == []


def test_day_neighbourhood_keeps_the_other_days() -> None:
    problem = instance(2)
    start = list(greedy_roster(problem).assignments)
    search = Search(problem, start, LnsOptions(seed=0), lambda: None)
    agents = sorted({key.agent for key in start})[:5]
    hood = _Hood("days", agents, frozenset({2, 3}))
    own = [key for a in agents for key in search.by_agent[a]]
    own_cov = on_phones(problem, own)
    base = {c: search.cov[c] - own_cov[c] for c in problem.channels}
    new, _ = search._solve(hood, own, base, 2.0)
    if new is None:  # nothing better on those days: the roster is kept
        return
    # the shifts on the other days stay (their rests may move)
    outside = {key.shift for key in own if problem.candidates[key.cand].day not in (2, 3)}
    assert outside == {key.shift for key in new if problem.candidates[key.cand].day not in (2, 3)}
    # and the result is a better roster once applied
    old = search.objective_units
    assert search._apply(hood, own, own_cov, new) > 0
    assert search.objective_units < old


def test_restricted_neighbourhood_uses_only_the_support_and_own_shifts() -> None:
    problem = instance(3)
    start = list(greedy_roster(problem).assignments)
    support = {(key.cand, key.channel) for key in start}
    search = Search(problem, start, LnsOptions(seed=0, free_share=0.0), lambda: support)
    agents = sorted({key.agent for key in start})[:3]
    hood = _Hood("agents", agents, None)
    own = [key for a in agents for key in search.by_agent[a]]
    own_cov = on_phones(problem, own)
    base = {c: search.cov[c] - own_cov[c] for c in problem.channels}
    new, _ = search._solve(hood, own, base, 2.0)
    if new is not None:
        assert {(key.cand, key.channel) for key in new} <= support


def test_solve_by_neighbourhood_search_is_checked_and_bounded() -> None:
    problem = instance(4, n_agents=10)
    sol = solve(problem, SolverOptions(time_limit_s=6, monolithic_max_vars=0, seed=1))
    assert sol.status == "feasible"
    assert any("neighbourhood search" in note for note in sol.notes)
    assert sol.objective is not None and sol.greedy_objective is not None
    assert sol.objective <= sol.greedy_objective + 1e-9
    assert sol.best_bound is not None and sol.best_bound <= sol.objective + 1e-6
    assert sol.objective == pytest.approx(objective_terms(problem, sol.assignments)["total"])
    frame = roster_frame(list(sol.shifts))
    assert check_roster(frame, problem.agents, problem.rules, problem.dates) == []


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), n_agents=st.integers(2, 6), days=st.integers(2, 7))
def test_neighbourhood_search_rosters_always_pass_the_checker(
    seed: int, n_agents: int, days: int
) -> None:
    problem = instance(seed, n_agents=n_agents, days=days)
    sol = solve(problem, SolverOptions(time_limit_s=3, monolithic_max_vars=0, seed=seed))
    frame = roster_frame(list(sol.shifts))
    assert check_roster(frame, problem.agents, problem.rules, problem.dates) == []


class _NeverReady(Future[tuple[float | None, set[tuple[int, str]]]]):
    """An LP relaxation that never finishes: asked with a timeout, it times out at once."""

    def result(self, timeout: float | None = None) -> tuple[float | None, set[tuple[int, str]]]:
        raise FutureTimeout


def test_search_reports_its_bound_when_ready_and_says_so_when_late(clock: FakeClock) -> None:
    problem = instance(5)
    start = greedy_roster(problem).assignments
    greedy = objective_terms(problem, start)["total"]
    options = SolverOptions(time_limit_s=20, lns_step_s=0.3)  # 20 clock reads
    late = _solve_lns(problem, options, start, clock.perf_counter(), None, _NeverReady())
    assert not clock.overrun
    assert late.status == "feasible" and late.best_bound is None and late.gap is None
    assert any("gap unknown" in note for note in late.notes)
    assert late.objective == pytest.approx(objective_terms(problem, late.assignments)["total"])
    assert late.objective is not None and late.objective <= greedy + 1e-9
    frame = roster_frame(list(late.shifts))
    assert check_roster(frame, problem.agents, problem.rules, problem.dates) == []
    # with the LP relaxation solved, its bound is reported, never above the objective
    ready: Future[tuple[float | None, set[tuple[int, str]]]] = Future()
    ready.set_result(lp_objective_solution(problem))
    sol = _solve_lns(problem, options, start, clock.perf_counter(), None, ready)
    assert sol.best_bound == pytest.approx(lp_objective_bound(problem))
    assert sol.objective is not None and sol.best_bound <= sol.objective + 1e-6
    assert sol.gap == pytest.approx((sol.objective - sol.best_bound) / sol.objective)
    assert not any("gap unknown" in note for note in sol.notes)


def test_an_error_in_a_search_thread_reaches_the_caller_and_stops_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the clock stands still, so only the error can end the search: a thread that did not stop
    # would read the clock until it overruns
    clock = FakeClock(frozen=True, max_reads=60)
    monkeypatch.setattr(_search, "time", clock)
    problem = instance(6)
    start = list(greedy_roster(problem).assignments)
    calls = 0

    def fails_once() -> set[tuple[int, str]] | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("support failed")
        return None

    with pytest.raises(RuntimeError, match="support failed"):
        improve(problem, start, 1.0e9, LnsOptions(workers=2, free_share=0.0), fails_once)
    assert not clock.overrun


def test_the_greedy_fallback_states_its_objective(monkeypatch: pytest.MonkeyPatch) -> None:
    """CP-SAT finds nothing in its time: the greedy roster comes back with its figures."""
    solve_module = importlib.import_module("scheduling.roster.solve")
    real = solve_module.configure_solver

    def no_time(options: SolverOptions, time_limit_s: float | None = None) -> object:
        solver = real(options, time_limit_s)
        solver.parameters.max_time_in_seconds = 0.0
        return solver

    monkeypatch.setattr(solve_module, "configure_solver", no_time)
    problem = instance(3, n_agents=6)
    sol = solve(problem, SolverOptions(time_limit_s=5, seed=0))
    assert any("greedy roster returned" in note for note in sol.notes)
    assert sol.objective is not None and sol.shifts
    assert sol.objective == pytest.approx(objective_terms(problem, sol.assignments)["total"])
    frame = roster_frame(list(sol.shifts))
    assert check_roster(frame, problem.agents, problem.rules, problem.dates) == []

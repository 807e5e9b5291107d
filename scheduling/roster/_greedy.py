"""A sequential baseline: each agent's best week in turn, then each new shift's rests.

Agent by agent, each agent's best week against the demand still uncovered on the phones (a small
CP-SAT model per agent, so every hard rule holds), then each new shift's lunch and breaks where
they cost coverage least.

It is the benchmark's greedy baseline, the optimizer's starting hint, and, as a side effect,
the per-agent feasibility check (an agent whose own model is infeasible is reported).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from scheduling.errors import SolveAborted
from scheduling.roster._cpsat import new_solver
from scheduling.roster.breaks import RestPlacer
from scheduling.roster.model import build_model, coverage_weights
from scheduling.roster.objective import shortfall_cost
from scheduling.roster.problem import Assignment, RosterProblem


def expected_cover(problem: RosterProblem, k: int) -> dict[int, int]:
    """What candidate ``k`` is worth on the phones before its rests are placed.

    Its cover units on the phones, with each rest period's cover averaged over its offsets
    (rounded).
    """
    cand = problem.candidates[k]
    units = {i: float(u) for i, u in cand.cover}
    for options in cand.rest_cover:
        for cover in options:
            for i, u in cover:
                units[i] -= u / len(options)
    return {i: round(u) for i, u in units.items() if round(u)}


@dataclass(frozen=True, slots=True)
class GreedyResult:
    """Chosen shifts with their rests, and the agents found infeasible."""

    assignments: tuple[Assignment, ...]
    infeasible_agents: tuple[int, ...]
    wall_time_s: float


def greedy_roster(
    problem: RosterProblem,
    time_limit_per_agent_s: float = 2.0,
    abort: threading.Event | None = None,
) -> GreedyResult:
    """Build a roster agent by agent (most constrained first).

    ``abort``, when set, stops it between two agents with :class:`SolveAborted` (a few
    hundredths of a second for the demo's agents).

    Returns
    -------
    GreedyResult
        Each agent's week maximises the value of the demand it covers on the phones (convex
        under-staffing weights; rests counted at their average) less its own soft costs,
        given the agents placed before it; then each of its shifts takes the rests that cost
        coverage least.
    """
    t0 = time.perf_counter()
    req = problem.required
    cov = {c: np.zeros(problem.n_intervals, dtype=np.int64) for c in problem.channels}
    placer = RestPlacer(problem, cov)
    expected = [expected_cover(problem, k) for k in range(len(problem.candidates))]
    cand_flat = np.array([k for k, e in enumerate(expected) for _ in e], dtype=int)
    int_flat = np.array([i for e in expected for i in e], dtype=int)
    unit_flat = np.array([u for e in expected for u in e.values()], dtype=int)
    weights, w_over = coverage_weights(problem)
    rows = {c: weights[c][int_flat] for c in problem.channels}

    def cost(c: str, short: np.ndarray) -> np.ndarray:
        under = shortfall_cost(rows[c], short, problem.cover_units)
        total: np.ndarray = under + w_over * np.maximum(0, -short)
        return total

    def value(c: str) -> np.ndarray:
        """Per candidate, the coverage cost it saves on channel ``c`` given ``cov``."""
        r = req[c][int_flat] - cov[c][int_flat]
        gain = cost(c, r) - cost(c, r - unit_flat)
        return np.bincount(cand_flat, weights=gain, minlength=len(problem.candidates))

    order = sorted(
        range(len(problem.agents)),
        key=lambda a: (len(problem.agents[a].skills), -problem.agents[a].max_hours_week),
    )
    chosen: list[Assignment] = []
    infeasible: list[int] = []
    for a in order:
        if abort is not None and abort.is_set():
            raise SolveAborted("the roster was aborted on request during the greedy start")
        model, v = build_model(problem, agents=[a], coverage=False)
        values = {c: value(c) for c in problem.channels}
        gains = [(key, int(round(values[key[2]][key[1]]))) for key in v.x]
        own = cp_model.LinearExpr.sum([expr for _, expr in v.terms])
        model.minimize(
            own
            - cp_model.LinearExpr.weighted_sum([v.x[k] for k, _ in gains], [g for _, g in gains])
        )
        solver = new_solver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = time_limit_per_agent_s
        solver.parameters.random_seed = 0
        status = solver.solve(model)
        if status == cp_model.INFEASIBLE:
            infeasible.append(a)
            continue
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            infeasible.append(a)  # pragma: no cover - a tiny model that found nothing in time
            continue
        for (a_, k, c), var in v.x.items():
            if solver.value(var):
                key = Assignment(a_, k, c, placer.best(k, c))
                chosen.append(key)
                placer.add(key)
    return GreedyResult(tuple(chosen), tuple(infeasible), time.perf_counter() - t0)

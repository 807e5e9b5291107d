"""Lower bounds from the LP relaxation of the covering problem (GLOP).

Agents with identical contracts, skills, availability and preferences form one class (the LP
of identical agents is symmetric, so aggregating them loses nothing); for each class,
candidate shift and channel a continuous number of shifts is chosen, subject to the agents per
day, contract hours and working days per week, and the night limit. Rest, consecutive-day and
consecutive-days-off rules are relaxed, and the non-negative terms that need integrality
(weekends, late-shift spread, start bands, changes) are left out, so each optimum is a valid
lower bound:

- :func:`lp_under_staffing_bound`: least total under-staffing, agent-hours;
- :func:`lp_objective_bound`: least objective (points), the same scale as the CP-SAT objective.
"""

from __future__ import annotations

import math
from collections import defaultdict

from ortools.linear_solver import pywraplp

from scheduling.agents import leave_credit_min
from scheduling.roster_model import OBJ_SCALE, coverage_weights, start_deviation_min
from scheduling.roster_problem import COVER_UNITS, RosterProblem, candidate_blockers


def _solve_lp(problem: RosterProblem, objective: bool) -> tuple[float | None, set[tuple[int, str]]]:
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
        return None, set()
    rules = problem.rules
    w = rules.weights
    classes: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for a, agent in enumerate(problem.agents):
        key: tuple[object, ...] = (
            agent.skills,
            agent.min_hours_week,
            agent.max_hours_week,
            agent.max_days_week,
            agent.earliest_start_min,
            agent.latest_end_min,
            agent.unavailable,
            agent.group,
        )
        if objective:
            key += (agent.preferred_start_min, agent.preferred_days_off)
        classes[key].append(a)
    cover: dict[tuple[str, int], list] = defaultdict(list)
    cost_terms = []
    columns: list[tuple[pywraplp.Variable, int, str]] = []
    for members in classes.values():
        n = len(members)
        agent = problem.agents[members[0]]
        per_day: dict[int, list] = defaultdict(list)
        for k, cand in enumerate(problem.candidates):
            st = rules.shift_types[cand.type_idx]
            if not problem.type_allowed(agent, st) or candidate_blockers(problem, agent, cand):
                continue
            cost = round(w.paid_hour * OBJ_SCALE * cand.paid_min / 60)
            if agent.preferred_start_min is not None:
                dev = start_deviation_min(agent.preferred_start_min, cand.start_tod_min)
                cost += round(w.preferred_start_per_h * OBJ_SCALE * dev / 60)
            if problem.dates[cand.day].weekday() in agent.preferred_days_off:
                cost += round(w.preferred_day_off * OBJ_SCALE)
            for c in problem.agent_channels(agent, st):
                y = solver.NumVar(0, n, "")
                columns.append((y, k, c))
                per_day[cand.day].append((y, cand))
                if cost and objective:
                    cost_terms.append(cost * y)
                for i, units in cand.cover:
                    cover[(c, i)].append((y, units))
        for day_vars in per_day.values():
            solver.Add(sum(y for y, _ in day_vars) <= n)
        for week in problem.weeks():
            share = len(week) / 7
            ys = [(y, cand) for d in week for y, cand in per_day.get(d, [])]
            paid = sum(cand.paid_min * y for y, cand in ys)
            credit = leave_credit_min(agent, [problem.dates[d] for d in week])
            lo = math.floor(max(0.0, agent.min_hours_week * 60 * share - credit) + 1e-9)
            solver.Add(paid >= n * lo)
            solver.Add(paid <= n * math.ceil(agent.max_hours_week * 60 * share - 1e-9))
            max_days = min(
                agent.max_days_week, len(week) - math.floor(rules.days_off_per_week * share)
            )
            solver.Add(sum(y for y, _ in ys) <= n * max_days)
            if rules.max_night_shifts_week is not None:
                nights = [y for y, cand in ys if cand.night]
                if nights:
                    solver.Add(sum(nights) <= n * rules.max_night_shifts_week)
    w_under, w_over = coverage_weights(problem)
    inf = solver.infinity()
    for c in problem.channels:
        for i in range(problem.n_intervals):
            req = math.ceil(problem.staff[c][i] * COVER_UNITS - 1e-6)
            terms = cover.get((c, i), [])
            if req <= 0 and (not terms or not objective):
                continue
            cov = sum(units * y for y, units in terms) if terms else 0
            if not objective:
                u = solver.NumVar(0, inf, "")
                cost_terms.append(u)
                solver.Add(cov + u >= req)
                continue
            segs = []
            for s, weight in enumerate(w_under):
                last = s == len(w_under) - 1
                u = solver.NumVar(0, inf if last else COVER_UNITS, "")
                segs.append(u)
                cost_terms.append(weight * u)
            over = solver.NumVar(0, inf, "")
            cost_terms.append(w_over * over)
            solver.Add(cov + sum(segs) - over == req)
    if not cost_terms:
        return 0.0, set()
    solver.Minimize(sum(cost_terms))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None, set()
    support = {(k, c) for y, k, c in columns if y.solution_value() > 1e-6}
    return float(solver.Objective().Value()), support


def lp_under_staffing_bound(problem: RosterProblem) -> float | None:
    """Least total under-staffing (agent-hours) over all fractional rosters; ``None`` when
    GLOP does not reach the optimum."""
    value, _ = _solve_lp(problem, objective=False)
    return None if value is None else value / COVER_UNITS * problem.interval_min / 60


def lp_objective_bound(problem: RosterProblem) -> float | None:
    """A lower bound on the roster objective (points); ``None`` when GLOP fails."""
    return lp_objective_solution(problem)[0]


def lp_objective_solution(problem: RosterProblem) -> tuple[float | None, set[tuple[int, str]]]:
    """The objective bound (points) and the LP solution's support: the ``(candidate index,
    channel)`` pairs some class of agents uses fractionally. The optimizer restricts its
    search to these shifts (plus its starting roster's)."""
    value, support = _solve_lp(problem, objective=True)
    return (None if value is None else value / OBJ_SCALE), support


def aggregated_bound(
    problem: RosterProblem, time_limit_s: float = 10.0, num_workers: int = 2
) -> float | None:
    """A lower bound on the roster objective (points) from the aggregated integer program.

    The same relaxation as :func:`lp_objective_bound`, but the number of shifts per class,
    candidate and channel is an integer (CP-SAT), which removes most of the LP's integrality
    gap (a fraction of an agent cannot cover a quiet interval). Any bound CP-SAT proves for it
    within ``time_limit_s`` bounds the roster's objective; ``None`` when it proves nothing.
    """
    from ortools.sat.python import cp_model  # noqa: PLC0415 - keep GLOP users light

    model = cp_model.CpModel()
    rules = problem.rules
    w = rules.weights
    classes: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for a, agent in enumerate(problem.agents):
        key: tuple[object, ...] = (
            agent.skills,
            agent.min_hours_week,
            agent.max_hours_week,
            agent.max_days_week,
            agent.earliest_start_min,
            agent.latest_end_min,
            agent.unavailable,
            agent.group,
            agent.preferred_start_min,
            agent.preferred_days_off,
        )
        classes[key].append(a)
    cover: dict[tuple[str, int], list] = defaultdict(list)
    cost_vars: list = []
    cost_coefs: list[int] = []
    for members in classes.values():
        n = len(members)
        agent = problem.agents[members[0]]
        per_day: dict[int, list] = defaultdict(list)
        for cand in problem.candidates:
            st = rules.shift_types[cand.type_idx]
            if not problem.type_allowed(agent, st) or candidate_blockers(problem, agent, cand):
                continue
            cost = round(w.paid_hour * OBJ_SCALE * cand.paid_min / 60)
            if agent.preferred_start_min is not None:
                dev = start_deviation_min(agent.preferred_start_min, cand.start_tod_min)
                cost += round(w.preferred_start_per_h * OBJ_SCALE * dev / 60)
            if problem.dates[cand.day].weekday() in agent.preferred_days_off:
                cost += round(w.preferred_day_off * OBJ_SCALE)
            for c in problem.agent_channels(agent, st):
                y = model.new_int_var(0, n, "")
                per_day[cand.day].append((y, cand))
                if cost:
                    cost_vars.append(y)
                    cost_coefs.append(cost)
                for i, units in cand.cover:
                    cover[(c, i)].append((y, units))
        for day_vars in per_day.values():
            model.add(sum(y for y, _ in day_vars) <= n)
        for week in problem.weeks():
            share = len(week) / 7
            ys = [(y, cand) for d in week for y, cand in per_day.get(d, [])]
            if not ys:
                continue
            paid = sum(cand.paid_min * y for y, cand in ys)
            credit = leave_credit_min(agent, [problem.dates[d] for d in week])
            lo = math.floor(max(0.0, agent.min_hours_week * 60 * share - credit) + 1e-9)
            model.add(paid >= n * lo)
            model.add(paid <= n * math.ceil(agent.max_hours_week * 60 * share - 1e-9))
            max_days = min(
                agent.max_days_week, len(week) - math.floor(rules.days_off_per_week * share)
            )
            model.add(sum(y for y, _ in ys) <= n * max_days)
            if rules.max_night_shifts_week is not None:
                nights = [y for y, cand in ys if cand.night]
                if nights:
                    model.add(sum(nights) <= n * rules.max_night_shifts_week)
    w_under, w_over = coverage_weights(problem)
    for c in problem.channels:
        for i in range(problem.n_intervals):
            req = math.ceil(problem.staff[c][i] * COVER_UNITS - 1e-6)
            terms = cover.get((c, i), [])
            if not terms:
                continue
            segs = []
            remaining = max(req, 0)
            for s, weight in enumerate(w_under):
                last = s == len(w_under) - 1
                ub = remaining if last else min(COVER_UNITS, remaining)
                if ub <= 0:
                    break
                u = model.new_int_var(0, ub, "")
                segs.append(u)
                cost_vars.append(u)
                cost_coefs.append(weight)
                remaining -= ub
            top = sum(units for _, units in terms) * max(1, len(problem.agents))
            over = model.new_int_var(0, top, "")
            cost_vars.append(over)
            cost_coefs.append(w_over)
            model.add(sum(units * y for y, units in terms) + sum(segs) - over == req)
    # intervals no shift can cover: their under-staffing is a constant
    const = 0
    for c in problem.channels:
        for i in range(problem.n_intervals):
            req = math.ceil(problem.staff[c][i] * COVER_UNITS - 1e-6)
            if req > 0 and not cover.get((c, i)):
                left = req
                for s, weight in enumerate(w_under):
                    take = left if s == len(w_under) - 1 else min(COVER_UNITS, left)
                    const += take * weight
                    left -= take
    model.minimize(cp_model.LinearExpr.weighted_sum(cost_vars, cost_coefs))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = num_workers
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return (solver.best_objective_bound + const) / OBJ_SCALE

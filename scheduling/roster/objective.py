"""The roster objective evaluated in plain Python for a set of chosen shifts and rests.

It mirrors the penalty terms of :mod:`scheduling.roster.model` (a test checks both agree on
the solver's solutions), counting agents on the phones (shifts less their lunch and breaks);
the search in :mod:`scheduling.roster._search` uses it to track the objective of the whole
roster while it re-optimises groups of agents.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

from scheduling.roster.model import OBJ_SCALE, coverage_weights, previous_in_horizon
from scheduling.roster.model import start_deviation_min as _dev
from scheduling.roster.problem import Assignment, RosterProblem


def on_phones(problem: RosterProblem, assignments: Iterable[Assignment]) -> dict[str, np.ndarray]:
    """Agents on the phones (cover units) per channel and interval.

    Each shift counts its cover less the lunch and breaks it takes.
    """
    cov = {c: np.zeros(problem.n_intervals, dtype=np.int64) for c in problem.channels}
    for key in assignments:
        cand = problem.candidates[key.cand]
        arr = cov[key.channel]
        for i, u in cand.cover:
            arr[i] += u
        for j, o in enumerate(key.rests):
            for i, u in cand.rest_cover[j][o]:
                arr[i] -= u
    return cov


def shortfall_cost(w_under: np.ndarray, short: np.ndarray, units: int) -> np.ndarray:
    """Under-staffing cost (objective units) of ``short`` cover units missing, row by row.

    ``w_under`` is (n x segments), the first agent (``units`` cover units) at column 0, ...
    """
    short = np.maximum(0, short)
    cost = np.zeros(len(short), dtype=np.int64)
    n_seg = w_under.shape[1]
    for s in range(n_seg):
        lo = s * units
        take = short - lo if s == n_seg - 1 else np.clip(short - lo, 0, units)
        cost += w_under[:, s] * np.maximum(0, take)
    return cost


def interval_costs(
    problem: RosterProblem, cov: dict[str, np.ndarray]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per channel, the (under-staffing, over-staffing) cost per interval, objective units."""
    weights, w_over = coverage_weights(problem)
    out = {}
    for c in problem.channels:
        req = problem.required[c]
        out[c] = (
            shortfall_cost(weights[c], req - cov[c], problem.cover_units),
            w_over * np.maximum(0, cov[c] - req),
        )
    return out


def coverage_cost(problem: RosterProblem, cov: dict[str, np.ndarray]) -> tuple[int, int]:
    """(under-staffing, over-staffing) cost in objective units for a coverage."""
    costs = interval_costs(problem, cov).values()
    return int(sum(int(u.sum()) for u, _ in costs)), int(sum(int(o.sum()) for _, o in costs))


def agent_cost(problem: RosterProblem, a: int, mine: list[Assignment]) -> dict[str, int]:
    """Agent ``a``'s own penalty terms (objective units) for their chosen shifts."""
    w = problem.rules.weights
    agent = problem.agents[a]
    cands = [problem.candidates[key.cand] for key in mine]
    out = {
        k: 0
        for k in (
            "paid_hours",
            "preferred_start",
            "preferred_days_off",
            "full_weekends",
            "late_shift_spread",
            "start_bands",
            "changes",
        )
    }
    for cand in cands:
        out["paid_hours"] += round(w.paid_hour * OBJ_SCALE * cand.paid_min / 60)
        if agent.preferred_start_min is not None:
            dev = _dev(agent.preferred_start_min, cand.start_tod_min)
            out["preferred_start"] += round(w.preferred_start_per_h * OBJ_SCALE * dev / 60)
        if problem.dates[cand.day].weekday() in agent.preferred_days_off:
            out["preferred_days_off"] += round(w.preferred_day_off * OBJ_SCALE)
    days = {cand.day for cand in cands}
    for week in problem.weeks():
        wk = [d for d in week if problem.dates[d].weekday() in problem.rules.weekend_days]
        if len(wk) >= 2:
            out["full_weekends"] += round(w.full_weekend * OBJ_SCALE) * max(
                0, sum(1 for d in wk if d in days) - 1
            )
        n_late = sum(1 for cand in cands if cand.late and cand.day in week)
        w_late = round(w.late_shift_spread * OBJ_SCALE)
        out["late_shift_spread"] += w_late * sum(max(0, n_late - k) for k in range(1, len(week)))
    if cands and w.start_band:
        bands = {cand.start_tod_min // problem.rules.start_band_min for cand in cands}
        out["start_bands"] = round(w.start_band * OBJ_SCALE) * len(bands)
    prev_days, prev = previous_in_horizon(problem)
    w_change = round(w.change * OBJ_SCALE)
    if prev_days and w_change:
        by_day = {problem.candidates[key.cand].day: (key.cand, key.channel) for key in mine}
        for d in prev_days:
            p = prev.get((agent.agent_id, d))
            got = by_day.get(d)
            if p is None:
                out["changes"] += w_change * (got is not None)
                continue
            same = got is not None and (
                problem.candidates[got[0]].start_min == problem.minute(p.start)
                and problem.candidates[got[0]].end_min == problem.minute(p.end)
                and got[1] == p.channel
            )
            out["changes"] += 0 if same else w_change
    return out


def objective_terms(problem: RosterProblem, assignments: Iterable[Assignment]) -> dict[str, float]:
    """Every penalty term of the roster, in points, and their ``total``."""
    assignments = list(assignments)
    by_agent: dict[int, list[Assignment]] = defaultdict(list)
    for key in assignments:
        by_agent[key.agent].append(key)
    under, over = coverage_cost(problem, on_phones(problem, assignments))
    terms: dict[str, float] = {"under_staffing": under, "over_staffing": over}
    for a in range(len(problem.agents)):
        for name, value in agent_cost(problem, a, by_agent.get(a, [])).items():
            terms[name] = terms.get(name, 0) + value
    out = {name: value / OBJ_SCALE for name, value in terms.items()}
    out["total"] = math.fsum(out.values())
    return out

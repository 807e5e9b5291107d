"""Lower bounds from an aggregated relaxation of the roster problem (HiGHS LP via SciPy, or CP-SAT).

Agents with identical contracts, skills, availability and preferences form one class (the
relaxation of identical agents is symmetric, so aggregating them loses nothing). Per class it
chooses a number of shifts per candidate and channel, and a number of agents per **day
pattern** (the set of days worked in a week that the days-off, consecutive-days-off,
consecutive-days, time-off and contract-hours rules allow), so every roster maps to a
solution of it. It also keeps:

- contract hours, working days and the night limit, summed over the class;
- the minimum rest between consecutive days as threshold cuts: the agents working both days
  cannot be among both the day-``d`` shifts ending after ``e`` and the day-``d+1`` shifts
  starting before ``e + rest``;
- the soft terms every roster pays: paid hours and preferences (exact), full weekends (exact
  per pattern), late-shift spread (convex, summed per class: Jensen's inequality) and start
  bands (an agent uses at least one band; the agents using a band are at least the shifts
  starting in it on any one day);
- the **integrality of coverage**: in an interval only whole multiples ``g`` of the cover
  units (a whole agent for aligned shifts) can be scheduled, so each interval's under- and
  over-staffing cost is taken at those lattice points and interpolated between them (a convex
  function at least the original one, equal to it on every roster).

Rest across week boundaries, consecutive days across weeks and per-agent terms beyond those
are relaxed, so each optimum is a valid lower bound:

- :func:`lp_under_staffing_bound`: least total under-staffing, agent-hours;
- :func:`lp_objective_bound`: least objective (points), the same scale as the CP-SAT objective;
- :func:`aggregated_bound`: the same relaxation with integer counts, solved by CP-SAT.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from scheduling.roster.agents import Agent, leave_credit_min
from scheduling.roster.model import OBJ_SCALE, coverage_weights, start_deviation_min, under_cost
from scheduling.roster.problem import Candidate, RestSlot, RosterProblem, candidate_blockers


@dataclass(slots=True)
class _Lin:
    """A linear model under construction, independent of the solver (variables are indices)."""

    lo: list[float] = field(default_factory=list)
    hi: list[float] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    rows: list[tuple[list[int], list[float], float, float]] = field(default_factory=list)
    const: float = 0.0

    def var(self, lo: float, hi: float, cost: float = 0.0) -> int:
        self.lo.append(lo)
        self.hi.append(hi)
        self.cost.append(cost)
        return len(self.lo) - 1

    def row(self, terms: list[tuple[int, float]], lo: float, hi: float) -> None:
        self.rows.append(([v for v, _ in terms], [c for _, c in terms], lo, hi))


INF = math.inf


def class_members(problem: RosterProblem, preferences: bool = True) -> list[list[int]]:
    """Agent indices grouped by identical hard rules (and preferences)."""
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
        if preferences:
            key += (agent.preferred_start_min, agent.preferred_days_off)
        classes[key].append(a)
    return list(classes.values())


def _hours_range(problem: RosterProblem, agent: Agent, week: list[int]) -> tuple[int, int]:
    share = len(week) / 7
    credit = leave_credit_min(agent, [problem.dates[d] for d in week])
    lo = math.floor(max(0.0, agent.min_hours_week * 60 * share - credit) + 1e-9)
    hi = math.ceil(agent.max_hours_week * 60 * share - 1e-9)
    return lo, hi


def week_patterns(
    problem: RosterProblem, agent: Agent, week: list[int], day_paid: dict[int, set[int]]
) -> list[frozenset[int]]:
    """The sets of days of ``week`` an agent may work.

    Each set respects the rules on days off (and consecutive days off in a full week), working
    days, consecutive days inside the week, and paid minutes within the contract for some choice
    of shifts (``day_paid``: paid minutes of the shifts open per day).
    """
    rules = problem.rules
    max_days = min(
        agent.max_days_week if agent.max_days_week < len(week) else len(week),
        len(week) - math.floor(rules.days_off_per_week * len(week) / 7),
    )
    lo, hi = _hours_range(problem, agent, week)
    pair_off = rules.days_off_consecutive and rules.days_off_per_week >= 2 and len(week) == 7
    out = []
    for bits in itertools.product((0, 1), repeat=len(week)):
        days = [d for d, b in zip(week, bits, strict=True) if b]
        if len(days) > max_days or any(not day_paid.get(d) for d in days):
            continue
        if pair_off and not any(not bits[j] and not bits[j + 1] for j in range(len(week) - 1)):
            continue
        run = longest = 0
        for b in bits:
            run = run + 1 if b else 0
            longest = max(longest, run)
        if longest > rules.max_consecutive_days:
            continue
        sums = {0}
        for d in days:
            sums = {s + p for s in sums for p in day_paid[d] if s + p <= hi}
        if any(s >= lo for s in sums):
            out.append(frozenset(days))
    return out


MAX_PAID_PATTERNS = 4000


def paid_patterns(
    problem: RosterProblem,
    agent: Agent,
    week: list[int],
    day_sets: list[frozenset[int]],
    day_paid: dict[int, set[int]],
) -> list[tuple[int, ...]] | None:
    """Per agent week, the paid minutes of each day (0 = off) that the contract allows.

    These are the day sets of :func:`week_patterns` with a paid length per working day whose sum
    is within the contract. A class of agents then mixes whole weeks, so no agent is given two
    short shifts that another agent's long ones make up for. ``None`` when there would be more than
    ``MAX_PAID_PATTERNS`` (the relaxation then keeps the day sets and the class's total hours).
    """
    lo, hi = _hours_range(problem, agent, week)
    out: list[tuple[int, ...]] = []
    for ds in day_sets:
        choices = [sorted(day_paid[d]) if d in ds else [0] for d in week]
        for combo in itertools.product(*choices):
            if lo <= sum(combo) <= hi:
                out.append(tuple(combo))
                if len(out) > MAX_PAID_PATTERNS:
                    return None
    return out


def _build(problem: RosterProblem, objective: bool) -> tuple[_Lin, list[tuple[int, int, str]], int]:
    """The aggregated relaxation.

    With ``objective`` it minimises the roster objective (objective units), otherwise the
    under-staffing (tenths of an agent-interval).

    Returns the model, the ``(variable, candidate, channel)`` shift columns, and the integer
    variables' count (the first ones; the rest are continuous even in the integer version).
    """
    lin = _Lin()
    rules = problem.rules
    w = rules.weights
    rest = rules.min_rest_min
    width = rules.start_band_min
    w_band = round(w.start_band * OBJ_SCALE) if objective else 0
    w_late = round(w.late_shift_spread * OBJ_SCALE) if objective else 0
    w_weekend = round(w.full_weekend * OBJ_SCALE) if objective else 0
    cover: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    heads: dict[tuple[int, str], list[int]] = defaultdict(list)
    columns: list[tuple[int, int, str]] = []
    n_days = len(problem.dates)
    for members in class_members(problem, preferences=objective):
        n = len(members)
        agent = problem.agents[members[0]]
        per_day: dict[int, list[tuple[int, Candidate]]] = defaultdict(list)
        for k, cand in enumerate(problem.candidates):
            st = rules.shift_types[cand.type_idx]
            if not problem.type_allowed(agent, st) or candidate_blockers(problem, agent, cand):
                continue
            cost = 0
            if objective:
                cost = round(w.paid_hour * OBJ_SCALE * cand.paid_min / 60)
                if agent.preferred_start_min is not None:
                    dev = start_deviation_min(agent.preferred_start_min, cand.start_tod_min)
                    cost += round(w.preferred_start_per_h * OBJ_SCALE * dev / 60)
                if problem.dates[cand.day].weekday() in agent.preferred_days_off:
                    cost += round(w.preferred_day_off * OBJ_SCALE)
            for c in problem.agent_channels(agent, st):
                y = lin.var(0, n, cost)
                columns.append((y, k, c))
                per_day[cand.day].append((y, cand))
                heads[(k, c)].append(y)
        day_paid = {d: {cand.paid_min for _, cand in per_day.get(d, [])} for d in range(n_days)}
        empties = []
        for week in problem.weeks():
            ys = [(y, cand) for d in week for y, cand in per_day.get(d, [])]
            lo, hi = _hours_range(problem, agent, week)
            lin.row([(y, cand.paid_min) for y, cand in ys], n * lo, n * hi)
            if rules.max_night_shifts_week is not None:
                nights = [(y, 1.0) for y, cand in ys if cand.night]
                if nights:
                    lin.row(nights, -INF, n * rules.max_night_shifts_week)
            day_sets = week_patterns(problem, agent, week, day_paid)
            paid = paid_patterns(problem, agent, week, day_sets, day_paid)
            if paid is not None:  # per agent: which days, and how long each day is paid
                zp = {q: lin.var(0, n) for q in paid}
                lin.row([(v, 1.0) for v in zp.values()], n, n)
                for d in week:
                    for minutes in sorted(day_paid.get(d, ())):
                        lin.row(
                            [(y, 1.0) for y, cand in per_day.get(d, []) if cand.paid_min == minutes]
                            + [(v, -1.0) for q, v in zp.items() if q[week.index(d)] == minutes],
                            0,
                            0,
                        )
                # the day sets as sums of the paid patterns (for rest cuts and weekends)
                z = {}
                for ds in day_sets:
                    v = lin.var(0, n)
                    members_ = [
                        zv
                        for q, zv in zp.items()
                        if frozenset(week[j] for j, m in enumerate(q) if m) == ds
                    ]
                    lin.row([(v, 1.0)] + [(zv, -1.0) for zv in members_], 0, 0)
                    z[ds] = v
            else:
                z = {p: lin.var(0, n) for p in day_sets}
                lin.row([(v, 1.0) for v in z.values()], n, n)
                for d in week:
                    lin.row(
                        [(y, 1.0) for y, _ in per_day.get(d, [])]
                        + [(v, -1.0) for p, v in z.items() if d in p],
                        0,
                        0,
                    )
            empties.append(z.get(frozenset()))
            if w_weekend:
                wk = [d for d in week if problem.dates[d].weekday() in rules.weekend_days]
                if len(wk) >= 2:
                    for p, v in z.items():
                        lin.cost[v] += w_weekend * max(0, sum(1 for d in wk if d in p) - 1)
            for d in week[:-1]:
                _rest_cuts(lin, per_day.get(d, []), per_day.get(d + 1, []), z, d, rest)
            lates = [(y, 1.0) for y, cand in ys if cand.late]
            if w_late and lates:
                for k in range(1, len(week)):  # e_k >= lates - n k
                    e = lin.var(0, INF, w_late)
                    lin.row([*lates, (e, -1.0)], -INF, n * k)
        if w_band:
            _band_rows(lin, per_day, empties, n, width, w_band)
    n_int = len(lin.lo)
    _rests(lin, problem, heads, cover)
    _coverage(lin, problem, cover, objective)
    return lin, columns, n_int


def _rests(
    lin: _Lin,
    problem: RosterProblem,
    heads: dict[tuple[int, str], list[int]],
    cover: dict[tuple[str, int], list[tuple[int, int]]],
) -> None:
    """Agents on the phones per shift: its cover less its rests.

    The rests use the model's implicit rest counts
    (:func:`scheduling.roster.model.add_rest_placement`): per shift ``(k, c)`` and rest period,
    counts per offset summing to the shift's agents (over every class), linked to the previous
    rest period by the forward constraints.
    """
    for (k, c), ys in heads.items():
        cand = problem.candidates[k]
        units = dict(cand.cover)
        chain = problem.rests_of(k)
        per_rest: list[list[int]] = []
        for j, slot in enumerate(chain):
            if len(slot.offsets_min) == 1:
                for i, u in cand.rest_cover[j][0]:
                    units[i] -= u
                per_rest.append([])
                continue
            counts = [lin.var(0, INF) for _ in slot.offsets_min]
            lin.row([(b, 1.0) for b in counts] + [(y, -1.0) for y in ys], 0, 0)
            for o, b in enumerate(counts):
                for i, u in cand.rest_cover[j][o]:
                    cover[(c, i)].append((b, -u))
            prev = chain[j - 1] if j else None
            # a previous rest with one offset needs no link: the offsets are pruned to fit it
            if prev is not None and per_rest[j - 1] and _close(prev.offsets_min, slot):
                before = per_rest[j - 1]
                for y_idx, off in enumerate(slot.offsets_min):
                    limit = off - slot.after_prev_min
                    ok = [before[o] for o, po in enumerate(prev.offsets_min) if po <= limit]
                    lin.row(
                        [(b, 1.0) for b in counts[: y_idx + 1]] + [(b, -1.0) for b in ok], -INF, 0
                    )
            per_rest.append(counts)
        for y in ys:
            for i, u in units.items():
                if u:
                    cover[(c, i)].append((y, u))


def _close(prev_offsets: tuple[int, ...], slot: RestSlot) -> bool:
    """Whether some offsets of a rest period come closer than its gap after the previous one's.

    Only then do the forward constraints bind.
    """
    return slot.offsets_min[0] - prev_offsets[-1] < slot.after_prev_min


def _band_rows(
    lin: _Lin,
    per_day: dict[int, list[tuple[int, Candidate]]],
    empties: list[int | None],
    n: int,
    width: int,
    w_band: int,
) -> None:
    """Start bands of a class.

    The agents using a band are at least the shifts starting in it on any one day, and every agent
    working in a week uses a band.
    """
    bands: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for d, ys in per_day.items():
        for y, cand in ys:
            bands[cand.start_tod_min // width][d].append(y)
    if not bands:
        return
    band_vars = []
    for by_day in bands.values():
        b = lin.var(0, n, w_band)
        band_vars.append(b)
        for yl in by_day.values():
            lin.row([(b, 1.0)] + [(y, -1.0) for y in yl], 0, INF)
    for empty in empties:
        lin.row(
            [(b, 1.0) for b in band_vars] + ([(empty, 1.0)] if empty is not None else []), n, INF
        )


def _running_sums(lin: _Lin, keyed: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Variables ``s_j``: the sum of the ``y`` whose key is at most the ``j``-th distinct key.

    The distinct keys are sorted, and the sums are chained so that each ``y`` appears once.
    """
    by_key: dict[int, list[int]] = defaultdict(list)
    for key, y in keyed:
        by_key[key].append(y)
    keys = sorted(by_key)
    sums: list[int] = []
    for key in keys:
        s = lin.var(0, INF)
        terms = [(s, 1.0)] + [(y, -1.0) for y in by_key[key]]
        if sums:
            terms.append((sums[-1], -1.0))
        lin.row(terms, 0, 0)
        sums.append(s)
    return keys, sums


def _rest_cuts(
    lin: _Lin,
    today: list[tuple[int, Candidate]],
    tomorrow: list[tuple[int, Candidate]],
    z: dict[frozenset[int], int],
    d: int,
    rest: int,
) -> None:
    """Agents working days ``d`` and ``d+1`` cannot end after ``e`` and start before ``e + rest``.

    As a cut: shifts ending late + shifts starting early <= agents working either day.
    """
    if not today or not tomorrow:
        return
    neg_ends, late_sums = _running_sums(lin, [(-cand.end_min, y) for y, cand in today])
    starts, early_sums = _running_sums(lin, [(cand.start_min, y) for y, cand in tomorrow])
    either = lin.var(0, INF)  # agents working day d or d+1
    lin.row([(either, 1.0)] + [(v, -1.0) for p, v in z.items() if d in p or d + 1 in p], 0, 0)
    last = -1
    for j in range(len(neg_ends) - 1, -1, -1):  # ends ascending
        e = -neg_ends[j]
        n_early = sum(1 for s in starts if s < e + rest)
        if not n_early or n_early == last:
            continue  # a smaller e with the same early shifts gives a stronger cut
        last = n_early
        lin.row([(late_sums[j], 1.0), (early_sums[n_early - 1], 1.0), (either, -1.0)], -INF, 0)


def _coverage(
    lin: _Lin,
    problem: RosterProblem,
    cover: dict[tuple[str, int], list[tuple[int, int]]],
    objective: bool,
) -> None:
    """Under/over-staffing cost per channel and interval, exact at the coverable levels.

    The cost is taken at the lattice of coverable levels (multiples of ``g``, the gcd of the cover
    units on the phones) and interpolated in between.

    With ``objective`` the requirement is the problem's (rounded up to whole cover units, as
    the CP-SAT model counts it); without, it is the exact ``staff`` (in cover units,
    fractional), so that the bound on under-staffing hours is comparable with the
    under-staffing of a roster's coverage table (the cost, linear then, stays exact at every
    lattice point).
    """
    units = problem.cover_units
    if objective:
        weights, w_over = coverage_weights(problem)
        rows = {c: weights[c].tolist() for c in problem.channels}
    else:
        rows = {c: [[1]] * problem.n_intervals for c in problem.channels}
        w_over = 0
    for c in problem.channels:
        for i in range(problem.n_intervals):
            w_under = rows[c][i]
            req: float = (
                int(problem.required[c][i]) if objective else float(problem.staff[c][i] * units)
            )
            terms = cover.get((c, i), [])
            if not terms:
                lin.const += under_cost(w_under, max(req, 0), units)
                continue
            if req <= 0 and not w_over:
                continue
            g = 0
            for _, u in terms:
                g = math.gcd(g, abs(u))
            if req <= 0:  # only over-staffing: cover - over == req
                over = lin.var(0, INF, w_over)
                lin.row([(y, float(u)) for y, u in terms] + [(over, -1.0)], req, req)
                continue
            q, r = divmod(req, g)
            q = int(q)
            lin.const += under_cost(w_under, r, units)
            # cover/g + deficit steps - e1 - e2 == q
            row: list[tuple[int, float]] = [(y, float(u // g)) for y, u in terms]
            t, prev = 1, under_cost(w_under, r, units)
            while t <= q:
                now = under_cost(w_under, r + g * t, units)
                if r + g * (t - 1) >= units * (len(w_under) - 1):
                    row.append((lin.var(0, q - t + 1, now - prev), 1.0))  # constant slope
                    break
                row.append((lin.var(0, 1, now - prev), 1.0))
                t, prev = t + 1, now
            if w_over or r:
                row.append((lin.var(0, 1, (g - r) * w_over - under_cost(w_under, r, units)), -1.0))
                row.append((lin.var(0, INF, g * w_over), -1.0))
            else:
                row.append((lin.var(0, INF, 0.0), -1.0))
            lin.row(row, q, q)


def _solve_lp(lin: _Lin, time_limit_s: float | None = None) -> tuple[float | None, np.ndarray]:
    """Solve the relaxation with HiGHS (interior point with crossover, via SciPy).

    ``time_limit_s`` bounds HiGHS's time; when it is reached there is no bound (``None``).
    """
    n_rows = len(lin.rows)
    sizes = [len(vs) for vs, _, _, _ in lin.rows]
    row_idx = np.repeat(np.arange(n_rows), sizes)
    col_idx = np.fromiter(itertools.chain.from_iterable(r[0] for r in lin.rows), dtype=np.int64)
    vals = np.fromiter(itertools.chain.from_iterable(r[1] for r in lin.rows), dtype=float)
    a = sp.csr_matrix((vals, (row_idx, col_idx)), shape=(n_rows, len(lin.lo)))
    lo = np.array([r[2] for r in lin.rows], dtype=float)
    hi = np.array([r[3] for r in lin.rows], dtype=float)
    eq = lo == hi
    upper = ~eq & np.isfinite(hi)
    lower = ~eq & np.isfinite(lo)
    # (lo, hi) pairs, as scipy-stubs types ``bounds``; linprog makes the same (n, 2) array of them
    var_bounds = [
        (v_lo, v_hi if math.isfinite(v_hi) else math.inf)
        for v_lo, v_hi in zip(lin.lo, lin.hi, strict=True)
    ]
    res = linprog(
        np.asarray(lin.cost, dtype=float),
        A_ub=sp.vstack([a[upper], -a[lower]]).tocsr(),
        b_ub=np.concatenate([hi[upper], -lo[lower]]),
        A_eq=a[eq],
        b_eq=lo[eq],
        bounds=var_bounds,
        method="highs-ipm",
        options={} if time_limit_s is None else {"time_limit": max(0.01, float(time_limit_s))},
    )
    if res.status != 0:
        return None, np.zeros(0)
    fun = cast(float, res.fun)  # None only when HiGHS fails, i.e. a non-zero status
    return float(fun) + lin.const, np.asarray(res.x)


def _lp(
    problem: RosterProblem, objective: bool, time_limit_s: float | None = None
) -> tuple[float | None, set[tuple[int, str]]]:
    t0 = time.perf_counter()
    lin, columns, _ = _build(problem, objective)
    left = None if time_limit_s is None else time_limit_s - (time.perf_counter() - t0)
    if left is not None and left <= 0:
        return None, set()
    value, values = _solve_lp(lin, left)
    if value is None:
        return None, set()
    support = {(k, c) for y, k, c in columns if values[y] > 1e-6}
    return value, support


def lp_under_staffing_bound(
    problem: RosterProblem, time_limit_s: float | None = None
) -> float | None:
    """Least total under-staffing (agent-hours) over all solutions of the relaxation.

    ``None`` when the LP solver does not reach the optimum (within ``time_limit_s``, building
    the LP included, when it is given).
    """
    value, _ = _lp(problem, objective=False, time_limit_s=time_limit_s)
    return None if value is None else value / problem.cover_units * problem.interval_min / 60


def lp_objective_bound(problem: RosterProblem) -> float | None:
    """A lower bound on the roster objective (points); ``None`` when the LP solver fails."""
    return lp_objective_solution(problem)[0]


def lp_objective_solution(
    problem: RosterProblem, time_limit_s: float | None = None
) -> tuple[float | None, set[tuple[int, str]]]:
    """The objective bound (points) and the LP solution's support.

    ``(None, set())`` when the LP is not solved (within ``time_limit_s`` when it is given).

    The support is the set of ``(candidate index, channel)`` pairs some class of agents uses
    fractionally. The optimizer restricts its search to these shifts (plus its starting
    roster's).
    """
    value, support = _lp(problem, objective=True, time_limit_s=time_limit_s)
    return (None if value is None else value / OBJ_SCALE), support


def aggregated_bound(
    problem: RosterProblem, time_limit_s: float = 10.0, num_workers: int = 2
) -> float | None:
    """A lower bound on the roster objective (points) from the integer relaxation (CP-SAT).

    The relaxation has integer counts of shifts and patterns; the bound is never below the LP's.
    ``None`` when neither proves anything.
    """
    from ortools.sat.python import cp_model  # noqa: PLC0415 - keep LP-only users light

    from scheduling.roster._cpsat import new_solver  # noqa: PLC0415 - imports ortools

    lin, _, n_int = _build(problem, objective=True)
    lp, _ = _solve_lp(lin)
    model = cp_model.CpModel()
    big = 10**9
    xs = [
        model.new_int_var(int(lo), int(hi) if hi < INF else big, "")
        for lo, hi in zip(lin.lo, lin.hi, strict=True)
    ]
    for vars_, coefs, lo, hi in lin.rows:
        expr = cp_model.LinearExpr.weighted_sum([xs[v] for v in vars_], [int(c) for c in coefs])
        model.add_linear_constraint(
            expr, int(lo) if lo > -INF else -big * 10, int(hi) if hi < INF else big * 10
        )
    model.minimize(
        cp_model.LinearExpr.weighted_sum(xs, [int(c) for c in lin.cost]) + int(lin.const)
    )
    del n_int
    solver = new_solver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = num_workers
    status = solver.solve(model)
    bounds = [] if lp is None else [lp / OBJ_SCALE]
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bounds.append(solver.best_objective_bound / OBJ_SCALE)
    return max(bounds) if bounds else None

"""The CP-SAT roster model, one rule per ``add_*`` function.

Decision: a Boolean ``x[a, k, c]`` per agent ``a``, candidate shift ``k`` (day, shift type,
start; see :mod:`scheduling.roster.problem`) and channel ``c`` the agent is skilled for; at
most one per agent and day. Hard rules constrain these Booleans; every soft goal is returned as
named penalty terms and :func:`build_model` minimises their sum. Breaks are placed afterwards
(:mod:`scheduling.roster.breaks`): the requirement's ``staff`` already includes break shrinkage.

Coverage moves in whole agents (multiples of the cover units, see :func:`cover_grain`), so
each interval's under/over-staffing is written at those levels (:func:`_lattice_coverage`):
exact on every roster, and a much tighter LP relaxation than costing fractions of an agent.

Objective units: 1/100 of a point; weights in ``rules.toml`` are points per agent-hour (under/
over-staffing), per paid hour, per hour of start deviation, per day, etc.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import overload

import numpy as np
from ortools.sat.python import cp_model

from scheduling.errors import InputError
from scheduling.roster.agents import leave_credit_min
from scheduling.roster.problem import COVER_UNITS, PreviousShift, RosterProblem, candidate_blockers
from wfmcore.defaults import MINUTES_PER_DAY

OBJ_SCALE = 100  # objective integer units per point

Term = tuple[str, cp_model.LinearExprT]

HARD_RULES = (
    "min_hours_week",
    "max_hours_week",
    "max_days_week",
    "days_off",
    "days_off_consecutive",
    "min_rest",
    "max_consecutive_days",
    "max_night_shifts",
    "locked_shifts",
    "time_off",
    "earliest_start",
    "latest_end",
)


@dataclass(slots=True)
class RosterVariables:
    """The model's variables, keyed by readable index tuples.

    ``x[(a, k, c)]``: agent index ``a`` works candidate ``k`` on channel ``c``.
    ``work[(a, d)]``: agent ``a`` works on day ``d``. ``options[(a, d)]``: the ``(k, c)`` keys of
    that agent-day. ``assumptions[(agent_id, rule)]``: the literal that switches a hard rule
    on (only when built with ``explain=True``).
    """

    agents: tuple[int, ...]
    x: dict[tuple[int, int, str], cp_model.IntVar] = field(default_factory=dict)
    work: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    options: dict[tuple[int, int], list[tuple[int, str]]] = field(default_factory=dict)
    under: dict[tuple[str, int], list[cp_model.IntVar]] = field(default_factory=dict)
    over: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    assumptions: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)

    def day_vars(self, a: int, d: int) -> list[cp_model.IntVar]:
        """Shift Booleans of agent ``a`` on day ``d``."""
        return [self.x[(a, k, c)] for k, c in self.options.get((a, d), [])]


class _Guard:
    """Enforcement literals for hard rules: none normally, assumptions when explaining."""

    def __init__(self, model: cp_model.CpModel, variables: RosterVariables, explain: bool):
        self.model, self.vars, self.explain = model, variables, explain

    def __call__(self, agent_id: str, rule: str) -> list[cp_model.IntVar]:
        if not self.explain:
            return []
        key = (agent_id, rule)
        if key not in self.vars.assumptions:
            lit = self.model.new_bool_var(f"assume[{agent_id},{rule}]")
            self.vars.assumptions[key] = lit
            self.model.add_assumption(lit)
        return [self.vars.assumptions[key]]


def _enforce(ct: cp_model.Constraint, lits: list[cp_model.IntVar]) -> None:
    if lits:
        ct.only_enforce_if(lits)


def build_model(
    problem: RosterProblem,
    *,
    agents: Sequence[int] | None = None,
    coverage: bool = True,
    explain: bool = False,
    base_cover: dict[str, np.ndarray] | None = None,
    allowed: set[tuple[int, str]] | None = None,
    keep: Callable[[int, int, str], bool] | None = None,
) -> tuple[cp_model.CpModel, RosterVariables]:
    """Build the CP-SAT model of ``problem``.

    Parameters
    ----------
    problem
        The roster problem.
    agents
        Indices of the agents to include (default all).
    coverage
        Include the coverage goals (under/over-staffing); per-agent feasibility checks leave
        them out.
    base_cover
        Coverage (tenths of an agent per channel and interval) of agents outside ``agents``,
        whose shifts are fixed: the coverage goals count it (decomposition, see
        :mod:`scheduling.roster.solve`).
    allowed
        When given, only these ``(candidate index, channel)`` shifts get variables (a
        restricted model, see :mod:`scheduling.roster.solve`).
    keep
        When given, only the ``(agent, candidate, channel)`` shifts it accepts get variables
        (a neighbourhood, see :mod:`scheduling.roster._search`); applied after ``allowed``.
    explain
        Guard every hard rule of every agent with an assumption literal (for
        :mod:`scheduling.roster.explain`) and keep shifts that time off or earliest/latest
        times forbid, so that those rules can be switched off too.

    Returns
    -------
    model, variables
        The model has its objective set (the sum of every penalty term).
    """
    model = cp_model.CpModel()
    idx = tuple(range(len(problem.agents))) if agents is None else tuple(agents)
    v = RosterVariables(agents=idx)
    guard = _Guard(model, v, explain)
    add_shift_variables(model, problem, v, guard, allowed, keep)
    add_one_shift_per_day(model, problem, v)
    add_contract_hours(model, problem, v, guard)
    add_working_days(model, problem, v, guard)
    add_consecutive_days_off(model, problem, v, guard)
    add_min_rest(model, problem, v, guard)
    add_max_consecutive_days(model, problem, v, guard)
    add_night_limit(model, problem, v, guard)
    add_locks(model, problem, v, guard)
    terms: list[Term] = []
    if coverage:
        terms += add_coverage(model, problem, v, base_cover)
    terms += add_paid_hours(model, problem, v)
    terms += add_preferences(model, problem, v)
    terms += add_fairness(model, problem, v)
    terms += add_start_stability(model, problem, v)
    terms += add_changes(model, problem, v)
    v.terms = terms
    if terms:
        model.minimize(sum(expr for _, expr in terms))
    return model, v


def add_shift_variables(
    model: cp_model.CpModel,
    problem: RosterProblem,
    v: RosterVariables,
    guard: _Guard,
    allowed: set[tuple[int, str]] | None = None,
    keep: Callable[[int, int, str], bool] | None = None,
) -> None:
    """Create ``x`` for every (agent, allowed candidate, channel); skills and shift-type groups
    filter here. Time off and earliest/latest times filter too (or are guarded when explaining).
    """
    types = problem.rules.shift_types
    for a in v.agents:
        agent = problem.agents[a]
        chans = [
            problem.agent_channels(agent, st) if problem.type_allowed(agent, st) else []
            for st in types
        ]
        for k, cand in enumerate(problem.candidates):
            cs = chans[cand.type_idx]
            if not cs:
                continue
            blockers = candidate_blockers(problem, agent, cand)
            if blockers and not guard.explain:
                continue
            for c in cs:
                if allowed is not None and (k, c) not in allowed:
                    continue
                if keep is not None and not keep(a, k, c):
                    continue
                var = model.new_bool_var(
                    f"x[{agent.agent_id},{problem.dates[cand.day]},"
                    f"{types[cand.type_idx].name}@{cand.start_tod_min},{c}]"
                )
                v.x[(a, k, c)] = var
                v.options.setdefault((a, cand.day), []).append((k, c))
                for rule in blockers:
                    model.add(var == 0).only_enforce_if(guard(agent.agent_id, rule))
        for d in range(len(problem.dates)):
            w = model.new_bool_var(f"work[{agent.agent_id},{problem.dates[d]}]")
            v.work[(a, d)] = w


def add_one_shift_per_day(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables
) -> None:
    """At most one shift per agent and day; ``work[a, d]`` is that sum."""
    for a in v.agents:
        for d in range(len(problem.dates)):
            model.add(v.work[(a, d)] == sum(v.day_vars(a, d)))


def _week_share(n_days: int) -> float:
    return n_days / 7.0


def add_contract_hours(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables, guard: _Guard
) -> None:
    """Paid minutes per week within the contract (prorated for a partial last week)."""
    for a in v.agents:
        agent = problem.agents[a]
        for week in problem.weeks():
            share = _week_share(len(week))
            paid = sum(
                problem.candidates[k].paid_min * v.x[(a, k, c)]
                for d in week
                for k, c in v.options.get((a, d), [])
            )
            credit = leave_credit_min(agent, [problem.dates[d] for d in week])
            lo = math.floor(max(0.0, agent.min_hours_week * 60 * share - credit) + 1e-9)
            hi = math.ceil(agent.max_hours_week * 60 * share - 1e-9)
            if lo > 0:
                _enforce(model.add(paid >= lo), guard(agent.agent_id, "min_hours_week"))
            _enforce(model.add(paid <= hi), guard(agent.agent_id, "max_hours_week"))


def add_working_days(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables, guard: _Guard
) -> None:
    """Working days per week: the agent's ``max_days_week`` and the rules' days off."""
    rules = problem.rules
    for a in v.agents:
        agent = problem.agents[a]
        for week in problem.weeks():
            days = sum(v.work[(a, d)] for d in week)
            if agent.max_days_week < len(week):
                _enforce(
                    model.add(days <= agent.max_days_week), guard(agent.agent_id, "max_days_week")
                )
            off = math.floor(rules.days_off_per_week * _week_share(len(week)))
            if off:
                _enforce(model.add(days <= len(week) - off), guard(agent.agent_id, "days_off"))


def add_consecutive_days_off(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables, guard: _Guard
) -> None:
    """With ``days_off_consecutive``, each full week has two consecutive days off."""
    rules = problem.rules
    if not rules.days_off_consecutive or rules.days_off_per_week < 2:
        return
    for a in v.agents:
        agent = problem.agents[a]
        for week in problem.weeks():
            if len(week) < 7:
                continue
            pairs = []
            for d in week[:-1]:
                p = model.new_bool_var(f"off_pair[{agent.agent_id},{problem.dates[d]}]")
                model.add_implication(p, v.work[(a, d)].Not())
                model.add_implication(p, v.work[(a, d + 1)].Not())
                pairs.append(p)
            _enforce(model.add(sum(pairs) >= 1), guard(agent.agent_id, "days_off_consecutive"))


def _previous_by_agent(problem: RosterProblem) -> dict[str, list]:
    out: dict[str, list] = defaultdict(list)
    for p in problem.previous:
        out[p.agent_id].append(p)
    return out


def add_min_rest(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables, guard: _Guard
) -> None:
    """Minimum rest between the end of one shift and the start of the next, across midnight,
    and from the previous roster's last shift across the week boundary."""
    rest = problem.rules.min_rest_min
    n = len(problem.dates)
    prev = _previous_by_agent(problem)
    cands = problem.candidates
    for a in v.agents:
        agent = problem.agents[a]
        lits = guard(agent.agent_id, "min_rest")
        ends = [[cands[k].end_min for k, _ in v.options.get((a, d), [])] for d in range(n)]
        starts = [[cands[k].start_min for k, _ in v.options.get((a, d), [])] for d in range(n)]
        for d in range(n):
            if not ends[d]:
                continue
            end_expr = sum(cands[k].end_min * v.x[(a, k, c)] for k, c in v.options[(a, d)])
            for d2 in range(d + 1, n):
                if not starts[d2]:
                    continue
                if min(starts[d2]) - max(ends[d]) >= rest:
                    break
                start_expr = sum(cands[k].start_min * v.x[(a, k, c)] for k, c in v.options[(a, d2)])
                ct = model.add(start_expr - end_expr >= rest)
                ct.only_enforce_if([v.work[(a, d)], v.work[(a, d2)], *lits])
        before = [p for p in prev.get(agent.agent_id, []) if p.date < problem.dates[0]]
        if before:
            last_end = max(problem.minute(p.end) for p in before)
            for d in range(n):
                for k, c in v.options.get((a, d), []):
                    if cands[k].start_min - last_end < rest:
                        _enforce(model.add(v.x[(a, k, c)] == 0), lits)


def add_max_consecutive_days(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables, guard: _Guard
) -> None:
    """No more than ``max_consecutive_days`` working days in a row, counting the previous
    roster's days before the horizon."""
    limit = problem.rules.max_consecutive_days
    n = len(problem.dates)
    prev = _previous_by_agent(problem)
    for a in v.agents:
        agent = problem.agents[a]
        worked_before = {
            (p.date - problem.dates[0]).days
            for p in prev.get(agent.agent_id, [])
            if p.date < problem.dates[0]
        }
        for s in range(-limit, n - limit):
            window = range(s, s + limit + 1)
            const = sum(1 for j in window if j < 0 and j in worked_before)
            vars_ = [v.work[(a, j)] for j in window if 0 <= j < n]
            if not vars_ or const + len(vars_) <= limit:
                continue
            _enforce(
                model.add(sum(vars_) <= limit - const),
                guard(agent.agent_id, "max_consecutive_days"),
            )


def add_night_limit(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables, guard: _Guard
) -> None:
    """At most ``night.max_per_week`` night shifts per agent and week."""
    limit = problem.rules.max_night_shifts_week
    if limit is None:
        return
    for a in v.agents:
        agent = problem.agents[a]
        for week in problem.weeks():
            nights = [
                v.x[(a, k, c)]
                for d in week
                for k, c in v.options.get((a, d), [])
                if problem.candidates[k].night
            ]
            if len(nights) > limit:
                _enforce(model.add(sum(nights) <= limit), guard(agent.agent_id, "max_night_shifts"))


def previous_in_horizon(
    problem: RosterProblem,
) -> tuple[set[int], dict[tuple[str, int], PreviousShift]]:
    """Days of the horizon the previous roster covers, and its shift per (agent_id, day)."""
    first, last = problem.dates[0], problem.dates[-1]
    inside = [p for p in problem.previous if first <= p.date <= last]
    if not inside:
        return set(), {}
    lo = min(p.date for p in inside)
    hi = max(p.date for p in inside)
    days = {d for d, date in enumerate(problem.dates) if lo <= date <= hi}
    shifts = {(p.agent_id, (p.date - first).days): p for p in inside}
    return days, shifts


def matching_option(
    problem: RosterProblem, v: RosterVariables, a: int, d: int, shift: PreviousShift
) -> tuple[int, str] | None:
    """The (candidate, channel) of agent ``a`` on day ``d`` equal to a previous shift."""
    start, end = problem.minute(shift.start), problem.minute(shift.end)
    for k, c in v.options.get((a, d), []):
        cand = problem.candidates[k]
        if cand.start_min == start and cand.end_min == end and c == shift.channel:
            return k, c
    return None


def add_locks(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables, guard: _Guard
) -> None:
    """With ``lock_previous``, the previous roster's shifts (and days off) inside the horizon
    are kept exactly."""
    if not problem.lock_previous:
        return
    days, shifts = previous_in_horizon(problem)
    for a in v.agents:
        agent = problem.agents[a]
        for d in sorted(days):
            lits = guard(agent.agent_id, "locked_shifts")
            shift = shifts.get((agent.agent_id, d))
            if shift is None:
                _enforce(model.add(v.work[(a, d)] == 0), lits)
                continue
            opt = matching_option(problem, v, a, d, shift)
            if opt is None:
                if guard.explain:
                    _enforce(model.add(v.work[(a, d)] == 2), lits)  # impossible: the lock conflicts
                    continue
                raise InputError(
                    f"previous roster: locked shift of agent {agent.agent_id} on "
                    f"{problem.dates[d]} is not an allowed shift (type, start or channel)"
                )
            _enforce(model.add(v.x[(a, opt[0], opt[1])] == 1), lits)


def coverage_weights(problem: RosterProblem) -> tuple[dict[str, np.ndarray], int]:
    """Objective coefficients per tenth of an agent-interval: per channel an (intervals x
    segments) int array of the convex under-staffing weights, and the over-staffing weight."""
    w = problem.rules.weights
    per = problem.interval_min / 60 / COVER_UNITS * OBJ_SCALE
    fixed = np.tile(np.asarray(w.under_staffing, dtype=float), (problem.n_intervals, 1))
    under = {}
    for c in problem.channels:
        given = (problem.under_weights or {}).get(c)
        pts = fixed if given is None else np.asarray(given, dtype=float)
        under[c] = np.where(pts > 0, np.maximum(1, np.round(pts * per)), 0).astype(np.int64)
    return under, round(w.over_staffing * per)


def add_coverage(
    model: cp_model.CpModel,
    problem: RosterProblem,
    v: RosterVariables,
    base_cover: dict[str, np.ndarray] | None = None,
) -> list[Term]:
    """Under-staffing (convex piecewise: each further missing agent costs more) and
    over-staffing against ``staff`` per channel and interval."""
    by_ci: dict[tuple[str, int], tuple[list, list]] = defaultdict(lambda: ([], []))
    for (_a, k, c), var in v.x.items():
        for i, units in problem.candidates[k].cover:
            vs, cs = by_ci[(c, i)]
            vs.append(var)
            cs.append(units)
    weights, w_over = coverage_weights(problem)
    grain = cover_grain(problem)
    under_terms: list = []
    over_terms: list = []
    for c in problem.channels:
        staff = problem.staff[c]
        rows = weights[c].tolist()
        for i in range(problem.n_intervals):
            w_under = rows[i]
            req = math.ceil(staff[i] * COVER_UNITS - 1e-6)
            if base_cover is not None:
                req -= int(base_cover[c][i])
            vs, cs = by_ci.get((c, i), ([], []))
            if not vs:
                if req > 0:  # nothing can cover it: a constant shortage
                    under_terms.append(under_cost(w_under, req))
                continue
            if req <= 0:
                over = model.new_int_var(0, sum(cs) - req, f"over[{c},{i}]")
                v.over[(c, i)] = over
                over_terms.append(w_over * over)
                model.add(cp_model.LinearExpr.weighted_sum(vs, cs) - over == req)
                continue
            g = grain[i]
            under, over_expr = _lattice_coverage(
                model, f"{c},{i}", vs, [u // g for u in cs], req, g, w_under, w_over
            )
            under_terms.append(under)
            over_terms.append(over_expr)
    return [
        ("under_staffing", cp_model.LinearExpr.sum(under_terms)),
        ("over_staffing", cp_model.LinearExpr.sum(over_terms)),
    ]


@overload
def under_cost(w_under: Sequence[int], short: int) -> int: ...
@overload
def under_cost(w_under: Sequence[int], short: float) -> float: ...
def under_cost(w_under: Sequence[int], short: float) -> float:
    """Cost (objective units) of ``short`` tenths of an agent missing in one interval: the
    first ``COVER_UNITS`` tenths at ``w_under[0]`` each, the next at ``w_under[1]``, ...
    (whole for whole tenths; a fractional ``short`` is priced pro rata)."""
    total: float = 0
    for s, weight in enumerate(w_under):
        last = s == len(w_under) - 1
        take = max(0, short - s * COVER_UNITS)
        if not last:
            take = min(COVER_UNITS, take)
        total += weight * take
    return total


def cover_grain(problem: RosterProblem) -> list[int]:
    """Per interval, the gcd of the cover units of every candidate shift: the coverage of any
    roster is a multiple of it (a whole agent, ``COVER_UNITS``, for grid-aligned shifts)."""
    grain = [0] * problem.n_intervals
    for cand in problem.candidates:
        for i, units in cand.cover:
            grain[i] = math.gcd(grain[i], units)
    return [g or COVER_UNITS for g in grain]


def _lattice_coverage(
    model: cp_model.CpModel,
    tag: str,
    vs: list,
    steps: list[int],
    req: int,
    g: int,
    w_under: Sequence[int],
    w_over: int,
) -> tuple[cp_model.LinearExprT, cp_model.LinearExprT]:
    """Under- and over-staffing of one interval whose coverage moves in multiples of ``g``.

    With ``req = g q + r``: coverage ``g (q - D + e1 + e2)``, where ``D`` counts missing
    multiples (costed at the convex under-staffing weights), ``e1`` is the one multiple that
    turns the ``r`` short into ``g - r`` over, and ``e2`` further multiples over. The costs are
    exact on every roster; in the LP relaxation they are the interpolation between whole
    multiples, which is what makes CP-SAT's bound tight against fractional coverage.
    """
    q, r = divmod(req, g)
    base = under_cost(w_under, r)
    under_parts: list = []
    d_vars: list = []
    t, prev = 1, base
    while t <= q:
        now = under_cost(w_under, r + g * t)
        if r + g * (t - 1) >= COVER_UNITS * (len(w_under) - 1):  # constant slope from here
            d = model.new_int_var(0, q - t + 1, f"short[{tag},{t}+]")
            d_vars.append(d)
            under_parts.append((now - prev) * d)
            break
        d = model.new_bool_var(f"short[{tag},{t}]")
        d_vars.append(d)
        under_parts.append((now - prev) * d)
        t, prev = t + 1, now
    e2 = model.new_int_var(0, max(0, sum(steps) - q), f"over[{tag}]")
    cov = cp_model.LinearExpr.weighted_sum(vs, steps)
    if not r:
        model.add(cov + sum(d_vars) - e2 == q)
        return cp_model.LinearExpr.sum(under_parts), g * w_over * e2
    e1 = model.new_bool_var(f"round_up[{tag}]")
    model.add(cov + sum(d_vars) - e1 - e2 == q)
    under = base - base * e1 + cp_model.LinearExpr.sum(under_parts)
    over = (g - r) * w_over * e1 + g * w_over * e2
    return under, over


def _weighted(v: RosterVariables, coefs: dict[tuple[int, int, str], int]) -> cp_model.LinearExprT:
    keys = [key for key, w in coefs.items() if w]
    return cp_model.LinearExpr.weighted_sum(
        [v.x[key] for key in keys], [coefs[key] for key in keys]
    )


def add_paid_hours(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables
) -> list[Term]:
    """Cost of paid hours."""
    w = problem.rules.weights.paid_hour
    coefs = {key: round(w * OBJ_SCALE * problem.candidates[key[1]].paid_min / 60) for key in v.x}
    return [("paid_hours", _weighted(v, coefs))]


def start_deviation_min(pref: int, start_tod: int) -> int:
    """Circular distance in minutes between two times of day."""
    diff = abs(pref - start_tod % MINUTES_PER_DAY)
    return min(diff, MINUTES_PER_DAY - diff)


def add_preferences(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables
) -> list[Term]:
    """Preferred start time (per hour of deviation) and preferred days off (per day worked)."""
    w = problem.rules.weights
    coefs = {}
    for key in v.x:
        agent = problem.agents[key[0]]
        if agent.preferred_start_min is not None:
            dev = start_deviation_min(
                agent.preferred_start_min, problem.candidates[key[1]].start_tod_min
            )
            coefs[key] = round(w.preferred_start_per_h * OBJ_SCALE * dev / 60)
    day_terms = []
    for (a, d), var in v.work.items():
        if problem.dates[d].weekday() in problem.agents[a].preferred_days_off:
            day_terms.append(round(w.preferred_day_off * OBJ_SCALE) * var)
    return [
        ("preferred_start", _weighted(v, coefs)),
        ("preferred_days_off", cp_model.LinearExpr.sum(day_terms)),
    ]


def add_fairness(model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables) -> list[Term]:
    """Spread weekends and late shifts across agents.

    Weekends: a cost per agent working a whole weekend. Late shifts: per agent and week, a
    convex cost, the (k+1)-th late shift costing k times the weight, so that five agents with
    one late shift each cost less than one agent with five. Both are per agent, so the
    objective decomposes over agents (see :mod:`scheduling.roster.solve`).
    """
    w = problem.rules.weights
    weekend_terms = []
    late_terms = []
    w_weekend = round(w.full_weekend * OBJ_SCALE)
    w_late = round(w.late_shift_spread * OBJ_SCALE)
    for week in problem.weeks():
        wk_days = [d for d in week if problem.dates[d].weekday() in problem.rules.weekend_days]
        for a in v.agents:
            if len(wk_days) >= 2 and w_weekend:
                ex = model.new_int_var(0, len(wk_days), f"weekend_excess[{a},{week[0]}]")
                model.add(ex >= sum(v.work[(a, d)] for d in wk_days) - 1)
                weekend_terms.append(w_weekend * ex)
            lates = [
                v.x[(a, k, c)]
                for d in week
                for k, c in v.options.get((a, d), [])
                if problem.candidates[k].late
            ]
            if not lates or not w_late:
                continue
            n_late = sum(lates)
            for k in range(1, len(week)):
                ex = model.new_int_var(0, len(week) - k, f"late_excess[{a},{week[0]},{k}]")
                model.add(ex >= n_late - k)
                late_terms.append(w_late * ex)
    return [
        ("full_weekends", cp_model.LinearExpr.sum(weekend_terms)),
        ("late_shift_spread", cp_model.LinearExpr.sum(late_terms)),
    ]


def add_start_stability(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables
) -> list[Term]:
    """Stable start times: cost per start-time band (``fairness.start_band_h`` wide) an agent
    uses in the horizon, so one band costs least."""
    w = problem.rules.weights.start_band
    if not w:
        return [("start_bands", cp_model.LinearExpr.sum([]))]
    width = problem.rules.start_band_min
    terms = []
    for a in v.agents:
        bands: dict[int, cp_model.IntVar] = {}
        for d in range(len(problem.dates)):
            per_band: dict[int, list] = defaultdict(list)
            for k, c in v.options.get((a, d), []):
                per_band[problem.candidates[k].start_tod_min // width].append(v.x[(a, k, c)])
            for b, vs in per_band.items():
                if b not in bands:
                    bands[b] = model.new_bool_var(f"band[{a},{b}]")
                    terms.append(round(w * OBJ_SCALE) * bands[b])
                model.add(sum(vs) <= bands[b])
    return [("start_bands", cp_model.LinearExpr.sum(terms))]


def add_changes(model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables) -> list[Term]:
    """Re-rostering: cost per agent-day whose shift differs from the previous roster."""
    w = round(problem.rules.weights.change * OBJ_SCALE)
    days, shifts = previous_in_horizon(problem)
    if not days or not w:
        return [("changes", cp_model.LinearExpr.sum([]))]
    terms = []
    for a in v.agents:
        agent = problem.agents[a]
        for d in sorted(days):
            shift = shifts.get((agent.agent_id, d))
            if shift is None:
                terms.append(w * v.work[(a, d)])
                continue
            opt = matching_option(problem, v, a, d, shift)
            if opt is None:  # the previous shift is no longer allowed: any choice is a change
                terms.append(cp_model.LinearExpr.constant(w))
                continue
            terms.append(w * (1 - v.x[(a, opt[0], opt[1])]))
    return [("changes", cp_model.LinearExpr.sum(terms))]

"""The CP-SAT roster model, one rule per ``add_*`` function.

Decision: a Boolean ``x[a, k, c]`` per agent ``a``, candidate shift ``k`` (day, shift type,
start; see :mod:`scheduling.roster.problem`) and channel ``c`` the agent is skilled for; at
most one per agent and day. Hard rules constrain these Booleans; every soft goal is returned as
named penalty terms and :func:`build_model` minimises their sum.

Coverage counts agents **on the phones**: lunch and breaks are decisions of the model
(:func:`add_rest_placement`), in the implicit form of Aykin's break model: per shift
(candidate and channel) an integer count of the agents taking each rest period at each allowed
offset, the counts of every rest period summing to the agents on that shift, and consecutive
rest periods linked by cumulative ("forward") constraints that make the counts splittable into
whole per-agent combinations with the required gaps (:func:`split_rests` does the split). A
shift covers its intervals less the rests it takes.

Coverage moves in multiples of a grain per interval (whole agents for grid-aligned shifts,
half agents where a 15-minute break can take half an interval; see :func:`cover_grain`), so
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
from scheduling.roster.problem import (
    Assignment,
    PreviousShift,
    RosterProblem,
    candidate_blockers,
)
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
    that agent-day. ``rests[(k, c)][j][o]``: how many of the agents on shift ``(k, c)`` take
    rest period ``j`` at its ``o``-th offset (empty for a rest with one offset: every agent on
    the shift takes it there); ``choice[(k, c)]``: the rests a shift takes when they are given
    rather than decided (``rest_choice``). ``assumptions[(agent_id, rule)]``: the literal that
    switches a hard rule on (only when built with ``explain=True``).
    """

    agents: tuple[int, ...]
    x: dict[tuple[int, int, str], cp_model.IntVar] = field(default_factory=dict)
    work: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    options: dict[tuple[int, int], list[tuple[int, str]]] = field(default_factory=dict)
    rests: dict[tuple[int, str], list[list[cp_model.IntVar]]] = field(default_factory=dict)
    choice: dict[tuple[int, str], tuple[int, ...]] = field(default_factory=dict)
    under: dict[tuple[str, int], list[cp_model.IntVar]] = field(default_factory=dict)
    over: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    assumptions: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)

    def day_vars(self, a: int, d: int) -> list[cp_model.IntVar]:
        """Shift Booleans of agent ``a`` on day ``d``."""
        return [self.x[(a, k, c)] for k, c in self.options.get((a, d), [])]

    def by_shift(self) -> dict[tuple[int, str], list[cp_model.IntVar]]:
        """The shift Booleans grouped by ``(candidate, channel)``."""
        out: dict[tuple[int, str], list[cp_model.IntVar]] = defaultdict(list)
        for (_a, k, c), var in self.x.items():
            out[(k, c)].append(var)
        return out


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
    rest_choice: Callable[[int, str], tuple[int, ...]] | None = None,
    rests_only: bool = False,
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
    rest_choice
        When given, every shift ``(k, c)`` takes the rests ``rest_choice(k, c)`` (an option per
        rest period) instead of rest variables: a smaller model that a neighbourhood of the
        search solves fast (the rests are re-placed exactly afterwards).
    rests_only
        Only the shift variables, the rest placement and the coverage goals: for a
        neighbourhood whose shifts are all fixed, where only lunch and breaks move.

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
    if rest_choice is not None:
        v.choice = {kc: rest_choice(*kc) for kc in v.by_shift()}
    terms: list[Term] = []
    if not rests_only:
        add_contract_hours(model, problem, v, guard)
        add_working_days(model, problem, v, guard)
        add_consecutive_days_off(model, problem, v, guard)
        add_min_rest(model, problem, v, guard)
        add_max_consecutive_days(model, problem, v, guard)
        add_night_limit(model, problem, v, guard)
        add_locks(model, problem, v, guard)
    if coverage:
        add_rest_placement(model, problem, v)
        terms += add_coverage(model, problem, v, base_cover)
    if not rests_only:
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
    """Create ``x`` for every (agent, allowed candidate, channel).

    Skills and shift-type groups filter here. Time off and earliest/latest times filter too (or are
    guarded when explaining).
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


def _previous_by_agent(problem: RosterProblem) -> dict[str, list[PreviousShift]]:
    out: dict[str, list[PreviousShift]] = defaultdict(list)
    for p in problem.previous:
        out[p.agent_id].append(p)
    return out


def add_min_rest(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables, guard: _Guard
) -> None:
    """Minimum rest between the end of one shift and the start of the next.

    It holds across midnight, and from the previous roster's last shift across the week
    boundary.
    """
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
    """No more than ``max_consecutive_days`` working days in a row.

    The previous roster's days before the horizon count too.
    """
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
    """Keep the locked shifts exactly.

    The problem's ``fixed`` single shifts always; with ``lock_previous``, also the previous
    roster's shifts (and days off) inside the horizon.
    """
    add_fixed_shifts(model, problem, v, guard)
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


def add_fixed_shifts(
    model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables, guard: _Guard
) -> None:
    """Each of the problem's ``fixed`` shifts is worked exactly (its agent's other days free)."""
    if not problem.fixed:
        return
    index = {problem.agents[a].agent_id: a for a in v.agents}
    first = problem.dates[0]
    for shift in problem.fixed:
        a = index.get(shift.agent_id)
        if a is None:  # an agent outside this (sub)model
            continue
        d = (shift.date - first).days
        lits = guard(shift.agent_id, "locked_shifts")
        opt = matching_option(problem, v, a, d, shift)
        if opt is None:  # not an allowed shift (any more), or not in this neighbourhood
            _enforce(model.add(v.work[(a, d)] == 2), lits)  # impossible: the lock conflicts
            continue
        _enforce(model.add(v.x[(a, opt[0], opt[1])] == 1), lits)


def add_rest_placement(model: cp_model.CpModel, problem: RosterProblem, v: RosterVariables) -> None:
    """Lunch and breaks as decisions: agents taking each rest period at each offset.

    Per shift ``(k, c)`` and rest period ``j``, the counts of agents taking it at each offset sum to
    the agents on the shift; and for consecutive rest periods ``p`` then ``q`` (``q`` at least ``d``
    minutes after ``p``), for every offset ``y`` of ``q``: the agents taking ``q`` at ``y`` or
    earlier are at most those taking ``p`` at ``y - d`` or earlier. These forward constraints are
    exactly what makes the counts split into whole per-agent combinations (sort both, pair in order;
    :func:`split_rests`).
    """
    for (k, c), vs in v.by_shift().items():
        chain = problem.rests_of(k)
        if not chain or (k, c) in v.choice:
            continue
        heads = cp_model.LinearExpr.sum(vs)
        per_rest: list[list[cp_model.IntVar]] = []
        for j, slot in enumerate(chain):
            offs = slot.offsets_min
            if len(offs) == 1:
                per_rest.append([])
                continue
            counts = [
                model.new_int_var(0, len(vs), f"rest[{k},{c},{j},{offs[o]}]")
                for o in range(len(offs))
            ]
            model.add(cp_model.LinearExpr.sum(counts) == heads)
            per_rest.append(counts)
            prev = chain[j - 1] if j else None
            if prev is None or len(prev.offsets_min) == 1:
                continue  # the offsets are pruned to fit a previous rest with one offset
            if offs[0] - prev.offsets_min[-1] >= slot.after_prev_min:
                continue  # every pair of offsets is far enough apart
            before = per_rest[j - 1]
            for y in range(len(offs)):
                limit = offs[y] - slot.after_prev_min
                ok = [before[o] for o, off in enumerate(prev.offsets_min) if off <= limit]
                model.add(cp_model.LinearExpr.sum(counts[: y + 1]) <= cp_model.LinearExpr.sum(ok))
        v.rests[(k, c)] = per_rest


def split_rests(
    problem: RosterProblem, k: int, counts: list[list[int]], heads: int
) -> list[tuple[int, ...]]:
    """Split the rest counts of one shift into ``heads`` per-agent combinations.

    ``counts[j][o]`` is the agents taking rest ``j`` at option ``o``; a combination holds an
    option index per rest period. The sorted offsets of consecutive rest periods are paired in
    order.

    Raises
    ------
    ValueError
        The counts do not sum to ``heads`` or cannot be paired with the required gaps (a bug:
        the model's forward constraints rule this out).
    """
    chain = problem.rests_of(k)
    if not chain:
        return [()] * heads
    columns = []
    for j, slot in enumerate(chain):
        if len(slot.offsets_min) == 1:
            col = [0] * heads
        else:
            col = [o for o, n in enumerate(counts[j]) for _ in range(int(n))]
        if len(col) != heads:
            raise ValueError(f"rest counts of candidate {k} sum to {len(col)}, not {heads}")
        columns.append(col)
    combos = [tuple(combo) for combo in zip(*columns, strict=True)]
    for combo in combos:
        for j in range(1, len(chain)):
            gap = chain[j].offsets_min[combo[j]] - chain[j - 1].offsets_min[combo[j - 1]]
            if gap < chain[j].after_prev_min:
                raise ValueError(f"rest counts of candidate {k} cannot be split with their gaps")
    return combos


def solution_assignments(
    problem: RosterProblem, v: RosterVariables, value: Callable[[cp_model.LinearExprT], int]
) -> list[Assignment]:
    """The shifts set in a solution, each with its rests.

    The rest counts are split per agent with :func:`split_rests`. ``value`` reads a variable's
    value (e.g. ``solver.value``).
    """
    on: dict[tuple[int, str], list[int]] = defaultdict(list)
    for (a, k, c), var in v.x.items():
        if value(var):
            on[(k, c)].append(a)
    out = []
    for (k, c), agents in on.items():
        per_rest = v.rests.get((k, c))
        if not problem.rests_of(k):
            combos: list[tuple[int, ...]] = [()] * len(agents)
        elif (k, c) in v.choice:
            combos = [v.choice[(k, c)]] * len(agents)
        elif per_rest is None:  # rests not modelled (no coverage goals): the earliest ones
            combos = [first_rests(problem, k)] * len(agents)
        else:
            counts = [[int(value(var)) for var in opts] for opts in per_rest]
            combos = split_rests(problem, k, counts, len(agents))
        out += [Assignment(a, k, c, combo) for a, combo in zip(sorted(agents), combos, strict=True)]
    return out


def first_rests(problem: RosterProblem, k: int) -> tuple[int, ...]:
    """The earliest feasible rest combination of candidate ``k``.

    Each rest is at its first option that keeps the gap after the previous one.
    """
    chain = problem.rests_of(k)
    out: list[int] = []
    for j, slot in enumerate(chain):
        o = 0
        if j:
            prev = chain[j - 1].offsets_min[out[-1]]
            while slot.offsets_min[o] - prev < slot.after_prev_min:
                o += 1
        out.append(o)
    return tuple(out)


def coverage_weights(problem: RosterProblem) -> tuple[dict[str, np.ndarray], int]:
    """Objective coefficients per cover unit of an interval.

    Returns, per channel, an (intervals x segments) int array of the convex under-staffing
    weights, and the over-staffing weight.
    """
    w = problem.rules.weights
    per = problem.interval_min / 60 / problem.cover_units * OBJ_SCALE
    fixed = np.tile(np.asarray(w.under_staffing, dtype=float), (problem.n_intervals, 1))
    under = {}
    for c in problem.channels:
        given = (problem.under_weights or {}).get(c)
        pts = fixed if given is None else np.asarray(given, dtype=float)
        under[c] = np.where(pts > 0, np.maximum(1, np.round(pts * per)), 0).astype(np.int64)
    return under, round(w.over_staffing * per)


def coverage_terms(
    problem: RosterProblem, v: RosterVariables
) -> dict[tuple[str, int], tuple[list[cp_model.LinearExprT], list[int]]]:
    """Per (channel, interval), the variables and cover units of agents on the phones.

    Each shift counts its cover less the rests it takes (a rest with one offset folds into the
    shift).
    """
    by_ci: dict[tuple[str, int], tuple[list[cp_model.LinearExprT], list[int]]] = defaultdict(
        lambda: ([], [])
    )
    for (_a, k, c), var in v.x.items():
        cand = problem.candidates[k]
        units = dict(cand.cover)
        given = v.choice.get((k, c))
        for j, slot in enumerate(problem.rests_of(k)):
            if given is not None or len(slot.offsets_min) == 1:
                for i, u in cand.rest_cover[j][given[j] if given is not None else 0]:
                    units[i] -= u
        for i, u in units.items():
            if u:
                vs, cs = by_ci[(c, i)]
                vs.append(var)
                cs.append(u)
    for (k, c), per_rest in v.rests.items():
        cand = problem.candidates[k]
        for j, counts in enumerate(per_rest):
            for o, count in enumerate(counts):
                for i, u in cand.rest_cover[j][o]:
                    vs, cs = by_ci[(c, i)]
                    vs.append(count)
                    cs.append(-u)
    return by_ci


def add_coverage(
    model: cp_model.CpModel,
    problem: RosterProblem,
    v: RosterVariables,
    base_cover: dict[str, np.ndarray] | None = None,
) -> list[Term]:
    """Under- and over-staffing of agents on the phones per channel and interval.

    Both are counted against the requirement; under-staffing is convex piecewise: each further
    missing agent costs more.
    """
    by_ci = coverage_terms(problem, v)
    weights, w_over = coverage_weights(problem)
    grain = cover_grain(problem)
    units = problem.cover_units
    under_terms: list[cp_model.LinearExprT] = []
    over_terms: list[cp_model.LinearExprT] = []
    for c in problem.channels:
        required = problem.required[c]
        rows = weights[c].tolist()
        for i in range(problem.n_intervals):
            w_under = rows[i]
            req = int(required[i])
            if base_cover is not None:
                req -= int(base_cover[c][i])
            vs, cs = by_ci.get((c, i), ([], []))
            top = sum(u for u in cs if u > 0)
            if not vs:
                if req > 0:  # nothing can cover it: a constant shortage
                    under_terms.append(under_cost(w_under, req, units))
                continue
            if req <= 0:
                over = model.new_int_var(0, max(0, top - req), f"over[{c},{i}]")
                v.over[(c, i)] = over
                over_terms.append(w_over * over)
                model.add(cp_model.LinearExpr.weighted_sum(vs, cs) - over == req)
                continue
            g = grain[i]
            under, over_expr = _lattice_coverage(
                model, f"{c},{i}", vs, [u // g for u in cs], req, g, w_under, w_over, units
            )
            under_terms.append(under)
            over_terms.append(over_expr)
    return [
        ("under_staffing", cp_model.LinearExpr.sum(under_terms)),
        ("over_staffing", cp_model.LinearExpr.sum(over_terms)),
    ]


@overload
def under_cost(w_under: Sequence[int], short: int, units: int) -> int: ...
@overload
def under_cost(w_under: Sequence[int], short: float, units: int) -> float: ...
def under_cost(w_under: Sequence[int], short: float, units: int) -> float:
    """Cost (objective units) of ``short`` cover units missing in one interval.

    The first agent (``units`` cover units) at ``w_under[0]`` per unit, the next at ``w_under[1]``,
    ... (whole for whole units; a fractional ``short`` is priced pro rata).
    """
    total: float = 0
    for s, weight in enumerate(w_under):
        last = s == len(w_under) - 1
        take = max(0, short - s * units)
        if not last:
            take = min(units, take)
        total += weight * take
    return total


def cover_grain(problem: RosterProblem) -> list[int]:
    """Per interval, the gcd of the cover units of every candidate shift and rest period.

    The on-the-phones coverage of any roster is a multiple of it (a whole agent for grid-aligned
    shifts and rests).
    """
    return list(problem.grain)


def _lattice_coverage(
    model: cp_model.CpModel,
    tag: str,
    vs: list[cp_model.LinearExprT],
    steps: list[int],
    req: int,
    g: int,
    w_under: Sequence[int],
    w_over: int,
    units: int,
) -> tuple[cp_model.LinearExprT, cp_model.LinearExprT]:
    """Under- and over-staffing of one interval whose coverage moves in multiples of ``g``.

    With ``req = g q + r``: coverage ``g (q - D + e1 + e2)``, where ``D`` counts missing
    multiples (costed at the convex under-staffing weights), ``e1`` is the one multiple that
    turns the ``r`` short into ``g - r`` over, and ``e2`` further multiples over. The costs are
    exact on every roster; in the LP relaxation they are the interpolation between whole
    multiples, which is what makes CP-SAT's bound tight against fractional coverage.
    """
    q, r = divmod(req, g)
    base = under_cost(w_under, r, units)
    under_parts: list[cp_model.LinearExprT] = []
    d_vars: list[cp_model.IntVar] = []
    t, prev = 1, base
    while t <= q:
        now = under_cost(w_under, r + g * t, units)
        if r + g * (t - 1) >= units * (len(w_under) - 1):  # constant slope from here
            d = model.new_int_var(0, q - t + 1, f"short[{tag},{t}+]")
            d_vars.append(d)
            under_parts.append((now - prev) * d)
            break
        d = model.new_bool_var(f"short[{tag},{t}]")
        d_vars.append(d)
        under_parts.append((now - prev) * d)
        t, prev = t + 1, now
    e2 = model.new_int_var(0, max(0, sum(s for s in steps if s > 0) - q), f"over[{tag}]")
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
    """Stable start times: a cost per start-time band an agent uses in the horizon.

    Bands are ``fairness.start_band_h`` wide, so one band costs least.
    """
    w = problem.rules.weights.start_band
    if not w:
        return [("start_bands", cp_model.LinearExpr.sum([]))]
    width = problem.rules.start_band_min
    terms = []
    for a in v.agents:
        bands: dict[int, cp_model.IntVar] = {}
        for d in range(len(problem.dates)):
            per_band: dict[int, list[cp_model.IntVar]] = defaultdict(list)
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

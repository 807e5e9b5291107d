"""Impossible contracts, found before any solve.

Every hard rule of a roster binds one agent, so a roster exists exactly when every agent's own
rules can hold. Most agents whose rules cannot hold fail one of a few sums, checked here in
milliseconds and without a solver (:func:`contract_conflicts`):

- **a shift to work at all**: the agent's skills must meet a channel to staff and a shift type
  open to its group, and a start must fit its ``earliest_start`` / ``latest_end``, whenever the
  contract asks for hours;
- **hours reachable**: in each week the paid hours the contract asks for (``min_hours_week``,
  prorated for a short week, less the time-off credit) must be reachable, and
  ``max_hours_week`` not exceeded, by some count of allowed shifts that fits in the working
  days left by ``max_days_week``, the rules' days off and approved time off.

The checks never refuse an agent whose rules can hold (they only add up shift lengths and count
days); what they cannot see (rest between shifts, consecutive days) is left to the CP-SAT
explainer (:mod:`scheduling.roster.explain`), which :func:`~scheduling.roster.solve.solve` still
runs on any agent its greedy start finds infeasible. :func:`unknown_skills` names the skills no
requirement or shift type knows, for a warning.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence

from scheduling.errors import InfeasibleError
from scheduling.roster.agents import Agent, leave_credit_min
from scheduling.roster.problem import RosterProblem
from scheduling.roster.rules import RosterRules, ShiftType
from wfmcore.parse import format_hhmm

__all__ = ["check_contracts", "contract_conflicts", "problem_conflicts", "unknown_skills"]

#: The week the contracts are checked on when no dates are given (a Monday, no time off).
_ANY_WEEK = tuple(dt.date(2001, 1, 1) + dt.timedelta(days=k) for k in range(7))


def _who(agent: Agent) -> str:
    return f"agent {agent.agent_id}" + (f" ({agent.name})" if agent.name != agent.agent_id else "")


def _hours(minutes: float) -> str:
    return f"{minutes / 60:g} h"


def _asks(agent: Agent) -> str:
    return (
        f"it needs at least {agent.min_hours_week:g} paid hours a week (contract: min_hours_week)"
    )


def _fitting(agent: Agent, st: ShiftType) -> bool:
    """Whether some start of ``st`` fits the agent's earliest start and latest end."""
    return any(
        (agent.earliest_start_min is None or t >= agent.earliest_start_min)
        and (agent.latest_end_min is None or t + st.length_min <= agent.latest_end_min)
        for t in st.start_times()
    )


def _reachable(paid: Iterable[int], days: int, hi: int) -> set[int]:
    """Paid minutes of every count of at most ``days`` shifts of the given lengths.

    Sums are kept up to ``hi`` and one step beyond it, so that 'too long' can be told from
    'too short'.
    """
    lengths = sorted(set(paid))
    sums = {0}
    frontier = {0}
    for _ in range(days):
        frontier = {s + p for s in frontier for p in lengths if s <= hi}
        sums |= frontier
    return sums


def contract_conflicts(
    agents: Sequence[Agent],
    rules: RosterRules,
    *,
    dates: Sequence[dt.date] | None = None,
    channels: Iterable[str] | None = None,
) -> list[str]:
    """One line per agent rule that cannot hold, naming the agent and the rules (empty.

    none found).

    Parameters
    ----------
    agents, rules
        The agents and the labour rules.
    dates
        The days to roster (weeks are 7-day blocks from the first); default one full week
        without time off (checks the contracts against the rules alone).
    channels
        The channels to staff (the requirements'); ``None`` skips the skills check.

    Returns
    -------
    list of str
        E.g. ``agent A2 (Omar): at least 48 paid hours a week (contract: min_hours_week) cannot
        be reached in the week of 2026-11-30: at most 5 working days (max_days_week 5) x 8 h
        (the longest paid shift, 'day') = 40 h, less than the 48 h asked``.

    """
    days = tuple(dates) if dates else _ANY_WEEK
    weeks = [days[s : s + 7] for s in range(0, len(days), 7)]
    wanted = None if channels is None else set(channels)
    lines: list[str] = []
    for agent in agents:
        lines += _agent_conflicts(agent, rules, weeks, wanted)
    return lines


def _agent_conflicts(
    agent: Agent,
    rules: RosterRules,
    weeks: list[tuple[dt.date, ...]],
    channels: set[str] | None,
) -> list[str]:
    who = _who(agent)
    needs = [
        math.floor(
            max(0.0, agent.min_hours_week * 60 * len(w) / 7 - leave_credit_min(agent, w)) + 1e-9
        )
        for w in weeks
    ]
    if not any(needs):
        return []  # no hours asked: a week off always holds
    types = [st for st in rules.shift_types if st.groups is None or agent.group in st.groups]
    if not types:
        return [
            f"{who}: no shift type is open to its group {agent.group!r} (rules: shift.groups), "
            f"but {_asks(agent)}"
        ]
    if channels is not None:
        usable = [
            st
            for st in types
            if any(
                c in channels and (st.channels is None or c in st.channels) for c in agent.skills
            )
        ]
        if not usable:
            known = set(channels) | {c for st in rules.shift_types for c in (st.channels or ())}
            unknown = [s for s in agent.skills if s not in known]
            why = (
                f"skill(s) {', '.join(map(repr, unknown))} match no channel of the requirements "
                f"({', '.join(sorted(channels))}) nor of any shift type"
                if unknown
                else f"no shift type serves its skill(s) {', '.join(map(repr, agent.skills))}"
                " among the channels to staff"
            )
            return [
                f"{who}: no allowed shift at all: {why} (agents.csv: skills), but {_asks(agent)}"
            ]
        types = usable
    fitting = [st for st in types if _fitting(agent, st)]
    if not fitting:
        limits = [
            (f"{name.replace('_', ' ')} {format_hhmm(t)}", name)
            for name, t in (
                ("earliest_start", agent.earliest_start_min),
                ("latest_end", agent.latest_end_min),
            )
            if t is not None
        ]
        return [
            f"{who}: no allowed shift fits its {' and '.join(text for text, _ in limits)} "
            f"(agents.csv: {', '.join(key for _, key in limits)}), but {_asks(agent)}"
        ]
    lines = []
    for week, need in zip(weeks, needs, strict=True):
        line = _week_conflict(agent, rules, week, need, fitting)
        if line:
            lines.append(f"{who}: {line}")
            break  # one week says it; the others would repeat it
    return lines


def _week_conflict(
    agent: Agent,
    rules: RosterRules,
    week: tuple[dt.date, ...],
    need: int,
    types: list[ShiftType],
) -> str | None:
    """Why the week's paid hours cannot be in [need, the contract's maximum], or ``None``."""
    share = len(week) / 7
    most = math.ceil(agent.max_hours_week * 60 * share - 1e-9)
    cap, limits = len(week), []
    if agent.max_days_week < cap:
        cap = agent.max_days_week
        limits.append(f"max_days_week {agent.max_days_week}")
    off = math.floor(rules.days_off_per_week * share)
    if len(week) - off < cap:
        cap = len(week) - off
        limits.append(f"week.days_off {rules.days_off_per_week}")
    free = sum(1 for d in week if d not in agent.unavailable)
    if free < cap:
        cap = free
        limits.append(f"time off on {len(week) - free} day(s)")
    paid = {st.paid_min: st.name for st in types}
    sums = _reachable(paid, cap, most)
    if any(need <= s <= most for s in sums):
        return None
    asked = f"at least {agent.min_hours_week:g} paid hours a week (contract: min_hours_week" + (
        ", prorated and less time-off credit)" if need != agent.min_hours_week * 60 else ")"
    )
    longest = max(paid)
    reach = cap * longest
    tag = f"the week of {week[0]}"
    if reach < need:
        return (
            f"{asked} cannot be reached in {tag}: at most {cap} working day{'s' * (cap != 1)} "
            f"({', '.join(limits) or f'{len(week)} days'}) x {_hours(longest)} (the longest paid "
            f"shift, {paid[longest]!r}) = {_hours(reach)}, less than the {_hours(need)} asked"
        )
    shortest = min(paid)
    if shortest > most:
        return (
            f"at most {agent.max_hours_week:g} paid hours a week (contract: max_hours_week) allows "
            f"{_hours(most)} in {tag}, less than the shortest paid shift ({paid[shortest]!r}, "
            f"{_hours(shortest)}), but {asked} asks for {_hours(need)}"
        )
    lengths = ", ".join(f"{_hours(p)} ({n!r})" for p, n in sorted(paid.items()))
    return (
        f"no count of shifts of {lengths} adds up to between {_hours(need)} ({asked}) and "
        f"{_hours(most)} (contract: max_hours_week {agent.max_hours_week:g}) in {tag}"
    )


def problem_conflicts(problem: RosterProblem) -> list[str]:
    """:func:`contract_conflicts` of a roster problem (its agents, rules, days and channels)."""
    return contract_conflicts(
        problem.agents, problem.rules, dates=problem.dates, channels=problem.channels
    )


def check_contracts(
    agents: Sequence[Agent],
    rules: RosterRules,
    *,
    dates: Sequence[dt.date] | None = None,
    channels: Iterable[str] | None = None,
) -> None:
    """Raise :class:`~scheduling.errors.InfeasibleError` on impossible contracts.

    The error names the agents and rules :func:`contract_conflicts` finds.
    """
    lines = contract_conflicts(agents, rules, dates=dates, channels=channels)
    if lines:
        raise infeasible(lines)


def infeasible(lines: Sequence[str]) -> InfeasibleError:
    """The :class:`InfeasibleError` of conflict lines (``agent X (name): ...``)."""
    names = sorted({line.split(":")[0] for line in lines})
    return InfeasibleError(f"the hard rules cannot all hold for {', '.join(names)}", list(lines))


def unknown_skills(
    agents: Sequence[Agent],
    rules: RosterRules,
    channels: Iterable[str],
    *,
    source: str = "agents.csv",
    rows: Sequence[int] = (),
) -> list[str]:
    """Warn once per agent with a skill that no channel nor shift type knows.

    An agent with no known skill at all is left to :func:`contract_conflicts`.
    """
    known = set(channels) | {c for st in rules.shift_types for c in (st.channels or ())}
    out = []
    for i, agent in enumerate(agents):
        unknown = [s for s in agent.skills if s not in known]
        if unknown and len(unknown) < len(agent.skills):
            row = f", row {rows[i]}" if i < len(rows) else ""
            out.append(
                f"{source}{row}, column 'skills': agent {agent.agent_id} has skill(s) "
                f"{', '.join(map(repr, unknown))} that no requirement nor shift type knows "
                f"(channels: {', '.join(sorted(known))}); ignored"
            )
    return out

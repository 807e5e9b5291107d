"""A roster problem: horizon, demand, agents, rules and the candidate shifts they allow.

It holds the planning horizon, the demand per channel and interval, the agents, the rules and
every candidate shift (day, shift type, start) the rules allow, with the rest periods (lunch and
breaks) each candidate may take.

Times inside the problem are whole minutes from ``origin`` (local midnight of the first day),
measured in absolute time, so a 23- or 25-hour DST day neither loses nor doubles an interval.
Interval ``i`` covers minutes ``[i * interval_min, (i + 1) * interval_min)``.

**Coverage means agents on the phones.** The requirement of a channel and interval is the
requirements' ``staff`` (agents needed on the channel, grossed up for the shrinkage the roster
does not schedule: absence, sickness, unrostered meetings), and it is met by agents *working*
the channel: on shift and not at lunch or on a break. Coverage and requirement are counted in
*cover units*, ``cover_units`` per agent-interval (tenths of an agent, finer where a rest period
takes part of an interval that tenths cannot express), so every count is a whole number.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from scheduling.errors import InputError
from scheduling.roster.agents import Agent
from scheduling.roster.rules import RestSlot, RosterRules, ShiftType, rest_chain
from wfmcore.defaults import DEFAULT_TZ, MINUTES_PER_DAY

REQUIREMENT_UNITS = 10  # requirements are counted in (at least) tenths of an agent

Cover = tuple[tuple[int, int], ...]  # (interval index, cover units) pairs

__all__ = [
    "REQUIREMENT_UNITS",
    "Assignment",
    "Candidate",
    "PreviousShift",
    "RestSlot",
    "RosterProblem",
    "build_problem",
    "candidate_blockers",
    "local_minute",
    "rest_chain",
]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A shift the rules allow on one day, independent of agent and channel.

    ``cover`` lists ``(interval index, cover units)`` of the whole shift; ``rest_cover[j][o]``
    the units that rest period ``j`` of the type's :func:`rest_chain` takes off the phones when
    it starts at its ``o``-th offset. On the phones = ``cover`` less the chosen rests' covers.
    """

    day: int
    type_idx: int
    start_tod_min: int
    start_min: int
    end_min: int
    paid_min: int
    night: bool
    late: bool
    cover: Cover
    rest_cover: tuple[tuple[Cover, ...], ...] = ()


class Assignment(NamedTuple):
    """One shift of a roster.

    It holds the agent index, candidate index, channel, and the option chosen for each rest
    period of the candidate's :func:`rest_chain` (empty without rests).
    """

    agent: int
    cand: int
    channel: str
    rests: tuple[int, ...] = ()

    @property
    def shift(self) -> tuple[int, int, str]:
        """The ``(agent, candidate, channel)`` key of the model's shift Boolean."""
        return (self.agent, self.cand, self.channel)


@dataclass(frozen=True, slots=True)
class PreviousShift:
    """A shift of a previous (or published) roster, with its rest periods."""

    agent_id: str
    date: dt.date
    channel: str
    start: pd.Timestamp
    end: pd.Timestamp
    rests: tuple[tuple[str, pd.Timestamp, pd.Timestamp], ...] = ()


@dataclass(frozen=True, eq=False)
class RosterProblem:
    """Everything the roster model needs, validated.

    ``staff`` maps channel to a float array over the horizon's intervals: agents needed on the
    phones (the requirement's ``staff``: grossed up for unscheduled shrinkage), and
    ``required`` the same in whole cover units (rounded up), which every cost counts against.
    ``net`` is the requirement's ``agents`` (what the queue model needs after shrinkage), kept
    for reports. ``grain[i]``: on-the-phones coverage of interval ``i`` moves in multiples of
    it (the gcd of every shift's and rest's cover units there). ``rest_chains[t]`` are shift
    type ``t``'s rest periods in placement order. ``under_weights`` optionally maps a channel
    to an (intervals x segments) array of under-staffing weights (points per agent-hour of the
    k-th missing agent) replacing the rules' single list in those intervals (see
    :mod:`scheduling.roster.weights`).
    """

    agents: tuple[Agent, ...]
    rules: RosterRules
    dates: tuple[dt.date, ...]
    origin: pd.Timestamp
    tz: str
    interval_min: int
    channels: tuple[str, ...]
    staff: dict[str, np.ndarray]
    net: dict[str, np.ndarray]
    candidates: tuple[Candidate, ...]
    cover_units: int = REQUIREMENT_UNITS
    required: dict[str, np.ndarray] = field(default_factory=dict)
    grain: tuple[int, ...] = ()
    rest_chains: tuple[tuple[RestSlot, ...], ...] = ()
    previous: tuple[PreviousShift, ...] = ()
    lock_previous: bool = False
    #: single shifts kept exactly (locked by hand); the agents' other days stay free
    fixed: tuple[PreviousShift, ...] = ()
    notes: tuple[str, ...] = field(default=())
    under_weights: dict[str, np.ndarray] | None = None

    @property
    def n_intervals(self) -> int:
        """Intervals in the horizon."""
        return len(next(iter(self.staff.values()))) if self.staff else 0

    def rests_of(self, k: int) -> tuple[RestSlot, ...]:
        """The rest periods of candidate ``k``, in placement order."""
        return self.rest_chains[self.candidates[k].type_idx]

    def on_phones(self, k: int, rests: Sequence[int]) -> Cover:
        """Cover units of candidate ``k`` on the phones, with rest ``j`` at option ``rests[j]``."""
        cand = self.candidates[k]
        units = dict(cand.cover)
        for j, o in enumerate(rests):
            for i, u in cand.rest_cover[j][o]:
                units[i] -= u
        return tuple((i, u) for i, u in sorted(units.items()) if u)

    def local_offset(self, k: int, offset_min: int) -> int:
        """Absolute minutes (from ``origin``) of a wall-clock time inside candidate ``k``.

        The wall-clock time is ``offset_min`` after the start of candidate ``k`` (rest periods
        are placed in wall-clock minutes).
        """
        cand = self.candidates[k]
        return local_minute(
            self.origin, self.tz, self.dates[cand.day], cand.start_tod_min + offset_min
        )

    def timestamp(self, minute: int) -> pd.Timestamp:
        """The local timestamp ``minute`` minutes (absolute) after ``origin``."""
        return self.origin + pd.Timedelta(minutes=minute)

    def minute(self, ts: pd.Timestamp) -> int:
        """Minutes from ``origin`` to ``ts`` (tz-aware)."""
        return int(round((ts - self.origin).total_seconds() / 60))

    def weeks(self) -> list[list[int]]:
        """Day indices grouped in 7-day blocks from the first day (the last may be shorter)."""
        n = len(self.dates)
        return [list(range(s, min(s + 7, n))) for s in range(0, n, 7)]

    def agent_channels(self, agent: Agent, shift_type: ShiftType) -> list[str]:
        """Channels ``agent`` may work on a shift of ``shift_type`` (skills, type, demand)."""
        allowed = shift_type.channels
        return [c for c in agent.skills if c in self.channels and (allowed is None or c in allowed)]

    def type_allowed(self, agent: Agent, shift_type: ShiftType) -> bool:
        """Whether the shift type is open to the agent's group."""
        return shift_type.groups is None or (agent.group in shift_type.groups)


def candidate_blockers(problem: RosterProblem, agent: Agent, cand: Candidate) -> list[str]:
    """The agent rules that forbid ``cand`` for ``agent`` (empty when allowed).

    Names: ``time_off``, ``earliest_start``, ``latest_end``.
    """
    reasons = []
    day = problem.dates[cand.day]
    end_tod = cand.start_tod_min + problem.rules.shift_types[cand.type_idx].length_min
    # a day of approved time off is free of work: no shift starts on it, and none from the
    # evening before runs into it
    if day in agent.unavailable or (
        end_tod > MINUTES_PER_DAY and day + dt.timedelta(days=1) in agent.unavailable
    ):
        reasons.append("time_off")
    if agent.earliest_start_min is not None and cand.start_tod_min < agent.earliest_start_min:
        reasons.append("earliest_start")
    if agent.latest_end_min is not None and end_tod > agent.latest_end_min:
        reasons.append("latest_end")
    return reasons


def _cover_units(rules: RosterRules, interval_min: int) -> int:
    """Units per agent-interval in which every shift, rest and requirement is a whole number.

    They are tenths of an agent, or finer when a rest period takes a part of an interval tenths
    cannot express (a 15-minute break in a 60-minute interval: twentieths).
    """
    grain = interval_min
    for st in rules.shift_types:
        grain = math.gcd(grain, st.length_min, st.start_step_min)
        for first, _ in st.start_windows:
            grain = math.gcd(grain, first)
        for p in st.rest_periods:
            grain = math.gcd(grain, p.length_min, p.earliest_min)
    grain = math.gcd(grain, rules.break_step_min, 60)  # 60: daylight-saving shifts
    return math.lcm(REQUIREMENT_UNITS, interval_min // max(grain, 1))


def _cover(s: int, e: int, interval_min: int, n: int, units: int) -> Cover:
    """Cover units of the absolute minutes ``[s, e)`` per interval of the horizon."""
    out = []
    for i in range(max(0, s // interval_min), min(n, -(-e // interval_min))):
        ov = _overlap(s, e, i * interval_min, (i + 1) * interval_min)
        if ov:
            out.append((i, round(units * ov / interval_min)))
    return tuple(out)


def _grain(candidates: list[Candidate], n: int, units: int) -> tuple[int, ...]:
    """Per interval, the gcd of the cover units of every candidate and rest period there."""
    grain = [0] * n
    for cand in candidates:
        for i, u in cand.cover:
            grain[i] = math.gcd(grain[i], u)
        for options in cand.rest_cover:
            for cover in options:
                for i, u in cover:
                    grain[i] = math.gcd(grain[i], u)
    return tuple(g or units for g in grain)


def local_minute(origin: pd.Timestamp, tz: str, date: dt.date, minute_of_day: int) -> int:
    """Absolute minutes from ``origin`` to wall-clock ``minute_of_day`` on ``date``.

    A wall-clock time that does not exist (DST gap) moves forward; an ambiguous one takes the
    first occurrence.
    """
    naive = pd.Timestamp(dt.datetime.combine(date, dt.time())) + pd.Timedelta(minutes=minute_of_day)
    ts = naive.tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
    return int(round((ts - origin).total_seconds() / 60))


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _night_overlap(rules: RosterRules, start_tod: int, length: int) -> int:
    ns, ne = rules.night_start_min, rules.night_end_min
    total = 0
    for k in (-1, 0, 1):
        base = MINUTES_PER_DAY * k
        if ns < ne:
            total += _overlap(start_tod, start_tod + length, base + ns, base + ne)
        else:  # crosses midnight
            total += _overlap(start_tod, start_tod + length, base + ns, base + MINUTES_PER_DAY + ne)
    return total


def build_problem(
    requirements: pd.DataFrame,
    agents: list[Agent] | tuple[Agent, ...],
    rules: RosterRules,
    *,
    tz: str = DEFAULT_TZ,
    previous: list[PreviousShift] | tuple[PreviousShift, ...] = (),
    lock_previous: bool = False,
    fixed: list[PreviousShift] | tuple[PreviousShift, ...] = (),
) -> RosterProblem:
    """Build a :class:`RosterProblem`.

    Parameters
    ----------
    requirements
        Long frame with ``channel``, ``interval_start`` (tz-aware), ``staff`` and optionally
        ``agents``; several queues of one channel are summed.
    agents, rules
        From :func:`~scheduling.roster.agents.read_agents` and
        :func:`~scheduling.roster.rules.load_rules`.
    tz
        The center's time zone.
    previous
        Shifts of a previous roster (before and/or inside the horizon).
    lock_previous
        Keep the previous roster's shifts inside the horizon exactly (hard); otherwise they are
        only preferred (soft, weight ``change``).
    fixed
        Single shifts to keep exactly (hard): each agent works that shift on that day, and
        the rest of the agent's week is free (locked shifts, not weeks).
    """
    for col in ("channel", "interval_start", "staff"):
        if col not in requirements.columns:
            raise InputError(f"requirements: missing column {col!r}")
    if requirements.empty:
        raise InputError("requirements: no rows")
    ids = [a.agent_id for a in agents]
    if len(set(ids)) != len(ids):
        raise InputError("agents: duplicate agent_id")
    req = requirements.copy()
    req["interval_start"] = pd.to_datetime(req["interval_start"]).dt.tz_convert(tz)
    if "agents" not in req.columns:
        req["agents"] = req["staff"]
    req["agents"] = req["agents"].fillna(req["staff"])
    grouped = req.groupby(["channel", "interval_start"], sort=True)[["staff", "agents"]].sum()
    starts = grouped.index.get_level_values("interval_start").unique().sort_values()
    steps = [(b - a).total_seconds() / 60 for a, b in itertools.pairwise(starts)] or [30.0]
    interval_min = int(min(steps))
    if interval_min <= 0 or MINUTES_PER_DAY % interval_min:
        raise InputError(f"requirements: interval of {interval_min} min does not divide a day")
    first_date = starts[0].date()
    last_date = starts[-1].date()
    dates = tuple(
        first_date + dt.timedelta(days=k) for k in range((last_date - first_date).days + 1)
    )
    origin = pd.Timestamp(dt.datetime.combine(first_date, dt.time())).tz_localize(
        tz, nonexistent="shift_forward", ambiguous=True
    )
    end = pd.Timestamp(dt.datetime.combine(last_date + dt.timedelta(days=1), dt.time()))
    end = end.tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
    n = int(round((end - origin).total_seconds() / 60)) // interval_min
    channels = tuple(sorted(str(c) for c in grouped.index.get_level_values("channel").unique()))
    staff = {c: np.zeros(n) for c in channels}
    net = {c: np.zeros(n) for c in channels}
    for rec in grouped.reset_index().to_dict("records"):
        chan, ts = str(rec["channel"]), pd.Timestamp(rec["interval_start"])
        minute = (ts - origin).total_seconds() / 60
        if minute % interval_min:
            raise InputError(f"requirements: {ts} is not on the {interval_min}-minute grid")
        i = int(minute // interval_min)
        vals = (float(rec["staff"]), float(rec["agents"]))
        if not all(math.isfinite(v) and v >= 0 for v in vals):
            raise InputError(f"requirements: bad staff/agents at {chan} {ts}")
        staff[str(chan)][i] = vals[0]
        net[str(chan)][i] = vals[1]

    units = _cover_units(rules, interval_min)
    chains = tuple(rest_chain(rules, st) for st in rules.shift_types)
    cache: dict[tuple[dt.date, int], int] = {}

    def at(date: dt.date, minute_of_day: int) -> int:
        key = (date, minute_of_day)
        if key not in cache:
            cache[key] = local_minute(origin, tz, date, minute_of_day)
        return cache[key]

    required = {c: np.ceil(staff[c] * units - 1e-6).astype(np.int64) for c in channels}
    candidates: list[Candidate] = []
    for d, date in enumerate(dates):
        for ti, st in enumerate(rules.shift_types):
            for tod in st.start_times():
                s = at(date, tod)
                e = at(date, tod + st.length_min)
                rest_cover = tuple(
                    tuple(
                        _cover(
                            at(date, tod + o),
                            at(date, tod + o + slot.length_min),
                            interval_min,
                            n,
                            units,
                        )
                        for o in slot.offsets_min
                    )
                    for slot in chains[ti]
                )
                candidates.append(
                    Candidate(
                        day=d,
                        type_idx=ti,
                        start_tod_min=tod,
                        start_min=s,
                        end_min=e,
                        paid_min=st.paid_min,
                        night=_night_overlap(rules, tod, st.length_min)
                        >= max(1, rules.night_min_overlap_min),
                        late=tod + st.length_min > rules.late_end_after_min,
                        cover=_cover(s, e, interval_min, n, units),
                        rest_cover=rest_cover,
                    )
                )
    known = set(ids)
    for p in previous:
        if p.agent_id not in known:
            raise InputError(f"previous roster: unknown agent_id {p.agent_id!r}")
    for p in fixed:
        if p.agent_id not in known:
            raise InputError(f"locked shift: unknown agent_id {p.agent_id!r}")
        if p.date not in dates:
            raise InputError(f"locked shift of {p.agent_id} on {p.date}: outside the horizon")
    return RosterProblem(
        agents=tuple(agents),
        rules=rules,
        dates=dates,
        origin=origin,
        tz=tz,
        interval_min=interval_min,
        channels=channels,
        staff=staff,
        net=net,
        candidates=tuple(candidates),
        cover_units=units,
        required=required,
        grain=_grain(candidates, n, units),
        rest_chains=chains,
        previous=tuple(previous),
        lock_previous=lock_previous,
        fixed=tuple(fixed),
    )

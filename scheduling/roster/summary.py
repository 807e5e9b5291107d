"""The roster summary: solver figures, coverage, paid hours, preferences and fairness.

:func:`roster_summary` computes a :class:`RosterSummary` from a problem, its solution and the
coverage table; :meth:`RosterSummary.to_dict` gives the documented ``ROSTER.summary.json``
(its keys are a contract: see the README); :func:`format_summary` the terminal table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pandas as pd

from scheduling.roster.problem import RosterProblem
from scheduling.roster.records import Note, RosterShift, RosterSolution, RosterStatus
from wfmcore.defaults import MINUTES_PER_DAY

#: A JSON value, as :func:`json.dumps` writes it.
JsonValue: TypeAlias = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


def _note_code(note: str) -> JsonValue:
    """A note's code and parameters (``None`` for a plain string): a translatable note."""
    if not isinstance(note, Note):
        return None
    params: dict[str, JsonValue] = dict(note.params)
    return {"code": note.code, "params": params}


@dataclass(frozen=True, slots=True)
class ChannelCoverage:
    """One channel's coverage over the horizon, in agent-hours.

    ``required_h`` is the requirement on the phones (the requirements' ``staff``: agents needed,
    grossed up for the shrinkage a roster does not schedule); ``on_phones_h`` the agents
    working the channel (not at lunch, not on a break); ``under_h``/``over_h`` the hours on the
    phones short of and above the requirement, summed per interval; ``scheduled_h`` the heads
    on shift, lunch and breaks included (shown beside, never instead of, the phones).
    """

    required_h: float
    on_phones_h: float
    under_h: float
    over_h: float
    scheduled_h: float


@dataclass(frozen=True, slots=True)
class PreferenceFigures:
    """How far the roster meets the agents' stated preferences.

    ``preferred_start_mean_deviation_h``: mean distance (hours, around the clock) of a shift's
    start from its agent's preferred start, over the shifts of agents who gave one (``None``
    when nobody did). ``preferred_days_off_kept`` of ``preferred_days_off_asked``: planned days
    that fall on an agent's preferred weekday off, and how many of them are off.
    """

    preferred_start_mean_deviation_h: float | None
    preferred_days_off_kept: int
    preferred_days_off_asked: int


@dataclass(frozen=True, slots=True)
class FairnessFigures:
    """How evenly the unpopular shifts are shared among the agents.

    Attributes
    ----------
    weekend_days_min, weekend_days_max
        Weekend days worked by the agent with the fewest and the one with the most.
    full_weekends
        Agents working both days of a weekend.
    late_shifts_min, late_shifts_max
        Late shifts (ending after the rules' ``late_end_after``), fewest and most per agent.
    """

    weekend_days_min: int
    weekend_days_max: int
    full_weekends: int
    late_shifts_min: int
    late_shifts_max: int


@dataclass(frozen=True, slots=True)
class RosterSummary:
    """What a roster achieves, ready for a report or JSON (:meth:`to_dict`).

    Attributes
    ----------
    status, objective, best_bound, gap, time_to_first_s, time_to_final_s, num_solutions,
    objective_terms
        From the :class:`~scheduling.roster.records.RosterSolution` (points, shares, seconds).
    wall_time_s
        Seconds the solve took, rounded to milliseconds.
    first_day, num_days, interval_min
        The planned horizon: first date, days, interval length in minutes.
    num_agents, num_agents_rostered, num_shifts
        Agents in the problem, agents with at least one shift, shifts in the roster.
    paid_hours
        Paid hours of every shift (unpaid lunches excluded).
    under_staffing_h, over_staffing_h
        Agent-hours short of and above the requirement, all channels.
    lp_bound_under_staffing_h
        Proven lower bound (LP relaxation) on ``under_staffing_h``; ``None`` when not computed.
    channels
        Coverage per channel.
    preferences, fairness
        Preference and fairness figures.
    num_violations
        Hard-rule violations the independent checker found; ``None`` when not checked.
    notes
        Planner-facing notes (the solver's, then the caller's).
    expected_service_level
        Per channel, the volume-weighted mean of the coverage table's per-interval expected
        service level (share); ``None`` when the coverage has none.
    expected_service_level_week
        Per channel, the staffing engine's service level over the week (share); ``None`` when
        not evaluated.
    pooling
        Per channel, how its requirements were pooled (:func:`requirements_pooling`);
        ``None`` when not known.
    """

    status: RosterStatus
    objective: float | None
    best_bound: float | None
    gap: float | None
    time_to_first_s: float | None
    time_to_final_s: float | None
    wall_time_s: float
    num_solutions: int
    objective_terms: Mapping[str, float]
    first_day: dt.date
    num_days: int
    interval_min: int
    num_agents: int
    num_agents_rostered: int
    num_shifts: int
    paid_hours: float
    under_staffing_h: float
    over_staffing_h: float
    lp_bound_under_staffing_h: float | None
    channels: Mapping[str, ChannelCoverage]
    preferences: PreferenceFigures
    fairness: FairnessFigures
    num_violations: int | None = None
    notes: tuple[str, ...] = ()
    expected_service_level: Mapping[str, float | None] | None = None
    expected_service_level_week: Mapping[str, float] | None = None
    pooling: Mapping[str, str] | None = None

    def to_dict(self) -> dict[str, JsonValue]:
        """The summary as the JSON object of ``ROSTER.summary.json`` (only JSON types).

        The two ``expected_service_level*`` keys are present only when computed; a figure
        that is unknown (NaN, e.g. the gap before any bound) is ``null``.
        """
        out: dict[str, JsonValue] = {
            "status": self.status,
            "objective": self.objective,
            "best_bound": self.best_bound,
            "gap": self.gap,
            "time_to_first_s": self.time_to_first_s,
            "time_to_final_s": self.time_to_final_s,
            "wall_time_s": self.wall_time_s,
            "solutions": self.num_solutions,
            "objective_terms": dict(self.objective_terms),
            "first_day": self.first_day.isoformat(),
            "days": self.num_days,
            "interval_min": self.interval_min,
            "agents": self.num_agents,
            "agents_rostered": self.num_agents_rostered,
            "shifts": self.num_shifts,
            "paid_hours": self.paid_hours,
            "under_staffing_h": self.under_staffing_h,
            "over_staffing_h": self.over_staffing_h,
            "lp_bound_under_staffing_h": self.lp_bound_under_staffing_h,
            "channels": {c: dataclasses.asdict(v) for c, v in self.channels.items()},
            "preferences": dataclasses.asdict(self.preferences),
            "fairness": dataclasses.asdict(self.fairness),
            "violations": self.num_violations,
            "notes": list(self.notes),
            "note_codes": [_note_code(n) for n in self.notes],
        }
        if self.expected_service_level is not None:
            out["expected_service_level"] = dict(self.expected_service_level)
        if self.expected_service_level_week is not None:
            out["expected_service_level_week"] = dict(self.expected_service_level_week)
        if self.pooling is not None:
            out["pooling"] = dict(self.pooling)
        return {k: _finite(v) for k, v in out.items()}


def _finite(value: JsonValue) -> JsonValue:
    """``value`` with every NaN or infinite float (an unknown figure) replaced by ``None``.

    JSON has no NaN: ``json.dumps`` would write a token that strict parsers reject.
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def coverage_figures(coverage: pd.DataFrame, interval_min: int) -> dict[str, ChannelCoverage]:
    """Coverage figures per channel (sorted), in agent-hours, from a coverage table.

    Required, on the phones, under- and over-staffing on the phones, and heads scheduled; the
    table is :func:`scheduling.roster.io.coverage_table`'s.
    """
    h = interval_min / 60
    out = {}
    for c, g in coverage.groupby("channel", sort=True):
        out[str(c)] = ChannelCoverage(
            required_h=round(float(g["required"].sum() * h), 2),
            on_phones_h=round(float(g["available"].sum() * h), 2),
            under_h=round(float((-g["gap"]).clip(lower=0).sum() * h), 2),
            over_h=round(float(g["gap"].clip(lower=0).sum() * h), 2),
            scheduled_h=round(float(g["scheduled"].sum() * h), 2),
        )
    return out


def roster_summary(
    problem: RosterProblem,
    solution: RosterSolution,
    coverage: pd.DataFrame,
    *,
    violations: int | None = None,
    lp_bound_under_h: float | None = None,
    requirements: pd.DataFrame | None = None,
) -> RosterSummary:
    """Summarise a solved roster.

    Parameters
    ----------
    problem, solution
        The roster problem and what :func:`~scheduling.roster.solve.solve` returned for it.
    coverage
        Its coverage table; with a ``service_level`` column (and ``volume`` to weight it) the
        summary gets ``expected_service_level`` per channel.
    violations
        Number of hard-rule violations the checker found, if it ran.
    lp_bound_under_h
        The LP lower bound on under-staffing, agent-hours, if computed.
    requirements
        The requirements rostered (``channel, queue``), for the summary's ``pooling``.
    """
    by_agent: dict[str, list[RosterShift]] = defaultdict(list)
    for s in solution.shifts:
        by_agent[s.agent_id].append(s)
    channels = coverage_figures(coverage, problem.interval_min)
    return RosterSummary(
        status=solution.status,
        objective=solution.objective,
        best_bound=solution.best_bound,
        gap=solution.gap,
        time_to_first_s=solution.time_to_first_s,
        time_to_final_s=solution.time_to_final_s,
        wall_time_s=round(solution.wall_time_s, 3),
        num_solutions=solution.num_solutions,
        objective_terms=dict(solution.objective_terms),
        first_day=problem.dates[0],
        num_days=len(problem.dates),
        interval_min=problem.interval_min,
        num_agents=len(problem.agents),
        num_agents_rostered=len(by_agent),
        num_shifts=len(solution.shifts),
        paid_hours=round(sum(s.paid_min for s in solution.shifts) / 60, 2),
        under_staffing_h=round(sum(c.under_h for c in channels.values()), 2),
        over_staffing_h=round(sum(c.over_h for c in channels.values()), 2),
        lp_bound_under_staffing_h=lp_bound_under_h,
        channels=channels,
        preferences=_preference_figures(problem, by_agent),
        fairness=_fairness_figures(problem, by_agent),
        num_violations=violations,
        notes=tuple(solution.notes),
        expected_service_level=_expected_service_level(coverage),
        pooling=None if requirements is None else requirements_pooling(requirements),
    )


def requirements_pooling(requirements: pd.DataFrame) -> dict[str, str]:
    """Per channel, how the requirements' queues were pooled: ``channel``, ``queue``, ...

    Queue ``all`` is a channel pool; otherwise the pool keys say it (``rta.ar`` a queue alone,
    ``rta.*`` an entity, ``group:x`` a group; see :mod:`scheduling.staffing.pools`), ``+``
    joining several kinds. The roster's channel requirement is then the sum of its pools':
    agents are skilled per channel, so that sum is the no-sharing bound (each pool staffed
    as if no agent helped another).
    """
    if "queue" not in requirements.columns:
        return {str(c): "channel" for c in sorted(set(requirements["channel"]))}
    out: dict[str, str] = {}
    for channel, g in requirements.groupby("channel", sort=True):
        keys = set(g["queue"].astype(str))
        kinds = {
            "channel"
            if k == "all"
            else "group"
            if k.startswith("group:")
            else "entity"
            if k.endswith(".*")
            else "queue"
            for k in keys
        }
        out[str(channel)] = "+".join(sorted(kinds))
    return out


def _preference_figures(
    problem: RosterProblem, by_agent: Mapping[str, Sequence[RosterShift]]
) -> PreferenceFigures:
    start_dev = []
    for a in problem.agents:
        if a.preferred_start_min is None:
            continue
        for s in by_agent.get(a.agent_id, []):
            diff = abs(a.preferred_start_min - (s.start.hour * 60 + s.start.minute))
            start_dev.append(min(diff, MINUTES_PER_DAY - diff))
    asked = kept = 0
    for a in problem.agents:
        worked = {s.date for s in by_agent.get(a.agent_id, [])}
        for d in problem.dates:
            if d.weekday() in a.preferred_days_off:
                asked += 1
                kept += d not in worked
    return PreferenceFigures(
        preferred_start_mean_deviation_h=round(float(np.mean(start_dev)) / 60, 2)
        if start_dev
        else None,
        preferred_days_off_kept=kept,
        preferred_days_off_asked=asked,
    )


def _fairness_figures(
    problem: RosterProblem, by_agent: Mapping[str, Sequence[RosterShift]]
) -> FairnessFigures:
    def ends_late(s: RosterShift) -> bool:
        midnight = pd.Timestamp(dt.datetime.combine(s.date, dt.time()), tz=problem.tz)
        return (s.end - midnight).total_seconds() / 60 > problem.rules.late_end_after_min

    weekend, late = [], []
    for a in problem.agents:
        mine = by_agent.get(a.agent_id, [])
        weekend.append(sum(1 for s in mine if s.date.weekday() in problem.rules.weekend_days))
        late.append(sum(1 for s in mine if ends_late(s)))
    return FairnessFigures(
        weekend_days_min=min(weekend, default=0),
        weekend_days_max=max(weekend, default=0),
        full_weekends=sum(1 for w in weekend if w >= 2),
        late_shifts_min=min(late, default=0),
        late_shifts_max=max(late, default=0),
    )


def _expected_service_level(coverage: pd.DataFrame) -> dict[str, float | None] | None:
    """Per channel, the volume-weighted mean of the coverage's ``service_level`` column."""
    if "service_level" not in coverage.columns:
        return None
    out: dict[str, float | None] = {}
    for c, g in coverage.groupby("channel"):
        g = g[g["service_level"].notna()]
        w = g["volume"] if "volume" in g.columns else pd.Series(1.0, index=g.index)
        out[str(c)] = (
            round(float((g["service_level"] * w).sum() / w.sum()), 4) if w.sum() > 0 else None
        )
    return out


def format_summary(summary: RosterSummary) -> str:
    """A terminal table of the summary."""

    def f(x: float | None, fmt: str = "{:.2f}") -> str:
        return "-" if x is None else fmt.format(x)

    s = summary
    sl = s.expected_service_level
    lines = [
        f"status {s.status}   objective {f(s.objective)}   bound {f(s.best_bound)}   "
        f"gap {f(s.gap, '{:.2%}')}",
        f"first solution {f(s.time_to_first_s, '{:.1f}')} s   last improvement "
        f"{f(s.time_to_final_s, '{:.1f}')} s   total {f(s.wall_time_s, '{:.1f}')} s"
        f"   solutions {s.num_solutions}",
        f"agents {s.num_agents_rostered}/{s.num_agents}   shifts {s.num_shifts}   "
        f"paid hours {s.paid_hours:.1f}",
        "",
        "on the phones (lunch and breaks are off them):",
        f"{'channel':<10}{'required h':>12}{'on phones h':>13}{'under h':>10}{'over h':>10}"
        + (f"{'exp. SL':>9}" if sl is not None else "")
        + f"{'scheduled h':>13}",
    ]
    for c, v in s.channels.items():
        level = None if sl is None else sl.get(c)
        lines.append(
            f"{c:<10}{v.required_h:>12.1f}{v.on_phones_h:>13.1f}{v.under_h:>10.1f}"
            f"{v.over_h:>10.1f}"
            + (f"{level:>9.1%}" if level is not None else (" " * 9 if sl is not None else ""))
            + f"{v.scheduled_h:>13.1f}"
        )
    if s.lp_bound_under_staffing_h is not None:
        lines.append(
            f"under-staffing {s.under_staffing_h:.1f} h; LP lower bound "
            f"{s.lp_bound_under_staffing_h:.1f} h"
        )
    p, fr = s.preferences, s.fairness
    lines.append(
        f"preferred days off kept {p.preferred_days_off_kept}/{p.preferred_days_off_asked}"
        f"   mean start deviation {f(p.preferred_start_mean_deviation_h)} h"
        f"   weekend days/agent {fr.weekend_days_min}..{fr.weekend_days_max}"
        f"   late shifts/agent {fr.late_shifts_min}..{fr.late_shifts_max}"
    )
    if s.num_violations is not None:
        lines.append(f"rule check: {s.num_violations} violation(s)")
    if s.pooling:
        lines.append(
            "pooling: "
            + "; ".join(f"{c} = {how}" for c, how in sorted(s.pooling.items()))
            + (
                " (a channel's requirement is the sum of its pools': no sharing between pools)"
                if any(how != "channel" for how in s.pooling.values())
                else ""
            )
        )
    return "\n".join(lines)

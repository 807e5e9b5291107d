"""Result records of the roster optimizer: shifts with their activities, and the solution."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True, slots=True)
class Activity:
    """One roster row: ``work`` (on ``channel``), ``break`` or ``lunch``, local start/end."""

    activity: str
    start: pd.Timestamp
    end: pd.Timestamp
    channel: str = ""


@dataclass(frozen=True, slots=True)
class RosterShift:
    """An agent's shift on one day (the day it starts) with its lunch and breaks."""

    agent_id: str
    date: dt.date
    channel: str
    shift_type: str
    start: pd.Timestamp
    end: pd.Timestamp
    paid_min: int
    rests: tuple[Activity, ...] = ()

    def activities(self) -> list[Activity]:
        """The shift as roster rows: work blocks split around the rest periods, in time order."""
        out: list[Activity] = []
        cursor = self.start
        for rest in sorted(self.rests, key=lambda r: r.start):
            if rest.start > cursor:
                out.append(Activity("work", cursor, rest.start, self.channel))
            out.append(rest)
            cursor = max(cursor, rest.end)
        if cursor < self.end:
            out.append(Activity("work", cursor, self.end, self.channel))
        return out


@dataclass(frozen=True, slots=True)
class RosterSolution:
    """What :func:`scheduling.roster.solve.solve` returns.

    ``status`` is ``optimal`` (proven), ``feasible`` (time limit hit; ``gap`` says how far from
    the bound at most) or ``infeasible`` (``conflicts`` says which agent and rules). The
    objective and bound are in points (see ``rules.toml`` weights); ``gap`` is
    ``(objective - best_bound) / objective``. ``assignments`` are the chosen
    ``(agent index, candidate index, channel)`` of the problem.
    """

    status: str
    objective: float | None
    best_bound: float | None
    gap: float | None
    time_to_first_s: float | None
    time_to_final_s: float | None
    wall_time_s: float
    num_solutions: int
    shifts: tuple[RosterShift, ...] = ()
    objective_terms: dict[str, float] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()
    greedy_objective: float | None = None
    notes: tuple[str, ...] = ()
    assignments: tuple[tuple[int, int, str], ...] = ()

"""Result records of the roster optimizer: shifts with their activities, and the solution."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from scheduling.roster.problem import Assignment

#: How a solve ended: ``optimal`` (proven), ``feasible`` (a roster, not proven best) or
#: ``infeasible`` (the hard rules cannot all hold; no roster).
RosterStatus = Literal["optimal", "feasible", "infeasible"]


class Note(str):
    """A planner-facing note: its English text, with a stable ``code`` and ``params``.

    A ``str`` (so it prints, compares and serialises as its English text), that an interface
    can also say in another language from its code and parameters (all strings).

    Parameters
    ----------
    code
        Stable identifier of the sentence, e.g. ``stopped`` or ``lns``.
    text
        The English sentence.
    **params
        The values the sentence is made of, by name (stored as strings).
    """

    code: str
    params: tuple[tuple[str, str], ...]

    def __new__(cls, code: str, text: str, **params: object) -> Note:
        """Make the note (see the class)."""
        note = super().__new__(cls, text)
        note.code = code
        note.params = tuple((k, str(v)) for k, v in params.items())
        return note

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override]
        """Pickling and copying: rebuild from the code and the text (params follow as state)."""
        return (self.code, str(self))


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


@dataclass(frozen=True, slots=True, kw_only=True)
class RosterSolution:
    """What :func:`scheduling.roster.solve.solve` returns (built with keywords only).

    Attributes
    ----------
    status
        ``optimal`` (proven), ``feasible`` (time limit hit; ``gap`` says how far from the bound
        at most) or ``infeasible`` (``conflicts`` says which agent and rules).
    objective
        The roster's objective in points (see the ``rules.toml`` weights); ``None`` when no
        roster was solved for (infeasible, or the greedy roster returned as a fallback).
    best_bound
        Proven lower bound on the objective, points; ``None`` when unknown.
    gap
        ``(objective - best_bound) / objective``, a share (0.03 = 3 %); ``None`` when unknown.
    time_to_first_s, time_to_final_s
        Seconds from the start of :func:`~scheduling.roster.solve.solve` to the first roster
        and to the last improvement.
    wall_time_s
        Seconds the whole solve took.
    num_solutions
        Rosters found (the greedy start counts in the neighbourhood search).
    shifts
        The roster, by agent and date, with breaks placed.
    objective_terms
        The objective split by named term, points (they sum to ``objective``).
    conflicts
        For ``infeasible``: one line per agent and hard rule in conflict.
    greedy_objective
        Objective of the greedy starting roster, points.
    notes
        Planner-facing notes (how the roster was found, what was restricted).
    assignments
        The chosen shifts of the problem: agent index, candidate index, channel and the option
        of each rest period (:class:`scheduling.roster.problem.Assignment`).
    """

    status: RosterStatus
    objective: float | None = None
    best_bound: float | None = None
    gap: float | None = None
    time_to_first_s: float | None = None
    time_to_final_s: float | None = None
    wall_time_s: float
    num_solutions: int = 0
    shifts: tuple[RosterShift, ...] = ()
    objective_terms: dict[str, float] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()
    greedy_objective: float | None = None
    notes: tuple[str, ...] = ()
    assignments: tuple[Assignment, ...] = ()

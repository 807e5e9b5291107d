"""Shift trades between agents, validated by the independent rule checker.

An agent offers a published shift (a give-away another agent takes) or asks to swap it with a
named colleague's shift. :func:`apply_trade` moves the roster rows; :func:`check_trade` runs
:func:`scheduling.roster.check.check_roster` on both agents' weeks after the trade (rest,
contract hours, days off, skills, shift types, time off, ...) and returns the violations the
trade would cause, so a trade that breaks a rule is refused with the rule named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from scheduling.errors import InputError
from scheduling.roster.agents import Agent
from scheduling.roster.check import Violation, check_roster
from scheduling.roster.rules import RosterRules


@dataclass(frozen=True, slots=True)
class Trade:
    """A shift trade.

    ``giver`` hands over the shift that starts on ``give_date`` to ``taker``. With
    ``take_date`` it is a swap: ``taker`` hands over their shift of that date in return.
    """

    giver: str
    give_date: dt.date
    taker: str
    take_date: dt.date | None = None

    @property
    def agents(self) -> tuple[str, str]:
        """The two agents whose weeks change."""
        return (self.giver, self.taker)


def _rows(roster: pd.DataFrame, agent_id: str, date: dt.date) -> pd.Series:
    dates = pd.to_datetime(roster["date"]).dt.date
    return (roster["agent_id"].astype(str) == agent_id) & (dates == date)


def apply_trade(roster: pd.DataFrame, trade: Trade) -> pd.DataFrame:
    """The roster after ``trade``: the traded shifts' rows (work, lunch and breaks) change agent.

    Raises
    ------
    InputError
        When a traded shift does not exist, or the two agents are the same.
    """
    if trade.giver == trade.taker:
        raise InputError("a trade needs two different agents")
    give = _rows(roster, trade.giver, trade.give_date)
    if not give.any():
        raise InputError(f"agent {trade.giver} has no shift on {trade.give_date} to trade")
    out = roster.copy()
    if trade.take_date is not None:
        take = _rows(roster, trade.taker, trade.take_date)
        if not take.any():
            raise InputError(f"agent {trade.taker} has no shift on {trade.take_date} to trade")
        out.loc[take, "agent_id"] = trade.giver
    out.loc[give, "agent_id"] = trade.taker
    return out.sort_values(["agent_id", "start"], kind="stable").reset_index(drop=True)


def check_trade(
    roster: pd.DataFrame,
    trade: Trade,
    agents: Sequence[Agent],
    rules: RosterRules,
    dates: Sequence[dt.date],
    *,
    previous: pd.DataFrame | None = None,
) -> list[Violation]:
    """List the rule violations ``trade`` would cause.

    Every hard rule is checked on both agents' weeks after the trade, less what was already
    broken before it.

    Parameters
    ----------
    roster
        The published roster frame (``agent_id, date, activity, channel, start, end``).
    trade
        The trade to validate.
    agents, rules, dates
        As for :func:`scheduling.roster.check.check_roster`.
    previous
        The roster before ``dates`` (for rest and consecutive days across the boundary).

    Returns
    -------
    list of Violation
        Empty when the trade may be made.
    """
    after = apply_trade(roster, trade)
    involved = set(trade.agents)
    known = {a.agent_id for a in agents}
    for agent_id in involved:
        if agent_id not in known:
            raise InputError(f"unknown agent {agent_id!r}")
    mine = [a for a in agents if a.agent_id in involved]

    def violations(frame: pd.DataFrame) -> list[Violation]:
        rows = frame[frame["agent_id"].astype(str).isin(involved)]
        return check_roster(rows, mine, rules, dates, previous=previous)

    before = {(v.agent_id, v.date, v.rule, v.message) for v in violations(roster)}
    return [v for v in violations(after) if (v.agent_id, v.date, v.rule, v.message) not in before]

"""Shift trades: rows move between agents; the independent checker names a rule a trade breaks."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from scheduling.errors import InputError
from scheduling.roster.agents import Agent
from scheduling.roster.rules import rules_from_dict
from scheduling.roster.trades import Trade, apply_trade, check_trade

TZ = "Asia/Dubai"
DAY0 = dt.date(2026, 11, 30)  # Monday
DATES = [DAY0 + dt.timedelta(days=k) for k in range(7)]
RULES = rules_from_dict(
    {
        "week": {"days_off": 2, "days_off_consecutive": False, "min_rest_h": 12},
        "shift": [
            {
                "name": "d8",
                "length_h": 8,
                "starts": ["06:00-15:00"],
                "start_step_min": 60,
                "lunch": {"length_min": 60, "earliest_min": 180, "latest_min": 240},
            }
        ],
    }
)


def agent(aid: str, skills: tuple[str, ...] = ("voice",), hi: float = 35.0) -> Agent:
    return Agent(aid, aid, skills, 0.0, hi, 5)


def shift(aid: str, day: int, hour: int, channel: str = "voice") -> list[dict[str, object]]:
    date = DAY0 + dt.timedelta(days=day)
    s = pd.Timestamp(dt.datetime.combine(date, dt.time(hour)), tz=TZ)
    h = pd.Timedelta(hours=1)
    rows = [
        ("work", s, s + 3 * h, channel),
        ("lunch", s + 3 * h, s + 4 * h, ""),
        ("work", s + 4 * h, s + 8 * h, channel),
    ]
    return [
        {"agent_id": aid, "date": date, "activity": a, "channel": c, "start": x, "end": y}
        for a, x, y, c in rows
    ]


def roster(*shifts: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame([row for s in shifts for row in s])


def test_a_swap_moves_both_shifts_with_their_rests() -> None:
    r = roster(shift("A", 0, 8), shift("B", 1, 9))
    after = apply_trade(r, Trade("A", DAY0, "B", DAY0 + dt.timedelta(days=1)))
    assert set(after.loc[after["date"] == DAY0, "agent_id"]) == {"B"}
    assert set(after.loc[after["date"] == DAY0 + dt.timedelta(days=1), "agent_id"]) == {"A"}
    assert len(after) == len(r) and (after["activity"] == "lunch").sum() == 2


def test_a_valid_trade_has_no_violation() -> None:
    r = roster(shift("A", 0, 8), shift("B", 1, 9))
    agents = [agent("A"), agent("B")]
    assert check_trade(r, Trade("A", DAY0, "B"), agents, RULES, DATES) == []


def test_a_trade_that_breaks_the_rest_rule_is_refused_with_the_rule_named() -> None:
    # B works Tuesday 06:00; taking A's Monday 14:00-22:00 leaves 8 h of rest
    r = roster(shift("A", 0, 14), shift("B", 1, 6))
    found = check_trade(r, Trade("A", DAY0, "B"), [agent("A"), agent("B")], RULES, DATES)
    assert [v.rule for v in found] == ["min_rest"] and found[0].agent_id == "B"


def test_a_trade_to_an_agent_without_the_skill_is_refused() -> None:
    r = roster(shift("A", 0, 8, channel="chat"))
    found = check_trade(
        r, Trade("A", DAY0, "B"), [agent("A", ("chat",)), agent("B", ("voice",))], RULES, DATES
    )
    assert {v.rule for v in found} == {"skills"}


def test_a_give_away_past_the_contract_is_refused() -> None:
    # B already works 4 x 7 paid hours = 28 of a 35-hour maximum: one more shift is 35, fine;
    # with a 30-hour maximum it is not
    r = roster(shift("A", 4, 8), *(shift("B", d, 8) for d in range(4)))
    agents = [agent("A"), agent("B", hi=30.0)]
    found = check_trade(r, Trade("A", DAY0 + dt.timedelta(days=4), "B"), agents, RULES, DATES)
    assert "max_hours_week" in {v.rule for v in found}
    ok = [agent("A"), agent("B", hi=35.0)]
    assert check_trade(r, Trade("A", DAY0 + dt.timedelta(days=4), "B"), ok, RULES, DATES) == []


def test_a_trade_of_a_missing_shift_is_an_input_error() -> None:
    r = roster(shift("A", 0, 8))
    with pytest.raises(InputError, match="no shift on 2026-12-01"):
        apply_trade(r, Trade("A", DAY0 + dt.timedelta(days=1), "B"))
    with pytest.raises(InputError, match="two different agents"):
        apply_trade(r, Trade("A", DAY0, "A"))

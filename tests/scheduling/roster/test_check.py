"""The independent rule checker catches each broken hard rule."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from scheduling.roster.agents import Agent
from scheduling.roster.check import check_roster
from scheduling.roster.rules import rules_from_dict

TZ = "Asia/Dubai"
DAY0 = dt.date(2026, 11, 30)
DATES = [DAY0 + dt.timedelta(days=k) for k in range(7)]
RULES = rules_from_dict(
    {
        "week": {
            "days_off": 2,
            "days_off_consecutive": True,
            "max_consecutive_days": 5,
            "min_rest_h": 12,
        },
        "night": {"max_per_week": 1},
        "shift": [
            {
                "name": "day",
                "length_h": 9,
                "starts": ["06:00-14:00"],
                "start_step_min": 30,
                "lunch": {"length_min": 60, "earliest_min": 180, "latest_min": 300},
                "breaks": [{"length_min": 15, "earliest_min": 60, "latest_min": 120}],
            },
            {"name": "night", "length_h": 9, "starts": ["22:00-22:00"], "channels": ["voice"]},
        ],
    }
)


def ts(day: int, hhmm: str) -> pd.Timestamp:
    h, m = map(int, hhmm.split(":"))
    return pd.Timestamp(dt.datetime.combine(DAY0 + dt.timedelta(days=day), dt.time(h, m)), tz=TZ)


def day_shift(aid: str, day: int, start: str = "08:00", channel: str = "voice") -> list[dict]:
    s = ts(day, start)
    m = pd.Timedelta(minutes=1)
    parts = [
        ("work", 0, 60),
        ("break", 60, 75),
        ("work", 75, 240),
        ("lunch", 240, 300),
        ("work", 300, 540),
    ]
    return [
        {
            "agent_id": aid,
            "date": DAY0 + dt.timedelta(days=day),
            "activity": a,
            "channel": channel if a == "work" else "",
            "start": s + b * m,
            "end": s + e * m,
        }
        for a, b, e in parts
    ]


def frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)


AGENT = Agent("A", "A", ("voice",), 40, 40, 5)
VALID = [r for d in range(5) for r in day_shift("A", d)]


def rules_of(rows: list[dict], agent: Agent = AGENT) -> set[str]:
    return {v.rule for v in check_roster(frame(rows), [agent], RULES, DATES)}


def test_valid_week_passes() -> None:
    assert rules_of(VALID) == set()


def _replace_day(day: int, rows: list[dict]) -> list[dict]:
    return [r for r in VALID if r["date"] != DAY0 + dt.timedelta(days=day)] + rows


@pytest.mark.parametrize(
    ("rows", "agent", "rule"),
    [
        (_replace_day(0, day_shift("A", 0, channel="chat")), AGENT, "skills"),
        (VALID, Agent("A", "A", ("voice",), 40, 40, 5, unavailable=frozenset({DAY0})), "time_off"),
        (VALID, Agent("A", "A", ("voice",), 40, 40, 5, earliest_start_min=540), "earliest_start"),
        (VALID, Agent("A", "A", ("voice",), 40, 40, 5, latest_end_min=960), "latest_end"),
        (VALID, Agent("A", "A", ("voice",), 48, 48, 5), "min_hours_week"),
        (VALID, Agent("A", "A", ("voice",), 0, 32, 5), "max_hours_week"),
        (VALID, Agent("A", "A", ("voice",), 0, 40, 4), "max_days_week"),
        (VALID + day_shift("A", 5), Agent("A", "A", ("voice",), 0, 60, 7), "days_off"),
        ([r for d in (0, 1, 3, 5, 6) for r in day_shift("A", d)], AGENT, "days_off_consecutive"),
        (VALID + day_shift("A", 5), Agent("A", "A", ("voice",), 0, 60, 7), "max_consecutive_days"),
        (_replace_day(1, day_shift("A", 1, start="06:00")) + [], AGENT, None),
        (
            _replace_day(0, day_shift("A", 0, start="14:00"))
            + [r for r in day_shift("A", 1, start="06:00")],
            AGENT,
            "min_rest",
        ),
        (_replace_day(0, day_shift("A", 0, start="15:00")), AGENT, "shift_type"),
        (
            _replace_day(
                0,
                [
                    r
                    if r["activity"] != "lunch"
                    else {**r, "start": ts(0, "08:45"), "end": ts(0, "09:45")}
                    for r in day_shift("A", 0)
                ],
            ),
            AGENT,
            "structure",
        ),
    ],
)
def test_each_broken_rule_is_caught(rows: list[dict], agent: Agent, rule: str | None) -> None:
    found = rules_of(rows, agent)
    if rule is None:
        assert found == set()
    else:
        assert rule in found


def test_breaks_outside_window_caught() -> None:
    s = ts(0, "08:00")
    m = pd.Timedelta(minutes=1)
    parts = [
        ("work", 0, 150),
        ("break", 150, 165),
        ("work", 165, 240),
        ("lunch", 240, 300),
        ("work", 300, 540),
    ]
    rows = [
        {
            "agent_id": "A",
            "date": DAY0,
            "activity": a,
            "channel": "voice" if a == "work" else "",
            "start": s + b * m,
            "end": s + e * m,
        }
        for a, b, e in parts
    ]
    assert "breaks" in rules_of(_replace_day(0, rows))


def test_night_limit_and_unknown_agent() -> None:
    def night(day: int) -> dict:
        return {
            "agent_id": "A",
            "date": DAY0 + dt.timedelta(days=day),
            "activity": "work",
            "channel": "voice",
            "start": ts(day, "22:00"),
            "end": ts(day, "22:00") + pd.Timedelta(hours=9),
        }

    rows = [night(0), night(2), {**night(4), "agent_id": "B"}]
    found = {
        v.rule
        for v in check_roster(frame(rows), [Agent("A", "A", ("voice",), 0, 40, 5)], RULES, DATES)
    }
    assert "max_night_shifts" in found and "agent" in found


def test_night_shift_running_into_time_off_is_caught() -> None:
    # a night shift starting the evening before a day of approved leave works into that day
    night = {
        "agent_id": "A",
        "date": DAY0,
        "activity": "work",
        "channel": "voice",
        "start": ts(0, "22:00"),
        "end": ts(0, "22:00") + pd.Timedelta(hours=9),
    }
    on_leave_next_day = Agent("A", "A", ("voice",), 0, 40, 5, unavailable=frozenset({DATES[1]}))
    found = check_roster(frame([night]), [on_leave_next_day], RULES, DATES)
    assert [v.rule for v in found] == ["time_off"]
    assert str(DATES[1]) in found[0].message
    # the same shift before an ordinary day is fine
    no_leave = Agent("A", "A", ("voice",), 0, 40, 5)
    assert check_roster(frame([night]), [no_leave], RULES, DATES) == []

"""The independent rule checker catches each broken hard rule."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from scheduling.roster import check
from scheduling.roster.agents import Agent
from scheduling.roster.check import check_roster
from scheduling.roster.rules import RosterRules, rules_from_dict

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


# --- one hand-built roster per hard rule, breaking exactly that rule ----------------------------


def _with_hole(rows: list[dict]) -> list[dict]:
    """The first work row split in two with a 5-minute hole: only the structure is wrong."""
    first, *rest = rows
    m = pd.Timedelta(minutes=1)
    return [
        {**first, "end": first["start"] + 30 * m},
        {**first, "start": first["start"] + 35 * m},
        *rest,
    ]


def _night_rows(aid: str, day: int) -> list[dict]:
    return [
        {
            "agent_id": aid,
            "date": DAY0 + dt.timedelta(days=day),
            "activity": "work",
            "channel": "voice",
            "start": ts(day, "22:00"),
            "end": ts(day, "22:00") + pd.Timedelta(hours=9),
        }
    ]


def _late_break(day: int) -> list[dict]:
    """Day ``day``'s shift with its break at +150 min, outside the 60..120 window."""
    m = pd.Timedelta(minutes=1)
    rows = day_shift("A", day)
    rows[0] = {**rows[0], "end": rows[0]["start"] + 150 * m}
    rows[1] = {**rows[1], "start": rows[0]["end"], "end": rows[0]["end"] + 15 * m}
    rows[2] = {**rows[2], "start": rows[1]["end"]}
    return rows


def _agent(**kw: object) -> Agent:
    base: dict[str, object] = {"min_hours_week": 40, "max_hours_week": 40, "max_days_week": 5}
    base.update(kw)
    return Agent("A", "A", ("voice",), **base)  # type: ignore[arg-type]


NO_CONSECUTIVE_OFF = dataclasses.replace(RULES, days_off_consecutive=False)
PREVIOUS_WEEKEND = frame([r for d in (-3, -2, -1) for r in day_shift("A", d)])
# Mon 14:00-23:00, then Tue 06:00: 7 h of rest
SHORT_REST = _replace_day(0, day_shift("A", 0, start="14:00"))
SHORT_REST = [r for r in SHORT_REST if r["date"] != DATES[1]] + day_shift("A", 1, start="06:00")

# rule, roster rows, agent, rules, previous roster, lock_previous, violations expected
BROKEN: list[tuple[str, list[dict], Agent, RosterRules, pd.DataFrame | None, bool, int]] = [
    ("structure", _replace_day(2, _with_hole(day_shift("A", 2))), AGENT, RULES, None, False, 1),
    ("skills", _replace_day(0, day_shift("A", 0, channel="chat")), AGENT, RULES, None, False, 1),
    ("shift_type", _replace_day(2, day_shift("A", 2, "08:15")), AGENT, RULES, None, False, 1),
    ("breaks", _replace_day(2, _late_break(2)), AGENT, RULES, None, False, 1),
    ("agent", VALID + _night_rows("B", 5), AGENT, RULES, None, False, 1),
    ("horizon", VALID + day_shift("A", 8), AGENT, RULES, None, False, 1),
    ("time_off", VALID, _agent(unavailable=frozenset({DATES[1]})), RULES, None, False, 1),
    ("earliest_start", VALID, _agent(earliest_start_min=540), RULES, None, False, 5),
    ("latest_end", VALID, _agent(latest_end_min=960), RULES, None, False, 5),
    ("min_hours_week", VALID, _agent(min_hours_week=48, max_hours_week=48), RULES, None, False, 1),
    ("max_hours_week", VALID, _agent(min_hours_week=0, max_hours_week=32), RULES, None, False, 1),
    ("max_days_week", VALID, _agent(max_days_week=4), RULES, None, False, 1),
    (
        "days_off",
        [r for d in (0, 1, 2, 4, 5, 6) for r in day_shift("A", d)],
        _agent(min_hours_week=0, max_hours_week=48, max_days_week=6),
        NO_CONSECUTIVE_OFF,
        None,
        False,
        1,
    ),
    (
        "days_off_consecutive",
        [r for d in (0, 1, 3, 5, 6) for r in day_shift("A", d)],
        AGENT,
        RULES,
        None,
        False,
        1,
    ),
    (
        "max_night_shifts",
        _night_rows("A", 0) + _night_rows("A", 2),
        _agent(min_hours_week=0),
        RULES,
        None,
        False,
        1,
    ),
    ("min_rest", SHORT_REST, AGENT, RULES, None, False, 1),
    ("max_consecutive_days", VALID, AGENT, RULES, PREVIOUS_WEEKEND, False, 1),
    (
        "locked_shifts",
        VALID,
        AGENT,
        RULES,
        frame(_replace_day(2, day_shift("A", 2, start="09:00"))),
        True,
        1,
    ),
]


def _direct(
    rule: str,
    roster: pd.DataFrame,
    agent: Agent,
    rules: RosterRules,
    previous: pd.DataFrame | None,
) -> list[check.Violation]:
    """The violations the rule's own ``_check_<rule>`` finds, called on the checker's shifts."""
    by_id = {agent.agent_id: agent}
    shifts = check._shifts(roster, by_id, rules)
    prev = check._shifts(previous, by_id, rules) if previous is not None else []
    mine = [s for s in shifts if s.agent_id == agent.agent_id]
    fn = getattr(check, f"_check_{'known_agent' if rule == 'agent' else rule}")
    if rule in ("structure", "breaks"):
        return [v for s in shifts for v in fn(s)]
    if rule in ("skills", "shift_type"):
        return [v for s in shifts for v in fn(s, by_id.get(s.agent_id))]
    if rule == "agent":
        return [v for s in shifts for v in fn(s, by_id)]
    if rule == "horizon":
        return [v for s in shifts for v in fn(s, DATES[0], DATES[-1])]
    if rule == "locked_shifts":
        return fn(shifts, prev, [agent], DATES)
    if fn in check._SHIFT_RULES:
        return [v for s in mine for v in fn(agent, s)]
    if fn in check._WEEK_RULES:
        return fn(agent, check._Week(tuple(DATES), tuple(mine)), rules)
    timeline = sorted([s for s in prev if s.date < DATES[0]] + mine, key=lambda s: s.start)
    return fn(agent, timeline, DATES[0], rules)


@pytest.mark.parametrize(
    ("rule", "rows", "agent", "rules", "previous", "lock", "count"),
    BROKEN,
    ids=[case[0] for case in BROKEN],
)
def test_a_roster_breaking_one_rule_gets_exactly_that_rule(
    rule: str,
    rows: list[dict],
    agent: Agent,
    rules: RosterRules,
    previous: pd.DataFrame | None,
    lock: bool,
    count: int,
) -> None:
    roster = frame(rows)
    found = check_roster(roster, [agent], rules, DATES, previous=previous, lock_previous=lock)
    assert [v.rule for v in found] == [rule] * count
    assert _direct(rule, roster, agent, rules, previous) == found


def test_every_hard_rule_has_a_breaking_roster() -> None:
    documented = {
        "agent",
        "horizon",
        "structure",
        "skills",
        "shift_type",
        "breaks",
        "time_off",
        "earliest_start",
        "latest_end",
        "min_hours_week",
        "max_hours_week",
        "max_days_week",
        "days_off",
        "days_off_consecutive",
        "min_rest",
        "max_consecutive_days",
        "max_night_shifts",
        "locked_shifts",
    }
    assert {case[0] for case in BROKEN} == documented
    assert all(f"``{rule}``" in (check.__doc__ or "") for rule in documented)
    # the rules that fault one shift alone (re-optimise keeps a locked shift that breaks none)
    assert check.SINGLE_SHIFT_RULES < documented


@pytest.mark.parametrize(
    ("rule", "rows", "agent", "rules", "previous", "lock", "count"),
    BROKEN,
    ids=[case[0] for case in BROKEN],
)
def test_each_violation_carries_a_code_and_the_params_of_its_message(
    rule: str,
    rows: list[dict],
    agent: Agent,
    rules: RosterRules,
    previous: pd.DataFrame | None,
    lock: bool,
    count: int,
) -> None:
    """An interface can say a violation in its own language from ``code`` and ``params``."""
    found = check_roster(frame(rows), [agent], rules, DATES, previous=previous, lock_previous=lock)
    assert found
    for v in found:
        assert v.code == rule or v.code.startswith(rule + "."), v
        assert v.key == v.code
        for name, value in v.params:  # each parameter is a piece of the English sentence
            assert isinstance(value, str) and value in v.message, (name, value, v.message)

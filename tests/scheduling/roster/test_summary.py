"""The roster summary: known figures of a hand-built roster, the JSON keys, the terminal table."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pandas as pd
import pytest

from scheduling.roster.io import coverage_table, roster_frame
from scheduling.roster.problem import RosterProblem, build_problem
from scheduling.roster.records import RosterShift, RosterSolution
from scheduling.roster.rules import rules_from_dict
from scheduling.roster.summary import (
    ChannelCoverage,
    FairnessFigures,
    PreferenceFigures,
    RosterSummary,
    format_summary,
    roster_summary,
)
from tests.scheduling.roster.test_solver import DAY0, TZ, agent, requirements

#: The keys of ``ROSTER.summary.json``, in order (README, "Summary JSON"): a documented output.
SUMMARY_KEYS = [
    "status",
    "objective",
    "best_bound",
    "gap",
    "time_to_first_s",
    "time_to_final_s",
    "wall_time_s",
    "solutions",
    "objective_terms",
    "first_day",
    "days",
    "interval_min",
    "agents",
    "agents_rostered",
    "shifts",
    "paid_hours",
    "under_staffing_h",
    "over_staffing_h",
    "lp_bound_under_staffing_h",
    "channels",
    "preferences",
    "fairness",
    "violations",
    "notes",
    "note_codes",
]
CHANNEL_KEYS = ["required_h", "on_phones_h", "under_h", "over_h", "scheduled_h"]
PREFERENCE_KEYS = [
    "preferred_start_mean_deviation_h",
    "preferred_days_off_kept",
    "preferred_days_off_asked",
]
FAIRNESS_KEYS = [
    "weekend_days_min",
    "weekend_days_max",
    "full_weekends",
    "late_shifts_min",
    "late_shifts_max",
]


def _problem() -> RosterProblem:
    """A week (Mon 2026-11-30 .. Sun) needing one voice agent 08:00-12:00 every day.

    A prefers 08:00 starts and weekends off, B has no preferences.
    """
    rules = rules_from_dict(
        {
            "week": {"days_off": 0, "days_off_consecutive": False},
            "shift": [{"name": "s4", "length_h": 4, "starts": ["08:00-20:00"]}],
        }
    )
    demand = [0.0] * 48
    demand[16:24] = [1.0] * 8
    agents = [
        agent("A", preferred_start_min=480, preferred_days_off=frozenset({5, 6})),
        agent("B"),
    ]
    return build_problem(requirements(7, {"voice": demand}), agents, rules, tz=TZ)


def _shift(aid: str, day: int, start_h: int) -> RosterShift:
    start = pd.Timestamp(
        dt.datetime.combine(DAY0 + dt.timedelta(days=day), dt.time(start_h)), tz=TZ
    )
    return RosterShift(
        agent_id=aid,
        date=DAY0 + dt.timedelta(days=day),
        channel="voice",
        shift_type="s4",
        start=start,
        end=start + pd.Timedelta(hours=4),
        paid_min=240,
    )


# A: Mon 09-13, Sat 08-12; B: Sat 10-14, Sun 19-23 (a late shift)
SHIFTS = (_shift("A", 0, 9), _shift("A", 5, 8), _shift("B", 5, 10), _shift("B", 6, 19))
SOLUTION = RosterSolution(
    status="feasible",
    objective=123.0,
    best_bound=100.0,
    gap=0.187,
    time_to_first_s=0.5,
    time_to_final_s=0.75,
    wall_time_s=1.23456,
    num_solutions=3,
    shifts=SHIFTS,
    objective_terms={"under_staffing": 100.0, "over_staffing": 23.0},
    notes=("from the solver",),
)


def _summary(with_service_level: bool = False) -> RosterSummary:
    problem = _problem()
    coverage = coverage_table(problem, roster_frame(SHIFTS))
    if with_service_level:
        # Monday 08:00 (10 contacts at 50 %) and 08:30 (30 at 90 %): 80 % weighted by volume
        coverage["volume"] = 0.0
        coverage["service_level"] = float("nan")
        coverage.loc[[16, 17], "volume"] = [10.0, 30.0]
        coverage.loc[[16, 17], "service_level"] = [0.5, 0.9]
    return roster_summary(problem, SOLUTION, coverage, violations=0, lp_bound_under_h=20.5)


def test_figures_of_a_hand_built_roster() -> None:
    s = _summary()
    assert (s.status, s.objective, s.best_bound, s.gap) == ("feasible", 123.0, 100.0, 0.187)
    assert (s.wall_time_s, s.num_solutions) == (1.235, 3)
    assert (s.first_day, s.num_days, s.interval_min) == (DAY0, 7, 30)
    assert (s.num_agents, s.num_agents_rostered, s.num_shifts) == (2, 2, 4)
    assert s.paid_hours == 16.0
    # 28 h needed, 7 h of it covered (Mon 09-12, Sat 08-12); over: Mon 12-13, Sat 10-14 (B's
    # four hours, two of them doubled with A), Sun 19-23
    assert s.channels == {
        "voice": ChannelCoverage(
            required_h=28.0, on_phones_h=16.0, under_h=21.0, over_h=9.0, scheduled_h=16.0
        )
    }
    assert (s.under_staffing_h, s.over_staffing_h, s.lp_bound_under_staffing_h) == (21, 9, 20.5)
    # A starts 1 h and 0 h from 08:00; of A's two preferred days off (Sat, Sun) Sunday is kept
    assert s.preferences == PreferenceFigures(0.5, 1, 2)
    # weekend days: A 1, B 2 (a full weekend); late shifts: A 0, B 1 (ends 23:00 > 21:00)
    assert s.fairness == FairnessFigures(1, 2, 1, 0, 1)
    assert s.num_violations == 0 and s.notes == ("from the solver",)
    assert s.expected_service_level is None and s.expected_service_level_week is None


def test_expected_service_level_is_volume_weighted() -> None:
    s = _summary(with_service_level=True)
    assert s.expected_service_level == {"voice": pytest.approx(0.8)}


def test_to_dict_keeps_the_documented_keys_and_round_trips_through_json() -> None:
    d = _summary().to_dict()
    assert list(d) == SUMMARY_KEYS
    assert list(d["channels"]["voice"]) == CHANNEL_KEYS
    assert list(d["preferences"]) == PREFERENCE_KEYS
    assert list(d["fairness"]) == FAIRNESS_KEYS
    assert json.loads(json.dumps(d)) == d  # only JSON types: no default= needed
    assert d["first_day"] == "2026-11-30" and d["solutions"] == 3 and d["agents"] == 2
    assert d["channels"]["voice"]["under_h"] == 21.0
    assert d["notes"] == ["from the solver"]


def test_to_dict_adds_the_service_levels_only_when_computed() -> None:
    s = dataclasses.replace(
        _summary(with_service_level=True),
        expected_service_level_week={"voice": 0.81},
        notes=("from the solver", "from the caller"),
    )
    d = s.to_dict()
    assert list(d) == [*SUMMARY_KEYS, "expected_service_level", "expected_service_level_week"]
    assert d["expected_service_level"] == {"voice": pytest.approx(0.8)}
    assert d["expected_service_level_week"] == {"voice": 0.81}
    assert d["notes"] == ["from the solver", "from the caller"]
    assert json.loads(json.dumps(d)) == d


def test_summary_is_frozen() -> None:
    s = _summary()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.status = "optimal"  # type: ignore[misc]


def test_format_summary_shows_the_figures() -> None:
    text = format_summary(_summary(with_service_level=True))
    assert "status feasible   objective 123.00   bound 100.00   gap 18.70%" in text
    assert "agents 2/2   shifts 4   paid hours 16.0" in text
    assert "exp. SL" in text and "80.0%" in text
    assert "under-staffing 21.0 h; LP lower bound 20.5 h" in text
    assert "preferred days off kept 1/2" in text and "weekend days/agent 1..2" in text
    assert "late shifts/agent 0..1" in text and "rule check: 0 violation(s)" in text
    plain = format_summary(dataclasses.replace(_summary(), num_violations=None))
    assert "exp. SL" not in plain and "rule check" not in plain


def test_to_dict_writes_unknown_figures_as_null_never_nan() -> None:
    """JSON has no NaN: an unknown gap, bound or service level is null in summary.json."""
    nan = float("nan")
    s = dataclasses.replace(
        _summary(with_service_level=True),
        gap=nan,
        best_bound=float("inf"),
        expected_service_level={"voice": nan},
        expected_service_level_week={"voice": 0.81},
    )
    text = json.dumps(s.to_dict(), allow_nan=False)  # raises on NaN or inf
    d = json.loads(text)
    assert d["gap"] is None and d["best_bound"] is None
    assert d["expected_service_level"] == {"voice": None}
    assert d["expected_service_level_week"] == {"voice": 0.81}
    assert d["objective"] == s.objective


def test_notes_keep_their_code_and_params_for_an_interface() -> None:
    import pickle

    from scheduling.roster.records import Note

    note = Note("lns", "large-neighbourhood search: 40 CP-SAT steps", steps=40, improved=3)
    assert note == "large-neighbourhood search: 40 CP-SAT steps"  # a str: prints as English
    again = pickle.loads(pickle.dumps(note))  # a solve may run in another process
    assert (again.code, again.params) == ("lns", (("steps", "40"), ("improved", "3")))
    d = dataclasses.replace(_summary(), notes=(note, "a plain note")).to_dict()
    assert d["notes"] == [str(note), "a plain note"]
    assert d["note_codes"] == [{"code": "lns", "params": {"steps": "40", "improved": "3"}}, None]
    assert json.loads(json.dumps(d)) == d


def test_the_summary_names_the_pooling_of_the_requirements() -> None:
    """#19: a channel pool, or the no-sharing sum of queue/entity/group pools, said per channel."""
    problem = _problem()
    coverage = coverage_table(problem, roster_frame(SHIFTS))
    req = pd.DataFrame(
        {
            "channel": ["voice", "voice", "chat", "chat", "email"],
            "queue": ["rta.ar", "dha.*", "all", "all", "group:health"],
        }
    )
    s = roster_summary(problem, SOLUTION, coverage, requirements=req)
    assert s.pooling == {"chat": "channel", "email": "group", "voice": "entity+queue"}
    d = s.to_dict()
    assert list(d) == [*SUMMARY_KEYS, "pooling"]
    assert d["pooling"] == {"chat": "channel", "email": "group", "voice": "entity+queue"}
    assert (
        "pooling: chat = channel; email = group; voice = entity+queue (a channel's requirement "
        "is the sum of its pools': no sharing between pools)"
    ) in format_summary(s)
    assert _summary().pooling is None and "pooling" not in format_summary(_summary())

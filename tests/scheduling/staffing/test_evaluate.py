"""Roster -> scheduled agents, and the service a given staffing gives (analytic and simulated)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scheduling.staffing.erlang_a import erlang_a
from scheduling.staffing.evaluate import (
    EVALUATION_COLUMNS,
    evaluate_staffing,
    roster_to_scheduled,
    simulate_staffing,
    summarize_evaluation,
)
from scheduling.staffing.requirements import compute_requirements
from scheduling.staffing.targets import ChannelTargets, Targets

TZ = "Asia/Dubai"


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ)


def _roster(rows: list[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agent_id": [r[0] for r in rows],
            "date": "2026-11-30",
            "activity": [r[1] for r in rows],
            "channel": [r[2] for r in rows],
            "start": pd.DatetimeIndex([_ts(r[3]) for r in rows]),
            "end": pd.DatetimeIndex([_ts(r[4]) for r in rows]),
        }
    )


def test_roster_to_scheduled_fractional_and_breaks() -> None:
    intervals = pd.date_range("2026-11-30 08:00", periods=6, freq="30min", tz=TZ)
    roster = _roster(
        [
            # a1: work 08:00-10:00 with a break 09:00-09:15 inside the work row
            ("a1", "work", "voice", "2026-11-30 08:00", "2026-11-30 10:00"),
            ("a1", "break", "", "2026-11-30 09:00", "2026-11-30 09:15"),
            # a2: work split around its lunch; starts mid-interval
            ("a2", "work", "voice", "2026-11-30 08:15", "2026-11-30 09:00"),
            ("a2", "lunch", "", "2026-11-30 09:00", "2026-11-30 09:30"),
            ("a2", "work", "voice", "2026-11-30 09:30", "2026-11-30 11:00"),
            # a3 on chat
            ("a3", "work", "chat", "2026-11-30 08:00", "2026-11-30 09:00"),
        ]
    )
    sched = roster_to_scheduled(roster, intervals)
    voice = sched[sched["channel"] == "voice"]["agents"].to_list()
    chat = sched[sched["channel"] == "chat"]["agents"].to_list()
    assert voice == pytest.approx([1.5, 2.0, 0.5, 2.0, 1.0, 1.0])
    assert chat == pytest.approx([1.0, 1.0, 0.0, 0.0, 0.0, 0.0])


def test_roster_crossing_midnight() -> None:
    intervals = pd.date_range("2026-11-30 23:00", periods=4, freq="30min", tz=TZ)
    roster = _roster([("n1", "work", "voice", "2026-11-30 23:30", "2026-12-01 00:45")])
    sched = roster_to_scheduled(roster, intervals, interval_min=30)
    assert sched["agents"].to_list() == pytest.approx([0.0, 1.0, 1.0, 0.5])


def _demand(volume: float = 100.0, periods: int = 4) -> pd.DataFrame:
    idx = pd.date_range("2026-11-30 08:00", periods=periods, freq="30min", tz=TZ)
    return pd.DataFrame(
        {
            "channel": "voice",
            "queue": "all",
            "interval_start": idx,
            "volume": volume,
            "aht_s": 180.0,
        }
    )


VOICE = ChannelTargets(
    name="voice", model="erlang_a", service_level=0.8, answer_within_s=20, patience_s=120.0
)


def test_evaluate_matches_the_formula_and_interpolates() -> None:
    demand = _demand()
    sched = pd.DataFrame(
        {
            "channel": "voice",
            "interval_start": demand["interval_start"],
            "agents": [10, 11, 10.5, 0],
        }
    )
    ev = evaluate_staffing(sched, demand, Targets(channels=(VOICE,)), 30)
    assert list(ev.columns) == EVALUATION_COLUMNS
    m = erlang_a(100, 180, [10, 11], interval_s=1800, answer_within_s=20, patience_s=120)
    assert ev["service_level"].iloc[0] == pytest.approx(m.service_level[0], abs=1e-4)
    assert ev["service_level"].iloc[1] == pytest.approx(m.service_level[1], abs=1e-4)
    assert ev["service_level"].iloc[2] == pytest.approx(m.service_level.mean(), abs=1e-4)
    assert ev["service_level"].iloc[3] == 0.0 and ev["abandon_rate"].iloc[3] == 1.0


def test_requirements_evaluate_to_their_targets() -> None:
    """Scheduling exactly the requirement gives at least the target in every interval."""
    demand = _demand(volume=250.0, periods=8)
    targets = Targets(channels=(VOICE,))
    req = compute_requirements(demand, targets, 30)
    ev = evaluate_staffing(req[["channel", "interval_start", "agents"]], req, targets, 30)
    assert (ev["service_level"] >= 0.8).all()
    less = req[["channel", "interval_start", "agents"]].assign(agents=req["agents"] - 1)
    ev_less = evaluate_staffing(less, req, targets, 30)
    assert (ev_less["service_level"] < 0.8).all()


def test_summaries_are_volume_weighted() -> None:
    idx = pd.date_range("2026-11-30 08:00", periods=2, freq="30min", tz=TZ)
    frame = pd.DataFrame(
        {
            "channel": "voice",
            "queue": "all",
            "interval_start": idx,
            "volume": [100.0, 300.0],
            "aht_s": 180.0,
            "agents": [10.0, 20.0],
            "service_level": [0.5, 0.9],
            "asa_s": [10.0, 2.0],
            "occupancy": [0.9, 0.8],
            "abandon_rate": [0.0, 0.0],
        }
    )
    day = summarize_evaluation(frame, by="day")
    assert day["service_level"].iloc[0] == pytest.approx((50 + 270) / 400)
    assert day["agent_hours"].iloc[0] == pytest.approx(15.0)
    assert day["occupancy"].iloc[0] == pytest.approx((9 + 16) / 30, abs=1e-4)
    week = summarize_evaluation(frame, by="week")
    assert week["week"].iloc[0] == "2026-11-30"


def test_simulated_evaluation_brackets_the_formula() -> None:
    demand = _demand(volume=100.0, periods=24)
    sched = pd.DataFrame(
        {"channel": "voice", "interval_start": demand["interval_start"], "agents": 11.0}
    )
    targets = Targets(channels=(VOICE,))
    per_interval, per_day = simulate_staffing(sched, demand, targets, 30, replications=6, seed=3)
    assert {"service_level_hw", "abandon_rate_hw"} <= set(per_interval.columns)
    analytic = float(evaluate_staffing(sched, demand, targets, 30)["service_level"].iloc[-1])
    day = per_day.iloc[0]
    assert abs(day["service_level"] - analytic) <= day["service_level_hw"] + 0.02
    assert np.all(per_interval["service_level_hw"] > 0)

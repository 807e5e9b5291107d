"""What-if: the staffing a change of targets costs, and the roster's service under it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from scheduling.staffing.evaluate import evaluate_staffing
from scheduling.staffing.requirements import compute_requirements
from scheduling.staffing.targets import ChannelTargets, Targets
from scheduling.staffing.whatif import what_if

TZ = "Asia/Dubai"
DAY0 = dt.date(2026, 11, 30)
VOICE = ChannelTargets(name="voice", model="erlang_c", service_level=0.8, answer_within_s=20.0)


def forecast(days: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    starts = pd.date_range(
        pd.Timestamp(dt.datetime.combine(DAY0, dt.time()), tz=TZ), periods=48 * days, freq="30min"
    )
    hours = (starts.hour + starts.minute / 60).to_numpy()
    volume = np.where((hours >= 7) & (hours < 22), 60 + 40 * np.sin(hours / 3), 0.0)
    return pd.DataFrame(
        {
            "channel": "voice",
            "queue": "all",
            "interval_start": starts,
            "volume": volume * rng.uniform(0.9, 1.1, size=len(starts)),
            "aht_s": 300.0,
        }
    )


def targets(**changes: object) -> Targets:
    return Targets(channels=(dataclasses.replace(VOICE, **changes),))


def test_same_targets_cost_nothing() -> None:
    w = what_if(forecast(), targets(), targets(), 30)
    assert (w.daily["agent_h_before"] == w.daily["agent_h_after"]).all()
    assert (w.week["staff_h_before"] == w.week["staff_h_after"]).all()
    assert w.service_level is None


def test_a_higher_target_costs_more_agents_every_day() -> None:
    w = what_if(forecast(), targets(), targets(service_level=0.9), 30)
    assert (w.daily["agent_h_after"] > w.daily["agent_h_before"]).all()
    assert (w.daily["peak_after"] >= w.daily["peak_before"]).all()
    assert len(w.daily) == 7
    assert w.week["agent_h_after"].iloc[0] == pytest.approx(w.daily["agent_h_after"].sum())


def test_shrinkage_changes_staff_hours_not_agent_hours() -> None:
    w = what_if(forecast(), targets(), targets(shrinkage=0.2), 30)
    assert (w.daily["agent_h_after"] == w.daily["agent_h_before"]).all()
    ratio = w.week["staff_h_after"].iloc[0] / w.week["agent_h_after"].iloc[0]
    assert ratio == pytest.approx(1 / 0.8, rel=0.01)


def test_the_roster_service_level_under_new_targets() -> None:
    fc = forecast(1)
    scheduled = fc[["channel", "interval_start"]].assign(agents=30.0)
    w = what_if(fc, targets(), targets(answer_within_s=10.0), 30, scheduled)
    assert w.service_level is not None
    row = w.service_level.iloc[0]
    # independently: the volume-weighted service level of the same staffing
    ev = evaluate_staffing(scheduled, fc, targets(answer_within_s=10.0), 30)
    ev = ev[ev["volume"] > 0]
    expect = float((ev["service_level"] * ev["volume"]).sum() / ev["volume"].sum())
    assert row["service_level_after"] == pytest.approx(expect, abs=1e-4)
    assert row["service_level_after"] < row["service_level_before"]  # a stricter answer time
    assert row["target_after"] == 0.8


def test_daily_hours_are_the_requirements_summed_by_hand() -> None:
    """Each day's agent and staff hours, recounted interval by interval from the requirements."""
    fc = forecast()
    after = targets(service_level=0.9, shrinkage=0.25)
    w = what_if(fc, targets(), after, 30)
    for label, tg in (("before", targets()), ("after", after)):
        req = compute_requirements(fc, tg, 30)
        for day in sorted({ts.date() for ts in req["interval_start"]}):
            rows = [r for r in req.itertuples() if r.interval_start.date() == day]
            row = w.daily[w.daily["day"] == day].iloc[0]
            assert row[f"agent_h_{label}"] == pytest.approx(sum(r.agents for r in rows) / 2)
            # staff hours are shown to the hundredth
            staff_h = sum(r.staff for r in rows) / 2
            assert row[f"staff_h_{label}"] == pytest.approx(staff_h, abs=0.005 + 1e-9)
            assert row[f"peak_{label}"] == max(r.agents for r in rows)

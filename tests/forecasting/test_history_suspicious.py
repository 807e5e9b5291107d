"""Histories that read without an error but would mislead (issue #11).

a small 24/7 queue whose nights are sparse, an outlier, fractional counts, dates the calendar does
not know, another field separator.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting._opening import infer_open_slots
from forecasting.engine import ForecastConfig, infer_closed, run_forecast
from forecasting.errors import InputError
from forecasting.history import read_history, validate_history
from wfmcore.opening_hours import OpeningHours

TZ = "Asia/Dubai"
WEEK = 7 * 48


def _queue(weeks: int, night: float, day: float, seed: int = 0) -> pd.DataFrame:
    """A simulated queue open 24/7.

    Poisson contacts, ``day`` per half-hour 08:00-21:00 and ``night`` otherwise.
    """
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2026-06-01", periods=weeks * WEEK, freq="30min", tz=TZ)
    hour = stamps.hour + stamps.minute / 60
    rate = np.where((hour >= 8) & (hour < 21), day, night)
    return pd.DataFrame(
        {
            "channel": "voice",
            "queue": "entity_17",
            "interval_start": stamps,
            "offered": rng.poisson(rate).astype(float),
        }
    )


@pytest.mark.parametrize("seed", range(5))
def test_a_sparse_24_7_queue_reads_as_open_day_and_night(seed: int) -> None:
    # 0.25 contacts per night half-hour: most half-hours of most nights have none (a quarter of
    # the weeks have one), so "contacts in half of the weeks" reads the night as closed
    frame = _queue(12, night=0.25, day=4.0, seed=seed)
    busy_share = (frame["offered"].to_numpy().reshape(12, WEEK) > 0).mean(axis=0)
    assert (busy_share < 0.5).sum() > 100  # what the old rule got wrong
    history = validate_history(frame, tz=TZ)
    assert str(history.opening_hours[("voice", "entity_17")]) == "24/7"
    assert not history.frame["imputed"].any()


@pytest.mark.parametrize("seed", range(3))
def test_the_forecast_of_a_sparse_night_is_not_forced_to_zero(seed: int) -> None:
    frame = _queue(10, night=0.25, day=4.0, seed=seed)
    ds = pd.DatetimeIndex(frame["interval_start"])
    future = pd.date_range(ds[-1] + pd.Timedelta(minutes=30), periods=WEEK, freq="30min")
    # a night half-hour goes eight weeks without a contact one time in seven: the old rule
    # closed those, a patchwork of zeros
    assert not infer_closed(frame["offered"].to_numpy(), ds, future).any()


def test_the_forecast_without_hours_is_the_forecast_of_a_24_7_queue() -> None:
    frame = _queue(10, night=0.25, day=4.0, seed=7)
    config = ForecastConfig(models=("calendar",), origins=2)
    inferred = run_forecast(frame, config).forecast
    always = run_forecast(frame, config, opening_hours={"voice": OpeningHours.always()}).forecast
    pd.testing.assert_frame_equal(inferred, always)


def test_opening_hours_are_still_found_where_a_center_closes() -> None:
    rng = np.random.default_rng(1)
    slots = np.arange(WEEK)
    hour = (slots % 48) / 2
    for weeks, night in ((4, 0.0), (26, 0.02)):  # closed nights, then with rare stray contacts
        rate = np.where((hour >= 7) & (hour < 22), 20.0, night)
        rate = np.where((hour >= 12) & (hour < 13), 0.0, rate)  # closed for lunch too
        counts = rng.poisson(rate, size=(weeks, WEEK)).astype(float)
        assert (infer_open_slots(counts, 30) == (rate > 1)).all()


def test_an_outlier_is_named_and_kept_out_of_the_fitting() -> None:
    frame = _queue(6, night=3.0, day=20.0)
    at = 3 * WEEK + 24  # a Thursday noon
    frame.loc[at, "offered"] = 1e12
    history = validate_history(frame, tz=TZ, source="h.csv")
    row = at + 2
    notes = [w for w in history.warnings if "outlier" in w]
    assert len(notes) == 1 and notes[0].startswith(f"h.csv, row {row}, column 'offered': 1e+12")
    f = history.frame.set_index("interval_start")
    when = frame.loc[at, "interval_start"]
    assert f.loc[when, "imputed"] and f.loc[when, "offered"] < 100
    result = run_forecast(history.frame, ForecastConfig(origins=2))
    assert (result.accuracy["wape"].dropna() < 1).all()
    kept = validate_history(frame, tz=TZ, keep_outliers=True)
    assert kept.frame.set_index("interval_start").loc[when, "offered"] == 1e12
    assert any("kept (--keep-outliers)" in w for w in kept.warnings)


def test_fractional_counts_are_warned_about(tmp_path: Path) -> None:
    frame = _queue(2, night=3.0, day=20.0)
    frame["offered"] = frame["offered"].astype(object)
    frame.loc[9, "offered"] = 12.5
    frame.loc[20, "offered"] = 0.5
    history = validate_history(frame, tz=TZ, source="h.csv")
    assert any(
        w.startswith("h.csv, row 11, column 'offered': 12.5 is not a whole number")
        and "(and 1 more row)" in w
        for w in history.warnings
    )


@pytest.mark.parametrize("stamp", ["1900-01-01T00:00", "2090-01-01T00:00", "1960-06-01T08:00"])
def test_dates_the_calendar_does_not_know_are_refused_naming_the_row(
    tmp_path: Path, stamp: str
) -> None:
    path = tmp_path / "h.csv"
    path.write_text(f"interval_start,offered\n2026-01-01T00:00,1\n{stamp},3\n")
    with pytest.raises(InputError, match=r"row 3, column 'interval_start': date .* outside"):
        read_history(path)


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_another_separator_is_read_and_said(tmp_path: Path, sep: str, name: str) -> None:
    path = tmp_path / "h.csv"
    rows = [f"2026-01-0{d}T{h:02d}:00{sep}{h}" for d in range(1, 9) for h in range(24)]
    path.write_text(f"interval_start{sep}offered\n" + "\n".join(rows) + "\n")
    history = read_history(path)
    assert len(history.frame) == 8 * 24
    assert any(f"separated by {name}" in w for w in history.warnings)

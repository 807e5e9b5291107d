"""Daylight-saving days keep every real interval exactly once (Europe/London, 2024)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.history import read_history
from forecasting.opening_hours import OpeningHours

LONDON = "Europe/London"
ALWAYS = OpeningHours.always()


def real_intervals(day: str, days: int = 1) -> pd.DatetimeIndex:
    """Every real 30-minute interval of the local days, built in UTC."""
    start = pd.Timestamp(day, tz=LONDON)
    end = pd.Timestamp(day, tz=LONDON) + pd.DateOffset(days=days)
    return pd.date_range(
        start.tz_convert("UTC"), end.tz_convert("UTC"), freq="30min", inclusive="left"
    ).tz_convert(LONDON)


def write_naive(tmp_path: Path, stamps: pd.DatetimeIndex) -> Path:
    """Wall-clock times without offsets, in time order (the fall-back hour appears twice)."""
    path = tmp_path / "h.csv"
    lines = [f"{t:%Y-%m-%d %H:%M},{i + 1}" for i, t in enumerate(stamps)]
    path.write_text("interval_start,offered\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def per_day(frame: pd.DataFrame) -> dict[str, int]:
    counts = frame["interval_start"].dt.strftime("%Y-%m-%d").value_counts()
    return {str(k): int(v) for k, v in counts.sort_index().items()}


def test_real_day_lengths() -> None:
    assert len(real_intervals("2024-03-31")) == 46
    assert len(real_intervals("2024-10-27")) == 50


def test_spring_forward_day_has_46_intervals_from_naive_input(tmp_path: Path) -> None:
    stamps = real_intervals("2024-03-30", days=3)
    h = read_history(write_naive(tmp_path, stamps), tz=LONDON, opening_hours=ALWAYS)
    assert per_day(h.frame) == {"2024-03-30": 48, "2024-03-31": 46, "2024-04-01": 48}
    assert h.frame["offered"].tolist() == list(range(1, len(stamps) + 1))
    utc = h.frame["interval_start"].dt.tz_convert("UTC")
    assert (utc.diff().dropna() == pd.Timedelta("30min")).all()
    assert h.gaps.empty


def test_fall_back_day_has_50_intervals_from_naive_input_in_file_order(tmp_path: Path) -> None:
    stamps = real_intervals("2024-10-26", days=3)
    h = read_history(write_naive(tmp_path, stamps), tz=LONDON, opening_hours=ALWAYS)
    assert per_day(h.frame) == {"2024-10-26": 48, "2024-10-27": 50, "2024-10-28": 48}
    # file order resolved the repeated 01:00 and 01:30: first summer time, then winter time
    f = h.frame.set_index("interval_start")
    assert f["offered"].tolist() == list(range(1, len(stamps) + 1))
    offsets = [
        t.strftime("%H:%M%z")
        for t in f.index
        if t.strftime("%H") == "01" and t.strftime("%Y-%m-%d") == "2024-10-27"
    ]
    assert offsets == ["01:00+0100", "01:30+0100", "01:00+0000", "01:30+0000"]
    assert h.gaps.empty


def test_offsets_in_the_file_need_no_order(tmp_path: Path) -> None:
    stamps = real_intervals("2024-10-27")
    rng = np.random.default_rng(1)
    order = rng.permutation(len(stamps))
    path = tmp_path / "h.csv"
    path.write_text(
        "interval_start,offered\n" + "".join(f"{stamps[i].isoformat()},{i}\n" for i in order),
        encoding="utf-8",
    )
    h = read_history(path, tz=LONDON, opening_hours=ALWAYS)
    assert len(h.frame) == 50
    assert h.frame["offered"].tolist() == list(range(50))


def test_missing_intervals_across_changes_are_filled_exactly_once(tmp_path: Path) -> None:
    # only the first and last interval of each three-day span: the grid fills in the rest
    for day, middle in (("2024-03-30", 46), ("2024-10-26", 50)):
        stamps = real_intervals(day, days=3)
        path = write_naive(tmp_path, stamps[[0, 1, -2, -1]])
        h = read_history(path, tz=LONDON, opening_hours=ALWAYS, max_gap_days=5)
        counts = per_day(h.frame)
        assert list(counts.values()) == [48, middle, 48]
        assert len(h.gaps) == len(stamps) - 4
        assert h.frame["imputed"].sum() == len(stamps) - 4


def test_opening_hours_follow_the_wall_clock_on_dst_days(tmp_path: Path) -> None:
    stamps = real_intervals("2024-10-26", days=3)
    open_ = stamps[(stamps.hour >= 8) & (stamps.hour < 18)]
    h = read_history(
        write_naive(tmp_path, open_), tz=LONDON, opening_hours={"voice": "08:00-18:00"}
    )
    # whole local days (the closed edges are added as zeros)
    assert per_day(h.frame) == {"2024-10-26": 48, "2024-10-27": 50, "2024-10-28": 48}
    busy = h.frame[h.frame["offered"] > 0]
    assert busy["interval_start"].dt.hour.between(8, 17).all()
    assert len(busy) == 3 * 20


@pytest.mark.parametrize("tz", ["Asia/Dubai", "America/New_York", "Australia/Sydney"])
def test_grid_complete_in_other_zones(tmp_path: Path, tz: str) -> None:
    stamps = pd.date_range("2024-01-01", "2025-01-01", freq="30min", tz=tz, inclusive="left")
    keep = stamps[::7]  # sparse rows; 24/7 so every missing one is a gap
    path = tmp_path / "h.csv"
    path.write_text(
        "interval_start,offered\n" + "".join(f"{t.isoformat()},1\n" for t in keep),
        encoding="utf-8",
    )
    h = read_history(path, tz=tz, interval_min=30, opening_hours=ALWAYS)
    expected = pd.date_range(keep[0], keep[-1], freq="30min")
    assert len(h.frame) == len(expected)
    assert h.frame["interval_start"].is_unique

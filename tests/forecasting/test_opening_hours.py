"""Opening hours: the targets.toml syntax, look-ups, loading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ConfigError
from forecasting.opening_hours import OpeningHours, load_opening_hours

MONDAY = pd.Timestamp("2026-11-30", tz="Asia/Dubai")  # a Monday


def at(day: int, hhmm: str) -> pd.Timestamp:
    h, m = map(int, hhmm.split(":"))
    return MONDAY + pd.Timedelta(days=day, hours=h, minutes=m)


def test_24_7_is_always_open() -> None:
    oh = OpeningHours.parse("24/7")
    assert oh.is_always_open
    assert str(oh) == "24/7"
    stamps = pd.date_range(MONDAY, periods=7 * 48, freq="30min")
    assert oh.is_open(stamps).all()


def test_daily_range_start_inclusive_end_exclusive() -> None:
    oh = OpeningHours.parse("07:00-22:00")
    assert str(oh) == "daily 07:00-22:00"
    got = oh.is_open([at(2, "06:59"), at(2, "07:00"), at(2, "21:59"), at(2, "22:00")])
    assert got.tolist() == [False, True, True, False]


def test_weekday_table_with_default_list_and_closed() -> None:
    oh = OpeningHours.parse(
        {"default": "07:00-24:00", "fri": ["07:00-11:30", "14:00-23:00"], "sat": "closed"}
    )
    assert oh.is_open([at(0, "23:30")]).tolist() == [True]  # 24:00 as an end
    assert oh.is_open([at(4, "12:00"), at(4, "14:00")]).tolist() == [False, True]
    assert not oh.is_open([at(5, h) for h in ("00:00", "08:00", "23:30")]).any()
    assert str(oh) == (
        "mon-thu 07:00-24:00; fri 07:00-11:30, 14:00-23:00; sat closed; sun 07:00-24:00"
    )


def test_table_without_default_leaves_other_days_closed() -> None:
    oh = OpeningHours.parse({"mon": "08:00-09:00"})
    assert oh.is_open([at(0, "08:30"), at(1, "08:30")]).tolist() == [True, False]


def test_range_past_midnight_runs_into_next_day_and_wraps_sunday() -> None:
    oh = OpeningHours.parse({"sun": "22:00-06:00"})
    # Sunday 23:00 open, Monday 05:30 open (wrapped to the start of the week), Monday 06:00 not
    got = oh.is_open([at(6, "23:00"), at(0, "05:30"), at(0, "06:00"), at(6, "05:00")])
    assert got.tolist() == [True, True, False, False]


def test_interval_overlap_counts_partial_opening() -> None:
    oh = OpeningHours.parse("07:15-08:00")
    stamps = [at(0, "07:00"), at(0, "07:30"), at(0, "08:00")]
    assert oh.is_open(stamps).tolist() == [False, True, False]
    assert oh.is_open(stamps, interval_min=30).tolist() == [True, True, False]


def test_naive_and_aware_timestamps_read_as_wall_clock() -> None:
    oh = OpeningHours.parse("07:00-08:00")
    aware = pd.DatetimeIndex([pd.Timestamp("2026-11-30 07:30", tz="Asia/Dubai")])
    assert oh.is_open(aware).tolist() == [True]
    assert oh.is_open(aware.tz_localize(None)).tolist() == [True]


def test_from_slots_round_trip() -> None:
    slots = np.zeros((7, 48), dtype=bool)
    slots[0, 16:20] = True  # Monday 08:00-10:00
    oh = OpeningHours.from_slots(slots, 30)
    assert str(oh) == "mon 08:00-10:00; tue-sun closed"
    assert OpeningHours.parse({"mon": "08:00-10:00"}) == oh


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("7-22", "cannot read '7-22'"),
        ("25:00-26:00", "not a time of day"),
        ("07:60-08:00", "not a time of day"),
        ("24:00-01:00", "24:00 only as an end"),
        ("07:00-07:00", "empty"),
        ({"monday": "07:00-08:00"}, "unknown key.*'monday'"),
        ({"mon": 5}, r"\[mon\].*got 5"),
        (["closed", "07:00-08:00"], "cannot be combined"),
        (12, "got 12"),
        ({"sat": "24/7"}, r"\[sat\].*cannot read '24/7'"),
    ],
)
def test_bad_specs_raise_config_error(spec: object, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        OpeningHours.parse(spec)


def test_load_opening_hours_reads_only_that_key(tmp_path: Path) -> None:
    path = tmp_path / "targets.toml"
    path.write_text(
        """
pool_queues = true
[channels.voice]
model = "erlang_a"
opening_hours = "24/7"
[channels.chat]
model = "chat"
unknown_key_for_scheduling = 1
opening_hours = "07:00-23:00"
[channels.email]
model = "deferred"
[channels.social.opening_hours]
default = "08:00-20:00"
fri = "closed"
""",
        encoding="utf-8",
    )
    hours = load_opening_hours(path)
    assert sorted(hours) == ["chat", "social", "voice"]  # email sets none: inferred later
    assert hours["voice"].is_always_open
    assert str(hours["chat"]) == "daily 07:00-23:00"
    assert hours["social"].is_open([at(4, "10:00"), at(3, "10:00")]).tolist() == [False, True]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[channels.chat]\nopening_hours = 'x'\n", r"\[channels.chat\].*cannot read 'x'"),
        ("[channels.chat\n", "invalid TOML"),
        ("channels = 3\n", "must be a table"),
    ],
)
def test_load_opening_hours_errors_name_file_and_channel(
    tmp_path: Path, text: str, match: str
) -> None:
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=match) as info:
        load_opening_hours(path)
    assert str(path) in str(info.value)


def test_load_opening_hours_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_opening_hours(tmp_path / "nope.toml")

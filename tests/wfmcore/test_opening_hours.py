"""The one opening-hours grammar: every documented form, known masks, and the bad forms."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from wfmcore import MINUTES_PER_DAY, MINUTES_PER_WEEK, ConfigError, OpeningHours

MONDAY = pd.Timestamp("2026-11-30", tz="Asia/Dubai")  # a Monday


def at(day: int, hhmm: str) -> pd.Timestamp:
    h, m = map(int, hhmm.split(":"))
    return MONDAY + pd.Timedelta(days=day, hours=h, minutes=m)


def week_mask(*ranges: tuple[int, str, str]) -> np.ndarray:
    """The minute mask of ``(weekday, "HH:MM", "HH:MM")`` ranges, computed independently."""
    mask = np.zeros(MINUTES_PER_WEEK, dtype=bool)
    for day, start, end in ranges:
        h0, m0 = map(int, start.split(":"))
        h1, m1 = map(int, end.split(":"))
        first = day * MINUTES_PER_DAY + h0 * 60 + m0
        last = day * MINUTES_PER_DAY + h1 * 60 + m1
        if last <= first:
            last += MINUTES_PER_DAY
        for minute in range(first, last):
            mask[minute % MINUTES_PER_WEEK] = True
    return mask


def daily(start: str, end: str) -> list[tuple[int, str, str]]:
    return [(d, start, end) for d in range(7)]


# (id, spec as TOML gives it, the expected open minutes of the week)
DOCUMENTED = [
    ("always", "24/7", daily("00:00", "24:00")),
    ("always-24h", "24h", daily("00:00", "24:00")),
    ("always-24h-upper", "24H", daily("00:00", "24:00")),
    ("closed", "closed", []),
    ("one-range", "07:00-22:00", daily("07:00", "22:00")),
    ("whole-day-range", "00:00-24:00", daily("00:00", "24:00")),
    ("end-24", "07:00-24:00", daily("07:00", "24:00")),
    ("short-hour", "7:30-9:00", daily("07:30", "09:00")),
    ("comma-ranges", "07:00-12:00,14:00-20:00", daily("07:00", "12:00") + daily("14:00", "20:00")),
    (
        "comma-spaces",
        "07:00 - 12:00, 14:00-20:00",
        daily("07:00", "12:00") + daily("14:00", "20:00"),
    ),
    ("list", ["07:00-12:00", "14:00-20:00"], daily("07:00", "12:00") + daily("14:00", "20:00")),
    ("overnight", "22:00-06:00", daily("22:00", "06:00")),
    ("table-no-default", {"mon": "08:00-09:00"}, [(0, "08:00", "09:00")]),
    (
        "table-default-list-closed",
        {"default": "07:00-24:00", "fri": ["07:00-11:30", "14:00-23:00"], "sat": "closed"},
        [(d, "07:00", "24:00") for d in (0, 1, 2, 3, 6)]
        + [(4, "07:00", "11:30"), (4, "14:00", "23:00")],
    ),
    (
        "table-24-7-in-a-weekday",
        {"mon": "24/7", "default": "closed", "sun": "24h"},
        [(0, "00:00", "24:00"), (6, "00:00", "24:00")],
    ),
    (
        "table-comma-ranges",
        {"tue": "07:00-12:00,14:00-20:00"},
        [(1, "07:00", "12:00"), (1, "14:00", "20:00")],
    ),
    ("table-default-only", {"default": "24/7"}, daily("00:00", "24:00")),
    ("sunday-overnight-wraps", {"sun": "22:00-06:00"}, [(6, "22:00", "06:00")]),
]


@pytest.mark.parametrize(
    ("spec", "ranges"), [c[1:] for c in DOCUMENTED], ids=[c[0] for c in DOCUMENTED]
)
def test_documented_forms_give_known_masks(spec: Any, ranges: list[tuple[int, str, str]]) -> None:
    hours = OpeningHours.parse(spec)
    np.testing.assert_array_equal(np.asarray(hours.minutes), week_mask(*ranges))


# (id, spec, message pattern)
BAD = [
    ("not-a-range", "7-22", "cannot read '7-22'"),
    ("am-pm", "7am-5pm", "cannot read '7am-5pm'"),
    ("empty-string", "", "cannot read ''"),
    ("trailing-comma", "07:00-12:00,", "cannot read ''"),
    ("semicolons", "07:00-12:00;14:00-20:00", "cannot read"),
    ("hour-25", "25:00-26:00", "not a time of day"),
    ("minute-60", "07:60-08:00", "not a time of day"),
    ("start-24", "24:00-01:00", "24:00 only as an end"),
    ("end-24-30", "07:00-24:30", "not a time of day"),
    ("empty-range", "07:00-07:00", "empty"),
    ("unknown-weekday", {"monday": "07:00-08:00"}, "unknown key.*'monday'"),
    ("weekday-number", {"mon": 5}, "mon: expected .*got 5"),
    ("weekday-table-in-table", {"mon": {"default": "24/7"}}, "mon: expected"),
    ("weekday-bad-range", {"fri": "7-9"}, "fri: cannot read '7-9'"),
    ("closed-with-ranges", ["closed", "07:00-08:00"], "cannot be combined"),
    ("closed-with-comma-range", "closed, 07:00-08:00", "cannot be combined"),
    ("number", 12, "got 12"),
    ("boolean", True, "got True"),
    ("list-of-numbers", [7, 22], "expected a range 'HH:MM-HH:MM', got 7"),
    ("empty-list", [], "empty list"),
]


@pytest.mark.parametrize(("spec", "match"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_forms_raise_config_error(spec: Any, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        OpeningHours.parse(spec)


def test_24_7_is_always_open() -> None:
    oh = OpeningHours.parse("24/7")
    assert oh.is_always_open and oh == OpeningHours.always()
    assert str(oh) == "24/7"
    stamps = pd.date_range(MONDAY, periods=7 * 48, freq="30min")
    assert oh.is_open(stamps).all()
    assert not OpeningHours.parse("closed").is_open(stamps).any()


def test_daily_range_start_inclusive_end_exclusive() -> None:
    oh = OpeningHours.parse("07:00-22:00")
    assert str(oh) == "daily 07:00-22:00"
    got = oh.is_open([at(2, "06:59"), at(2, "07:00"), at(2, "21:59"), at(2, "22:00")])
    assert got.tolist() == [False, True, True, False]


def test_weekday_table_description() -> None:
    oh = OpeningHours.parse(
        {"default": "07:00-24:00", "fri": ["07:00-11:30", "14:00-23:00"], "sat": "closed"}
    )
    assert oh.is_open([at(0, "23:30")]).tolist() == [True]  # 24:00 as an end
    assert oh.is_open([at(4, "12:00"), at(4, "14:00")]).tolist() == [False, True]
    assert not oh.is_open([at(5, h) for h in ("00:00", "08:00", "23:30")]).any()
    assert str(oh) == (
        "mon-thu 07:00-24:00; fri 07:00-11:30, 14:00-23:00; sat closed; sun 07:00-24:00"
    )


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
    assert oh.is_open(pd.Series(aware)).tolist() == [True]


def test_from_slots_round_trip() -> None:
    slots = np.zeros((7, 48), dtype=bool)
    slots[0, 16:20] = True  # Monday 08:00-10:00
    oh = OpeningHours.from_slots(slots, 30)
    assert str(oh) == "mon 08:00-10:00; tue-sun closed"
    assert OpeningHours.parse({"mon": "08:00-10:00"}) == oh
    with pytest.raises(ConfigError, match="shape"):
        OpeningHours.from_slots(slots, 45)


def test_parse_returns_a_record_as_it_is() -> None:
    oh = OpeningHours.parse("07:00-08:00")
    assert OpeningHours.parse(oh) is oh

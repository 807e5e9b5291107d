"""Tests for forecasting.calendar: UAE calendar facts 2021-2026, features, events.

Known dates: Ramadan / Shawwal / Dhu al-Hijjah starts are the Umm al-Qura calendar (the table in
``hijridate``, which matches the published Umm al-Qura tables of the King Abdulaziz City for
Science and Technology); UAE public holidays are those of ``holidays.country_holidays("AE")``.
Ramadan 1447 = 2026-02-18 .. 2026-03-19 and Eid al-Fitr 1446 = 2025-03-30 (as announced in the UAE).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.calendar import (
    DAY_TYPES,
    SAT_SUN_WEEKEND,
    UAE_WEEKENDS,
    CalendarConfig,
    Event,
    WeekendRule,
    day_features,
    default_weekend_rules,
    eid_dates,
    interval_day_features,
    load_events,
    ramadan_range,
)
from forecasting.errors import ConfigError, InputError

# Umm al-Qura: 1 Ramadan .. last day of Ramadan, Hijri years 1442 .. 1447.
RAMADANS = {
    2021: (date(2021, 4, 13), date(2021, 5, 12)),
    2022: (date(2022, 4, 2), date(2022, 5, 1)),
    2023: (date(2023, 3, 23), date(2023, 4, 20)),
    2024: (date(2024, 3, 11), date(2024, 4, 9)),
    2025: (date(2025, 3, 1), date(2025, 3, 29)),
    2026: (date(2026, 2, 18), date(2026, 3, 19)),
}
EID_AL_FITR = {
    2021: date(2021, 5, 13),
    2022: date(2022, 5, 2),
    2023: date(2023, 4, 21),
    2024: date(2024, 4, 10),
    2025: date(2025, 3, 30),
    2026: date(2026, 3, 20),
}
EID_AL_ADHA = {
    2021: date(2021, 7, 20),
    2022: date(2022, 7, 9),
    2023: date(2023, 6, 28),
    2024: date(2024, 6, 16),
    2025: date(2025, 6, 6),
    2026: date(2026, 5, 27),
}


@pytest.fixture(scope="module")
def uae() -> pd.DataFrame:
    return day_features(pd.date_range("2021-01-01", "2026-12-31"))


def row(frame: pd.DataFrame, day: str) -> pd.Series:
    out = frame.loc[pd.Timestamp(day)]
    assert isinstance(out, pd.Series)
    return out


# --- Hijri facts -----------------------------------------------------------------------------


@pytest.mark.parametrize("year", sorted(RAMADANS))
def test_ramadan_range_matches_umm_al_qura(year: int) -> None:
    assert ramadan_range(year) == RAMADANS[year]


@pytest.mark.parametrize("year", sorted(RAMADANS))
def test_eid_dates(year: int) -> None:
    assert eid_dates(year) == {
        "eid_al_fitr": [EID_AL_FITR[year]],
        "eid_al_adha": [EID_AL_ADHA[year]],
    }


def test_two_ramadans_in_2030_returns_first() -> None:
    first, last = ramadan_range(2030)
    assert first == date(2030, 1, 5)
    assert (last - first).days + 1 in (29, 30)


def test_ramadan_out_of_range_is_config_error() -> None:
    with pytest.raises(ConfigError, match="Ramadan"):
        ramadan_range(2090)
    with pytest.raises(ConfigError, match="Umm al-Qura"):
        day_features(["2080-01-01"])


@pytest.mark.parametrize("year", sorted(RAMADANS))
def test_ramadan_days_flagged_and_numbered(uae: pd.DataFrame, year: int) -> None:
    first, last = RAMADANS[year]
    span = uae.loc[pd.Timestamp(first) : pd.Timestamp(last)]
    assert span["is_ramadan"].all()
    assert span["ramadan_day"].tolist() == list(range(1, len(span) + 1))
    before = row(uae, str(pd.Timestamp(first) - pd.Timedelta(days=1))[:10])
    after = row(uae, str(pd.Timestamp(last) + pd.Timedelta(days=1))[:10])
    assert not before["is_ramadan"] and before["ramadan_day"] == 0
    assert not after["is_ramadan"] and after["ramadan_day"] == 0


def test_ramadan_day_count_per_year(uae: pd.DataFrame) -> None:
    per_year = uae.groupby(pd.DatetimeIndex(uae.index).year)["is_ramadan"].sum()
    assert set(per_year) <= {29, 30}


# --- weekends ---------------------------------------------------------------------------------


def test_uae_weekend_switch(uae: pd.DataFrame) -> None:
    friday_2021 = row(uae, "2021-12-31")
    assert friday_2021["weekday"] == 4
    assert friday_2021["is_weekend"] and not friday_2021["is_short_day"]
    assert friday_2021["day_type"] == "weekend"
    assert not row(uae, "2021-12-26")["is_weekend"]  # Sunday was a working day
    friday_2022 = row(uae, "2022-01-07")
    assert not friday_2022["is_weekend"] and friday_2022["is_short_day"]
    assert friday_2022["day_type"] == "short_day"
    saturday = row(uae, "2022-01-08")
    assert saturday["is_weekend"] and saturday["day_type"] == "weekend"
    assert row(uae, "2022-01-09")["is_weekend"]  # Sunday now weekend


def test_weekend_regimes_over_whole_years(uae: pd.DataFrame) -> None:
    old = uae.loc[:"2021-12-31"]
    new = uae.loc["2022-01-01":]
    assert set(old.loc[old["is_weekend"], "weekday"]) == {4, 5}
    assert not old["is_short_day"].any()
    assert set(new.loc[new["is_weekend"], "weekday"]) == {5, 6}
    assert set(new.loc[new["is_short_day"], "weekday"]) == {4}


def test_default_weekend_rules_follow_country() -> None:
    assert default_weekend_rules("ae") is UAE_WEEKENDS
    assert default_weekend_rules("GB") is SAT_SUN_WEEKEND
    assert default_weekend_rules("SA")[0].weekend_days == (4, 5)
    gb = day_features(["2021-12-31", "2022-01-07"], CalendarConfig(country="GB"))
    assert not gb["is_weekend"].any() and not gb["is_short_day"].any()


def test_custom_weekend_rules() -> None:
    rules = (WeekendRule(None, None, weekend_days=(6,), short_days=(5,)),)
    f = day_features(pd.date_range("2024-06-03", periods=7), CalendarConfig(weekend_rules=rules))
    assert f["is_weekend"].tolist() == [False] * 6 + [True]
    assert f["is_short_day"].tolist() == [False] * 5 + [True, False]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"start": None, "end": None, "weekend_days": (7,)}, "weekdays"),
        ({"start": None, "end": None, "weekend_days": (5,), "short_days": (5,)}, "both"),
        ({"start": date(2022, 1, 2), "end": date(2022, 1, 1), "weekend_days": (5,)}, "before"),
    ],
)
def test_bad_weekend_rule(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        WeekendRule(**kwargs)


def test_overlapping_weekend_rules_rejected() -> None:
    rules = (
        WeekendRule(None, date(2022, 1, 1), (4, 5)),
        WeekendRule(date(2022, 1, 1), None, (5, 6)),
    )
    with pytest.raises(ConfigError, match="overlap"):
        CalendarConfig(weekend_rules=rules)


# --- holidays ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("2021-01-01", "New Year's Day"),
        ("2021-12-02", "National Day"),
        ("2022-01-01", "New Year's Day"),
        ("2025-03-30", "Eid al-Fitr"),
        ("2026-05-26", "Day of Arafah"),
        ("2026-05-27", "Eid al-Adha"),
        ("2026-12-02", "National Day"),
        ("2026-12-03", "National Day"),
    ],
)
def test_uae_holidays(uae: pd.DataFrame, day: str, name: str) -> None:
    r = row(uae, day)
    assert r["is_holiday"] and name in r["holiday_name"]
    assert r["day_type"] == "holiday" and not r["is_workday"]


def test_estimated_suffix_is_stripped() -> None:
    f = day_features(["2027-03-09"])  # Eid al-Fitr 2027, "(estimated)" in the holidays package
    assert f["is_holiday"].iloc[0]
    assert f["holiday_name"].iloc[0] == "Eid al-Fitr"


def test_other_country_holidays() -> None:
    f = day_features(["2024-12-25", "2024-12-02"], CalendarConfig(country="GB"))
    assert f["is_holiday"].tolist() == [False, True]  # sorted: 12-02 first
    assert f["holiday_name"].iloc[1] == "Christmas Day"


def test_unknown_country_is_config_error() -> None:
    with pytest.raises(ConfigError, match="XX"):
        CalendarConfig(country="XX")


def test_non_working_days_are_not_workdays(uae: pd.DataFrame) -> None:
    expected = ~uae["is_weekend"] & ~uae["is_holiday"]
    assert (uae["is_workday"] == expected).all()


# --- day_type precedence ----------------------------------------------------------------------


def test_day_type_categories_and_precedence(uae: pd.DataFrame) -> None:
    assert list(uae["day_type"].cat.categories) == list(DAY_TYPES)
    # Holiday wins over Ramadan: 2026-03-19 is Ramadan 30 and an Eid al-Fitr holiday.
    r = row(uae, "2026-03-19")
    assert r["is_ramadan"] and r["is_holiday"] and r["day_type"] == "holiday"
    # Holiday wins over weekend: 2022-01-01 is a Saturday and New Year's Day.
    assert row(uae, "2022-01-01")["is_weekend"]
    assert row(uae, "2022-01-01")["day_type"] == "holiday"
    assert row(uae, "2026-02-18")["day_type"] == "ramadan_workday"  # Wednesday
    assert row(uae, "2026-02-20")["day_type"] == "ramadan_short_day"  # Friday
    assert row(uae, "2026-02-21")["day_type"] == "ramadan_weekend"  # Saturday
    assert row(uae, "2021-04-16")["day_type"] == "ramadan_weekend"  # Friday, old regime


def test_day_type_is_consistent_with_flags(uae: pd.DataFrame) -> None:
    t = uae["day_type"].astype(str)
    assert (uae["is_holiday"] == (t == "holiday")).all()
    non_holiday = ~uae["is_holiday"]
    assert (uae.loc[non_holiday, "is_ramadan"] == t[non_holiday].str.startswith("ramadan_")).all()
    weekendish = t.isin(["weekend", "ramadan_weekend"])
    assert (weekendish == (uae["is_weekend"] & non_holiday)).all()


# --- Eid proximity ----------------------------------------------------------------------------


def test_eid_al_fitr_2026_window(uae: pd.DataFrame) -> None:
    # Block = Ramadan 30 (holiday) .. the Eid holidays: 2026-03-19 .. 03-22.
    block = uae.loc["2026-03-19":"2026-03-22"]
    assert block["is_eid"].all() and (block["eid_kind"] == "eid_al_fitr").all()
    pre = uae.loc["2026-03-16":"2026-03-18"]
    assert pre["days_to_eid"].tolist() == [3, 2, 1]
    assert pre["eid_offset"].tolist() == [-3, -2, -1]
    assert pre["is_pre_eid"].all() and pre["is_ramadan"].all()
    post = uae.loc["2026-03-23":"2026-03-25"]
    assert post["days_after_eid"].tolist() == [1, 2, 3]
    assert post["is_post_eid"].all()
    for outside in ("2026-03-15", "2026-03-26"):
        r = row(uae, outside)
        assert r["eid_offset"] == 0 and r["eid_kind"] == "" and not r["is_eid"]


def test_arafah_is_in_eid_al_adha_block(uae: pd.DataFrame) -> None:
    r = row(uae, "2026-05-26")
    assert r["is_eid"] and r["eid_kind"] == "eid_al_adha"
    assert row(uae, "2026-05-25")["days_to_eid"] == 1


def test_eid_window_is_configurable() -> None:
    days = pd.date_range("2026-03-10", "2026-03-31")
    f = day_features(days, CalendarConfig(eid_window_days=5))
    assert f["is_pre_eid"].sum() == 5 and f["is_post_eid"].sum() == 5
    f0 = day_features(days, CalendarConfig(eid_window_days=0))
    assert not f0["is_pre_eid"].any() and not f0["is_post_eid"].any()
    with pytest.raises(ConfigError, match="eid_window_days"):
        CalendarConfig(eid_window_days=40)


def test_every_eid_has_pre_and_post_window(uae: pd.DataFrame) -> None:
    for year in RAMADANS:
        for kind, eid in (("eid_al_fitr", EID_AL_FITR[year]), ("eid_al_adha", EID_AL_ADHA[year])):
            r = row(uae, str(eid))
            assert r["is_eid"] and r["eid_kind"] == kind
            window = uae.loc[
                pd.Timestamp(eid) - pd.Timedelta(days=12) : pd.Timestamp(eid)
                + pd.Timedelta(days=12)
            ]
            assert window["days_to_eid"].max() == 3
            assert window["days_after_eid"].max() == 3


def test_eid_block_without_holidays_is_the_eid_day() -> None:
    f = day_features(pd.date_range("2026-03-15", "2026-03-25"), CalendarConfig(country="GB"))
    assert f.index[f["is_eid"]].tolist() == [pd.Timestamp("2026-03-20")]
    assert f.loc["2026-03-17", "days_to_eid"] == 3
    assert f.loc["2026-03-23", "days_after_eid"] == 3


# --- inputs and shapes ------------------------------------------------------------------------


def test_accepts_timestamps_and_collapses_to_dates() -> None:
    ts = pd.date_range("2026-11-30", periods=48 * 7, freq="30min", tz="Asia/Dubai")
    f = day_features(ts)
    assert len(f) == 7 and f.index.name == "date" and pd.DatetimeIndex(f.index).tz is None
    assert f.index[0] == pd.Timestamp("2026-11-30")
    # The demo week contains National Day (2-3 Dec, Wed-Thu) and a short Friday.
    assert f["day_type"].astype(str).tolist() == [
        "workday",
        "workday",
        "holiday",
        "holiday",
        "short_day",
        "weekend",
        "weekend",
    ]


def test_tz_aware_timestamps_use_local_wall_clock() -> None:
    # 2022-01-07 23:30 in Dubai is 19:30 UTC the same day; 2022-01-08 00:30 Dubai is 01-07 UTC.
    ts = pd.DatetimeIndex(["2022-01-08 00:30"]).tz_localize("Asia/Dubai")
    assert day_features(ts).index[0] == pd.Timestamp("2022-01-08")


def test_interval_day_features_aligns_rows() -> None:
    ts = pd.Series(pd.date_range("2021-12-30 23:00", periods=6, freq="30min", tz="Asia/Dubai"))
    f = interval_day_features(ts)
    assert len(f) == 6
    assert f["date"].tolist() == [pd.Timestamp("2021-12-30")] * 2 + [pd.Timestamp("2021-12-31")] * 4
    assert f["is_weekend"].tolist() == [False, False, True, True, True, True]


def test_empty_input_gives_empty_frame_with_columns(uae: pd.DataFrame) -> None:
    f = day_features([])
    assert len(f) == 0 and list(f.columns) == list(uae.columns)


def test_bad_dates_are_input_errors() -> None:
    with pytest.raises(InputError, match="dates"):
        day_features(["not a date"])
    with pytest.raises(InputError, match="missing"):
        day_features([pd.NaT, pd.Timestamp("2024-01-01")])


def test_holiday_lookups_are_cached() -> None:
    from forecasting import calendar as cal

    day_features(pd.date_range("2023-01-01", "2023-12-31"))
    before = cal._holidays_for_year.cache_info().hits
    day_features(pd.date_range("2023-01-01", "2023-12-31"))
    assert cal._holidays_for_year.cache_info().hits > before


# --- events -----------------------------------------------------------------------------------


def test_events_in_features() -> None:
    events = (
        Event("outage", date(2026, 12, 1), date(2026, 12, 1), effect=0.5),
        Event("campaign", date(2026, 11, 30), date(2026, 12, 2), effect=1.4),
        Event("launch", date(2026, 12, 2), date(2026, 12, 2)),
    )
    f = day_features(pd.date_range("2026-11-29", "2026-12-03"), CalendarConfig(events=events))
    assert f["event"].tolist() == ["", "campaign", "outage; campaign", "campaign; launch", ""]
    np.testing.assert_allclose(
        f["event_effect"].to_numpy(), [np.nan, 1.4, 0.7, 1.4, np.nan], equal_nan=True
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "", "start": date(2026, 1, 1), "end": date(2026, 1, 1)}, "name"),
        ({"name": "x", "start": date(2026, 1, 2), "end": date(2026, 1, 1)}, "before"),
        ({"name": "x", "start": date(2026, 1, 1), "end": date(2026, 1, 1), "effect": -1}, "effect"),
    ],
)
def test_bad_event(kwargs: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        Event(**kwargs)


def test_load_events(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "\ufeffName,Start,End,Effect,notes\n"
        "ACD outage,2026-12-01,2026-12-01,0.6,half a day\n"
        "\n"
        "Visa campaign,2026-11-30,2026-12-06,,\n"
        "One day,2026-12-04,,1.2\n",
        encoding="utf-8",
    )
    assert load_events(path) == (
        Event("ACD outage", date(2026, 12, 1), date(2026, 12, 1), 0.6),
        Event("Visa campaign", date(2026, 11, 30), date(2026, 12, 6), None),
        Event("One day", date(2026, 12, 4), date(2026, 12, 4), 1.2),
    )


def test_load_events_without_effect_column(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("name,start,end\nlaunch,2026-01-01,2026-01-02\n", encoding="utf-8")
    assert load_events(path)[0].effect is None


@pytest.mark.parametrize(
    ("text", "row", "column", "match"),
    [
        ("", 1, None, "empty"),
        ("name,start\nx,2026-01-01\n", 1, "end", "missing column 'end'"),
        ("name,start,end\nx,2026-13-01,2026-12-01\n", 2, "start", "YYYY-MM-DD"),
        ("name,start,end\nx,2026-01-01,01/02/2026\n", 2, "end", "YYYY-MM-DD"),
        ("name,start,end\nok,2026-01-01,2026-01-01\nx,2026-01-05,2026-01-01\n", 3, "end", "before"),
        ("name,start,end\n,2026-01-01,2026-01-01\n", 2, "name", "name"),
        ("name,start,end,effect\nx,2026-01-01,2026-01-01,big\n", 2, "effect", "number"),
        ("name,start,end,effect\nx,2026-01-01,2026-01-01,-0.5\n", 2, "effect", "number"),
    ],
)
def test_bad_events_file(
    tmp_path: Path, text: str, row: int, column: str | None, match: str
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=match) as info:
        load_events(path)
    assert info.value.file == str(path)
    assert info.value.row == row
    assert info.value.column == column


def test_events_file_not_utf8_or_missing(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name,start,end\ncaf\xe9,2026-01-01,2026-01-01\n".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        load_events(path)
    with pytest.raises(InputError, match="not found"):
        load_events(tmp_path / "nope.csv")


def test_repo_events_file_loads(repo_root: Path) -> None:
    path = repo_root / "data" / "events.csv"
    if not path.exists():
        pytest.skip("data/events.csv not written yet")
    events = load_events(path)
    assert events and all(isinstance(e, Event) for e in events)


def test_subdivision_holidays_and_bad_subdivision() -> None:
    f = day_features(["2024-03-31"], CalendarConfig(country="US", subdiv="CA"))
    assert f["holiday_name"].iloc[0] == "Cesar Chavez Day"
    with pytest.raises(ConfigError, match="subdivision 'ZZ'"):
        CalendarConfig(country="US", subdiv="ZZ")

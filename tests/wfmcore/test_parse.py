"""The kernel's parsers: known answers and located errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecasting.errors
import scheduling.errors
from wfmcore import (
    ConfigError,
    InputError,
    check_tz,
    format_hhmm,
    parse_hhmm,
    parse_numbers,
    parse_text,
    parse_timestamps,
    read_csv_checked,
    sniff_separator,
)

# --- times of day and zones ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "allow_24", "minutes"),
    [("00:00", False, 0), ("07:30", False, 450), (" 7:05 ", False, 425), ("23:59", False, 1439)]
    + [("24:00", True, 1440)],
)
def test_parse_hhmm(text: str, allow_24: bool, minutes: int) -> None:
    assert parse_hhmm(text, allow_24=allow_24) == minutes


@pytest.mark.parametrize(
    ("text", "allow_24", "match"),
    [
        ("7h", False, "expected HH:MM, got '7h'"),
        ("07:5", False, "expected HH:MM"),
        ("7", False, "expected HH:MM"),
        ("", False, "expected HH:MM"),
        ("24:00", False, "not a time of day.*24:00 only as an end"),
        ("24:30", True, "not a time of day"),
        ("25:00", True, "not a time of day"),
        ("07:60", False, "not a time of day"),
    ],
)
def test_parse_hhmm_rejects(text: str, allow_24: bool, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_hhmm(text, allow_24=allow_24)


def test_format_hhmm() -> None:
    assert [format_hhmm(m) for m in (0, 425, 1439, 1440)] == ["00:00", "07:05", "23:59", "24:00"]


def test_check_tz_raises_the_given_class() -> None:
    assert check_tz("Europe/London") == "Europe/London"
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        check_tz("Mars/Olympus")
    with pytest.raises(forecasting.errors.ConfigError, match="unknown time zone"):
        check_tz("", error=forecasting.errors.ConfigError)


# --- CSV files ----------------------------------------------------------------------------------


def test_read_csv_checked(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("a, b\n1,\n", encoding="utf-8")
    frame = read_csv_checked(good, ["a", "b"])
    assert list(frame.columns) == ["a", "b"] and frame.loc[0, "a"] == "1"
    assert pd.isna(frame.loc[0, "b"])
    with pytest.raises(InputError, match="not found"):
        read_csv_checked(tmp_path / "missing.csv", ["a"])
    with pytest.raises(InputError, match="directory"):
        read_csv_checked(tmp_path, ["a"])
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("a,b\n\xe9,1\n".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        read_csv_checked(bad, ["a"])
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        read_csv_checked(empty, ["a"])
    with pytest.raises(scheduling.errors.InputError, match=r"good.csv, column 'c': missing"):
        read_csv_checked(good, ["a", "c"], error=scheduling.errors.InputError)


# --- numbers ------------------------------------------------------------------------------------


def test_parse_numbers_known_values() -> None:
    got = parse_numbers(pd.Series([" 1", "2.5", "", np.nan, "1e3"]), column="n", required=False)
    np.testing.assert_array_equal(got, [1.0, 2.5, np.nan, np.nan, 1000.0])
    as_is = parse_numbers(pd.Series([1.0, 2.0]), column="n", min_value=0)
    np.testing.assert_array_equal(as_is, [1.0, 2.0])


@pytest.mark.parametrize(
    ("values", "kwargs", "match"),
    [
        (["1", "x"], {}, r"row 3, column 'n': cannot read 'x' as a number; expected a number$"),
        (["1", ""], {}, r"row 3, column 'n': empty cell; expected a number$"),
        (["1", np.nan], {}, r"row 3, column 'n': empty cell"),
        (["1", "inf"], {}, "row 3, column 'n': value inf is not allowed"),
        (["1", "-1"], {"min_value": 0}, "row 3.*value -1 is not allowed; expected a number >= 0"),
        (["1", "2.5"], {"integer": True}, "row 3, column 'n'.*expected a whole number"),
        (
            ["1", ""],
            {"empty_hint": " (or leave the row out)"},
            r"a number \(or leave the row out\)",
        ),
        (["1", "-2"], {"min_value": 0, "what": "a count"}, "expected a count$"),
        (["-1", "-2", "-3"], {"min_value": 0}, r"row 2, .*\(and 2 more rows\)$"),
    ],
)
def test_parse_numbers_errors_name_row_and_column(values: list, kwargs: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        parse_numbers(pd.Series(values, dtype=object), column="n", **kwargs)


def test_parse_numbers_uses_file_lines_and_error_class() -> None:
    with pytest.raises(scheduling.errors.InputError, match="f.csv, row 9, column 'n'"):
        parse_numbers(
            pd.Series(["1", "x"]),
            np.array([4, 9]),
            file="f.csv",
            column="n",
            error=scheduling.errors.InputError,
        )


def test_parse_text() -> None:
    got = parse_text(pd.Series([" a ", "", np.nan]), column="q", default="all")
    assert got.tolist() == ["a", "all", "all"]
    with pytest.raises(InputError, match=r"row 3, column 'q': empty cell; expected a queue"):
        parse_text(pd.Series(["a", " "]), column="q", what="a queue")


# --- timestamps ---------------------------------------------------------------------------------


def test_parse_timestamps_offsets_and_wall_clock() -> None:
    got = parse_timestamps(
        pd.Series(["2026-11-30T08:00:00+04:00", "2026-11-30T04:30:00Z", "2026-11-30 09:00"]),
        tz="Asia/Dubai",
    )
    assert str(got.dtype) == "datetime64[ns, Asia/Dubai]"
    assert got.tolist() == [
        pd.Timestamp("2026-11-30 08:00", tz="Asia/Dubai"),
        pd.Timestamp("2026-11-30 08:30", tz="Asia/Dubai"),
        pd.Timestamp("2026-11-30 09:00", tz="Asia/Dubai"),
    ]
    ok = parse_timestamps(pd.Series(["2026-11-01T01:30:00-04:00"]), tz="America/New_York")
    assert ok.dtype == "datetime64[ns, America/New_York]"
    fmt = parse_timestamps(pd.Series(["30/11/2026 08:00"]), tz="UTC", time_format="%d/%m/%Y %H:%M")
    assert fmt.iloc[0] == pd.Timestamp("2026-11-30 08:00", tz="UTC")
    naive = parse_timestamps(pd.Series(pd.to_datetime(["2026-11-30 08:00"])), tz="Asia/Dubai")
    assert naive.iloc[0] == pd.Timestamp("2026-11-30 08:00", tz="Asia/Dubai")


@pytest.mark.parametrize(
    ("values", "tz", "match"),
    [
        (["2026-11-30 08:00", ""], "Asia/Dubai", r"row 3, column 'interval_start': empty cell"),
        (["2026-11-30 08:00", "  "], "Asia/Dubai", "row 3.*empty cell"),
        (["30/11/2026 08:00"], "Asia/Dubai", "row 2.*cannot read '30/11/2026 08:00' as a date"),
        (["2026-03-08 02:30"], "America/New_York", "does not exist in America/New_York"),
        (["2026-11-01 01:30"], "America/New_York", "is ambiguous in America/New_York"),
        (["2026-03-08 02:30"], "Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ],
)
def test_parse_timestamps_errors(values: list[str], tz: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        parse_timestamps(pd.Series(values), tz=tz)


def test_fall_back_hour_resolved_from_file_order_within_a_series() -> None:
    text = pd.Series(["2024-10-27 01:30"] * 4)
    keys = np.array(["b", "a", "b", "a"])
    got = parse_timestamps(text, tz="Europe/London", series_keys=keys)
    offsets = [t.utcoffset().total_seconds() / 3600 for t in got]
    assert offsets == [1.0, 1.0, 0.0, 0.0]  # the first of each series is summer time
    with pytest.raises(InputError, match="ambiguous timestamp .* 1 row"):
        parse_timestamps(text.iloc[:1], tz="Europe/London", series_keys=keys[:1])


def test_sniff_separator() -> None:
    assert sniff_separator("interval_start,offered") == ","
    assert sniff_separator("interval_start;offered") == ";"
    assert sniff_separator("interval_start\toffered") == "\t"
    assert sniff_separator("vru+line\tcall_id", "\t") == "\t"
    assert sniff_separator("vru+line,call_id", "\t") == ","
    assert sniff_separator("offered") == ","


def test_a_file_separated_by_semicolons_is_named(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("channel;interval_start;volume\nvoice;2026-11-30T08:00;3\n")
    with pytest.raises(InputError, match=r"row 1: the fields are separated by semicolons"):
        read_csv_checked(path, ["channel"])


@pytest.mark.parametrize(
    ("values", "row"),
    [
        (["2026-11-30T08:00", "1900-01-01T00:00"], 3),
        (["2150-01-01T00:00+04:00", "2026-11-30T08:00"], 2),
        (["0001-01-01", "2026-11-30T08:00"], 2),
    ],
)
def test_timestamps_outside_the_supported_dates_name_the_row(values: list[str], row: int) -> None:
    with pytest.raises(InputError, match=rf"f\.csv, row {row}, column 'interval_start': date"):
        parse_timestamps(pd.Series(values), tz="Asia/Dubai", file="f.csv")
    # the range is a default: a caller may widen it
    wide = (
        parse_timestamps(
            pd.Series(values[1:]), tz="UTC", dates=(dt.date(1, 1, 1), dt.date(9999, 1, 1))
        )
        if row == 3
        else None
    )
    assert wide is None or wide.dt.year.tolist() == [1900]

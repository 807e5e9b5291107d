"""Parsers for input files: times of day, time zones, CSV columns of timestamps, numbers, text.

The column parsers work on whole columns and, on failure, raise an :class:`~wfmcore.errors.
InputError` naming the file, the *first* offending row (1-based file line, header = 1), the
column, what was found and what was expected, and how many more rows have the same problem::

    frame = read_csv_checked(path, ["channel", "interval_start", "volume"], error=InputError)
    stamps = parse_timestamps(frame["interval_start"], tz=tz, file=str(path), error=InputError)
    volume = parse_numbers(frame["volume"], file=str(path), column="volume", min_value=0,
                           error=InputError)

``error=`` is the :class:`~wfmcore.errors.InputError` subclass to raise (each library passes its
own, so its callers catch its own tree). ``lines`` gives the file line of each row when it is
not simply ``row index + 2`` (a reader that dropped blank lines). Nothing here loops in Python
over rows, except over the few rows of a daylight-saving fall-back hour.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from wfmcore.defaults import DEFAULT_TZ, FIRST_DATE, LAST_DATE
from wfmcore.errors import ConfigError, InputError

__all__ = [
    "SEPARATOR_NAMES",
    "check_tz",
    "first_bad",
    "format_hhmm",
    "more",
    "parse_hhmm",
    "parse_numbers",
    "parse_text",
    "parse_timestamps",
    "read_csv_checked",
    "sniff_separator",
    "to_datetimes",
]

#: How messages name a field separator.
SEPARATOR_NAMES = {",": "commas", ";": "semicolons (';')", "\t": "tabs", "|": "bars ('|')"}

_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")
_OFFSET = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)\s*$"
_EXAMPLE_TS = "ISO 8601 such as 2026-11-30T08:00 or 2026-11-30T08:00:00+04:00"


# ----------------------------------------------------------------------------------------------
# single values
# ----------------------------------------------------------------------------------------------
def parse_hhmm(text: str, *, allow_24: bool = False) -> int:
    """Minutes after midnight of a wall-clock time ``"HH:MM"`` (``"7:30"`` is fine).

    Parameters
    ----------
    text
        The time of day; surrounding blanks are ignored.
    allow_24
        Whether ``"24:00"`` (the end of the day, 1440) is allowed.

    Returns
    -------
    int
        Minutes after midnight, 0 .. 1439 (1440 for ``"24:00"``).

    Raises
    ------
    ValueError
        Not ``HH:MM``, or not a time of day; callers turn it into their own error with the
        file, key or column.
    """
    match = _HHMM.match(str(text).strip())
    if match is None:
        raise ValueError(f"expected HH:MM, got {text!r}")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not allow_24)):
        raise ValueError(
            f"{text!r} is not a time of day (expected 00:00 to 23:59"
            f"{'; 24:00 only as an end' if allow_24 or hours == 24 else ''})"
        )
    return hours * 60 + minutes


def format_hhmm(minute_of_day: int) -> str:
    """``HH:MM`` of minutes after midnight (``1440`` gives ``"24:00"``)."""
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


def _is_zone(tz: object) -> bool:
    try:
        zoneinfo.ZoneInfo(str(tz))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _unknown_zone(tz: object) -> str:
    return f"unknown time zone {tz!r}; expected an IANA name such as {DEFAULT_TZ!r}"


def check_tz(tz: str, *, error: type[ConfigError] = ConfigError) -> str:
    """Return *tz* if it names an IANA time zone, else raise *error* (a :class:`ConfigError`)."""
    if not _is_zone(tz):
        raise error(_unknown_zone(tz))
    return str(tz)


# ----------------------------------------------------------------------------------------------
# locating bad rows
# ----------------------------------------------------------------------------------------------
def more(count: int) -> str:
    """``" (and N more rows)"`` when *count* > 1, else ``""``."""
    return f" (and {count - 1} more row{'s' if count > 2 else ''})" if count > 1 else ""


def first_bad(mask: NDArray[np.bool_], lines: NDArray[np.int64]) -> tuple[int, int, int]:
    """Position, file line and count of the True entries of *mask* (the first by file line)."""
    positions = np.flatnonzero(mask)
    first = positions[np.argmin(lines[positions])]
    return int(first), int(lines[first]), int(positions.size)


def _lines(values: pd.Series, lines: NDArray[np.int64] | None) -> NDArray[np.int64]:
    return np.arange(2, len(values) + 2) if lines is None else np.asarray(lines)


# ----------------------------------------------------------------------------------------------
# files
# ----------------------------------------------------------------------------------------------
def sniff_separator(header: str, expected: str = ",") -> str:
    """The field separator of a delimited file, judged from its header line.

    *expected* when the header holds it (or holds no other separator); otherwise the first of
    ``;``, tab and ``|`` that splits the header into at least two fields (a spreadsheet saved
    in a locale that writes semicolons, or a tab-separated export).
    """
    if expected in header:
        return expected
    for sep in (";", "\t", "|", ","):
        if sep != expected and sep in header:
            return sep
    return expected


def read_csv_checked(
    path: str | Path, required: Sequence[str], *, error: type[InputError] = InputError
) -> pd.DataFrame:
    """Read a UTF-8 CSV as strings and check that the required columns are present.

    Parameters
    ----------
    path
        The CSV file.
    required
        Column names that must be present (case-sensitive, surrounding blanks stripped).
    error
        The :class:`InputError` class to raise.

    Returns
    -------
    pandas.DataFrame
        All columns as ``str`` (missing cells as NaN); row *i* of the frame is file line ``i + 2``.

    Raises
    ------
    InputError
        File missing, not UTF-8, empty, not CSV, or a required column missing.
    """
    name = str(path)
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=True, skipinitialspace=True, encoding="utf-8-sig"
        )
    except FileNotFoundError:
        raise error("file not found", file=name) from None
    except IsADirectoryError:
        raise error("is a directory, expected a CSV file", file=name) from None
    except PermissionError:
        raise error("no permission to read the file", file=name) from None
    except UnicodeDecodeError as exc:
        raise error(f"file is not valid UTF-8 ({exc.reason})", file=name) from None
    except pd.errors.EmptyDataError:
        raise error("file is empty (expected a header row)", file=name) from None
    except pd.errors.ParserError as exc:
        raise error(f"not a valid CSV file: {exc}", file=name) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if len(frame.columns) == 1:
        sep = sniff_separator(str(frame.columns[0]))
        if sep != ",":
            raise error(
                f"the fields are separated by {SEPARATOR_NAMES[sep]}, not commas; expected a "
                "comma-separated file (save it as 'CSV UTF-8')",
                file=name,
                row=1,
            )
    for column in required:
        if column not in frame.columns:
            raise error(
                f"missing required column (found: {', '.join(frame.columns)})",
                file=name,
                column=column,
            )
    return frame


# ----------------------------------------------------------------------------------------------
# columns
# ----------------------------------------------------------------------------------------------
def parse_text(
    values: pd.Series,
    lines: NDArray[np.int64] | None = None,
    *,
    file: str | None = None,
    column: str,
    default: str | None = None,
    what: str = "a value",
    error: type[InputError] = InputError,
) -> pd.Series[str]:
    """Strip a text column; empty cells take *default*, or are an error when it is ``None``.

    *what* says what a cell should hold, for the message (``"a channel name"``).
    """
    text = values.astype("str").str.strip()
    empty = values.isna().to_numpy() | (text == "").to_numpy()
    if empty.any():
        if default is None:
            _, row, count = first_bad(empty, _lines(values, lines))
            raise error(
                f"empty cell; expected {what}{more(count)}", file=file, row=row, column=column
            )
        text = text.where(~empty, default)
    return text.astype("str")


def parse_numbers(
    values: pd.Series,
    lines: NDArray[np.int64] | None = None,
    *,
    file: str | None = None,
    column: str,
    required: bool = True,
    min_value: float | None = None,
    integer: bool = False,
    what: str | None = None,
    empty_hint: str = "",
    error: type[InputError] = InputError,
) -> NDArray[np.float64]:
    """Parse a column of numbers to ``float64``.

    Parameters
    ----------
    values
        Strings, or numbers (read as they are).
    lines
        File line of each row; default ``row index + 2``.
    file, column
        Named in messages.
    required
        Whether a value is required; when ``False`` empty cells give NaN.
    min_value
        Smallest allowed value (inclusive), or ``None``. Infinite values are never allowed.
    integer
        Whether values must be whole numbers.
    what
        What a cell should hold, for messages; default from the two options above, e.g.
        ``"a whole number >= 0"``.
    empty_hint
        Appended to the message about an empty cell (e.g. how to mark a missing interval).
    error
        The :class:`InputError` class to raise.

    Returns
    -------
    numpy.ndarray
        ``float64``, one value per row (NaN where empty and allowed).

    Raises
    ------
    InputError
        Naming the first bad row (file line), the column, and how many more rows are bad.
    """
    lines = _lines(values, lines)
    if what is None:
        bound = "" if min_value is None else f" >= {min_value:g}"
        what = f"a {'whole ' if integer else ''}number{bound}"
    if values.dtype.kind in "fiub":
        numbers = values.to_numpy(dtype=np.float64)
        text = None
        empty = np.isnan(numbers)
    else:
        text = values.astype("str").str.strip()
        empty = values.isna().to_numpy() | (text == "").to_numpy()
        numbers = pd.to_numeric(text.where(~empty, None), errors="coerce").to_numpy(
            dtype=np.float64
        )
    missing = np.isnan(numbers)
    if missing.any():
        unreadable = missing & ~empty
        if unreadable.any():
            assert text is not None  # numeric input cannot be unreadable
            pos, row, count = first_bad(unreadable, lines)
            raise error(
                f"cannot read {text.iloc[pos]!r} as a number; expected {what}{more(count)}",
                file=file,
                row=row,
                column=column,
            )
        if required and empty.any():
            _, row, count = first_bad(empty, lines)
            raise error(
                f"empty cell; expected {what}{empty_hint}{more(count)}",
                file=file,
                row=row,
                column=column,
            )
    bad = ~np.isfinite(numbers) & ~missing
    if min_value is not None:
        bad |= numbers < min_value
    if integer:
        bad |= ~missing & (numbers != np.round(numbers))
    if bad.any():
        pos, row, count = first_bad(bad, lines)
        raise error(
            f"value {numbers[pos]:g} is not allowed; expected {what}{more(count)}",
            file=file,
            row=row,
            column=column,
        )
    return numbers


def to_datetimes(
    text: pd.Series, time_format: str | None = None
) -> tuple[pd.Series[pd.Timestamp] | None, pd.Series[pd.Timestamp] | None]:
    """Parse strings that may mix UTC offsets and naive times (NaT where unreadable).

    Returns
    -------
    aware, naive
        tz-aware values (UTC) where the string has an offset and naive values where it has
        none, on a default index; either is ``None`` when no row is of its kind.
    """
    fmt = time_format or "ISO8601"
    text = text.reset_index(drop=True)
    try:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    except ValueError:
        # a mix of offsets, or of naive and offset times: split the rows by kind
        has_offset = text.str.contains(_OFFSET, regex=True).to_numpy(dtype=bool)
        aware = pd.to_datetime(text.where(has_offset, ""), format=fmt, errors="coerce", utc=True)
        naive = pd.to_datetime(text.where(~has_offset, ""), format=fmt, errors="coerce")
        return aware.where(pd.Series(has_offset)), naive.where(pd.Series(~has_offset))
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert("UTC"), None
    return None, parsed


def parse_timestamps(
    values: pd.Series,
    lines: NDArray[np.int64] | None = None,
    *,
    tz: str,
    file: str | None = None,
    column: str = "interval_start",
    series_keys: NDArray[np.generic] | None = None,
    time_format: str | None = None,
    dates: tuple[dt.date, dt.date] | None = (FIRST_DATE, LAST_DATE),
    error: type[InputError] = InputError,
    merged: list[int] | None = None,
) -> pd.Series[pd.Timestamp]:
    """Parse timestamps to tz-aware datetimes in *tz* (nanosecond unit, default index).

    Timestamps with a UTC offset (``2026-11-30T08:00:00+04:00`` or ``...Z``) are converted to
    *tz*; naive ones are wall-clock time in *tz*. A naive wall-clock time that does not exist
    (spring forward) is an error. One that occurs twice (fall back) is an error too, unless
    *series_keys* is given: then it is resolved from file order when, within its series, each
    such time occurs twice and the rows of that hour are in time order (the first is the
    summer-time one). With *merged* as well, a fall-back wall-clock time that a series has
    only once (an export that merges the doubled hour into one row per interval) is accepted:
    it is read as the first (summer-time) occurrence and its position is appended to *merged*,
    for the caller to spread over both occurrences.

    Parameters
    ----------
    values
        Strings, or datetimes (naive or tz-aware) for in-memory frames.
    lines
        File line of each row, for messages; default ``row index + 2``.
    tz
        IANA time zone of the wall-clock times (an unknown one is an *error* too).
    file, column
        Named in messages.
    series_keys
        One hashable key per row (e.g. the series id) within which file order is read, or
        ``None`` to refuse ambiguous wall-clock times.
    time_format
        ``strftime`` format of the strings; default ISO 8601.
    dates
        First and last allowed local date (inclusive), or ``None`` for any; default
        :data:`~wfmcore.defaults.FIRST_DATE` .. :data:`~wfmcore.defaults.LAST_DATE`.
    error
        The :class:`InputError` class to raise.
    merged
        ``None`` to refuse a fall-back time that a series has once; or a list that collects the
        positions (0-based, in *values*) of such rows, read as the first occurrence.

    Raises
    ------
    InputError
        Naming the first bad row (file line), the column, and how many more rows are bad.
    """
    if not _is_zone(tz):
        raise error(_unknown_zone(tz), file=file, column=column)
    lines = _lines(values, lines)
    where = _Where(lines, tz, file, column, series_keys, error)
    where.merged = merged
    try:
        stamps = _parse_local(values, lines, where, time_format)
    except pd.errors.OutOfBoundsDatetime:
        # a year pandas cannot hold in nanoseconds, before 1677 or after 2262
        year = pd.to_numeric(values.astype("str").str.lstrip().str.slice(0, 4), errors="coerce")
        far = ((year < 1678) | (year > 2261)).to_numpy(dtype=bool)
        if not far.any():
            raise
        pos, row, count = first_bad(far, lines)
        first, last = dates or (FIRST_DATE, LAST_DATE)
        raise where.fail(
            f"date {str(values.iloc[pos]).strip()!r} is outside the supported range {first} .. "
            f"{last}; expected a date in that range{more(count)}",
            row,
        ) from None
    if dates is not None and len(stamps):
        _check_dates(stamps, values, lines, dates, where)
    return stamps


def _parse_local(
    values: pd.Series, lines: np.ndarray, where: _Where, time_format: str | None
) -> pd.Series:
    """:func:`parse_timestamps` without the date range."""
    tz, file, column, error = where.tz, where.file, where.column, where.error
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return _in_zone(values, tz).reset_index(drop=True)
    if values.dtype.kind == "M":
        return _localize(values.reset_index(drop=True), where)
    text = values.astype("str").reset_index(drop=True)
    empty = values.isna().to_numpy() | (text == "").to_numpy()
    if empty.any():
        _, row, count = first_bad(empty, lines)
        raise error(
            f"empty cell; expected a date-time ({_EXAMPLE_TS}){more(count)}",
            file=file,
            row=row,
            column=column,
        )
    aware, naive = to_datetimes(text, time_format)
    unreadable = np.ones(len(text), dtype=bool)
    for part in (aware, naive):
        if part is not None:
            unreadable &= part.isna().to_numpy()
    if unreadable.any():
        pos, row, count = first_bad(unreadable, lines)
        found = text.iloc[pos]
        expected = f"format {time_format!r}" if time_format else _EXAMPLE_TS
        raise error(
            f"empty cell; expected a date-time ({_EXAMPLE_TS}){more(count)}"
            if not found.strip()
            else f"cannot read {found!r} as a date-time; expected {expected}{more(count)}",
            file=file,
            row=row,
            column=column,
        )
    if naive is None:
        assert aware is not None
        return _in_zone(aware, tz)
    if aware is None:
        return _localize(naive, where)
    is_naive = naive.notna().to_numpy()
    local = _localize(naive.fillna(pd.Timestamp(0)), where, skip=~is_naive)
    return _in_zone(aware, tz).where(~is_naive, local)


def _in_zone(stamps: pd.Series, tz: str) -> pd.Series[pd.Timestamp]:
    """Tz-aware *stamps* converted to *tz*, in nanoseconds."""
    converted: pd.Series[pd.Timestamp] = stamps.dt.tz_convert(tz).dt.as_unit("ns")
    return converted


def _check_dates(
    stamps: pd.Series,
    values: pd.Series,
    lines: np.ndarray,
    dates: tuple[dt.date, dt.date],
    where: _Where,
) -> None:
    """Every local date of *stamps* (parsed from *values*) must lie in *dates*."""
    first, last = dates
    day = stamps.dt.tz_localize(None).dt.normalize()
    bad = ((day < pd.Timestamp(first)) | (day > pd.Timestamp(last))).to_numpy(dtype=bool)
    if bad.any():
        pos, row, count = first_bad(bad, lines)
        raise where.fail(
            f"date {str(values.iloc[pos]).strip()!r} is outside the supported range {first} .. "
            f"{last}; expected a date in that range{more(count)}",
            row,
        )


class _Where:
    """Where the timestamps come from, for messages, and how to resolve the fall-back hour."""

    def __init__(
        self,
        lines: NDArray[np.int64],
        tz: str,
        file: str | None,
        column: str,
        series_keys: NDArray[np.generic] | None,
        error: type[InputError],
    ) -> None:
        self.lines, self.tz, self.file, self.column = lines, tz, file, column
        self.series_keys, self.error = series_keys, error
        #: Collects the positions of merged fall-back rows, or ``None`` to refuse them.
        self.merged: list[int] | None = None

    def fail(self, message: str, row: int) -> InputError:
        """The error to raise for *message* about file line *row*."""
        return self.error(message, file=self.file, row=row, column=self.column)


def _localize(
    naive: pd.Series, where: _Where, skip: NDArray[np.bool_] | None = None
) -> pd.Series[pd.Timestamp]:
    """Localize wall-clock times, resolving the fall-back hour from file order (see above)."""
    tz, lines = where.tz, where.lines
    naive = naive.dt.as_unit("ns")
    skip = np.zeros(len(naive), dtype=bool) if skip is None else skip
    summer: pd.Series[pd.Timestamp] = naive.dt.tz_localize(
        tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="NaT"
    )
    nonexistent = summer.isna().to_numpy() & ~skip
    if nonexistent.any():
        pos, row, count = first_bad(nonexistent, lines)
        raise where.fail(
            f"local time {naive.iloc[pos]:%Y-%m-%d %H:%M} does not exist in {tz} (clocks "
            f"jump forward then); expected a real wall-clock time or a UTC offset{more(count)}",
            row,
        )
    winter = naive.dt.tz_localize(tz, ambiguous=np.zeros(len(naive), dtype=bool), nonexistent="NaT")
    ambiguous = (summer != winter).to_numpy() & ~skip
    if not ambiguous.any():
        return summer
    if where.series_keys is None:
        pos, row, count = first_bad(ambiguous, lines)
        raise where.fail(
            f"local time {naive.iloc[pos]:%Y-%m-%d %H:%M} is ambiguous in {tz} (it occurs twice "
            f"when clocks go back); write it with its UTC offset such as +01:00{more(count)}",
            row,
        )
    keys_all = where.series_keys
    is_summer = np.ones(len(naive), dtype=bool)
    positions = np.flatnonzero(ambiguous)
    # only the rows of fall-back hours get here: a few per year and series
    groups: dict[tuple[object, pd.Timestamp], list[int]] = {}
    for pos in positions[np.argsort(lines[positions], kind="stable")]:
        groups.setdefault((keys_all[pos], naive.iloc[pos]), []).append(int(pos))
    for rows in groups.values():
        if len(rows) == 1 and where.merged is not None:
            where.merged.append(rows[0])  # read as the first occurrence; the caller spreads it
            continue
        if len(rows) != 2:
            raise where.fail(
                f"ambiguous timestamp {naive.iloc[rows[0]]:%Y-%m-%d %H:%M}: this wall-clock time "
                f"occurs twice in {tz} (clocks go back) but {len(rows)} row(s) of the series "
                "have it; expected both occurrences in time order, or a UTC offset such as "
                "+01:00",
                int(lines[rows[0]]),
            )
        is_summer[rows[1]] = False
    resolved: pd.Series[pd.Timestamp] = naive.dt.tz_localize(
        tz, ambiguous=is_summer, nonexistent="NaT"
    )
    # file order must be time order within each series' fall-back hour, or the guess is unsafe
    # (a merged row needs no guess: it is read as the first occurrence wherever it stands)
    paired = positions[~np.isin(positions, where.merged or [])]
    order = paired[np.argsort(lines[paired], kind="stable")]
    keys = keys_all[order]
    utc = resolved.iloc[order].dt.tz_convert("UTC").to_numpy()
    days = naive.iloc[order].dt.normalize().to_numpy()
    same = (keys[1:] == keys[:-1]) & (days[1:] == days[:-1])
    backwards = same & (utc[1:] <= utc[:-1])
    if backwards.any():
        pos = int(order[1:][np.argmax(backwards)])
        raise where.fail(
            f"ambiguous timestamp {naive.iloc[pos]:%Y-%m-%d %H:%M}: this wall-clock time occurs "
            f"twice in {tz} (clocks go back) and the rows of that hour are not in time order, so "
            "which is which cannot be told; expected them in time order, or UTC offsets",
            int(lines[pos]),
        )
    return resolved

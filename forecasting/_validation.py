"""Vectorised checks for input tables: decoding, column names, timestamps, numbers.

Every check works on whole columns and, on failure, raises :class:`~forecasting.errors.InputError`
naming the file, the *first* offending row (1-based file line, header = 1), the column, what was
found and what was expected, and how many more rows have the same problem. Nothing here loops in
Python over rows, except over the few rows of a daylight-saving fall-back hour.
"""

from __future__ import annotations

import io
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecasting.errors import ConfigError, InputError

_OFFSET = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)\s*$"
_EXAMPLE_TS = "ISO 8601 such as 2026-11-30T08:00 or 2026-11-30T08:00:00+04:00"


def check_tz(tz: str) -> str:
    """Return *tz* if it names an IANA time zone, else raise :class:`ConfigError`."""
    try:
        zoneinfo.ZoneInfo(str(tz))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone {tz!r}; expected an IANA name such as 'Asia/Dubai'"
        ) from None
    return str(tz)


def more(count: int) -> str:
    """``" (and N more rows)"`` when *count* > 1, else ``""``."""
    return f" (and {count - 1} more row{'s' if count > 2 else ''})" if count > 1 else ""


def first_bad(mask: np.ndarray, lines: np.ndarray) -> tuple[int, int, int]:
    """Position, file line and count of the True entries of *mask* (the first by file line)."""
    positions = np.flatnonzero(mask)
    first = positions[np.argmin(lines[positions])]
    return int(first), int(lines[first]), int(positions.size)


def decode_text(data: bytes, file: str) -> str:
    """Decode UTF-8 (a byte-order mark is fine); name the line of the first undecodable byte."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            "file is UTF-16 encoded; expected UTF-8 (save it as 'CSV UTF-8')", file=file, row=1
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start : exc.start + 1].hex()
        raise InputError(
            f"file is not valid UTF-8 (byte 0x{byte} cannot be decoded); expected UTF-8 text "
            "(save it as 'CSV UTF-8')",
            file=file,
            row=line,
        ) from None


def read_text_table(
    text: str, file: str, *, sep: str = ",", numeric: Sequence[str] = ()
) -> tuple[pd.DataFrame, np.ndarray]:
    """Read delimited *text* into a frame of strings (numeric columns as float where they parse).

    Parameters
    ----------
    text
        The decoded file.
    file
        Name used in error messages.
    sep
        Field separator.
    numeric
        Header names (as written) to read straight as float64 by the C parser when possible,
        which is much faster than parsing strings later; on failure they are read as strings.

    Returns
    -------
    frame, lines
        The rows (blank lines dropped) and the 1-based file line of each row.
    """
    if not text.strip():
        raise InputError(
            "file is empty; expected a header row (e.g. interval_start,offered) and data rows",
            file=file,
            row=1,
        )
    kwargs: dict[str, Any] = dict(
        sep=sep, skip_blank_lines=False, keep_default_na=False, na_values=[""], dtype=str
    )
    try:
        if numeric:
            dtypes: defaultdict[str, Any] = defaultdict(lambda: str)
            dtypes.update({name: "float64" for name in numeric})
            try:
                frame = pd.read_csv(io.StringIO(text), **{**kwargs, "dtype": dtypes})
            except ValueError:
                frame = pd.read_csv(io.StringIO(text), **kwargs)
        else:
            frame = pd.read_csv(io.StringIO(text), **kwargs)
    except pd.errors.ParserError as exc:
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if match:
            raise InputError(
                f"{match[3]} fields where the header has {match[1]}; expected one value per "
                "column (a stray separator or an unquoted text with a separator?)",
                file=file,
                row=int(match[2]),
            ) from None
        raise InputError(f"cannot read as CSV: {exc}", file=file) from None
    for col in frame.columns:
        if frame[col].dtype != np.float64:
            frame[col] = frame[col].fillna("")
    lines = np.arange(2, len(frame) + 2)
    # blank lines: every cell empty (numeric columns first: cheap, and usually settle it)
    blank = np.ones(len(frame), dtype=bool)
    text_columns = []
    for col in frame.columns:
        if frame[col].dtype == np.float64:
            blank &= frame[col].isna().to_numpy()
        else:
            text_columns.append(col)
    for col in text_columns:
        candidates = np.flatnonzero(blank)
        if not candidates.size:
            break
        cells = frame[col].iloc[candidates].astype("str").str.strip()
        blank[candidates] = (cells == "").to_numpy()
    if blank.any():
        frame = frame.loc[~blank].reset_index(drop=True)
        lines = lines[~blank]
    if frame.empty:
        raise InputError(
            "file has a header but no data rows; expected at least one row", file=file, row=2
        )
    return frame, lines


def normalise_columns(
    frame: pd.DataFrame, file: str, columns: Mapping[str, str] | None
) -> pd.DataFrame:
    """Rename columns: apply the *columns* mapping, then lower-case and strip every name.

    Mapping keys match case-insensitively and ignoring surrounding blanks. Raises when two
    columns end up with the same name.
    """
    mapping = {str(k).strip().lower(): str(v).strip().lower() for k, v in (columns or {}).items()}
    names = []
    for col in frame.columns:
        key = str(col).replace("\ufeff", "").strip().lower()
        names.append(mapping.get(key, key))
    seen: dict[str, str] = {}
    for original, name in zip(frame.columns, names, strict=True):
        if name in seen:
            raise InputError(
                f"columns {seen[name]!r} and {original!r} both give column {name!r}; expected "
                "each column once (column names are case-insensitive)",
                file=file,
                row=1,
                column=str(original),
            )
        seen[name] = str(original)
    out = frame.copy()
    out.columns = pd.Index(names)
    return out


def parse_numbers(
    values: pd.Series,
    lines: np.ndarray,
    *,
    file: str,
    column: str,
    required: bool,
    what: str = "a count >= 0",
) -> np.ndarray:
    """Parse a column of non-negative numbers; empty cells give NaN unless *required*."""
    if values.dtype.kind in "fiub":
        numbers = values.to_numpy(dtype=np.float64)
        text = None
    else:
        text = values.astype("str").str.strip()
        numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
    missing = np.isnan(numbers)
    if missing.any():
        empty = missing if text is None else (text == "").to_numpy()
        unreadable = missing & ~empty
        if unreadable.any():
            assert text is not None  # numeric input cannot be unreadable
            pos, row, count = first_bad(unreadable, lines)
            raise InputError(
                f"cannot read {text.iloc[pos]!r} as a number; expected {what}{more(count)}",
                file=file,
                row=row,
                column=column,
            )
        if required and empty.any():
            _, row, count = first_bad(empty, lines)
            raise InputError(
                f"empty cell; expected {what} (leave the whole row out to mark a missing "
                f"interval){more(count)}",
                file=file,
                row=row,
                column=column,
            )
    bad = ~np.isfinite(numbers) & ~missing
    bad |= numbers < 0
    if bad.any():
        pos, row, count = first_bad(bad, lines)
        raise InputError(
            f"value {numbers[pos]:g} is not allowed; expected {what}{more(count)}",
            file=file,
            row=row,
            column=column,
        )
    return numbers


def label_codes(
    values: pd.Series, lines: np.ndarray, *, file: str, column: str, what: str
) -> tuple[np.ndarray, list[str]]:
    """Strip a text column into integer codes and names; empty cells are an error.

    Works on the distinct values only (a history repeats a few channel and queue names).
    """
    codes, uniques = pd.factorize(values.astype("str"), use_na_sentinel=False)
    stripped = [str(u).strip() for u in np.asarray(uniques, dtype=object)]
    names = sorted(set(stripped))
    remap = np.array([names.index(x) for x in stripped], dtype=np.int64)
    out = remap[codes] if len(remap) else np.zeros(len(values), dtype=np.int64)
    if "" in names:
        empty = out == names.index("")
        _, row, count = first_bad(empty, lines)
        raise InputError(
            f"empty cell; expected {what}{more(count)}", file=file, row=row, column=column
        )
    return out, names


def _to_ns(stamps: pd.Series) -> pd.Series:
    return stamps.dt.as_unit("ns")


def to_datetimes(
    text: pd.Series, time_format: str | None
) -> tuple[pd.Series | None, pd.Series | None]:
    """Parse strings that may mix UTC offsets and naive times (NaT where unreadable).

    Returns ``(aware, naive)``: tz-aware values (UTC) where the string has an offset and naive
    values where it has none; either is ``None`` when no row is of its kind.
    """
    fmt = time_format or "ISO8601"
    text = text.reset_index(drop=True)
    try:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    except ValueError:
        has_offset = text.str.contains(_OFFSET, regex=True).to_numpy()
        aware = pd.to_datetime(text.where(has_offset, ""), format=fmt, errors="coerce", utc=True)
        naive = pd.to_datetime(text.where(~has_offset, ""), format=fmt, errors="coerce")
        return aware.where(pd.Series(has_offset)), naive.where(pd.Series(~has_offset))
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return parsed.dt.tz_convert("UTC"), None
    return None, parsed


def parse_timestamps(
    values: pd.Series,
    lines: np.ndarray,
    *,
    tz: str,
    file: str,
    column: str,
    series_keys: np.ndarray,
    time_format: str | None = None,
) -> pd.Series:
    """Parse timestamps to tz-aware datetimes in *tz* (nanosecond unit).

    Timestamps with a UTC offset are converted to *tz*; naive ones are wall-clock time in *tz*.
    A naive wall-clock time that does not exist (spring forward) is an error. One that occurs
    twice (fall back) is resolved from file order when, within its series (*series_keys*), each
    such time occurs twice and the rows of that hour are in time order (the first is the
    summer-time one); otherwise it is an "ambiguous timestamp" error.

    Parameters
    ----------
    values
        Strings, or datetimes (naive or tz-aware) for in-memory frames.
    lines
        File line of each row, for messages.
    tz
        IANA time zone of the wall-clock times.
    file, column
        Names for messages.
    series_keys
        One hashable key per row (e.g. ``"voice/all"``) within which file order is read.
    time_format
        ``strftime`` format of the strings; default ISO 8601.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return _to_ns(values.dt.tz_convert(tz)).reset_index(drop=True)
    if values.dtype.kind == "M":
        return _localize(values.reset_index(drop=True), lines, tz, file, column, series_keys)
    text = values.astype("str").reset_index(drop=True)
    empty = (text == "").to_numpy()
    if empty.any():
        _, row, count = first_bad(empty, lines)
        raise InputError(
            f"empty cell; expected a date-time ({_EXAMPLE_TS}){more(count)}",
            file=file,
            row=row,
            column=column,
        )
    fmt = time_format or "ISO8601"
    aware: pd.Series | None = None
    naive: pd.Series | None = None
    try:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    except ValueError:
        # a mix of offsets, or of naive and offset times: split the rows by kind
        has_offset = text.str.contains(_OFFSET, regex=True).to_numpy()
        parsed_aware = pd.to_datetime(
            text.where(has_offset, ""), format=fmt, errors="coerce", utc=True
        )
        parsed_naive = pd.to_datetime(text.where(~has_offset, ""), format=fmt, errors="coerce")
        aware = parsed_aware.where(pd.Series(has_offset))
        naive = parsed_naive.where(pd.Series(~has_offset))
        unreadable = (aware.isna() & naive.isna()).to_numpy()
    else:
        unreadable = parsed.isna().to_numpy()
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            aware = parsed
        else:
            naive = parsed
    if unreadable.any():
        pos, row, count = first_bad(unreadable, lines)
        expected = f"format {time_format!r}" if time_format else _EXAMPLE_TS
        raise InputError(
            f"cannot read {text.iloc[pos]!r} as a date-time; expected {expected}{more(count)}",
            file=file,
            row=row,
            column=column,
        )
    if naive is None:
        assert aware is not None
        return _to_ns(aware.dt.tz_convert(tz))
    if aware is None:
        return _localize(naive, lines, tz, file, column, series_keys)
    local_naive = _localize(
        naive.fillna(pd.Timestamp(0)),
        lines,
        tz,
        file,
        column,
        series_keys,
        skip=~naive.notna().to_numpy(),
    )
    return _to_ns(aware.dt.tz_convert(tz)).where(aware.notna(), local_naive)


def _localize(
    naive: pd.Series,
    lines: np.ndarray,
    tz: str,
    file: str,
    column: str,
    series_keys: np.ndarray,
    skip: np.ndarray | None = None,
) -> pd.Series:
    """Localize wall-clock times, resolving the fall-back hour from file order (see above)."""
    naive = naive.dt.as_unit("ns")
    skip = np.zeros(len(naive), dtype=bool) if skip is None else skip
    summer = naive.dt.tz_localize(tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="NaT")
    nonexistent = summer.isna().to_numpy() & ~skip
    if nonexistent.any():
        pos, row, count = first_bad(nonexistent, lines)
        raise InputError(
            f"local time {naive.iloc[pos]:%Y-%m-%d %H:%M} does not exist in {tz} (clocks "
            f"jump forward then); expected a real wall-clock time or a UTC offset{more(count)}",
            file=file,
            row=row,
            column=column,
        )
    winter = naive.dt.tz_localize(tz, ambiguous=np.zeros(len(naive), dtype=bool), nonexistent="NaT")
    ambiguous = (summer != winter).to_numpy() & ~skip
    if not ambiguous.any():
        return summer
    is_summer = np.ones(len(naive), dtype=bool)
    positions = np.flatnonzero(ambiguous)
    # only the rows of fall-back hours get here: a few per year and series
    groups: dict[tuple[Any, pd.Timestamp], list[int]] = {}
    for pos in positions[np.argsort(lines[positions], kind="stable")]:
        groups.setdefault((series_keys[pos], naive.iloc[pos]), []).append(int(pos))
    for rows in groups.values():
        if len(rows) != 2:
            raise InputError(
                f"ambiguous timestamp {naive.iloc[rows[0]]:%Y-%m-%d %H:%M}: this wall-clock time "
                f"occurs twice in {tz} (clocks go back) but {len(rows)} row(s) of the series "
                "have it; expected both occurrences in time order, or a UTC offset such as "
                "+01:00",
                file=file,
                row=int(lines[rows[0]]),
                column=column,
            )
        is_summer[rows[1]] = False
    resolved = naive.dt.tz_localize(tz, ambiguous=is_summer, nonexistent="NaT")
    # file order must be time order within each series' fall-back hour, or the guess is unsafe
    order = positions[np.argsort(lines[positions], kind="stable")]
    keys = series_keys[order]
    utc = resolved.iloc[order].dt.tz_convert("UTC").to_numpy()
    days = naive.iloc[order].dt.normalize().to_numpy()
    same = (keys[1:] == keys[:-1]) & (days[1:] == days[:-1])
    backwards = same & (utc[1:] <= utc[:-1])
    if backwards.any():
        pos = int(order[1:][np.argmax(backwards)])
        raise InputError(
            f"ambiguous timestamp {naive.iloc[pos]:%Y-%m-%d %H:%M}: this wall-clock time occurs "
            f"twice in {tz} (clocks go back) and the rows of that hour are not in time order, so "
            "which is which cannot be told; expected them in time order, or UTC offsets",
            file=file,
            row=int(lines[pos]),
            column=column,
        )
    return resolved

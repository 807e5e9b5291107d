"""CSV reading helpers shared by the scheduling readers (forecast, requirements, roster, counts).

Every problem becomes a :class:`scheduling.errors.InputError` naming the file, the 1-based file
line (header = line 1) and the column, never a bare ``KeyError``/``ValueError``.

Typical use::

    frame = read_csv_checked(path, required=["channel", "interval_start", "volume"])
    frame["interval_start"] = parse_timestamps(frame["interval_start"], tz="Asia/Dubai",
                                               file=str(path), column="interval_start")
    frame["volume"] = parse_numbers(frame["volume"], file=str(path), column="volume", min_value=0)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from scheduling.errors import InputError

_OFFSET_RE = r"(?:Z|[+-]\d{2}(?::?\d{2})?)$"
_HHMM_RE = re.compile(r"^(\d{1,2}):(\d{2})$")


def read_csv_checked(
    path: str | Path,
    required: Sequence[str],
    *,
    optional: Iterable[str] = (),
) -> pd.DataFrame:
    """Read a UTF-8 CSV as strings and check that the required columns are present.

    Parameters
    ----------
    path
        The CSV file.
    required
        Column names that must be present (case-sensitive, surrounding blanks stripped).
    optional
        Known optional columns; used only by :func:`extra_columns`.

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
            path, dtype=str, keep_default_na=True, skipinitialspace=True, encoding="utf-8"
        )
    except FileNotFoundError:
        raise InputError("file not found", file=name) from None
    except IsADirectoryError:
        raise InputError("is a directory, expected a CSV file", file=name) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"file is not valid UTF-8 ({exc.reason})", file=name) from None
    except pd.errors.EmptyDataError:
        raise InputError("file is empty (expected a header row)", file=name) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"not a valid CSV file: {exc}", file=name) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in required:
        if column not in frame.columns:
            raise InputError(
                f"missing required column (found: {', '.join(frame.columns)})",
                file=name,
                column=column,
            )
    return frame


def extra_columns(frame: pd.DataFrame, known: Iterable[str]) -> list[str]:
    """Columns of *frame* not in *known*, in file order (to print "ignored columns: ..." notes)."""
    known_set = set(known)
    return [c for c in frame.columns if c not in known_set]


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def parse_timestamps(
    values: pd.Series, *, tz: str, file: str | None = None, column: str = "interval_start"
) -> pd.Series:
    """Parse ISO 8601 strings to tz-aware timestamps in zone *tz* (``datetime64[ns, tz]``).

    Strings with a UTC offset (``2026-11-30T08:00:00+04:00`` or ``...Z``) are converted to *tz*;
    naive strings are read as wall-clock times in *tz*. A naive time that does not exist or is
    ambiguous in *tz* (a DST change) is an error: write such times with their offset.

    Parameters
    ----------
    values
        Strings, with a default RangeIndex as produced by :func:`read_csv_checked`.
    tz
        IANA zone name, e.g. ``"Asia/Dubai"``.
    file, column
        Used in error messages.

    Raises
    ------
    InputError
        Naming the first bad row (file line) and the column.
    """
    try:
        pd.Timestamp("2000-01-01").tz_localize(tz)
    except Exception:  # noqa: BLE001 - zoneinfo raises several types
        raise InputError(f"unknown time zone {tz!r}", file=file, column=column) from None
    text = values.astype("str").str.strip()
    missing = values.isna().to_numpy() | (text == "").to_numpy()
    if missing.any():
        raise InputError("empty timestamp", file=file, row=_first_bad(missing) + 2, column=column)
    has_offset = text.str.contains(_OFFSET_RE, regex=True).to_numpy(dtype=bool)
    out = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[ns, {tz}]")
    if has_offset.any():
        parsed = pd.to_datetime(text[has_offset], utc=True, format="ISO8601", errors="coerce")
        out.loc[has_offset] = parsed.dt.tz_convert(tz).dt.as_unit("ns")
    if (~has_offset).any():
        naive = pd.to_datetime(text[~has_offset], format="ISO8601", errors="coerce")
        bad_parse = naive.isna().to_numpy()
        if bad_parse.any():
            pos = np.flatnonzero(~has_offset)[_first_bad(bad_parse)]
            raise InputError(
                f"not an ISO 8601 timestamp: {text.iloc[pos]!r}",
                file=file,
                row=int(pos) + 2,
                column=column,
            )
        local = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        bad_local = local.isna().to_numpy()
        if bad_local.any():
            pos = np.flatnonzero(~has_offset)[_first_bad(bad_local)]
            raise InputError(
                f"local time {text.iloc[pos]!r} does not exist or is ambiguous in {tz} "
                "(daylight-saving change); write it with its UTC offset",
                file=file,
                row=int(pos) + 2,
                column=column,
            )
        out.loc[~has_offset] = local.dt.as_unit("ns")
    bad = out.isna().to_numpy()
    if bad.any():
        pos = _first_bad(bad)
        raise InputError(
            f"not an ISO 8601 timestamp: {text.iloc[pos]!r}", file=file, row=pos + 2, column=column
        )
    return out


def parse_numbers(
    values: pd.Series,
    *,
    file: str | None = None,
    column: str,
    min_value: float | None = None,
    allow_missing: bool = False,
    integer: bool = False,
) -> pd.Series:
    """Parse a column of numbers to ``float64``.

    Parameters
    ----------
    values
        Strings (or numbers), default RangeIndex.
    file, column
        Used in error messages.
    min_value
        Smallest allowed value (inclusive), or ``None``.
    allow_missing
        Whether empty cells are allowed (they become NaN).
    integer
        Whether values must be whole numbers.

    Raises
    ------
    InputError
        Naming the first bad row (file line) and the column.
    """
    raw = values.astype("str").str.strip()
    empty = values.isna().to_numpy() | (raw == "").to_numpy()
    numbers = pd.to_numeric(raw.where(~empty, None), errors="coerce").astype("float64")
    arr = numbers.to_numpy()
    not_number = np.isnan(arr) & ~empty
    if not_number.any():
        pos = _first_bad(not_number)
        raise InputError(f"not a number: {raw.iloc[pos]!r}", file=file, row=pos + 2, column=column)
    if empty.any() and not allow_missing:
        raise InputError("empty value", file=file, row=_first_bad(empty) + 2, column=column)
    finite = np.isfinite(arr) | np.isnan(arr)
    if not finite.all():
        pos = _first_bad(~finite)
        raise InputError("value is not finite", file=file, row=pos + 2, column=column)
    if min_value is not None:
        low = arr < min_value
        if low.any():
            pos = _first_bad(low)
            raise InputError(
                f"value {arr[pos]:g} is below the minimum {min_value:g}",
                file=file,
                row=pos + 2,
                column=column,
            )
    if integer:
        frac = ~np.isnan(arr) & (arr != np.round(arr))
        if frac.any():
            pos = _first_bad(frac)
            raise InputError(
                f"expected a whole number, got {arr[pos]:g}", file=file, row=pos + 2, column=column
            )
    return pd.Series(arr, index=values.index, dtype="float64")


def parse_text(
    values: pd.Series, *, file: str | None = None, column: str, default: str | None = None
) -> pd.Series:
    """Strip a text column; empty cells take *default* or are an error when it is ``None``."""
    text = values.astype("str").str.strip()
    empty = values.isna().to_numpy() | (text == "").to_numpy()
    if empty.any():
        if default is None:
            raise InputError("empty value", file=file, row=_first_bad(empty) + 2, column=column)
        text = text.where(~empty, default)
    return text.astype("str")


def parse_hhmm(value: str, *, what: str) -> int:
    """``"HH:MM"`` (``24:00`` allowed) to minutes after midnight; ``ValueError`` naming *what*."""
    match = _HHMM_RE.match(value.strip())
    if not match:
        raise ValueError(f"{what}: expected HH:MM, got {value!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes >= 60 or hours > 24 or (hours == 24 and minutes != 0):
        raise ValueError(f"{what}: not a time of day: {value!r}")
    return hours * 60 + minutes

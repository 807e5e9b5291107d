"""Vectorised checks for input tables: decoding, column names, timestamps, numbers.

Every check works on whole columns and, on failure, raises :class:`~forecasting.errors.InputError`
naming the file, the *first* offending row (1-based file line, header = 1), the column, what was
found and what was expected, and how many more rows have the same problem. The timestamp and
number parsers are the shared kernel's (:mod:`wfmcore.parse`), raising this library's errors.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from forecasting.errors import ConfigError, InputError
from wfmcore import parse as _parse
from wfmcore.defaults import FIRST_DATE, LAST_DATE
from wfmcore.parse import first_bad, more, to_datetimes

__all__ = [
    "CALENDAR_DATES",
    "HISTORY_DATES",
    "check_tz",
    "decode_text",
    "first_bad",
    "label_codes",
    "more",
    "normalise_columns",
    "parse_numbers",
    "parse_timestamps",
    "read_text_table",
    "to_datetimes",
]


#: The dates the calendar knows: the Umm al-Qura table of ``hijridate`` (Ramadan and Eid).
CALENDAR_DATES = (dt.date(1924, 8, 1), dt.date(2077, 11, 16))
#: The dates a history file may hold: what every input may hold and the calendar knows.
HISTORY_DATES = (max(FIRST_DATE, CALENDAR_DATES[0]), min(LAST_DATE, CALENDAR_DATES[1]))


def check_tz(tz: str) -> str:
    """Return *tz* if it names an IANA time zone, else raise :class:`ConfigError`."""
    return _parse.check_tz(tz, error=ConfigError)


def parse_numbers(
    values: pd.Series,
    lines: NDArray[np.int64],
    *,
    file: str,
    column: str,
    required: bool,
    what: str = "a count >= 0",
) -> NDArray[np.float64]:
    """Parse a column of non-negative numbers; empty cells give NaN unless *required*.

    :func:`wfmcore.parse.parse_numbers` with this library's :class:`InputError`.
    """
    return _parse.parse_numbers(
        values,
        lines,
        file=file,
        column=column,
        required=required,
        min_value=0.0,
        what=what,
        empty_hint=" (leave the whole row out to mark a missing interval)",
        error=InputError,
    )


def parse_timestamps(
    values: pd.Series,
    lines: NDArray[np.int64],
    *,
    tz: str,
    file: str,
    column: str,
    series_keys: NDArray[np.generic],
    time_format: str | None = None,
    dates: tuple[dt.date, dt.date] | None = HISTORY_DATES,
    merged: list[int] | None = None,
) -> pd.Series[pd.Timestamp]:
    """Parse timestamps to tz-aware datetimes in *tz*, resolving a fall-back hour per series.

    :func:`wfmcore.parse.parse_timestamps` with this library's :class:`InputError`; dates
    outside *dates* (default: those the calendar knows) are refused. *merged* collects the rows
    of a merged fall-back hour (see :func:`wfmcore.parse.parse_timestamps`).
    """
    return _parse.parse_timestamps(
        values,
        lines,
        tz=tz,
        file=file,
        column=column,
        series_keys=series_keys,
        time_format=time_format,
        dates=dates,
        error=InputError,
        merged=merged,
    )


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
) -> tuple[pd.DataFrame, NDArray[np.int64]]:
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
            dtypes: defaultdict[str, type[str] | str] = defaultdict(lambda: str)
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


def label_codes(
    values: pd.Series, lines: NDArray[np.int64], *, file: str, column: str, what: str
) -> tuple[NDArray[np.int64], list[str]]:
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

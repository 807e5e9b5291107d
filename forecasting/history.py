"""Interval history: read, validate, complete the grid and impute gaps.

A history file is a UTF-8 CSV with one row per (channel, queue, interval)::

    channel,queue,interval_start,offered,handled,abandoned,aht_s
    voice,residency,2026-11-29T08:00:00+04:00,41,38,3,312.5

Only ``interval_start`` and ``offered`` are required; ``channel`` defaults to ``voice`` and
``queue`` to ``all``. Column names are case-insensitive, and ``columns=`` maps another export's
names onto these. The result, :class:`History`, holds one long frame (the *history contract*):

=================  ==========================  =================================================
column             dtype                       meaning
=================  ==========================  =================================================
``channel``        str                         e.g. ``voice``
``queue``          str                         e.g. ``all``
``interval_start`` datetime64[ns, tz]          start of the interval, in the center's zone
``offered``        float64                     contacts that arrived
``handled``        float64                     answered (NaN when the file has no such column)
``abandoned``      float64                     hung up while waiting (NaN when absent)
``aht_s``          float64                     average handle time in seconds (NaN when absent)
``imputed``        bool                        the row was missing and its values are imputed
=================  ==========================  =================================================

sorted by channel, queue and interval_start, on a complete grid per series: every interval
between the first and the last row of the series is present exactly once (also across
daylight-saving changes: an export in naive local time that merges the doubled autumn hour into
one row per interval has each such row spread evenly over both occurrences, with a note).
Missing intervals *inside* opening hours are gaps: they are listed in
:attr:`History.gaps` and imputed (``imputed=True``) from the same interval of the week in the
neighbouring +-4 weeks, falling back to linear interpolation. Missing intervals *outside*
opening hours are zero by definition. Opening hours come from ``targets.toml`` per channel or,
when not configured, are inferred per channel from the data (an interval of the week is open when
it had contacts in at least half of the weeks, or is sparse but steady, like the night of a small
24/7 queue: see :mod:`forecasting._opening`) and the warnings say so.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from forecasting import _validation as v
from forecasting._opening import infer_open_slots
from forecasting.errors import ConfigError, InputError
from wfmcore import errors as _core
from wfmcore.defaults import DEFAULT_TZ, MINUTES_PER_DAY, MINUTES_PER_WEEK
from wfmcore.frames import HISTORY_COLUMNS as _FILE_COLUMNS
from wfmcore.frames import HISTORY_REQUIRED
from wfmcore.opening_hours import OpeningHours
from wfmcore.parse import SEPARATOR_NAMES, sniff_separator

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
#: File lines of rows, or UTC nanoseconds since the epoch.
IntArray = NDArray[np.int64]

__all__ = [
    "HISTORY_COLUMNS",
    "OUTLIER_FACTOR",
    "History",
    "read_history",
    "validate_history",
]

#: Column contract of :attr:`History.frame`, in order: the history file's columns
#: (:data:`wfmcore.frames.HISTORY_COLUMNS`) and ``imputed``.
HISTORY_COLUMNS: tuple[str, ...] = (*_FILE_COLUMNS, "imputed")
_REQUIRED = HISTORY_REQUIRED
_NUMERIC = ("offered", "handled", "abandoned", "aht_s")
# Statistics written by the ACD importer: known, not used for forecasting, no warning.
_KNOWN_EXTRA = re.compile(r"^(?:(?:answered|abandoned)_within_\d+s|\w+_s_sum|ivr_only|ignored)$")
_DEFAULT_CHANNEL = "voice"
_DEFAULT_QUEUE = "all"
_NS_PER_MIN = 60_000_000_000
_WEEK_MIN = MINUTES_PER_WEEK  # the name _validate uses
#: Neighbouring weeks on each side used to impute a missing interval.
IMPUTE_WEEKS = 4


@dataclass(frozen=True, slots=True)
class History:
    """Validated interval history on a complete grid.

    Attributes
    ----------
    frame
        The history contract (see the module docstring), sorted by channel, queue,
        interval_start.
    interval_min
        Interval length in minutes.
    tz
        IANA time zone of ``interval_start``.
    gaps
        Missing intervals inside opening hours: ``channel, queue, interval_start, offered``
        (the imputed value) and ``method`` (``"same_interval_of_week"`` or ``"interpolated"``).
        When imputation is off, they are listed here but left out of :attr:`frame`.
    warnings
        Notes for the planner (ignored columns, inferred opening hours, imputed gaps, ...).
    opening_hours
        Opening hours used per series ``(channel, queue)``, configured or inferred.
    source
        File name (or ``"<frame>"``) for messages.
    """

    frame: pd.DataFrame
    interval_min: int
    tz: str
    gaps: pd.DataFrame
    warnings: tuple[str, ...] = ()
    opening_hours: Mapping[tuple[str, str], OpeningHours] = field(default_factory=dict)
    source: str = "<frame>"

    @property
    def series(self) -> list[tuple[str, str]]:
        """The ``(channel, queue)`` pairs, sorted."""
        keys = self.frame[["channel", "queue"]].drop_duplicates()
        return [(str(c), str(q)) for c, q in keys.itertuples(index=False)]

    def summary(self) -> pd.DataFrame:
        """One row per series: its span, counts, totals and mean AHT.

        Returns
        -------
        pandas.DataFrame
            Columns: first, last, intervals, imputed, offered/handled/abandoned totals and the
            mean AHT (``aht_s``) weighted by handled contacts (else offered minus abandoned, else
            offered).
        """
        f = self.frame
        weight = _aht_weight(f)
        g = f.assign(
            _w=weight.where(f["aht_s"].notna(), 0.0), _wa=(weight * f["aht_s"]).fillna(0.0)
        ).groupby(["channel", "queue"], sort=True)
        out = pd.DataFrame(
            {
                "first": g["interval_start"].min(),
                "last": g["interval_start"].max(),
                "intervals": g.size(),
                "imputed": g["imputed"].sum(),
                "offered": g["offered"].sum(),
                "handled": g["handled"].sum(min_count=1),
                "abandoned": g["abandoned"].sum(min_count=1),
            }
        )
        wsum = g["_w"].sum()
        out["aht_s"] = (g["_wa"].sum() / wsum).where(wsum > 0)
        return out.reset_index()


# ----------------------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------------------
def read_history(
    path: str | Path,
    *,
    tz: str = DEFAULT_TZ,
    columns: Mapping[str, str] | None = None,
    interval_min: int | None = None,
    opening_hours: OpeningHours | Mapping[str, object] | None = None,
    impute: bool = True,
    max_gap_days: float = 14.0,
    time_format: str | None = None,
    sep: str | None = None,
    keep_outliers: bool = False,
) -> History:
    """Read and validate a history CSV.

    Parameters
    ----------
    path
        UTF-8 CSV (a byte-order mark is fine) with a header row.
    tz
        IANA zone of the center. Naive timestamps are wall-clock time there; timestamps with a
        UTC offset are converted to it.
    columns
        Maps the file's column names to contract names, e.g.
        ``{"Start Time": "interval_start", "Calls Offered": "offered"}`` (case-insensitive).
    interval_min
        Wanted interval length in minutes. ``None``: that of the file. A multiple of the file's
        interval aggregates (counts summed, AHT weighted by handled contacts, else by offered
        minus abandoned, else by offered).
    opening_hours
        One :class:`OpeningHours` for every channel, or a mapping channel -> OpeningHours (or
        its ``targets.toml`` spec), e.g. from :func:`~forecasting.opening_hours.load_opening_hours`.
        Channels without an entry get hours inferred from the data.
    impute
        Fill gaps (missing intervals inside opening hours) and mark them ``imputed``. When
        ``False`` they are only reported in :attr:`History.gaps`.
    max_gap_days
        A run of missing intervals longer than this many days splits the series; only the part
        after the last such run is kept (with a warning) instead of imputing weeks of data.
    time_format
        ``strftime`` format of ``interval_start`` when it is not ISO 8601.
    sep
        Field separator; ``None``: commas, or what the header line uses instead (semicolons,
        tabs; with a warning).
    keep_outliers
        Keep offered counts more than :data:`OUTLIER_FACTOR` times their series' 99th
        percentile. By default they are warned about (naming the rows), left out and imputed
        like missing intervals, so that they do not distort the models.

    Returns
    -------
    History

    Raises
    ------
    InputError
        Anything wrong in the file, naming the file, the first offending row (1-based line,
        header = 1), the column, and what was expected.
    ConfigError
        A bad option (unknown time zone, unsupported interval).
    """
    file = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=file) from None
    except IsADirectoryError:
        raise InputError("is a folder; expected a CSV file", file=file) from None
    except PermissionError:
        raise InputError("no permission to read the file", file=file) from None
    text = v.decode_text(data, file)
    header_line = text.split("\n", 1)[0]
    notes = []
    if sep is None:
        sep = sniff_separator(header_line)
        if sep != ",":
            notes.append(
                f"{file}: the fields are separated by {SEPARATOR_NAMES[sep]}, not commas; read "
                "as such"
            )
    header = next(csv.reader(io.StringIO(header_line), delimiter=sep), [])
    mapping = {
        str(k).strip().lower(): str(val).strip().lower() for k, val in (columns or {}).items()
    }
    numeric = []
    for name in header:
        key = name.replace("\ufeff", "").strip().lower()
        if mapping.get(key, key) in _NUMERIC:
            numeric.append(name)
    seen: set[str] = set()
    for name in header:
        key = name.replace("\ufeff", "").strip().lower()
        if key in seen:
            raise InputError(
                f"column {name!r} appears more than once; expected each column once (column "
                "names are case-insensitive)",
                file=file,
                row=1,
                column=name,
            )
        seen.add(key)
    frame, lines = v.read_text_table(text, file, sep=sep, numeric=numeric)
    return _validate(
        frame,
        lines,
        source=file,
        tz=tz,
        columns=columns,
        interval_min=interval_min,
        opening_hours=opening_hours,
        impute=impute,
        max_gap_days=max_gap_days,
        time_format=time_format,
        keep_outliers=keep_outliers,
        notes=notes,
    )


def validate_history(
    frame: pd.DataFrame,
    *,
    source: str = "<frame>",
    tz: str = DEFAULT_TZ,
    columns: Mapping[str, str] | None = None,
    interval_min: int | None = None,
    opening_hours: OpeningHours | Mapping[str, object] | None = None,
    impute: bool = True,
    max_gap_days: float = 14.0,
    time_format: str | None = None,
    keep_outliers: bool = False,
) -> History:
    """Validate an in-memory history frame, as :func:`read_history` does for a file.

    Row numbers in messages count as if the frame were written to CSV: the header is row 1, the
    frame's first row (by position) row 2. ``interval_start`` may hold strings or datetimes
    (naive = wall-clock time in *tz*). Other parameters as in :func:`read_history`.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(frame).__name__}", file=source)
    if frame.empty:
        raise InputError(
            "no data rows; expected at least one row",
            file=source,
            row=2 if len(frame.columns) else 1,
        )
    lines = np.arange(2, len(frame) + 2)
    return _validate(
        frame.reset_index(drop=True),
        lines,
        source=source,
        tz=tz,
        columns=columns,
        interval_min=interval_min,
        opening_hours=opening_hours,
        impute=impute,
        max_gap_days=max_gap_days,
        time_format=time_format,
        keep_outliers=keep_outliers,
    )


# ----------------------------------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------------------------------
def _validate(
    raw: pd.DataFrame,
    lines: IntArray,
    *,
    source: str,
    tz: str,
    columns: Mapping[str, str] | None,
    interval_min: int | None,
    opening_hours: OpeningHours | Mapping[str, object] | None,
    impute: bool,
    max_gap_days: float,
    time_format: str | None,
    keep_outliers: bool = False,
    notes: list[str] | None = None,
) -> History:
    """Validate a raw table step by step.

    Options, columns, series, numbers, timestamps, duplicates, outliers, interval, long gaps,
    opening hours, the complete grid, the wanted interval.
    """
    tz = v.check_tz(tz)
    _check_interval_option(interval_min)
    hours = _opening_hours_by_channel(opening_hours)
    warnings: list[str] = list(notes or [])
    table = _contract_columns(raw, source, columns, warnings)
    sid, names = _series_ids(table, lines, source)
    numbers = _numbers(table, lines, source, warnings)
    merged: list[int] = []
    stamps = v.parse_timestamps(
        table["interval_start"],
        lines,
        tz=tz,
        file=source,
        column="interval_start",
        series_keys=sid,
        time_format=time_format,
        merged=merged,
    )
    rows = _rows(sid, stamps, lines, numbers)
    if merged:
        rows, stamps = _spread_merged(rows, stamps, merged, names, tz, warnings)
    _check_duplicates(rows, stamps, names, source)
    rows = rows.sort_values(["_sid", "_t"], kind="stable").reset_index(drop=True)
    rows = _outliers(rows, names, source, keep_outliers, warnings)
    data_min = _infer_interval(rows, names, tz, source, interval_min)
    parts = _split_series(rows, names, tz, data_min, max_gap_days, warnings)
    channel_hours = _channel_hours(parts, hours, tz, data_min, warnings)
    configured = {ch for ch in channel_hours if hours.get(ch) is not None}
    out, gaps = _complete_all(
        parts, channel_hours, configured, tz, data_min, impute, source, warnings
    )
    out, final_min = _to_interval(out, source, tz, data_min, interval_min, warnings)
    return History(
        frame=_finish(out, tz),
        interval_min=final_min,
        tz=tz,
        gaps=_gaps_frame(gaps, tz),
        warnings=tuple(warnings),
        opening_hours={key: channel_hours[key[0]] for key in parts},
        source=source,
    )


def _check_interval_option(interval_min: int | None) -> None:
    if interval_min is not None and (int(interval_min) <= 0 or MINUTES_PER_DAY % int(interval_min)):
        raise ConfigError(
            f"interval of {interval_min} minutes is not supported; expected a divisor of a day "
            "such as 15, 30 or 60"
        )


def _contract_columns(
    raw: pd.DataFrame, source: str, columns: Mapping[str, str] | None, warnings: list[str]
) -> pd.DataFrame:
    """The table with contract column names.

    The required ones must be there; unknown extra ones are noted in *warnings*.
    """
    table = v.normalise_columns(raw, source, columns)
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        found = ", ".join(repr(str(c)) for c in raw.columns)
        raise InputError(
            f"missing required column {missing[0]!r}; found {found}. Expected at least "
            "interval_start and offered (map other names with --column FILE_NAME=NAME, or "
            "columns= in Python)",
            file=source,
            row=1,
            column=missing[0],
        )
    extra = [
        str(c) for c in table.columns if c not in HISTORY_COLUMNS and not _KNOWN_EXTRA.match(str(c))
    ]
    if extra:
        warnings.append(f"{source}: ignored unknown column(s) {', '.join(map(repr, extra))}")
    return table


def _series_ids(
    table: pd.DataFrame, lines: IntArray, source: str
) -> tuple[NDArray[np.intp], list[tuple[str, str]]]:
    """One integer per row naming its series, and the ``(channel, queue)`` of each number.

    Series are numbered in (channel, queue) name order (cheap to sort and group).
    """
    n = len(table)
    if "channel" in table:
        ch_codes, ch_names = v.label_codes(
            table["channel"], lines, file=source, column="channel", what="a channel name"
        )
    else:
        ch_codes, ch_names = np.zeros(n, dtype=np.int64), [_DEFAULT_CHANNEL]
    if "queue" in table:
        q_codes, q_names = v.label_codes(
            table["queue"], lines, file=source, column="queue", what="a queue name"
        )
    else:
        q_codes, q_names = np.zeros(n, dtype=np.int64), [_DEFAULT_QUEUE]
    pair_ids, sid = np.unique(ch_codes * len(q_names) + q_codes, return_inverse=True)
    names = [(ch_names[p // len(q_names)], q_names[p % len(q_names)]) for p in pair_ids]
    return sid.reshape(-1), names


def _numbers(
    table: pd.DataFrame, lines: IntArray, source: str, warnings: list[str]
) -> dict[str, FloatArray | BoolArray]:
    """The numeric columns (NaN when absent) and the ``imputed`` flags, totals checked.

    Counts that are not whole numbers (outside imputed rows) are noted in *warnings*.
    """
    numbers: dict[str, FloatArray] = {}
    for col in _NUMERIC:
        if col in table:
            what = "a duration in seconds >= 0" if col == "aht_s" else "a count >= 0"
            numbers[col] = v.parse_numbers(
                table[col], lines, file=source, column=col, required=col == "offered", what=what
            )
        else:
            numbers[col] = np.full(len(table), np.nan)
    imputed = (
        _parse_bool(table["imputed"], lines, source)
        if "imputed" in table
        else np.zeros(len(table), bool)
    )
    _check_totals(numbers, lines, source)
    for col in ("offered", "handled", "abandoned"):
        x = numbers[col]
        fractional = ~np.isnan(x) & (x != np.round(x)) & ~imputed
        if fractional.any():
            pos, row, count = v.first_bad(fractional, lines)
            warnings.append(
                f"{source}, row {row}, column '{col}': {x[pos]:g} is not a whole number of "
                f"contacts{v.more(count)}; read as it is (a count is expected)"
            )
    return {**numbers, "imputed": imputed}


#: An offered count more than this many times its series' 99th percentile is an outlier.
OUTLIER_FACTOR = 20.0
#: Series with fewer rows are not searched for outliers (their percentile says little).
OUTLIER_MIN_ROWS = 100


def _outliers(
    rows: pd.DataFrame,
    names: list[tuple[str, str]],
    source: str,
    keep: bool,
    warnings: list[str],
) -> pd.DataFrame:
    """Warn about outlying offered counts, naming the rows; drop them unless *keep*.

    An outlier is beyond :data:`OUTLIER_FACTOR` times its series' 99th percentile (at least
    1). Unless *keep*, outliers are left out: they become missing intervals, imputed like any
    gap.
    """
    sid = rows["_sid"].to_numpy()
    offered = rows["offered"].to_numpy()
    lines = rows["_line"].to_numpy()
    out = np.zeros(len(rows), dtype=bool)
    bounds = np.flatnonzero(np.diff(sid)) + 1
    for a, b in zip(np.r_[0, bounds], np.r_[bounds, len(rows)], strict=True):
        if b - a < OUTLIER_MIN_ROWS:
            continue
        limit = OUTLIER_FACTOR * max(float(np.percentile(offered[a:b], 99)), 1.0)
        flagged = offered[a:b] > limit
        if not flagged.any():
            continue
        out[a:b] = flagged
        pos, row, count = v.first_bad(flagged, lines[a:b])
        what = (
            "kept (--keep-outliers)"
            if keep
            else "left out of the model fitting and imputed like a missing interval (keep it "
            "with --keep-outliers)"
        )
        warnings.append(
            f"{source}, row {row}, column 'offered': {offered[a + pos]:g} contacts is an outlier "
            f"for {'/'.join(names[int(sid[a])])} (more than {OUTLIER_FACTOR:g} times its 99th "
            f"percentile, {limit / OUTLIER_FACTOR:g}){v.more(count)}; {what}"
        )
    if keep or not out.any():
        return rows
    return rows.loc[~out].reset_index(drop=True)


def _rows(
    sid: NDArray[np.intp],
    stamps: pd.Series,
    lines: IntArray,
    numbers: Mapping[str, FloatArray | BoolArray],
) -> pd.DataFrame:
    """One row per input row: series id, UTC nanoseconds, file line, and the numbers."""
    utc = stamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[ns]")
    return pd.DataFrame({"_sid": sid, "_t": utc.astype(np.int64), "_line": lines, **numbers})


def _split_series(
    rows: pd.DataFrame,
    names: list[tuple[str, str]],
    tz: str,
    data_min: int,
    max_gap_days: float,
    warnings: list[str],
) -> dict[tuple[str, str], pd.DataFrame]:
    """The sorted rows split per series, each without what precedes its last long gap."""
    sids = rows["_sid"].to_numpy()
    bounds = np.flatnonzero(np.diff(sids)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(rows)]])
    return {
        names[int(sids[a])]: _drop_before_long_gap(
            rows.iloc[a:b], "/".join(names[int(sids[a])]), tz, data_min, max_gap_days, warnings
        )
        for a, b in zip(starts, ends, strict=True)
    }


def _channel_hours(
    parts: Mapping[tuple[str, str], pd.DataFrame],
    hours: _ChannelHours,
    tz: str,
    data_min: int,
    warnings: list[str],
) -> dict[str, OpeningHours]:
    """Opening hours per channel.

    Configured, or inferred from the channel's pooled history (with a warning saying so).
    """
    channel_hours: dict[str, OpeningHours] = {}
    for ch in sorted({k[0] for k in parts}):
        configured = hours.get(ch)
        if configured is not None:
            channel_hours[ch] = configured
            continue
        pooled = pd.concat([p for k, p in parts.items() if k[0] == ch])
        totals = pooled.groupby("_t", sort=True)["offered"].sum()
        t = totals.index.to_numpy(dtype=np.int64)
        step = data_min * _NS_PER_MIN
        grid = np.arange(t[0], t[-1] + step, step, dtype=np.int64)
        pos = (t - t[0]) // step
        observed = np.zeros(grid.size, dtype=bool)
        observed[pos] = True
        inferred = _infer_hours(grid, observed, _scatter(grid.size, pos, totals), tz, data_min)
        channel_hours[ch] = inferred
        weeks = (t[-1] - t[0]) / (_WEEK_MIN * _NS_PER_MIN)
        warnings.append(
            f"{ch}: opening hours not configured; inferred from the history"
            f"{' (less than two weeks of it)' if weeks < 2 else ''}: {inferred}"
        )
    return channel_hours


def _complete_all(
    parts: Mapping[tuple[str, str], pd.DataFrame],
    channel_hours: Mapping[str, OpeningHours],
    configured: set[str],
    tz: str,
    data_min: int,
    impute: bool,
    source: str,
    warnings: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every series on its complete grid (gaps imputed unless *impute* is false), and the gaps.

    *configured* are the channels whose opening hours were given rather than inferred.
    """
    completed = [
        _complete_series(
            part,
            key,
            channel_hours[key[0]],
            key[0] in configured,
            tz,
            data_min,
            impute,
            source,
            warnings,
        )
        for key, part in parts.items()
    ]
    return (
        pd.concat([frame for frame, _ in completed], ignore_index=True),
        pd.concat([gaps for _, gaps in completed], ignore_index=True),
    )


def _to_interval(
    out: pd.DataFrame,
    source: str,
    tz: str,
    data_min: int,
    interval_min: int | None,
    warnings: list[str],
) -> tuple[pd.DataFrame, int]:
    """The completed rows at the wanted interval (a multiple of the data's) and its length."""
    if interval_min is None or int(interval_min) == data_min:
        return out, data_min
    if int(interval_min) % data_min:
        raise ConfigError(
            f"{source} has {data_min}-minute intervals; cannot make {interval_min}-minute "
            f"intervals (expected a multiple of {data_min})"
        )
    warnings.append(f"{source}: {data_min}-minute intervals summed to {int(interval_min)} minutes")
    return _aggregate(out, tz, int(interval_min)), int(interval_min)


def _gaps_frame(gaps: pd.DataFrame, tz: str) -> pd.DataFrame:
    """The imputed gaps as :attr:`History.gaps`."""
    return pd.DataFrame(
        {
            "channel": gaps["channel"].astype(str),
            "queue": gaps["queue"].astype(str),
            "interval_start": _from_ns(gaps["_t"].to_numpy(), tz),
            "offered": gaps["offered"].astype(float),
            "method": gaps["method"].astype(str),
        }
    )


def _opening_hours_by_channel(
    spec: OpeningHours | Mapping[str, object] | None,
) -> _ChannelHours:
    if spec is None:
        return _ChannelHours({}, None)
    if isinstance(spec, OpeningHours):
        return _ChannelHours({}, spec)
    if isinstance(spec, Mapping):
        hours = {}
        for channel, value in spec.items():
            try:
                hours[str(channel)] = OpeningHours.parse(value)
            except _core.ConfigError as exc:
                raise ConfigError(f"opening_hours of channel {channel!r}: {exc}") from None
        return _ChannelHours(hours, None)
    raise ConfigError(
        "opening_hours: expected an OpeningHours or a mapping channel -> opening hours, got "
        f"{type(spec).__name__}"
    )


@dataclass(frozen=True, slots=True)
class _ChannelHours:
    by_channel: dict[str, OpeningHours]
    everywhere: OpeningHours | None

    def get(self, channel: str) -> OpeningHours | None:
        return self.by_channel.get(channel, self.everywhere)


def _parse_bool(values: pd.Series, lines: IntArray, source: str) -> BoolArray:
    if values.dtype == bool:
        return values.to_numpy()
    text = values.astype("str").str.strip().str.lower()
    true = text.isin(["true", "1", "yes", "1.0"]).to_numpy()
    false = text.isin(["false", "0", "no", "", "0.0"]).to_numpy()
    bad = ~(true | false)
    if bad.any():
        pos, row, count = v.first_bad(bad, lines)
        raise InputError(
            f"cannot read {text.iloc[pos]!r} as true/false{v.more(count)}",
            file=source,
            row=row,
            column="imputed",
        )
    return true


def _check_totals(numbers: dict[str, FloatArray], lines: IntArray, source: str) -> None:
    handled = np.nan_to_num(numbers["handled"])
    abandoned = np.nan_to_num(numbers["abandoned"])
    offered = numbers["offered"]
    over = handled + abandoned > offered * (1 + 1e-9) + 1e-9
    if over.any():
        pos, row, count = v.first_bad(over, lines)
        has_h = not np.isnan(numbers["handled"][pos])
        has_a = not np.isnan(numbers["abandoned"][pos])
        parts = []
        if has_h:
            parts.append(f"handled ({handled[pos]:g})")
        if has_a:
            parts.append(f"abandoned ({abandoned[pos]:g})")
        raise InputError(
            f"{' + '.join(parts)} = {handled[pos] + abandoned[pos]:g} exceeds offered "
            f"({offered[pos]:g}); expected handled + abandoned <= offered{v.more(count)}",
            file=source,
            row=row,
            column="handled" if has_h else "abandoned",
        )


def _spread_merged(
    rows: pd.DataFrame,
    stamps: pd.Series,
    merged: list[int],
    names: list[tuple[str, str]],
    tz: str,
    warnings: list[str],
) -> tuple[pd.DataFrame, pd.Series]:
    """Spread each merged fall-back row evenly over the two occurrences of its wall-clock time.

    An export in naive local time that merges the doubled autumn hour (one row per wall-clock
    interval, as Avaya CMS writes it) counts both occurrences' contacts in that row. Halving
    its counts into the first (summer-time) and the second occurrence keeps the night's total
    what the ACD counted; both halves keep the row's AHT and are marked ``imputed`` (their
    split is an estimate). A note names each series and night.
    """
    pos = np.asarray(sorted(merged), dtype=np.intp)
    first = stamps.iloc[pos]
    second = first.dt.tz_localize(None).dt.tz_localize(tz, ambiguous=False)
    out = rows.copy()
    for col in ("offered", "handled", "abandoned"):
        values = out[col].to_numpy(dtype=np.float64, copy=True)
        values[pos] /= 2.0
        out[col] = values
    imputed = out["imputed"].to_numpy(dtype=bool, copy=True)
    imputed[pos] = True
    out["imputed"] = imputed
    later = out.iloc[pos].copy()
    later["_t"] = second.dt.tz_convert("UTC").dt.tz_localize(None).astype("int64").to_numpy()
    out = pd.concat([out, later], ignore_index=True)
    stamps = pd.concat([stamps, second], ignore_index=True)
    sids = rows["_sid"].to_numpy()
    nights: dict[tuple[int, dt.date], list[pd.Timestamp]] = {}
    for p, when in zip(pos, first, strict=True):
        nights.setdefault((int(sids[p]), when.date()), []).append(when)
    for (sid, day), whens in nights.items():
        warnings.append(
            f"{'/'.join(names[sid])}: the clocks went back in {tz} on the night of "
            f"{day - dt.timedelta(days=1)} to {day} and the file has one row for each of the "
            f"{len(whens)} interval(s) of the doubled hour ({min(whens):%H:%M}.."
            f"{max(whens):%H:%M}: an export that merges both occurrences); each was read as the "
            "total of both and spread evenly over them (half the contacts each, the same AHT; "
            "marked imputed)"
        )
    return out, stamps


def _check_duplicates(
    rows: pd.DataFrame, stamps: pd.Series, names: list[tuple[str, str]], source: str
) -> None:
    dup = rows.duplicated(["_sid", "_t"], keep=False).to_numpy()
    if not dup.any():
        return
    sub = rows.loc[dup].sort_values("_line")
    first = sub.drop_duplicates(["_sid", "_t"], keep="first")
    later = sub.loc[~sub.index.isin(first.index)]
    pos = int(later.index[0])
    sid, t = rows["_sid"].to_numpy()[pos], rows["_t"].to_numpy()[pos]
    partner = first.loc[(first["_sid"] == sid) & (first["_t"] == t), "_line"].iloc[0]
    name = "/".join(names[int(sid)])
    raise InputError(
        f"duplicate interval {stamps.iloc[pos].isoformat()} for {name} (also on row "
        f"{int(partner)}); expected one row per channel, queue and interval{v.more(len(later))}",
        file=source,
        row=int(rows["_line"].iloc[pos]),
        column="interval_start",
    )


def _local_offset_ns(utc_ns: IntArray, tz: str) -> IntArray:
    """Nanoseconds since local midnight (wall clock) of each UTC instant."""
    local = pd.DatetimeIndex(utc_ns.astype("datetime64[ns]"), tz="UTC").tz_convert(tz)
    naive = local.tz_localize(None).asi8
    return naive - local.normalize().tz_localize(None).asi8


def _local_naive_ns(utc_ns: IntArray, tz: str) -> IntArray:
    local = pd.DatetimeIndex(utc_ns.astype("datetime64[ns]"), tz="UTC").tz_convert(tz)
    return np.asarray(local.tz_localize(None).asi8)


def _mode(values: IntArray) -> int:
    uniq, counts = np.unique(values, return_counts=True)
    return int(uniq[np.argmax(counts)])


_CANDIDATE_MIN = (60, 30, 20, 15, 12, 10, 6, 5, 4, 3, 2, 1)
_MIXED_RUN = 4


def _infer_interval(
    rows: pd.DataFrame, names: list[tuple[str, str]], tz: str, source: str, wanted: int | None
) -> int:
    """The interval length of the file, then checks that every row is on its grid.

    The length is the candidate (a divisor of an hour) that best explains the data: the share
    of consecutive rows that many minutes apart plus the share of rows aligned to it.
    """
    t = rows["_t"].to_numpy()
    lines = rows["_line"].to_numpy()
    sid = rows["_sid"].to_numpy()
    same = sid[1:] == sid[:-1]
    diffs = (t[1:] - t[:-1])[same]
    offset = _local_offset_ns(t, tz)
    if diffs.size == 0:
        if wanted is None:
            raise InputError(
                "cannot tell the interval length from one row per series; pass the interval "
                "length (--interval)",
                file=source,
                row=int(lines.min()),
                column="interval_start",
            )
        step = int(wanted) * _NS_PER_MIN
    else:
        step = _best_step(diffs, offset)
        if step == 0 and wanted is not None and not np.any(offset % (wanted * _NS_PER_MIN)):
            step = int(wanted) * _NS_PER_MIN  # sparse rows on the asked-for grid
        if step == 0:
            typical = _mode(diffs) / _NS_PER_MIN
            raise InputError(
                f"rows are mostly {typical:g} minutes apart; expected intervals of at most 60 "
                "minutes that divide an hour (15, 30 or 60)",
                file=source,
                column="interval_start",
            )
        _check_mixed_runs(rows, names, t, same, step, source)
        _check_series_steps(rows, names, t, same, offset, step, source)
    step_min = step // _NS_PER_MIN
    off_grid = offset % step != 0
    if off_grid.any():
        pos, row, count = v.first_bad(off_grid, lines)
        minute_ns = offset[off_grid]
        finer = math.gcd(step, *[int(x) for x in np.unique(minute_ns)])
        when = pd.Timestamp(int(t[pos]), tz="UTC").tz_convert(tz)
        if count > 1 and finer % _NS_PER_MIN == 0 and MINUTES_PER_DAY % (finer // _NS_PER_MIN) == 0:
            raise InputError(
                f"mixed interval lengths: {when:%H:%M} starts a {finer // _NS_PER_MIN}-minute "
                f"interval but most of the file has {step_min}-minute intervals; expected one "
                f"interval length per file{v.more(count)}",
                file=source,
                row=row,
                column="interval_start",
            )
        raise InputError(
            f"timestamp {when:%Y-%m-%d %H:%M:%S} is off the {step_min}-minute grid; expected "
            f"interval starts at whole multiples of {step_min} minutes after midnight"
            f"{v.more(count)}",
            file=source,
            row=row,
            column="interval_start",
        )
    return step // _NS_PER_MIN


def _best_step(diffs: IntArray, offset: IntArray) -> int:
    """Candidate step (ns) maximising share-of-diffs-equal plus share-of-rows-aligned; 0: none."""
    best, step = -1.0, 0
    for minutes in _CANDIDATE_MIN:
        c = minutes * _NS_PER_MIN
        hits = diffs == c
        if not hits.any():
            continue
        score = float(hits.mean()) + float(np.mean(offset % c == 0))
        if score > best:
            best, step = score, c
    return step


def _check_series_steps(
    rows: pd.DataFrame,
    names: list[tuple[str, str]],
    t: IntArray,
    same: BoolArray,
    offset: IntArray,
    step: int,
    source: str,
) -> None:
    """Every series (with a few rows at least) must have the file's interval length."""
    starts = np.flatnonzero(np.concatenate([[True], ~same]))
    ends = np.append(starts[1:], len(t))
    for a, b in zip(starts, ends, strict=True):
        if b - a < _MIXED_RUN:
            continue
        own = _best_step(np.diff(t[a:b]), offset[a:b])
        if own and own != step:
            name = "/".join(names[int(rows["_sid"].to_numpy()[a])])
            raise InputError(
                f"mixed interval lengths: series {name} has {own // _NS_PER_MIN}-minute "
                f"intervals, the rest of the file {step // _NS_PER_MIN}-minute ones; expected one "
                "interval length per file",
                file=source,
                row=int(rows["_line"].iloc[a]),
                column="interval_start",
            )


def _check_mixed_runs(
    rows: pd.DataFrame,
    names: list[tuple[str, str]],
    t: IntArray,
    same: BoolArray,
    step: int,
    source: str,
) -> None:
    """Raise an :class:`InputError` where a series changes its interval length.

    A change is a run of rows *step* apart and a run of rows k * step apart (k >= 2, both at
    least ``_MIXED_RUN`` long); the error names the line where the later run starts.
    """
    k_steps = np.where(same, (t[1:] - t[:-1]), 0)
    boundaries = np.flatnonzero(np.diff(np.concatenate([[0], k_steps, [0]])) != 0)
    starts, ends = boundaries[:-1], boundaries[1:]
    lines = rows["_line"].to_numpy()
    sid = rows["_sid"].to_numpy()
    fine: dict[tuple[str, str], int] = {}
    coarse: dict[tuple[str, str], tuple[int, int]] = {}
    for a, b in zip(starts, ends, strict=True):
        value = int(k_steps[a])
        if value <= 0 or b - a < _MIXED_RUN:
            continue
        key = names[int(sid[a])]
        minutes = value // _NS_PER_MIN
        if value == step:
            fine.setdefault(key, int(a))
        elif value % step == 0 and value % _NS_PER_MIN == 0 and 60 % minutes == 0:
            coarse.setdefault(key, (int(a), minutes))
    for key, (a_coarse, minutes) in coarse.items():
        if key not in fine:
            continue
        a_fine = fine[key]
        later, first_len, later_len = (
            (a_fine, minutes, step // _NS_PER_MIN)
            if a_fine > a_coarse
            else (a_coarse, step // _NS_PER_MIN, minutes)
        )
        row = int(lines[later + 1])
        raise InputError(
            f"mixed interval lengths: series {key[0]}/{key[1]} has rows {first_len} minutes "
            f"apart, then from this row {later_len} minutes apart; expected one interval length "
            "per file",
            file=source,
            row=row,
            column="interval_start",
        )


# ----------------------------------------------------------------------------------------------
# grid completion, opening hours and imputation
# ----------------------------------------------------------------------------------------------
def _from_ns(utc_ns: IntArray, tz: str) -> pd.Series[pd.Timestamp]:
    idx = pd.DatetimeIndex(np.asarray(utc_ns, dtype=np.int64).astype("datetime64[ns]"), tz="UTC")
    return pd.Series(idx.tz_convert(tz), dtype=pd.DatetimeTZDtype("ns", tz))


def _infer_hours(
    grid: IntArray, observed: BoolArray, offered: FloatArray, tz: str, interval_min: int
) -> OpeningHours:
    """Infer the open slots of the week from the contacts per week and slot.

    See :func:`forecasting._opening.infer_open_slots`: busy in half of the weeks, or sparse but
    steady.
    """
    local_min = _local_naive_ns(grid, tz) // _NS_PER_MIN + 3 * MINUTES_PER_DAY
    # 1970-01-01 was a Thursday: +3 days makes slot 0 Monday 00:00
    week = local_min // MINUTES_PER_WEEK
    week = week - week.min()
    slot = (local_min % MINUTES_PER_WEEK) // interval_min
    n_slots = MINUTES_PER_WEEK // interval_min
    counts = np.full((int(week.max()) + 1, n_slots), np.nan)
    counts[week[observed], slot[observed]] = offered[observed]
    is_open = infer_open_slots(counts, interval_min)
    return OpeningHours.from_slots(
        is_open.reshape(7, MINUTES_PER_DAY // interval_min), interval_min
    )


def _drop_before_long_gap(
    part: pd.DataFrame,
    name: str,
    tz: str,
    interval_min: int,
    max_gap_days: float,
    warnings: list[str],
) -> pd.DataFrame:
    """Keep the rows after the last run of missing rows longer than *max_gap_days*.

    Imputing weeks or months would invent data; the older part is dropped with a warning.
    """
    t = part["_t"].to_numpy()
    step = interval_min * _NS_PER_MIN
    jumps = np.flatnonzero(np.diff(t) > max_gap_days * MINUTES_PER_DAY * _NS_PER_MIN + step)
    if not jumps.size:
        return part
    cut = int(jumps[-1]) + 1
    before = pd.Timestamp(int(t[cut - 1]), tz="UTC").tz_convert(tz)
    after = pd.Timestamp(int(t[cut]), tz="UTC").tz_convert(tz)
    warnings.append(
        f"{name}: no rows from {before:%Y-%m-%d %H:%M} to {after:%Y-%m-%d %H:%M} "
        f"(more than {max_gap_days:g} days); the {cut} rows before were dropped"
    )
    return part.iloc[cut:]


def _complete_series(
    part: pd.DataFrame,
    key: tuple[str, str],
    hours: OpeningHours,
    configured: bool,
    tz: str,
    interval_min: int,
    impute: bool,
    source: str,
    warnings: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    name = f"{key[0]}/{key[1]}"
    step = interval_min * _NS_PER_MIN
    t = part["_t"].to_numpy()
    first, last = int(t[0]), int(t[-1])
    grid = np.arange(first, last + step, step, dtype=np.int64)
    pos = (t - first) // step
    observed = np.zeros(grid.size, dtype=bool)
    observed[pos] = True
    # extend to whole local days with closed intervals (zero by definition)
    head, tail = _closed_edges(first, last, step, hours, tz, interval_min)
    grid = np.concatenate([head, grid, tail])
    pos = pos + head.size
    observed = np.concatenate([np.zeros(head.size, bool), observed, np.zeros(tail.size, bool)])
    is_open = hours.is_open(_from_ns(grid, tz), interval_min)
    lines = part["_line"].to_numpy()
    busy_closed = ~is_open[pos] & (part["offered"].to_numpy() > 0)
    if busy_closed.any() and configured:
        warnings.append(
            f"{source}: row {int(lines[busy_closed].min())}: {name} has contacts in "
            f"{int(busy_closed.sum())} interval(s) outside its opening hours ({hours}); kept as "
            "they are"
        )
    gap = ~observed & is_open
    values = {c: _scatter(grid.size, pos, part[c]) for c in _NUMERIC}
    closed_missing = ~observed & ~is_open
    for c in ("offered", "handled", "abandoned"):
        has_column = part[c].notna().any()
        values[c][closed_missing] = 0.0 if (c == "offered" or has_column) else np.nan
    imputed = np.zeros(grid.size, dtype=bool)
    imputed[pos] = part["imputed"].to_numpy()
    method = np.full(int(gap.sum()), "", dtype=object)
    if gap.any():
        method = _impute(values, observed, gap, grid, tz, interval_min)
        imputed |= gap
        first_gap = pd.Timestamp(int(grid[gap][0]), tz="UTC").tz_convert(tz)
        open_count = int(is_open.sum())
        share = gap.sum() / max(open_count, 1)
        note = (
            "; if the export leaves out intervals without contacts, configure opening hours "
            "or fill those rows with zeros"
            if share > 0.05
            else ""
        )
        warnings.append(
            f"{name}: {int(gap.sum())} missing interval(s) inside opening hours "
            f"{'imputed' if impute else 'left out'} (first {first_gap.isoformat()}; "
            f"{share:.1%} of open intervals){note}"
        )
    gaps = pd.DataFrame(
        {
            "channel": key[0],
            "queue": key[1],
            "_t": grid[gap],
            "offered": values["offered"][gap],
            "method": method,
        }
    )
    keep = np.ones(grid.size, dtype=bool) if impute else ~gap
    out = pd.DataFrame(
        {
            "channel": key[0],
            "queue": key[1],
            "_t": grid[keep],
            **{c: values[c][keep] for c in _NUMERIC},
            "imputed": imputed[keep],
        }
    )
    return out, gaps


def _scatter(size: int, pos: IntArray, values: pd.Series) -> FloatArray:
    out = np.full(size, np.nan)
    out[pos] = values.to_numpy(dtype=np.float64)
    return out


def _closed_edges(
    first: int, last: int, step: int, hours: OpeningHours, tz: str, interval_min: int
) -> tuple[IntArray, IntArray]:
    """Closed intervals from local midnight up to *first*, and after *last* to the day's end."""
    day_start = _local_day_bound(first, tz, end=False)
    day_end = _local_day_bound(last, tz, end=True)
    head = np.arange(first - step, day_start - 1, -step, dtype=np.int64)[::-1]
    tail = np.arange(last + step, day_end, step, dtype=np.int64)
    if head.size:
        open_head = hours.is_open(_from_ns(head, tz), interval_min)
        # keep only the closed run right before `first`
        keep_from = np.flatnonzero(open_head)[-1] + 1 if open_head.any() else 0
        head = head[keep_from:]
    if tail.size:
        open_tail = hours.is_open(_from_ns(tail, tz), interval_min)
        keep_to = np.flatnonzero(open_tail)[0] if open_tail.any() else tail.size
        tail = tail[:keep_to]
    return head, tail


def _local_day_bound(utc_ns: int, tz: str, *, end: bool) -> int:
    local = pd.Timestamp(utc_ns, tz="UTC").tz_convert(tz)
    day = local.normalize().tz_localize(None)
    if end:
        day = day + pd.Timedelta(days=1)
    bound = pd.Series([day]).dt.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    return int(bound.dt.tz_convert("UTC").dt.tz_localize(None).astype("int64").iloc[0])


def _impute(
    values: dict[str, FloatArray],
    observed: BoolArray,
    gap: BoolArray,
    grid: IntArray,
    tz: str,
    interval_min: int,
) -> NDArray[np.object_]:
    """Fill *gap* positions in place; returns the method used per gap."""
    local_min = _local_naive_ns(grid, tz) // _NS_PER_MIN + 3 * MINUTES_PER_DAY  # Monday-based
    week = local_min // MINUTES_PER_WEEK
    week = week - week.min()
    slot = (local_min % MINUTES_PER_WEEK) // interval_min
    n_weeks, n_slots = int(week.max()) + 1, MINUTES_PER_WEEK // interval_min
    gap_pos = np.flatnonzero(gap)
    obs_pos = np.flatnonzero(observed)
    offsets = np.array([k for k in range(-IMPUTE_WEEKS, IMPUTE_WEEKS + 1) if k], dtype=int)
    nb_week = week[gap_pos][:, None] + offsets[None, :]
    inside = (nb_week >= 0) & (nb_week < n_weeks)
    nb_week = np.clip(nb_week, 0, n_weeks - 1)
    nb_slot = np.broadcast_to(slot[gap_pos][:, None], nb_week.shape)
    method = np.full(gap_pos.size, "same_interval_of_week", dtype=object)
    for col, arr in values.items():
        table = np.full((n_weeks, n_slots), np.nan)
        table[week[obs_pos], slot[obs_pos]] = arr[obs_pos]
        nb = np.where(inside, table[nb_week, nb_slot], np.nan)
        ok = ~np.isnan(nb)
        count = ok.sum(axis=1)
        mean = np.where(ok, nb, 0.0).sum(axis=1) / np.maximum(count, 1)
        filled = np.where(count > 0, mean, np.nan)
        fallback = count == 0
        if fallback.any():
            known = obs_pos[~np.isnan(arr[obs_pos])]
            if known.size:
                filled[fallback] = np.interp(gap_pos[fallback], known, arr[known])
            if col == "offered":
                method[fallback] = "interpolated"
        arr[gap_pos] = filled
    # keep handled + abandoned <= offered after imputing each on its own
    handled = np.nan_to_num(values["handled"][gap_pos])
    abandoned = np.nan_to_num(values["abandoned"][gap_pos])
    total = handled + abandoned
    offered = values["offered"][gap_pos]
    scale = np.divide(offered, total, out=np.ones_like(total), where=total > offered)
    values["handled"][gap_pos] = values["handled"][gap_pos] * scale
    values["abandoned"][gap_pos] = values["abandoned"][gap_pos] * scale
    return method


def _aggregate(out: pd.DataFrame, tz: str, interval_min: int) -> pd.DataFrame:
    step = interval_min * _NS_PER_MIN
    t = out["_t"].to_numpy()
    start = t - _local_offset_ns(t, tz) % step
    weight = _aht_weight(out).fillna(0.0)
    work = out.assign(
        _t=start,
        _wa=(weight * out["aht_s"]).where(out["aht_s"].notna(), 0.0),
        _w=weight.where(out["aht_s"].notna(), 0.0),
    )
    g = work.groupby(["channel", "queue", "_t"], sort=True)
    agg = g[["offered", "_wa", "_w"]].sum()
    agg[["handled", "abandoned"]] = g[["handled", "abandoned"]].sum(min_count=1)
    agg["imputed"] = g["imputed"].any()
    agg = agg.reset_index()
    agg["aht_s"] = (agg["_wa"] / agg["_w"]).where(agg["_w"] > 0)
    return agg.drop(columns=["_wa", "_w"])


def _aht_weight(frame: pd.DataFrame) -> pd.Series:
    """Weights of the AHT: handled, else offered minus abandoned (>= 0), else offered."""
    answered = (frame["offered"] - frame["abandoned"]).clip(lower=0.0)
    fallback = answered.where(answered.notna(), frame["offered"])
    return frame["handled"].where(frame["handled"].notna(), fallback)


def _finish(out: pd.DataFrame, tz: str) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "channel": out["channel"].astype(str),
            "queue": out["queue"].astype(str),
            "interval_start": _from_ns(out["_t"].to_numpy(), tz),
            "offered": out["offered"].astype(np.float64),
            "handled": out["handled"].astype(np.float64),
            "abandoned": out["abandoned"].astype(np.float64),
            "aht_s": out["aht_s"].astype(np.float64),
            "imputed": out["imputed"].astype(bool),
        }
    )
    return frame  # series were completed in (channel, queue) order, each in time order

"""Per-contact ACD records to interval history.

An ACD (automatic call distributor) export has one row per contact: when it arrived, its queue
(or service type), how long it waited, how long it was handled, and how it ended. An
:class:`AcdFormat` names those columns for one export; :data:`ANONYMOUS_BANK` is the preset for
the Anonymous Bank 1999 files (Technion SEE lab; tab-separated, dates ``YYMMDD``, times
``H:MM:SS``).

Definitions (those of the published Anonymous Bank aggregation):

- a contact is binned on its *arrival time* (for Anonymous Bank ``vru_exit``, when the caller
  leaves the voice menu; when it is earlier than ``vru_entry`` the call crossed midnight: +1 day);
- **handled** = an answered outcome (``AGENT``);
- **abandoned** = an abandon outcome (``HANG``) *after joining the queue* (``q_start`` is not
  ``0:00:00``); an abandon that never reached the queue is ``ivr_only``;
- **offered** = handled + abandoned (contacts offered to agents); ``ignored`` outcomes
  (``PHANTOM``) count in no total but their own column;
- **aht_s** = total handle time of handled contacts / handled;
- **answered_within_<T>s** = handled contacts with wait <= T seconds (not queued = 0 s wait);
  **abandoned_within_<T>s** likewise for abandoned ones (their wait is the time to abandon);
- **handle_s_sum**, **wait_handled_s_sum**, **wait_abandoned_s_sum**: sums in seconds.

Each contact must appear once: a record with the id of an earlier one (the format's
``id_columns``; for Anonymous Bank ``vru+line`` and ``call_id``) is an error naming both rows, so
that an export given twice is not counted twice; a format without ids warns about records whose
every field repeats an earlier one. Records dated before 1970 or after tomorrow are refused with
their row: an ACD export holds contacts that happened.

Output rows cover every interval of every day that has at least one record (zero where no contact
arrived), for every queue seen; days without any record (missing from the export) stay missing so
that :func:`forecasting.history.read_history` reports and imputes them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from forecasting import _validation as v
from forecasting.errors import ConfigError, InputError
from wfmcore.defaults import DEFAULT_TZ, FIRST_DATE, MINUTES_PER_DAY
from wfmcore.parse import SEPARATOR_NAMES, sniff_separator

__all__ = [
    "ACD_FORMATS",
    "ANONYMOUS_BANK",
    "AcdFormat",
    "AcdImport",
    "aggregate_acd",
    "read_acd",
    "read_acd_records",
]

_NS_PER_S = 1_000_000_000
_NS_PER_MIN = 60 * _NS_PER_S
_Note = tuple[int, str | None, str]  # (file line, column or None, what is wrong)
#: Rows with the header's field count, their file lines, notes on the other rows, their count.
_Rows = tuple[pd.DataFrame, NDArray[np.int64], list[_Note], int]
_FRACTIONAL_CLOCK = r"^\d{1,2}:\d{2}:\d{2}(?:\.\d+)?$"


@dataclass(frozen=True, slots=True)
class AcdFormat:
    """How to read one ACD export (column names as in its header, case-sensitive).

    Attributes
    ----------
    name
        Preset name (``--format``).
    sep
        Field separator.
    arrival_column
        Time the contact is binned on: a time of day (``H:MM:SS``) when ``date_column`` is set,
        else a full date-time.
    date_column, date_format
        Date of the contact and its ``strftime`` format; ``None`` when ``arrival_column`` holds
        date-times.
    arrival_format
        ``strftime`` format of ``arrival_column`` when it holds date-times (default ISO 8601).
    rollover_column
        An earlier time of day on the same record (e.g. VRU entry): when the arrival time is
        before it, the contact crossed midnight and its date is the next day.
    queue_column
        Queue or service type; ``None`` puts every contact in queue ``default_queue``.
    outcome_column
        How the contact ended.
    answered_outcomes, abandoned_outcomes, ignored_outcomes
        Outcome values (compared after stripping blanks) meaning answered, hung up, and not a
        contact (e.g. ghost calls). Any other value is a malformed row.
    queued_column, not_queued_values
        A column telling whether the contact joined the agent queue, and the values meaning it
        did not (an abandon that never queued is ``ivr_only``, not abandoned). ``None``: every
        abandon counts.
    wait_column, handle_column
        Wait in queue and handle (talk) time of the contact, in seconds, or ``H:MM:SS``.
    channel, default_queue
        Channel of every record; queue used when ``queue_column`` is ``None``.
    tz
        Zone of the wall-clock times when the caller gives none.
    id_columns
        Columns that together identify a contact (a record repeating an earlier one's id is an
        error); empty when the export has no ids (records repeating every field are warned
        about).
    """

    name: str
    arrival_column: str
    outcome_column: str
    wait_column: str
    handle_column: str
    sep: str = ","
    date_column: str | None = None
    date_format: str | None = None
    arrival_format: str | None = None
    rollover_column: str | None = None
    queue_column: str | None = None
    answered_outcomes: tuple[str, ...] = ("answered",)
    abandoned_outcomes: tuple[str, ...] = ("abandoned",)
    ignored_outcomes: tuple[str, ...] = ()
    queued_column: str | None = None
    not_queued_values: tuple[str, ...] = ()
    channel: str = "voice"
    default_queue: str = "all"
    tz: str = DEFAULT_TZ
    id_columns: tuple[str, ...] = ()

    @property
    def required_columns(self) -> tuple[str, ...]:
        """Columns the export must have."""
        cols = [
            self.date_column,
            self.arrival_column,
            self.rollover_column,
            self.queue_column,
            self.outcome_column,
            self.queued_column,
            self.wait_column,
            self.handle_column,
            *self.id_columns,
        ]
        return tuple(c for c in cols if c is not None)


#: The Anonymous Bank (Israel, 1999) per-call files of the Technion SEE lab.
ANONYMOUS_BANK = AcdFormat(
    name="anonymous_bank",
    sep="\t",
    date_column="date",
    date_format="%y%m%d",
    arrival_column="vru_exit",
    rollover_column="vru_entry",
    queue_column="type",
    outcome_column="outcome",
    answered_outcomes=("AGENT",),
    abandoned_outcomes=("HANG",),
    ignored_outcomes=("PHANTOM",),
    queued_column="q_start",
    not_queued_values=("0:00:00",),
    wait_column="q_time",
    handle_column="ser_time",
    channel="voice",
    tz="Asia/Jerusalem",
    id_columns=("vru+line", "call_id"),
)

#: Presets by name, for ``wfm history import-acd --format``.
ACD_FORMATS: dict[str, AcdFormat] = {ANONYMOUS_BANK.name: ANONYMOUS_BANK}


@dataclass(frozen=True, slots=True)
class AcdImport:
    """Result of :func:`read_acd`.

    Attributes
    ----------
    frame
        Interval history: ``channel, queue, interval_start, offered, handled, abandoned, aht_s``
        then ``ivr_only, ignored, handle_s_sum, wait_handled_s_sum, wait_abandoned_s_sum`` and
        ``answered_within_<T>s``, ``abandoned_within_<T>s`` per threshold T.
    records
        Contacts read (all outcomes).
    skipped
        Malformed rows skipped.
    warnings
        One line per skipped row (file and line) and other notes.
    missing_days
        Dates inside the span without any record (left missing).
    """

    frame: pd.DataFrame
    records: int
    skipped: int
    warnings: tuple[str, ...] = ()
    missing_days: tuple[pd.Timestamp, ...] = field(default_factory=tuple)


def _strip(values: pd.Series) -> NDArray[np.object_]:
    """Strip blanks; done on the distinct values, as exports repeat few of them."""
    codes, uniques = pd.factorize(values.astype("str"), use_na_sentinel=False)
    return np.array([str(u).strip() for u in np.asarray(uniques, dtype=object)], dtype=object)[
        codes
    ]


def _seconds(values: pd.Series) -> NDArray[np.float64]:
    """Durations as float seconds: plain numbers, or ``H:MM:SS``; NaN where unreadable."""
    text = pd.Series(_strip(values), dtype="str")
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    clock = np.isnan(numbers)
    if clock.any():
        numbers[clock] = _time_of_day_ns(text[clock], limit=False) / _NS_PER_S
        numbers[clock & (numbers < 0)] = np.nan
    return numbers


def _clock_ns(text: NDArray[np.object_]) -> NDArray[np.int64]:
    """Fast path for ``H:MM:SS`` / ``HH:MM:SS``: nanoseconds, -1 where the layout differs."""
    fixed = np.char.rjust(text.astype("U9"), 8, "0")
    width = fixed.dtype.itemsize // 4
    if width != 8:  # some value is longer than HH:MM:SS
        fixed = np.where(np.char.str_len(fixed) == 8, fixed, "x").astype("U8")
    code = fixed.view(np.uint32).reshape(-1, 8).astype(np.int64) - 48
    digits = np.delete(code, [2, 5], axis=1)
    ok = ((digits >= 0) & (digits <= 9)).all(axis=1)
    ok &= (code[:, 2] == ord(":") - 48) & (code[:, 5] == ord(":") - 48)
    minutes = code[:, 3] * 10 + code[:, 4]
    seconds = code[:, 6] * 10 + code[:, 7]
    ok &= (minutes < 60) & (seconds < 60)
    total = (code[:, 0] * 10 + code[:, 1]) * 3600 + minutes * 60 + seconds
    return np.where(ok, total * _NS_PER_S, -1)


def _time_of_day_ns(values: pd.Series, *, limit: bool = True) -> NDArray[np.int64]:
    """``H:MM:SS`` to nanoseconds after midnight (-1 where unreadable or out of range)."""
    text = values.astype("str").to_numpy(dtype=object)
    ns = _clock_ns(text)
    retry = ns < 0
    if retry.any():  # blanks around the value, or fractions of seconds
        stripped = pd.Series(_strip(pd.Series(text[retry])), dtype="str")
        again = _clock_ns(stripped.to_numpy(dtype=object))
        fractional = stripped.str.match(_FRACTIONAL_CLOCK).to_numpy() & (again < 0)
        if fractional.any():
            parsed = pd.to_timedelta(stripped[fractional], errors="coerce")
            seconds = parsed.dt.total_seconds().to_numpy()
            minutes_ok = stripped[fractional].str.split(":").str[1].astype(int).to_numpy() < 60
            again[fractional] = np.where(minutes_ok, (seconds * _NS_PER_S).astype(np.int64), -1)
        ns[retry] = again
    if limit:
        ns = np.where(ns >= 86_400 * _NS_PER_S, -1, ns)
    return ns


def _read_rows(path: Path, fmt: AcdFormat) -> _Rows:
    """Rows with the header's field count, their file lines, notes on the others, their count."""
    file = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=file) from None
    except IsADirectoryError:
        raise InputError("is a directory; expected an export file", file=file) from None
    except PermissionError:
        raise InputError("no permission to read the file", file=file) from None
    text = v.decode_text(data, file)
    if not text.strip():
        raise InputError(
            "file is empty; expected a header row and one row per contact", file=file, row=1
        )
    header_line = text.split("\n", 1)[0]
    found = sniff_separator(header_line, fmt.sep)
    if found != fmt.sep:
        raise InputError(
            f"the fields are separated by {SEPARATOR_NAMES.get(found, repr(found))}, not "
            f"{SEPARATOR_NAMES.get(fmt.sep, repr(fmt.sep))}; expected the layout of the "
            f"{fmt.name!r} format",
            file=file,
            row=1,
        )
    if '"' in text:
        frame, lines, notes, skipped = _split_quoted(text, fmt.sep)
    else:
        frame, lines, notes, skipped = _split_plain(text, fmt.sep)
    header = [str(h).strip() for h in frame.columns]
    frame.columns = pd.Index(header)
    missing = [c for c in fmt.required_columns if c not in header]
    if missing:
        raise InputError(
            f"missing column {missing[0]!r} of the {fmt.name!r} format; found "
            f"{', '.join(map(repr, header))}",
            file=file,
            row=1,
            column=missing[0],
        )
    if frame.empty:
        raise InputError("no contact rows; expected one row per contact", file=file, row=2)
    return frame, lines, notes, skipped


def _split_plain(text: str, sep: str) -> _Rows:
    """Unquoted exports: count separators per line, let the C parser read the good lines."""
    physical = text.split("\n")
    width = physical[0].count(sep)
    counts = np.fromiter(
        (line.count(sep) for line in physical), dtype=np.int64, count=len(physical)
    )
    blank = np.fromiter((not line.strip() for line in physical), dtype=bool, count=len(physical))
    good = (counts == width) & ~blank
    good[0] = False
    bad = np.flatnonzero(~good & ~blank)
    bad = bad[bad > 0]
    notes: list[_Note] = [
        (int(i) + 1, None, f"{counts[i] + 1} fields where the header has {width + 1}") for i in bad
    ]
    body = "\n".join([physical[0], *(physical[i] for i in np.flatnonzero(good))])
    frame = pd.read_csv(
        io.StringIO(body), sep=sep, dtype=str, keep_default_na=False, na_filter=False
    )
    return frame, np.flatnonzero(good) + 1, notes, len(notes)


def _split_quoted(text: str, sep: str) -> _Rows:
    """Exports with quoted fields: the csv module, slower but quote-aware."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header = next(reader)
    width = len(header)
    good: list[list[str]] = []
    lines: list[int] = []
    notes: list[_Note] = []
    for fields in reader:
        if len(fields) == width:
            good.append(fields)
            lines.append(reader.line_num)
        elif any(f.strip() for f in fields):
            notes.append(
                (reader.line_num, None, f"{len(fields)} fields where the header has {width}")
            )
    frame = pd.DataFrame(good, columns=header, dtype="str")
    return frame, np.asarray(lines, dtype=np.int64), notes, len(notes)


def read_acd_records(
    paths: Path | str | Iterable[Path | str],
    *,
    format: AcdFormat = ANONYMOUS_BANK,
    tz: str | None = None,
    strict: bool = False,
    max_bad_share: float = 0.01,
    dates: tuple[dt.date, dt.date] | None = None,
) -> tuple[pd.DataFrame, tuple[str, ...], int]:
    """Read per-contact records into one tidy frame.

    Parameters
    ----------
    paths
        One or more export files.
    format
        Column layout of the export.
    tz
        Zone of the wall-clock times (default: ``format.tz``).
    strict
        Raise :class:`InputError` on the first malformed row instead of skipping it.
    max_bad_share
        Even when not strict, more malformed rows than this share of a file is an error (the
        format is probably wrong).
    dates
        First and last plausible local date of a contact (inclusive); default
        :data:`~wfmcore.defaults.FIRST_DATE` .. tomorrow.

    Returns
    -------
    records, warnings, skipped
        ``records`` has one row per contact: ``channel, queue, arrival`` (tz-aware), ``outcome``
        (``handled``, ``abandoned``, ``ivr_only`` or ``ignored``), ``wait_s``, ``handle_s``,
        ``contact_id`` (the id columns joined; empty without them), ``file``, ``line``.

    Raises
    ------
    InputError
        Unreadable file, missing column, malformed rows (under ``strict``, or too many), a
        contact dated outside *dates*, or a contact whose id repeats an earlier one's (in the
        same file or another).
    """
    zone = v.check_tz(tz or format.tz)
    dates = dates or (FIRST_DATE, dt.date.today() + dt.timedelta(days=1))
    if isinstance(paths, (str, Path)):
        paths = [paths]
    parts: list[pd.DataFrame] = []
    warnings: list[str] = []
    skipped_total = 0
    for p in paths:
        path = Path(p)
        frame, lines, notes, skipped = _read_rows(path, format)
        total = len(frame) + skipped
        recs, bad_notes, bad = _records(frame, lines, str(path), format, zone)
        notes += bad_notes
        skipped += bad
        notes.sort(key=lambda note: note[0])
        if skipped and (strict or skipped > max_bad_share * total):
            row, column, message = notes[0]
            reason = (
                "strict mode"
                if strict
                else f"{skipped} of {total} rows are malformed; is the format right?"
            )
            raise InputError(
                f"{message} ({reason}){v.more(skipped)}", file=str(path), row=row, column=column
            )
        warnings += [
            f"{path}, row {row}{f', column {column!r}' if column else ''}: {message}; row skipped"
            for row, column, message in notes
        ]
        skipped_total += skipped
        _check_dates(recs, dates)
        parts.append(recs)
    records = pd.concat(parts, ignore_index=True)
    warnings += _check_duplicates(records, format)
    return records, tuple(warnings), skipped_total


def _check_dates(records: pd.DataFrame, dates: tuple[dt.date, dt.date]) -> None:
    """Refuse the first contact dated outside *dates*, naming its file and row."""
    if records.empty:
        return
    day = pd.DatetimeIndex(records["arrival"]).tz_localize(None).normalize()
    first, last = pd.Timestamp(dates[0]), pd.Timestamp(dates[1])
    bad = np.asarray((day < first) | (day > last))
    if bad.any():
        pos, row, count = v.first_bad(bad, records["line"].to_numpy())
        raise InputError(
            f"a contact dated {day[pos]:%Y-%m-%d} is outside the plausible range {dates[0]} .. "
            f"{dates[1]}; expected contacts that happened{v.more(count)}",
            file=str(records["file"].iloc[pos]),
            row=row,
        )


def _check_duplicates(records: pd.DataFrame, fmt: AcdFormat) -> list[str]:
    """Refuse repeated contact ids; count repeated records in a warning.

    A contact id seen before is an error naming both rows; without ids, records repeating
    every field of an earlier one are counted in a warning.
    """
    keys = (
        ["contact_id"] if fmt.id_columns else ["queue", "arrival", "outcome", "wait_s", "handle_s"]
    )
    dup = records.duplicated(keys, keep="first").to_numpy()
    if not dup.any():
        return []
    pos = int(np.flatnonzero(dup)[0])
    first = records.loc[~dup].merge(records.iloc[[pos]][keys], on=keys).iloc[0]
    where = f"{first['file']}, row {int(first['line'])}"
    if fmt.id_columns:
        raise InputError(
            f"duplicate contact: {', '.join(fmt.id_columns)} {records['contact_id'].iloc[pos]!r} "
            f"also on {where}{v.more(int(dup.sum()))}; expected each contact once (the same "
            "export given twice?)",
            file=str(records["file"].iloc[pos]),
            row=int(records["line"].iloc[pos]),
        )
    return [
        f"{records['file'].iloc[pos]}, row {int(records['line'].iloc[pos])}: {int(dup.sum())} "
        f"record(s) repeat every field of an earlier one (first: {where}); counted as they are"
    ]


def _records(
    frame: pd.DataFrame, lines: NDArray[np.int64], file: str, fmt: AcdFormat, tz: str
) -> tuple[pd.DataFrame, list[_Note], int]:
    n = len(frame)
    problems: list[tuple[NDArray[np.bool_], str, str]] = []  # (mask, column, what was expected)
    # arrival
    if fmt.date_column is not None:
        day = pd.to_datetime(
            pd.Series(_strip(frame[fmt.date_column]), dtype="str"),
            format=fmt.date_format,
            errors="coerce",
        )
        problems.append(
            (day.isna().to_numpy(), fmt.date_column, f"a date ({fmt.date_format or 'ISO 8601'})")
        )
        tod = _time_of_day_ns(frame[fmt.arrival_column])
        problems.append((tod < 0, fmt.arrival_column, "a time of day H:MM:SS"))
        day_ns = day.to_numpy(dtype="datetime64[ns]").astype(np.int64)
        naive = day_ns + np.maximum(tod, 0)
        if fmt.rollover_column is not None:
            ref = _time_of_day_ns(frame[fmt.rollover_column])
            problems.append((ref < 0, fmt.rollover_column, "a time of day H:MM:SS"))
            naive = naive + np.where((ref >= 0) & (tod >= 0) & (tod < ref), 86_400 * _NS_PER_S, 0)
        aware_utc = np.full(n, -1, dtype=np.int64)
    else:
        aware, naive_stamps = v.to_datetimes(
            frame[fmt.arrival_column].astype("str"), fmt.arrival_format
        )
        unreadable = np.ones(n, dtype=bool)
        aware_utc = np.full(n, -1, dtype=np.int64)
        naive = np.zeros(n, dtype=np.int64)
        if aware is not None:
            ok = aware.notna().to_numpy()
            unreadable &= ~ok
            aware_utc[ok] = (
                aware[ok]
                .dt.tz_convert("UTC")
                .dt.tz_localize(None)
                .to_numpy(dtype="datetime64[ns]")
                .astype(np.int64)
            )
        if naive_stamps is not None:
            ok = naive_stamps.notna().to_numpy()
            unreadable &= ~ok
            naive[ok] = naive_stamps[ok].to_numpy(dtype="datetime64[ns]").astype(np.int64)
        problems.append((unreadable, fmt.arrival_column, "a date-time"))
    # outcome
    outcome_text = _strip(frame[fmt.outcome_column])
    answered = np.isin(outcome_text, fmt.answered_outcomes)
    hung = np.isin(outcome_text, fmt.abandoned_outcomes)
    ignored = np.isin(outcome_text, fmt.ignored_outcomes)
    known = ", ".join(fmt.answered_outcomes + fmt.abandoned_outcomes + fmt.ignored_outcomes)
    problems.append((~(answered | hung | ignored), fmt.outcome_column, f"one of {known}"))
    if fmt.queued_column is not None:
        queued = ~np.isin(_strip(frame[fmt.queued_column]), fmt.not_queued_values)
    else:
        queued = np.ones(n, dtype=bool)
    wait_s = _seconds(frame[fmt.wait_column])
    handle_s = _seconds(frame[fmt.handle_column])
    problems.append((np.isnan(wait_s) | (wait_s < 0), fmt.wait_column, "seconds >= 0"))
    problems.append((np.isnan(handle_s) | (handle_s < 0), fmt.handle_column, "seconds >= 0"))
    if fmt.queue_column is not None:
        queue = _strip(frame[fmt.queue_column])
        problems.append((queue == "", fmt.queue_column, "a queue name"))
    else:
        queue = np.full(n, fmt.default_queue, dtype=object)
    bad = np.zeros(n, dtype=bool)
    notes: list[_Note] = []
    for mask, column, expected in problems:
        new = mask & ~bad
        for pos in np.flatnonzero(new):
            value = frame[column].iloc[pos]
            notes.append((int(lines[pos]), column, f"cannot read {value!r}; expected {expected}"))
        bad |= mask
    keep = ~bad
    outcome = np.where(
        answered,
        "handled",
        np.where(hung & queued, "abandoned", np.where(hung, "ivr_only", "ignored")),
    )
    has_offset = aware_utc[keep] >= 0
    arrival = pd.DatetimeIndex(naive[keep].astype("datetime64[ns]"))
    local = _localize_records(arrival, tz, lines[keep], file, skip=has_offset)
    if has_offset.any():
        utc_ns = np.where(has_offset, aware_utc[keep], local.asi8)
        local = pd.DatetimeIndex(utc_ns.astype("datetime64[ns]"), tz="UTC").tz_convert(tz)
    if fmt.id_columns:
        ids = pd.Series(_strip(frame[fmt.id_columns[0]]), dtype="str")
        for col in fmt.id_columns[1:]:
            ids = ids + "/" + pd.Series(_strip(frame[col]), dtype="str")
        contact_id = ids.to_numpy(dtype=object)[keep]
    else:
        contact_id = np.full(int(keep.sum()), "", dtype=object)
    records = pd.DataFrame(
        {
            "channel": fmt.channel,
            "queue": queue[keep],
            "arrival": local,
            "outcome": outcome[keep],
            "wait_s": wait_s[keep],
            "handle_s": handle_s[keep],
            "contact_id": contact_id,
            "file": file,
            "line": lines[keep],
        }
    )
    return records, notes, int(bad.sum())


def _localize_records(
    naive: pd.DatetimeIndex, tz: str, lines: NDArray[np.int64], file: str, skip: NDArray[np.bool_]
) -> pd.DatetimeIndex:
    """Wall-clock arrivals to tz-aware; a fall-back hour's times are read as the first pass."""
    local = naive.tz_localize(tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="NaT")
    missing = local.isna() & ~skip
    if missing.any():
        pos = int(np.flatnonzero(missing)[0])
        raise InputError(
            f"local time {naive[pos]:%Y-%m-%d %H:%M:%S} does not exist in {tz} (clocks jump "
            "forward then); expected real wall-clock times (is the time zone right?)",
            file=file,
            row=int(lines[pos]),
        )
    return local


def aggregate_acd(
    records: pd.DataFrame,
    *,
    interval_min: int = 30,
    answered_within_s: Sequence[float] = (20, 60),
    tz: str | None = None,
) -> tuple[pd.DataFrame, tuple[pd.Timestamp, ...]]:
    """Aggregate per-contact records (from :func:`read_acd_records`) to interval history.

    Parameters
    ----------
    records
        ``channel, queue, arrival, outcome, wait_s, handle_s``.
    interval_min
        Interval length in minutes (a divisor of a day).
    answered_within_s
        Thresholds T in seconds for the ``answered_within_<T>s`` / ``abandoned_within_<T>s``
        counts.
    tz
        Zone of the output (default: that of ``records["arrival"]``).

    Returns
    -------
    frame, missing_days
        The interval history (see :class:`AcdImport`) and the dates without any record.
    """
    if interval_min <= 0 or MINUTES_PER_DAY % interval_min:
        raise ConfigError(
            f"interval of {interval_min} minutes is not supported; expected a divisor of a day "
            "such as 15, 30 or 60"
        )
    arrival = pd.DatetimeIndex(records["arrival"])
    zone = str(tz or arrival.tz)
    arrival = arrival.tz_convert(zone)
    step = interval_min * _NS_PER_MIN
    local_naive = arrival.tz_localize(None).asi8
    local_midnight = arrival.normalize().tz_localize(None).asi8
    start_utc = arrival.tz_convert("UTC").tz_localize(None).asi8 - (
        (local_naive - local_midnight) % step
    )
    outcome = records["outcome"].to_numpy()
    handled = outcome == "handled"
    abandoned = outcome == "abandoned"
    wait = records["wait_s"].to_numpy(dtype=np.float64)
    handle = records["handle_s"].to_numpy(dtype=np.float64)
    cols: dict[str, NDArray[np.bool_] | NDArray[np.float64]] = {
        "handled": handled,
        "abandoned": abandoned,
        "ivr_only": outcome == "ivr_only",
        "ignored": outcome == "ignored",
        "handle_s_sum": np.where(handled, handle, 0.0),
        "wait_handled_s_sum": np.where(handled, wait, 0.0),
        "wait_abandoned_s_sum": np.where(abandoned, wait, 0.0),
    }
    thresholds = sorted({float(t) for t in answered_within_s})
    for t in thresholds:
        cols[f"answered_within_{t:g}s"] = handled & (wait <= t)
    for t in thresholds:
        cols[f"abandoned_within_{t:g}s"] = abandoned & (wait <= t)
    work = pd.DataFrame(
        {
            "channel": records["channel"].to_numpy(),
            "queue": records["queue"].to_numpy(),
            "_t": start_utc,
            **{k: val.astype(np.float64) for k, val in cols.items()},
        }
    )
    sums = work.groupby(["channel", "queue", "_t"], sort=False).sum()
    # grid: every interval of every local day that has a record, for every series
    days = pd.DatetimeIndex(np.unique(local_midnight).astype("datetime64[ns]"))
    first, last = days.min(), days.max()
    all_days = pd.date_range(first, last, freq="D")
    missing_days = tuple(all_days.difference(days))
    day_start = days.tz_localize(zone, ambiguous=True, nonexistent="shift_forward")
    day_end = (days + pd.Timedelta(days=1)).tz_localize(
        zone, ambiguous=True, nonexistent="shift_forward"
    )
    s_utc = day_start.tz_convert("UTC").tz_localize(None).asi8
    e_utc = day_end.tz_convert("UTC").tz_localize(None).asi8
    counts = (e_utc - s_utc) // step
    grid = np.repeat(s_utc, counts) + step * (
        np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    series = work[["channel", "queue"]].drop_duplicates()
    full_index = pd.MultiIndex.from_arrays(
        [
            np.repeat(series["channel"].to_numpy(), grid.size),
            np.repeat(series["queue"].to_numpy(), grid.size),
            np.tile(grid, len(series)),
        ],
        names=["channel", "queue", "_t"],
    )
    table = sums.reindex(full_index, fill_value=0.0).reset_index()
    table = table.sort_values(["channel", "queue", "_t"], kind="stable").reset_index(drop=True)
    table["offered"] = table["handled"] + table["abandoned"]
    table["aht_s"] = (table["handle_s_sum"] / table["handled"]).where(table["handled"] > 0)
    stamps = pd.DatetimeIndex(table["_t"].to_numpy().astype("datetime64[ns]"), tz="UTC")
    table["interval_start"] = pd.Series(stamps.tz_convert(zone), index=table.index)
    counts_cols = [c for c in cols if not c.endswith("_s_sum")]
    table[counts_cols] = table[counts_cols].astype(np.int64)
    order = ["channel", "queue", "interval_start", "offered", "handled", "abandoned", "aht_s"]
    rest = [c for c in cols if c not in order]
    out = table[order + rest].copy()
    out["offered"] = out["offered"].astype(np.int64)
    return out, missing_days


def read_acd(
    paths: Path | str | Iterable[Path | str],
    *,
    format: AcdFormat | str = ANONYMOUS_BANK,
    interval_min: int = 30,
    tz: str | None = None,
    answered_within_s: Sequence[float] = (20, 60),
    strict: bool = False,
) -> AcdImport:
    """Read per-contact ACD exports and aggregate them to interval history.

    Parameters
    ----------
    paths
        One or more export files (e.g. one per month); they are combined.
    format
        An :class:`AcdFormat` or the name of a preset in :data:`ACD_FORMATS`.
    interval_min
        Interval length in minutes.
    tz
        Zone of the wall-clock times (default: ``format.tz``).
    answered_within_s
        Thresholds for the answered-within counts, in seconds.
    strict
        Fail on the first malformed row instead of skipping it with a warning.

    Returns
    -------
    AcdImport

    Raises
    ------
    InputError
        Unreadable file, missing column, malformed rows under ``strict`` (or more than 1 % of
        a file), a contact dated in the future (or before 1970), a contact id given twice
        (e.g. the same export passed twice).
    """
    if isinstance(format, str):
        try:
            format = ACD_FORMATS[format]
        except KeyError:
            raise ConfigError(
                f"unknown ACD format {format!r}; expected one of {', '.join(sorted(ACD_FORMATS))}"
            ) from None
    records, warnings, skipped = read_acd_records(paths, format=format, tz=tz, strict=strict)
    frame, missing_days = aggregate_acd(
        records, interval_min=interval_min, answered_within_s=answered_within_s
    )
    notes = list(warnings)
    if missing_days:
        shown = ", ".join(f"{d:%Y-%m-%d}" for d in missing_days[:5])
        extra = f" and {len(missing_days) - 5} more" if len(missing_days) > 5 else ""
        notes.append(
            f"no records on {len(missing_days)} day(s) inside the span ({shown}{extra}); "
            "left missing"
        )
    return AcdImport(
        frame=frame,
        records=len(records),
        skipped=skipped,
        warnings=tuple(notes),
        missing_days=missing_days,
    )

"""Planner overrides: known events the history cannot know, applied after the model.

Overrides CSV (UTF-8, header row; extra columns ignored)::

    channel,queue,start,end,action,value,note
    voice,,2026-12-01T08:00,2026-12-01T12:00,multiply,1.3,SMS campaign
    chat,all,2026-12-02,2026-12-03,add,5,National Day promotion

* ``channel`` (required), ``queue`` (optional; empty or ``*`` = every queue of the channel);
* ``start`` inclusive and ``end`` exclusive, ISO 8601 local date-times (an offset is allowed); a
  bare date as ``end`` means the end of that day (``2026-12-03`` covers all of 3 December);
* ``action`` ``multiply`` or ``add`` (contacts per interval), ``value`` a number (multiply >= 0);
* ``note`` free text.

Overrides apply in file order to ``volume`` and its interval bounds, never below zero and never
inside closed intervals (a forecast of zero because the channel is closed stays zero). Every
touched row records what was done in the ``override`` column, e.g. ``multiply 1.3 (SMS campaign)``.
An override that touches nothing (a channel or queue the forecast does not have, or dates
outside it) is named, with its file and row, by :func:`unmatched_overrides`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting.errors import InputError
from wfmcore.defaults import DEFAULT_TZ

_ACTIONS = ("multiply", "add")
_VOLUME_COLUMNS = ("volume", "volume_lo", "volume_hi", "volume_lo95", "volume_hi95")


@dataclass(frozen=True, slots=True)
class Override:
    """One planner override.

    Parameters
    ----------
    channel
        Channel name.
    queue
        Queue name, or ``None`` for every queue of the channel.
    start, end
        Tz-aware or naive (wall-clock) timestamps; ``start`` inclusive, ``end`` exclusive.
    action
        ``"multiply"`` or ``"add"``.
    value
        Factor or contacts per interval.
    note
        Free text recorded in the forecast.
    source
        Where it was read, e.g. ``overrides.csv, row 2`` (empty when built in code; not part of
        equality).
    """

    channel: str
    queue: str | None
    start: pd.Timestamp
    end: pd.Timestamp
    action: str
    value: float
    note: str = ""
    source: str = field(default="", compare=False)

    def label(self) -> str:
        """What the ``override`` column says, e.g. ``multiply 1.3 (SMS campaign)``."""
        text = f"{self.action} {self.value:g}"
        return f"{text} ({self.note})" if self.note else text


def read_overrides(path: str | Path, *, tz: str = DEFAULT_TZ) -> tuple[Override, ...]:
    """Read an overrides CSV (format in the module docstring).

    Parameters
    ----------
    path
        The file.
    tz
        Zone of naive wall-clock times.

    Returns
    -------
    tuple of Override

    Raises
    ------
    InputError
        Naming file, 1-based line and column of the first problem.
    """
    name = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found", file=name) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=name) from None
    except pd.errors.EmptyDataError:
        raise InputError("empty file: expected a header row", file=name, row=1) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"not a valid CSV: {exc}", file=name) from None
    except OSError as exc:  # a folder, no permission
        raise InputError(f"cannot read the file ({exc.strerror})", file=name) from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    for col in ("channel", "start", "end", "action", "value"):
        if col not in raw.columns:
            raise InputError(f"missing column '{col}'", file=name, row=1, column=col)
    out = []
    for i, rec in enumerate(raw.to_dict("records")):
        line = i + 2
        channel = rec["channel"].strip()
        if not channel:
            raise InputError("empty channel", file=name, row=line, column="channel")
        queue = rec.get("queue", "").strip()
        start = _parse_time(rec["start"], tz, name, line, "start", end=False)
        end = _parse_time(rec["end"], tz, name, line, "end", end=True)
        if end <= start:
            raise InputError(
                f"end {rec['end']!r} is not after start {rec['start']!r}",
                file=name,
                row=line,
                column="end",
            )
        action = rec["action"].strip().lower()
        if action not in _ACTIONS:
            raise InputError(
                f"action must be 'multiply' or 'add', got {rec['action']!r}",
                file=name,
                row=line,
                column="action",
            )
        try:
            value = float(rec["value"])
        except ValueError:
            value = float("nan")
        if not np.isfinite(value) or (action == "multiply" and value < 0):
            raise InputError(
                f"value must be a number{' >= 0' if action == 'multiply' else ''}, "
                f"got {rec['value']!r}",
                file=name,
                row=line,
                column="value",
            )
        out.append(
            Override(
                channel=channel,
                queue=None if queue in ("", "*") else queue,
                start=start,
                end=end,
                action=action,
                value=value,
                note=rec.get("note", "").strip(),
                source=f"{name}, row {line}",
            )
        )
    return tuple(out)


def _parse_time(text: str, tz: str, file: str, row: int, column: str, *, end: bool) -> pd.Timestamp:
    text = text.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            if end:
                day += dt.timedelta(days=1)
            ts = pd.Timestamp(day)
        else:
            ts = pd.Timestamp(text)
    except ValueError:
        raise InputError(
            f"expected an ISO 8601 date or date-time, got {text!r}",
            file=file,
            row=row,
            column=column,
        ) from None
    if pd.isna(ts):  # pd.Timestamp("NaT") is NaT
        raise InputError("empty date-time", file=file, row=row, column=column)
    if ts.tzinfo is None:
        try:
            ts = ts.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)
        except Exception as exc:  # noqa: BLE001 - unknown zone names etc.
            raise InputError(
                f"cannot place {text!r} in zone {tz}: {exc}", file=file, row=row, column=column
            ) from None
    else:
        ts = ts.tz_convert(tz)
    return ts


def unmatched_overrides(
    forecast: pd.DataFrame, overrides: Sequence[Override] | pd.DataFrame
) -> list[str]:
    """One warning per override that touches no interval of *forecast*.

    its channel or queue is not in the forecast, or its dates are outside it. Each names the
    override's file and row.
    """
    if isinstance(overrides, pd.DataFrame):
        overrides = tuple(
            Override(**{str(k): v for k, v in rec.items()}) for rec in overrides.to_dict("records")
        )
    out = []
    channels = sorted(str(c) for c in forecast["channel"].unique())
    ts = forecast["interval_start"]
    for ov in overrides:
        where = f"{ov.source}: " if ov.source else ""
        rows = np.array(forecast["channel"] == ov.channel, dtype=bool)
        if not rows.any():
            out.append(
                f"{where}channel {ov.channel!r} is not in the forecast (channels: "
                f"{', '.join(channels)}); override ignored"
            )
            continue
        if ov.queue is not None:
            queues = sorted(str(q) for q in forecast.loc[rows, "queue"].unique())
            rows = rows & np.asarray(forecast["queue"] == ov.queue, dtype=bool)
            if not rows.any():
                out.append(
                    f"{where}queue {ov.queue!r} of channel {ov.channel!r} is not in the forecast "
                    f"(queues: {', '.join(queues)}); override ignored"
                )
                continue
        if not (rows & np.asarray((ts >= ov.start) & (ts < ov.end), dtype=bool)).any():
            out.append(
                f"{where}{ov.start.isoformat()} .. {ov.end.isoformat()} is outside the forecast "
                f"({ts.min().isoformat()} .. {ts.max().isoformat()}); override ignored"
            )
    return out


def apply_overrides(
    forecast: pd.DataFrame,
    overrides: Sequence[Override] | pd.DataFrame,
    *,
    opening_hours: Mapping[str, object] | Mapping[tuple[str, str], object] | None = None,
) -> pd.DataFrame:
    """Apply overrides to a forecast frame and record them in the ``override`` column.

    Parameters
    ----------
    forecast
        Forecast frame (``channel``, ``queue``, ``interval_start``, ``volume`` and bounds).
    overrides
        From :func:`read_overrides` (or a frame with the same fields).
    opening_hours
        Accepted for symmetry with the engine; closed intervals are recognised in the forecast
        itself (volume and every bound 0) and skipped.

    Returns
    -------
    pandas.DataFrame
        A new frame; untouched rows are unchanged.
    """
    out = forecast.copy()
    if "override" not in out.columns:
        out["override"] = ""
    out["override"] = out["override"].fillna("").astype(str)
    if isinstance(overrides, pd.DataFrame):
        overrides = tuple(
            Override(**{str(k): v for k, v in rec.items()}) for rec in overrides.to_dict("records")
        )
    cols = [c for c in _VOLUME_COLUMNS if c in out.columns]
    ts = out["interval_start"]
    closed = (out[cols].to_numpy(dtype=float) <= 0).all(axis=1)
    for ov in overrides:
        hit = np.asarray(out["channel"] == ov.channel, dtype=bool).copy()
        if ov.queue is not None:
            hit &= np.asarray(out["queue"] == ov.queue, dtype=bool)
        hit &= np.asarray((ts >= ov.start) & (ts < ov.end), dtype=bool)
        hit &= ~closed
        if not hit.any():
            continue
        values = out.loc[hit, cols].to_numpy(dtype=float)
        values = values * ov.value if ov.action == "multiply" else values + ov.value
        out.loc[hit, cols] = np.clip(values, 0.0, None)
        label = ov.label()
        prev = out.loc[hit, "override"]
        out.loc[hit, "override"] = np.where(prev == "", label, prev + "; " + label)
    return out

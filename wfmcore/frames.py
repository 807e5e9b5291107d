"""The documented frame and file contracts (README, "File formats"), and the roster CSV reader.

Column names are the contract between the steps: forecasting writes the forecast frame that
staffing reads, staffing writes the requirements frame that the roster reads. Files are UTF-8
CSV with a header row; extra columns are allowed and ignored with a note.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from wfmcore.defaults import DEFAULT_TZ
from wfmcore.errors import InputError
from wfmcore.parse import parse_timestamps, read_csv_checked

__all__ = [
    "AGENT_COLUMNS",
    "AGENT_OPTIONAL",
    "AGENT_REQUIRED",
    "DEMAND_COLUMNS",
    "FORECAST_COLUMNS",
    "HISTORY_COLUMNS",
    "HISTORY_REQUIRED",
    "REQUIREMENT_COLUMNS",
    "ROSTER_ACTIVITIES",
    "ROSTER_COLUMNS",
    "read_roster",
]

#: History file: ``interval_start`` (ISO 8601) and ``offered`` are required; ``channel``
#: (default ``voice``), ``queue`` (default ``all``), ``handled``, ``abandoned``, ``aht_s`` are
#: optional.
HISTORY_COLUMNS: tuple[str, ...] = (
    "channel",
    "queue",
    "interval_start",
    "offered",
    "handled",
    "abandoned",
    "aht_s",
)
HISTORY_REQUIRED: tuple[str, ...] = ("interval_start", "offered")

#: Forecast frame and file, one row per channel, queue and interval.
FORECAST_COLUMNS: tuple[str, ...] = (
    "channel",
    "queue",
    "interval_start",
    "volume",
    "volume_lo",
    "volume_hi",
    "aht_s",
    "model",
)
#: The forecast columns staffing reads (``queue`` is optional in a file, default ``all``).
DEMAND_COLUMNS: tuple[str, ...] = ("channel", "queue", "interval_start", "volume", "aht_s")

#: Requirements frame and file: agents needed on the channel, staff to schedule (with
#: shrinkage), and the service they give.
REQUIREMENT_COLUMNS: tuple[str, ...] = (
    "channel",
    "queue",
    "interval_start",
    "volume",
    "aht_s",
    "agents",
    "staff",
    "service_level",
    "asa_s",
    "occupancy",
    "abandon_rate",
)

#: Agents file: required and optional columns.
AGENT_REQUIRED: tuple[str, ...] = (
    "agent_id",
    "name",
    "skills",
    "min_hours_week",
    "max_hours_week",
    "max_days_week",
)
AGENT_OPTIONAL: tuple[str, ...] = (
    "earliest_start",
    "latest_end",
    "unavailable",
    "preferred_start",
    "preferred_days_off",
    "group",
    "contract",
)
AGENT_COLUMNS: tuple[str, ...] = AGENT_REQUIRED + AGENT_OPTIONAL

#: Roster file, one row per activity; ``channel`` only on ``work`` rows.
ROSTER_COLUMNS: tuple[str, ...] = ("agent_id", "date", "activity", "channel", "start", "end")
ROSTER_ACTIVITIES: tuple[str, ...] = ("work", "break", "lunch")


def read_roster(
    path: Path | str, tz: str = DEFAULT_TZ, *, error: type[InputError] = InputError
) -> pd.DataFrame:
    """Read and validate a roster CSV.

    ``activity`` is ``work`` (with its ``channel``), ``break`` or ``lunch``; ``date`` is the day
    the shift starts; ``start``/``end`` are ISO 8601 local times with their UTC offset (naive
    times are read as wall-clock times in *tz*).

    Parameters
    ----------
    path
        The CSV file.
    tz
        The center's time zone.
    error
        The :class:`~wfmcore.errors.InputError` class to raise.

    Returns
    -------
    pandas.DataFrame
        :data:`ROSTER_COLUMNS` plus ``row``, the file line of each row; ``date`` as
        :class:`datetime.date`, ``start``/``end`` tz-aware in *tz*.

    Raises
    ------
    InputError
        Naming the file, row and column of the first problem.
    """
    f = str(path)
    frame = read_csv_checked(path, ROSTER_COLUMNS, error=error).fillna("")
    if frame.empty:
        return pd.DataFrame(columns=[*ROSTER_COLUMNS, "row"])
    starts = parse_timestamps(frame["start"], tz=tz, file=f, column="start", error=error)
    ends = parse_timestamps(frame["end"], tz=tz, file=f, column="end", error=error)
    recs = []
    for pos, rec in enumerate(frame.to_dict("records")):
        row = pos + 2
        aid = str(rec["agent_id"]).strip()
        if not aid:
            raise error("empty agent_id", file=f, row=row, column="agent_id")
        try:
            date = dt.date.fromisoformat(str(rec["date"]).strip())
        except ValueError:
            raise error(
                f"expected a date YYYY-MM-DD, got {rec['date']!r}", file=f, row=row, column="date"
            ) from None
        act = str(rec["activity"]).strip().lower()
        if act not in ROSTER_ACTIVITIES:
            raise error(
                f"activity must be one of {', '.join(ROSTER_ACTIVITIES)}, got {act!r}",
                file=f,
                row=row,
                column="activity",
            )
        chan = str(rec["channel"]).strip()
        if act == "work" and not chan:
            raise error("a work row needs a channel", file=f, row=row, column="channel")
        start, end = pd.Timestamp(starts.iloc[pos]), pd.Timestamp(ends.iloc[pos])
        if end <= start:
            raise error("end must be after start", file=f, row=row, column="end")
        recs.append(
            {
                "agent_id": aid,
                "date": date,
                "activity": act,
                "channel": chan,
                "start": start,
                "end": end,
                "row": row,
            }
        )
    out = pd.DataFrame(recs, columns=[*ROSTER_COLUMNS, "row"])
    out["start"] = pd.DatetimeIndex(out["start"])
    out["end"] = pd.DatetimeIndex(out["end"])
    return out

"""Roster files: what the roster step reads and writes.

Read requirements and rosters, build the roster and coverage frames written beside them, and
read a published roster as the previous shifts of the next one (the summary is
:mod:`scheduling.roster.summary`).

Roster CSV (one row per activity): ``agent_id, date, activity, channel, start, end``;
``activity`` is ``work`` (with its ``channel``), ``break`` or ``lunch``; ``date`` is the day
the shift starts; ``start``/``end`` are ISO 8601 local times with their UTC offset (naive times
are read as wall-clock times in the center's zone).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from scheduling.errors import InputError
from scheduling.roster.problem import PreviousShift, RosterProblem
from scheduling.roster.records import RosterShift
from wfmcore import frames
from wfmcore.defaults import DEFAULT_TZ
from wfmcore.frames import ROSTER_COLUMNS
from wfmcore.parse import parse_numbers, parse_text, parse_timestamps, read_csv_checked


def read_requirements(path: Path | str, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Read a requirements CSV into ``channel, queue, interval_start, staff, agents``.

    ``volume, aht_s`` are kept when present, for the expected service level. ``agents`` (net,
    used to stagger breaks) defaults to ``staff``.
    """
    f = str(path)
    frame = read_csv_checked(path, ["channel", "interval_start", "staff"], error=InputError)
    if frame.empty:
        raise InputError("no rows", file=f)
    out = pd.DataFrame(
        {
            "channel": parse_text(frame["channel"], file=f, column="channel", error=InputError),
            "queue": parse_text(
                frame["queue"], file=f, column="queue", default="all", error=InputError
            )
            if "queue" in frame.columns
            else "all",
            "interval_start": parse_timestamps(
                frame["interval_start"], tz=tz, file=f, error=InputError
            ),
            "staff": parse_numbers(
                frame["staff"], file=f, column="staff", min_value=0, error=InputError
            ),
        }
    )
    if "agents" in frame.columns:
        net = parse_numbers(
            frame["agents"], file=f, column="agents", min_value=0, required=False, error=InputError
        )
        out["agents"] = np.where(np.isnan(net), out["staff"], net)
    else:
        out["agents"] = out["staff"]
    for col in ("volume", "aht_s"):
        if col in frame.columns:
            out[col] = parse_numbers(
                frame[col], file=f, column=col, min_value=0, required=False, error=InputError
            )
    return out


def select_days(
    requirements: pd.DataFrame,
    start: dt.date,
    days: int,
    *,
    tz: str = DEFAULT_TZ,
    file: str | None = None,
) -> pd.DataFrame:
    """The requirements of the ``days`` local dates from ``start`` (the week to roster).

    Raises
    ------
    InputError
        When the requirements have no rows on some of those dates (naming the first such
        date and the dates they cover): a roster for days without requirements would be built
        against nothing.
    """
    local = requirements["interval_start"].dt.tz_convert(tz).dt.date
    wanted = [start + dt.timedelta(days=k) for k in range(days)]
    have = set(local)
    missing = [d for d in wanted if d not in have]
    if missing:
        span = f"{min(have)} .. {max(have)}" if have else "no dates"
        raise InputError(
            f"--start {start} --days {days} asks for {missing[0]}"
            f"{f' (and {len(missing) - 1} more day(s))' if len(missing) > 1 else ''}, but the "
            f"requirements cover {span}; expected days the requirements cover",
            file=file,
            column="interval_start",
        )
    kept: pd.DataFrame = requirements.loc[local.isin(wanted).to_numpy()]
    return kept.reset_index(drop=True)


def read_roster(path: Path | str, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Read and validate a roster CSV (see module docstring); rows keep their file ``row``.

    :func:`wfmcore.frames.read_roster`, raising :class:`scheduling.errors.InputError`.
    """
    return frames.read_roster(path, tz, error=InputError)


def roster_frame(shifts: list[RosterShift] | tuple[RosterShift, ...]) -> pd.DataFrame:
    """The roster CSV frame of ``shifts`` (one row per activity)."""
    rows = []
    for s in shifts:
        for act in s.activities():
            rows.append(
                {
                    "agent_id": s.agent_id,
                    "date": s.date,
                    "activity": act.activity,
                    "channel": act.channel if act.activity == "work" else "",
                    "start": act.start,
                    "end": act.end,
                }
            )
    frame = pd.DataFrame(rows, columns=list(ROSTER_COLUMNS))
    if not frame.empty:
        frame["start"] = pd.DatetimeIndex(frame["start"])
        frame["end"] = pd.DatetimeIndex(frame["end"])
    return frame


def previous_shifts(roster: pd.DataFrame) -> list[PreviousShift]:
    """One :class:`PreviousShift` per agent and date of a roster frame (:func:`read_roster`)."""
    out = []
    for (aid, date), rows in _shift_rows(roster).items():
        chans = [r.channel for r in rows if r.activity == "work" and r.channel]
        rests = tuple((r.activity, r.start, r.end) for r in rows if r.activity != "work")
        out.append(
            PreviousShift(
                agent_id=aid,
                date=date,
                channel=chans[0] if chans else "",
                start=min(r.start for r in rows),
                end=max(r.end for r in rows),
                rests=rests,
            )
        )
    return out


class _Row(NamedTuple):
    activity: str
    start: pd.Timestamp
    end: pd.Timestamp
    channel: str


def _shift_rows(roster: pd.DataFrame) -> dict[tuple[str, dt.date], list[_Row]]:
    """Roster rows grouped by (agent_id, date), each group sorted by start."""
    groups: dict[tuple[str, dt.date], list[_Row]] = {}
    for rec in roster.to_dict("records"):
        d = rec["date"]
        day = d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))
        chan = rec.get("channel", "")
        row = _Row(
            str(rec["activity"]),
            pd.Timestamp(rec["start"]),
            pd.Timestamp(rec["end"]),
            "" if chan is None or pd.isna(chan) else str(chan),
        )
        groups.setdefault((str(rec["agent_id"]), day), []).append(row)
    for rows in groups.values():
        rows.sort(key=lambda r: (r.start, r.end))
    return dict(sorted(groups.items()))


def coverage_table(problem: RosterProblem, roster: pd.DataFrame) -> pd.DataFrame:
    """Coverage per channel and interval of a roster frame, counted from its rows.

    Columns: ``channel, interval_start``; ``required``: agents needed on the phones (the
    requirement's ``staff``, grossed up for unscheduled shrinkage); ``available``: agents on
    the phones (``work`` rows only, averaged over the interval, so lunch and breaks do not
    count); ``gap`` = ``available - required`` (negative: under-staffed); ``scheduled``: heads
    on shift, lunch and breaks included; ``required_net``: the requirement's ``agents`` (what
    the queue model needs after shrinkage).
    """
    n, im = problem.n_intervals, problem.interval_min
    on_shift = {c: np.zeros(n) for c in problem.channels}
    working = {c: np.zeros(n) for c in problem.channels}

    def add(arr: NDArray[np.float64], start: pd.Timestamp, end: pd.Timestamp) -> None:
        s, e = problem.minute(start), problem.minute(end)
        for i in range(max(0, s // im), min(n, -(-e // im))):
            ov = min(e, (i + 1) * im) - max(s, i * im)
            if ov > 0:
                arr[i] += ov / im

    for rows in _shift_rows(roster).values():
        chans = sorted({r.channel for r in rows if r.activity == "work" and r.channel})
        for r in rows:
            if r.activity == "work" and r.channel in working:
                add(working[r.channel], r.start, r.end)
        if len(chans) == 1 and chans[0] in on_shift:
            add(on_shift[chans[0]], rows[0].start, max(r.end for r in rows))
        else:  # several channels in one shift: count the work rows only
            for r in rows:
                if r.activity == "work" and r.channel in on_shift:
                    add(on_shift[r.channel], r.start, r.end)
    times = pd.DatetimeIndex([problem.timestamp(i * im) for i in range(n)])
    parts = []
    for c in problem.channels:
        parts.append(
            pd.DataFrame(
                {
                    "channel": c,
                    "interval_start": times,
                    "required": problem.staff[c],
                    "available": np.round(working[c], 3),
                    "gap": np.round(working[c] - problem.staff[c], 3),
                    "scheduled": np.round(on_shift[c], 3),
                    "required_net": problem.net[c],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)

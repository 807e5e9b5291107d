"""Roster files: read requirements and rosters, write the roster, coverage table and summary.

Roster CSV (one row per activity): ``agent_id, date, activity, channel, start, end``;
``activity`` is ``work`` (with its ``channel``), ``break`` or ``lunch``; ``date`` is the day
the shift starts; ``start``/``end`` are ISO 8601 local times with their UTC offset (naive times
are read as wall-clock times in the center's zone).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from scheduling.errors import InputError
from scheduling.roster.problem import PreviousShift, RosterProblem
from scheduling.roster.records import RosterShift, RosterSolution
from wfmcore import frames
from wfmcore.defaults import DEFAULT_TZ, MINUTES_PER_DAY
from wfmcore.frames import ROSTER_COLUMNS
from wfmcore.parse import parse_numbers, parse_text, parse_timestamps, read_csv_checked


def read_requirements(path: Path | str, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Read a requirements CSV into ``channel, queue, interval_start, staff, agents`` (and
    ``volume, aht_s`` when present, for the expected service level).

    ``agents`` (net, used to stagger breaks) defaults to ``staff``.
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
    """Group a roster frame (from :func:`read_roster`) into one :class:`PreviousShift` per
    agent and date."""
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
    """Coverage per channel and interval of a roster frame.

    Columns: ``channel, interval_start, required`` (staff to schedule), ``scheduled`` (agents on
    shift, breaks included, as the model counts them), ``gap`` (scheduled - required),
    ``required_net`` (the requirement's ``agents``) and ``available`` (agents on the phones:
    work rows only, averaged over the interval).
    """
    n, im = problem.n_intervals, problem.interval_min
    on_shift = {c: np.zeros(n) for c in problem.channels}
    working = {c: np.zeros(n) for c in problem.channels}

    def add(arr: np.ndarray, start: pd.Timestamp, end: pd.Timestamp) -> None:
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
                    "scheduled": np.round(on_shift[c], 3),
                    "gap": np.round(on_shift[c] - problem.staff[c], 3),
                    "required_net": problem.net[c],
                    "available": np.round(working[c], 3),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def coverage_figures(coverage: pd.DataFrame, interval_min: int) -> dict[str, dict[str, float]]:
    """Per channel: required, scheduled, under- and over-staffing in agent-hours."""
    h = interval_min / 60
    out = {}
    for c, g in coverage.groupby("channel", sort=True):
        out[str(c)] = {
            "required_h": round(float(g["required"].sum() * h), 2),
            "scheduled_h": round(float(g["scheduled"].sum() * h), 2),
            "under_h": round(float((-g["gap"]).clip(lower=0).sum() * h), 2),
            "over_h": round(float(g["gap"].clip(lower=0).sum() * h), 2),
            "net_under_h": round(
                float((g["required_net"] - g["available"]).clip(lower=0).sum() * h), 2
            ),
        }
    return out


def roster_summary(
    problem: RosterProblem,
    solution: RosterSolution,
    coverage: pd.DataFrame,
    *,
    violations: int | None = None,
    lp_bound_under_h: float | None = None,
) -> dict[str, Any]:
    """The summary (JSON-ready): solver figures, coverage, paid hours, preferences, fairness."""
    shifts = solution.shifts
    by_agent: dict[str, list[RosterShift]] = defaultdict(list)
    for s in shifts:
        by_agent[s.agent_id].append(s)
    start_dev = []
    for a in problem.agents:
        if a.preferred_start_min is None:
            continue
        for s in by_agent.get(a.agent_id, []):
            diff = abs(a.preferred_start_min - (s.start.hour * 60 + s.start.minute))
            start_dev.append(min(diff, MINUTES_PER_DAY - diff))
    pref_off_total = pref_off_kept = 0
    for a in problem.agents:
        worked = {s.date for s in by_agent.get(a.agent_id, [])}
        for d in problem.dates:
            if d.weekday() in a.preferred_days_off:
                pref_off_total += 1
                pref_off_kept += d not in worked
    weekend = [
        sum(
            1
            for s in by_agent.get(a.agent_id, [])
            if s.date.weekday() in problem.rules.weekend_days
        )
        for a in problem.agents
    ]
    late_end = problem.rules.late_end_after_min
    late = [
        sum(
            1
            for s in by_agent.get(a.agent_id, [])
            if (
                s.end - pd.Timestamp(dt.datetime.combine(s.date, dt.time()), tz=problem.tz)
            ).total_seconds()
            / 60
            > late_end
        )
        for a in problem.agents
    ]
    channels = coverage_figures(coverage, problem.interval_min)
    under_total = round(sum(c["under_h"] for c in channels.values()), 2)
    out: dict[str, Any] = {
        "status": solution.status,
        "objective": solution.objective,
        "best_bound": solution.best_bound,
        "gap": solution.gap,
        "time_to_first_s": solution.time_to_first_s,
        "time_to_final_s": solution.time_to_final_s,
        "wall_time_s": round(solution.wall_time_s, 3),
        "solutions": solution.num_solutions,
        "objective_terms": solution.objective_terms,
        "first_day": problem.dates[0].isoformat(),
        "days": len(problem.dates),
        "interval_min": problem.interval_min,
        "agents": len(problem.agents),
        "agents_rostered": len(by_agent),
        "shifts": len(shifts),
        "paid_hours": round(sum(s.paid_min for s in shifts) / 60, 2),
        "under_staffing_h": under_total,
        "over_staffing_h": round(sum(c["over_h"] for c in channels.values()), 2),
        "lp_bound_under_staffing_h": lp_bound_under_h,
        "channels": channels,
        "preferences": {
            "preferred_start_mean_deviation_h": round(float(np.mean(start_dev)) / 60, 2)
            if start_dev
            else None,
            "preferred_days_off_kept": pref_off_kept,
            "preferred_days_off_asked": pref_off_total,
        },
        "fairness": {
            "weekend_days_min": min(weekend, default=0),
            "weekend_days_max": max(weekend, default=0),
            "full_weekends": sum(1 for w in weekend if w >= 2),
            "late_shifts_min": min(late, default=0),
            "late_shifts_max": max(late, default=0),
        },
        "violations": violations,
        "notes": list(solution.notes),
    }
    if "service_level" in coverage.columns:
        sl: dict[str, float | None] = {}
        for c, g in coverage.groupby("channel"):
            g = g[g["service_level"].notna()]
            w = g["volume"] if "volume" in g.columns else pd.Series(1.0, index=g.index)
            sl[str(c)] = (
                round(float((g["service_level"] * w).sum() / w.sum()), 4) if w.sum() > 0 else None
            )
        out["expected_service_level"] = sl
    return out


def format_summary(summary: dict[str, Any]) -> str:
    """A terminal table of the summary."""

    def f(x: Any, fmt: str = "{:.2f}") -> str:
        return "-" if x is None else fmt.format(x)

    lines = [
        f"status {summary['status']}   objective {f(summary['objective'])}   "
        f"bound {f(summary['best_bound'])}   gap {f(summary['gap'], '{:.2%}')}",
        f"first solution {f(summary['time_to_first_s'], '{:.1f}')} s   last improvement "
        f"{f(summary['time_to_final_s'], '{:.1f}')} s   "
        f"total {f(summary['wall_time_s'], '{:.1f}')} s"
        f"   solutions {summary['solutions']}",
        f"agents {summary['agents_rostered']}/{summary['agents']}   shifts {summary['shifts']}   "
        f"paid hours {summary['paid_hours']:.1f}",
        "",
        f"{'channel':<10}{'required h':>12}{'scheduled h':>13}{'under h':>10}{'over h':>10}"
        + (f"{'exp. SL':>9}" if "expected_service_level" in summary else ""),
    ]
    for c, v in summary["channels"].items():
        sl = summary.get("expected_service_level", {}).get(c)
        lines.append(
            f"{c:<10}{v['required_h']:>12.1f}{v['scheduled_h']:>13.1f}{v['under_h']:>10.1f}"
            f"{v['over_h']:>10.1f}" + (f"{sl:>9.1%}" if sl is not None else "")
        )
    if summary.get("lp_bound_under_staffing_h") is not None:
        lines.append(
            f"under-staffing {summary['under_staffing_h']:.1f} h; LP lower bound "
            f"{summary['lp_bound_under_staffing_h']:.1f} h"
        )
    p, fr = summary["preferences"], summary["fairness"]
    lines.append(
        f"preferred days off kept {p['preferred_days_off_kept']}/{p['preferred_days_off_asked']}"
        f"   mean start deviation {f(p['preferred_start_mean_deviation_h'])} h"
        f"   weekend days/agent {fr['weekend_days_min']}..{fr['weekend_days_max']}"
        f"   late shifts/agent {fr['late_shifts_min']}..{fr['late_shifts_max']}"
    )
    if summary.get("violations") is not None:
        lines.append(f"rule check: {summary['violations']} violation(s)")
    return "\n".join(lines)

"""Rosters.

The job (and re-optimisation around locked shifts), stored versions with shifts, activities and
coverage, the grid and coverage chart, hand edits checked by the rule checker, publishing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from flask_babel import gettext
from sqlalchemy import delete, insert, select

from scheduling.errors import SolveAborted
from scheduling.roster.agents import Agent as AgentRecord
from scheduling.roster.check import SINGLE_SHIFT_RULES, Violation, check_roster
from scheduling.roster.feasibility import check_contracts
from scheduling.roster.problem import rest_chain
from scheduling.roster.records import Activity, RosterShift
from scheduling.roster.rules import RosterRules
from scheduling.roster.summary import coverage_figures
from scheduling.staffing.targets import Targets
from web.app.extensions import db
from web.app.messages import progress_text
from web.app.models import (
    Agent,
    CoverageRow,
    RequirementSet,
    RosterVersion,
    RulesVersion,
    Shift,
    ShiftActivity,
    TargetsVersion,
    utcnow,
)
from web.app.services._agents import agent_records
from web.app.services._common import (
    JobContextLike,
    _bulk_insert,
    _label,
    actor,
    audit,
    local_ts,
    settings,
    to_local,
    to_utc,
)
from web.app.services._documents import rules_of, targets_of
from web.app.services._requirements import requirements_frame
from web.app.services._scope import CENTER, Scope, scope_entity
from web.pipeline import roster_coverage
from wfmcore.errors import InputError
from wfmcore.frames import ROSTER_COLUMNS
from wfmcore.parse import format_hhmm, parse_hhmm


def _shift_records(shifts: Sequence[RosterShift]) -> list[dict[str, Any]]:
    return [
        {
            "agent_id": s.agent_id,
            "date": s.date,
            "channel": s.channel,
            "shift_type": s.shift_type,
            "start": s.start,
            "end": s.end,
            "paid_min": s.paid_min,
            "locked": False,
            "activities": [(a.activity, a.channel, a.start, a.end) for a in s.activities()],
        }
        for s in shifts
    ]


def save_roster(
    *,
    requirement_set_id: int,
    rules_id: int,
    shifts: Sequence[dict[str, Any]],
    coverage: pd.DataFrame,
    summary: dict[str, Any],
    violations: Sequence[Violation],
    first_day: dt.date,
    days: int,
    interval_min: int,
    parent_id: int | None = None,
    note: str = "",
    created_by: str | None = None,
) -> RosterVersion:
    """Add a draft roster version: its shifts, their activities and its coverage rows."""
    roster = RosterVersion(
        requirement_set_id=requirement_set_id,
        rules_id=rules_id,
        parent_id=parent_id,
        status="draft",
        first_day=first_day,
        days=days,
        interval_min=interval_min,
        summary_json=json.dumps(summary, default=str),
        violations_json=json.dumps([_violation_dict(v) for v in violations]),
        note=note,
        created_by=created_by or actor(),
    )
    db.session.add(roster)
    db.session.flush()
    _insert_shifts(roster.id, shifts)
    _insert_coverage(roster.id, coverage)
    return roster


def _violation_dict(v: Violation) -> dict[str, Any]:
    return {
        "agent_id": v.agent_id,
        "date": v.date.isoformat() if v.date else None,
        "rule": v.rule,
        "message": v.message,
        "code": v.key,
        "params": dict(v.params),
    }


def _add_note(summary: dict[str, Any], code: str, text: str, **params: object) -> None:
    """Append a note (English) and its code and params (for the page's language) to a summary."""
    notes = list(summary.get("notes") or [])
    codes = list(summary.get("note_codes") or [])
    codes += [None] * (len(notes) - len(codes))
    summary["notes"] = [*notes, text]
    summary["note_codes"] = [
        *codes[: len(notes)],
        {"code": code, "params": {k: str(v) for k, v in params.items()}},
    ]


def _insert_shifts(roster_id: int, shifts: Sequence[dict[str, Any]]) -> None:
    if not shifts:
        return
    ids = db.session.execute(
        insert(Shift).returning(Shift.id, sort_by_parameter_order=True),
        [
            {
                "roster_id": roster_id,
                "agent_id": s["agent_id"],
                "date": s["date"],
                "channel": s["channel"],
                "shift_type": s["shift_type"],
                "start_utc": _utc(s["start"]),
                "end_utc": _utc(s["end"]),
                "paid_min": int(s["paid_min"]),
                "locked": bool(s.get("locked", False)),
            }
            for s in shifts
        ],
    ).scalars()
    acts = []
    for shift_id, s in zip(ids, shifts, strict=True):
        for activity, channel, start, end in s["activities"]:
            acts.append(
                {
                    "shift_id": shift_id,
                    "activity": activity,
                    "channel": channel or "",
                    "start_utc": _utc(start),
                    "end_utc": _utc(end),
                }
            )
    if acts:
        db.session.execute(insert(ShiftActivity), acts)


def _utc(value: Any) -> dt.datetime:
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    out: dt.datetime = ts.to_pydatetime()
    return out


def _insert_coverage(roster_id: int, coverage: pd.DataFrame) -> None:
    c = coverage
    rows = pd.DataFrame(
        {
            "roster_id": roster_id,
            "channel": c["channel"].astype(str),
            "interval_start": to_utc(c["interval_start"]),
            "required": c["required"].astype(float),
            "available": c["available"].astype(float),
            "scheduled": c["scheduled"].astype(float),
            "volume": c["volume"].astype(float) if "volume" in c.columns else np.nan,
            "service_level": c["service_level"].astype(float)
            if "service_level" in c.columns
            else np.nan,
        }
    )
    _bulk_insert(CoverageRow, rows)


def run_roster_job(ctx: JobContextLike, params: dict[str, Any]) -> str:
    """The ``roster`` job: solve the week (or re-optimise around a roster's locked shifts).

    ``params``: ``requirement_set_id``, ``rules_id``, ``time_limit_s``, ``seed`` and, for a
    re-optimisation, ``base_roster_id``. The base roster's locked shifts are kept, each one
    alone (a hard constraint of the solver; not the agent's whole week), unless the current
    time off, rules or contracts forbid it: then it is dropped and named in the summary's
    notes. Every other day of every active agent is rostered again, changing as little as
    possible (the ``change`` weight).

    ``time_limit_s`` is the job's wall time: reading the inputs, the greedy start, the search,
    the LP bound, the check and saving all fit in it (the search gets what is left). Progress
    moves with the clock between the solver's reports; the job's final objective and bound are
    the saved summary's (see :func:`web.app.jobs.run_job`).
    """
    from web.pipeline import roster_step

    t_job = time.perf_counter()
    time_limit = float(params.get("time_limit_s", 60.0))
    center = settings()
    req_set = db.get_or_404(RequirementSet, int(params["requirement_set_id"]))
    rules_row = db.get_or_404(RulesVersion, int(params["rules_id"]))
    rules = rules_of(rules_row)
    targets = targets_of(db.get_or_404(TargetsVersion, req_set.targets_id))
    requirements = requirements_frame(req_set.id)
    agents = agent_records()
    if not agents:
        raise InputError("no active agents: add or import agents first")
    check_contracts(agents, rules, channels=targets.names)
    base_id = params.get("base_roster_id")
    locks = _Locks([], None, None, [])
    solve_req, solve_agents = requirements, agents
    if base_id:
        locks = _usable_locks(int(base_id), agents, rules)
    previous, fixed_frame = locks.previous, locks.frame
    ctx.progress(0.02, progress_text("rostering", n=len(solve_agents)))

    def fraction() -> float:
        return min(0.95, 0.02 + 0.93 * (time.perf_counter() - t_job) / max(time_limit, 0.1))

    def on_progress(p: Any) -> None:
        ctx.progress(
            fraction(),
            progress_text("solving", phase=p.phase, n=p.solutions),
            objective=float(p.objective),
            bound=float(p.best_bound),
        )

    ticking = threading.Event()

    def tick() -> None:  # the bar moves with the clock between the solver's reports
        while not ticking.wait(1.0):
            ctx.progress(fraction())

    ticker = threading.Thread(target=tick, name="roster-job-progress", daemon=True)
    ticker.start()
    try:
        run = roster_step(
            solve_req,
            solve_agents,
            rules,
            tz=center.tz,
            targets=targets,
            previous=previous if previous is not None and not previous.empty else None,
            fixed=fixed_frame,
            time_limit_s=max(0.5, time_limit - (time.perf_counter() - t_job)),
            seed=int(params.get("seed", 0)),
            progress=on_progress,
            stop=ctx.stop,
            abort=ctx.stop,  # a cancelled job saves nothing: no need to finish the greedy start
        )
    except SolveAborted:
        ctx.check_cancel()  # the job was cancelled (or its runner is stopping)
        raise
    finally:
        ticking.set()
        ticker.join()
    ctx.check_cancel()
    ctx.progress(0.96, "checking and saving")
    shifts = _shift_records(run.shifts)
    summary: dict[str, Any] = dict(run.summary.to_dict())
    violations: Sequence[Violation] = run.violations
    coverage = run.coverage
    if base_id:
        shifts, merged = _keep_locked_exactly(locks, shifts, run.roster)
        coverage, summary, violations = _reassess(
            merged,
            requirements,
            agents,
            rules,
            targets,
            center.tz,
            summary,
            planned=[a.agent_id for a in agents],
        )
        n = len(locks.kept)
        _add_note(summary, "reoptimised", f"re-optimised around {n} locked shift(s)", n=n)
        if locks.dropped:
            dropped = "; ".join(f"{a} {d} ({why})" for a, d, why in locks.dropped)
            text = f"locked shift(s) dropped, no longer allowed: {dropped}"
            _add_note(summary, "locks_dropped", text, shifts=dropped)
        summary["version_note"] = {"code": "reoptimised", "params": {}}
    roster = save_roster(
        requirement_set_id=req_set.id,
        rules_id=rules_row.id,
        shifts=shifts,
        coverage=coverage,
        summary=summary,
        violations=violations,
        first_day=run.dates[0],
        days=len(run.dates),
        interval_min=req_set.interval_min,
        parent_id=int(base_id) if base_id else None,
        note="re-optimised" if base_id else "",
        created_by=str(params.get("username", "system")),
    )
    audit(
        "roster_reoptimised" if base_id else "roster_generated",
        f"roster:{roster.id}",
        f"requirements:{req_set.id}, rules:{rules_row.id}, time limit {time_limit:g} s",
        username=str(params.get("username", "system")),
    )
    return f"roster:{roster.id}"


@dataclasses.dataclass(frozen=True)
class _Locks:
    """The base roster's locked shifts a re-optimisation keeps, and those it drops.

    ``kept``: stored records (:func:`_stored_shifts`); ``frame``: their roster rows;
    ``previous``: the base roster's rows of the active agents (the ``change`` weight's
    reference); ``dropped``: ``(agent_id, date, rules)`` of each lock no longer allowed.
    """

    kept: list[dict[str, Any]]
    frame: pd.DataFrame | None
    previous: pd.DataFrame | None
    dropped: list[tuple[str, dt.date, str]]

    def keys(self) -> set[tuple[str, dt.date]]:
        """``(agent_id, date)`` of the kept locks."""
        return {(str(s["agent_id"]), s["date"]) for s in self.kept}


def _usable_locks(base_id: int, agents: Sequence[AgentRecord], rules: RosterRules) -> _Locks:
    """The locked shifts of roster ``base_id`` that the current agents and rules allow.

    A lock is dropped when its agent is no longer active, or when the independent checker
    faults the shift itself under the current time off (approved days off are the agents'
    ``unavailable`` days), skills, availability window or shift types
    (:data:`~scheduling.roster.check.SINGLE_SHIFT_RULES`).
    """
    base = db.get_or_404(RosterVersion, base_id)
    frame = roster_frame_of(base_id)
    active = {a.agent_id for a in agents}
    locked = [s for s in _stored_shifts(base_id) if s["locked"]]
    if frame.empty:
        return _Locks([], None, None, [])
    locked_frame = frame[_of_days(frame, {(str(s["agent_id"]), s["date"]) for s in locked})]
    known = locked_frame[locked_frame["agent_id"].isin(active)]
    faults: dict[tuple[str, dt.date], set[str]] = {}
    if not known.empty:
        for v in check_roster(known, agents, rules, roster_dates(base)):
            if v.rule in SINGLE_SHIFT_RULES and v.date is not None:
                faults.setdefault((v.agent_id, v.date), set()).add(v.rule)
    kept, dropped = [], []
    for s in locked:
        key = (str(s["agent_id"]), s["date"])
        if key[0] not in active:
            dropped.append((key[0], key[1], "agent not active"))
        elif key in faults:
            dropped.append((key[0], key[1], ", ".join(sorted(faults[key]))))
        else:
            kept.append(s)
    kept_keys = {(str(s["agent_id"]), s["date"]) for s in kept}
    kept_frame = locked_frame[_of_days(locked_frame, kept_keys)]
    previous = frame[frame["agent_id"].isin(active)]
    return _Locks(kept, kept_frame, previous, dropped)


def _of_days(frame: pd.DataFrame, keys: set[tuple[str, dt.date]]) -> np.ndarray:
    """Which rows of a roster frame belong to one of the ``(agent_id, date)`` keys."""
    pairs = zip(frame["agent_id"].astype(str), frame["date"], strict=True)
    return np.array([p in keys for p in pairs], dtype=bool)


def _keep_locked_exactly(
    locks: _Locks, shifts: list[dict[str, Any]], solved: pd.DataFrame
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """The solved shifts with each kept lock exactly as stored (its rests too), still locked."""
    keys = locks.keys()
    out = [s for s in shifts if (str(s["agent_id"]), s["date"]) not in keys] + locks.kept
    if solved.empty:
        return out, locks.frame if locks.frame is not None else solved
    parts = [solved[~_of_days(solved, keys)]]
    if locks.frame is not None and not locks.frame.empty:
        parts.append(locks.frame)
    return out, pd.concat(parts, ignore_index=True)


def _reassess(
    frame: pd.DataFrame,
    requirements: pd.DataFrame,
    agents: Sequence[AgentRecord],
    rules: RosterRules,
    targets: Targets | None,
    tz: str,
    summary: dict[str, Any],
    *,
    planned: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any], list[Violation]]:
    """Coverage, summary figures and the checker's verdict of a roster frame.

    For frames the solver did not produce whole (edited, or merged around locked shifts).
    The agent counts are the frame's: ``agents_rostered`` those with a shift, ``agents``
    those the roster plans for (``planned``, with any rostered agent not among them; the
    stored count when ``planned`` is not given), so the first never exceeds the second.
    """
    coverage, week_sl, dates, interval_min = roster_coverage(
        frame, requirements, agents, rules, tz=tz, targets=targets
    )
    violations = check_roster(frame, agents, rules, dates)
    channels = coverage_figures(coverage, interval_min)
    out = dict(summary)
    out["channels"] = {c: dataclasses.asdict(v) for c, v in channels.items()}
    out["under_staffing_h"] = round(sum(c.under_h for c in channels.values()), 2)
    out["over_staffing_h"] = round(sum(c.over_h for c in channels.values()), 2)
    out["violations"] = len(violations)
    if week_sl:
        out["expected_service_level_week"] = week_sl
    if "service_level" in coverage.columns:
        sl: dict[str, float | None] = {}
        for c, g in coverage.groupby("channel"):
            g = g[g["service_level"].notna()]
            w = g["volume"]
            sl[str(c)] = (
                round(float((g["service_level"] * w).sum() / w.sum()), 4) if w.sum() > 0 else None
            )
        out["expected_service_level"] = sl
    keys = frame.drop_duplicates(["agent_id", "date"])
    rostered = {str(a) for a in keys["agent_id"]}
    out["shifts"] = len(keys)
    out["agents_rostered"] = len(rostered)
    if planned is not None:
        out["agents"] = len(rostered | {str(a) for a in planned})
    else:
        out["agents"] = max(int(out.get("agents") or 0), len(rostered))
    return coverage, out, violations


def _stored_shifts(roster_id: int) -> list[dict[str, Any]]:
    """A stored roster's shifts as records for :func:`save_roster` (locks kept)."""
    center = settings()
    shifts = list(
        db.session.scalars(select(Shift).where(Shift.roster_id == roster_id).order_by(Shift.id))
    )
    acts: dict[int, list[tuple[str, str, dt.datetime, dt.datetime]]] = {}
    stmt = (
        select(ShiftActivity)
        .join(Shift)
        .where(Shift.roster_id == roster_id)
        .order_by(ShiftActivity.shift_id, ShiftActivity.start_utc)
    )
    for a in db.session.scalars(stmt):
        acts.setdefault(a.shift_id, []).append(
            (
                a.activity,
                a.channel,
                local_ts(a.start_utc, center.tz),
                local_ts(a.end_utc, center.tz),
            )
        )
    return [
        {
            "agent_id": s.agent_id,
            "date": s.date,
            "channel": s.channel,
            "shift_type": s.shift_type,
            "start": local_ts(s.start_utc, center.tz),
            "end": local_ts(s.end_utc, center.tz),
            "paid_min": s.paid_min,
            "locked": s.locked,
            "activities": acts.get(s.id, []),
        }
        for s in shifts
    ]


def roster_frame_of(roster_id: int) -> pd.DataFrame:
    """A stored roster as the roster frame (one row per activity, tz-aware times)."""
    center = settings()
    stmt = (
        select(
            Shift.agent_id,
            Shift.date,
            ShiftActivity.activity,
            ShiftActivity.channel,
            ShiftActivity.start_utc,
            ShiftActivity.end_utc,
        )
        .join(Shift, ShiftActivity.shift_id == Shift.id)
        .where(Shift.roster_id == roster_id)
        .order_by(Shift.agent_id, Shift.date, ShiftActivity.start_utc)
    )
    frame = pd.DataFrame(db.session.execute(stmt).all(), columns=list(ROSTER_COLUMNS))
    if frame.empty:
        return frame
    frame["date"] = [
        d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for d in frame["date"]
    ]
    frame["start"] = to_local(frame["start"], center.tz).to_numpy()
    frame["end"] = to_local(frame["end"], center.tz).to_numpy()
    frame["start"] = pd.DatetimeIndex(frame["start"])
    frame["end"] = pd.DatetimeIndex(frame["end"])
    return frame


def roster_dates(roster: RosterVersion) -> list[dt.date]:
    """The planned days of a roster."""
    return [roster.first_day + dt.timedelta(days=k) for k in range(roster.days)]


def roster_grid(roster_id: int) -> dict[str, Any]:
    """The grid of agents x days: per cell the shift's times, type, channel, lunch and breaks.

    Two queries (shifts, activities) and no library call, so the page stays fast.
    """
    roster = db.get_or_404(RosterVersion, roster_id)
    center = settings()
    dates = roster_dates(roster)
    agents = list(db.session.scalars(select(Agent).order_by(Agent.agent_id)))
    shifts = db.session.execute(
        select(
            Shift.id,
            Shift.agent_id,
            Shift.date,
            Shift.channel,
            Shift.shift_type,
            Shift.start_utc,
            Shift.end_utc,
            Shift.locked,
        ).where(Shift.roster_id == roster_id)
    ).all()
    rests: dict[int, list[str]] = {}
    marks: dict[int, list[tuple[str, str]]] = {}
    stmt = (
        select(ShiftActivity.shift_id, ShiftActivity.activity, ShiftActivity.start_utc)
        .join(Shift, ShiftActivity.shift_id == Shift.id)
        .where(Shift.roster_id == roster_id, ShiftActivity.activity != "work")
        .order_by(ShiftActivity.start_utc)
    )
    for shift_id, activity, start in db.session.execute(stmt):
        t = f"{local_ts(start, center.tz):%H:%M}"
        rests.setdefault(shift_id, []).append(("L " if activity == "lunch" else "B ") + t)
        marks.setdefault(shift_id, []).append((str(activity), t))
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for sid, aid, date, channel, stype, start, end, locked in shifts:
        day = date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
        cells.setdefault(aid, {})[day.isoformat()] = {
            "start": f"{local_ts(start, center.tz):%H:%M}",
            "end": f"{local_ts(end, center.tz):%H:%M}",
            "type": stype,
            "channel": channel,
            "rests": rests.get(sid, []),
            "rest_marks": marks.get(sid, []),
            "locked": bool(locked),
        }
    rows = []
    shown = {a.agent_id for a in agents if a.active} | set(cells)
    for a in agents:
        if a.agent_id in shown:
            rows.append(
                {
                    "agent_id": a.agent_id,
                    "name": a.name,
                    "skills": a.skills,
                    "cells": cells.get(a.agent_id, {}),
                }
            )
    return {
        "dates": [d.isoformat() for d in dates],
        "day_labels": [f"{d:%a %d %b}" for d in dates],
        "rows": rows,
    }


def coverage_channels(scope: Scope) -> list[str] | None:
    """The channels whose coverage a scope shows (``None``: every channel).

    Agents are scheduled per channel, so an entity's or a queue's coverage is that of its
    channels (the page says so).
    """
    if scope.kind in ("channel", "queue"):
        return [scope.channel]
    if scope.kind == "entity":
        entity = scope_entity(scope.entity)
        return list(entity.channels) if entity is not None else []
    return None


def coverage_chart(roster_id: int, scope: Scope = CENTER) -> dict[str, Any]:
    """Per channel and interval: required and on the phones, and the expected service level.

    Only the channels of *scope* (:func:`coverage_channels`).
    """
    center = settings()
    channels = coverage_channels(scope)
    stmt = (
        select(
            CoverageRow.channel,
            CoverageRow.interval_start,
            CoverageRow.required,
            CoverageRow.available,
            CoverageRow.service_level,
        )
        .where(CoverageRow.roster_id == roster_id)
        .order_by(CoverageRow.channel, CoverageRow.interval_start)
    )
    if channels is not None:
        stmt = stmt.where(CoverageRow.channel.in_(channels))
    out: dict[str, Any] = {"labels": [], "channels": {}}
    labels_done = False
    current: str | None = None
    for channel, t, req, avail, sl in db.session.execute(stmt):
        if channel != current:
            if current is not None:
                labels_done = True
            current = channel
            out["channels"][channel] = {"required": [], "on_phones": [], "service_level": []}
        ch = out["channels"][channel]
        ch["required"].append(round(req, 2))
        ch["on_phones"].append(round(avail, 2))
        ch["service_level"].append(None if sl is None else round(sl, 4))
        if not labels_done:
            out["labels"].append(_label(local_ts(t, center.tz)))
    return out


def copy_roster(
    roster: RosterVersion, note: str, code: str = "", **params: object
) -> RosterVersion:
    """A new draft with the shifts, coverage and summary of ``roster`` (its parent).

    ``note`` is the version's note in English; ``code`` and ``params`` (see
    :data:`web.app.messages.VERSION_NOTES`) let the pages say it in their language.
    """
    coverage = coverage_frame_of(roster.id)
    summary = dict(roster.summary)
    summary.pop("version_note", None)
    if code:
        summary["version_note"] = {"code": code, "params": {k: str(v) for k, v in params.items()}}
    new = save_roster(
        requirement_set_id=roster.requirement_set_id,
        rules_id=roster.rules_id,
        shifts=_stored_shifts(roster.id),
        coverage=coverage,
        summary=summary,
        violations=[],
        first_day=roster.first_day,
        days=roster.days,
        interval_min=roster.interval_min,
        parent_id=roster.id,
        note=note,
    )
    new.violations_json = roster.violations_json
    return new


def coverage_frame_of(roster_id: int) -> pd.DataFrame:
    """A stored roster's coverage table."""
    center = settings()
    cols = [
        "channel",
        "interval_start",
        "required",
        "available",
        "scheduled",
        "volume",
        "service_level",
    ]
    stmt = (
        select(*[getattr(CoverageRow, c) for c in cols])
        .where(CoverageRow.roster_id == roster_id)
        .order_by(CoverageRow.channel, CoverageRow.interval_start)
    )
    frame = pd.DataFrame(db.session.execute(stmt).all(), columns=cols)
    frame["interval_start"] = to_local(frame["interval_start"], center.tz).to_numpy()
    return frame


def _rest_offsets(rules: RosterRules, shift_type: Any, keep: Sequence[int] | None) -> list[int]:
    """Offsets (minutes after the start) of a shift type's rest periods.

    ``keep`` when they are allowed, else the middle allowed offset of each period in order.
    """
    chain = rest_chain(rules, shift_type)
    if keep is not None and len(keep) == len(chain):
        ok, prev = True, None
        for slot, off in zip(chain, keep, strict=True):
            if off not in slot.offsets_min or (
                prev is not None and off < prev + slot.after_prev_min
            ):
                ok = False
            prev = off
        if ok:
            return list(keep)
    out: list[int] = []
    prev = None
    for slot in chain:
        allowed = [o for o in slot.offsets_min if prev is None or o >= prev + slot.after_prev_min]
        off = allowed[len(allowed) // 2] if allowed else slot.offsets_min[-1]
        out.append(off)
        prev = off
    return out


def edit_shift(
    roster_id: int,
    *,
    agent_id: str,
    date: dt.date,
    day_off: bool,
    start: str = "",
    shift_type: str = "",
    channel: str = "",
) -> tuple[RosterVersion, list[Violation]]:
    """Change one agent's day by hand and run the rule checker on the roster.

    A published roster is never changed: the edit goes into a new draft copied from it. The
    edited shift is locked (a re-optimisation keeps it). Coverage, summary figures and the
    checker's verdict are stored with the draft.

    Returns
    -------
    tuple
        The draft edited and the checker's violations of the whole roster.
    """
    roster = db.get_or_404(RosterVersion, roster_id)
    if roster.status == "published":
        roster = copy_roster(
            roster, f"edited from published version {roster.id}", "edited_published", id=roster.id
        )
    center = settings()
    rules_row = db.get_or_404(RulesVersion, roster.rules_id)
    rules = rules_of(rules_row)
    if date not in roster_dates(roster):
        raise InputError(f"{date} is not a day of this roster", column="date")
    agent = db.session.scalar(select(Agent).where(Agent.agent_id == agent_id))
    if agent is None:
        raise InputError(gettext("no such agent"), column="agent_id")
    skills = [s.strip() for s in agent.skills.replace(",", ";").split(";") if s.strip()]
    if not day_off and channel not in skills:
        raise InputError(
            gettext(
                "%(agent)s does not work on %(channel)s (skills: %(skills)s)",
                agent=agent_id,
                channel=repr(channel[:64]),
                skills=", ".join(skills),
            ),
            column="channel",
        )
    existing = db.session.scalar(
        select(Shift).where(
            Shift.roster_id == roster.id, Shift.agent_id == agent_id, Shift.date == date
        )
    )
    keep: list[int] | None = None
    if existing is not None:
        if existing.shift_type == shift_type:
            keep = [
                int((a.start_utc - existing.start_utc).total_seconds() // 60)
                for a in existing.activities
                if a.activity != "work"
            ]
        db.session.delete(existing)
        db.session.flush()
    if day_off:
        detail = "day off"
    else:
        types = {t.name: t for t in rules.shift_types}
        if shift_type not in types:
            raise InputError(f"unknown shift type {shift_type!r}", column="shift_type")
        st = types[shift_type]
        try:
            minute = parse_hhmm(start)
        except ValueError:
            raise InputError(f"expected HH:MM, got {start!r}", column="start") from None
        begin = pd.Timestamp(dt.datetime.combine(date, dt.time())).tz_localize(center.tz)
        begin = begin + pd.Timedelta(minutes=minute)
        end = begin + pd.Timedelta(minutes=st.length_min)
        offsets = _rest_offsets(rules, st, keep)
        chain = rest_chain(rules, st)
        rests = tuple(
            Activity(
                slot.kind,
                begin + pd.Timedelta(minutes=o),
                begin + pd.Timedelta(minutes=o + slot.length_min),
            )
            for slot, o in zip(chain, offsets, strict=True)
        )
        shift = RosterShift(
            agent_id=agent_id,
            date=date,
            channel=channel,
            shift_type=st.name,
            start=begin,
            end=end,
            paid_min=st.paid_min,
            rests=rests,
        )
        record = _shift_records([shift])[0]
        record["locked"] = True
        _insert_shifts(roster.id, [record])
        detail = f"{format_hhmm(minute)} {st.name} on {channel}"
    db.session.flush()
    frame = roster_frame_of(roster.id)
    req_set = db.get_or_404(RequirementSet, roster.requirement_set_id)
    targets = targets_of(db.get_or_404(TargetsVersion, req_set.targets_id))
    coverage, summary, violations = _reassess(
        frame,
        requirements_frame(req_set.id),
        agent_records(active_only=False),
        rules,
        targets,
        center.tz,
        roster.summary,
    )
    _add_note(summary, "edited", f"edited by hand: {agent_id} {date}", agent=agent_id, day=date)
    roster.summary_json = json.dumps(summary, default=str)
    roster.violations_json = json.dumps([_violation_dict(v) for v in violations])
    db.session.execute(delete(CoverageRow).where(CoverageRow.roster_id == roster.id))
    _insert_coverage(roster.id, coverage)
    audit("shift_edited", f"roster:{roster.id}", f"{agent_id} {date}: {detail}")
    return roster, violations


def fault_list(violations: Sequence[dict[str, Any]], limit: int = 5) -> str:
    """The checker's violations named briefly (``A1 2025-10-28 time_off; ...``)."""
    names = [
        " ".join(str(x) for x in (v.get("agent_id"), v.get("date"), v.get("rule")) if x)
        for v in violations
    ]
    more = len(names) - limit
    return "; ".join(names[:limit]) + (f"; +{more}" if more > 0 else "")


def override_reason(roster: RosterVersion, reason: str) -> str:
    """The reason to publish ``roster`` despite the checker's violations (``""``: none).

    Raises
    ------
    wfmcore.errors.InputError
        The checker faults the roster and no reason is given.
    """
    faults = roster.violations
    reason = reason.strip()
    if faults and not reason:
        raise InputError(
            gettext(
                "The rule checker faults this roster (%(n)s violation(s): %(list)s). Fix it, "
                "or give a reason to publish it anyway.",
                n=len(faults),
                list=fault_list(faults),
            ),
            column="override_reason",
        )
    return reason if faults else ""


def publish_roster(roster_id: int, *, override: str = "") -> RosterVersion:
    """Publish a draft: from now on it is immutable.

    A roster the rule checker faults is published only with ``override``, a reason: it is
    stored (``publish_override``), audited with the violations it overrides, and shown on the
    roster page; without one the publication is refused.
    """
    roster = db.get_or_404(RosterVersion, roster_id)
    if roster.status == "published":
        raise InputError(f"roster version {roster.id} is published already")
    reason = override_reason(roster, override)
    roster.status = "published"
    roster.published_by = actor()
    roster.published_at = utcnow()
    roster.publish_override = reason
    if reason:
        faults = roster.violations
        audit(
            "roster_publish_override",
            f"roster:{roster.id}",
            f"{reason} | overrides {len(faults)} violation(s): {fault_list(faults, 50)}",
        )
    audit("roster_published", f"roster:{roster.id}", roster.note)
    return roster

"""The independent rule checker: every hard labour rule verified on a roster frame.

Written apart from the optimizer on purpose (it shares no code with the model: it reads the
roster rows, the agents and the rules, and nothing else), so that a bug in the model cannot
hide itself. It lists every violation instead of stopping at the first.

Rules checked (``Violation.rule``): ``agent`` (unknown agent), ``horizon``, ``structure``
(overlapping rows, holes, a shift not starting on its date), ``skills``, ``shift_type``
(length, start time, channel or group not allowed), ``breaks`` (lunch and breaks: count,
length, window, gap), ``time_off``, ``earliest_start``, ``latest_end``, ``min_hours_week``,
``max_hours_week``, ``max_days_week``, ``days_off``, ``days_off_consecutive``, ``min_rest``,
``max_consecutive_days``, ``max_night_shifts``, ``locked_shifts``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from scheduling.roster.agents import Agent
from scheduling.roster.rules import BreakRule, RosterRules, ShiftType


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: which agent, which day (if any), which rule, and why."""

    agent_id: str
    date: dt.date | None
    rule: str
    message: str

    def __str__(self) -> str:
        day = f" {self.date}" if self.date else ""
        return f"{self.agent_id}{day}: {self.rule}: {self.message}"


class _Row(NamedTuple):
    activity: str
    start: pd.Timestamp
    end: pd.Timestamp
    channel: str


@dataclass(frozen=True, slots=True)
class _Shift:
    agent_id: str
    date: dt.date
    start: pd.Timestamp
    end: pd.Timestamp
    channels: tuple[str, ...]
    rests: tuple[tuple[str, pd.Timestamp, pd.Timestamp], ...]
    paid_min: float
    night: bool


def _minutes(a: pd.Timestamp, b: pd.Timestamp) -> float:
    return (b - a).total_seconds() / 60


def _wall_minutes(ts: pd.Timestamp, date: dt.date) -> float:
    """Wall-clock minutes of ``ts`` counted from midnight of ``date`` (may exceed 1440)."""
    naive = ts.tz_localize(None)
    return (naive - pd.Timestamp(dt.datetime.combine(date, dt.time()))).total_seconds() / 60


def _rests_fit(rules: RosterRules, st: ShiftType, start: pd.Timestamp, rests: list) -> str | None:
    """``None`` when the rest rows satisfy the shift type's lunch and break rules."""
    lunches = [r for r in rests if r[0] == "lunch"]
    breaks = [r for r in rests if r[0] == "break"]
    want_lunch = 1 if st.lunch else 0
    if len(lunches) != want_lunch:
        return f"{len(lunches)} lunch(es), shift type {st.name!r} has {want_lunch}"
    if len(breaks) != len(st.breaks):
        return f"{len(breaks)} break(s), shift type {st.name!r} has {len(st.breaks)}"

    def fits(row: tuple, rule: BreakRule) -> bool:
        off = _minutes(start, row[1])
        length = _minutes(row[1], row[2])
        return (
            length == rule.length_min
            and rule.earliest_min <= off <= rule.latest_min
            and off % rules.break_step_min == 0
        )

    if st.lunch and not fits(lunches[0], st.lunch):
        return (
            f"lunch at +{_minutes(start, lunches[0][1]):g} min for "
            f"{_minutes(lunches[0][1], lunches[0][2]):g} min is outside its rule"
        )
    if st.breaks and not any(
        all(fits(b, r) for b, r in zip(perm, st.breaks, strict=True))
        for perm in itertools.permutations(breaks)
    ):
        return "breaks are outside their windows or of the wrong length"
    spans = sorted((r[1], r[2]) for r in rests)
    for (_, a_end), (b_start, _) in itertools.pairwise(spans):
        if _minutes(a_end, b_start) < rules.break_min_gap_min:
            return f"rest periods less than {rules.break_min_gap_min} min apart"
    return None


def _night(rules: RosterRules, s: pd.Timestamp, e: pd.Timestamp, date: dt.date) -> bool:
    a, b = _wall_minutes(s, date), _wall_minutes(e, date)
    ns, ne = rules.night_start_min, rules.night_end_min
    total = 0.0
    for k in (-1, 0, 1):
        w0 = 1440 * k + ns
        w1 = 1440 * k + ne + (1440 if ne <= ns else 0)
        total += max(0.0, min(b, w1) - max(a, w0))
    return total >= max(1, rules.night_min_overlap_min)


def _shifts(
    roster: pd.DataFrame,
    agents: dict[str, Agent],
    rules: RosterRules,
    out: list[Violation],
    *,
    structural: bool,
) -> list[_Shift]:
    shifts: list[_Shift] = []
    groups: dict[tuple[str, dt.date], list[_Row]] = {}
    for rec in roster.to_dict("records"):
        d = rec["date"]
        day = d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d))
        row = _Row(
            str(rec["activity"]),
            pd.Timestamp(rec["start"]),
            pd.Timestamp(rec["end"]),
            "" if pd.isna(rec["channel"]) else str(rec["channel"]),
        )
        groups.setdefault((str(rec["agent_id"]), day), []).append(row)
    for (aid, date), rows in sorted(groups.items()):
        rows.sort(key=lambda r: (r.start, r.end))
        start, end = rows[0].start, max(r.end for r in rows)
        agent = agents.get(aid)

        def bad(rule: str, msg: str, aid: str = aid, date: dt.date = date) -> None:
            if structural:
                out.append(Violation(aid, date, rule, msg))

        for r0, r1 in itertools.pairwise(rows):
            if r1.start < r0.end:
                bad("structure", f"rows overlap at {r1.start}")
            elif r1.start > r0.end:
                bad("structure", f"hole between {r0.end} and {r1.start}")
        if start.date() != date:
            bad("structure", f"shift starts on {start.date()}, not on its date")
        if rows[0].activity != "work" or rows[-1].activity != "work":
            bad("structure", "a shift must start and end with work")
        channels = tuple(sorted({r.channel for r in rows if r.activity == "work"}))
        if agent is not None:
            for c in channels:
                if c not in agent.skills:
                    bad("skills", f"works {c!r} without the skill ({';'.join(agent.skills)})")
        rests = [(r.activity, r.start, r.end) for r in rows if r.activity != "work"]
        length = _minutes(start, end)
        tod = _wall_minutes(start, date)
        fitting = [
            st
            for st in rules.shift_types
            if st.length_min == length
            and tod in st.start_times()
            and (st.channels is None or all(c in st.channels for c in channels))
            and (st.groups is None or (agent is not None and agent.group in st.groups))
        ]
        unpaid = sum(_minutes(r[1], r[2]) for r in rests if r[0] == "lunch")
        if not fitting:
            bad(
                "shift_type",
                f"no shift type allows {length / 60:g} h from {start:%H:%M} on "
                f"{'/'.join(channels) or 'no channel'}"
                + (f" for group {agent.group!r}" if agent is not None and agent.group else ""),
            )
        else:
            problems = [(st, _rests_fit(rules, st, start, rests)) for st in fitting]
            ok = [st for st, p in problems if p is None]
            if not ok:
                bad("breaks", str(problems[0][1]))
            else:
                st = ok[0]
                unpaid = sum(b.length_min for b in st.rest_periods if not b.paid)
        shifts.append(
            _Shift(
                aid,
                date,
                start,
                end,
                channels,
                tuple(rests),
                length - unpaid,
                _night(rules, start, end, date),
            )
        )
    return shifts


def check_roster(
    roster: pd.DataFrame,
    agents: Sequence[Agent],
    rules: RosterRules,
    dates: Sequence[dt.date],
    *,
    previous: pd.DataFrame | None = None,
    lock_previous: bool = False,
) -> list[Violation]:
    """Check every hard rule on ``roster``.

    Parameters
    ----------
    roster
        Roster frame (``agent_id, date, activity, channel, start, end`` with tz-aware times), as
        from :func:`scheduling.roster.io.read_roster` or ``roster_frame``.
    agents, rules
        The agents and labour rules the roster must respect.
    dates
        The planned days (consecutive); weekly rules apply to 7-day blocks from the first.
    previous
        An earlier roster: its shifts before ``dates`` count for rest and consecutive days.
    lock_previous
        Whether the previous roster's shifts inside ``dates`` had to be kept.

    Returns
    -------
    list of Violation
        Empty when the roster is valid.
    """
    by_id = {a.agent_id: a for a in agents}
    dates = list(dates)
    first, last = dates[0], dates[-1]
    out: list[Violation] = []
    shifts = _shifts(roster, by_id, rules, out, structural=True)
    prev_shifts = (
        _shifts(previous, by_id, rules, [], structural=False) if previous is not None else []
    )
    for s in shifts:
        if s.agent_id not in by_id:
            out.append(Violation(s.agent_id, s.date, "agent", "unknown agent_id"))
        if not first <= s.date <= last:
            out.append(Violation(s.agent_id, s.date, "horizon", f"outside {first}..{last}"))
    weeks = [dates[i : i + 7] for i in range(0, len(dates), 7)]
    for agent in agents:
        mine = sorted((s for s in shifts if s.agent_id == agent.agent_id), key=lambda s: s.start)
        aid = agent.agent_id
        for s in mine:
            if s.date in agent.unavailable:
                out.append(Violation(aid, s.date, "time_off", "works on approved time off"))
            next_day = s.date + dt.timedelta(days=1)
            if next_day in agent.unavailable and _wall_minutes(s.end, s.date) > 1440:
                out.append(
                    Violation(
                        aid, s.date, "time_off", f"works into approved time off on {next_day}"
                    )
                )
            if (
                agent.earliest_start_min is not None
                and _wall_minutes(s.start, s.date) < agent.earliest_start_min
            ):
                out.append(Violation(aid, s.date, "earliest_start", f"starts {s.start:%H:%M}"))
            if (
                agent.latest_end_min is not None
                and _wall_minutes(s.end, s.date) > agent.latest_end_min
            ):
                out.append(Violation(aid, s.date, "latest_end", f"ends {s.end:%H:%M}"))
        for week in weeks:
            share = len(week) / 7
            ws = [s for s in mine if week[0] <= s.date <= week[-1]]
            paid = sum(s.paid_min for s in ws)
            # approved time off is paid: each day credits min_hours_week / max_days_week
            off = sum(1 for d in week if d in agent.unavailable)
            credit = off * agent.min_hours_week * 60 / agent.max_days_week if off else 0.0
            lo = math.floor(max(0.0, agent.min_hours_week * 60 * share - credit) + 1e-9)
            hi = math.ceil(agent.max_hours_week * 60 * share - 1e-9)
            tag = f"week of {week[0]}"
            if paid < lo:
                out.append(
                    Violation(
                        aid, None, "min_hours_week", f"{tag}: {paid / 60:g} h paid < {lo / 60:g} h"
                    )
                )
            if paid > hi:
                out.append(
                    Violation(
                        aid, None, "max_hours_week", f"{tag}: {paid / 60:g} h paid > {hi / 60:g} h"
                    )
                )
            worked = {s.date for s in ws}
            if len(worked) > agent.max_days_week:
                out.append(
                    Violation(
                        aid,
                        None,
                        "max_days_week",
                        f"{tag}: {len(worked)} days > {agent.max_days_week}",
                    )
                )
            off_needed = math.floor(rules.days_off_per_week * share)
            if len(week) - len(worked) < off_needed:
                out.append(
                    Violation(
                        aid,
                        None,
                        "days_off",
                        f"{tag}: {len(week) - len(worked)} days off < {off_needed}",
                    )
                )
            if (
                rules.days_off_consecutive
                and rules.days_off_per_week >= 2
                and len(week) == 7
                and not any(
                    a not in worked and b not in worked for a, b in itertools.pairwise(week)
                )
            ):
                out.append(
                    Violation(
                        aid, None, "days_off_consecutive", f"{tag}: no two consecutive days off"
                    )
                )
            nights = sum(1 for s in ws if s.night)
            if rules.max_night_shifts_week is not None and nights > rules.max_night_shifts_week:
                out.append(
                    Violation(
                        aid,
                        None,
                        "max_night_shifts",
                        f"{tag}: {nights} night shifts > {rules.max_night_shifts_week}",
                    )
                )
        before = [s for s in prev_shifts if s.agent_id == aid and s.date < first]
        timeline = sorted(before + mine, key=lambda s: s.start)
        for s0, s1 in itertools.pairwise(timeline):
            gap = _minutes(s0.end, s1.start)
            if gap < rules.min_rest_min:
                out.append(
                    Violation(
                        aid,
                        s1.date,
                        "min_rest",
                        f"{gap / 60:g} h rest after the shift of {s0.date} "
                        f"< {rules.min_rest_min / 60:g} h",
                    )
                )
        worked_days = sorted({s.date for s in timeline})
        run: list[dt.date] = []
        for d in worked_days:
            run = run + [d] if run and (d - run[-1]).days == 1 else [d]
            if len(run) == rules.max_consecutive_days + 1 and d >= first:
                out.append(
                    Violation(
                        aid,
                        d,
                        "max_consecutive_days",
                        f"{len(run)} days in a row from {run[0]} > {rules.max_consecutive_days}",
                    )
                )
    if lock_previous and previous is not None:
        inside = [s for s in prev_shifts if first <= s.date <= last]
        if inside:
            lo_d, hi_d = min(s.date for s in inside), max(s.date for s in inside)
            old = {(s.agent_id, s.date): s for s in inside}
            new = {(s.agent_id, s.date): s for s in shifts}
            for aid in sorted({a.agent_id for a in agents}):
                for k in range((hi_d - lo_d).days + 1):
                    d = lo_d + dt.timedelta(days=k)
                    o, n = old.get((aid, d)), new.get((aid, d))
                    if o is None and n is None:
                        continue
                    if (
                        o is None
                        or n is None
                        or (o.start, o.end, o.channels) != (n.start, n.end, n.channels)
                    ):
                        out.append(
                            Violation(
                                aid, d, "locked_shifts", "differs from the locked previous roster"
                            )
                        )
    return out

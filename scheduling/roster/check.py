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

Each violation also carries a stable ``code`` (the rule, or ``rule.kind`` where a rule has
several messages, e.g. ``breaks.lunch_count``) and the ``params`` its message is made of, so
that an interface can say it in another language without reading the English ``message``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from scheduling.roster.agents import Agent
from scheduling.roster.rules import BreakRule, RosterRules, ShiftType
from wfmcore.defaults import MINUTES_PER_DAY

#: The rules that fault one shift by itself (the others judge an agent's whole week or the rest
#: between shifts): a shift that breaks none of these may stand alone, e.g. as a locked shift.
SINGLE_SHIFT_RULES: frozenset[str] = frozenset(
    {
        "agent",
        "horizon",
        "structure",
        "skills",
        "shift_type",
        "breaks",
        "time_off",
        "earliest_start",
        "latest_end",
    }
)


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: which agent, which day (if any), which rule, and why."""

    agent_id: str
    date: dt.date | None
    rule: str
    message: str
    code: str = ""
    params: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """The message's stable code: ``code``, else the rule."""
        return self.code or self.rule

    def __str__(self) -> str:
        """``agent_id date: rule: message`` (the date only when there is one)."""
        day = f" {self.date}" if self.date else ""
        return f"{self.agent_id}{day}: {self.rule}: {self.message}"


class _Row(NamedTuple):
    activity: str
    start: pd.Timestamp
    end: pd.Timestamp
    channel: str


@dataclass(frozen=True, slots=True)
class _Shift:
    """One agent's rows on one date, read as a shift.

    ``fitting`` are the shift types that allow its length, start time, channels and the agent's
    group; ``rest_problem`` says why none of them accepts its lunch and breaks (``None`` when
    one does, or when no type fits at all). ``paid_min`` counts the unpaid rest periods of the
    matching type (or the lunch rows when no type matches).
    """

    agent_id: str
    date: dt.date
    rows: tuple[_Row, ...]
    start: pd.Timestamp
    end: pd.Timestamp
    channels: tuple[str, ...]
    fitting: tuple[ShiftType, ...]
    rest_problem: _Why | None
    paid_min: float
    night: bool


@dataclass(frozen=True, slots=True)
class _Week:
    """A 7-day block of the horizon (shorter at its end) and one agent's shifts in it."""

    dates: tuple[dt.date, ...]
    shifts: tuple[_Shift, ...]

    @property
    def tag(self) -> str:
        return f"week of {self.dates[0]}"

    def worked(self) -> set[dt.date]:
        return {s.date for s in self.shifts}


def _minutes(a: pd.Timestamp, b: pd.Timestamp) -> float:
    return (b - a).total_seconds() / 60


def _wall_minutes(ts: pd.Timestamp, date: dt.date) -> float:
    """Wall-clock minutes of ``ts`` counted from midnight of ``date`` (may exceed a day)."""
    naive = ts.tz_localize(None)
    return (naive - pd.Timestamp(dt.datetime.combine(date, dt.time()))).total_seconds() / 60


#: A lunch or break row of a shift: (activity, start, end).
_Rest = tuple[str, pd.Timestamp, pd.Timestamp]


class _Why(NamedTuple):
    """Why a rule fails: a stable code, the message's parameters and the English message."""

    code: str
    params: tuple[tuple[str, str], ...]
    message: str


def _why(code: str, message: str, **params: object) -> _Why:
    return _Why(code, tuple((k, str(v)) for k, v in params.items()), message)


def _violation(agent_id: str, date: dt.date | None, rule: str, why: _Why) -> Violation:
    return Violation(agent_id, date, rule, why.message, why.code, why.params)


def _rests_fit(
    rules: RosterRules, st: ShiftType, start: pd.Timestamp, rests: list[_Rest]
) -> _Why | None:
    """``None`` when the rest rows satisfy the shift type's lunch and break rules."""
    lunches = [r for r in rests if r[0] == "lunch"]
    breaks = [r for r in rests if r[0] == "break"]
    want_lunch = 1 if st.lunch else 0
    if len(lunches) != want_lunch:
        n, name = len(lunches), st.name
        message = f"{n} lunch(es), shift type {name!r} has {want_lunch}"
        return _why("breaks.lunch_count", message, n=n, shift_type=name, want=want_lunch)
    if len(breaks) != len(st.breaks):
        n, name, want = len(breaks), st.name, len(st.breaks)
        message = f"{n} break(s), shift type {name!r} has {want}"
        return _why("breaks.break_count", message, n=n, shift_type=name, want=want)

    def fits(row: _Rest, rule: BreakRule) -> bool:
        off = _minutes(start, row[1])
        length = _minutes(row[1], row[2])
        return (
            length == rule.length_min
            and rule.earliest_min <= off <= rule.latest_min
            and off % rules.break_step_min == 0
        )

    if st.lunch and not fits(lunches[0], st.lunch):
        at = f"{_minutes(start, lunches[0][1]):g}"
        length = f"{_minutes(lunches[0][1], lunches[0][2]):g}"
        message = f"lunch at +{at} min for {length} min is outside its rule"
        return _why("breaks.lunch_window", message, at=at, length=length)
    if st.breaks and not any(
        all(fits(b, r) for b, r in zip(perm, st.breaks, strict=True))
        for perm in itertools.permutations(breaks)
    ):
        return _why(
            "breaks.break_windows", "breaks are outside their windows or of the wrong length"
        )
    spans = sorted((r[1], r[2]) for r in rests)
    for (_, a_end), (b_start, _) in itertools.pairwise(spans):
        if _minutes(a_end, b_start) < rules.break_min_gap_min:
            gap = rules.break_min_gap_min
            return _why("breaks.gap", f"rest periods less than {gap} min apart", minutes=gap)
    return None


def _night(rules: RosterRules, s: pd.Timestamp, e: pd.Timestamp, date: dt.date) -> bool:
    a, b = _wall_minutes(s, date), _wall_minutes(e, date)
    ns, ne = rules.night_start_min, rules.night_end_min
    total = 0.0
    for k in (-1, 0, 1):
        w0 = MINUTES_PER_DAY * k + ns
        w1 = MINUTES_PER_DAY * k + ne + (MINUTES_PER_DAY if ne <= ns else 0)
        total += max(0.0, min(b, w1) - max(a, w0))
    return total >= max(1, rules.night_min_overlap_min)


# ---------------------------------------------------------------------------------------------
# reading the roster frame into shifts


def _group_rows(roster: pd.DataFrame) -> dict[tuple[str, dt.date], list[_Row]]:
    """The roster rows by (agent_id, date), sorted by key; each group sorted by start."""
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
    for rows in groups.values():
        rows.sort(key=lambda r: (r.start, r.end))
    return dict(sorted(groups.items()))


def _shift(
    aid: str, date: dt.date, rows: list[_Row], agent: Agent | None, rules: RosterRules
) -> _Shift:
    start, end = rows[0].start, max(r.end for r in rows)
    channels = tuple(sorted({r.channel for r in rows if r.activity == "work"}))
    rests = [(r.activity, r.start, r.end) for r in rows if r.activity != "work"]
    length = _minutes(start, end)
    tod = _wall_minutes(start, date)
    fitting = tuple(
        st
        for st in rules.shift_types
        if st.length_min == length
        and tod in st.start_times()
        and (st.channels is None or all(c in st.channels for c in channels))
        and (st.groups is None or (agent is not None and agent.group in st.groups))
    )
    problems = [(st, _rests_fit(rules, st, start, rests)) for st in fitting]
    accepting = [st for st, problem in problems if problem is None]
    unpaid: float
    if accepting:
        unpaid = sum(b.length_min for b in accepting[0].rest_periods if not b.paid)
    else:
        unpaid = sum(_minutes(r[1], r[2]) for r in rests if r[0] == "lunch")
    return _Shift(
        agent_id=aid,
        date=date,
        rows=tuple(rows),
        start=start,
        end=end,
        channels=channels,
        fitting=fitting,
        rest_problem=problems[0][1] if problems and not accepting else None,
        paid_min=length - unpaid,
        night=_night(rules, start, end, date),
    )


def _shifts(roster: pd.DataFrame, agents: dict[str, Agent], rules: RosterRules) -> list[_Shift]:
    return [
        _shift(aid, date, rows, agents.get(aid), rules)
        for (aid, date), rows in _group_rows(roster).items()
    ]


# ---------------------------------------------------------------------------------------------
# rules of one shift


def _check_structure(s: _Shift) -> list[Violation]:
    """Rows overlap or leave holes, the shift starts on another date, or not with work."""
    problems = []
    for r0, r1 in itertools.pairwise(s.rows):
        if r1.start < r0.end:
            problems.append(_why("structure.overlap", f"rows overlap at {r1.start}", at=r1.start))
        elif r1.start > r0.end:
            message = f"hole between {r0.end} and {r1.start}"
            problems.append(_why("structure.hole", message, start=r0.end, end=r1.start))
    if s.start.date() != s.date:
        day = s.start.date()
        message = f"shift starts on {day}, not on its date"
        problems.append(_why("structure.start_day", message, day=day))
    if s.rows[0].activity != "work" or s.rows[-1].activity != "work":
        problems.append(_why("structure.work_ends", "a shift must start and end with work"))
    return [_violation(s.agent_id, s.date, "structure", p) for p in problems]


def _check_skills(s: _Shift, agent: Agent | None) -> list[Violation]:
    if agent is None:
        return []
    skills = ";".join(agent.skills)
    return [
        _violation(
            s.agent_id,
            s.date,
            "skills",
            _why(
                "skills",
                f"works {c!r} without the skill ({skills})",
                channel=c,
                skills=skills,
            ),
        )
        for c in s.channels
        if c not in agent.skills
    ]


def _check_shift_type(s: _Shift, agent: Agent | None) -> list[Violation]:
    """No shift type allows the shift's length, start, channels and the agent's group."""
    if s.fitting:
        return []
    has_group = agent is not None and bool(agent.group)
    group = f" for group {agent.group!r}" if agent is not None and agent.group else ""
    hours, start = f"{_minutes(s.start, s.end) / 60:g}", f"{s.start:%H:%M}"
    channels = "/".join(s.channels)
    message = f"no shift type allows {hours} h from {start} on {channels or 'no channel'}{group}"
    if channels:
        code = "shift_type.group" if has_group else "shift_type"
    else:
        code = "shift_type.no_channel.group" if has_group else "shift_type.no_channel"
    params: dict[str, object] = {"hours": hours, "start": start, "channels": channels}
    if has_group and agent is not None:
        params["group"] = agent.group
    return [_violation(s.agent_id, s.date, "shift_type", _why(code, message, **params))]


def _check_breaks(s: _Shift) -> list[Violation]:
    """Lunch and breaks fit none of the shift types that allow the shift."""
    if s.rest_problem is None:
        return []
    return [_violation(s.agent_id, s.date, "breaks", s.rest_problem)]


def _check_known_agent(s: _Shift, agents: dict[str, Agent]) -> list[Violation]:
    if s.agent_id in agents:
        return []
    return [_violation(s.agent_id, s.date, "agent", _why("agent", "unknown agent_id"))]


def _check_horizon(s: _Shift, first: dt.date, last: dt.date) -> list[Violation]:
    if first <= s.date <= last:
        return []
    why = _why("horizon", f"outside {first}..{last}", first=first, last=last)
    return [_violation(s.agent_id, s.date, "horizon", why)]


# ---------------------------------------------------------------------------------------------
# rules of one agent: per shift, per week, and along the agent's timeline


def _check_time_off(agent: Agent, s: _Shift) -> list[Violation]:
    """No work on approved time off, nor a night shift running into it."""
    out = []
    if s.date in agent.unavailable:
        why = _why("time_off", "works on approved time off")
        out.append(_violation(agent.agent_id, s.date, "time_off", why))
    next_day = s.date + dt.timedelta(days=1)
    if next_day in agent.unavailable and _wall_minutes(s.end, s.date) > MINUTES_PER_DAY:
        message = f"works into approved time off on {next_day}"
        why = _why("time_off.next_day", message, day=next_day)
        out.append(_violation(agent.agent_id, s.date, "time_off", why))
    return out


def _check_earliest_start(agent: Agent, s: _Shift) -> list[Violation]:
    earliest = agent.earliest_start_min
    if earliest is None or _wall_minutes(s.start, s.date) >= earliest:
        return []
    why = _why("earliest_start", f"starts {s.start:%H:%M}", time=f"{s.start:%H:%M}")
    return [_violation(agent.agent_id, s.date, "earliest_start", why)]


def _check_latest_end(agent: Agent, s: _Shift) -> list[Violation]:
    latest = agent.latest_end_min
    if latest is None or _wall_minutes(s.end, s.date) <= latest:
        return []
    why = _why("latest_end", f"ends {s.end:%H:%M}", time=f"{s.end:%H:%M}")
    return [_violation(agent.agent_id, s.date, "latest_end", why)]


def _hours_limits(agent: Agent, week: _Week) -> tuple[int, int]:
    """Paid minutes allowed in a (possibly partial) week, as ``(least, most)``.

    Contract hours pro rata; approved time off is paid, each day crediting
    ``min_hours_week / max_days_week``.
    """
    share = len(week.dates) / 7
    off = sum(1 for d in week.dates if d in agent.unavailable)
    credit = off * agent.min_hours_week * 60 / agent.max_days_week if off else 0.0
    lo = math.floor(max(0.0, agent.min_hours_week * 60 * share - credit) + 1e-9)
    hi = math.ceil(agent.max_hours_week * 60 * share - 1e-9)
    return lo, hi


def _check_min_hours_week(agent: Agent, week: _Week, rules: RosterRules) -> list[Violation]:
    paid = sum(s.paid_min for s in week.shifts)
    lo, _ = _hours_limits(agent, week)
    if paid >= lo:
        return []
    hours, least = f"{paid / 60:g}", f"{lo / 60:g}"
    message = f"{week.tag}: {hours} h paid < {least} h"
    why = _why("min_hours_week", message, week=week.dates[0], hours=hours, limit=least)
    return [_violation(agent.agent_id, None, "min_hours_week", why)]


def _check_max_hours_week(agent: Agent, week: _Week, rules: RosterRules) -> list[Violation]:
    paid = sum(s.paid_min for s in week.shifts)
    _, hi = _hours_limits(agent, week)
    if paid <= hi:
        return []
    hours, most = f"{paid / 60:g}", f"{hi / 60:g}"
    message = f"{week.tag}: {hours} h paid > {most} h"
    why = _why("max_hours_week", message, week=week.dates[0], hours=hours, limit=most)
    return [_violation(agent.agent_id, None, "max_hours_week", why)]


def _check_max_days_week(agent: Agent, week: _Week, rules: RosterRules) -> list[Violation]:
    days = len(week.worked())
    if days <= agent.max_days_week:
        return []
    message = f"{week.tag}: {days} days > {agent.max_days_week}"
    why = _why("max_days_week", message, week=week.dates[0], days=days, limit=agent.max_days_week)
    return [_violation(agent.agent_id, None, "max_days_week", why)]


def _check_days_off(agent: Agent, week: _Week, rules: RosterRules) -> list[Violation]:
    off = len(week.dates) - len(week.worked())
    needed = math.floor(rules.days_off_per_week * len(week.dates) / 7)
    if off >= needed:
        return []
    message = f"{week.tag}: {off} days off < {needed}"
    why = _why("days_off", message, week=week.dates[0], days=off, limit=needed)
    return [_violation(agent.agent_id, None, "days_off", why)]


def _check_days_off_consecutive(agent: Agent, week: _Week, rules: RosterRules) -> list[Violation]:
    """Two days off in a row in every full week, when the rules ask for two or more."""
    if not rules.days_off_consecutive or rules.days_off_per_week < 2 or len(week.dates) != 7:
        return []
    worked = week.worked()
    if any(a not in worked and b not in worked for a, b in itertools.pairwise(week.dates)):
        return []
    message = f"{week.tag}: no two consecutive days off"
    why = _why("days_off_consecutive", message, week=week.dates[0])
    return [_violation(agent.agent_id, None, "days_off_consecutive", why)]


def _check_max_night_shifts(agent: Agent, week: _Week, rules: RosterRules) -> list[Violation]:
    limit = rules.max_night_shifts_week
    nights = sum(1 for s in week.shifts if s.night)
    if limit is None or nights <= limit:
        return []
    message = f"{week.tag}: {nights} night shifts > {limit}"
    why = _why("max_night_shifts", message, week=week.dates[0], nights=nights, limit=limit)
    return [_violation(agent.agent_id, None, "max_night_shifts", why)]


def _check_min_rest(
    agent: Agent, timeline: Sequence[_Shift], first: dt.date, rules: RosterRules
) -> list[Violation]:
    """Rest between consecutive shifts, the previous roster's last ones included."""
    out = []
    for s0, s1 in itertools.pairwise(timeline):
        gap = _minutes(s0.end, s1.start)
        if gap < rules.min_rest_min:
            hours, least = f"{gap / 60:g}", f"{rules.min_rest_min / 60:g}"
            message = f"{hours} h rest after the shift of {s0.date} < {least} h"
            why = _why("min_rest", message, hours=hours, day=s0.date, limit=least)
            out.append(_violation(agent.agent_id, s1.date, "min_rest", why))
    return out


def _check_max_consecutive_days(
    agent: Agent, timeline: Sequence[_Shift], first: dt.date, rules: RosterRules
) -> list[Violation]:
    """Runs of working days longer than the limit, counted from the previous roster.

    Each run is reported once, on its first day in the horizon past the limit.
    """
    out = []
    run: list[dt.date] = []
    for d in sorted({s.date for s in timeline}):
        run = [*run, d] if run and (d - run[-1]).days == 1 else [d]
        if len(run) == rules.max_consecutive_days + 1 and d >= first:
            limit = rules.max_consecutive_days
            message = f"{len(run)} days in a row from {run[0]} > {limit}"
            why = _why("max_consecutive_days", message, days=len(run), day=run[0], limit=limit)
            out.append(_violation(agent.agent_id, d, "max_consecutive_days", why))
    return out


_ShiftRule = Callable[[Agent, _Shift], list[Violation]]
_WeekRule = Callable[[Agent, _Week, RosterRules], list[Violation]]
_TimelineRule = Callable[[Agent, Sequence[_Shift], dt.date, RosterRules], list[Violation]]
_SHIFT_RULES: tuple[_ShiftRule, ...] = (_check_time_off, _check_earliest_start, _check_latest_end)
_WEEK_RULES: tuple[_WeekRule, ...] = (
    _check_min_hours_week,
    _check_max_hours_week,
    _check_max_days_week,
    _check_days_off,
    _check_days_off_consecutive,
    _check_max_night_shifts,
)
_TIMELINE_RULES: tuple[_TimelineRule, ...] = (_check_min_rest, _check_max_consecutive_days)


def _check_agent_rules(
    agent: Agent,
    shifts: Sequence[_Shift],
    previous: Sequence[_Shift],
    dates: Sequence[dt.date],
    rules: RosterRules,
) -> list[Violation]:
    """Every rule of one agent.

    Per shift, per 7-day block from the first date, and along the timeline that starts with the
    previous roster's shifts before the horizon.
    """
    first = dates[0]
    mine = sorted((s for s in shifts if s.agent_id == agent.agent_id), key=lambda s: s.start)
    out = [v for s in mine for check in _SHIFT_RULES for v in check(agent, s)]
    for i in range(0, len(dates), 7):
        block = tuple(dates[i : i + 7])
        week = _Week(block, tuple(s for s in mine if block[0] <= s.date <= block[-1]))
        out += [v for check in _WEEK_RULES for v in check(agent, week, rules)]
    before = [s for s in previous if s.agent_id == agent.agent_id and s.date < first]
    timeline = sorted(before + mine, key=lambda s: s.start)
    out += [v for check in _TIMELINE_RULES for v in check(agent, timeline, first, rules)]
    return out


def _check_locked_shifts(
    shifts: Sequence[_Shift],
    previous: Sequence[_Shift],
    agents: Sequence[Agent],
    dates: Sequence[dt.date],
) -> list[Violation]:
    """Fixed days: the previous roster's shifts inside the horizon are kept.

    Between the previous roster's first and last date in the horizon, every agent's shift (or
    day off) is the previous roster's: same start, end and channels.
    """
    inside = [s for s in previous if dates[0] <= s.date <= dates[-1]]
    if not inside:
        return []
    lo_d, hi_d = min(s.date for s in inside), max(s.date for s in inside)
    old = {(s.agent_id, s.date): s for s in inside}
    new = {(s.agent_id, s.date): s for s in shifts}
    out = []
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
                why = _why("locked_shifts", "differs from the locked previous roster")
                out.append(_violation(aid, d, "locked_shifts", why))
    return out


# ---------------------------------------------------------------------------------------------


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
        Empty when the roster is valid. Listed shift by shift (structure, skills, shift type,
        breaks; then unknown agents and dates outside the horizon), then agent by agent (per
        shift: time off, earliest start, latest end; per week: hours, days, days off, nights;
        then rest and consecutive days), then the locked shifts.
    """
    by_id = {a.agent_id: a for a in agents}
    dates = list(dates)
    shifts = _shifts(roster, by_id, rules)
    prev_shifts = _shifts(previous, by_id, rules) if previous is not None else []
    out: list[Violation] = []
    for s in shifts:
        agent = by_id.get(s.agent_id)
        out += _check_structure(s)
        out += _check_skills(s, agent)
        out += _check_shift_type(s, agent)
        out += _check_breaks(s)
    for s in shifts:
        out += _check_known_agent(s, by_id)
        out += _check_horizon(s, dates[0], dates[-1])
    for agent in agents:
        out += _check_agent_rules(agent, shifts, prev_shifts, dates, rules)
    if lock_previous and previous is not None:
        out += _check_locked_shifts(shifts, prev_shifts, agents, dates)
    return out

"""Agents' self-service: their published weeks, calendar feed, time off and preferences.

An agent sees only their own rows: every function takes the agent id of the signed-in user
(or of the feed token) and filters on it; the views never take an agent id from the URL.

The feed token is a random secret (``secrets.token_urlsafe(32)``) stored as its SHA-256 hash
(:class:`~web.app.models.FeedToken`): the URL is shown once, when it is made or reset, and a
request's token is found by hashing it. Resetting replaces the hash, so the old URL gets 404.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from flask_babel import force_locale, gettext
from sqlalchemy import select

from web.app.extensions import db
from web.app.models import Agent, FeedToken, RosterVersion, Shift, TimeOffRequest, User, utcnow
from web.app.services._agents import _agent_row_values, validate_agent_values
from web.app.services._common import audit, center_today, check_length, local_ts, settings
from web.app.services._roster import roster_frame_of
from web.ical import agent_calendar
from wfmcore.errors import InputError

#: Weekday names of ``agents.csv``'s ``preferred_days_off`` (Monday first).
WEEKDAY_KEYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def published_weeks(*, today: dt.date | None = None) -> list[RosterVersion]:
    """The newest published version of each week that has not ended, earliest week first.

    When every published week has ended, the newest published week alone (so an agent still
    sees their last roster).
    """
    rows = list(
        db.session.scalars(
            select(RosterVersion)
            .where(RosterVersion.status == "published")
            .order_by(RosterVersion.id.desc())
        )
    )
    newest: dict[dt.date, RosterVersion] = {}
    for r in rows:
        newest.setdefault(r.first_day, r)
    weeks = sorted(newest.values(), key=lambda r: r.first_day)
    day = today or center_today()
    current = [r for r in weeks if r.first_day + dt.timedelta(days=r.days - 1) >= day]
    return current or weeks[-1:]


@dataclass(frozen=True, slots=True)
class TimeOffConflict:
    """An approved day off on which a roster still gives the agent a shift."""

    agent_id: str
    date: dt.date
    request_id: int
    decided_by: str
    decided_at: dt.datetime | None = None


def time_off_conflicts(roster: RosterVersion, agent_id: str | None = None) -> list[TimeOffConflict]:
    """The approved days off on which ``roster`` gives the agent (or any agent) a shift.

    Read from the requests and the roster's shifts each time, so a conflict shows until a
    version without that shift is published (the newest version of a week is the one shown).
    """
    last = roster.first_day + dt.timedelta(days=roster.days - 1)
    stmt = select(TimeOffRequest).where(
        TimeOffRequest.status == "approved",
        TimeOffRequest.first_day <= last,
        TimeOffRequest.last_day >= roster.first_day,
    )
    shifts = select(Shift.agent_id, Shift.date).where(Shift.roster_id == roster.id)
    if agent_id is not None:
        stmt = stmt.where(TimeOffRequest.agent_id == agent_id)
        shifts = shifts.where(Shift.agent_id == agent_id)
    worked = {(str(a), d) for a, d in db.session.execute(shifts)}
    out: dict[tuple[str, dt.date], TimeOffConflict] = {}
    for req in db.session.scalars(stmt.order_by(TimeOffRequest.id)):
        for day in req.days:
            if (req.agent_id, day) in worked:
                out.setdefault(
                    (req.agent_id, day),
                    TimeOffConflict(
                        req.agent_id, day, req.id, req.decided_by or "", req.decided_at
                    ),
                )
    return sorted(out.values(), key=lambda c: (c.date, c.agent_id))


@dataclass(frozen=True, slots=True)
class AgentDay:
    """One day of an agent's published week: a shift (times local ``HH:MM``) or a day off.

    ``time_off``: a day off was approved after the shift was published; the shift stands
    until a new version is published, and the page says so.
    """

    date: dt.date
    start: str = ""
    end: str = ""
    channel: str = ""
    rests: tuple[tuple[str, str, str], ...] = field(default=())  # (kind, start, end)
    time_off: bool = False

    @property
    def off(self) -> bool:
        """Whether it is a day off."""
        return not self.start


def my_weeks(
    agent_id: str, *, today: dt.date | None = None
) -> list[tuple[RosterVersion, list[AgentDay]]]:
    """Each published week of the agent with every day, shift or day off."""
    center = settings()
    out = []
    for roster in published_weeks(today=today):
        clash = {c.date for c in time_off_conflicts(roster, agent_id)}
        shifts = {
            s.date: s
            for s in db.session.scalars(
                select(Shift).where(Shift.roster_id == roster.id, Shift.agent_id == agent_id)
            )
        }
        days = []
        for k in range(roster.days):
            day = roster.first_day + dt.timedelta(days=k)
            s = shifts.get(day)
            if s is None:
                days.append(AgentDay(day))
                continue
            rests = tuple(
                (
                    a.activity,
                    f"{local_ts(a.start_utc, center.tz):%H:%M}",
                    f"{local_ts(a.end_utc, center.tz):%H:%M}",
                )
                for a in s.activities
                if a.activity != "work"
            )
            days.append(
                AgentDay(
                    day,
                    f"{local_ts(s.start_utc, center.tz):%H:%M}",
                    f"{local_ts(s.end_utc, center.tz):%H:%M}",
                    s.channel,
                    rests,
                    time_off=day in clash,
                )
            )
        out.append((roster, days))
    return out


def activity_label(kind: str) -> str:
    """An activity's name in the current language."""
    labels = {"lunch": gettext("Lunch"), "break": gettext("Break"), "work": gettext("Work")}
    return str(labels.get(kind, kind))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def reset_feed_token(agent_id: str) -> str:
    """A new feed secret for the agent (any old one stops working); returns the token."""
    token = secrets.token_urlsafe(32)
    row = db.session.scalar(select(FeedToken).where(FeedToken.agent_id == agent_id))
    if row is None:
        db.session.add(FeedToken(agent_id=agent_id, token_sha256=_hash(token)))
    else:
        row.token_sha256 = _hash(token)
        row.created_at = utcnow()
    audit("feed_token_reset", f"agent:{agent_id}")
    return token


def has_feed(agent_id: str) -> bool:
    """Whether the agent has a feed token."""
    stmt = select(FeedToken.id).where(FeedToken.agent_id == agent_id)
    return db.session.scalar(stmt) is not None


def agent_for_token(token: str) -> str | None:
    """The agent whose feed ``token`` opens, or ``None``."""
    if not token or len(token) > 200:
        return None
    stmt = select(FeedToken.agent_id).where(FeedToken.token_sha256 == _hash(token))
    found = db.session.scalar(stmt)
    return None if found is None else str(found)


def agent_roster_frame(agent_id: str, *, today: dt.date | None = None) -> pd.DataFrame:
    """The agent's rows of every published week :func:`published_weeks` shows (roster frame)."""
    frames = []
    for roster in published_weeks(today=today):
        frame = roster_frame_of(roster.id)
        if not frame.empty:
            frames.append(frame[frame["agent_id"].astype(str) == agent_id])
    if not frames:
        return pd.DataFrame(columns=["agent_id", "date", "activity", "channel", "start", "end"])
    return pd.concat(frames, ignore_index=True)


def feed_ics(agent_id: str, *, today: dt.date | None = None) -> bytes:
    """The agent's iCalendar feed of the published weeks, in the agent's own language."""
    weeks = published_weeks(today=today)
    user = db.session.scalar(select(User).where(User.agent_id == agent_id).limit(1))
    agent = db.session.scalar(select(Agent).where(Agent.agent_id == agent_id))
    locale = (user.locale if user is not None else "") or "en"
    conflicts = [c for r in weeks for c in time_off_conflicts(r, agent_id)]
    stamps = [r.published_at for r in weeks if r.published_at is not None]
    stamps += [c.decided_at for c in conflicts if c.decided_at is not None]  # a mark is news
    published = max(stamps) if stamps else utcnow()
    clash = {c.date for c in conflicts}
    with force_locale(locale):
        titles = {
            "shift": gettext("Shift ({channel})"),
            "lunch": gettext("Lunch"),
            "break": gettext("Break"),
            "conflict": gettext("Day off approved, shift still published: {title}"),
        }
        name = gettext("Shifts of %(name)s", name=agent.name if agent else agent_id)
    return agent_calendar(
        agent_roster_frame(agent_id, today=today),
        agent_id,
        name=name,
        published_at=published.replace(tzinfo=dt.UTC),
        version=max((r.id for r in weeks), default=0),
        titles=titles,
        conflicts=clash,
    )


def request_time_off(agent_id: str, first_day: str, last_day: str, note: str) -> TimeOffRequest:
    """Record an agent's request for a day (``last_day`` empty) or a range of days off."""
    try:
        first = dt.date.fromisoformat(first_day.strip())
    except ValueError:
        raise InputError(gettext("expected a date YYYY-MM-DD"), column="first_day") from None
    try:
        last = dt.date.fromisoformat(last_day.strip()) if last_day.strip() else first
    except ValueError:
        raise InputError(gettext("expected a date YYYY-MM-DD"), column="last_day") from None
    if last < first:
        raise InputError(gettext("the last day is before the first day"), column="last_day")
    if first < center_today():
        raise InputError(gettext("a request cannot start in the past"), column="first_day")
    if (last - first).days > 60:
        raise InputError(gettext("a request covers at most 61 days"), column="last_day")
    note = check_length(note.strip(), TimeOffRequest.note, "note")
    row = TimeOffRequest(agent_id=agent_id, first_day=first, last_day=last, note=note)
    db.session.add(row)
    db.session.flush()
    audit("time_off_requested", f"time_off:{row.id}", f"{agent_id} {first}..{last}")
    return row


def my_time_off(agent_id: str) -> list[TimeOffRequest]:
    """The agent's requests, newest first."""
    stmt = (
        select(TimeOffRequest)
        .where(TimeOffRequest.agent_id == agent_id)
        .order_by(TimeOffRequest.id.desc())
    )
    return list(db.session.scalars(stmt))


def cancel_time_off(agent_id: str, request_id: int) -> TimeOffRequest | None:
    """Cancel one of the agent's pending requests; ``None`` when it is not theirs."""
    row = db.session.get(TimeOffRequest, request_id)
    if row is None or row.agent_id != agent_id:
        return None
    if row.status != "pending":
        raise InputError(gettext("only a pending request can be cancelled"))
    row.status = "cancelled"
    audit("time_off_cancelled", f"time_off:{row.id}", agent_id)
    return row


def save_preferences(agent_id: str, preferred_start: str, days_off: Sequence[str]) -> Agent:
    """Store an agent's preferred start and days off, validated as a row of ``agents.csv``."""
    agent = db.session.scalar(select(Agent).where(Agent.agent_id == agent_id))
    if agent is None:
        raise InputError(gettext("no such agent"))
    unknown = [d for d in days_off if d not in WEEKDAY_KEYS]
    if unknown:
        raise InputError(gettext("unknown weekday %(day)s", day=unknown[0]), column="days_off")
    values = _agent_row_values(agent)
    values["preferred_start"] = preferred_start.strip()
    values["preferred_days_off"] = ";".join(d for d in WEEKDAY_KEYS if d in days_off)
    clean: dict[str, Any] = validate_agent_values(values)
    agent.preferred_start = clean["preferred_start"]
    agent.preferred_days_off = clean["preferred_days_off"]
    audit(
        "preferences_saved",
        f"agent:{agent_id}",
        f"start {agent.preferred_start or '-'}, days off {agent.preferred_days_off or '-'}",
    )
    return agent

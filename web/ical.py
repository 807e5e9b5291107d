"""An agent's shifts as an iCalendar feed (RFC 5545, the ``icalendar`` package).

One event per shift (its channel, start and end) and one per lunch and break inside it, with
identifiers that stay the same from one published version to the next (agent, day, activity and
its order in the shift), so a subscribed calendar updates its events in place when a new
version is published. Times carry the center's ``TZID`` and the calendar its ``VTIMEZONE``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping

import pandas as pd
from icalendar import Calendar, Event

PRODID = "-//contact-wfm//roster feed//EN"
_TITLES: Mapping[str, str] = {"lunch": "Lunch", "break": "Break"}


def agent_calendar(
    roster: pd.DataFrame,
    agent_id: str,
    *,
    name: str,
    published_at: dt.datetime,
    version: int,
    titles: Mapping[str, str] | None = None,
    conflicts: Collection[dt.date] = (),
) -> bytes:
    """The iCalendar feed of one agent's published shifts and rests.

    Parameters
    ----------
    roster
        Roster rows (``agent_id, date, activity, channel, start, end``, tz-aware times), one or
        more published weeks; rows of other agents are ignored.
    agent_id
        The agent whose calendar it is.
    name
        The calendar's display name (e.g. "Shifts of Aisha Khan").
    published_at
        When the newest version was published (tz-aware): every event's ``DTSTAMP``.
    version
        The published version number: the events' ``SEQUENCE``, so clients take the newer one.
    titles
        Event titles per activity (``"shift"``, ``"lunch"``, ``"break"``), e.g. translated;
        ``{channel}`` in the shift title is replaced by the channel; ``"conflict"`` wraps the
        title of an event on a conflicting day (``{title}``).
    conflicts
        Days off approved after the shifts were published: that day's events stay (the
        roster still says so) but are marked ``STATUS:TENTATIVE``, categorised ``conflict``,
        titled with ``titles["conflict"]`` and given ``SEQUENCE`` ``version + 1`` (a client
        takes them as a revision), until a new version drops the shift.

    Returns
    -------
    bytes
        The ``text/calendar`` body.
    """
    words = {
        "shift": "Shift ({channel})",
        "conflict": "Day off approved, shift still published: {title}",
        **_TITLES,
        **(titles or {}),
    }
    clash = set(conflicts)

    def mark(event: Event, day: dt.date, title: str, category: str) -> None:
        if day in clash:
            title = words["conflict"].format(title=title)
            event.add("status", "TENTATIVE")
        event.add("summary", title)
        event.add("categories", [category, "conflict"] if day in clash else [category])

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    mine = roster[roster["agent_id"].astype(str) == str(agent_id)]
    stamp = published_at.astimezone(dt.UTC)
    for date, rows in mine.groupby("date", sort=True):
        rows = rows.sort_values("start")
        day = date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
        work = rows[rows["activity"] == "work"]
        channels = sorted({str(c) for c in work["channel"] if isinstance(c, str) and c})
        shift = Event()
        shift.add("uid", f"{agent_id}-{day.isoformat()}-shift@contact-wfm")
        mark(shift, day, words["shift"].format(channel=", ".join(channels)), "shift")
        shift.add("dtstart", pd.Timestamp(rows["start"].min()).to_pydatetime())
        shift.add("dtend", pd.Timestamp(rows["end"].max()).to_pydatetime())
        shift.add("dtstamp", stamp)
        shift.add("sequence", version + (day in clash))  # a marked event is a newer revision
        cal.add_component(shift)
        counts: dict[str, int] = {}
        for rec in rows[rows["activity"] != "work"].to_dict("records"):
            kind = str(rec["activity"])
            counts[kind] = counts.get(kind, 0) + 1
            rest = Event()
            rest.add("uid", f"{agent_id}-{day.isoformat()}-{kind}{counts[kind]}@contact-wfm")
            mark(rest, day, words.get(kind, kind), kind)
            rest.add("dtstart", pd.Timestamp(rec["start"]).to_pydatetime())
            rest.add("dtend", pd.Timestamp(rec["end"]).to_pydatetime())
            rest.add("dtstamp", stamp)
            rest.add("sequence", version + (day in clash))
            cal.add_component(rest)
    if len(mine):
        # RFC 5545: every TZID a time names has its VTIMEZONE in the calendar (from zoneinfo),
        # with the zone's rules from a year before the first shift to a year after the last
        days = [
            d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in mine["date"]
        ]
        cal.add_missing_timezones(
            first_date=min(days) - dt.timedelta(days=366),
            last_date=max(days) + dt.timedelta(days=366),
        )
    body: bytes = cal.to_ical()
    return body

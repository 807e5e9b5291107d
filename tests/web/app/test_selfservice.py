"""Agents' self-service: My shifts, the calendar feed, time off and preferences, and privacy.

Built on ``published_app``: the small center with the week of 2025-10-27 published, agent
user ``agent`` (A1) and ``agent2`` (A2).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

WEEK = [dt.date(2025, 10, 27) + dt.timedelta(days=k) for k in range(7)]


def _agent(app: Flask, h: Any, username: str = "agent", **headers: str) -> FlaskClient:
    client = app.test_client()
    assert h.sign_in(client, username).status_code == 302
    return client


def _roster(app: Flask) -> pd.DataFrame:
    from web.app.extensions import db
    from web.app.models import RosterVersion
    from web.app.services import roster_frame_of

    with app.app_context():
        rid = db.session.scalars(db.select(RosterVersion.id).filter_by(status="published")).one()
        return roster_frame_of(rid)


def _feed_url(html: str) -> str:
    match = re.search(r'id="feed-url"[^>]*value="([^"]+)"', html)
    assert match, html[:3000]
    return match.group(1).replace("http://localhost", "")


def test_my_shifts_shows_exactly_my_week(published_app: Flask, h: Any) -> None:
    roster = _roster(published_app)
    mine = roster[(roster["agent_id"] == "A1") & (roster["activity"] == "work")]
    assert not mine.empty
    html = _agent(published_app, h).get("/me").get_data(as_text=True)
    days = re.findall(r'<li class="day( off)?" data-date="([\d-]+)"', html)
    assert [d for _off, d in days] == [d.isoformat() for d in WEEK]
    worked = {d for off, d in days if not off}
    assert worked == {d.isoformat() for d in mine["date"]}
    for _day, rows in mine.groupby("date"):  # work rows are split around lunch and breaks
        assert f"{rows['start'].min():%H:%M}–{rows['end'].max():%H:%M}" in html
    assert "Jumada al-Ula 1447" in html  # the Hijri date beside the day


def test_my_shifts_in_arabic_right_to_left(published_app: Flask, h: Any) -> None:
    client = _agent(published_app, h)
    h.post(client, "/language", {"locale": "ar"})
    html = client.get("/me").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "مناوباتي" in html and "الاثنين" in html and "جمادى الأولى" in html
    assert "غداء" in html  # the lunch, in Arabic


def test_feed_serves_the_published_roster_and_a_reset_kills_the_old_url(
    published_app: Flask, h: Any
) -> None:
    client = _agent(published_app, h)
    url = _feed_url(h.post(client, "/me/calendar/reset").get_data(as_text=True))
    anonymous = published_app.test_client()
    response = anonymous.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    events = [e for e in cal.walk("VEVENT")]
    roster = _roster(published_app)
    mine = roster[roster["agent_id"] == "A1"]
    shifts = {
        (pd.Timestamp(g["start"].min()), pd.Timestamp(g["end"].max()))
        for _d, g in mine.groupby("date")
    }
    got = {
        (pd.Timestamp(e.decoded("dtstart")), pd.Timestamp(e.decoded("dtend")))
        for e in events
        if "shift" in [str(c) for c in e.get("categories").cats]
    }
    assert got == shifts
    rests = mine[mine["activity"] != "work"]
    assert len(events) == len(shifts) + len(rests)
    # the signed-in download is the same calendar
    assert client.get("/me/calendar.ics").data.count(b"BEGIN:VEVENT") == len(events)
    # reset: the old URL is 404, the new one works
    new = _feed_url(h.post(client, "/me/calendar/reset").get_data(as_text=True))
    assert anonymous.get(url).status_code == 404
    assert anonymous.get(new).status_code == 200


def test_feed_of_another_agent_is_theirs_and_a_wrong_token_is_404(
    published_app: Flask, h: Any
) -> None:
    mine = _feed_url(h.post(_agent(published_app, h), "/me/calendar/reset").get_data(as_text=True))
    theirs = _feed_url(
        h.post(_agent(published_app, h, "agent2"), "/me/calendar/reset").get_data(as_text=True)
    )
    anonymous = published_app.test_client()
    a1 = anonymous.get(mine).data.decode()
    a2 = anonymous.get(theirs).data.decode()
    assert "A1-2025-10-" in a1 and "A2-" not in a1
    assert "A2-2025-10-" in a2 and "A1-" not in a2
    assert anonymous.get("/feed/not-a-token.ics").status_code == 404
    assert anonymous.get(mine[:-3] + "x.ics").status_code == 404


def test_feed_token_is_stored_hashed(published_app: Flask, h: Any) -> None:
    url = _feed_url(h.post(_agent(published_app, h), "/me/calendar/reset").get_data(as_text=True))
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    from web.app.extensions import db
    from web.app.models import FeedToken

    with published_app.app_context():
        row = db.session.scalars(db.select(FeedToken)).one()
        assert token not in row.token_sha256 and len(row.token_sha256) == 64


def test_time_off_request_and_status(published_app: Flask, h: Any) -> None:
    client = _agent(published_app, h)
    r = h.post(client, "/me/time-off", {"first_day": "2025-11-10", "last_day": "2025-11-12"})
    assert r.status_code == 302
    html = client.get("/me/time-off").get_data(as_text=True)
    assert "pending" in html and "10 Nov 2025" in html
    bad = h.post(client, "/me/time-off", {"first_day": "2025-11-10", "last_day": "2025-11-01"})
    assert bad.status_code == 422 and "before the first day" in bad.get_data(as_text=True)
    bad = h.post(client, "/me/time-off", {"first_day": "soon"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.get_data(as_text=True)


def test_time_off_of_another_agent_cannot_be_touched(published_app: Flask, h: Any) -> None:
    a1 = _agent(published_app, h)
    h.post(a1, "/me/time-off", {"first_day": "2025-11-10"})
    from web.app.extensions import db
    from web.app.models import TimeOffRequest

    with published_app.app_context():
        rid = db.session.scalars(db.select(TimeOffRequest.id)).one()
    a2 = _agent(published_app, h, "agent2")
    assert h.post(a2, f"/me/time-off/{rid}/cancel").status_code == 404
    assert "10 Nov 2025" not in a2.get("/me/time-off").get_data(as_text=True)
    assert h.post(a1, f"/me/time-off/{rid}/cancel").status_code == 302
    with published_app.app_context():
        assert db.session.get(TimeOffRequest, rid).status == "cancelled"  # type: ignore[union-attr]


def test_preferences_are_validated_and_stored(published_app: Flask, h: Any) -> None:
    client = _agent(published_app, h)
    r = h.post(client, "/me/preferences", {"preferred_start": "09:00", "days_off": ["fri", "sat"]})
    assert r.status_code == 302
    from web.app.extensions import db
    from web.app.models import Agent

    with published_app.app_context():
        agent = db.session.scalars(db.select(Agent).filter_by(agent_id="A1")).one()
        assert (agent.preferred_start, agent.preferred_days_off) == ("09:00", "fri;sat")
    bad = h.post(client, "/me/preferences", {"preferred_start": "9h", "days_off": []})
    assert bad.status_code == 422 and "preferred_start" in bad.get_data(as_text=True)


def _events_by_day(client: FlaskClient) -> dict[dt.date, list[Any]]:
    out: dict[dt.date, list[Any]] = {}
    for event in Calendar.from_ical(client.get("/me/calendar.ics").data).walk("VEVENT"):
        out.setdefault(event.decoded("dtstart").date(), []).append(event)
    return out


def test_a_day_off_approved_after_publication_shows_as_a_conflict_until_resolved(
    published_app: Flask, h: Any
) -> None:
    from web.app.extensions import db
    from web.app.models import RosterVersion, TimeOffRequest

    app = published_app
    frame = _roster(app)
    day = min(frame.loc[frame["agent_id"] == "A1", "date"])
    other = sorted(set(frame.loc[frame["agent_id"] == "A1", "date"]) - {day})[0]
    agent, manager = _agent(app, h), _agent(app, h, "manager")
    planner = _agent(app, h, "planner")
    assert h.post(agent, "/me/time-off", {"first_day": day.isoformat()}).status_code == 302
    with app.app_context():
        rid = db.session.scalars(db.select(TimeOffRequest.id)).one()
        published = db.session.scalars(db.select(RosterVersion.id)).one()
    h.post(manager, f"/approvals/time-off/{rid}", {"decision": "approve", "reason": "ok"})

    # the agent: My shifts says so on that day only; the feed marks that day's events only
    page = agent.get("/me").get_data(as_text=True)
    item = page.split(f'data-date="{day.isoformat()}"', 1)[0].rsplit("<li", 1)[1]
    assert "conflict" in item
    assert page.count("time-off-conflict") == 1
    events = _events_by_day(agent)
    assert events[day] and all(e.get("status") == "TENTATIVE" for e in events[day])
    assert all("Day off approved" in str(e.get("summary")) for e in events[day])
    assert all(e.get("status") is None for e in events[other])
    assert {int(e.get("sequence")) for e in events[day]} == {  # a revision of those events
        int(e.get("sequence")) + 1 for e in events[other]
    }
    # the planner: the roster page and the week dashboard list it
    for path in (f"/roster/{published}", "/manager"):
        html = planner.get(path).get_data(as_text=True)
        box = html.split('id="time-off-conflicts"', 1)[1].split("</div>", 1)[0]
        assert f'data-agent="A1" data-date="{day.isoformat()}"' in box, path
        assert box.count("data-agent=") == 1

    # a new version without that shift, published, resolves it everywhere
    r = h.post(
        planner,
        f"/roster/{published}/edit",
        {"agent_id": "A1", "date": day.isoformat(), "day_off": "1"},
    )
    draft = int(r.headers["Location"].split("/roster/")[1].split("?")[0])
    r = h.post(planner, f"/roster/{draft}/publish", {"override_reason": "day off approved"})
    assert r.status_code == 302
    page = agent.get("/me").get_data(as_text=True)
    assert "time-off-conflict" not in page and f'data-roster="{draft}"' in page
    assert day not in _events_by_day(agent)
    for path in (f"/roster/{draft}", "/manager"):
        assert 'id="time-off-conflicts"' not in planner.get(path).get_data(as_text=True)

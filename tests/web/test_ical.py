"""The agent's calendar feed: parsed back, it holds exactly their shifts and rests."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from icalendar import Calendar

from web.ical import agent_calendar

TZ = "Asia/Dubai"
DAY0 = dt.date(2026, 11, 30)


def rows(aid: str, day: int, hour: int) -> list[dict[str, object]]:
    date = DAY0 + dt.timedelta(days=day)
    s = pd.Timestamp(dt.datetime.combine(date, dt.time(hour)), tz=TZ)
    h = pd.Timedelta(hours=1)
    q = pd.Timedelta(minutes=15)
    plan = [
        ("work", s, s + h, "voice"),
        ("break", s + h, s + h + q, ""),
        ("work", s + h + q, s + 4 * h, "voice"),
        ("lunch", s + 4 * h, s + 5 * h, ""),
        ("work", s + 5 * h, s + 9 * h, "voice"),
    ]
    return [
        {"agent_id": aid, "date": date, "activity": a, "channel": c, "start": x, "end": y}
        for a, x, y, c in plan
    ]


ROSTER = pd.DataFrame(rows("A1", 0, 8) + rows("A1", 2, 22) + rows("B2", 0, 7))
PUBLISHED = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


def events(body: bytes) -> list[dict[str, object]]:
    cal = Calendar.from_ical(body)
    return [
        {
            "uid": str(e["uid"]),
            "summary": str(e["summary"]),
            "start": e.decoded("dtstart"),
            "end": e.decoded("dtend"),
            "sequence": int(e["sequence"]),
        }
        for e in cal.walk("VEVENT")
    ]


def test_the_feed_holds_exactly_the_agents_shifts_and_rests() -> None:
    body = agent_calendar(ROSTER, "A1", name="Shifts of A1", published_at=PUBLISHED, version=3)
    got = events(body)
    assert len(got) == 2 * 3  # two shifts, each with a break and a lunch
    mine = ROSTER[ROSTER["agent_id"] == "A1"]
    for date, shift in mine.groupby("date"):
        ev = next(e for e in got if e["uid"] == f"A1-{date}-shift@contact-wfm")
        assert ev["start"] == shift["start"].min() and ev["end"] == shift["end"].max()
        assert ev["summary"] == "Shift (voice)" and ev["sequence"] == 3
        for kind in ("lunch", "break"):
            (row,) = shift[shift["activity"] == kind].to_dict("records")
            ev = next(e for e in got if e["uid"] == f"A1-{date}-{kind}1@contact-wfm")
            assert (ev["start"], ev["end"]) == (row["start"], row["end"])
    assert not any(e["uid"].startswith("B2") for e in got)
    # a night shift keeps its own date and crosses midnight
    night = next(
        e for e in got if e["uid"] == f"A1-{DAY0 + dt.timedelta(days=2)}-shift@contact-wfm"
    )
    assert night["end"].date() == DAY0 + dt.timedelta(days=3)


def test_uids_stay_and_the_sequence_grows_with_a_new_version() -> None:
    moved = ROSTER.copy()
    moved.loc[moved["agent_id"] == "A1", ["start", "end"]] += pd.Timedelta(hours=1)
    v1 = events(agent_calendar(ROSTER, "A1", name="x", published_at=PUBLISHED, version=1))
    v2 = events(agent_calendar(moved, "A1", name="x", published_at=PUBLISHED, version=2))
    assert [e["uid"] for e in v1] == [e["uid"] for e in v2]
    assert all(
        b["start"] - a["start"] == pd.Timedelta(hours=1) for a, b in zip(v1, v2, strict=True)
    )
    assert {e["sequence"] for e in v2} == {2}


def test_translated_titles() -> None:
    body = agent_calendar(
        ROSTER,
        "A1",
        name="ورديات",
        published_at=PUBLISHED,
        version=1,
        titles={"shift": "وردية ({channel})", "lunch": "غداء", "break": "استراحة"},
    )
    summaries = {e["summary"] for e in events(body)}
    assert summaries == {"وردية (voice)", "غداء", "استراحة"}

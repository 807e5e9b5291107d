"""The planner's whole week through the Flask test client.

Upload, forecast, override, requirements, roster, hand edit with the checker, re-optimise, publish,
export.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pandas as pd
from flask import Flask


def _job_id(response: Any) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    match = re.search(r"/jobs/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def _finished(app: Flask, h: Any, job_id: int) -> str:
    from web.app.extensions import db
    from web.app.models import Job

    h.run_jobs(app)
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job is not None
        assert job.status == "succeeded", job.message
        assert job.result
        return str(job.result)


def test_planner_week_from_upload_to_publish_and_export(any_app: Flask, h: Any) -> None:
    """On SQLite and on PostgreSQL (``WFM_TEST_POSTGRES_URL``)."""
    app = any_app
    c = app.test_client()
    assert h.sign_in(c, "planner").status_code == 302
    job = h.upload_history(app, c, h.history_csv())  # the upload is a job (#19)
    assert job["status"] == "succeeded", job
    page = c.get(job["location"]).get_data(as_text=True)  # the job page links the upload
    assert job["result"] and f'href="/history/{job["result"].split(":")[1]}"' in page
    page = c.get(f"/history/{job['result'].split(':')[1]}").get_data(as_text=True)
    assert "voice" in page and "chat" in page
    settings = c.get("/settings").get_data(as_text=True)  # the upload's channels and queues
    assert "<td>voice</td><td>all</td>" in settings and "<td>chat</td><td>all</td>" in settings
    r = h.post(
        c,
        "/forecast/run",
        {
            "start": h.PLAN_START,
            "days": "7",
            "origins": "1",
            "models": ["seasonal_naive", "seasonal_avg"],
        },
    )
    forecast = _finished(app, h, _job_id(r))
    fid = int(forecast.split(":")[1])
    page = c.get(f"/forecast/{fid}").get_data(as_text=True)
    # the AHT's backtest accuracy stands beside the volume's, as the accuracy report has it
    from web.app.extensions import db
    from web.app.models import ForecastVersion

    with app.app_context():
        version = db.session.get(ForecastVersion, fid)
        assert version is not None
        accuracy = [a for a in json.loads(version.accuracy_json) if a["selected"]]
    shown = re.findall(r'<td class="num aht-wape">([^<]*)</td>', page)
    assert len(shown) == len(accuracy) == 2
    assert all(a["aht_wape"] is not None for a in accuracy)
    assert sorted(shown) == sorted(f"{100 * a['aht_wape']:.1f} %" for a in accuracy)
    chart = c.get(f"/api/forecast/{fid}/chart?series=voice/all").get_json()
    assert len(chart["labels"]) == 7 * 48 and len(chart["volume"]) == 7 * 48
    r = h.post(
        c,
        f"/forecast/{fid}/override",
        {
            "channel": "voice",
            "queue": "",
            "start": f"{h.PLAN_START}T08:00",
            "end": f"{h.PLAN_START}T12:00",
            "action": "multiply",
            "value": "1.5",
            "note": "campaign",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    fid2 = int(r.headers["Location"].rsplit("/", 1)[1])
    assert fid2 != fid
    page = c.get(f"/forecast/{fid2}").get_data(as_text=True)
    assert "campaign" in page
    r = h.post(c, "/requirements/run", {"forecast_id": str(fid2)})
    req = _finished(app, h, _job_id(r))
    rid = int(req.split(":")[1])
    page = c.get(f"/requirements/{rid}").get_data(as_text=True)
    assert "Daily totals" in page
    r = h.post(c, "/roster/run", {"time_limit_s": "3"})
    roster = _finished(app, h, _job_id(r))
    roster_id = int(roster.split(":")[1])
    page = c.get(f"/roster/{roster_id}").get_data(as_text=True)
    assert "Rule checker: 0 violation(s)" in page
    cov = c.get(f"/api/roster/{roster_id}/coverage").get_json()
    assert set(cov["channels"]) == {"voice", "chat"}
    # the day to edit: one A1 works in the solved roster, read from its export (the solver's
    # roster varies with its time limit, and an edit that turns a day off into a shift would
    # break the week's day and hour rules instead of restoring the roster)
    solved = pd.read_csv(
        io.StringIO(c.get(f"/roster/{roster_id}/export.csv").get_data(as_text=True))
    )
    day = str(min(solved.loc[solved["agent_id"] == "A1", "date"]))
    # a hand edit that breaks a rule: a shift starting at 14:00 is not an allowed start
    r = h.post(
        c,
        f"/roster/{roster_id}/edit",
        {
            "agent_id": "A1",
            "date": day,
            "start": "14:00",
            "shift_type": "day",
            "channel": "voice",
        },
    )
    assert r.status_code == 302
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    text = re.sub(r"<[^>]+>", "", page)  # as read: the isolates (<bdi>) around ids and numbers
    # 14:00 is no allowed start (and may leave too short a rest before Tuesday's shift)
    verdict = re.search(r"Rule checker: (\d+) violation\(s\), (\d+) for A1", text)
    assert verdict and int(verdict.group(1)) == int(verdict.group(2)) >= 1, page[:3000]
    assert "shift type: no shift type allows 8 h from 14:00 on voice" in text
    assert "locked" in page
    # back to an allowed start: the checker is satisfied again
    r = h.post(
        c,
        f"/roster/{roster_id}/edit",
        {
            "agent_id": "A1",
            "date": day,
            "start": "09:00",
            "shift_type": "day",
            "channel": "voice",
        },
    )
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "Rule checker: no violation." in page, re.findall(r"Rule checker:[^<]*", page)
    assert "A1" in page and "09:00–17:00" in page
    # re-optimise around the locked shift: a new version keeps A1's week
    r = h.post(c, f"/roster/{roster_id}/reoptimise", {"time_limit_s": "3"})
    reopt = int(_finished(app, h, _job_id(r)).split(":")[1])
    page = c.get(f"/roster/{reopt}").get_data(as_text=True)
    assert "Rule checker: 0 violation(s)" in page and "re-optimised around" in page
    grid_a1 = page.split('data-agent="A1" data-date="' + day + '"', 1)[1][:200]
    assert 'data-start="09:00"' in grid_a1
    r = h.post(c, f"/roster/{roster_id}/publish")
    assert r.status_code == 302
    page = c.get(f"/roster/{roster_id}").get_data(as_text=True)
    assert "Published by planner" in re.sub(r"<[^>]+>", "", page)
    # a published version is immutable: an edit makes a new draft naming it
    r = h.post(
        c, f"/roster/{roster_id}/edit", {"agent_id": "A2", "date": h.PLAN_START, "day_off": "1"}
    )
    draft = int(r.headers["Location"].split("/roster/")[1].split("?")[0])
    assert draft not in (roster_id, reopt)
    page = c.get(f"/roster/{draft}").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", "", page)
    assert f"from version {roster_id}" in text and "draft" in text
    audit = c.get("/audit").get_data(as_text=True)
    for action in (
        "history_uploaded",
        "forecast_generated",
        "forecast_overridden",
        "requirements_generated",
        "roster_generated",
        "shift_edited",
        "roster_reoptimised",
        "roster_published",
    ):
        assert action in audit, action
    csv_text = c.get(f"/roster/{roster_id}/export.csv").get_data(as_text=True)
    frame = pd.read_csv(io.StringIO(csv_text))
    assert list(frame.columns) == ["agent_id", "date", "activity", "channel", "start", "end"]
    xlsx = c.get(f"/roster/{roster_id}/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_the_shift_editor_refuses_a_channel_outside_the_agents_skills(
    published_app: Flask, h: Any
) -> None:
    from sqlalchemy import func, select

    from web.app.extensions import db
    from web.app.models import RosterVersion, Shift

    c = published_app.test_client()
    h.sign_in(c, "planner")
    with published_app.app_context():
        rid = db.session.scalars(select(RosterVersion.id)).one()
        worked = set(db.session.scalars(select(Shift.date).filter_by(roster_id=rid, agent_id="A5")))
    off = next(
        d
        for d in (dt.date(2025, 10, 27) + dt.timedelta(days=k) for k in range(7))
        if d not in worked
    )
    form = {"agent_id": "A5", "date": off.isoformat(), "start": "09:00", "shift_type": "day"}
    r = h.post(c, f"/roster/{rid}/edit", {**form, "channel": "voice"})  # A5 works chat only
    assert r.status_code == 422 and "A5 does not work on" in r.get_data(as_text=True)
    r = h.post(c, f"/roster/{rid}/edit", {**form, "agent_id": "ZZ", "channel": "chat"})
    assert r.status_code == 422
    with published_app.app_context():  # nothing written: no new draft
        assert db.session.scalar(select(func.count()).select_from(RosterVersion)) == 1
    r = h.post(c, f"/roster/{rid}/edit", {**form, "channel": "chat"})
    assert r.status_code == 302
    with published_app.app_context():
        draft = db.session.scalar(select(func.max(RosterVersion.id)))
        shift = db.session.scalars(
            select(Shift).filter_by(roster_id=draft, agent_id="A5", date=off)
        ).one()
        assert shift.channel == "chat" and shift.locked

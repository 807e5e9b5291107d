"""Forms and imports refuse what the database cannot hold, on SQLite and on PostgreSQL (#17).

A text longer than its ``String(N)`` column is a 500 on PostgreSQL
(``StringDataRightTruncation``) where SQLite stores it silently: every form and import checks
the column's length and says which field is too long; the error pages roll the session back,
so a failed statement never turns the 500 page itself into a ``PendingRollbackError``.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask import Flask
from sqlalchemy import func, select


def _limit(column: Any) -> int:
    length = column.property.columns[0].type.length
    assert isinstance(length, int)
    return length


def _agent(**values: str) -> dict[str, str]:
    return {
        "agent_id": "B1",
        "name": "Rana",
        "skills": "voice",
        "min_hours_week": "30",
        "max_hours_week": "40",
        "max_days_week": "5",
        **values,
    }


def test_overlong_text_is_refused_by_every_form_on_both_databases(any_app: Flask, h: Any) -> None:
    from web.app.extensions import db
    from web.app.models import Agent, CenterSettings, Channel, HistoryRow, TimeOffRequest

    planner, admin, agent = (any_app.test_client() for _ in range(3))
    for client, role in ((planner, "planner"), (admin, "admin"), (agent, "agent")):
        assert h.sign_in(client, role).status_code == 302
    name_max, id_max = _limit(Agent.name), _limit(Agent.agent_id)

    r = h.post(planner, "/agents/new", _agent(name="N" * 200))
    assert r.status_code == 422
    assert f"at most {name_max} characters (got 200)" in r.get_data(as_text=True)
    r = h.post(planner, "/agents/new", _agent(agent_id="X" * 70))
    assert r.status_code == 422 and f"at most {id_max}" in r.get_data(as_text=True)
    r = h.post(planner, "/agents/new", _agent(name="N" * name_max))  # exactly the column fits
    assert r.status_code == 302

    csv = h.AGENTS + "B2," + "M" * (name_max + 1) + ",voice,30,40,5\n"
    r = h.post(
        planner,
        "/agents/import",
        {"file": (io.BytesIO(csv.encode()), "agents.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    error = r.get_data(as_text=True).split('id="upload-error">', 1)[1].split("</div>", 1)[0]
    assert "row 8" in error.lower() and "name" in error and f"at most {name_max}" in error

    r = h.post(admin, "/settings/center", {"name": "C" * 200, "tz": "Asia/Dubai", "country": "AE"})
    assert r.status_code == 422
    r = h.post(admin, "/settings/channels", {"name": "sms", "queues": "q" * 70})
    assert r.status_code == 422
    r = h.post(admin, "/settings/channels", {"name": "s" * 70})
    assert r.status_code == 422
    r = h.post(agent, "/me/time-off", {"first_day": "2025-11-10", "note": "n" * 300})
    assert r.status_code == 422 and "note" in r.get_data(as_text=True)
    assert h.post(agent, "/me/time-off", {"first_day": "2025-11-10"}).status_code == 302
    manager = any_app.test_client()
    assert h.sign_in(manager, "manager").status_code == 302
    with any_app.app_context():
        rid = db.session.scalars(select(TimeOffRequest.id)).one()
    reason = "r" * (_limit(TimeOffRequest.reason) + 1)
    r = h.post(manager, f"/approvals/time-off/{rid}", {"decision": "decline", "reason": reason})
    assert r.status_code == 422
    with any_app.app_context():
        request = db.session.get(TimeOffRequest, rid)
        assert request is not None and request.status == "pending"

    long_channel = "c" * (_limit(HistoryRow.channel) + 1)
    csv_rows = "interval_start,channel,offered,handled,abandoned,aht_s\n" + "".join(
        f"2025-10-06T{hh:02d}:00:00+04:00,{long_channel},3,3,0,300\n" for hh in (8, 9)
    )
    job = h.upload_history(any_app, planner, csv_rows)  # a job: it fails, naming the column
    assert job["status"] == "failed" and "channel is too long" in job["message"], job
    page = planner.get(job["location"]).get_data(as_text=True)
    assert "channel is too long" in page and "Traceback" not in page

    assert planner.get("/agents").status_code == 200  # the session is usable again
    with any_app.app_context():
        ids = set(db.session.scalars(select(Agent.agent_id)))
        assert ids == {"A1", "A2", "A3", "A4", "A5", "A6", "B1"}
        assert db.session.get(CenterSettings, 1).name != "C" * 200  # type: ignore[union-attr]
        assert db.session.scalar(select(func.count()).select_from(Channel)) == 0
        assert db.session.scalar(select(func.count()).select_from(HistoryRow)) == 0
        assert db.session.scalar(select(func.count()).select_from(TimeOffRequest)) == 1


def test_the_error_page_survives_a_failed_statement_on_both_databases(
    any_app: Flask, h: Any
) -> None:
    """A statement the database refuses leaves the 500 page (menu, user) intact."""
    from web.app.extensions import db
    from web.app.models import User

    @any_app.route("/test-only/duplicate-user")
    def duplicate_user() -> str:
        db.session.add(User(username="planner", password_hash="x", role="agent"))
        db.session.flush()  # the unique username: IntegrityError on either database
        return "unreachable"

    any_app.config["PROPAGATE_EXCEPTIONS"] = False
    client = any_app.test_client()
    assert h.sign_in(client, "planner").status_code == 302
    r = client.get("/test-only/duplicate-user")
    page = r.get_data(as_text=True)
    assert r.status_code == 500
    assert "Something went wrong" in page and "planner" in page
    assert "Traceback" not in page and "PendingRollbackError" not in page
    assert client.get("/agents").status_code == 200


def test_unknown_holiday_country_is_refused(any_app: Flask, h: Any) -> None:
    from web.app.extensions import db
    from web.app.models import CenterSettings

    app = any_app
    c = app.test_client()
    assert h.sign_in(c, "admin").status_code == 302
    for code in ("ZZZ", "XX", "12"):
        r = h.post(c, "/settings/center", {"name": "Demo", "tz": "Asia/Dubai", "country": code})
        assert r.status_code == 422, code
        assert "unknown holiday country" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CenterSettings, 1).country == "AE"  # type: ignore[union-attr]
    r = h.post(c, "/settings/center", {"name": "Demo", "tz": "Asia/Riyadh", "country": "sau"})
    assert r.status_code == 302  # an alpha-3 code the holidays package knows
    with app.app_context():
        assert db.session.get(CenterSettings, 1).country == "SAU"  # type: ignore[union-attr]


def test_requirements_run_uses_the_forecast_chosen_or_none(published_app: Flask, h: Any) -> None:
    from web.app.extensions import db
    from web.app.models import ForecastVersion, Job

    c = published_app.test_client()
    h.sign_in(c, "planner")
    with published_app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Job))
        fid = db.session.scalar(select(func.max(ForecastVersion.id)))
    for form in ({}, {"forecast_id": ""}, {"forecast_id": "abc"}, {"forecast_id": "999"}):
        r = h.post(c, "/requirements/run", form)
        assert r.status_code == 422, form
    with published_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Job)) == before
    assert h.post(c, "/requirements/run", {"forecast_id": str(fid)}).status_code == 302
    with published_app.app_context():
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert job is not None and job.params["forecast_id"] == fid


def test_chart_data_of_a_missing_version_is_404(published_app: Flask, h: Any) -> None:
    from web.app.extensions import db
    from web.app.models import RequirementSet, RosterVersion

    c = published_app.test_client()
    h.sign_in(c, "planner")
    with published_app.app_context():
        rid = db.session.scalar(select(func.max(RosterVersion.id)))
        sid = db.session.scalar(select(func.max(RequirementSet.id)))
    ok = c.get(f"/api/roster/{rid}/coverage")
    assert ok.status_code == 200 and ok.get_json()["labels"]
    assert c.get("/api/roster/999/coverage").status_code == 404
    assert c.get(f"/api/requirements/{sid}/chart").status_code == 200
    assert c.get("/api/requirements/999/chart").status_code == 404


def test_time_off_cannot_start_in_the_past(published_app: Flask, h: Any) -> None:
    from web.app.extensions import db
    from web.app.models import TimeOffRequest

    c = published_app.test_client()
    h.sign_in(c, "agent")
    today = dt.date.fromisoformat(published_app.config["TODAY"])
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    r = h.post(c, "/me/time-off", {"first_day": yesterday, "last_day": today.isoformat()})
    assert r.status_code == 422 and "past" in r.get_data(as_text=True)
    assert h.post(c, "/me/time-off", {"first_day": today.isoformat()}).status_code == 302
    published_app.config["TODAY"] = None  # the real clock, in the center's zone
    r = h.post(c, "/me/time-off", {"first_day": "2025-11-10"})
    assert r.status_code == 422
    with published_app.app_context():
        days = [r.first_day for r in db.session.scalars(select(TimeOffRequest))]
    assert days == [today]

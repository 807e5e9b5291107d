"""Managers: the targets editor (validated as targets.toml), the what-if, approvals, dashboard.

Built on ``published_app`` (the week of 2025-10-27 published).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient


def _client(app: Flask, h: Any, who: str) -> FlaskClient:
    client = app.test_client()
    assert h.sign_in(client, who).status_code == 302
    return client


def _current_form(app: Flask) -> dict[str, str]:
    from web.app.services import TARGET_FIELDS, current_targets_document

    with app.app_context():
        _v, doc = current_targets_document()
    form: dict[str, str] = {}
    for name, table in doc["channels"].items():
        form[f"{name}.model"] = table["model"]
        for key, _kind, used_by in TARGET_FIELDS:
            if used_by is None or table["model"] in used_by:
                form[f"{name}.{key}"] = str(table.get(key, ""))
    return form


def test_manager_saves_a_targets_version_naming_the_change(published_app: Flask, h: Any) -> None:
    manager = _client(published_app, h, "manager")
    form = {**_current_form(published_app), "voice.service_level": "0.9"}
    r = h.post(manager, "/targets", form)
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    from web.app.extensions import db
    from web.app.models import AuditEntry, TargetsVersion

    with published_app.app_context():
        v = db.session.scalars(db.select(TargetsVersion).order_by(TargetsVersion.id.desc())).first()
        assert v is not None and v.created_by == "manager"
        assert v.note == "voice.service_level: 0.8 -> 0.9"
        assert tomllib.loads(v.text)["channels"]["voice"]["service_level"] == 0.9
        assert tomllib.loads(v.text)["channels"]["chat"]["concurrency"] == 2
        entry = db.session.scalars(db.select(AuditEntry).filter_by(action="targets_edited")).one()
        assert entry.username == "manager" and "0.9" in entry.detail
    assert "voice.service_level: 0.8 -&gt; 0.9" in manager.get("/targets").get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("voice.service_level", "1.5", "must be a share in (0, 1], got 1.5"),
        ("chat.concurrency", "0", "must be at least 1, got 0"),
        ("voice.shrinkage", "lots", "expected a number, got 'lots'"),
        ("voice.opening_hours", "25:00-26:00", "opening_hours"),
    ],
)
def test_invalid_targets_name_the_field(
    published_app: Flask, h: Any, field: str, value: str, message: str
) -> None:
    manager = _client(published_app, h, "manager")
    r = h.post(manager, "/targets", {**_current_form(published_app), field: value})
    assert r.status_code == 422
    html = unescape(r.get_data(as_text=True))
    assert f'<span class="field-error" data-field="{field}">' in html
    assert message in html
    # the same rule as targets.toml: the library's own message
    from scheduling.errors import TargetsError
    from scheduling.staffing.targets import targets_from_dict
    from web.app.services import current_targets_document, targets_form_dict

    with published_app.app_context():
        _v, doc = current_targets_document()
        with pytest.raises(TargetsError) as info:
            targets_from_dict(targets_form_dict({field: value}, doc))
    assert str(info.value) in html


def test_planner_cannot_save_targets(published_app: Flask, h: Any) -> None:
    planner = _client(published_app, h, "planner")
    assert h.post(planner, "/targets", _current_form(published_app)).status_code == 403


def test_what_if_moves_with_the_target_and_equals_the_library(published_app: Flask, h: Any) -> None:
    manager = _client(published_app, h, "manager")
    form = {
        **_current_form(published_app),
        "voice.answer_within_s": "10",
        "voice.service_level": "0.9",
    }
    d = h.post(manager, "/targets/whatif", form).get_json()
    assert d["errors"] == {}
    week = {r["channel"]: r for r in d["week"]}
    assert week["voice"]["staff_h_after"] > week["voice"]["staff_h_before"]
    assert week["chat"]["staff_h_after"] == week["chat"]["staff_h_before"]
    sl = {r["channel"]: r for r in d["service_level"]}
    assert sl["voice"]["service_level_after"] < sl["voice"]["service_level_before"]
    assert sl["voice"]["target_after"] == 0.9
    # known answer: the library on the stored forecast and the published roster
    import pandas as pd

    from scheduling.staffing.evaluate import roster_to_scheduled
    from scheduling.staffing.targets import targets_from_dict
    from scheduling.staffing.whatif import what_if
    from web.app.extensions import db
    from web.app.models import ForecastVersion, RosterVersion
    from web.app.services import (
        current_targets_document,
        forecast_frame,
        roster_frame_of,
        targets_form_dict,
    )

    with published_app.app_context():
        _v, doc = current_targets_document()
        fc = db.session.scalars(db.select(ForecastVersion)).one()
        rid = db.session.scalars(db.select(RosterVersion.id)).one()
        frame = forecast_frame(fc.id)
        sched = roster_to_scheduled(roster_frame_of(rid), frame["interval_start"], 30)
        ref = what_if(
            frame,
            targets_from_dict(doc),
            targets_from_dict(targets_form_dict(form, doc)),
            30,
            sched,
        )
    expected = ref.week.set_index("channel")
    got = pd.DataFrame(d["week"]).set_index("channel")[list(expected.columns)]
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    # an invalid field comes back as an error on that field
    bad = h.post(manager, "/targets/whatif", {**form, "voice.max_occupancy": "2"}).get_json()
    assert list(bad["errors"]) == ["voice.max_occupancy"]


def test_publishing_can_require_a_managers_approval(published_app: Flask, h: Any) -> None:
    planner, manager = _client(published_app, h, "planner"), _client(published_app, h, "manager")
    assert h.post(planner, "/settings/approvals", {"publish_approval": "1"}).status_code == 403
    h.post(manager, "/settings/approvals", {"publish_approval": "1", "trade_approval": "1"})
    from web.app.extensions import db
    from web.app.models import AppSetting, AuditEntry, RosterVersion
    from web.app.services import copy_roster

    with published_app.app_context():
        assert db.session.get(AppSetting, "publish_approval").value == "1"  # type: ignore[union-attr]
        published = db.session.scalars(db.select(RosterVersion)).one()
        draft = copy_roster(published, "a new draft")
        db.session.commit()
        draft_id = draft.id
    h.post(planner, f"/roster/{draft_id}/publish")
    with published_app.app_context():
        assert db.session.get(RosterVersion, draft_id).status == "pending_approval"  # type: ignore[union-attr]
    assert f"/roster/{draft_id}" in manager.get("/approvals").get_data(as_text=True)
    h.post(manager, f"/approvals/roster/{draft_id}", {"decision": "approve"})
    with published_app.app_context():
        row = db.session.get(RosterVersion, draft_id)
        assert row is not None and row.status == "published" and row.published_by == "manager"
        actions = set(db.session.scalars(db.select(AuditEntry.action)))
        assert {"setting_changed", "roster_publication_requested", "roster_published"} <= actions


def test_time_off_approval_makes_the_agent_unavailable_and_flags_conflicts(
    published_app: Flask, h: Any
) -> None:
    from web.app.extensions import db
    from web.app.models import Agent, Shift, TimeOffRequest

    with published_app.app_context():
        worked = sorted(db.session.scalars(db.select(Shift.date).filter_by(agent_id="A1")))
    day = worked[0]
    agent, manager = _client(published_app, h, "agent"), _client(published_app, h, "manager")
    h.post(agent, "/me/time-off", {"first_day": day.isoformat(), "last_day": ""})
    h.post(agent, "/me/time-off", {"first_day": "2025-12-01", "last_day": "2025-12-02"})
    with published_app.app_context():
        first, second = db.session.scalars(db.select(TimeOffRequest.id).order_by(TimeOffRequest.id))
    h.post(manager, f"/approvals/time-off/{first}", {"decision": "approve", "reason": "ok"})
    r = h.post(manager, f"/approvals/time-off/{second}", {"decision": "decline", "reason": ""})
    assert r.status_code == 422  # (no referrer here; a browser goes back to the page)
    assert "say why the request is declined" in r.get_data(as_text=True)
    h.post(manager, f"/approvals/time-off/{second}", {"decision": "decline", "reason": "peak week"})
    with published_app.app_context():
        a, b = db.session.get(TimeOffRequest, first), db.session.get(TimeOffRequest, second)
        assert a is not None and b is not None
        assert (a.status, a.conflicts, a.decided_by) == ("approved", day.isoformat(), "manager")
        assert (b.status, b.reason) == ("declined", "peak week")
        row = db.session.scalars(db.select(Agent).filter_by(agent_id="A1")).one()
        assert day.isoformat() in row.unavailable.split(";")
    mine = agent.get("/me/time-off").get_data(as_text=True)
    assert "approved" in mine and "peak week" in mine


def test_dashboard_of_the_published_week(published_app: Flask, h: Any) -> None:
    manager = _client(published_app, h, "manager")
    from web.app.extensions import db
    from web.app.models import RosterVersion, Shift
    from web.app.services import coverage_frame_of

    with published_app.app_context():
        rid = db.session.scalars(db.select(RosterVersion.id)).one()
        paid_h = sum(db.session.scalars(db.select(Shift.paid_min).filter_by(roster_id=rid))) / 60
        coverage = coverage_frame_of(rid)
    h.post(manager, "/manager/budget", {"budget": str(paid_h - 10)})
    html = manager.get("/manager").get_data(as_text=True)
    html = re.sub(r"<bdi[^>]*>|</bdi>", "", html)  # as read: without the isolates' tags
    assert f"{paid_h:,.0f}" in html or f"{paid_h:g}" in html
    assert "10 h over the budget" in html
    monday = coverage[
        (coverage["channel"] == "voice")
        & (coverage["interval_start"].dt.date == dt.date(2025, 10, 27))
        & coverage["service_level"].notna()
    ]
    sl = (monday["service_level"] * monday["volume"]).sum() / monday["volume"].sum()
    assert f"{100 * sl:.0f}%" in html
    assert (
        h.post(_client(published_app, h, "planner"), "/manager/budget", {"budget": "1"}).status_code
        == 403
    )


def test_a_targets_error_in_arabic_names_the_field(published_app: Flask, h: Any) -> None:
    manager = _client(published_app, h, "manager")
    h.post(manager, "/language", {"locale": "ar"})
    form = {**_current_form(published_app), "voice.service_level": "1.5"}
    errors = h.post(manager, "/targets/whatif", form).get_json()["errors"]
    assert list(errors) == ["voice.service_level"]
    assert "يجب أن تكون نسبة" in errors["voice.service_level"]
    assert (
        "service_level" in errors["voice.service_level"] and "1.5" in errors["voice.service_level"]
    )


def _faulted_draft(app: Flask, h: Any, planner: Any) -> tuple[int, str]:
    """A draft from the published week with A1's first day starting at 14:00 (no such start)."""
    from web.app.extensions import db
    from web.app.models import RosterVersion, Shift

    with app.app_context():
        published = db.session.scalars(
            db.select(RosterVersion).where(RosterVersion.status == "published")
        ).first()
        assert published is not None
        day = min(db.session.scalars(db.select(Shift.date).filter_by(roster_id=published.id)))
        pid = published.id
    form = {"agent_id": "A1", "date": day.isoformat(), "start": "14:00", "shift_type": "day"}
    r = h.post(planner, f"/roster/{pid}/edit", {**form, "channel": "voice"})
    draft = int(r.headers["Location"].split("/roster/")[1].split("?")[0])
    with app.app_context():
        faults = db.session.get(RosterVersion, draft).violations  # type: ignore[union-attr]
    assert any(v["rule"] == "shift_type" and v["agent_id"] == "A1" for v in faults)
    return draft, f"A1 {day.isoformat()} shift_type"


def test_a_faulted_roster_is_published_only_with_an_audited_reason(
    published_app: Flask, h: Any
) -> None:
    from web.app.extensions import db
    from web.app.models import AuditEntry, RosterVersion

    planner = _client(published_app, h, "planner")
    draft, fault = _faulted_draft(published_app, h, planner)
    page = planner.get(f"/roster/{draft}").get_data(as_text=True)
    assert 'name="override_reason"' in page
    r = h.post(planner, f"/roster/{draft}/publish")
    assert r.status_code == 422 and "give a reason to publish it anyway" in r.get_data(as_text=True)
    r = h.post(planner, f"/roster/{draft}/publish", {"override_reason": "   "})
    assert r.status_code == 422
    with published_app.app_context():
        assert db.session.get(RosterVersion, draft).status == "draft"  # type: ignore[union-attr]
    r = h.post(planner, f"/roster/{draft}/publish", {"override_reason": "agreed with A1"})
    assert r.status_code == 302
    with published_app.app_context():
        row = db.session.get(RosterVersion, draft)
        assert row is not None and row.status == "published"
        assert row.publish_override == "agreed with A1"
        entry = db.session.scalars(
            db.select(AuditEntry).filter_by(action="roster_publish_override")
        ).one()
        assert entry.target == f"roster:{draft}" and "agreed with A1" in entry.detail
        assert fault in entry.detail
    page = planner.get(f"/roster/{draft}").get_data(as_text=True)
    assert 'id="publish-override"' in page and "agreed with A1" in page


def test_a_faulted_roster_sent_for_approval_shows_its_violations_and_reason(
    published_app: Flask, h: Any
) -> None:
    from web.app.extensions import db
    from web.app.models import AuditEntry, RosterVersion

    planner, manager = _client(published_app, h, "planner"), _client(published_app, h, "manager")
    h.post(manager, "/settings/approvals", {"publish_approval": "1", "trade_approval": "1"})
    draft, fault = _faulted_draft(published_app, h, planner)
    r = h.post(planner, f"/roster/{draft}/publish")
    assert r.status_code == 422  # not even sent without a reason
    assert f'data-roster="{draft}"' not in manager.get("/approvals").get_data(as_text=True)
    h.post(planner, f"/roster/{draft}/publish", {"override_reason": "short week, agreed"})
    page = manager.get("/approvals").get_data(as_text=True)
    row = page.split(f'data-roster="{draft}"', 1)[1].split("</tr>", 1)[0]
    assert "violation(s)" in row and fault in row and "short week, agreed" in row
    h.post(manager, f"/approvals/roster/{draft}", {"decision": "approve"})
    with published_app.app_context():
        roster = db.session.get(RosterVersion, draft)
        assert roster is not None and roster.status == "published"
        assert roster.published_by == "manager" and roster.publish_override == "short week, agreed"
        details = list(
            db.session.scalars(
                db.select(AuditEntry.detail).filter_by(action="roster_publish_override")
            )
        )
    assert len(details) == 1 and fault in details[0]

"""Re-optimise around locked shifts: single shifts are kept, never what time off forbids (#17).

The published week of ``published_app`` is edited (each edit locks that one shift), time off
is approved afterwards on a locked day and on an unlocked working day, and the draft is
re-optimised. The new draft keeps the allowed lock exactly, drops the forbidden one, moves the
unlocked shift off the approved day, and its summary counts the agents its shifts name.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Flask
from sqlalchemy import select


def _shifts(app: Flask, roster_id: int) -> dict[tuple[str, dt.date], Any]:
    from web.app.extensions import db
    from web.app.models import Shift

    with app.app_context():
        rows = db.session.scalars(select(Shift).where(Shift.roster_id == roster_id)).all()
        return {(s.agent_id, s.date): (s.start_utc, s.end_utc, s.channel, s.locked) for s in rows}


def _approve_time_off(app: Flask, h: Any, user: str, day: dt.date) -> None:
    from web.app.extensions import db
    from web.app.models import TimeOffRequest

    agent, manager = app.test_client(), app.test_client()
    h.sign_in(agent, user)
    h.sign_in(manager, "manager")
    assert h.post(agent, "/me/time-off", {"first_day": day.isoformat()}).status_code == 302
    with app.app_context():
        rid = db.session.scalars(
            select(TimeOffRequest.id).order_by(TimeOffRequest.id.desc())
        ).first()
    r = h.post(manager, f"/approvals/time-off/{rid}", {"decision": "approve", "reason": "ok"})
    assert r.status_code == 302


def test_reoptimise_keeps_single_locked_shifts_and_drops_forbidden_ones(
    published_app: Flask, h: Any
) -> None:
    from web.app.extensions import db
    from web.app.models import Agent, RosterVersion, Shift

    app = published_app
    with app.app_context():
        published = db.session.scalars(select(RosterVersion.id)).one()
    base = _shifts(app, published)
    a1_days = sorted(d for a, d in base if a == "A1")
    a2_days = sorted(d for a, d in base if a == "A2")
    locked_a1, unlocked_a1, locked_a2 = a1_days[0], a1_days[1], a2_days[0]
    planner = app.test_client()
    h.sign_in(planner, "planner")

    def edit(roster_id: int, agent_id: str, day: dt.date, start: str) -> int:
        form = {"agent_id": agent_id, "date": day.isoformat(), "start": start}
        r = h.post(
            planner, f"/roster/{roster_id}/edit", {**form, "shift_type": "day", "channel": "voice"}
        )
        assert r.status_code == 302
        return int(r.headers["Location"].split("/roster/")[1].split("?")[0])

    draft = edit(published, "A1", locked_a1, "09:00")  # a new draft: the published one stays
    assert edit(draft, "A2", locked_a2, "10:00") == draft
    before = _shifts(app, draft)
    assert before[("A1", locked_a1)][3] and before[("A2", locked_a2)][3]
    assert not before[("A1", unlocked_a1)][3]

    # approved after the edits: a day off on A2's locked day and on A1's unlocked working day
    _approve_time_off(app, h, "agent2", locked_a2)
    _approve_time_off(app, h, "agent", unlocked_a1)

    r = h.post(planner, f"/roster/{draft}/reoptimise", {"time_limit_s": "5"})
    assert r.status_code == 302
    h.run_jobs(app)
    with app.app_context():
        new = db.session.scalars(select(RosterVersion).order_by(RosterVersion.id.desc())).first()
        assert new is not None and new.parent_id == draft and new.status == "draft"
        new_id, summary, violations = new.id, new.summary, new.violations
        active = set(db.session.scalars(select(Agent.agent_id).where(Agent.active.is_(True))))
        rostered = set(db.session.scalars(select(Shift.agent_id).where(Shift.roster_id == new_id)))
    after = _shifts(app, new_id)

    # the allowed lock is kept exactly, still locked; the forbidden one is gone
    assert after[("A1", locked_a1)] == before[("A1", locked_a1)]
    assert ("A2", locked_a2) not in after
    assert ("A1", unlocked_a1) not in after  # the agent's other days were rostered again
    assert [k for k, v in after.items() if v[3]] == [("A1", locked_a1)]
    assert not [v for v in violations if v["rule"] == "time_off"], violations
    notes = " ".join(summary["notes"])
    assert "re-optimised around 1 locked shift(s)" in notes
    assert f"A2 {locked_a2} (time_off)" in notes

    # the summary's counts are the shifts' own (counted here from the rows, not the summary)
    assert summary["agents_rostered"] == len(rostered) <= summary["agents"] == len(active)
    assert summary["shifts"] == len(after)
    page = planner.get(f"/roster/{new_id}").get_data(as_text=True)
    page = re.sub(r"<bdi[^>]*>|</bdi>", "", page)  # as read: without the isolates' tags
    assert f"{len(rostered)}/{len(active)} agents" in page

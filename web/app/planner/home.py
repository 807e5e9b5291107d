"""The dashboard (the week at a glance), job pages and an agent's own shifts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.app.auth import PLANNERS, STAFF, roles_required
from web.app.extensions import db
from web.app.jobs import request_cancel
from web.app.models import (
    ForecastVersion,
    HistoryUpload,
    Job,
    RequirementSet,
    RosterVersion,
    RulesVersion,
    Shift,
    TargetsVersion,
)
from web.app.planner import bp
from web.app.services import audit, latest, local_ts, settings


def result_url(job: Job) -> str | None:
    """The page of what a finished job wrote."""
    if not job.result:
        return None
    kind, _, ident = job.result.partition(":")
    endpoints = {
        "forecast": "planner.forecast_view",
        "requirements": "planner.requirements_view",
        "roster": "planner.roster_view",
    }
    endpoint = endpoints.get(kind)
    return url_for(endpoint, item_id=int(ident)) if endpoint else None


@bp.route("/planner")
@roles_required(*STAFF)
def dashboard() -> str:
    """Where the week stands: the latest history, forecast, requirements and roster."""
    jobs = list(db.session.scalars(select(Job).order_by(Job.id.desc()).limit(10)))
    return render_template(
        "planner/dashboard.html",
        history=latest(HistoryUpload),
        forecast=latest(ForecastVersion),
        requirements=latest(RequirementSet),
        roster=latest(RosterVersion),
        rules=latest(RulesVersion),
        targets=latest(TargetsVersion),
        jobs=jobs,
    )


@bp.route("/jobs/<int:item_id>")
@roles_required(*STAFF)
def job_view(item_id: int) -> str:
    """A job's progress (the page polls ``/api/jobs/<id>``)."""
    job = db.get_or_404(Job, item_id)
    return render_template("planner/job.html", job=job, result_url=result_url(job))


@bp.route("/jobs/<int:item_id>/cancel", methods=["POST"])
@roles_required(*PLANNERS)
def job_cancel(item_id: int) -> Response:
    """Ask a job to stop."""
    job = db.get_or_404(Job, item_id)
    if job.done:
        flash(f"Job {job.id} has ended already.", "info")
    else:
        request_cancel(job)
        audit("job_cancel_requested", f"job:{job.id}", job.kind)
        db.session.commit()
        flash(f"Cancellation of job {job.id} requested.", "info")
    return redirect(url_for("planner.job_view", item_id=job.id))


@bp.route("/me")
@roles_required("agent")
def my_shifts() -> str:
    """An agent's shifts in the latest published roster."""
    center = settings()
    agent_id = current_user.agent_id
    if not agent_id:
        abort(404)
    roster = db.session.scalar(
        select(RosterVersion)
        .where(RosterVersion.status == "published")
        .order_by(RosterVersion.id.desc())
        .limit(1)
    )
    shifts = []
    if roster is not None:
        for s in db.session.scalars(
            select(Shift)
            .where(Shift.roster_id == roster.id, Shift.agent_id == agent_id)
            .order_by(Shift.date)
        ):
            shifts.append(
                {
                    "date": s.date,
                    "start": local_ts(s.start_utc, center.tz).strftime("%H:%M"),
                    "end": local_ts(s.end_utc, center.tz).strftime("%H:%M"),
                    "channel": s.channel,
                    "rests": [
                        f"{a.activity} {local_ts(a.start_utc, center.tz):%H:%M}-"
                        f"{local_ts(a.end_utc, center.tz):%H:%M}"
                        for a in s.activities
                        if a.activity != "work"
                    ],
                }
            )
    return render_template("planner/me.html", roster=roster, shifts=shifts, agent_id=agent_id)

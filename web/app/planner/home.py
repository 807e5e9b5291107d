"""The dashboard (the week at a glance), job pages and an agent's own shifts."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.app.auth import PLANNERS, STAFF, roles_required
from web.app.extensions import db
from web.app.jobs import reap_stale, request_cancel
from web.app.models import (
    ForecastVersion,
    HistoryUpload,
    Job,
    RequirementSet,
    RosterVersion,
    RulesVersion,
    TargetsVersion,
)
from web.app.planner import bp
from web.app.services import activity_label, audit, latest, my_weeks


def result_url(job: Job) -> str | None:
    """The page of what a finished job wrote."""
    if not job.result:
        return None
    kind, _, ident = job.result.partition(":")
    endpoints = {
        "forecast": "planner.forecast_view",
        "requirements": "planner.requirements_view",
        "roster": "planner.roster_view",
        "history": "planner.history_view",
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
    """A job's progress (the page polls ``/api/jobs/<id>``); a dead runner's job is failed."""
    job = db.get_or_404(Job, item_id)
    if job.status == "running" and reap_stale(float(current_app.config["JOB_STALE_S"])):
        db.session.refresh(job)
    return render_template("planner/job.html", job=job, result_url=result_url(job))


@bp.route("/jobs/<int:item_id>/cancel", methods=["POST"])
@roles_required(*PLANNERS)
def job_cancel(item_id: int) -> Response:
    """Ask a job to stop."""
    job = db.get_or_404(Job, item_id)
    if job.done:
        flash(gettext("Job %(id)s has ended already.", id=job.id), "info")
    else:
        request_cancel(job)
        audit("job_cancel_requested", f"job:{job.id}", job.kind)
        db.session.commit()
        flash(gettext("Cancellation of job %(id)s requested.", id=job.id), "info")
    return redirect(url_for("planner.job_view", item_id=job.id))


@bp.route("/me")
@roles_required("agent")
def my_shifts() -> str:
    """An agent's published weeks (this week and the next published ones), day by day."""
    agent_id = current_user.agent_id
    if not agent_id:
        abort(404)
    return render_template(
        "agent/my_shifts.html",
        weeks=my_weeks(agent_id),
        agent_id=agent_id,
        activity_label=activity_label,
    )

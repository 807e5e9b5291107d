"""JSON for the pages: job progress (polled every second) and chart data.

Every endpoint reads rows precomputed when a job finished; none forecasts or solves.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.wrappers import Response

from web.app import messages
from web.app.auth import STAFF, roles_required
from web.app.extensions import db
from web.app.jobs import reap_stale
from web.app.models import Job, RequirementSet, RosterVersion
from web.app.planner.home import result_url
from web.app.services import (
    coverage_chart,
    forecast_chart,
    history_chart,
    requirements_chart,
)
from web.app.services._forecast import scope_forecast_chart
from web.app.services._scope import parse_scope

bp = Blueprint("api", __name__, url_prefix="/api")


def job_json(job: Job) -> dict[str, Any]:
    """A job's state as the job page shows it."""
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "status_label": messages.job_status(job.status),
        "progress": round(job.progress, 4),
        "message": job.message,
        "message_label": messages.job_message(job.message),
        "objective": job.objective,
        "bound": job.bound,
        "result": job.result,
        "result_url": result_url(job),
        "cancel_requested": job.cancel_requested,
        "done": job.done,
    }


@bp.route("/jobs/<int:item_id>")
@roles_required(*STAFF)
def job_status(item_id: int) -> Response:
    """A job's status, progress, message, objective and bound.

    A running job whose runner died (no heartbeat for ``JOB_STALE_S``) is marked failed first.
    """
    job = db.get_or_404(Job, item_id)
    if job.status == "running" and reap_stale(float(current_app.config["JOB_STALE_S"])):
        db.session.refresh(job)
    return jsonify(job_json(job))


@bp.route("/history/<int:item_id>/chart")
@roles_required(*STAFF)
def history_chart_data(item_id: int) -> Response:
    """Offered per channel and interval, last ``weeks`` (default 4) weeks."""
    weeks = min(max(request.args.get("weeks", 4, type=int) or 4, 1), 12)
    return jsonify(history_chart(item_id, weeks))


@bp.route("/forecast/<int:item_id>/chart")
@roles_required(*STAFF)
def forecast_chart_data(item_id: int) -> Response:
    """A scope's forecast with its bands and the history beside it.

    ``?scope=`` (center, ``channel:<name>``, ``entity:<id>``, ``queue:<channel>/<queue>``);
    the older ``?series=channel/queue`` still gives that queue.
    """
    if "scope" not in request.args and "series" in request.args:
        channel, _, queue = request.args.get("series", "").partition("/")
        return jsonify(forecast_chart(item_id, channel, queue))
    return jsonify(scope_forecast_chart(item_id, parse_scope(request.args.get("scope"))))


@bp.route("/requirements/<int:item_id>/chart")
@roles_required(*STAFF)
def requirements_chart_data(item_id: int) -> Response:
    """Agents and staff per channel and interval."""
    db.get_or_404(RequirementSet, item_id)
    return jsonify(requirements_chart(item_id, parse_scope(request.args.get("scope"))))


@bp.route("/roster/<int:item_id>/coverage")
@roles_required(*STAFF)
def roster_coverage_data(item_id: int) -> Response:
    """Required and on the phones per channel and interval, with the expected service level.

    404 for a roster that does not exist, never an empty chart.
    """
    db.get_or_404(RosterVersion, item_id)
    return jsonify(coverage_chart(item_id, parse_scope(request.args.get("scope"))))

"""History: upload (a job: interval CSV or ACD export), summary, and a chart of the last weeks."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.app.auth import PLANNERS, STAFF, roles_required
from web.app.extensions import db
from web.app.jobs import enqueue
from web.app.models import HistoryUpload
from web.app.planner import bp
from web.app.services import actor, audit, store_upload


@bp.route("/history")
@roles_required(*STAFF)
def history_list() -> str:
    """Uploads, newest first, and the upload form."""
    uploads = list(db.session.scalars(select(HistoryUpload).order_by(HistoryUpload.id.desc())))
    return render_template("planner/history_list.html", uploads=uploads, error=None)


@bp.route("/history/upload", methods=["POST"])
@roles_required(*PLANNERS)
def history_upload() -> Response:
    """Store an uploaded history and queue the job that validates, maps and stores its rows.

    The request only writes the file (atomically, in the instance folder) and enqueues the
    ``history`` job; the job page shows its progress, then the upload (or the file's error,
    naming row and column).
    """
    upload = request.files.get("file")
    kind = "acd" if request.form.get("kind") == "acd" else "interval"
    if upload is None or not upload.filename:
        flash(gettext("Choose a file to upload."), "error")
        return redirect(url_for("planner.history_list"))
    stored = store_upload(upload.stream)
    job = enqueue("history", {"upload": stored, "filename": upload.filename, "kind": kind}, actor())
    audit("history_upload_requested", f"job:{job.id}", upload.filename)
    db.session.commit()
    return redirect(url_for("planner.job_view", item_id=job.id))


@bp.route("/history/<int:item_id>")
@roles_required(*STAFF)
def history_view(item_id: int) -> str:
    """One upload: summary per series, warnings and the chart of the last four weeks."""
    upload = db.get_or_404(HistoryUpload, item_id)
    return render_template("planner/history.html", upload=upload)

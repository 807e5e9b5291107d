"""History: upload (interval CSV or ACD export), summary, and a chart of the last weeks."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_number, gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.app.auth import PLANNERS, STAFF, roles_required
from web.app.extensions import db
from web.app.messages import error_text
from web.app.models import HistoryUpload
from web.app.planner import bp
from web.app.services import import_history, temp_file
from wfmcore.errors import WfmError


@bp.route("/history")
@roles_required(*STAFF)
def history_list() -> str:
    """Uploads, newest first, and the upload form."""
    uploads = list(db.session.scalars(select(HistoryUpload).order_by(HistoryUpload.id.desc())))
    return render_template("planner/history_list.html", uploads=uploads, error=None)


@bp.route("/history/upload", methods=["POST"])
@roles_required(*PLANNERS)
def history_upload() -> Response | tuple[str, int]:
    """Validate and store an uploaded history; errors are shown on the page, per row/column."""
    upload = request.files.get("file")
    kind = request.form.get("kind", "interval")
    if upload is None or not upload.filename:
        flash(gettext("Choose a file to upload."), "error")
        return redirect(url_for("planner.history_list"))
    name = upload.filename
    data = upload.read()
    try:
        with temp_file(data, ".csv" if kind == "interval" else ".txt", name) as path:
            row = import_history(path, name, kind="acd" if kind == "acd" else "interval")
        db.session.commit()
    except WfmError as exc:
        db.session.rollback()
        uploads = list(db.session.scalars(select(HistoryUpload).order_by(HistoryUpload.id.desc())))
        return render_template(
            "planner/history_list.html", uploads=uploads, error=error_text(exc)
        ), 422
    flash(
        gettext(
            "History %(name)s stored: %(rows)s interval rows.",
            name=name,
            rows=format_number(row.rows),
        ),
        "success",
    )
    return redirect(url_for("planner.history_view", item_id=row.id))


@bp.route("/history/<int:item_id>")
@roles_required(*STAFF)
def history_view(item_id: int) -> str:
    """One upload: summary per series, warnings and the chart of the last four weeks."""
    upload = db.get_or_404(HistoryUpload, item_id)
    return render_template("planner/history.html", upload=upload)

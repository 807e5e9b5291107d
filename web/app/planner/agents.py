"""Agents.

The list, add / edit / deactivate, and ``agents.csv`` import and export with the CLI's validation
(errors per row and column).
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

from flask import Response as FlaskResponse
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.app.auth import PLANNERS, STAFF, roles_required
from web.app.extensions import db
from web.app.models import Agent
from web.app.planner import bp
from web.app.services import (
    AGENT_FIELDS,
    AGENT_STATUSES,
    ImportPreview,
    agent_filter_choices,
    agent_page,
    agents_csv_text,
    audit,
    import_agents,
    preview_import,
    save_agent,
    temp_file,
)
from wfmcore.errors import WfmError


def _agents() -> list[Agent]:
    return list(db.session.scalars(select(Agent).order_by(Agent.active.desc(), Agent.agent_id)))


#: The list's query-string keys (kept across pages).
LIST_ARGS = ("q", "skill", "group", "status")


def _list_args() -> dict[str, str]:
    args = {k: request.args.get(k, "").strip() for k in LIST_ARGS}
    if args["status"] not in AGENT_STATUSES:
        args["status"] = "all"
    return {k: v for k, v in args.items() if v}


def _list_page(
    error: WfmError | None = None, preview: ImportPreview | None = None, status: int = 200
) -> tuple[str, int]:
    args = _list_args()
    try:
        number = int(request.args.get("page", "1"))
    except ValueError:
        number = 1
    page = agent_page(
        args.get("q", ""),
        skill=args.get("skill", ""),
        group=args.get("group", ""),
        status=args.get("status", "all"),
        page=number,
    )
    skills, groups = agent_filter_choices()
    return render_template(
        "planner/agents.html",
        page=page,
        args=args,
        skills=skills,
        groups=groups,
        statuses=AGENT_STATUSES,
        error=error,
        error_row=getattr(error, "row", None),
        error_column=getattr(error, "column", None),
        error_detail=str(getattr(error, "detail", error)) if error is not None else "",
        preview=preview,
    ), status


@bp.route("/agents")
@roles_required(*STAFF)
def agents_list() -> tuple[str, int]:
    """The agents with skills, contract, window, leave and preferences.

    Searched (id, name, skill), filtered (skill, group, active or not) and paged in SQL.
    """
    return _list_page()


@bp.route("/agents/new", methods=["GET", "POST"])
@roles_required(*PLANNERS)
def agent_new() -> str | Response | tuple[str, int]:
    """Add an agent."""
    return _agent_form(None)


@bp.route("/agents/<int:item_id>/edit", methods=["GET", "POST"])
@roles_required(*PLANNERS)
def agent_edit(item_id: int) -> str | Response | tuple[str, int]:
    """Change an agent."""
    return _agent_form(db.get_or_404(Agent, item_id))


def agent_form_fields() -> list[tuple[str, str, str, str]]:
    """The agent form's fields: (CSV column, label in the page's language, hint, input type)."""
    return [
        ("agent_id", gettext("Agent id"), "", "text"),
        ("name", gettext("Name"), "", "text"),
        ("skills", gettext("Skills (channels)"), gettext("channels, ; between"), "text"),
        ("min_hours_week", gettext("Minimum hours a week"), "", "number"),
        ("max_hours_week", gettext("Maximum hours a week"), "", "number"),
        ("max_days_week", gettext("Maximum days a week"), "", "number"),
        ("earliest_start", gettext("Earliest start"), "", "time"),
        ("latest_end", gettext("Latest end"), "", "time"),
        (
            "unavailable",
            gettext("Unavailable days"),
            gettext("dates YYYY-MM-DD, ; between"),
            "dates",
        ),
        ("preferred_start", gettext("Preferred start"), "", "time"),
        ("preferred_days_off", gettext("Preferred days off"), "mon;...;sun", "text"),
        ("group", gettext("Group"), gettext("selects shift types"), "text"),
    ]


def _agent_form(agent: Agent | None) -> str | Response | tuple[str, int]:
    values = {k: str(getattr(agent, k)) if agent else "" for k in AGENT_FIELDS}
    if agent is not None:
        for k in ("min_hours_week", "max_hours_week"):
            values[k] = f"{getattr(agent, k):g}"
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in AGENT_FIELDS}
        if agent is not None:
            values["agent_id"] = agent.agent_id
        try:
            saved = save_agent(values, agent)
            db.session.commit()
        except WfmError as exc:
            db.session.rollback()
            return render_template(
                "planner/agent_form.html",
                agent=agent,
                values=values,
                error=str(getattr(exc, "detail", exc)),
                error_field=getattr(exc, "column", None),
                fields=agent_form_fields(),
            ), 422
        flash(gettext("Agent %(id)s saved.", id=saved.agent_id), "success")
        return redirect(url_for("planner.agents_list"))
    return render_template(
        "planner/agent_form.html",
        agent=agent,
        values=values,
        error=None,
        error_field=None,
        fields=agent_form_fields(),
    )


@bp.route("/agents/<int:item_id>/active", methods=["POST"])
@roles_required(*PLANNERS)
def agent_active(item_id: int) -> Response:
    """Deactivate (or reactivate) an agent; inactive agents are not rostered."""
    agent = db.get_or_404(Agent, item_id)
    agent.active = request.form.get("active") == "1"
    audit("agent_activated" if agent.active else "agent_deactivated", f"agent:{agent.agent_id}")
    db.session.commit()
    return redirect(url_for("planner.agents_list"))


def _pending_folder() -> Path:
    folder = Path(current_app.instance_path) / "pending-imports"
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - 24 * 3600  # previews nobody confirmed within a day
    for old in folder.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    return folder


def _do_import(content: bytes, filename: str) -> Response | tuple[str, int]:
    try:
        with temp_file(content, ".csv", filename) as path:
            added, updated, gone = import_agents(path, filename)
        db.session.commit()
    except WfmError as exc:
        db.session.rollback()
        return _list_page(exc, status=422)
    flash(
        gettext(
            "Agents imported: %(added)s added, %(updated)s updated, %(gone)s deactivated.",
            added=added,
            updated=updated,
            gone=gone,
        ),
        "success",
    )
    return redirect(url_for("planner.agents_list"))


@bp.route("/agents/import", methods=["POST"])
@roles_required(*PLANNERS)
def agents_import() -> Response | tuple[str, int]:
    """Import an uploaded ``agents.csv``, or first show whom it would deactivate.

    At once when it deactivates nobody; else the preview waits for the confirmation
    (:func:`agents_import_confirm`).
    """
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(gettext("Choose an agents.csv to import."), "error")
        return redirect(url_for("planner.agents_list"))
    content = upload.read()
    filename = Path(upload.filename).name
    try:
        with temp_file(content, ".csv", filename) as path:
            preview = preview_import(path)
    except WfmError as exc:
        db.session.rollback()
        return _list_page(exc, status=422)
    if not preview.deactivated:
        return _do_import(content, filename)
    (_pending_folder() / f"{preview.token}.csv").write_bytes(content)
    (_pending_folder() / f"{preview.token}.name").write_text(filename, encoding="utf-8")
    return _list_page(preview=preview)


@bp.route("/agents/import/confirm", methods=["POST"])
@roles_required(*PLANNERS)
def agents_import_confirm() -> Response | tuple[str, int]:
    """Import the previewed file (named by its SHA-256) once the planner confirmed.

    When the agents to deactivate changed since the preview, show the new preview instead.
    """
    token = request.form.get("token", "")
    folder = _pending_folder()
    path = folder / f"{token}.csv"
    if re.fullmatch(r"[0-9a-f]{64}", token) is None or not path.exists():
        flash(gettext("That import is no longer waiting: upload the file again."), "error")
        return redirect(url_for("planner.agents_list"))
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != token:
        abort(400)
    name_file = folder / f"{token}.name"
    filename = name_file.read_text(encoding="utf-8") if name_file.exists() else "agents.csv"
    with temp_file(content, ".csv", filename) as tmp:
        preview = preview_import(tmp)
    shown = sorted(request.form.getlist("deactivate"))
    if shown != [agent_id for agent_id, _name in preview.deactivated]:
        flash(gettext("The agents changed since the preview: check it again."), "warning")
        return _list_page(preview=preview, status=409)
    result = _do_import(content, filename)
    path.unlink(missing_ok=True)
    name_file.unlink(missing_ok=True)
    return result


@bp.route("/agents/export.csv")
@roles_required(*STAFF)
def agents_export() -> FlaskResponse:
    """The active agents as ``agents.csv``."""
    rows = [a for a in _agents() if a.active]
    return FlaskResponse(
        agents_csv_text(rows, for_download=True),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=agents.csv"},
    )

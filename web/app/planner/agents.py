"""Agents.

The list, add / edit / deactivate, and ``agents.csv`` import and export with the CLI's validation
(errors per row and column).
"""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.app.auth import PLANNERS, STAFF, roles_required
from web.app.extensions import db
from web.app.models import Agent
from web.app.planner import bp
from web.app.services import (
    AGENT_FIELDS,
    agents_csv_text,
    audit,
    import_agents,
    save_agent,
    temp_file,
)
from wfmcore.errors import WfmError


def _agents() -> list[Agent]:
    return list(db.session.scalars(select(Agent).order_by(Agent.active.desc(), Agent.agent_id)))


@bp.route("/agents")
@roles_required(*STAFF)
def agents_list() -> str:
    """Every agent with skills, contract, window, leave and preferences."""
    return render_template("planner/agents.html", agents=_agents(), error=None)


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
                "planner/agent_form.html", agent=agent, values=values, error=str(exc)
            ), 422
        flash(gettext("Agent %(id)s saved.", id=saved.agent_id), "success")
        return redirect(url_for("planner.agents_list"))
    return render_template("planner/agent_form.html", agent=agent, values=values, error=None)


@bp.route("/agents/<int:item_id>/active", methods=["POST"])
@roles_required(*PLANNERS)
def agent_active(item_id: int) -> Response:
    """Deactivate (or reactivate) an agent; inactive agents are not rostered."""
    agent = db.get_or_404(Agent, item_id)
    agent.active = request.form.get("active") == "1"
    audit("agent_activated" if agent.active else "agent_deactivated", f"agent:{agent.agent_id}")
    db.session.commit()
    return redirect(url_for("planner.agents_list"))


@bp.route("/agents/import", methods=["POST"])
@roles_required(*PLANNERS)
def agents_import() -> Response | tuple[str, int]:
    """Replace the agent list from an uploaded ``agents.csv``."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(gettext("Choose an agents.csv to import."), "error")
        return redirect(url_for("planner.agents_list"))
    try:
        with temp_file(upload.read(), ".csv", upload.filename) as path:
            added, updated, gone = import_agents(path, upload.filename)
        db.session.commit()
    except WfmError as exc:
        db.session.rollback()
        return render_template("planner/agents.html", agents=_agents(), error=str(exc)), 422
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

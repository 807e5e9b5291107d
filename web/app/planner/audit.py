"""The audit log: who uploaded, generated, edited and published what, and when."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from web.app.auth import roles_required
from web.app.extensions import db
from web.app.models import AuditEntry
from web.app.planner import bp


@bp.route("/audit")
@roles_required("admin", "manager", "planner")
def audit_log() -> str:
    """The last 500 entries, newest first (``?action=`` filters)."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(500)
    action = request.args.get("action", "")
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    entries = list(db.session.scalars(stmt))
    return render_template("planner/audit.html", entries=entries, action=action)

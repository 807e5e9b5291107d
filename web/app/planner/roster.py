"""Roster.

Generate as a job, the grid and the coverage chart, hand edits checked by the independent rule
checker, re-optimise around locked shifts, publish, and export.
"""

from __future__ import annotations

import datetime as dt

from flask import Response as FlaskResponse
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.app.auth import PLANNERS, STAFF, roles_required
from web.app.extensions import db
from web.app.jobs import enqueue
from web.app.messages import isolate, rule_label, say, violation_text
from web.app.models import RequirementSet, RosterVersion, RulesVersion
from web.app.planner import bp
from web.app.planner.scope import requested_scope, scope_links
from web.app.services import (
    actor,
    audit,
    edit_shift,
    flag,
    latest,
    publish_roster,
    request_publication,
    roster_csv,
    roster_grid,
    roster_xlsx,
    rules_of,
    time_off_conflicts,
)
from web.app.services._forecast import forecast_channels
from web.app.services._requirements import requirements_daily, shared_pools
from wfmcore.errors import InputError

TIME_LIMITS_S = (10, 30, 60, 120, 300)


@bp.route("/roster")
@roles_required(*STAFF)
def roster_list() -> str:
    """Roster versions and the form to generate one."""
    rosters = list(
        db.session.scalars(select(RosterVersion).order_by(RosterVersion.id.desc()).limit(50))
    )
    return render_template(
        "planner/roster_list.html",
        rosters=rosters,
        requirements=latest(RequirementSet),
        rules=latest(RulesVersion),
        time_limits=TIME_LIMITS_S,
    )


def _time_limit() -> float:
    try:
        value = float(request.form.get("time_limit_s", "60"))
    except ValueError:
        raise InputError("the time limit must be a number of seconds") from None
    if not 1 <= value <= 3600:
        raise InputError("the time limit must be 1..3600 seconds")
    return value


@bp.route("/roster/run", methods=["POST"])
@roles_required(*PLANNERS)
def roster_run() -> Response:
    """Queue a roster job on the latest requirements and rules."""
    req_set, rules = latest(RequirementSet), latest(RulesVersion)
    if req_set is None or rules is None:
        raise InputError("compute requirements and upload rules.toml first")
    job = enqueue(
        "roster",
        {
            "requirement_set_id": req_set.id,
            "rules_id": rules.id,
            "time_limit_s": _time_limit(),
            "seed": 0,
        },
        actor(),
    )
    audit("roster_requested", f"job:{job.id}", f"requirements:{req_set.id}")
    db.session.commit()
    return redirect(url_for("planner.job_view", item_id=job.id))


@bp.route("/roster/<int:item_id>")
@roles_required(*STAFF)
def roster_view(item_id: int) -> str:
    """The grid (agents x days), the coverage chart, the summary and the checker's verdict."""
    roster = db.get_or_404(RosterVersion, item_id)
    rules = rules_of(db.get_or_404(RulesVersion, roster.rules_id))
    req_set = db.get_or_404(RequirementSet, roster.requirement_set_id)
    scope, pick = requested_scope(forecast_channels(req_set.forecast_id))
    pick["links"] = scope_links(
        scope, forecast_id=req_set.forecast_id, requirement_set_id=req_set.id, roster_id=item_id
    )
    return render_template(
        "planner/roster.html",
        scope=scope,
        pick=pick,
        scope_required=requirements_daily(req_set.id, scope) if scope.kind != "center" else [],
        scope_shared=shared_pools(req_set.id, scope),
        roster=roster,
        grid=roster_grid(item_id),
        summary=roster.summary,
        violations=roster.violations,
        conflicts=time_off_conflicts(roster),
        shift_types=[t.name for t in rules.shift_types],
        time_limits=TIME_LIMITS_S,
    )


@bp.route("/roster/<int:item_id>/edit", methods=["POST"])
@roles_required(*PLANNERS)
def roster_edit(item_id: int) -> Response:
    """Change one agent's day; the checker's verdict is shown on the roster page."""
    form = request.form
    try:
        date = dt.date.fromisoformat(form.get("date", ""))
    except ValueError:
        raise InputError(f"expected a date, got {form.get('date')!r}", column="date") from None
    roster, violations = edit_shift(
        item_id,
        agent_id=form.get("agent_id", ""),
        date=date,
        day_off=form.get("day_off") == "1",
        start=form.get("start", ""),
        shift_type=form.get("shift_type", ""),
        channel=form.get("channel", ""),
    )
    db.session.commit()
    mine = [v for v in violations if v.agent_id == form.get("agent_id")]
    if violations:
        message = gettext("Rule checker: %(n)s violation(s)", n=len(violations))
        said = say(message)
        if mine:
            listed = Markup("; ").join(
                Markup("%s %s: %s") % (isolate(v.date), rule_label(v.rule), violation_text(v))
                for v in mine[:5]
            )
            said += say(
                gettext(", %(n)s for %(agent)s: %(list)s"),
                {"n": len(mine), "agent": form.get("agent_id", ""), "list": listed},
            )
        flash(said, "warning")
    else:
        flash(gettext("Rule checker: no violation."), "success")
    return redirect(
        url_for(
            "planner.roster_view",
            item_id=roster.id,
            agent=form.get("agent_id"),
            date=date.isoformat(),
        )
    )


@bp.route("/roster/<int:item_id>/reoptimise", methods=["POST"])
@roles_required(*PLANNERS)
def roster_reoptimise(item_id: int) -> Response:
    """Queue a re-optimisation of the agents without locked shifts."""
    roster = db.get_or_404(RosterVersion, item_id)
    rules = latest(RulesVersion)
    assert rules is not None
    job = enqueue(
        "roster",
        {
            "requirement_set_id": roster.requirement_set_id,
            "rules_id": rules.id,
            "time_limit_s": _time_limit(),
            "seed": 0,
            "base_roster_id": roster.id,
        },
        actor(),
    )
    audit("roster_reoptimise_requested", f"job:{job.id}", f"roster:{roster.id}")
    db.session.commit()
    return redirect(url_for("planner.job_view", item_id=job.id))


@bp.route("/roster/<int:item_id>/publish", methods=["POST"])
@roles_required("admin", "planner", "manager")
def roster_publish(item_id: int) -> Response:
    """Publish a draft (immutable from then on), or send it to a manager when that is required.

    With ``publish_approval`` on, a planner's publish asks for a manager's approval; a manager
    (or admin) publishing is the approval.
    """
    reason = request.form.get("override_reason", "")
    if flag("publish_approval") and current_user.role not in ("admin", "manager"):
        roster = request_publication(item_id, override=reason)
        db.session.commit()
        flash(
            gettext("Roster version %(id)s sent to a manager for approval.", id=roster.id), "info"
        )
    else:
        roster = publish_roster(item_id, override=reason)
        db.session.commit()
        flash(gettext("Roster version %(id)s published.", id=roster.id), "success")
    return redirect(url_for("planner.roster_view", item_id=roster.id))


@bp.route("/roster/<int:item_id>/export.csv")
@roles_required(*STAFF)
def roster_export_csv(item_id: int) -> FlaskResponse:
    """The roster as ``ROSTER.csv``."""
    roster = db.get_or_404(RosterVersion, item_id)
    return FlaskResponse(
        roster_csv(roster.id),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=roster-{roster.id}.csv"},
    )


@bp.route("/roster/<int:item_id>/export.xlsx")
@roles_required(*STAFF)
def roster_export_xlsx(item_id: int) -> FlaskResponse:
    """The roster as an Excel workbook (grid and activity rows)."""
    roster = db.get_or_404(RosterVersion, item_id)
    return FlaskResponse(
        roster_xlsx(roster.id),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=roster-{roster.id}.xlsx"},
    )

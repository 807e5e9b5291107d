"""The managers' screens: targets editor with the live what-if, approvals, the week's dashboard.

Managers own the service levels: they (and admins) save targets and decide approvals; planners
see the pages and run the what-if. The views call :mod:`web.app.services` (``_targets``,
``_manager``), which call :func:`scheduling.staffing.whatif.what_if` and the targets validator.
"""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from web.app.auth import STAFF, roles_required
from web.app.extensions import db
from web.app.i18n import status_label
from web.app.models import AWAITING_STATUSES, RosterVersion, TargetsVersion
from web.app.planner import bp
from web.app.services import (
    TARGET_FIELDS,
    awaiting_publication,
    current_targets_document,
    decide_time_off,
    decide_trade,
    decided_time_off,
    fault_list,
    flag,
    get_setting,
    latest_published,
    pending_time_off,
    pending_trades,
    publish_roster,
    save_targets_form,
    set_budget,
    set_setting,
    target_field_labels,
    time_off_conflicts,
    week_dashboard,
)
from wfmcore.errors import WfmError

#: Those who decide (targets, approvals, budget).
MANAGERS: tuple[str, ...] = ("admin", "manager")
MODELS: tuple[str, ...] = ("erlang_c", "erlang_a", "chat", "deferred")


def _targets_page(errors: dict[str, str] | None = None, form: Any = None, status: int = 200) -> Any:
    version, doc = current_targets_document()
    versions = list(
        db.session.scalars(db.select(TargetsVersion).order_by(TargetsVersion.id.desc()).limit(10))
    )
    return render_template(
        "manager/targets.html",
        version=version,
        doc=doc,
        fields=TARGET_FIELDS,
        labels=target_field_labels(),
        models=MODELS,
        errors=errors or {},
        form=form,
        versions=versions,
    ), status


@bp.route("/targets")
@roles_required(*STAFF)
def targets_edit() -> Any:
    """The targets per channel, editable by managers, with the what-if beside them."""
    return _targets_page()


@bp.route("/targets", methods=["POST"])
@roles_required(*MANAGERS)
def targets_save() -> Any:
    """Store the form's targets as a new version (errors shown on their fields)."""
    row, errors = save_targets_form(request.form)
    if errors:
        db.session.rollback()
        return _targets_page(errors, request.form, 422)
    db.session.commit()
    if row is None:
        flash(gettext("Nothing changed."), "info")
    else:
        flash(gettext("Targets version %(id)s saved.", id=row.id), "success")
    return redirect(url_for("planner.targets_edit"))


def _can_decide() -> bool:
    from flask_login import current_user

    return bool(current_user.role in MANAGERS)


@bp.route("/targets/whatif", methods=["POST"])
@roles_required(*STAFF)
def targets_whatif() -> Response:
    """The what-if of the form's targets (JSON; the page asks as the manager types)."""
    from web.app.services import what_if_numbers

    try:
        out = what_if_numbers(request.form)
    except WfmError as exc:
        out = {"errors": {"_": str(exc)}}
    return jsonify(out)


@bp.route("/approvals")
@roles_required(*STAFF)
def approvals() -> str:
    """What waits for a decision: publications, time off (and trades)."""
    return render_template(
        "manager/approvals.html",
        rosters=awaiting_publication(),
        pending=pending_time_off(),
        decided=decided_time_off(),
        trades=pending_trades(),
        publish_approval=flag("publish_approval"),
        trade_approval=flag("trade_approval"),
        can_decide=_can_decide(),
        fault_list=fault_list,
    )


@bp.route("/approvals/time-off/<int:item_id>", methods=["POST"])
@roles_required(*MANAGERS)
def approve_time_off(item_id: int) -> Response:
    """Approve or decline a time-off request, with a reason."""
    approve = request.form.get("decision") == "approve"
    row = decide_time_off(item_id, approve=approve, reason=request.form.get("reason", ""))
    db.session.commit()
    if row.conflicts:
        flash(
            gettext(
                "Approved; it conflicts with published shifts on %(days)s.",
                days=row.conflicts.replace(";", ", "),
            ),
            "warning",
        )
    else:
        flash(gettext("Request %(status)s.", status=status_label(row.status)), "success")
    return redirect(url_for("planner.approvals"))


@bp.route("/approvals/roster/<int:item_id>", methods=["POST"])
@roles_required(*MANAGERS)
def approve_roster(item_id: int) -> Response:
    """Publish a roster a planner sent for approval, or send it back to draft."""
    roster = db.get_or_404(RosterVersion, item_id)
    if request.form.get("decision") == "approve":
        # the manager's reason, else the planner's: either way named on the approval
        reason = request.form.get("reason", "").strip() or roster.publish_override
        publish_roster(roster.id, override=reason)
        flash(gettext("Roster version %(id)s published.", id=roster.id), "success")
    else:
        from web.app.services import audit

        if roster.status in AWAITING_STATUSES:
            roster.status = "draft"
            roster.publish_override = ""  # a new request needs its own reason
        audit("roster_publication_declined", f"roster:{roster.id}", request.form.get("reason", ""))
        flash(gettext("Roster version %(id)s sent back to draft.", id=roster.id), "info")
    db.session.commit()
    return redirect(url_for("planner.approvals"))


@bp.route("/approvals/trade/<int:item_id>", methods=["POST"])
@roles_required("admin", "manager", "planner")
def approve_trade(item_id: int) -> Response:
    """Approve a shift trade (a new roster version is published) or decline it."""
    approve = request.form.get("decision") == "approve"
    trade = decide_trade(item_id, approve=approve, reason=request.form.get("reason", ""))
    db.session.commit()
    if trade.status == "approved":
        flash(
            gettext("Trade approved: roster version %(id)s published.", id=trade.new_roster_id),
            "success",
        )
    elif trade.status == "refused":
        flash(gettext("The trade breaks a rule: %(why)s", why=trade.violations), "error")
    else:
        flash(gettext("Trade declined."), "info")
    return redirect(url_for("planner.approvals"))


@bp.route("/settings/approvals", methods=["POST"])
@roles_required(*MANAGERS)
def settings_approvals() -> Response:
    """Whether publishing needs a manager, and whether trades need a manager or planner."""
    set_setting("publish_approval", "1" if request.form.get("publish_approval") else "0")
    set_setting("trade_approval", "1" if request.form.get("trade_approval") else "0")
    db.session.commit()
    flash(gettext("Settings saved."), "success")
    return redirect(url_for("planner.approvals"))


@bp.route("/manager")
@roles_required(*STAFF)
def week_view() -> str:
    """The published week: service level per channel and day, staffing gaps, paid hours."""
    roster = latest_published()
    data = week_dashboard(roster) if roster is not None else None
    return render_template(
        "manager/week.html",
        roster=roster,
        data=data,
        conflicts=time_off_conflicts(roster) if roster is not None else [],
        budget=get_setting("paid_hours_budget"),
        can_decide=_can_decide(),
    )


@bp.route("/manager/budget", methods=["POST"])
@roles_required(*MANAGERS)
def week_budget() -> Response:
    """Set the week's paid-hours budget."""
    set_budget(request.form.get("budget", ""))
    db.session.commit()
    flash(gettext("Budget saved."), "success")
    return redirect(url_for("planner.week_view"))


# --- service per entity: the table, the drill-down and one entity's targets (#19) -------------


def _entity_service_error(exc: WfmError) -> str:
    return str(gettext("The service per entity cannot be computed: %(detail)s", detail=str(exc)))


@bp.route("/entities/service")
@roles_required(*STAFF)
def entities_service() -> Any:
    """Expected service per entity of the published week against target, worst first."""
    from web.app.i18n import current_language
    from web.app.services import group_choices
    from web.app.services._manager_entities import manager_entities, table_rows

    roster = latest_published()
    search = request.args.get("q", "")
    group = request.args.get("group", "")
    rows: list[dict[str, Any]] = []
    total, error = 0, ""
    if roster is not None:
        try:
            table = manager_entities(roster.id)
        except WfmError as exc:
            error = _entity_service_error(exc)
        else:
            total = len(table)
            rows = table_rows(table, search=search, group=group, arabic=current_language() == "ar")
    return render_template(
        "manager/entities.html",
        roster=roster,
        rows=rows,
        total=total,
        search=search,
        group=group,
        groups=group_choices(),
        arabic=current_language() == "ar",
        error=error,
    )


def _entity_page(
    entity_id: str,
    *,
    form: Any = None,
    problem: Any = None,
    whatif: dict[str, Any] | None = None,
    status: int = 200,
) -> Any:
    from flask import abort

    from web.app.i18n import current_language
    from web.app.models import RequirementSet
    from web.app.services._manager_entities import (
        OVERRIDE_KEYS,
        entity_detail,
        entity_of,
        entity_targets_form,
    )

    entity = entity_of(entity_id)
    if entity is None:
        abort(404)
    roster = latest_published()
    detail, error, req_set = None, "", None
    if roster is not None:
        req_set = db.session.get(RequirementSet, roster.requirement_set_id)
        try:
            detail = entity_detail(roster.id, entity_id)
        except WfmError as exc:
            error = _entity_service_error(exc)
    return render_template(
        "manager/entity.html",
        entity=entity,
        arabic=current_language() == "ar",
        roster=roster,
        req_set=req_set,
        detail=detail,
        error=error,
        targets=entity_targets_form(entity_id),
        keys=OVERRIDE_KEYS,
        labels=target_field_labels(),
        form=form,
        problem=problem,
        whatif=whatif,
        can_save=_can_decide(),
    ), status


@bp.route("/entities/service/<entity_id>")
@roles_required(*STAFF)
def entity_service(entity_id: str) -> Any:
    """One entity's week: its queues, its days, its targets, links to its planner pages."""
    return _entity_page(entity_id)


@bp.route("/entities/service/<entity_id>/whatif", methods=["POST"])
@roles_required(*STAFF)
def entity_targets_preview(entity_id: str) -> Any:
    """The effect of the form's overrides on the entity and on the center (stores nothing)."""
    from web.app.services._manager_entities import (
        entity_of,
        entity_targets_document,
        entity_what_if,
    )

    if entity_of(entity_id) is None:
        from flask import abort

        abort(404)
    _text, entities, problem = entity_targets_document(entity_id, request.form)
    if entities is None:
        return _entity_page(entity_id, form=request.form, problem=problem, status=422)
    roster = latest_published()
    if roster is None:
        flash(gettext("The what-if needs a published roster."), "error")
        return _entity_page(entity_id, form=request.form)
    try:
        result = entity_what_if(roster.id, entity_id, entities)
    except WfmError as exc:
        flash(_entity_service_error(exc), "error")
        return _entity_page(entity_id, form=request.form, status=422)
    return _entity_page(entity_id, form=request.form, whatif=result)


@bp.route("/entities/service/<entity_id>/targets", methods=["POST"])
@roles_required(*MANAGERS)
def entity_targets_save(entity_id: str) -> Any:
    """Save the entity's target overrides as a new entities version (audited)."""
    from web.app.services._manager_entities import entity_of, save_entity_targets

    if entity_of(entity_id) is None:
        from flask import abort

        abort(404)
    row, problem = save_entity_targets(entity_id, request.form)
    if problem is not None:
        db.session.rollback()
        return _entity_page(entity_id, form=request.form, problem=problem, status=422)
    db.session.commit()
    if row is None:
        flash(gettext("Nothing changed."), "info")
    else:
        flash(gettext("Entities version %(id)s saved.", id=row.id), "success")
    return redirect(url_for("planner.entity_service", entity_id=entity_id))

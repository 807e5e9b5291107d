"""Requirements: agents and staff needed per channel and interval under the current targets."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.app.auth import PLANNERS, STAFF, roles_required
from web.app.extensions import db
from web.app.jobs import enqueue
from web.app.models import ForecastVersion, RequirementSet, TargetsVersion
from web.app.planner import bp
from web.app.planner.scope import requested_scope, scope_links
from web.app.services import actor, audit, latest, requirements_daily
from web.app.services._forecast import forecast_channels
from web.app.services._requirements import entity_volume_daily, shared_pools
from wfmcore.errors import InputError


@bp.route("/requirements")
@roles_required(*STAFF)
def requirements_list() -> str:
    """Requirement sets and the form to compute new ones."""
    sets = list(
        db.session.scalars(select(RequirementSet).order_by(RequirementSet.id.desc()).limit(50))
    )
    forecasts = list(
        db.session.scalars(select(ForecastVersion).order_by(ForecastVersion.id.desc()).limit(20))
    )
    return render_template(
        "planner/requirements_list.html",
        sets=sets,
        forecasts=forecasts,
        targets=latest(TargetsVersion),
    )


@bp.route("/requirements/run", methods=["POST"])
@roles_required(*PLANNERS)
def requirements_run() -> Response:
    """Queue the requirements job for a forecast under the current targets."""
    targets = latest(TargetsVersion)
    if targets is None:
        raise InputError("upload targets.toml first (Settings)")
    if latest(ForecastVersion) is None:
        raise InputError(gettext("run a forecast first"))
    try:
        forecast_id = int(request.form.get("forecast_id", ""))
    except ValueError:
        raise InputError(gettext("choose a forecast"), column="forecast_id") from None
    forecast = db.session.get(ForecastVersion, forecast_id)
    if forecast is None:  # never another forecast than the one chosen
        raise InputError(
            gettext("there is no forecast version %(id)s", id=forecast_id), column="forecast_id"
        )
    job = enqueue("requirements", {"forecast_id": forecast.id, "targets_id": targets.id}, actor())
    audit("requirements_requested", f"job:{job.id}", f"forecast:{forecast.id}")
    db.session.commit()
    return redirect(url_for("planner.job_view", item_id=job.id))


@bp.route("/requirements/<int:item_id>")
@roles_required(*STAFF)
def requirements_view(item_id: int) -> str:
    """A requirement set for a scope (``?scope=``): chart, daily totals and the pooling used."""
    req_set = db.get_or_404(RequirementSet, item_id)
    scope, pick = requested_scope(forecast_channels(req_set.forecast_id))
    pick["links"] = scope_links(
        scope, forecast_id=req_set.forecast_id, requirement_set_id=item_id, roster_id=None
    )
    shared = shared_pools(item_id, scope)
    return render_template(
        "planner/requirements.html",
        req_set=req_set,
        scope=scope,
        pick=pick,
        daily=requirements_daily(item_id, scope),
        pooling=sorted(req_set.pooling.items()),
        shared=shared,
        own_volume=entity_volume_daily(req_set.forecast_id, scope) if shared else [],
    )

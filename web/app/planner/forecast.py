"""Forecast.

Run a forecast job, see each series with its bands and the backtest's accuracy, and add overrides
(each makes a new forecast version).
"""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from forecasting.engine import AUTO_MODELS
from forecasting.models import MODELS
from web.app.auth import PLANNERS, STAFF, roles_required
from web.app.extensions import db
from web.app.jobs import enqueue
from web.app.models import ForecastVersion, HistoryUpload
from web.app.planner import bp
from web.app.planner.scope import requested_scope, scope_links
from web.app.services import actor, add_override, audit, latest, local_ts, settings
from web.app.services._forecast import forecast_channels, has_levels
from web.app.services._scope import Scope
from wfmcore.errors import InputError


@bp.route("/forecast")
@roles_required(*STAFF)
def forecast_list() -> str:
    """Forecast versions and the form to run a new one."""
    versions = list(
        db.session.scalars(select(ForecastVersion).order_by(ForecastVersion.id.desc()).limit(50))
    )
    history = latest(HistoryUpload)
    next_day = None
    if history is not None:
        next_day = (
            local_ts(history.last_utc, history.tz).date() + dt.timedelta(days=1)
        ).isoformat()
    return render_template(
        "planner/forecast_list.html",
        versions=versions,
        history=history,
        next_day=next_day,
        models=list(MODELS),
        auto_models=set(AUTO_MODELS),
    )


@bp.route("/forecast/run", methods=["POST"])
@roles_required(*PLANNERS)
def forecast_run() -> Response:
    """Queue a forecast job and show its progress."""
    history = latest(HistoryUpload)
    if history is None:
        raise InputError("upload a history first")
    start = request.form.get("start", "").strip()
    if start:
        try:
            dt.date.fromisoformat(start)
        except ValueError:
            raise InputError(
                f"expected a date as YYYY-MM-DD, got {start!r}", column="start"
            ) from None
    try:
        days = int(request.form.get("days", "7"))
        origins = int(request.form.get("origins", "4"))
    except ValueError:
        raise InputError("days and backtest weeks must be whole numbers") from None
    if not 1 <= days <= 31 or not 0 <= origins <= 52:
        raise InputError("days must be 1..31 and backtest weeks 0..52")
    models = [m for m in request.form.getlist("models") if m in MODELS]
    job = enqueue(
        "forecast",
        {
            "history_id": history.id,
            "start": start,
            "days": days,
            "origins": origins,
            "models": models,
            "jobs": 1,
        },
        actor(),
    )
    audit("forecast_requested", f"job:{job.id}", f"history:{history.id}")
    db.session.commit()
    return redirect(url_for("planner.job_view", item_id=job.id))


@bp.route("/forecast/<int:item_id>")
@roles_required(*STAFF)
def forecast_view(item_id: int) -> str:
    """One forecast for a scope (``?scope=``): its chart with bands, accuracy, overrides."""
    version = db.get_or_404(ForecastVersion, item_id)
    channels = forecast_channels(item_id)
    scope, pick = requested_scope(channels, legacy=request.args.get("series", ""))
    pick["links"] = scope_links(scope, forecast_id=item_id, requirement_set_id=None, roster_id=None)
    center = settings()
    selected = [
        r
        for r in version.accuracy
        if r.get("selected") in (True, "True", 1) and _in_scope(scope, r)
    ]
    overrides = [
        {
            "channel": o.channel,
            "queue": o.queue or "*",
            "start": local_ts(o.start_utc, center.tz).strftime("%Y-%m-%d %H:%M"),
            "end": local_ts(o.end_utc, center.tz).strftime("%Y-%m-%d %H:%M"),
            "action": o.action,
            "value": o.value,
            "note": o.note,
            "by": o.created_by,
        }
        for o in version.overrides
    ]
    return render_template(
        "planner/forecast.html",
        version=version,
        scope=scope,
        pick=pick,
        reconciled=has_levels(item_id),
        reconciliation=version.reconciliation,
        accuracy=selected,
        all_accuracy=version.accuracy,
        overrides=overrides,
        channels=channels,
    )


def _in_scope(scope: Scope, row: dict[str, object]) -> bool:
    """Whether an accuracy row (a queue's series) belongs to the scope."""
    channel, queue = str(row.get("channel", "")), str(row.get("queue", ""))
    if scope.kind == "channel":
        return channel == scope.channel
    if scope.kind == "entity":
        return queue.startswith(f"{scope.entity}.")
    if scope.kind == "queue":
        return (channel, queue) == (scope.channel, scope.queue)
    return True


def _local_datetime(text: str, column: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"expected a date and time, got {text!r}", column=column) from None


@bp.route("/forecast/<int:item_id>/override", methods=["POST"])
@roles_required(*PLANNERS)
def forecast_override(item_id: int) -> Response:
    """Add an override: a new forecast version with it applied."""
    form = request.form
    try:
        value = float(form.get("value", ""))
    except ValueError:
        raise InputError(f"expected a number, got {form.get('value')!r}", column="value") from None
    version = add_override(
        item_id,
        channel=form.get("channel", ""),
        queue=form.get("queue", "").strip(),
        start=_local_datetime(form.get("start", ""), "start"),
        end=_local_datetime(form.get("end", ""), "end"),
        action=form.get("action", ""),
        value=value,
        note=form.get("note", "").strip(),
    )
    db.session.commit()
    flash(gettext("Override recorded: forecast version %(id)s.", id=version.id), "success")
    return redirect(url_for("planner.forecast_view", item_id=version.id))

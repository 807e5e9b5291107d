"""The center's settings.

Time zone, holiday country, channels and queues, service targets (``targets.toml``, versioned) and
planner events.
"""

from __future__ import annotations

import zoneinfo

import holidays
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.app.auth import STAFF, roles_required
from web.app.extensions import db
from web.app.models import CenterSettings, Channel, Queue, TargetsVersion
from web.app.planner import bp
from web.app.services import (
    audit,
    check_length,
    events_of,
    latest,
    save_targets,
    settings,
)
from wfmcore.errors import InputError, WfmError


def _page(error: str | None = None) -> str:
    channels = list(db.session.scalars(select(Channel).order_by(Channel.name)))
    return render_template(
        "planner/settings.html",
        center=settings(),
        channels=channels,
        targets=latest(TargetsVersion),
        error=error,
    )


@bp.route("/settings")
@roles_required(*STAFF)
def settings_view() -> str:
    """The settings page."""
    return _page()


@bp.route("/settings/center", methods=["POST"])
@roles_required("admin")
def settings_center() -> Response:
    """Change the center's name, time zone and holiday country."""
    center = settings()
    tz = request.form.get("tz", center.tz).strip()
    if tz not in zoneinfo.available_timezones():
        raise InputError(f"unknown time zone {tz!r}", column="tz")
    country = request.form.get("country", center.country).strip().upper()
    if country not in holidays.list_supported_countries():
        raise InputError(
            gettext(
                "unknown holiday country %(code)s: expected a code such as AE",
                code=repr(country[:16]),
            ),
            column="country",
        )
    check_length(country, CenterSettings.country)
    name = request.form.get("name", center.name).strip()
    center.name = check_length(name, CenterSettings.name) or center.name
    center.tz, center.country = tz, country
    audit("settings_changed", "center", f"tz {tz}, country {country}")
    db.session.commit()
    flash(gettext("Settings saved."), "success")
    return redirect(url_for("planner.settings_view"))


@bp.route("/settings/channels", methods=["POST"])
@roles_required("admin")
def settings_channels() -> Response:
    """Add a channel (with its queues, comma-separated) or remove one."""
    name = request.form.get("name", "").strip().lower()
    if request.form.get("remove") == "1":
        channel = db.session.scalar(select(Channel).where(Channel.name == name))
        if channel is not None:
            db.session.delete(channel)
            audit("channel_removed", f"channel:{name}")
    else:
        if not name.replace("_", "").isalnum():
            raise InputError(f"a channel name is letters, digits and _, got {name!r}")
        check_length(name, Channel.name, "name")
        description = check_length(request.form.get("description", ""), Channel.description)
        queues = [q.strip() for q in request.form.get("queues", "").split(",") if q.strip()]
        for q in queues:
            check_length(q, Queue.name, "queues")
        channel = db.session.scalar(select(Channel).where(Channel.name == name))
        if channel is None:
            channel = Channel(name=name, description=description)
            db.session.add(channel)
        known = {q.name for q in channel.queues}
        for q in queues:
            if q not in known:
                channel.queues.append(Queue(name=q))
        audit("channel_saved", f"channel:{name}", ", ".join(queues))
    db.session.commit()
    return redirect(url_for("planner.settings_view"))


@bp.route("/settings/targets", methods=["POST"])
@roles_required("admin", "manager")
def settings_targets() -> Response | tuple[str, int]:
    """Replace the service targets with an uploaded ``targets.toml`` (a new version).

    Managers own the targets (README, "Roles"), as on the targets page; planners read them.
    """
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(gettext("Choose a targets.toml to upload."), "error")
        return redirect(url_for("planner.settings_view"))
    try:
        save_targets(upload.read().decode("utf-8"), upload.filename)
        db.session.commit()
    except (WfmError, UnicodeDecodeError) as exc:
        db.session.rollback()
        return _page(str(exc) if isinstance(exc, WfmError) else "not valid UTF-8"), 422
    flash(gettext("Targets stored."), "success")
    return redirect(url_for("planner.settings_view"))


@bp.route("/settings/events", methods=["POST"])
@roles_required("admin", "planner")
def settings_events() -> Response | tuple[str, int]:
    """Replace the planner events (``events.csv``) the calendar model uses."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(gettext("Choose an events.csv to upload."), "error")
        return redirect(url_for("planner.settings_view"))
    try:
        text = upload.read().decode("utf-8")
        center = settings()
        center.events_csv = text
        events = events_of(center)
        audit("events_uploaded", "events", f"{upload.filename}: {len(events)} event(s)")
        db.session.commit()
    except (WfmError, UnicodeDecodeError) as exc:
        db.session.rollback()
        return _page(str(exc) if isinstance(exc, WfmError) else "not valid UTF-8"), 422
    flash(gettext("%(n)s planner event(s) stored.", n=len(events)), "success")
    return redirect(url_for("planner.settings_view"))

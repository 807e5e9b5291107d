"""Rules.

The labour rules and shift types as tables; replace them by uploading ``rules.toml`` (validated with
the CLI's messages, versioned).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from scheduling.roster.rules import BreakRule
from web.app.auth import PLANNERS, STAFF, roles_required
from web.app.extensions import db
from web.app.messages import error_text, isolate, say
from web.app.models import RulesVersion
from web.app.planner import bp
from web.app.services import latest, rules_of, save_rules
from wfmcore.errors import WfmError
from wfmcore.parse import format_hhmm


def _rest(b: BreakRule) -> Markup:
    """A lunch or break rule: length, window after the start, paid or not (translated)."""
    window = f"{format_hhmm(b.earliest_min)}-{format_hhmm(b.latest_min)}"
    template = (
        lazy_gettext("%(length)s min, %(window)s after the start")
        if b.paid
        else lazy_gettext("%(length)s min, %(window)s after the start, unpaid")
    )
    return say(template, {"length": b.length_min, "window": window})


def _rules_tables(version: RulesVersion | None) -> dict[str, object] | None:
    """The rules as the page's tables: labels translated, values isolated left to right."""
    if version is None:
        return None
    rules = rules_of(version)
    hours = lazy_gettext("%(h)s h")
    night = f"{format_hhmm(rules.night_start_min)}-{format_hhmm(rules.night_end_min)}"
    nights = rules.max_night_shifts_week
    week: list[tuple[str, Markup]] = [
        (gettext("minimum rest between shifts"), say(hours, {"h": f"{rules.min_rest_min / 60:g}"})),
        (gettext("most consecutive working days"), isolate(rules.max_consecutive_days)),
        (gettext("days off per week"), isolate(rules.days_off_per_week)),
        (
            gettext("days off together"),
            say(lazy_gettext("yes") if rules.days_off_consecutive else lazy_gettext("no")),
        ),
        (gettext("night"), isolate(night)),
        (
            gettext("most night shifts per week"),
            isolate(nights) if nights else say(lazy_gettext("no limit")),
        ),
        (gettext("late shift ends after"), isolate(format_hhmm(rules.late_end_after_min))),
        (
            gettext("break grid / gap"),
            say(
                lazy_gettext("%(step)s min / %(gap)s min"),
                {"step": rules.break_step_min, "gap": rules.break_min_gap_min},
            ),
        ),
    ]
    shifts = []
    every = lazy_gettext("%(windows)s every %(step)s min")
    for t in rules.shift_types:
        windows = ", ".join(f"{format_hhmm(a)}-{format_hhmm(b)}" for a, b in t.start_windows)
        shifts.append(
            {
                "name": isolate(t.name),
                "length": say(hours, {"h": f"{t.length_min / 60:g}"}),
                "paid": say(hours, {"h": f"{t.paid_min / 60:g}"}),
                "starts": say(every, {"windows": windows, "step": t.start_step_min}),
                "lunch": _rest(t.lunch) if t.lunch else isolate("-"),
                "breaks": Markup("; ").join(_rest(b) for b in t.breaks)
                if t.breaks
                else isolate("-"),
                "channels": isolate(", ".join(t.channels))
                if t.channels
                else say(lazy_gettext("all")),
                "groups": isolate(", ".join(t.groups)) if t.groups else say(lazy_gettext("all")),
            }
        )
    return {"week": week, "shifts": shifts, "weights": rules.weights}


@bp.route("/rules")
@roles_required(*STAFF)
def rules_view() -> str:
    """The current labour rules and shift types, and earlier versions."""
    current = latest(RulesVersion)
    versions = list(db.session.scalars(select(RulesVersion).order_by(RulesVersion.id.desc())))
    return render_template(
        "planner/rules.html",
        current=current,
        tables=_rules_tables(current),
        versions=versions,
        error=None,
    )


@bp.route("/rules/upload", methods=["POST"])
@roles_required(*PLANNERS)
def rules_upload() -> Response | tuple[str, int]:
    """Replace the rules with an uploaded ``rules.toml`` (a new version)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(gettext("Choose a rules.toml to upload."), "error")
        return redirect(url_for("planner.rules_view"))
    try:
        text = upload.read().decode("utf-8")
        row = save_rules(text, upload.filename)
        db.session.commit()
    except (WfmError, UnicodeDecodeError) as exc:
        db.session.rollback()
        current = latest(RulesVersion)
        versions = list(db.session.scalars(select(RulesVersion).order_by(RulesVersion.id.desc())))
        return render_template(
            "planner/rules.html",
            current=current,
            tables=_rules_tables(current),
            versions=versions,
            error=error_text(exc)
            if isinstance(exc, WfmError)
            else say(lazy_gettext("the file is not valid UTF-8")),
        ), 422
    flash(gettext("Rules version %(id)s stored.", id=row.id), "success")
    return redirect(url_for("planner.rules_view"))

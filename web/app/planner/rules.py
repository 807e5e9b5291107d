"""Rules.

The labour rules and shift types as tables; replace them by uploading ``rules.toml`` (validated with
the CLI's messages, versioned).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.app.auth import PLANNERS, STAFF, roles_required
from web.app.extensions import db
from web.app.models import RulesVersion
from web.app.planner import bp
from web.app.services import latest, rules_of, save_rules
from wfmcore.errors import WfmError
from wfmcore.parse import format_hhmm


def _rules_tables(version: RulesVersion | None) -> dict[str, object] | None:
    if version is None:
        return None
    rules = rules_of(version)
    week = [
        ("minimum rest between shifts", f"{rules.min_rest_min / 60:g} h"),
        ("most consecutive working days", str(rules.max_consecutive_days)),
        ("days off per week", str(rules.days_off_per_week)),
        ("days off together", "yes" if rules.days_off_consecutive else "no"),
        ("night", f"{format_hhmm(rules.night_start_min)}-{format_hhmm(rules.night_end_min)}"),
        ("most night shifts per week", str(rules.max_night_shifts_week or "no limit")),
        ("late shift ends after", format_hhmm(rules.late_end_after_min)),
        ("break grid / gap", f"{rules.break_step_min} min / {rules.break_min_gap_min} min"),
    ]
    shifts = []
    for t in rules.shift_types:

        def rest(b: object) -> str:
            from scheduling.roster.rules import BreakRule

            assert isinstance(b, BreakRule)
            return (
                f"{b.length_min} min, {b.earliest_min // 60}h{b.earliest_min % 60:02d}"
                f"-{b.latest_min // 60}h{b.latest_min % 60:02d} after start"
                + ("" if b.paid else ", unpaid")
            )

        shifts.append(
            {
                "name": t.name,
                "length": f"{t.length_min / 60:g} h",
                "paid": f"{t.paid_min / 60:g} h",
                "starts": ", ".join(
                    f"{format_hhmm(a)}-{format_hhmm(b)}" for a, b in t.start_windows
                )
                + f" every {t.start_step_min} min",
                "lunch": rest(t.lunch) if t.lunch else "-",
                "breaks": "; ".join(rest(b) for b in t.breaks) or "-",
                "channels": ", ".join(t.channels) if t.channels else "all",
                "groups": ", ".join(t.groups) if t.groups else "all",
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
            error=str(exc) if isinstance(exc, WfmError) else "the file is not valid UTF-8",
        ), 422
    flash(gettext("Rules version %(id)s stored.", id=row.id), "success")
    return redirect(url_for("planner.rules_view"))

"""An agent's own pages: calendar feed, time off, preferences, trades (My shifts: ``home``).

Every view works on the signed-in agent's own id (``current_user.agent_id``); no view takes an
agent id from the URL, and an id in the URL (a time-off request) that is not theirs is 404.
The feed (``/feed/<token>.ics``) is public: its secret token is the credential.
"""

from __future__ import annotations

from flask import Response as FlaskResponse
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response

from web.app.auth import public, roles_required
from web.app.extensions import db
from web.app.models import Agent
from web.app.planner import bp
from web.app.services import (
    WEEKDAY_KEYS,
    accept_trade,
    agent_for_token,
    cancel_time_off,
    cancel_trade,
    feed_ics,
    has_feed,
    my_time_off,
    my_weeks,
    offer_trade,
    request_time_off,
    reset_feed_token,
    save_preferences,
    trades_for,
    visible_trade,
)
from wfmcore.errors import WfmError

ICS = "text/calendar; charset=utf-8"


def _me() -> str:
    agent_id = current_user.agent_id
    if not agent_id:
        abort(404)
    return str(agent_id)


@bp.route("/me/calendar")
@roles_required("agent")
def my_calendar() -> str:
    """The calendar feed: make or reset its secret URL, or download the file."""
    return render_template("agent/calendar.html", has_feed=has_feed(_me()), feed_url=None)


@bp.route("/me/calendar/reset", methods=["POST"])
@roles_required("agent")
def my_calendar_reset() -> str:
    """A new secret feed URL (the old one stops working); shown this once."""
    token = reset_feed_token(_me())
    db.session.commit()
    url = url_for("planner.feed", token=token, _external=True)
    return render_template("agent/calendar.html", has_feed=True, feed_url=url)


@bp.route("/me/calendar.ics")
@roles_required("agent")
def my_calendar_ics() -> FlaskResponse:
    """The agent's calendar as a file (signed in)."""
    body = feed_ics(_me())
    return FlaskResponse(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": "attachment; filename=shifts.ics"},
    )


@bp.route("/feed/<token>.ics")
@public
def feed(token: str) -> FlaskResponse:
    """The agent's calendar feed behind its secret token (404 for any other token)."""
    agent_id = agent_for_token(token)
    if agent_id is None:
        abort(404)
    response = FlaskResponse(feed_ics(agent_id), content_type=ICS)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/me/time-off", methods=["GET", "POST"])
@roles_required("agent")
def my_time_off_view() -> str | Response:
    """Request a day or a range off, and see each request's status."""
    agent_id = _me()
    error = None
    if request.method == "POST":
        form = request.form
        try:
            request_time_off(
                agent_id, form.get("first_day", ""), form.get("last_day", ""), form.get("note", "")
            )
            db.session.commit()
        except WfmError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            flash(gettext("Time-off request sent."), "success")
            return redirect(url_for("planner.my_time_off_view"))
    return render_template(
        "agent/time_off.html", requests=my_time_off(agent_id), error=error, form=request.form
    ), (422 if error else 200)  # type: ignore[return-value]


@bp.route("/me/time-off/<int:item_id>/cancel", methods=["POST"])
@roles_required("agent")
def my_time_off_cancel(item_id: int) -> Response:
    """Cancel one of the agent's own pending requests (another agent's: 404)."""
    if cancel_time_off(_me(), item_id) is None:
        abort(404)
    db.session.commit()
    flash(gettext("Request cancelled."), "info")
    return redirect(url_for("planner.my_time_off_view"))


@bp.route("/me/preferences", methods=["GET", "POST"])
@roles_required("agent")
def my_preferences() -> str | Response:
    """A preferred start time and preferred days off (soft goals of the roster)."""
    agent_id = _me()
    agent = db.session.scalar(db.select(Agent).where(Agent.agent_id == agent_id))
    if agent is None:
        abort(404)
    error = None
    if request.method == "POST":
        try:
            save_preferences(
                agent_id, request.form.get("preferred_start", ""), request.form.getlist("days_off")
            )
            db.session.commit()
        except WfmError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            flash(gettext("Preferences saved."), "success")
            return redirect(url_for("planner.my_preferences"))
    chosen = set(agent.preferred_days_off.split(";")) if agent.preferred_days_off else set()
    return render_template(
        "agent/preferences.html", agent=agent, weekdays=WEEKDAY_KEYS, chosen=chosen, error=error
    ), (422 if error else 200)  # type: ignore[return-value]


@bp.route("/me/trades", methods=["GET", "POST"])
@roles_required("agent")
def my_trades() -> str | Response:
    """Offer a published shift (to anyone qualified, or swap with a named colleague)."""
    agent_id = _me()
    error = None
    if request.method == "POST":
        form = request.form
        try:
            offer_trade(
                agent_id,
                form.get("give_date", ""),
                form.get("taker", ""),
                form.get("take_date", ""),
            )
            db.session.commit()
        except WfmError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            flash(gettext("Trade offered."), "success")
            return redirect(url_for("planner.my_trades"))
    colleagues = list(
        db.session.scalars(
            db.select(Agent).where(Agent.active.is_(True), Agent.agent_id != agent_id)
        )
    )
    return render_template(
        "agent/trades.html",
        trades=trades_for(agent_id),
        weeks=my_weeks(agent_id),
        colleagues=colleagues,
        error=error,
    ), (422 if error else 200)  # type: ignore[return-value]


@bp.route("/me/trades/<int:item_id>/accept", methods=["POST"])
@roles_required("agent")
def trade_accept(item_id: int) -> Response:
    """Accept a trade offered to this agent (or to anyone qualified); another's: 404."""
    agent_id = _me()
    trade = visible_trade(agent_id, item_id)
    if trade is None or trade.giver == agent_id:
        abort(404)
    trade = accept_trade(agent_id, trade)
    db.session.commit()
    if trade.status == "refused":
        flash(gettext("The trade breaks a rule: %(why)s", why=trade.violations), "error")
    elif trade.status == "approved":
        flash(gettext("Trade made: the new roster is published."), "success")
    else:
        flash(gettext("Trade accepted; it waits for a manager's or planner's approval."), "info")
    return redirect(url_for("planner.my_trades"))


@bp.route("/me/trades/<int:item_id>/cancel", methods=["POST"])
@roles_required("agent")
def trade_cancel(item_id: int) -> Response:
    """Withdraw one's own offer (another agent's: 404)."""
    if cancel_trade(_me(), item_id) is None:
        abort(404)
    db.session.commit()
    flash(gettext("Trade withdrawn."), "info")
    return redirect(url_for("planner.my_trades"))

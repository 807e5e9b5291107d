"""Sign-in, sign-out and the role declaration every view carries.

Every view is decorated with :func:`roles_required` (or :func:`public`), which records the
roles it allows on the view function (``allowed_roles``); a test walks ``app.url_map`` and fails
on a view without one. Unauthenticated users are sent to the sign-in page; authenticated users
of another role get 403.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from web.app.extensions import db, limiter, login_manager
from web.app.models import ROLES, User
from web.app.services import audit

F = TypeVar("F", bound=Callable[..., Any])

#: Everyone who plans or reviews the week.
STAFF: tuple[str, ...] = ("admin", "planner", "manager")
#: Those who change plans.
PLANNERS: tuple[str, ...] = ("admin", "planner")

bp = Blueprint("auth", __name__)


def roles_required(*roles: str) -> Callable[[F], F]:
    """Allow a view to signed-in users of ``roles`` only (others: 403; anonymous: sign-in).

    Parameters
    ----------
    *roles
        Names from :data:`web.app.models.ROLES`.
    """
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown or no roles: {sorted(unknown)}")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return cast(F, wrapped)

    return decorate


def public(view: F) -> F:
    """Declare a view open to everyone (the sign-in page)."""
    view.allowed_roles = None  # type: ignore[attr-defined]
    return view


#: Each role's home page (issue #17): agents their shifts, managers the published week's
#: dashboard (service level, gaps, what waits for approval), planners and admins the week's plan.
HOMES: dict[str, str] = {
    "agent": "planner.my_shifts",
    "manager": "planner.week_view",
    "planner": "planner.dashboard",
    "admin": "planner.dashboard",
}


def home_for(user: User) -> str:
    """Where a user lands after signing in: their role's home (:data:`HOMES`)."""
    return url_for(HOMES.get(user.role, "planner.dashboard"))


def _login_limit() -> str:
    from flask import current_app

    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@public
def login() -> str | Response:
    """Sign in with a username and password."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None or not user.active or not user.check_password(password):
            flash(gettext("Wrong username or password."), "error")
            return render_template("login.html", username=username), 401  # type: ignore[return-value]
        login_user(user)
        audit("sign_in", username=user.username)
        db.session.commit()
        target = request.args.get("next", "")
        # only a path of this site, never another host
        if not target.startswith("/") or target.startswith("//"):
            target = home_for(user)
        return redirect(target)
    return render_template("login.html", username="")


@bp.route("/logout", methods=["POST"])
@roles_required(*ROLES)
def logout() -> Response:
    """Sign out (a POST, so a link elsewhere cannot sign anyone out)."""
    logout_user()
    flash(gettext("Signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
@roles_required(*ROLES)
def set_language() -> Response:
    """Store the signed-in user's interface language and go back to the page."""
    from web.app.i18n import LANGUAGES

    locale = request.form.get("locale", "")
    if locale not in LANGUAGES:
        abort(400)
    current_user.locale = locale
    audit("language_set", f"user:{current_user.username}", locale)
    db.session.commit()
    back = request.referrer or ""
    if not back.startswith(request.host_url):
        back = home_for(current_user)
    return redirect(back)


@bp.route("/login/language", methods=["POST"])
@public
def set_login_language() -> Response:
    """The sign-in page's language switch: stored in the session until a user signs in."""
    from flask import session

    from web.app.i18n import LANGUAGES

    locale = request.form.get("locale", "")
    if locale not in LANGUAGES:
        abort(400)
    session["locale"] = locale
    return redirect(url_for("auth.login"))


@bp.route("/")
@public
def index() -> Response:
    """The front door: sign-in, or the user's home."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))

"""Sign-in, sign-out and the role declaration every view carries.

Every view is decorated with :func:`roles_required` (or :func:`public`), which records the
roles it allows on the view function (``allowed_roles``); a test walks ``app.url_map`` and fails
on a view without one. Unauthenticated users are sent to the sign-in page; authenticated users
of another role get 403.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

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


#: What browsers drop from a URL before parsing it (C0 controls, space, DEL) and what they
#: read as a slash (a backslash, in http and https URLs).
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]")


def safe_next(target: str) -> str | None:
    r"""The ``next`` address, normalised, when it stays on this site; else ``None``.

    Browsers strip tabs, line breaks and other control characters anywhere in a URL and read a
    backslash as a slash, so ``/\t/evil.example`` and ``/\evil.example`` reach another host
    as ``//evil.example``. The address is normalised the same way first, then allowed only as a
    path of this site (``/planner?x=1``) or a full URL of the same scheme and host.

    Parameters
    ----------
    target
        The ``next`` query argument (already percent-decoded).

    Returns
    -------
    str or None
        The path (with its query and fragment) to redirect to, or ``None``.
    """
    cleaned = _URL_NOISE.sub("", target).replace("\\", "/")
    if not cleaned or cleaned.startswith("//"):
        return None
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        if parts.scheme != request.scheme or parts.netloc != request.host:
            return None
        if parts.username is not None or parts.password is not None:
            return None
    path = parts.path
    if not path.startswith("/") or path.startswith("//"):
        return None
    return urlunsplit(("", "", path, parts.query, parts.fragment))


def _login_limit() -> str:
    from flask import current_app

    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _username_key() -> str:
    """The per-user-name key of the sign-in limit (case and spaces as the lookup sees them)."""
    return "login-user:" + request.form.get("username", "").strip()[:80]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_username_key)
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
            # the client's address: the proxy's, unless PROXY_FIX_X_FOR trusts its header
            audit(
                "sign_in_failed",
                f"user:{username[:80]}",
                f"from {request.remote_addr}",
                username=username[:80] or "-",
            )
            db.session.commit()
            flash(gettext("Wrong username or password."), "error")
            return render_template("login.html", username=username), 401  # type: ignore[return-value]
        if not user.session_token:
            user.end_sessions()  # a user from before session tokens gets one
        login_user(user)
        audit("sign_in", username=user.username)
        db.session.commit()
        return redirect(safe_next(request.args.get("next", "")) or home_for(user))
    return render_template("login.html", username="")


@bp.route("/logout", methods=["POST"])
@roles_required(*ROLES)
def logout() -> Response:
    """Sign out (a POST, so a link elsewhere cannot sign anyone out).

    The user's session token is replaced, so a copy of the session cookie (or a session on
    another device) no longer signs anyone in.
    """
    current_user.end_sessions()
    audit("sign_out", username=current_user.username)
    db.session.commit()
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

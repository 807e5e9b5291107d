"""Error pages and domain errors, in one place.

- 403, 404, 429 and 500 get their own page; no traceback ever reaches a user (500 logs it).
- Every handler rolls the session back first (a failed PostgreSQL statement would otherwise
  make the error page itself fail with ``PendingRollbackError``).
- A CSRF failure is a 400 page saying the form expired.
- A domain error (any :class:`wfmcore.errors.WfmError`: the forecasting and scheduling trees and
  the kernel's) raised by a form's view becomes a friendly flash message on the page the form
  came from (the referrer, when it is this site), with status 422 when there is no such page.
"""

from __future__ import annotations

import logging

from flask import Flask, flash, redirect, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from web.app.messages import error_text
from wfmcore.errors import WfmError


def _rollback() -> None:
    """End the failed transaction first, so the page can query (the user, the menu) again.

    On PostgreSQL a failed statement leaves the session unusable (``PendingRollbackError``)
    until it is rolled back; a rollback that fails itself is logged, never raised.
    """
    from web.app.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the error page must still render
        logging.getLogger(__name__).exception("rollback in an error handler failed")


def _page(code: int, title: str, message: str | Markup) -> tuple[str, int]:
    return render_template("error.html", code=code, title=title, message=message), code


def _same_site_referrer() -> str | None:
    ref = request.referrer or ""
    host = request.host_url
    return ref if ref.startswith(host) and ref != request.url else None


def register_errorhandlers(app: Flask) -> None:
    """Register the error pages and the domain-error handler on ``app``."""

    @app.errorhandler(403)
    def forbidden(_exc: HTTPException) -> tuple[str, int]:
        _rollback()  # first: even the translation looks the user up
        return _page(
            403, gettext("Not allowed"), gettext("Your role does not give access to this page.")
        )

    @app.errorhandler(404)
    def not_found(_exc: HTTPException) -> tuple[str, int]:
        _rollback()  # first: even the translation looks the user up
        return _page(404, gettext("Not found"), gettext("There is no such page."))

    @app.errorhandler(413)
    def too_large(_exc: HTTPException) -> tuple[str, int]:
        _rollback()  # first: even the translation looks the user up
        return _page(
            413, gettext("File too large"), gettext("The file is larger than this server accepts.")
        )

    @app.errorhandler(429)
    def too_many(_exc: HTTPException) -> tuple[str, int]:
        _rollback()  # first: even the translation looks the user up
        return _page(
            429,
            gettext("Too many attempts"),
            gettext("Too many attempts; wait a minute and retry."),
        )

    @app.errorhandler(CSRFError)
    def csrf_failed(exc: CSRFError) -> tuple[str, int]:
        _rollback()  # first: even the translation looks the user up
        return _page(
            400,
            gettext("Form expired"),
            gettext("The form could not be accepted (%(why)s).", why=exc.description),
        )

    @app.errorhandler(WfmError)
    def domain_error(exc: WfmError) -> Response | tuple[str, int]:
        _rollback()
        flash(error_text(exc), "error")
        back = _same_site_referrer()
        if back is not None:
            return redirect(back)
        return _page(422, gettext("Cannot do that"), error_text(exc))

    @app.errorhandler(500)
    def server_error(_exc: Exception) -> tuple[str, int]:
        _rollback()  # first: even the translation looks the user up
        return _page(
            500, gettext("Something went wrong"), gettext("The error was logged; please try again.")
        )

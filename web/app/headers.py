"""Security headers on every response.

The Content-Security-Policy is strict: scripts, styles, images, fonts and fetches from this site
only, no inline script or ``style=""`` (the templates carry ``data-*`` attributes that
``static/app.js`` wires up; a test fails if a template gets an inline script, an ``on*=``
handler or a ``style`` attribute back), no framing, forms posting only here. Chart.js (vendored)
sizes its canvases through the CSSOM (``element.style``), which ``style-src 'self'`` allows;
it injects no style element. ``base.html``'s ``<script type="application/json">`` block is data,
not a script, so the policy does not apply to it.

Pages of a signed-in user, and the calendar feed, are ``Cache-Control: no-store``: no shared
or browser cache keeps a roster, an agent list or a CSRF token after sign-out.
"""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from werkzeug.wrappers import Response

#: The policy (one line per directive, joined with ``; ``).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for base.html's empty favicon (<link rel="icon" href="data:,">)
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

#: Headers every response carries.
HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # the app's own pages still see where a form came from (back links); other sites do not
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}

#: Endpoints never cached even without a session (the token in the address is the credential).
PRIVATE_PUBLIC_ENDPOINTS = frozenset({"planner.feed"})


def set_security_headers(response: Response) -> Response:
    """Add :data:`HEADERS`, ``no-store`` on private responses and HSTS over HTTPS."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    private = request.endpoint in PRIVATE_PUBLIC_ENDPOINTS or (
        request.endpoint != "static" and current_user.is_authenticated
    )
    if private:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def register_security_headers(app: Flask) -> None:
    """Set the security headers on every response of ``app``."""
    app.after_request(set_security_headers)


__all__ = ["CONTENT_SECURITY_POLICY", "HEADERS", "register_security_headers"]

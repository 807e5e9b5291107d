"""The Flask web app: the planner's week in a browser.

:func:`create_app` builds one app from the configuration layers (:mod:`web.app.config`), binds
the extensions (:mod:`web.app.extensions`), registers one blueprint per screen group
(:mod:`web.app.auth`, :mod:`web.app.planner`, :mod:`web.app.api`), the error pages
(:mod:`web.app.errors`) and, with ``JOB_WORKER = "thread"``, starts the in-process job runner
(:mod:`web.app.jobs`); with ``"process"`` (the default) ``wfm serve`` starts the worker process
beside the server (:mod:`web.app.worker`). The views are thin: they call
:mod:`web.app.services`, which calls the same library functions as the ``wfm`` command line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from web.app.config import build_config

PACKAGE_DIR = Path(__file__).resolve().parent
WEB_DIR = PACKAGE_DIR.parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"


def default_instance() -> Path:
    """The instance folder when none is given: ``$WFM_INSTANCE`` or ``./wfm-instance``."""
    return Path(os.environ.get("WFM_INSTANCE") or "wfm-instance").resolve()


def create_app(
    test_config: Mapping[str, Any] | None = None, *, instance_path: str | Path | None = None
) -> Flask:
    """Build the web app.

    Parameters
    ----------
    test_config
        The last configuration layer (tests: ``TESTING``, ``DATABASE_URL``, ``JOB_WORKER``).
    instance_path
        The instance folder (database, secret key, ``config.toml``); default
        :func:`default_instance`.

    Returns
    -------
    Flask
        The app, its database bound but not migrated (``wfm db upgrade`` does that).
    """
    instance = Path(instance_path).resolve() if instance_path else default_instance()
    app = Flask(
        __name__,
        instance_path=str(instance),
        template_folder=str(WEB_DIR / "templates"),
        static_folder=str(WEB_DIR / "static"),
    )
    app.config.from_mapping(build_config(instance, test_config))
    _trust_proxies(app)
    _init_extensions(app)
    register_blueprints(app)
    from web.app.errors import register_errorhandlers

    register_errorhandlers(app)
    from web.app.headers import register_security_headers

    register_security_headers(app)
    from web.app.jobs import start_worker_thread

    if app.config["JOB_WORKER"] == "thread":
        start_worker_thread(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Read the client's address, scheme and host from the proxies' headers when configured.

    ``PROXY_FIX_X_FOR = 1`` behind one reverse proxy: the sign-in limit and the audit log then see
    each client's address instead of the proxy's (Werkzeug ``ProxyFix``). Left at 0, the headers
    are ignored, so a client cannot choose its address by sending them.
    """
    from werkzeug.middleware.proxy_fix import ProxyFix

    counts = {
        k: int(app.config.get(f"PROXY_FIX_X_{k.upper()}") or 0) for k in ("for", "proto", "host")
    }
    if any(counts.values()):
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=counts["for"], x_proto=counts["proto"], x_host=counts["host"]
        )


def _init_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext

    from web.app import models  # noqa: F401 - the models register their tables
    from web.app.extensions import csrf, db, limiter, login_manager, migrate
    from web.app.i18n import init_i18n
    from web.app.messages import init_messages

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in.")
    init_i18n(app)
    init_messages(app)
    login_manager.session_protection = "strong"

    def load_user(session_id: str) -> models.User | None:
        return models.user_for_session_id(session_id, db.session.get)

    login_manager.user_loader(load_user)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: write-ahead log (pages read while a job writes), a busy timeout, foreign keys."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def register_blueprints(app: Flask) -> None:
    """One blueprint per screen group."""
    from web.app.api import bp as api_bp
    from web.app.auth import bp as auth_bp
    from web.app.planner import bp as planner_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(planner_bp)
    app.register_blueprint(api_bp)


__all__ = ["create_app", "default_instance"]

"""Configuration of the web app, in layers.

1. :data:`DEFAULTS` (below);
2. the instance folder's ``config.toml`` (or ``config.py``), keys case-insensitive;
3. ``WFM_*`` environment variables (``WFM_DATABASE_URL`` sets ``DATABASE_URL``; values are read
   as JSON when they parse, so ``WFM_JOB_WORKER=false`` is the boolean);
4. the test configuration passed to :func:`web.app.create_app`.

The secret key is never a default: unless a layer sets ``SECRET_KEY``, it is generated into
``instance/secret_key`` (mode 0600) on first run and read from there afterwards.

Cookies: the session and remember-me cookies are ``HttpOnly`` and ``SameSite=Lax`` always, and
``Secure`` when ``COOKIE_SECURE`` is true. ``COOKIE_SECURE`` defaults to true, except under
``TESTING`` or ``DEBUG``; ``wfm serve`` and ``wfm demo`` turn it off when they bind to a loopback
address (plain http on the same machine, where nothing travels over a network) unless it is
configured. Behind a TLS-terminating proxy leave it on.
"""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Every setting the app reads, with its default.
DEFAULTS: dict[str, Any] = {
    # SQLAlchemy URL; ``None`` = SQLite file ``wfm.sqlite3`` in the instance folder.
    "DATABASE_URL": None,
    # ``process``: ``wfm serve`` / ``wfm demo`` start a worker process beside the server (the
    # loop of ``wfm worker``) and stop it with the server; ``thread``: a daemon thread in the
    # app runs queued jobs; ``off``: only ``wfm worker`` (or a test calling ``run_pending``) does.
    "JOB_WORKER": "process",
    # Seconds between two looks at the job table when it is idle.
    "JOB_POLL_S": 1.0,
    # A running job whose runner gave no sign of life (heartbeat) for this long is marked failed.
    "JOB_STALE_S": 30.0,
    # CPU priority (``nice`` increment) of the worker process: the pages stay fast while it solves.
    "JOB_NICE": 10,
    "COOKIE_SECURE": None,
    # Flask-Limiter: sign-in attempts per client address, and per user name.
    "LOGIN_RATE_LIMIT": "10 per minute",
    "RATELIMIT_STORAGE_URI": "memory://",
    # Behind reverse proxies: how many of them set X-Forwarded-For / -Proto / -Host (Werkzeug
    # ProxyFix); 0 trusts none of these headers (the client address is the connection's).
    "PROXY_FIX_X_FOR": 0,
    "PROXY_FIX_X_PROTO": 0,
    "PROXY_FIX_X_HOST": 0,
    # Largest upload, bytes (the demo history is 26 MB).
    "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
    # Solver time limit offered first on the roster page, seconds.
    "ROSTER_TIME_LIMIT_S": 60.0,
    "FORECAST_JOBS": 1,
}

ENV_PREFIX = "WFM_"
SECRET_KEY_FILE = "secret_key"


def _env_value(text: str) -> Any:
    """A ``WFM_*`` value: JSON when it parses (numbers, booleans, null), else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def instance_settings(instance: Path) -> dict[str, Any]:
    """Settings from the instance folder's ``config.toml`` (or ``config.py``), upper-cased."""
    toml_file, py_file = instance / "config.toml", instance / "config.py"
    out: dict[str, Any] = {}
    if toml_file.is_file():
        out = tomllib.loads(toml_file.read_text(encoding="utf-8"))
    elif py_file.is_file():
        namespace: dict[str, Any] = {}
        exec(compile(py_file.read_text(encoding="utf-8"), str(py_file), "exec"), namespace)
        out = {k: v for k, v in namespace.items() if k.isupper()}
    return {str(k).upper(): v for k, v in out.items()}


def env_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings from ``WFM_*`` variables, prefix removed (``WFM_INSTANCE`` is not a setting)."""
    return {
        k[len(ENV_PREFIX) :]: _env_value(v)
        for k, v in environ.items()
        if k.startswith(ENV_PREFIX) and k != "WFM_INSTANCE" and k != "WFM_SHARED_DATA"
    }


def load_secret_key(instance: Path) -> str:
    """The key in ``instance/secret_key``, generated there (mode 0600) on first use."""
    path = instance / SECRET_KEY_FILE
    if path.is_file():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    return key


def build_config(
    instance: Path,
    test_config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Merge the layers into the Flask configuration of one app.

    Parameters
    ----------
    instance
        The instance folder (created if missing).
    test_config
        The last layer, e.g. a test's database URL and ``TESTING``.
    environ
        Environment variables (default :data:`os.environ`).

    Returns
    -------
    dict
        Flask configuration keys, including ``SQLALCHEMY_DATABASE_URI``, ``SECRET_KEY`` and
        the cookie settings.
    """
    instance.mkdir(parents=True, exist_ok=True)
    cfg: dict[str, Any] = dict(DEFAULTS)
    cfg.update(instance_settings(instance))
    cfg.update(env_settings(os.environ if environ is None else environ))
    cfg.update(test_config or {})
    url = cfg.get("DATABASE_URL") or f"sqlite:///{(instance / 'wfm.sqlite3').resolve()}"
    cfg["DATABASE_URL"] = url
    cfg["SQLALCHEMY_DATABASE_URI"] = url
    cfg.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = load_secret_key(instance)
    secure = cfg.get("COOKIE_SECURE")
    if secure is None:
        secure = not (cfg.get("TESTING") or cfg.get("DEBUG"))
    cfg["COOKIE_SECURE"] = bool(secure)
    cfg.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(secure),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=bool(secure),
        RATELIMIT_STORAGE_URI=cfg["RATELIMIT_STORAGE_URI"],
        # X-RateLimit-* headers, and Retry-After on a 429
        RATELIMIT_HEADERS_ENABLED=True,
    )
    return cfg

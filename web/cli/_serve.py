"""``wfm serve``, ``wfm worker``, ``wfm db upgrade`` and ``wfm users``: the web app's commands.

Each takes ``--instance DIR`` (default ``$WFM_INSTANCE`` or ``./wfm-instance``): the folder with
the SQLite database (unless ``WFM_DATABASE_URL`` says otherwise), the secret key and an
optional ``config.toml``.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
from pathlib import Path
from typing import Any

import click

from web.app.models import ROLES

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def instance_option(func: Any) -> Any:
    """``--instance DIR``."""
    return click.option(
        "--instance",
        "instance",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Instance folder (database, secret key, config.toml); default $WFM_INSTANCE or "
        "./wfm-instance.",
    )(func)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (plain http stays on this machine)."""
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_app(instance: Path | None, **overrides: Any) -> Any:
    """The app for a command (``JOB_WORKER`` as configured unless an override sets it)."""
    from web.app import create_app

    return create_app(overrides or None, instance_path=instance)


def upgrade_database(app: Any) -> None:
    """Apply every Alembic migration to the app's database."""
    from flask_migrate import upgrade

    from web.app import MIGRATIONS_DIR

    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))


def serve_app(app: Any, host: str, port: int, threads: int = 8) -> None:
    """Serve ``app`` with waitress until interrupted (Ctrl+C or SIGTERM).

    With ``JOB_WORKER = "process"`` (the default) the job worker process runs beside it and is
    stopped with it (:func:`web.app.worker.job_worker`).
    """
    from waitress import serve

    from web.app.worker import job_worker

    with job_worker(app) as proc:
        if proc is not None:
            click.echo(f"job worker process {proc.pid} started (runs forecasts and rosters)")
        click.echo(f"serving on http://{host}:{port}/ (Ctrl+C stops)")
        serve(app, host=host, port=port, threads=threads, ident="contact-wfm")


def check_port(host: str, port: int) -> None:
    """Fail early, with a message, when the port is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror})") from None


@click.command("serve")
@instance_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True)
def serve_command(instance: Path | None, host: str, port: int, threads: int) -> None:
    """Serve the web app with waitress (a production WSGI server).

    Applies pending database migrations first. Jobs run in a worker process started beside
    the server and stopped with it (JOB_WORKER = "process"); JOB_WORKER = "thread" runs them
    in a thread of this process, "off" leaves them to a `wfm worker` you run. The session
    cookie is Secure except when listening on a loopback address (set COOKIE_SECURE to
    choose).
    """
    check_port(host, port)
    app = make_app(instance, **_cookie_overrides(instance, host))
    upgrade_database(app)
    click.echo(f"instance {app.instance_path}, database {app.config['DATABASE_URL']}")
    serve_app(app, host, port, threads)


def _cookie_overrides(instance: Path | None, host: str) -> dict[str, Any]:
    """``COOKIE_SECURE = False`` on a loopback address unless a layer configures it."""
    import os

    from web.app import default_instance
    from web.app.config import instance_settings

    folder = (instance or default_instance()).resolve()
    configured = "COOKIE_SECURE" in instance_settings(folder) or "WFM_COOKIE_SECURE" in os.environ
    return {"COOKIE_SECURE": False} if is_loopback(host) and not configured else {}


@click.command("worker")
@instance_option
@click.option(
    "--poll",
    "poll_s",
    type=float,
    default=1.0,
    show_default=True,
    help="Seconds between looks at an idle job table.",
)
@click.option(
    "--nice",
    "nice",
    type=click.IntRange(0, 19),
    default=0,
    show_default=True,
    help="Lower this process's CPU priority by this much (pages first on a shared machine).",
)
def worker_command(instance: Path | None, poll_s: float, nice: int) -> None:
    """Run background jobs (forecasts, requirements, rosters) as a separate process.

    The loop `wfm serve` starts beside the server, against the same database; set
    JOB_WORKER = "off" in the instance's config.toml when you run this yourself (e.g. on
    another machine). Ctrl+C or SIGTERM stops it; a job running then is rolled back and
    marked failed.
    """
    from web.app import worker

    app = make_app(instance, JOB_WORKER="off")
    upgrade_database(app)
    click.echo(f"worker on {app.config['DATABASE_URL']} (Ctrl+C stops)")
    args = ["--instance", app.instance_path, "--poll", str(poll_s), "--nice", str(nice)]
    worker.main(args)


@click.group("db")
def db_group() -> None:
    """Database schema migrations (Alembic through Flask-Migrate)."""


@db_group.command("upgrade")
@instance_option
def db_upgrade(instance: Path | None) -> None:
    """Create or upgrade the instance's database to the current schema."""
    app = make_app(instance, JOB_WORKER="off")
    upgrade_database(app)
    click.echo(f"database at the current schema: {app.config['DATABASE_URL']}")


@click.group("users")
def users_group() -> None:
    """Sign-in accounts."""


@users_group.command("create")
@instance_option
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--agent-id", default=None, help="For an agent user: their agent_id.")
@click.option("--password", default=None, help="Default: a random one, printed once.")
def users_create(
    instance: Path | None, username: str, role: str, agent_id: str | None, password: str | None
) -> None:
    """Create a user (or reset their password and role)."""
    app = make_app(instance, JOB_WORKER="off")
    upgrade_database(app)
    with app.app_context():
        password = password or secrets.token_urlsafe(12)
        create_user(username, role, password, agent_id=agent_id)
    click.echo(f"{username} ({role}): password {password}")


@users_group.command("deactivate")
@instance_option
@click.argument("username")
def users_deactivate(instance: Path | None, username: str) -> None:
    """Deactivate a user: no more sign-ins, and every open session of theirs ends."""
    from sqlalchemy import select

    from web.app.extensions import db
    from web.app.models import User
    from web.app.services import audit

    app = make_app(instance, JOB_WORKER="off")
    upgrade_database(app)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"no user {username!r}")
        user.active = False
        user.end_sessions()
        audit("user_deactivated", f"user:{username}", username="system")
        db.session.commit()
    click.echo(f"{username}: deactivated, signed out everywhere")


def create_user(username: str, role: str, password: str, *, agent_id: str | None = None) -> Any:
    """Create or update a user inside an app context (committed)."""
    from sqlalchemy import select

    from web.app.extensions import db
    from web.app.models import User
    from web.app.services import audit

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, role=role, agent_id=agent_id, active=True)
        db.session.add(user)
    user.role, user.agent_id, user.active = role, agent_id, True
    user.set_password(password)
    audit("user_saved", f"user:{username}", role, username="system")
    db.session.commit()
    return user


COMMANDS: list[click.Command] = [serve_command, worker_command, db_group, users_group]

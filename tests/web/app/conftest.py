"""Fixtures of the web app tests.

``app``, ``client``, ``runner`` as in flaskr, plus a small center (three weeks of voice and chat
history, six agents, one shift type) and signed-in clients per role.

The database is a fresh SQLite file per test, migrated with the real Alembic revision; with
``WFM_TEST_POSTGRES_URL`` set, the ``pg_app`` fixture gives the same app on PostgreSQL (a fresh
schema per test). Jobs run synchronously: ``JOB_WORKER = "off"`` and the tests call
``run_pending()``.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.web.small_center import AGENTS, PLAN_START, RULES, TARGETS, history_frame

PASSWORD = "correct horse battery staple"
ROLES = ("admin", "planner", "manager", "agent")


def history_csv(seed: int = 7) -> str:
    """Three weeks of 30-minute voice and chat history (Poisson, two-peak days)."""
    return history_frame(seed).to_csv(index=False)


def _make_app(instance: Path, database_url: str | None = None, **overrides: Any) -> Flask:
    from web.app import create_app
    from web.cli._serve import upgrade_database

    config: dict[str, Any] = {
        "TESTING": True,
        "JOB_WORKER": "off",
        "SECRET_KEY": "test-only-key",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        # the tests' clock: the week before the plan week (time off may not start in the past)
        "TODAY": "2025-10-20",
        **overrides,
    }
    if database_url:
        config["DATABASE_URL"] = database_url
    app = create_app(config, instance_path=instance)
    upgrade_database(app)
    return app


def seed_center(app: Flask) -> None:
    """Users of every role, targets, rules, agents (committed)."""
    from web.app.extensions import db
    from web.app.services import import_agents, save_rules, save_targets, settings, temp_file
    from web.cli._serve import create_user

    with app.app_context():
        settings()
        for role in ROLES:
            create_user(role, role, PASSWORD, agent_id="A1" if role == "agent" else None)
        save_targets(TARGETS, "targets.toml")
        save_rules(RULES, "rules.toml")
        with temp_file(AGENTS, ".csv", "agents") as path:
            import_agents(path, "agents.csv")
        db.session.commit()


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the small center, made once and copied for each test."""
    folder = tmp_path_factory.mktemp("template") / "instance"
    app = _make_app(folder)
    seed_center(app)
    with app.app_context():
        from web.app.extensions import db

        db.session.remove()
        db.engine.dispose()
    return folder / "wfm.sqlite3"


@pytest.fixture()
def app(tmp_path: Path, seeded_database: Path) -> Iterator[Flask]:
    """A fresh app on its own copy of the migrated, seeded SQLite database."""
    import shutil

    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copyfile(seeded_database, instance / "wfm.sqlite3")
    app = _make_app(instance)
    yield app
    with app.app_context():
        from web.app.extensions import db

        db.session.remove()
        db.engine.dispose()


def postgres_url() -> str | None:
    """``WFM_TEST_POSTGRES_URL``; missing fails under CI, skips locally."""
    url = os.environ.get("WFM_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("WFM_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL)")
        pytest.skip("WFM_TEST_POSTGRES_URL not set: PostgreSQL variant skipped")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """The app on SQLite, then on PostgreSQL (a fresh schema per test)."""
    if request.param == "sqlite":
        app = _make_app(tmp_path / "instance")
        schema = None
    else:
        import sqlalchemy as sa

        base = postgres_url()
        assert base is not None
        schema = f"t_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(base)
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        sep = "&" if "?" in base else "?"
        url = f"{base}{sep}options=-csearch_path%3D{schema}"
        app = _make_app(tmp_path / "instance", url)
    seed_center(app)
    yield app
    from web.app.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if schema is not None:
        import sqlalchemy as sa

        engine = sa.create_engine(postgres_url() or "")
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def upload_history(
    app: Flask,
    client: FlaskClient,
    content: str | bytes,
    name: str = "history.csv",
    kind: str = "interval",
) -> dict[str, Any]:
    """Upload a history by the page (it queues a job), run the job; the job's row as a dict.

    Keys: ``id``, ``status``, ``message``, ``result``, ``progress``, ``location`` (where the
    upload redirected: the job page).
    """
    data = content.encode() if isinstance(content, str) else content
    r = post(
        client,
        "/history/upload",
        {"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    location = r.headers["Location"]
    match = re.search(r"/jobs/(\d+)$", location)
    assert match, location
    run_jobs(app)
    from web.app.extensions import db
    from web.app.models import Job

    with app.app_context():
        job = db.session.get(Job, int(match.group(1)))
        assert job is not None
        out = {
            "id": job.id,
            "status": job.status,
            "message": job.message,
            "result": job.result,
            "progress": job.progress,
            "location": location,
        }
        db.session.remove()
    return out


def upload_and_staff(app: Flask, client: FlaskClient) -> None:
    """History, a quick forecast (seasonal naive, no backtest) and requirements, by the pages."""
    job = upload_history(app, client, history_csv())
    assert job["status"] == "succeeded", job
    post(
        client,
        "/forecast/run",
        {"start": PLAN_START, "days": "7", "origins": "0", "models": ["seasonal_naive"]},
    )
    run_jobs(app)
    from web.app.extensions import db
    from web.app.models import ForecastVersion

    with app.app_context():  # the forecast is named: never a silent "latest" (#17)
        fid = db.session.scalars(db.select(ForecastVersion.id)).one()
        db.session.remove()
    assert post(client, "/requirements/run", {"forecast_id": str(fid)}).status_code == 302
    run_jobs(app)


def publish_week(app: Flask, time_limit_s: str = "5") -> int:
    """Upload the history, forecast, compute requirements, roster and publish; the roster id."""
    client = app.test_client()
    assert sign_in(client, "planner").status_code == 302
    job = upload_history(app, client, history_csv())
    assert job["status"] == "succeeded", job
    form = {"start": PLAN_START, "days": "7", "origins": "1"}
    post(client, "/forecast/run", {**form, "models": ["seasonal_naive", "seasonal_avg"]})
    run_jobs(app)
    from web.app.extensions import db
    from web.app.models import ForecastVersion, RosterVersion

    with app.app_context():
        fid = db.session.scalars(db.select(ForecastVersion.id)).one()
    post(client, "/requirements/run", {"forecast_id": str(fid)})
    run_jobs(app)
    post(client, "/roster/run", {"time_limit_s": time_limit_s})
    run_jobs(app)
    with app.app_context():
        rid = db.session.scalars(db.select(RosterVersion.id)).one()
    r = post(client, f"/roster/{rid}/publish")
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    return int(rid)


@pytest.fixture(scope="session")
def published_database(tmp_path_factory: pytest.TempPathFactory, seeded_database: Path) -> Path:
    """The small center with one published week (2025-10-27) and a second agent user."""
    import shutil

    folder = tmp_path_factory.mktemp("published") / "instance"
    folder.mkdir()
    shutil.copyfile(seeded_database, folder / "wfm.sqlite3")
    app = _make_app(folder)
    publish_week(app)
    from web.cli._serve import create_user

    with app.app_context():
        from web.app.extensions import db

        create_user("agent2", "agent", PASSWORD, agent_id="A2")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return folder / "wfm.sqlite3"


@pytest.fixture()
def published_app(tmp_path: Path, published_database: Path) -> Iterator[Flask]:
    """A fresh app on its own copy of the center with a published week."""
    import shutil

    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copyfile(published_database, instance / "wfm.sqlite3")
    app = _make_app(instance)
    yield app
    with app.app_context():
        from web.app.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    """A test client (not signed in)."""
    return app.test_client()


@pytest.fixture()
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner of the app."""
    return app.test_cli_runner()


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the session, read from a page's form (or its meta tag)."""
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = _TOKEN.search(html) or _META.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    """Sign in through the form (with its CSRF token)."""
    token = csrf_token(client, "/login")
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """POST a form with the session's CSRF token."""
    token = csrf_token(client, "/planner" if "/login" not in path else "/login")
    return client.post(path, data={**(data or {}), "csrf_token": token}, **kw)


class _SignedIn(dict[str, FlaskClient]):
    """Clients signed in on first use (each sign-in checks a scrypt hash: not free)."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app

    def __missing__(self, role: str) -> FlaskClient:
        client = self.app.test_client()
        response = sign_in(client, role)
        assert response.status_code == 302, response.get_data(as_text=True)
        self[role] = client
        return client


@pytest.fixture()
def signed_in(app: Flask) -> dict[str, FlaskClient]:
    """One signed-in client per role (``signed_in["planner"]``)."""
    return _SignedIn(app)


def run_jobs(app: Flask) -> int:
    """Run every queued job now, in this thread."""
    from web.app.jobs import run_pending

    with app.app_context():
        return run_pending()


@pytest.fixture()
def published_server(published_app: Flask) -> Iterator[tuple[str, Flask]]:
    """The center with a published week, served by waitress in a thread: its URL and app."""
    with serve_in_thread(published_app) as url:
        yield url, published_app


@contextlib.contextmanager
def serve_in_thread(app: Flask) -> Iterator[str]:
    """Serve ``app`` with waitress on a free loopback port in a thread; yields its URL.

    On exit every socket of the server's loop is closed (the listening one, the trigger and
    the browser's keep-alive connections), so the loop ends at once instead of serving on.
    Closing from this thread races the loop's ``select()``, which may then fail with EBADF:
    expected only while stopping, and raised otherwise.
    """
    from waitress import create_server

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    stopping = threading.Event()

    def serve() -> None:
        try:
            server.run()
        except (OSError, ValueError):  # a closed socket: EBADF, or fileno() of -1
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stopping.set()
        for channel in list(server._map.values()):
            channel.close()
        server.task_dispatcher.shutdown(timeout=5)
        thread.join(10)
        assert not thread.is_alive(), "waitress kept serving after it was stopped"


@pytest.fixture(scope="session")
def h() -> Any:
    """The helpers above, for test modules.

    ``--import-mode=importlib`` keeps conftest modules out of ``sys.path``.
    """
    import types

    return types.SimpleNamespace(
        csrf_token=csrf_token,
        sign_in=sign_in,
        post=post,
        run_jobs=run_jobs,
        upload_history=upload_history,
        history_csv=history_csv,
        PASSWORD=PASSWORD,
        PLAN_START=PLAN_START,
        RULES=RULES,
        TARGETS=TARGETS,
        AGENTS=AGENTS,
        make_app=_make_app,
        publish_week=publish_week,
        upload_and_staff=upload_and_staff,
        seed_center=seed_center,
        serve_in_thread=serve_in_thread,
    )

"""Sign-in, roles, CSRF, rate limits, cookies, configuration layers, error pages, assets.

The authorisation matrix lists, for every route of the app, the roles allowed; the test asserts
that each view declares exactly those roles and that every role (and an anonymous visitor) gets
what the table says: the page (any status but 403 and the sign-in redirect), 403, or the
sign-in page.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

A, P, M, G = "admin", "planner", "manager", "agent"

# The README's role table (README.md, "Roles"), one constant per clause, so that the matrix below
# says which clause allows each route rather than repeating what the decorators say:
#   "Planners and admins change plans; managers see every planner screen, own the targets,
#   approvals and budget, and publish; planners may approve trades; settings are the admin's
#   (the planner events, a forecast input, are the planners'); agents see and manage only their
#   own shifts, time off, trades, preferences and feed."
ROLE_TABLE = {
    "see every planner screen": {A, P, M},
    "change plans": {A, P},
    "own the targets": {A, M},
    "own the approvals": {A, M},
    "own the budget": {A, M},
    "publish": {A, P, M},
    "approve trades": {A, P, M},
    "settings are the admin's": {A},
    "the entities and the queue mapping are only the planners' and admins'": {A, P},
    "their own": {G},
    "signed in": {A, P, M, G},
}
SEE = ROLE_TABLE["see every planner screen"]
PLANS = ROLE_TABLE["change plans"]
TARGETS = ROLE_TABLE["own the targets"]
APPROVALS = ROLE_TABLE["own the approvals"]
BUDGET = ROLE_TABLE["own the budget"]
PUBLISH = ROLE_TABLE["publish"]
TRADES = ROLE_TABLE["approve trades"]
SETTINGS = ROLE_TABLE["settings are the admin's"]
ENTITIES = ROLE_TABLE["the entities and the queue mapping are only the planners' and admins'"]
OWN = ROLE_TABLE["their own"]
ANYONE = ROLE_TABLE["signed in"]
STAFF = SEE
PLANNERS = PLANS

#: endpoint -> the clause of the role table that allows it (``None``: public), for every method
#: of the route.
MATRIX: dict[str, set[str] | None] = {
    "auth.index": None,
    "auth.login": None,
    "auth.logout": ANYONE,
    "auth.set_language": ANYONE,
    "auth.set_login_language": None,
    "static": None,
    "planner.dashboard": SEE,
    "planner.job_view": SEE,
    "planner.job_cancel": PLANS,
    "planner.my_shifts": OWN,
    "planner.my_calendar": OWN,
    "planner.my_calendar_reset": OWN,
    "planner.my_calendar_ics": OWN,
    "planner.feed": None,  # the token in the address is the credential
    "planner.my_time_off_view": OWN,
    "planner.my_time_off_cancel": OWN,
    "planner.my_preferences": OWN,
    "planner.my_trades": OWN,
    "planner.trade_accept": OWN,
    "planner.trade_cancel": OWN,
    "planner.approve_trade": TRADES,
    "planner.history_list": SEE,
    "planner.history_upload": PLANS,
    "planner.history_view": SEE,
    "planner.forecast_list": SEE,
    "planner.forecast_run": PLANS,
    "planner.forecast_view": SEE,
    "planner.forecast_override": PLANS,
    "planner.requirements_list": SEE,
    "planner.requirements_run": PLANS,
    "planner.requirements_view": SEE,
    "planner.roster_list": SEE,
    "planner.roster_run": PLANS,
    "planner.roster_view": SEE,
    "planner.roster_edit": PLANS,
    "planner.roster_reoptimise": PLANS,
    "planner.roster_publish": PUBLISH,
    "planner.roster_export_csv": SEE,
    "planner.roster_export_xlsx": SEE,
    "planner.agents_list": SEE,
    "planner.agent_new": PLANS,
    "planner.agent_edit": PLANS,
    "planner.agent_active": PLANS,
    "planner.agents_import": PLANS,
    "planner.agents_import_confirm": PLANS,
    "planner.agents_export": SEE,
    "planner.rules_view": SEE,
    "planner.rules_upload": PLANS,
    "planner.settings_view": SEE,
    "planner.settings_center": SETTINGS,
    "planner.settings_channels": SETTINGS,
    "planner.settings_targets": TARGETS,
    "planner.settings_events": PLANS,
    "planner.entities_view": ENTITIES,  # entities and the queue map are the planners' (#19)
    "planner.entity_edit": ENTITIES,
    "planner.entity_active": ENTITIES,
    "planner.entities_import": ENTITIES,
    "planner.entities_download": ENTITIES,
    "planner.queue_map_view": ENTITIES,
    "planner.queue_map_save": ENTITIES,
    "planner.queue_map_delete": ENTITIES,
    "planner.queue_map_import": ENTITIES,
    "planner.queue_map_download": ENTITIES,
    "planner.audit_log": SEE,
    "planner.targets_edit": SEE,
    "planner.targets_save": TARGETS,
    "planner.targets_whatif": SEE,  # computes the effect of a draft, stores nothing
    "planner.approvals": SEE,
    "planner.approve_time_off": APPROVALS,
    "planner.approve_roster": APPROVALS,
    "planner.settings_approvals": APPROVALS,
    "planner.week_view": SEE,
    "planner.week_budget": BUDGET,
    "planner.entities_service": SEE,
    "planner.entity_service": SEE,
    "planner.entity_targets_preview": SEE,  # computes the effect of a draft, stores nothing
    "planner.entity_targets_save": TARGETS,
    "api.job_status": SEE,
    "api.history_chart_data": SEE,
    "api.forecast_chart_data": SEE,
    "api.requirements_chart_data": SEE,
    "api.roster_coverage_data": SEE,
}

#: The README's words the table above encodes (a change there must change the table).
README_ROLES = (
    "Planners and admins change plans; managers see every planner screen, own the targets,\n"
    "approvals and budget, and publish; planners may approve trades; settings are the admin's\n"
    "(the planner events, a forecast input, are the planners'; the entities and the queue mapping\n"
    "are only the planners' and admins'); agents see and manage only their\n"
    "own shifts, time off, trades, preferences and feed."
)

MISSING_ID = 987654


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory: pytest.TempPathFactory, h: Any) -> Iterator[Flask]:
    """One app for the whole matrix.

    No request in it changes what another one sees: every id is missing and every form is empty.
    """
    app = h.make_app(tmp_path_factory.mktemp("matrix") / "instance")
    h.seed_center(app)
    yield app


@pytest.fixture(scope="module")
def matrix_clients(matrix_app: Flask, h: Any) -> dict[str, FlaskClient]:
    """An anonymous client and one signed-in client per role."""
    out = {"anonymous": matrix_app.test_client()}
    for role in (A, P, M, G):
        client = matrix_app.test_client()
        assert h.sign_in(client, role).status_code == 302
        out[role] = client
    return out


def test_every_view_declares_its_roles(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(MATRIX), "a route was added or removed: update MATRIX"
    for endpoint in sorted(endpoints):
        if endpoint == "static":
            continue
        view = app.view_functions[endpoint]
        assert hasattr(view, "allowed_roles"), f"{endpoint} declares no roles"
        declared = view.allowed_roles
        expected = MATRIX[endpoint]
        assert declared == (None if expected is None else frozenset(expected)), endpoint


def test_matrix_encodes_the_readme_role_table(app: Flask) -> None:
    from web.app import WEB_DIR

    readme = (WEB_DIR.parent / "README.md").read_text(encoding="utf-8")
    assert README_ROLES in readme, "README's Roles paragraph changed: update ROLE_TABLE"
    for rule in app.url_map.iter_rules():
        roles = MATRIX[rule.endpoint]
        if roles is None:
            continue
        # "managers see every planner screen": a page a planner can read, a manager can read
        if rule.methods and "POST" not in rule.methods and P in roles:
            assert M in roles or roles is ENTITIES, rule.endpoint
        # "settings are the admin's": a settings form is the admin's unless a clause says whose
        if rule.rule.startswith("/settings/"):
            assert roles in (SETTINGS, TARGETS, APPROVALS, PLANS, ENTITIES), rule.endpoint


def test_a_planner_cannot_replace_the_targets(app: Flask, h: Any) -> None:
    """Issue #17: ``POST /settings/targets`` let a planner replace the managers' targets."""
    import io

    from web.app.extensions import db
    from web.app.models import TargetsVersion

    def versions() -> int:
        with app.app_context():
            return len(db.session.scalars(db.select(TargetsVersion.id)).all())

    before = versions()
    upload = {"file": (io.BytesIO(h.TARGETS.encode()), "targets.toml")}
    planner = app.test_client()
    h.sign_in(planner, "planner")
    response = h.post(planner, "/settings/targets", upload, content_type="multipart/form-data")
    assert response.status_code == 403
    assert versions() == before
    assert 'action="/settings/targets"' not in planner.get("/settings").get_data(as_text=True)
    manager = app.test_client()
    h.sign_in(manager, "manager")
    upload = {"file": (io.BytesIO(h.TARGETS.encode()), "targets.toml")}
    response = h.post(manager, "/settings/targets", upload, content_type="multipart/form-data")
    assert response.status_code == 302
    assert versions() == before + 1


def _url(app: Flask, endpoint: str) -> tuple[str, list[str]]:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    url = rule.rule
    for arg in rule.arguments:
        url = url.replace(f"<int:{arg}>", str(MISSING_ID)).replace(f"<path:{arg}>", "app.css")
    return url, sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


@pytest.mark.parametrize("endpoint", sorted(e for e in MATRIX if e != "auth.logout"))
def test_authorisation_matrix(
    matrix_app: Flask, matrix_clients: dict[str, FlaskClient], h: Any, endpoint: str
) -> None:
    url, methods = _url(matrix_app, endpoint)
    allowed = MATRIX[endpoint]
    for who, client in matrix_clients.items():
        for method in methods:
            if method == "POST":
                token = h.csrf_token(client, "/login")
                response = client.post(url, data={"csrf_token": token})
            else:
                response = client.get(url)
            status = response.status_code
            location = response.headers.get("Location", "")
            response.close()
            to_login = status == 302 and "/login" in location
            where = f"{who} {method} {url} -> {status} {location}"
            if allowed is None:
                assert status != 403 and not (to_login and endpoint != "auth.index"), where
            elif who == "anonymous":
                assert to_login, where
            elif who in allowed:
                assert status != 403 and not to_login, where
                assert status < 500, where
            else:
                assert status == 403, where


def test_logout_signs_out(client: FlaskClient, h: Any) -> None:
    h.sign_in(client, "planner")
    assert client.get("/planner").status_code == 200
    response = h.post(client, "/logout")
    assert response.status_code == 302
    assert "/login" in client.get("/planner").headers["Location"]


def test_wrong_password_and_inactive_user_cannot_sign_in(app: Flask, h: Any) -> None:
    from web.app.extensions import db
    from web.app.models import User

    client = app.test_client()
    assert h.sign_in(client, "planner", "not the password").status_code == 401
    with app.app_context():
        user = db.session.query(User).filter_by(username="manager").one()
        user.active = False
        db.session.commit()
    assert h.sign_in(client, "manager").status_code == 401
    assert h.sign_in(client, "nobody").status_code == 401


def test_passwords_are_scrypt_hashes(app: Flask) -> None:
    from web.app.extensions import db
    from web.app.models import User

    with app.app_context():
        for user in db.session.query(User):
            assert user.password_hash.startswith("scrypt:")
            assert "correct horse" not in user.password_hash


#: ``next`` values (as sent, percent-encoded) that a browser would follow to another host.
OPEN_REDIRECTS = [
    "//evil.example/x",
    "%2F%09%2Fevil.example%2F",  # issue #17: a tab between the slashes
    "/%0A/evil.example/",
    "/%0D/evil.example/",
    "/%00/evil.example/",
    "%09//evil.example/",
    "%20//evil.example/",
    "/%20/evil.example/",
    "/%5Cevil.example/",  # backslash
    "%5C%5Cevil.example/",
    "/%5C/evil.example/",
    "%2F%5C%09evil.example",
    "///evil.example/",
    "////evil.example/",
    "https://evil.example/",
    "http://evil.example/",
    "HTTP://evil.example/",
    "https:evil.example",
    "http:/%5Cevil.example",
    "//localhost@evil.example/",
    "http://localhost@evil.example/",
    "http://evil.example%5C@localhost/",
    "http://localhost:80@evil.example/",
    "javascript:alert(1)",
    "java%09script:alert(1)",
    "data:text/html,x",
    "evil.example",
    "%E3%80%80//evil.example/",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_next_parameter_never_leaves_the_site(client: FlaskClient, h: Any, target: str) -> None:
    token = h.csrf_token(client)
    response = client.post(
        f"/login?next={target}",
        data={"username": "planner", "password": h.PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/planner", target


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/roster/3?week=2", "/roster/3?week=2"),
        ("%2Froster%2F3", "/roster/3"),
        ("/rost%09er/3", "/roster/3"),  # the control character is dropped, as a browser does
        ("http://localhost/agents", "/agents"),
    ],
)
def test_next_parameter_keeps_a_path_of_the_site(
    client: FlaskClient, h: Any, target: str, location: str
) -> None:
    token = h.csrf_token(client)
    response = client.post(
        f"/login?next={target}",
        data={"username": "planner", "password": h.PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == location


# --- CSRF ---------------------------------------------------------------------------------


def _post_endpoints(app: Flask) -> list[str]:
    return sorted(
        r.endpoint for r in app.url_map.iter_rules() if "POST" in (r.methods or ()) and r.endpoint
    )


def test_csrf_is_enforced_on_every_form(app: Flask, h: Any) -> None:
    client = app.test_client()
    assert h.sign_in(client, "admin").status_code == 302
    posts = _post_endpoints(app)
    assert len(posts) >= 20
    for endpoint in posts:
        url, _ = _url(app, endpoint)
        response = client.post(url, data={"name": "x"})
        assert response.status_code == 400, f"{endpoint}: {response.status_code}"
        assert "Form expired" in response.get_data(as_text=True), endpoint
        bad = client.post(url, data={"csrf_token": "forged"})
        assert bad.status_code == 400, endpoint


def test_login_form_needs_its_csrf_token(client: FlaskClient, h: Any) -> None:
    response = client.post("/login", data={"username": "planner", "password": h.PASSWORD})
    assert response.status_code == 400


# --- rate limit, cookies, configuration ---------------------------------------------------------


def test_sign_in_attempts_are_rate_limited(tmp_path: Path, h: Any) -> None:
    app = h.make_app(tmp_path / "instance")
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    codes = []
    for _ in range(5):
        token = h.csrf_token(client)
        codes.append(
            client.post(
                "/login", data={"username": "x", "password": "y", "csrf_token": token}
            ).status_code
        )
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]
    assert client.get("/login").status_code == 200  # only the attempts are limited


def test_session_cookie_flags(tmp_path: Path, h: Any) -> None:
    from web.app import create_app

    app = create_app(
        {"JOB_WORKER": "off", "COOKIE_SECURE": True, "TESTING": True},
        instance_path=tmp_path / "i",
    )
    from web.cli._serve import upgrade_database

    upgrade_database(app)
    response = app.test_client().get("/login")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_cookie_secure_defaults(tmp_path: Path) -> None:
    from web.app.config import build_config

    assert build_config(tmp_path, {}, environ={})["SESSION_COOKIE_SECURE"] is True
    assert build_config(tmp_path, {"TESTING": True}, environ={})["SESSION_COOKIE_SECURE"] is False
    off = build_config(tmp_path, {}, environ={"WFM_COOKIE_SECURE": "false"})
    assert off["SESSION_COOKIE_SECURE"] is False


def test_secret_key_is_generated_once_and_private(tmp_path: Path) -> None:
    from web.app.config import build_config

    first = build_config(tmp_path / "inst", {}, environ={})["SECRET_KEY"]
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.is_file() and len(first) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert build_config(tmp_path / "inst", {}, environ={})["SECRET_KEY"] == first
    other = build_config(tmp_path / "other", {}, environ={})["SECRET_KEY"]
    assert other != first


def test_configuration_layers(tmp_path: Path) -> None:
    from web.app.config import build_config

    (tmp_path / "config.toml").write_text(
        'login_rate_limit = "5 per minute"\njob_poll_s = 3.0\nforecast_jobs = 2\n',
        encoding="utf-8",
    )
    env = {"WFM_JOB_POLL_S": "0.25", "WFM_DATABASE_URL": "sqlite:////tmp/x.db", "HOME": "/"}
    cfg = build_config(tmp_path, {"FORECAST_JOBS": 1}, environ=env)
    assert cfg["LOGIN_RATE_LIMIT"] == "5 per minute"  # instance file over the default
    assert cfg["JOB_POLL_S"] == 0.25  # environment over the instance file
    assert cfg["FORECAST_JOBS"] == 1  # test config over everything
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/x.db"
    default = build_config(tmp_path / "fresh", {}, environ={})
    assert default["SQLALCHEMY_DATABASE_URI"].endswith("fresh/wfm.sqlite3")


# --- error pages ----------------------------------------------------------------------------


def test_error_pages_have_no_traceback(app: Flask, signed_in: dict[str, FlaskClient]) -> None:
    page = signed_in["planner"].get("/no/such/page")
    assert page.status_code == 404 and "Not found" in page.get_data(as_text=True)
    page = signed_in["agent"].get("/planner")
    assert page.status_code == 403 and "Not allowed" in page.get_data(as_text=True)


def test_500_page_has_no_traceback(tmp_path: Path, h: Any) -> None:
    app: Flask = h.make_app(tmp_path / "instance")

    @app.route("/boom")
    def boom() -> str:  # pragma: no cover - raises
        raise RuntimeError("secret detail")

    boom.allowed_roles = None  # type: ignore[attr-defined]
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    page = app.test_client().get("/boom")
    text = page.get_data(as_text=True)
    assert page.status_code == 500
    assert "Something went wrong" in text
    assert "Traceback" not in text and "secret detail" not in text


def test_domain_error_is_a_friendly_message_on_the_page(
    signed_in: dict[str, FlaskClient], h: Any
) -> None:
    c = signed_in["planner"]
    # no history yet: the forecast form's POST comes back to the forecast page with a message
    token = h.csrf_token(c, "/forecast")
    response = c.post(
        "/forecast/run",
        data={"csrf_token": token, "days": "7"},
        headers={"Referer": "http://localhost/forecast"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/forecast")
    page = c.get("/forecast").get_data(as_text=True)
    assert "upload a history first" in page
    # without a page to return to, the same message with status 422
    response = c.post("/forecast/run", data={"csrf_token": token, "days": "7"})
    assert response.status_code == 422 and "upload a history first" in response.get_data(
        as_text=True
    )


# --- assets -------------------------------------------------------------------------------------


def test_no_cdn_or_remote_asset_anywhere() -> None:
    from web.app import WEB_DIR

    remote = re.compile(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", re.IGNORECASE)
    files = list((WEB_DIR / "templates").rglob("*.html")) + [
        WEB_DIR / "static" / "app.js",
        WEB_DIR / "static" / "app.css",
    ]
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not remote.search(text), path
        assert "http://" not in text and "https://" not in text, path
    vendor = WEB_DIR / "static" / "vendor"
    assert (vendor / "chart.umd.min.js").stat().st_size > 100_000
    assert "MIT" in (vendor / "chart.js-LICENSE.md").read_text(encoding="utf-8")
    assert "npm pack" in (vendor / "README.md").read_text(encoding="utf-8")


def test_static_assets_are_served(client: FlaskClient) -> None:
    response = client.get("/static/vendor/chart.umd.min.js")
    assert response.status_code == 200 and b"Chart.js v4" in response.data[:200]
    response.close()


# --- migrations ---------------------------------------------------------------------------


def test_migration_matches_the_models(app: Flask) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from web.app.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_db_upgrade_and_users_commands(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from web.cli import cli

    instance = tmp_path / "inst"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WFM_")}
    runner = CliRunner(env=env)
    result = runner.invoke(cli, ["db", "upgrade", "--instance", str(instance)])
    assert result.exit_code == 0, result.output
    assert (instance / "wfm.sqlite3").is_file()
    result = runner.invoke(
        cli, ["users", "create", "pat", "--role", "planner", "--instance", str(instance)]
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"pat \(planner\): password \S{12,}", result.output)

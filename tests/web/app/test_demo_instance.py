"""``wfm demo`` (serving).

A fresh instance with the center loaded, its week computed as jobs, one sign-in per role printed
once; an earlier demo is replaced, any other folder kept.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from web.cli import cli


@pytest.fixture()
def small_center(tmp_path: Path, h: Any) -> Path:
    """A folder laid out like ``data/`` with the tests' small center."""
    folder = tmp_path / "center"
    (folder / "generated").mkdir(parents=True)
    (folder / "targets.toml").write_text(h.TARGETS, encoding="utf-8")
    (folder / "rules.toml").write_text(h.RULES, encoding="utf-8")
    (folder / "agents.csv").write_text(h.AGENTS, encoding="utf-8")
    (folder / "events.csv").write_text("name,start,end,effect\n", encoding="utf-8")
    (folder / "generated" / "history.csv").write_text(h.history_csv(), encoding="utf-8")
    return folder


def test_demo_builds_an_instance_and_serves_it(
    tmp_path: Path, small_center: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import web.cli._serve as serve_module

    served: list[tuple[Any, str, int]] = []

    def fake_serve(app: Any, host: str, port: int, threads: int = 8) -> None:
        served.append((app, host, port))

    monkeypatch.setattr(serve_module, "serve_app", fake_serve)
    instance = tmp_path / "demo"
    args = [
        "demo",
        "--instance",
        str(instance),
        "--data-dir",
        str(small_center),
        "--port",
        "5999",
        "--origins",
        "1",
        "--time-limit",
        "3",
        "--jobs",
        "1",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    logins = dict(re.findall(r"^  (\w+)\s+password (\S+)$", result.output, re.MULTILINE))
    assert set(logins) == {"admin", "planner", "manager", "agent"}
    assert len(set(logins.values())) == 4
    assert "roster (job 3)" in result.output and "job 3:" in result.output  # progress printed
    assert (instance / ".wfm-demo-instance").is_file() and (instance / "wfm.sqlite3").is_file()
    ((app, host, port),) = served
    assert (host, port) == ("127.0.0.1", 5999)
    assert app.config["SESSION_COOKIE_SECURE"] is False  # plain http on loopback
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token
    response = client.post(
        "/login",
        data={"username": "planner", "password": logins["planner"], "csrf_token": token.group(1)},
    )
    assert response.status_code == 302
    page = client.get("/planner").get_data(as_text=True)
    page = re.sub(r"<bdi[^>]*>|</bdi>", "", page)  # as read: without the isolates' tags
    assert "Version 1" in page and "published" in page  # the week's roster, published
    assert "published by the planner" in result.output
    # the served app leaves its jobs to the worker process serve_app starts beside waitress
    assert app.config["JOB_WORKER"] == "process" and "wfm_job_thread" not in app.extensions
    with app.app_context():
        from sqlalchemy import select

        from web.app.extensions import db
        from web.app.models import AuditEntry, RosterVersion

        roster = db.session.scalars(select(RosterVersion)).one()
        assert (roster.status, roster.published_by) == ("published", "planner")
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "roster_published")
        ).one()
        assert (entry.username, entry.target) == ("planner", f"roster:{roster.id}")
    manager = app.test_client()
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', manager.get("/login").get_data(as_text=True)
    )
    assert token
    manager.post(
        "/login",
        data={"username": "manager", "password": logins["manager"], "csrf_token": token.group(1)},
    )
    week = manager.get("/manager").get_data(as_text=True)
    assert "No roster has been published yet" not in week

    # a second run replaces the earlier demo with a fresh one
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert dict(re.findall(r"^  (\w+)\s+password (\S+)$", again.output, re.MULTILINE)) != logins


def test_demo_never_replaces_a_folder_it_did_not_make(tmp_path: Path, small_center: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["demo", "--instance", str(folder), "--data-dir", str(small_center), "--port", "5998"]
    )
    assert result.exit_code == 2
    assert "not a demo instance" in result.output and "--force" in result.output
    assert (folder / "precious.txt").read_text(encoding="utf-8") == "keep me"

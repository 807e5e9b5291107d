"""A demo instance.

The bundled demo center loaded into a fresh database, its week forecast, staffed and rostered as
jobs, and one user per role.

:func:`prepare_instance` makes (or safely renews) the folder; :func:`load_demo_center` loads
the center's files; :func:`create_demo_users` makes the sign-ins; :func:`run_demo_week` queues
and runs the three jobs with progress on the terminal; :func:`publish_as` publishes the week's
roster as the planner (audited), so that managers and agents see it at once. ``wfm demo`` and
``bench/web_bench.py`` call them.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from web.app.extensions import db
from web.app.jobs import enqueue, run_pending
from web.app.models import (
    Agent,
    Job,
    RequirementSet,
    RosterVersion,
    RulesVersion,
    TargetsVersion,
)
from web.app.services import (
    import_agents,
    import_history,
    latest,
    save_entities,
    save_rules,
    save_targets,
    settings,
)
from web.demo import DemoCenterFiles
from wfmcore.defaults import DEFAULT_COUNTRY, DEFAULT_TZ
from wfmcore.errors import InputError

#: The file that marks a folder as a demo instance ``wfm demo`` may wipe and renew.
MARKER = ".wfm-demo-instance"
DEMO_ROLES = ("admin", "planner", "manager", "agent")

Say = Callable[[str], None]


def prepare_instance(folder: Path, *, force: bool = False) -> Path:
    """An empty demo instance folder: created, or emptied when it is an earlier demo.

    Raises
    ------
    InputError
        ``folder`` holds something else (use ``force`` to empty it anyway).
    """
    folder = folder.resolve()
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).is_file() and not force:
            raise InputError(
                f"{folder} is not empty and is not a demo instance; choose another --instance "
                "or pass --force to replace it"
            )
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("created by wfm demo; `wfm demo` may replace it\n")
    return folder


def load_demo_center(files: DemoCenterFiles, history_csv: Path, say: Say) -> None:
    """Settings, channels, targets, rules, agents, events and the history.

    One transaction per file; call inside an app context.
    """
    center = settings()
    center.name, center.tz, center.country = "Demo contact center", DEFAULT_TZ, DEFAULT_COUNTRY
    center.events_csv = files.events_csv.read_text(encoding="utf-8")
    save_targets(files.targets_toml.read_text(encoding="utf-8"), "targets.toml")
    save_rules(files.rules_toml.read_text(encoding="utf-8"), "rules.toml")
    if files.entities_toml is not None:
        save_entities(files.entities_toml.read_text(encoding="utf-8"), "entities.toml")
    db.session.commit()
    added, _, _ = import_agents(files.agents_csv, "agents.csv")
    db.session.commit()
    say(f"loaded targets, rules and {added} agents")
    size_mb = history_csv.stat().st_size / 1e6
    say(f"importing the history {history_csv.name} ({size_mb:,.0f} MB) ...")
    upload = import_history(history_csv, history_csv.name)
    db.session.commit()
    say(f"history stored: {upload.rows:,} rows, {len(upload.summary)} series")


def run_demo_week(
    *, origins: int, jobs: int, time_limit_s: float, seed: int, say: Say
) -> dict[str, str]:
    """Forecast, requirements and roster of the week after the history, as jobs run here.

    Progress is printed; returns each job's result (``forecast:1`` ...).

    Raises
    ------
    InputError
        A job failed (its message says why).
    """
    from web.app.models import HistoryUpload

    history = latest(HistoryUpload)
    assert history is not None

    def echo(
        job_id: int, fraction: float, message: str, obj: float | None, bnd: float | None
    ) -> None:
        extra = "" if obj is None else f", objective {obj:.1f}"
        extra += "" if bnd is None else f", bound {bnd:.1f}"
        say(f"  job {job_id}: {fraction:4.0%} {message}{extra}")

    results: dict[str, str] = {}
    steps: list[tuple[str, Callable[[], dict[str, object]]]] = [
        (
            "forecast",
            lambda: {
                "history_id": history.id,
                "start": "",
                "days": 7,
                "origins": origins,
                "models": [],
                "jobs": jobs,
            },
        ),
        (
            "requirements",
            lambda: {
                "forecast_id": int(results["forecast"].split(":")[1]),
                "targets_id": _id(latest(TargetsVersion)),
            },
        ),
        (
            "roster",
            lambda: {
                "requirement_set_id": _id(latest(RequirementSet)),
                "rules_id": _id(latest(RulesVersion)),
                "time_limit_s": time_limit_s,
                "seed": seed,
            },
        ),
    ]
    for kind, params in steps:
        job = enqueue(kind, params(), "system")
        db.session.commit()
        job_id = job.id
        say(f"{kind} (job {job_id}) ...")
        run_pending(limit=1, echo=echo)
        done = db.session.get(Job, job_id)
        assert done is not None
        if done.status != "succeeded":
            raise InputError(f"the demo's {kind} job {done.status}: {done.message}")
        results[kind] = str(done.result)
        say(f"  {kind} done: {done.result}")
    return results


def _id(row: object) -> int:
    assert row is not None
    return int(row.id)  # type: ignore[attr-defined]


def create_demo_users(agent_id: str | None = None) -> dict[str, str]:
    """One user per role with a random password (the agent user is the first agent).

    Returns username -> password, to print once.
    """
    from web.cli._serve import create_user

    if agent_id is None:
        agent_id = db.session.scalar(select(Agent.agent_id).order_by(Agent.id).limit(1))
    out = {}
    for role in DEMO_ROLES:
        password = secrets.token_urlsafe(9)
        create_user(role, role, password, agent_id=agent_id if role == "agent" else None)
        out[role] = password
    return out


def publish_as(app: Flask, username: str, roster_id: int) -> RosterVersion:
    """Publish a roster as ``username`` (``published_by`` and the audit entry name them).

    Raises
    ------
    InputError
        The roster cannot be published (e.g. published already).
    """
    from flask_login import login_user

    from web.app.models import User
    from web.app.services import publish_roster

    user = db.session.scalar(select(User).where(User.username == username))
    assert user is not None
    with app.test_request_context():
        login_user(user)
        roster = publish_roster(roster_id)
        db.session.commit()
    return roster


def build_demo_instance(
    app: Flask,
    files: DemoCenterFiles,
    history_csv: Path,
    *,
    origins: int = 4,
    jobs: int = 2,
    time_limit_s: float = 60.0,
    seed: int = 0,
    say: Say = print,
) -> dict[str, str]:
    """Load the center, create the users, run its week and publish it; returns the sign-ins.

    The week's roster is published by the ``planner`` user (audited), so managers and agents
    see it on first sign-in; when publishing is refused the draft stays and a line says why.
    """
    with app.app_context():
        load_demo_center(files, history_csv, say)
        logins = create_demo_users()
        results = run_demo_week(
            origins=origins, jobs=jobs, time_limit_s=time_limit_s, seed=seed, say=say
        )
        roster_id = int(results["roster"].split(":")[1])
        try:
            roster = publish_as(app, "planner", roster_id)
        except InputError as exc:
            db.session.rollback()
            say(f"roster {roster_id} left as a draft: {exc}")
        else:
            last = roster.first_day + dt.timedelta(days=roster.days - 1)
            week = f"{roster.first_day:%a %Y-%m-%d} .. {last:%a %Y-%m-%d}"
            say(f"roster {roster_id} ({week}) published by the planner")
        return logins

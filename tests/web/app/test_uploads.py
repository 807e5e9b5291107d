"""Every kind of upload error is shown on its page, naming row and column.

A rejected upload writes nothing.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

GOOD = "interval_start,channel,offered,handled,abandoned,aht_s\n"


def _rows(*lines: str) -> bytes:
    return (GOOD + "\n".join(lines) + "\n").encode()


HISTORY_ERRORS = [
    (
        "bad timestamp",
        _rows("2025-10-06T08:00:00+04:00,voice,3,3,0,300", "yesterday,voice,3,3,0,300"),
        ["row 3", "interval_start"],
    ),
    (
        "negative count",
        _rows(
            "2025-10-06T08:00:00+04:00,voice,3,3,0,300",
            "2025-10-06T08:30:00+04:00,voice,-2,0,0,300",
        ),
        ["row 3", "offered"],
    ),
    ("not a number", _rows("2025-10-06T08:00:00+04:00,voice,many,3,0,300"), ["row 2", "offered"]),
    (
        "handled and abandoned above offered",
        _rows("2025-10-06T08:00:00+04:00,voice,3,3,2,300"),
        ["row 2", "handled"],
    ),
    (
        "duplicate interval",
        _rows(
            "2025-10-06T08:00:00+04:00,voice,3,3,0,300", "2025-10-06T08:00:00+04:00,voice,4,4,0,300"
        ),
        ["row 3", "duplicate"],
    ),
    (
        "off the grid",
        _rows(
            "2025-10-06T08:00:00+04:00,voice,3,3,0,300",
            "2025-10-06T08:30:00+04:00,voice,3,3,0,300",
            "2025-10-06T09:07:00+04:00,voice,3,3,0,300",
        ),
        ["interval_start"],
    ),
    ("missing column", b"interval_start,channel\n2025-10-06T08:00:00+04:00,voice\n", ["offered"]),
    ("empty file", b"", ["empty"]),
    ("header only", GOOD.encode(), ["no data rows"]),
    (
        "not UTF-8",
        "interval_start,offered\n2025-10-06T08:00:00,\xe9\n".encode("latin-1"),
        ["UTF-8"],
    ),
]


def _count(app: Flask, model: Any) -> int:
    from web.app.extensions import db

    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(
    ("case", "content", "expected"), HISTORY_ERRORS, ids=[c[0] for c in HISTORY_ERRORS]
)
def test_history_upload_errors_are_shown_per_row_and_column(
    app: Flask,
    signed_in: dict[str, FlaskClient],
    h: Any,
    case: str,
    content: bytes,
    expected: list[str],
) -> None:
    from web.app.models import HistoryRow, HistoryUpload

    c = signed_in["planner"]
    job = h.upload_history(app, c, content, "calls.csv")  # a job: it fails, nothing is stored
    assert job["status"] == "failed", job
    error = job["message"]
    assert error.startswith("calls.csv"), error
    for word in expected:
        assert word.lower() in error.lower(), (case, error)
    assert "/tmp/" not in error and "uploads/" not in error
    page = c.get(job["location"]).get_data(as_text=True)  # the job page says why
    assert 'id="job-message"' in page and "calls.csv" in page and "Traceback" not in page
    assert _count(app, HistoryUpload) == 0 and _count(app, HistoryRow) == 0
    assert not any((Path(app.instance_path) / "uploads").glob("history-*"))  # file removed


def test_an_upload_that_fails_while_writing_leaves_no_rows(
    any_app: Flask, h: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite and PostgreSQL: some rows were inserted before the failure."""
    import web.app.services._history as history_services
    from web.app.models import HistoryRow, HistoryUpload
    from wfmcore.errors import InputError

    real = history_services._bulk_insert
    calls: list[int] = []

    def fail_on_second_chunk(model: Any, rows: Any, chunk: int = 50_000, **kw: Any) -> None:
        calls.append(len(rows))
        real(model, rows.iloc[:100], chunk, **kw)
        raise InputError("the database refused the rows")

    monkeypatch.setattr(history_services, "_bulk_insert", fail_on_second_chunk)
    app = any_app
    client = app.test_client()
    assert h.sign_in(client, "planner").status_code == 302
    job = h.upload_history(app, client, h.history_csv())
    assert job["status"] == "failed" and "refused" in job["message"] and calls, job
    assert _count(app, HistoryUpload) == 0 and _count(app, HistoryRow) == 0


def test_acd_export_upload(app: Flask, signed_in: dict[str, FlaskClient], h: Any) -> None:
    from web.app.models import HistoryUpload

    header = "vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\tvru_time"
    header += "\tq_start\tq_exit\tq_time\toutcome\tser_start\tser_exit\tser_time\tserver\n"
    lines = [
        f"AA0101\t{i}\t1\t2\tPS\t990104\t9:0{i}:00\t9:0{i}:10\t10\t9:0{i}:10\t9:0{i}:20\t10"
        f"\tAGENT\t9:0{i}:20\t9:0{i}:50\t30\tMICHAL\n"
        for i in range(5)
    ]
    job = h.upload_history(
        app, signed_in["planner"], header + "".join(lines), "jan.txt", kind="acd"
    )
    if job["status"] == "succeeded":
        assert _count(app, HistoryUpload) == 1
    else:  # too short a file for a history: the reader says why, on the job page
        assert job["status"] == "failed" and job["message"], job
        assert _count(app, HistoryUpload) == 0


AGENT_ERRORS = [
    (
        "missing column",
        "agent_id,name,skills\nA1,Sara,voice\n",
        ["missing column", "min_hours_week"],
    ),
    (
        "bad number",
        "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week\n"
        "A1,Sara,voice,30,40,5\nA2,Omar,voice,lots,40,5\n",
        ["row 3", "min_hours_week"],
    ),
    (
        "duplicate id",
        "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week\n"
        "A1,Sara,voice,30,40,5\nA1,Omar,voice,30,40,5\n",
        ["row 3", "agent_id", "duplicate"],
    ),
    (
        "bad time",
        "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week,earliest_start\n"
        "A1,Sara,voice,30,40,5,7am\n",
        ["row 2", "earliest_start"],
    ),
]


@pytest.mark.parametrize(
    ("case", "content", "expected"), AGENT_ERRORS, ids=[c[0] for c in AGENT_ERRORS]
)
def test_agents_import_errors_are_shown(
    app: Flask,
    signed_in: dict[str, FlaskClient],
    h: Any,
    case: str,
    content: str,
    expected: list[str],
) -> None:
    from web.app.extensions import db
    from web.app.models import Agent

    c = signed_in["planner"]
    response = h.post(
        c,
        "/agents/import",
        {"file": (io.BytesIO(content.encode()), "agents.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = page.split('id="upload-error">', 1)[1].split("</div>", 1)[0]
    for word in expected:
        assert word.lower() in error.lower(), (case, error)
    with app.app_context():  # the list is unchanged
        names = sorted(a.agent_id for a in db.session.scalars(select(Agent)) if a.active)
    assert names == ["A1", "A2", "A3", "A4", "A5", "A6"]


def test_agent_form_validates_like_the_csv(
    app: Flask, signed_in: dict[str, FlaskClient], h: Any
) -> None:
    c = signed_in["planner"]
    values = {
        "agent_id": "B1",
        "name": "Rana",
        "skills": "voice",
        "min_hours_week": "30",
        "max_hours_week": "40",
        "max_days_week": "5",
        "preferred_days_off": "fri;someday",
    }
    response = h.post(c, "/agents/new", values)
    assert response.status_code == 422
    assert "preferred_days_off" in response.get_data(as_text=True)
    values["preferred_days_off"] = "fri;sat"
    assert h.post(c, "/agents/new", values).status_code == 302
    page = c.get("/agents").get_data(as_text=True)
    assert "Rana" in page
    exported = c.get("/agents/export.csv").get_data(as_text=True)
    assert exported.splitlines()[0].startswith("agent_id,name,skills")
    assert "B1,Rana,voice" in exported


def test_agents_import_replaces_the_list(
    app: Flask, signed_in: dict[str, FlaskClient], h: Any
) -> None:
    from web.app.extensions import db
    from web.app.models import Agent

    content = (
        "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week\n"
        "A1,Sara Q,voice;chat,30,40,5\nZ9,New,chat,20,30,4\n"
    )
    response = h.post(
        signed_in["planner"],
        "/agents/import",
        {"file": (io.BytesIO(content.encode()), "agents.csv")},
        content_type="multipart/form-data",
    )
    # it deactivates A2-A6: shown first, done after the confirmation (issue #17)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]{64})"', page)
    assert token is not None
    gone = re.findall(r'<li data-agent="([^"]+)">', page)
    assert gone == ["A2", "A3", "A4", "A5", "A6"]
    confirm = {"token": token.group(1), "deactivate": gone}
    response = h.post(signed_in["planner"], "/agents/import/confirm", confirm)
    assert response.status_code == 302
    with app.app_context():
        active = {a.agent_id: a for a in db.session.scalars(select(Agent)) if a.active}
    assert sorted(active) == ["A1", "Z9"]
    assert active["A1"].name == "Sara Q" and active["A1"].skills == "voice;chat"


RULES_ERRORS = [
    (
        "unknown key",
        '[week]\nday_off = 2\n[[shift]]\nname="d"\nlength_h=8\nstarts=["08:00-09:00"]\n',
        ["day_off"],
    ),
    ("not TOML", "[week\n", ["TOML"]),
]


@pytest.mark.parametrize(
    ("case", "content", "expected"), RULES_ERRORS, ids=[c[0] for c in RULES_ERRORS]
)
def test_rules_upload_errors_are_shown(
    app: Flask,
    signed_in: dict[str, FlaskClient],
    h: Any,
    case: str,
    content: str,
    expected: list[str],
) -> None:
    from web.app.models import RulesVersion

    response = h.post(
        signed_in["planner"],
        "/rules/upload",
        {"file": (io.BytesIO(content.encode()), "rules.toml")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = page.split('id="upload-error">', 1)[1].split("</div>", 1)[0]
    error = re.sub(r"<bdi[^>]*>|</bdi>", "", error)
    assert error.startswith("rules.toml"), error
    for word in expected:
        assert word in error, (case, error)
    assert _count(app, RulesVersion) == 1  # the seeded version only


def test_rules_are_shown_as_tables_and_versioned(
    app: Flask, signed_in: dict[str, FlaskClient], h: Any
) -> None:
    c = signed_in["planner"]
    page = re.sub(r"<bdi[^>]*>|</bdi>", "", c.get("/rules").get_data(as_text=True))
    assert "minimum rest between shifts" in page and "08:00-12:00 every 60 min" in page
    new = h.RULES.replace("08:00-12:00", "07:00-12:00")
    response = h.post(
        c,
        "/rules/upload",
        {"file": (io.BytesIO(new.encode()), "rules.toml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = re.sub(r"<bdi[^>]*>|</bdi>", "", c.get("/rules").get_data(as_text=True))
    assert "07:00-12:00 every 60 min" in page and "Version 2" in page


def test_targets_upload_error_is_shown(
    app: Flask, signed_in: dict[str, FlaskClient], h: Any
) -> None:
    bad = h.TARGETS.replace("service_level = 0.80", "service_level = 1.8", 1)
    response = h.post(
        signed_in["manager"],
        "/settings/targets",
        {"file": (io.BytesIO(bad.encode()), "targets.toml")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "service_level" in page


def test_settings_and_channels(app: Flask, signed_in: dict[str, FlaskClient], h: Any) -> None:
    c = signed_in["admin"]
    assert (
        h.post(
            c, "/settings/center", {"name": "Demo", "tz": "Mars/Olympus", "country": "AE"}
        ).status_code
        == 422
    )
    assert (
        h.post(
            c, "/settings/center", {"name": "Demo", "tz": "Asia/Riyadh", "country": "sa"}
        ).status_code
        == 302
    )
    assert (
        h.post(
            c, "/settings/channels", {"name": "voice", "queues": "residency, traffic"}
        ).status_code
        == 302
    )
    page = c.get("/settings").get_data(as_text=True)
    assert "Asia/Riyadh" in page and "residency, traffic" in page
    audit = c.get("/audit").get_data(as_text=True)
    assert "settings_changed" in audit and "channel_saved" in audit

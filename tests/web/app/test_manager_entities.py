"""The manager's entities table, drill-down and per-entity targets (#19).

Built on ``published_app`` (the week of 2025-10-27 published): a forecast split over the queues
of three entities (``rta`` on voice and chat in Arabic and English, ``dha`` on Arabic voice,
``tiny`` on English chat) is stored with its requirements and a published roster carrying the
published week's coverage, so the figures are the roster's agents read per queue.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import numpy as np
import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient

ENTITIES = """\
version = 1

[groups.transport]
name_en = "Transport and mobility"
name_ar = "النقل والتنقل"

[groups.health]
name_en = "Health"
name_ar = "الصحة"

[entities.rta]
name_en = "Roads and Transport Authority"
name_ar = "هيئة الطرق والمواصلات"
group = "transport"
languages = ["ar", "en"]
channels = ["voice", "chat"]

[entities.rta.targets.voice]
service_level = 0.9

[entities.dha]
name_en = "Dubai Health Authority"
name_ar = "هيئة الصحة بدبي"
group = "health"
languages = ["ar"]
channels = ["voice"]

[entities.tiny]
name_en = "Tiny Office"
name_ar = "المكتب الصغير"
languages = ["en"]
channels = ["chat"]
"""
#: Each channel's forecast shared among the entities' queues.
SHARES = {
    "voice": {"rta.ar": 0.5, "rta.en": 0.2, "dha.ar": 0.3},
    "chat": {"rta.ar": 0.4, "rta.en": 0.3, "tiny.en": 0.3},
}


def _client(app: Flask, h: Any, who: str) -> FlaskClient:
    client = app.test_client()
    assert h.sign_in(client, who).status_code == 302
    return client


@pytest.fixture()
def entity_app(published_app: Flask) -> tuple[Flask, int]:
    """The published center with entities: its published roster over a per-queue forecast."""
    from scheduling.staffing.requirements import compute_requirements
    from tests.web.small_center import TARGETS
    from web.app.extensions import db
    from web.app.models import ForecastVersion, RosterVersion, TargetsVersion
    from web.app.services import (
        current_entities,
        forecast_frame,
        latest_published,
        save_entities,
        save_forecast,
        save_requirements,
        save_targets,
        targets_of,
    )
    from web.app.services._common import latest

    with published_app.app_context():
        save_entities(ENTITIES, "entities.toml")
        pooled = TARGETS.replace('model = "erlang_c"', 'model = "erlang_c"\npool = "channel"', 1)
        save_targets(pooled, "targets.toml")
        old = db.session.scalars(db.select(ForecastVersion)).one()
        frame = forecast_frame(old.id)
        parts = []
        for channel, shares in SHARES.items():
            rows = frame[frame["channel"] == channel]
            for queue, share in shares.items():
                part = rows.copy()
                part["queue"] = queue
                for col in ("volume", "volume_lo", "volume_hi", "volume_lo95", "volume_hi95"):
                    part[col] = part[col] * share
                parts.append(part)
        per_queue = pd.concat(parts, ignore_index=True)
        per_queue["interval_start"] = pd.DatetimeIndex(per_queue["interval_start"])
        forecast = save_forecast(
            old.history_id, per_queue, pd.DataFrame(), interval_min=old.interval_min
        )
        targets_row = latest(TargetsVersion)
        assert targets_row is not None
        req = compute_requirements(
            per_queue, targets_of(targets_row), old.interval_min, entities=current_entities()
        )
        req_set = save_requirements(forecast.id, targets_row.id, req, old.interval_min)
        roster = latest_published()
        assert roster is not None
        # the published week (its shifts and coverage) now rosters the per-queue forecast
        roster.requirement_set_id = req_set.id
        db.session.commit()
        rid = roster.id
        assert isinstance(db.session.get(RosterVersion, rid), RosterVersion)
        db.session.remove()
    return published_app, rid


def _by_entity(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {str(r["entity"]): {str(k): v for k, v in r.items()} for r in frame.to_dict("records")}


def _rows(page: str, table: str, attr: str) -> list[str]:
    body = page.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(rf'<tr {attr}="([^"]+)"', body)


def _weekly_service_level_of_dha(app: Flask, rid: int) -> float:
    """The week of dha recomputed from the stored rows with Erlang C (voice pooled, 10 % shrink).

    Every voice queue waits in the one pool: the pool's volume and the roster's voice agents
    give the wait, read at dha's answer time (20 s); fractional agents interpolate linearly.
    """
    from sqlalchemy import select

    from scheduling.staffing.erlang import service_level
    from web.app.extensions import db
    from web.app.models import CoverageRow, ForecastRow, RequirementSet, RosterVersion

    with app.app_context():
        roster = db.session.get(RosterVersion, rid)
        assert roster is not None
        fid = db.session.get(RequirementSet, roster.requirement_set_id).forecast_id  # type: ignore[union-attr]
        cov = pd.DataFrame(
            db.session.execute(
                select(CoverageRow.interval_start, CoverageRow.available).where(
                    CoverageRow.roster_id == rid, CoverageRow.channel == "voice"
                )
            ).all(),
            columns=["t", "agents"],
        )
        fc = pd.DataFrame(
            db.session.execute(
                select(
                    ForecastRow.interval_start,
                    ForecastRow.queue,
                    ForecastRow.volume,
                    ForecastRow.aht_s,
                ).where(ForecastRow.forecast_id == fid, ForecastRow.channel == "voice")
            ).all(),
            columns=["t", "queue", "volume", "aht_s"],
        )
    pool = fc.groupby("t").agg(volume=("volume", "sum"), aht_s=("aht_s", "first"))
    dha = fc[fc["queue"] == "dha.ar"].set_index("t")["volume"]
    agents = cov.set_index("t")["agents"].reindex(pool.index).fillna(0.0) * 0.9
    vol, aht = pool["volume"].to_numpy(), pool["aht_s"].fillna(0.0).to_numpy()
    lo = np.floor(agents.to_numpy())
    frac = agents.to_numpy() - lo
    load = vol * aht / 1800.0
    with np.errstate(all="ignore"):
        sl = (1 - frac) * service_level(load, lo, aht, 20.0) + frac * service_level(
            load, lo + 1, aht, 20.0
        )
    w = dha.reindex(pool.index).to_numpy()
    ok = np.isfinite(sl) & (w > 0)
    return float(np.sum(sl[ok] * w[ok]) / np.sum(w[ok]))


def test_the_table_ranks_worst_first_with_figures_recomputed(
    entity_app: tuple[Flask, int], h: Any
) -> None:
    from web.app.services._manager_entities import manager_entities

    app, rid = entity_app
    with app.app_context():
        table = _by_entity(manager_entities(rid))
    assert set(table) == {"rta", "dha", "tiny"}
    expected = _weekly_service_level_of_dha(app, rid)
    assert table["dha"]["service_level"] == pytest.approx(expected, abs=2e-3)
    assert table["dha"]["target_service_level"] == pytest.approx(0.80)
    # rta's voice target is 0.9, its chat target the channel's 0.8: weighted by volume
    assert 0.8 < table["rta"]["target_service_level"] < 0.9
    planner = _client(app, h, "planner")
    page = planner.get("/entities/service").get_data(as_text=True)
    order = _rows(page, "entity-service", "data-entity")
    gaps = {e: table[e]["service_level"] - table[e]["target_service_level"] for e in order}
    assert order == sorted(gaps, key=lambda e: gaps[e])
    assert "Dubai Health Authority" in page
    assert f"{expected * 100:.1f}%" in page  # what the page prints is the figure recomputed
    below = [e for e in order if gaps[e] < 0]
    for e in below:
        row = page.split(f'data-entity="{e}"', 1)[1].split("</tr>", 1)[0]
        assert "below target" in row


def test_search_and_group_filter(entity_app: tuple[Flask, int], h: Any) -> None:
    app, _rid = entity_app
    manager = _client(app, h, "manager")
    found = _rows(
        manager.get("/entities/service?q=الصحة").get_data(as_text=True),
        "entity-service",
        "data-entity",
    )
    assert found == ["dha"]
    found = _rows(
        manager.get("/entities/service?q=roads").get_data(as_text=True),
        "entity-service",
        "data-entity",
    )
    assert found == ["rta"]
    found = _rows(
        manager.get("/entities/service?group=transport").get_data(as_text=True),
        "entity-service",
        "data-entity",
    )
    assert found == ["rta"]


def test_the_drill_down_shows_the_entitys_queues_days_and_scoped_links(
    entity_app: tuple[Flask, int], h: Any
) -> None:
    app, rid = entity_app
    planner = _client(app, h, "planner")
    page = planner.get("/entities/service/rta").get_data(as_text=True)
    assert sorted(_rows(page, "entity-queues", "data-queue")) == [
        "chat/rta.ar",
        "chat/rta.en",
        "voice/rta.ar",
        "voice/rta.en",
    ]
    assert len(_rows(page, "entity-days", "data-day")) == 7
    assert f"/roster/{rid}?scope=entity:rta" in unescape(page)
    assert "scope=entity:rta" in unescape(page.split('id="link-forecast"', 1)[0].rsplit("<a", 1)[1])
    # the override is shown, the channel's default beside it; a planner cannot save
    assert 'name="voice.service_level" value="0.9"' in page
    assert 'id="entity-targets-save"' not in page
    assert planner.get("/entities/service/nosuch").status_code == 404


def _form(page: str) -> dict[str, str]:
    body = page.split('id="entity-targets-form"', 1)[1].split("</form>", 1)[0]
    return {
        n: unescape(v)
        for n, v in re.findall(r'<input id="[^"]+" name="([^"]+)" value="([^"]*)"', body)
    }


def test_a_stricter_entity_target_raises_its_requirement_only(
    entity_app: tuple[Flask, int], h: Any
) -> None:
    app, _rid = entity_app
    manager = _client(app, h, "manager")
    form = _form(manager.get("/entities/service/tiny").get_data(as_text=True))
    assert "chat.service_level" in form and "voice.service_level" not in form
    form.update({"chat.service_level": "0.95", "chat.answer_within_s": "20"})
    r = h.post(manager, "/entities/service/tiny/whatif", form)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    effect = page.split('id="whatif-effect"', 1)[1].split("</table>", 1)[0]
    assert 'data-row="entity"' in effect and 'data-row="center"' in effect
    from web.app.services import latest_published
    from web.app.services._manager_entities import entity_targets_document, entity_what_if

    with app.test_request_context():
        _text, after, problem = entity_targets_document("tiny", form)
        assert problem is None and after is not None
        roster = latest_published()
        assert roster is not None
        result = entity_what_if(roster.id, "tiny", after)
    ent = result["entity"]
    assert ent["agent_h_after"] > ent["agent_h_before"]
    # chat's agents are shared by the queues' requirements: tiny's share grows with its need
    assert ent["service_level_after"] is not None and ent["target_after"] == pytest.approx(0.95)
    assert result["others"] == []  # rta's and dha's hours do not move: chat staffs queues alone
    chat = next(c for c in result["channels"] if c["channel"] == "chat")
    voice = next(c for c in result["channels"] if c["channel"] == "voice")
    assert chat["agent_h_after"] > chat["agent_h_before"]
    assert voice["agent_h_after"] == voice["agent_h_before"]
    # the channels the entity is not on are the week as it is: what the full what-if says
    from scheduling.staffing.whatif import what_if
    from web.app.models import TargetsVersion
    from web.app.services import current_entities, targets_of
    from web.app.services._common import latest
    from web.app.services._manager_entities import week_service

    with app.app_context():
        service = week_service(roster.id)
        targets = targets_of(latest(TargetsVersion))  # type: ignore[arg-type]
        full = what_if(
            service.demand,
            targets,
            targets,
            service.interval_min,
            service.scheduled,
            entities_before=current_entities(),
            entities_after=after,
        )
    week = {str(r["channel"]): r for r in full.week.to_dict("records")}
    levels = {str(r["channel"]): r for r in full.service_level.to_dict("records")}  # type: ignore[union-attr]
    assert voice["agent_h_before"] == pytest.approx(week["voice"]["agent_h_before"], abs=0.05)
    assert voice["staff_h_after"] == pytest.approx(week["voice"]["staff_h_after"], abs=0.05)
    assert voice["service_level_after"] == pytest.approx(
        levels["voice"]["service_level_after"], abs=1e-4
    )
    assert chat["agent_h_after"] == pytest.approx(week["chat"]["agent_h_after"], abs=0.05)
    assert chat["service_level_after"] == pytest.approx(
        levels["chat"]["service_level_after"], abs=1e-4
    )
    lib = {str(r["entity"]): r for r in full.entities.to_dict("records")}  # type: ignore[union-attr]
    for col in ("agent_h_before", "agent_h_after", "staff_h_before", "staff_h_after"):
        assert ent[col] == pytest.approx(lib["tiny"][col], abs=0.01), col
    for col in ("service_level_before", "service_level_after", "target_after"):
        assert ent[col] == pytest.approx(lib["tiny"][col], abs=1e-4), col
    shown = effect.split('data-row="entity"', 1)[1].split("</tr>", 1)[0]
    assert f"{ent['agent_h_after']:,.1f}" in shown  # the page prints the what-if's figures
    # a stricter dha on the pooled voice channel moves rta too: named on the page
    form = _form(manager.get("/entities/service/dha").get_data(as_text=True))
    form["voice.service_level"] = "0.97"
    page = h.post(manager, "/entities/service/dha/whatif", form).get_data(as_text=True)
    assert 'data-row="other:rta"' in page
    # nothing was saved by the what-if
    with app.app_context():
        from web.app.extensions import db
        from web.app.models import EntitiesVersion

        assert db.session.query(EntitiesVersion).count() == 1


def test_saving_overrides_makes_an_audited_version_and_changes_the_table(
    entity_app: tuple[Flask, int], h: Any
) -> None:
    from web.app.extensions import db
    from web.app.models import AuditEntry, EntitiesVersion

    app, rid = entity_app
    manager = _client(app, h, "manager")
    form = _form(manager.get("/entities/service/dha").get_data(as_text=True))
    form["voice.service_level"] = "0.95"
    r = h.post(manager, "/entities/service/dha/targets", form)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    with app.app_context():
        from web.app.services import current_entities
        from web.app.services._manager_entities import manager_entities

        assert db.session.query(EntitiesVersion).count() == 2
        dha = current_entities().get("dha")  # type: ignore[union-attr]
        assert dha is not None and float(dha.targets["voice"]["service_level"]) == 0.95
        entry = db.session.query(AuditEntry).order_by(AuditEntry.id.desc()).first()
        assert entry is not None and entry.action == "entity_edited"
        assert "voice.service_level: - -> 0.95" in entry.detail
        table = _by_entity(manager_entities(rid))
        assert table["dha"]["target_service_level"] == pytest.approx(0.95)


def test_a_bad_override_gives_the_clis_message_and_saves_nothing(
    entity_app: tuple[Flask, int], h: Any
) -> None:
    from web.app.extensions import db
    from web.app.models import EntitiesVersion

    app, _rid = entity_app
    manager = _client(app, h, "manager")
    form = _form(manager.get("/entities/service/dha").get_data(as_text=True))
    form["voice.service_level"] = "1.5"
    for path in ("/entities/service/dha/targets", "/entities/service/dha/whatif"):
        r = h.post(manager, path, form)
        assert r.status_code == 422
        page = r.get_data(as_text=True)
        box = page.split('id="targets-error"', 1)[1].split("</div>", 1)[0]
        assert "entities.toml:" in box and "dha" in box and "service_level" in box
        assert (
            'class="invalid'
            in page.split('name="voice.service_level"', 1)[0].rsplit("<input", 1)[1]
            or "invalid" in page.split('id="voice.service_level"', 1)[1].split(">", 1)[0]
        )
    with app.app_context():
        assert db.session.query(EntitiesVersion).count() == 1


def test_roles_and_csrf(entity_app: tuple[Flask, int], h: Any) -> None:
    app, _rid = entity_app
    planner = _client(app, h, "planner")
    agent = _client(app, h, "agent")
    admin = _client(app, h, "admin")
    form = _form(planner.get("/entities/service/dha").get_data(as_text=True))
    form["voice.service_level"] = "0.9"
    assert h.post(planner, "/entities/service/dha/targets", form).status_code == 403
    assert h.post(planner, "/entities/service/dha/whatif", form).status_code == 200
    for path in ("/entities/service", "/entities/service/dha"):
        assert agent.get(path).status_code == 403
    assert h.post(agent, "/entities/service/dha/whatif", form).status_code == 403
    # without its CSRF token the save is refused
    r = admin.post("/entities/service/dha/targets", data=form)
    assert r.status_code == 400
    assert h.post(admin, "/entities/service/dha/targets", form).status_code == 302


def test_the_pages_in_arabic_show_no_english(entity_app: tuple[Flask, int], h: Any) -> None:
    from tests.web.app.test_i18n import LATIN_ALLOWED, _visible_outside_isolates

    app, _rid = entity_app
    manager = _client(app, h, "manager")
    h.post(manager, "/language", {"locale": "ar"})
    page = manager.get("/entities/service").get_data(as_text=True)
    assert "هيئة الصحة بدبي" in page and "Dubai Health Authority" not in page
    form = _form(manager.get("/entities/service/dha").get_data(as_text=True))
    bad = h.post(manager, "/entities/service/dha/targets", {**form, "voice.service_level": "2"})
    whatif = h.post(manager, "/entities/service/dha/whatif", form)
    data = set(re.findall(r"[A-Za-z]{2,}", ENTITIES)) | {"manager"}  # the user name
    for url, text in (
        ("/entities/service", page),
        ("/entities/service/dha", manager.get("/entities/service/dha").get_data(as_text=True)),
        ("targets error", bad.get_data(as_text=True)),
        ("what-if", whatif.get_data(as_text=True)),
    ):
        assert '<html lang="ar" dir="rtl">' in text, url
        words = set(re.findall(r"[A-Za-z]{2,}", _visible_outside_isolates(text)))
        assert not words - LATIN_ALLOWED - data, (url, sorted(words - LATIN_ALLOWED - data))


def test_without_entities_the_table_is_empty_not_an_error(published_app: Flask, h: Any) -> None:
    manager = _client(published_app, h, "manager")
    page = manager.get("/entities/service").get_data(as_text=True)
    assert 'id="entity-service"' in page and "data-entity=" not in page
    assert manager.get("/entities/service/rta").status_code == 404
    assert 'id="entity-service-link"' in manager.get("/manager").get_data(as_text=True)

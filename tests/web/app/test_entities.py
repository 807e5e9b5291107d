"""Entities and the queue map in the web app; history uploads mapped onto queues (#19).

The entities file is validated by the CLI's reader: the pages' messages are its messages. An
upload's queue names that are neither an entity's queue nor mapped are held back and listed.
"""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from wfmcore.entities import EntitiesError, dump_entities, parse_entities

ENTITIES = """\
version = 1

[groups.transport]
name_en = "Transport and mobility"
name_ar = "النقل والتنقل"

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
languages = ["ar"]
channels = ["voice"]
"""


def _text(page: str) -> str:
    """A page's text as read: tags dropped, entities unescaped."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _import(h: Any, client: FlaskClient, text: str, name: str = "entities.toml") -> Any:
    return h.post(
        client,
        "/settings/entities/import",
        {"file": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


def _count(app: Flask, model: Any) -> int:
    from web.app.extensions import db

    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture()
def planner(app: Flask, signed_in: dict[str, FlaskClient], h: Any) -> FlaskClient:
    """A planner, with the entities above imported."""
    client = signed_in["planner"]
    assert _import(h, client, ENTITIES).status_code == 302
    return client


# --- entities --------------------------------------------------------------------------------


def test_import_list_and_export_round_trip(app: Flask, planner: FlaskClient) -> None:
    page = planner.get("/settings/entities").get_data(as_text=True)
    assert 'data-entity="rta"' in page and 'data-entity="dha"' in page
    assert "هيئة الطرق والمواصلات" in page and "Dubai Health Authority" in page
    rta = page.split('data-entity="rta"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">4</td>' in rta  # 2 languages x 2 channels
    exported = planner.get("/settings/entities/entities.toml")
    assert exported.status_code == 200
    assert exported.get_data(as_text=True) == dump_entities(parse_entities(ENTITIES))
    assert "attachment" in exported.headers["Content-Disposition"]
    # importing the export gives the same file back, as a new version
    from web.app.models import EntitiesVersion

    planner_h = exported.get_data(as_text=True)
    with app.app_context():
        from web.app.services import save_entities

        save_entities(planner_h, "entities.toml")
        from web.app.extensions import db

        db.session.commit()
    assert planner.get("/settings/entities/entities.toml").get_data(as_text=True) == planner_h
    assert _count(app, EntitiesVersion) == 2


def test_a_bad_file_gives_the_clis_message_and_stores_nothing(
    app: Flask, signed_in: dict[str, FlaskClient], h: Any
) -> None:
    from web.app.models import EntitiesVersion

    bad = ENTITIES.replace('languages = ["ar"]', 'languages = ["arabic!"]')
    with pytest.raises(EntitiesError) as cli:
        parse_entities(bad, "mine.toml")
    response = _import(h, signed_in["planner"], bad, "mine.toml")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = _text(page.split('id="upload-error">', 1)[1].split("</div>", 1)[0])
    assert error == str(cli.value)
    assert re.match(r"mine\.toml:\d+: entity 'dha', key 'languages'", error), error
    assert _count(app, EntitiesVersion) == 0


def test_add_edit_and_deactivate_make_versions_and_audit(
    app: Flask, planner: FlaskClient, h: Any
) -> None:
    from web.app.extensions import db
    from web.app.models import AuditEntry, EntitiesVersion
    from web.app.services import current_entities

    form = {
        "id": "gdrfa",
        "name_en": "Residency and Foreigners Affairs",
        "name_ar": "الإقامة وشؤون الأجانب",
        "group": "",
        "languages": "ar, en",
        "channels": "voice",
        "opening_hours": "08:00-20:00",
        "closed_days": "2026-12-03",
        "targets": "voice.service_level = 0.85\nvoice.answer_within_s = 30",
    }
    r = h.post(planner, "/settings/entities/new", form)
    assert r.status_code == 302, _text(r.get_data(as_text=True))[:800]
    with app.app_context():
        es = current_entities()
        assert es is not None
        e = es.get("gdrfa")
        assert e.languages == ("ar", "en") and e.opening_hours == "08:00-20:00"
        assert str(e.closed_days[0]) == "2026-12-03"
        assert dict(e.targets["voice"]) == {"service_level": 0.85, "answer_within_s": 30}
    edit = planner.get("/settings/entities/gdrfa/edit").get_data(as_text=True)
    assert "voice.service_level = 0.85" in edit and 'value="08:00-20:00"' in edit
    r = h.post(planner, "/settings/entities/gdrfa/edit", {**form, "name_en": "GDRFA Dubai"})
    assert r.status_code == 302
    r = h.post(planner, "/settings/entities/dha/active", {"active": "0"})
    assert r.status_code == 302
    with app.app_context():
        es = current_entities()
        assert es is not None
        assert es.get("gdrfa").name_en == "GDRFA Dubai"
        assert es.get("dha").active is False  # deactivated, never deleted
        assert ("voice", "dha.ar") not in {(q.channel, q.queue) for q in es.queues()}
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert _count(app, EntitiesVersion) == 4
    assert actions[-3:] == ["entity_added", "entity_edited", "entity_deactivated"]
    page = planner.get("/settings/entities").get_data(as_text=True)
    dha = page.split('data-entity="dha"', 1)[1].split("</tr>", 1)[0]
    assert "inactive" in dha and 'name="active" value="1"' in dha


def test_the_forms_error_is_the_clis_message(app: Flask, planner: FlaskClient, h: Any) -> None:
    from web.app.models import EntitiesVersion

    form = {
        "name_en": "Dubai Health Authority",
        "name_ar": "هيئة الصحة بدبي",
        "languages": "ar",
        "channels": "voice",
        "targets": "voice.no_such_key = 3",
    }
    r = h.post(planner, "/settings/entities/dha/edit", form)
    assert r.status_code == 422
    error = _text(r.get_data(as_text=True).split('id="form-error"', 1)[1].split("</div>", 1)[0])
    bad = ENTITIES + "\n[entities.dha.targets.voice]\nno_such_key = 3\n"
    with pytest.raises(EntitiesError) as cli:
        parse_entities(bad, "entities.toml")
    detail = str(cli.value).split(": ", 2)[2]  # the same words, the line of its own document
    assert cli.value.entity == "dha" and detail in error, (error, str(cli.value))
    assert re.search(r"entities\.toml:\d+: entity 'dha', key 'targets\.voice\.no_such_key'", error)
    assert _count(app, EntitiesVersion) == 1  # nothing stored


def test_a_new_entity_with_a_taken_id_or_a_bad_id_is_refused(planner: FlaskClient, h: Any) -> None:
    base = {"name_en": "X", "name_ar": "س", "languages": "ar", "channels": "voice"}
    r = h.post(planner, "/settings/entities/new", {**base, "id": "rta"})
    assert r.status_code == 422 and "exists already" in r.get_data(as_text=True)
    r = h.post(planner, "/settings/entities/new", {**base, "id": "Bad Id"})
    assert r.status_code == 422 and "Bad Id" in html.unescape(r.get_data(as_text=True))


def test_search_finds_an_entity_by_arabic_or_english_name(planner: FlaskClient) -> None:
    def found(q: str) -> set[str]:
        page = planner.get("/settings/entities", query_string={"q": q}).get_data(as_text=True)
        return set(re.findall(r'data-entity="([^"]+)"', page))

    assert found("roads") == {"rta"}
    assert found("Health") == {"dha"}
    assert found("الصحة") == {"dha"}
    assert found("هيئه") == {"rta", "dha"}  # ta marbuta typed as ha
    assert found("nothing like it") == set()
    assert found("") == {"rta", "dha"}


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_managers_and_agents_are_denied(
    app: Flask, signed_in: dict[str, FlaskClient], h: Any, role: str
) -> None:
    from web.app.models import EntitiesVersion, QueueMapEntry

    client = signed_in[role]
    for url in (
        "/settings/entities",
        "/settings/entities/new",
        "/settings/entities/entities.toml",
        "/settings/queue-map",
        "/settings/queue-map/queue_map.csv",
    ):
        assert client.get(url).status_code == 403, url
    assert _import(h, client, ENTITIES).status_code == 403
    r = h.post(client, "/settings/queue-map/save", {"acd_queue": "x", "target": "rta:ar"})
    assert r.status_code == 403
    assert _count(app, EntitiesVersion) == 0 and _count(app, QueueMapEntry) == 0


def test_new_forms_need_their_csrf_token(app: Flask, planner: FlaskClient) -> None:
    for url in (
        "/settings/entities/new",
        "/settings/entities/rta/edit",
        "/settings/entities/rta/active",
        "/settings/entities/import",
        "/settings/queue-map/save",
        "/settings/queue-map/1/delete",
        "/settings/queue-map/import",
        "/history/upload",
    ):
        assert planner.post(url, data={"id": "x"}).status_code == 400, url
        assert planner.post(url, data={"csrf_token": "forged"}).status_code == 400, url


def test_entities_page_is_fast_with_sixty_entities(app: Flask, planner: FlaskClient) -> None:
    import time

    from web.app.extensions import db
    from web.app.services import save_entities

    many = "version = 1\n" + "".join(
        f'\n[entities.e{i:02d}]\nname_en = "Entity {i}"\nname_ar = "جهة {i}"\n'
        'languages = ["ar", "en"]\nchannels = ["voice", "chat", "email"]\n'
        for i in range(60)
    )
    with app.app_context():
        save_entities(many, "entities.toml")
        db.session.commit()
    planner.get("/settings/entities")  # the parse is kept per version
    times = []
    for _ in range(5):
        start = time.perf_counter()
        page = planner.get("/settings/entities", query_string={"q": "جهة 4"}).get_data(as_text=True)
        times.append(time.perf_counter() - start)
    assert page.count("data-entity=") == 11  # 4, 40..49
    assert sorted(times)[2] < 0.3, times


# --- the queue map -----------------------------------------------------------------------------


def test_queue_map_add_change_delete_and_csv_round_trip(
    app: Flask, planner: FlaskClient, h: Any
) -> None:
    from web.app.extensions import db
    from web.app.models import QueueMapEntry

    r = h.post(
        planner,
        "/settings/queue-map/save",
        {"acd_queue": "RTA Arabic", "channel": "voice", "target": "rta:ar"},
    )
    assert r.status_code == 302
    r = h.post(planner, "/settings/queue-map/save", {"acd_queue": "Health", "target": "dha:ar"})
    assert r.status_code == 302
    # a second row for the same name and channel (any case) is the CLI's "mapped twice"
    r = h.post(
        planner,
        "/settings/queue-map/save",
        {"acd_queue": "rta arabic", "channel": "voice", "target": "rta:en"},
    )
    assert r.status_code == 422 and "mapped twice" in _text(r.get_data(as_text=True))
    # a channel the entity does not have
    r = h.post(
        planner,
        "/settings/queue-map/save",
        {"acd_queue": "Health chat", "channel": "chat", "target": "dha:ar"},
    )
    assert r.status_code == 422 and "not a channel of 'dha'" in _text(r.get_data(as_text=True))
    with app.app_context():
        entry = db.session.scalars(
            select(QueueMapEntry).where(QueueMapEntry.acd_queue == "RTA Arabic")
        ).one()
        entry_id = entry.id
    r = h.post(
        planner,
        "/settings/queue-map/save",
        {
            "entry_id": str(entry_id),
            "acd_queue": "RTA Arabic",
            "channel": "voice",
            "target": "rta:en",
        },
    )
    assert r.status_code == 302
    csv_text = planner.get("/settings/queue-map/queue_map.csv").get_data(as_text=True)
    assert csv_text == (
        "acd_queue,channel,entity,language\nHealth,,dha,ar\nRTA Arabic,voice,rta,en\n"
    )
    assert h.post(planner, f"/settings/queue-map/{entry_id}/delete").status_code == 302
    assert _count(app, QueueMapEntry) == 1
    r = h.post(
        planner,
        "/settings/queue-map/import",
        {"file": (io.BytesIO(csv_text.encode()), "map.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    assert planner.get("/settings/queue-map/queue_map.csv").get_data(as_text=True) == csv_text


def test_a_bad_queue_map_csv_names_row_and_column_and_changes_nothing(
    app: Flask, planner: FlaskClient, h: Any
) -> None:
    from web.app.models import QueueMapEntry

    r = h.post(planner, "/settings/queue-map/save", {"acd_queue": "Health", "target": "dha:ar"})
    assert r.status_code == 302
    bad = "acd_queue,channel,entity,language\nA,voice,rta,ar\nB,,nobody,ar\n"
    r = h.post(
        planner,
        "/settings/queue-map/import",
        {"file": (io.BytesIO(bad.encode()), "map.csv")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    error = _text(r.get_data(as_text=True).split('id="upload-error">', 1)[1].split("</div>", 1)[0])
    assert "map.csv" in error and "row 3" in error and "entity" in error and "nobody" in error
    assert _count(app, QueueMapEntry) == 1  # the old table stays


# --- uploads mapped onto queues ------------------------------------------------------------------


def _acd_like_history() -> str:
    """A day of 30-minute history under an ACD's own names (voice), one unknown name."""
    lines = ["interval_start,channel,queue,offered,handled,abandoned,aht_s"]
    for day in (6,):
        for hh in range(8, 18):
            for mm in (0, 30):
                t = f"2025-10-{day:02d}T{hh:02d}:{mm:02d}:00+04:00"
                lines.append(f"{t},voice,RTA_AR_1,4,4,0,200")
                lines.append(f"{t},voice,RTA_AR_2,2,2,0,400")
                lines.append(f"{t},voice,dha.ar,3,3,0,300")  # already a queue id
                lines.append(f"{t},voice,Mystery,1,1,0,100")
    return "\n".join(lines) + "\n"


def test_an_upload_is_mapped_and_its_unmapped_names_are_listed(
    app: Flask, planner: FlaskClient, h: Any
) -> None:
    from web.app.extensions import db
    from web.app.models import HistoryRow, HistoryUpload

    for name in ("RTA_AR_1", "rta_ar_2"):  # the map is case-insensitive, like the CLI's
        r = h.post(
            planner,
            "/settings/queue-map/save",
            {"acd_queue": name, "channel": "voice", "target": "rta:ar"},
        )
        assert r.status_code == 302
    job = h.upload_history(app, planner, _acd_like_history(), "acd.csv")
    assert job["status"] == "succeeded", job
    assert job["progress"] == 1.0 and job["result"].startswith("history:")
    history_id = int(job["result"].split(":")[1])
    with app.app_context():
        upload = db.session.get(HistoryUpload, history_id)
        assert upload is not None
        stmt = select(HistoryRow.queue, func.count(), func.sum(HistoryRow.offered)).group_by(
            HistoryRow.queue
        )
        per_queue = {q: (int(n), float(s)) for q, n, s in db.session.execute(stmt)}
        aht = db.session.scalar(
            select(HistoryRow.aht_s).where(HistoryRow.queue == "rta.ar", HistoryRow.offered > 0)
        )
    # the day's intervals as read (gaps in opening hours imputed); empty ones are not stored
    n = next(int(s["intervals"]) for s in upload.summary if s["queue"] == "dha.ar")
    assert n >= 20 and per_queue["dha.ar"][0] >= 20
    assert (
        set(per_queue) == {"rta.ar", "dha.ar"} and per_queue["rta.ar"][0] == per_queue["dha.ar"][0]
    )
    assert per_queue["rta.ar"][1] >= 120.0  # both names added up: 4 + 2 a known interval
    assert upload.unmapped == [
        {"channel": "voice", "acd_queue": "Mystery", "rows": n, "offered": 20.0}
    ]
    assert aht == pytest.approx((4 * 200 + 2 * 400) / 6)  # weighted by handled
    page = planner.get(f"/history/{history_id}").get_data(as_text=True)
    assert 'id="unmapped"' in page and "Mystery" in page
    assert upload.created_by == "planner"  # the job stores who uploaded, not "system"
    with app.app_context():
        from web.app.models import AuditEntry

        who = db.session.scalar(
            select(AuditEntry.username).where(AuditEntry.action == "history_uploaded")
        )
    assert who == "planner"
    mapping = planner.get("/settings/queue-map").get_data(as_text=True)
    assert 'data-unmapped="voice/Mystery"' in mapping
    row = mapping.split('data-unmapped="voice/Mystery"', 1)[1].split("</tr>", 1)[0]
    assert f'<td class="num">{n}</td>' in row
    # the quick "map to" form: the name leaves the list
    r = h.post(
        planner,
        "/settings/queue-map/save",
        {"acd_queue": "Mystery", "channel": "voice", "target": "dha:ar"},
    )
    assert r.status_code == 302
    mapping = planner.get("/settings/queue-map").get_data(as_text=True)
    assert 'data-unmapped="voice/Mystery"' not in mapping


def test_an_upload_with_no_mapped_queue_fails_listing_the_names(
    app: Flask, planner: FlaskClient, h: Any
) -> None:
    from web.app.models import HistoryRow, HistoryUpload

    text = _acd_like_history().replace("dha.ar", "Other")
    job = h.upload_history(app, planner, text, "acd.csv")
    assert job["status"] == "failed", job
    for name in ("RTA_AR_1", "RTA_AR_2", "Other", "Mystery"):
        assert name in job["message"]
    assert _count(app, HistoryUpload) == 0 and _count(app, HistoryRow) == 0


def test_without_entities_every_queue_passes(
    app: Flask, signed_in: dict[str, FlaskClient], h: Any
) -> None:
    from web.app.models import HistoryRow

    job = h.upload_history(app, signed_in["planner"], _acd_like_history(), "acd.csv")
    assert job["status"] == "succeeded", job
    from web.app.extensions import db

    with app.app_context():
        queues = set(db.session.scalars(select(HistoryRow.queue).distinct()))
    assert queues == {"RTA_AR_1", "RTA_AR_2", "dha.ar", "Mystery"}
    assert _count(app, HistoryRow) % 4 == 0 and _count(app, HistoryRow) >= 80


def test_the_upload_job_reports_rows_and_a_cancel_leaves_nothing(
    any_app: Flask, h: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite (one writer: no progress rows while inserting) and PostgreSQL (every chunk)."""
    import web.app.jobs as jobs
    import web.app.services._history as history_services
    from web.app.extensions import db
    from web.app.jobs import run_pending
    from web.app.models import HistoryRow, HistoryUpload, Job

    real_save = history_services.save_history
    monkeypatch.setattr(  # small chunks: several progress reports
        history_services, "save_history", lambda *a, **kw: real_save(*a, **{**kw, "chunk": 20})
    )
    monkeypatch.setattr(jobs.JobContext.__init__, "__defaults__", (0.0, None))  # every report
    app = any_app
    planner = app.test_client()
    assert h.sign_in(planner, "planner").status_code == 302
    r = h.post(
        planner,
        "/history/upload",
        {"kind": "interval", "file": (io.BytesIO(_acd_like_history().encode()), "a.csv")},
        content_type="multipart/form-data",
    )
    job_id = int(r.headers["Location"].rsplit("/", 1)[1])
    real_insert = history_services._bulk_insert
    inserted: list[int] = []

    def insert_then_cancel(model: Any, rows: Any, chunk: int = 50_000, **kw: Any) -> None:
        real_insert(model, rows, chunk, **kw)
        inserted.append(len(rows))

    def cancel_after_two_chunks(self: Any) -> None:  # someone pressed Cancel mid-insert
        if len(inserted) >= 2:
            raise jobs.JobCancelled()

    monkeypatch.setattr(history_services, "_bulk_insert", insert_then_cancel)
    monkeypatch.setattr(jobs.JobContext, "check_cancel", cancel_after_two_chunks)
    seen: list[tuple[float, str]] = []

    def echo(_job: int, fraction: float, message: str, *_: Any) -> None:
        seen.append((fraction, message))

    with app.app_context():
        run_pending(echo=echo)
        job = db.session.get(Job, job_id)
        assert job is not None and job.status == "cancelled", (job.status, job.message)
    assert len(inserted) == 2
    messages = [m for _, m in seen]
    assert any(m.startswith("reading a.csv") for m in messages)
    assert any(re.fullmatch(r"history read: \d+ rows", m) for m in messages)
    stored = [m for m in messages if re.fullmatch(r"[\d,]+ of [\d,]+ rows stored", m)]
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    assert stored[0].startswith("0 of ") and (sqlite or len(stored) >= 3), messages
    assert _count(app, HistoryUpload) == 0 and _count(app, HistoryRow) == 0


def test_the_new_pages_in_arabic_show_no_english(app: Flask, planner: FlaskClient, h: Any) -> None:
    from tests.web.app.test_i18n import LATIN_ALLOWED, _visible_outside_isolates

    h.post(planner, "/language", {"locale": "ar"})
    h.post(planner, "/settings/queue-map/save", {"acd_queue": "RTA_AR_1", "target": "rta:ar"})
    job = h.upload_history(app, planner, _acd_like_history(), "acd.csv")
    assert job["status"] == "succeeded", job
    history_id = job["result"].split(":")[1]
    data = set(re.findall(r"[A-Za-z]{2,}", ENTITIES + _acd_like_history()))
    settings = planner.get("/settings").get_data(as_text=True)
    assert 'id="entities-card"' in settings and "ربط الطوابير" in settings
    for url in (
        "/settings/entities",
        "/settings/entities/new",
        "/settings/entities/rta/edit",
        "/settings/queue-map",
        f"/history/{history_id}",
        "/history",
        job["location"],
    ):
        page = planner.get(url).get_data(as_text=True)
        assert '<html lang="ar" dir="rtl">' in page, url
        words = set(re.findall(r"[A-Za-z]{2,}", _visible_outside_isolates(page)))
        assert not words - LATIN_ALLOWED - data, (url, sorted(words - LATIN_ALLOWED - data))


def test_the_fast_insert_stores_what_the_reader_read(any_app: Flask, h: Any, tmp_path: Any) -> None:
    """COPY (PostgreSQL) and a driver executemany (SQLite) give back the reader's frame."""
    from forecasting.history import read_history
    from web.app.services import history_frame

    client = any_app.test_client()
    assert h.sign_in(client, "planner").status_code == 302
    job = h.upload_history(any_app, client, h.history_csv())
    assert job["status"] == "succeeded", job
    path = tmp_path / "history.csv"
    path.write_text(h.history_csv(), encoding="utf-8")
    expected = read_history(path, tz="Asia/Dubai").frame
    with any_app.app_context():
        got = history_frame(int(job["result"].split(":")[1])).frame
    columns = ["channel", "queue", "interval_start", "offered", "handled", "aht_s", "imputed"]
    key = ["channel", "queue", "interval_start"]
    left = expected[columns].sort_values(key).reset_index(drop=True)
    right = got[columns].sort_values(key).reset_index(drop=True)
    assert len(right) == len(left) > 1000
    assert (left["interval_start"] == right["interval_start"]).all()
    for column in ("offered", "handled", "aht_s"):
        assert left[column].fillna(-1).to_numpy() == pytest.approx(
            right[column].fillna(-1).to_numpy()
        )


# --- the schema --------------------------------------------------------------------------------


def test_migration_0008_goes_down_and_up(any_app: Flask) -> None:
    """On SQLite and PostgreSQL: down to 0007 drops the tables and the column, up restores."""
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from web.app import MIGRATIONS_DIR
    from web.app.extensions import db

    def shape() -> tuple[set[str], set[str]]:
        inspector = sa.inspect(db.engine)
        tables = set(inspector.get_table_names())
        return tables, {c["name"] for c in inspector.get_columns("histories")}

    with any_app.app_context():
        tables, columns = shape()
        assert {"entities_versions", "queue_map"} <= tables and "unmapped_json" in columns
        downgrade(directory=str(MIGRATIONS_DIR), revision="0007")
        tables, columns = shape()
        assert not {"entities_versions", "queue_map"} & tables
        assert "unmapped_json" not in columns
        upgrade(directory=str(MIGRATIONS_DIR))
        tables, columns = shape()
        assert {"entities_versions", "queue_map"} <= tables and "unmapped_json" in columns

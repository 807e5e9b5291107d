"""The entities file, its queues, opening hours and the ACD queue map (wfmcore.entities)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfmcore.entities import (
    EntitiesError,
    Entity,
    EntitySet,
    Group,
    dump_entities,
    map_queues,
    parse_entities,
    queue_id,
    read_entities,
    read_queue_map,
    split_queue_id,
)
from wfmcore.opening_hours import OpeningHours

ROOT = Path(__file__).resolve().parents[2]

SMALL = """\
version = 1

[groups.transport]
name_en = "Transport"
name_ar = "النقل"

[entities.rta]
name_en = "Roads and Transport Authority"
name_ar = "هيئة الطرق والمواصلات"
group = "transport"
languages = ["ar", "en"]
channels = ["voice", "chat"]

[entities.rta.targets.voice]
service_level = 0.9
answer_within_s = 15

[entities.courts]
name_en = "Courts"
name_ar = "المحاكم"
languages = ["ar"]
channels = ["voice"]
opening_hours = { default = "07:30-15:30", sat = "closed", sun = "closed" }
closed_days = [2026-12-03]

[entities.old]
name_en = "Old entity"
name_ar = "جهة قديمة"
languages = ["en"]
channels = ["email"]
active = false
"""


def test_queues_are_entity_by_language_by_channel() -> None:
    es = parse_entities(SMALL)
    assert [(q.channel, q.queue) for q in es.queues()] == [
        ("voice", "rta.ar"),
        ("voice", "rta.en"),
        ("chat", "rta.ar"),
        ("chat", "rta.en"),
        ("voice", "courts.ar"),
    ]
    assert len(es.queues(include_inactive=True)) == 6
    frame = es.queue_frame()
    assert list(frame.columns) == ["channel", "queue", "entity", "language", "group"]
    assert frame.loc[frame["queue"] == "rta.en", "group"].unique().tolist() == ["transport"]
    assert es.entity_of("chat", "rta.ar") is es.get("rta")
    assert es.entity_of("chat", "courts.ar") is None  # courts has no chat
    assert es.entity_of("voice", "all") is None
    assert es.get("rta").targets["voice"] == {"service_level": 0.9, "answer_within_s": 15}
    assert es.groups["transport"] == Group("transport", "Transport", "النقل")
    assert queue_id("rta", "ar") == "rta.ar" and split_queue_id("rta.ar") == ("rta", "ar")
    assert split_queue_id("all") is None and split_queue_id("RTA.ar") is None


def test_search_finds_arabic_and_english_names() -> None:
    es = parse_entities(SMALL)
    assert [e.id for e in es.search("المحاكم")] == ["courts"]
    assert [e.id for e in es.search("transport")] == ["rta"]
    assert len(es.search("  ")) == 3


def test_queue_hours_apply_entity_hours_and_closed_days() -> None:
    es = parse_entities(SMALL)
    hours = es.queue_hours(
        {"voice": OpeningHours.parse("24/7"), "chat": OpeningHours.parse("07:00-23:00")}
    )
    stamps = pd.DatetimeIndex(
        [
            "2026-12-02 08:00",
            "2026-12-02 16:00",
            "2026-12-03 08:00",
            "2026-12-05 08:00",
            "2026-12-02 23:30",
        ]
    ).tz_localize("Asia/Dubai")
    courts = hours[("voice", "courts.ar")].is_open(stamps, 30)
    assert courts.tolist() == [True, False, False, False, False]  # closed day, Saturday
    assert hours[("voice", "rta.ar")].is_open(stamps, 30).all()
    assert hours[("chat", "rta.en")].is_open(stamps, 30).tolist() == [True] * 4 + [False]
    assert "closed 2026-12-03" in str(hours[("voice", "courts.ar")])


def test_dump_round_trips_and_the_demo_file_reads() -> None:
    es = parse_entities(SMALL)
    again = parse_entities(dump_entities(es))
    assert again == es
    assert dump_entities(again) == dump_entities(es)
    demo = ROOT / "data" / "entities.toml"
    if demo.exists():
        center = read_entities(demo)
        assert parse_entities(dump_entities(center)) == center


_names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20
).filter(lambda s: s.strip() == s and s.strip() != "")


@settings(max_examples=60, deadline=None)
@given(
    name_en=_names,
    name_ar=_names,
    languages=st.lists(st.sampled_from(["ar", "en", "ur", "hi"]), min_size=1, unique=True),
    channels=st.lists(
        st.sampled_from(["voice", "chat", "whatsapp", "email"]), min_size=1, unique=True
    ),
    active=st.booleans(),
    closed=st.lists(st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)), max_size=3, unique=True),
    level=st.floats(0.5, 1.0),
)
def test_dump_round_trips_any_entity(
    name_en: str,
    name_ar: str,
    languages: list[str],
    channels: list[str],
    active: bool,
    closed: list[dt.date],
    level: float,
) -> None:
    entity = Entity(
        id="e1",
        name_en=name_en,
        name_ar=name_ar,
        languages=tuple(languages),
        channels=tuple(channels),
        active=active,
        targets={channels[0]: {"service_level": level}},
        closed_days=tuple(sorted(closed)),
    )
    es = EntitySet(version=1, entities=(entity,))
    assert parse_entities(dump_entities(es)) == es


@pytest.mark.parametrize(
    ("text", "line", "entity", "key"),
    [
        (SMALL.replace('languages = ["ar"]', 'languages = ["arabic"]'), 21, "courts", "languages"),
        (
            SMALL.replace("answer_within_s = 15", "answer_within = 15"),
            16,
            "rta",
            "targets.voice.answer_within",
        ),
        (SMALL.replace('group = "transport"', 'group = "health"'), 10, "rta", "group"),
        (
            SMALL.replace("closed_days = [2026-12-03]", 'closed_days = ["3 Dec"]'),
            24,
            "courts",
            "closed_days",
        ),
        (
            SMALL.replace(
                'opening_hours = { default = "07:30-15:30"', 'opening_hours = { default = "7-3"'
            ),
            23,
            "courts",
            "opening_hours",
        ),
        (
            SMALL.replace("[entities.rta.targets.voice]", "[entities.rta.targets.email]"),
            14,
            "rta",
            "targets.email",
        ),
        (SMALL.replace('name_ar = "المحاكم"\n', ""), 18, "courts", "name_ar"),
        (SMALL.replace("active = false", "active = 0"), 31, "old", "active"),
        (SMALL.replace("[entities.courts]", "[entities.Courts]"), 18, "Courts", None),
    ],
)
def test_a_bad_file_names_line_entity_and_key(
    text: str, line: int, entity: str, key: str | None
) -> None:
    with pytest.raises(EntitiesError) as info:
        parse_entities(text, "entities.toml")
    err = info.value
    assert (err.file, err.line, err.entity, err.key) == ("entities.toml", line, entity, key)
    assert str(err).startswith(f"entities.toml:{line}: entity {entity!r}")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("version = 2\n[entities.a]\n", "reads version 1"),
        ("[entities.a]\n", "missing 'version = 1'"),
        ("version = 1\n", "no entities"),
        ("version = 1\nextra = 3\n[entities.a]\n", "unknown top-level key 'extra'"),
        ("version = 1\n[entities.a\n", "not valid TOML"),
    ],
)
def test_file_level_problems(text: str, needle: str) -> None:
    with pytest.raises(EntitiesError, match=needle):
        parse_entities(text)


def test_read_entities_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EntitiesError, match="file not found"):
        read_entities(tmp_path / "nope.toml")
    (tmp_path / "bad.toml").write_bytes(b"\xff\xfe")
    with pytest.raises(EntitiesError, match="UTF-8"):
        read_entities(tmp_path / "bad.toml")


def _history(rows: list[tuple[str, str, str, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["channel", "queue", "interval_start", "offered", "aht_s"])
    frame["interval_start"] = pd.to_datetime(frame["interval_start"]).dt.tz_localize("Asia/Dubai")
    frame["handled"] = frame["offered"]
    return frame


def test_queue_map_renames_adds_up_and_lists_the_unmapped(tmp_path: Path) -> None:
    es = parse_entities(SMALL)
    path = tmp_path / "queue_map.csv"
    path.write_text(
        "acd_queue,channel,entity,language\n"
        "RTA_AR_IVR,voice,rta,ar\n"
        "rta arabic,,rta,ar\n"
        "Courts,voice,courts,ar\n"
    )
    qmap = read_queue_map(path, es)
    history = _history(
        [
            ("voice", "rta.ar", "2026-12-01 08:00", 10, 300),
            ("voice", "RTA_AR_IVR", "2026-12-01 08:00", 30, 200),
            ("voice", " RTA Arabic ", "2026-12-01 08:30", 5, 100),
            ("voice", "Courts", "2026-12-01 08:00", 4, 400),
            ("voice", "unknown line", "2026-12-01 08:00", 7, 100),
            ("voice", "unknown line", "2026-12-01 08:30", 2, 100),
            ("chat", "Courts", "2026-12-01 08:00", 3, 500),  # courts has no chat
        ]
    )
    mapped, unmapped = map_queues(history, qmap, es)
    got = mapped.set_index(["queue", mapped["interval_start"].dt.strftime("%H:%M")])
    assert got.loc[("rta.ar", "08:00"), "offered"] == 40
    assert got.loc[("rta.ar", "08:00"), "aht_s"] == pytest.approx((10 * 300 + 30 * 200) / 40)
    assert got.loc[("rta.ar", "08:30"), "offered"] == 5
    assert got.loc[("courts.ar", "08:00"), "offered"] == 4
    # volume is conserved: mapped + unmapped = all
    assert mapped["offered"].sum() + unmapped["offered"].sum() == history["offered"].sum()
    assert unmapped.to_dict("records") == [
        {"channel": "voice", "acd_queue": "unknown line", "rows": 2, "offered": 9},
        {"channel": "chat", "acd_queue": "Courts", "rows": 1, "offered": 3},
    ]


@pytest.mark.parametrize(
    ("body", "row", "column"),
    [
        ("x,voice,nobody,ar\n", 2, "entity"),
        ("x,voice,rta,fr\n", 2, "language"),
        ("x,email,rta,ar\n", 2, "channel"),
        ("x,voice,rta,ar\nX ,voice,rta,en\n", 3, "acd_queue"),
        (" ,voice,rta,ar\n", 2, "acd_queue"),
    ],
)
def test_a_bad_queue_map_names_row_and_column(
    tmp_path: Path, body: str, row: int, column: str
) -> None:
    path = tmp_path / "queue_map.csv"
    path.write_text("acd_queue,channel,entity,language\n" + body)
    with pytest.raises(Exception) as info:
        read_queue_map(path, parse_entities(SMALL))
    assert (info.value.row, info.value.column) == (row, column)  # type: ignore[attr-defined]


def test_forecast_takes_queue_hours() -> None:
    from forecasting.engine import ForecastConfig, run_forecast

    es = parse_entities(SMALL)
    days = pd.date_range("2026-10-05", periods=21 * 48, freq="30min", tz="Asia/Dubai")
    rng = np.random.default_rng(1)
    frames = []
    for channel, queue in [("voice", "rta.ar"), ("voice", "courts.ar")]:
        hours = es.queue_hours()[(channel, queue)]
        lam = np.where(hours.is_open(days, 30), 6.0, 0.0)
        frames.append(
            pd.DataFrame(
                {
                    "channel": channel,
                    "queue": queue,
                    "interval_start": days,
                    "offered": rng.poisson(lam).astype(float),
                }
            )
        )
    result = run_forecast(
        pd.concat(frames), ForecastConfig(days=7, origins=1), opening_hours=es.queue_hours()
    )
    fc = result.forecast
    courts = fc[fc["queue"] == "courts.ar"]
    open_ = es.queue_hours()[("voice", "courts.ar")].is_open(
        pd.DatetimeIndex(courts["interval_start"]), 30
    )
    assert (courts.loc[~open_, "volume"] == 0).all() and (courts.loc[open_, "volume"] > 0).all()
    assert (fc.loc[fc["queue"] == "rta.ar", "volume"] > 0).all()

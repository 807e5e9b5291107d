"""Service per entity (#19): targets per queue, the pooling choice, service per queue.

Each queue is staffed to its entity's targets, pooled as its channel chooses, and evaluated
per queue, entity and channel.

A small synthetic center of three entities (not the demo): ``rta`` (large, ar+en, voice and
chat, group ``transport``), ``itc`` (small, ar+en, voice, group ``transport``) and ``dha``
(small, ar, voice and email, no group, closed on 2026-12-08).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from scheduling.errors import InputError, TargetsError
from scheduling.staffing.erlang import erlang_c
from scheduling.staffing.pools import plan_queues
from scheduling.staffing.requirements import compute_requirements
from scheduling.staffing.service import evaluate_queues, split_scheduled, summarize_service
from scheduling.staffing.targets import queue_targets, targets_from_dict
from scheduling.staffing.whatif import what_if
from wfmcore.entities import EntitySet, parse_entities

TZ = "Asia/Dubai"
CENTER = """version = 1

[groups.transport]
name_en = "Transport"
name_ar = "النقل"

[entities.rta]
name_en = "Roads and Transport Authority"
name_ar = "هيئة الطرق والمواصلات"
group = "transport"
languages = ["ar", "en"]
channels = ["voice", "chat"]

[entities.itc]
name_en = "Integrated Transport Centre"
name_ar = "مركز النقل المتكامل"
group = "transport"
languages = ["ar", "en"]
channels = ["voice"]

[entities.dha]
name_en = "Health Authority"
name_ar = "هيئة الصحة"
languages = ["ar"]
channels = ["voice", "email"]
closed_days = [2026-12-08]
"""
#: mean contacts per half hour of each entity (a long tail: one large, two small)
LEVEL = {"rta": 40.0, "itc": 6.0, "dha": 3.0}


def _targets(pool: str | None = None, **extra: Any) -> dict[str, Any]:
    channels: dict[str, dict[str, Any]] = {
        "voice": {"model": "erlang_c", "service_level": 0.8, "answer_within_s": 20},
        "chat": {"model": "chat", "concurrency": 2, "service_level": 0.8},
        "email": {"model": "deferred", "respond_within_h": 8, "service_level": 0.9},
    }
    if pool is not None:
        for table in channels.values():
            table["pool"] = pool
    return {"channels": channels, **extra}


def _center(extra: str = "") -> EntitySet:
    return parse_entities(CENTER + extra)


@pytest.fixture(scope="module")
def forecast() -> pd.DataFrame:
    starts = pd.date_range("2026-12-07", periods=96, freq="30min", tz=TZ)
    hour = np.asarray(starts.hour, dtype=float)
    shape = np.where((hour >= 7) & (hour < 22), 1.0, 0.15)
    rows = []
    for i, q in enumerate(_center().queues()):
        wiggle = 1.0 + 0.2 * np.sin(np.arange(starts.size) / 5.0 + i)
        vol = np.round(LEVEL[q.entity] * shape * wiggle, 1)
        rows.append(
            pd.DataFrame(
                {
                    "channel": q.channel,
                    "queue": q.queue,
                    "interval_start": starts,
                    "volume": vol,
                    "aht_s": 300.0 if q.channel != "email" else 600.0,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _requirements(
    forecast: pd.DataFrame, pool: str | None, extra: str = "", **targets: Any
) -> pd.DataFrame:
    t = targets_from_dict(_targets(pool, **targets))
    return compute_requirements(forecast, t, 30, entities=_center(extra))


STRICT_RTA_VOICE = """
[entities.rta.targets.voice]
service_level = 0.95
answer_within_s = 10
"""


# --- targets per queue and the pooling choice -------------------------------------------------


def test_queue_targets_apply_the_entity_overrides_and_closed_days() -> None:
    qt = queue_targets(targets_from_dict(_targets()), _center(STRICT_RTA_VOICE))
    assert qt[("voice", "rta.ar")].service_level == 0.95
    assert qt[("voice", "rta.en")].answer_within_s == 10
    assert qt[("voice", "itc.ar")].service_level == 0.8  # the channel's own
    assert qt[("chat", "rta.ar")].service_level == 0.8  # only voice is overridden
    closed = qt[("voice", "dha.ar")]
    stamps = pd.DatetimeIndex(["2026-12-08 10:00", "2026-12-09 10:00"]).tz_localize(TZ)
    assert closed.is_open(stamps).tolist() == [False, True]
    assert qt[("voice", "itc.ar")].is_open(stamps).tolist() == [True, True]


@pytest.mark.parametrize(
    ("extra", "key", "match"),
    [
        (
            "[entities.rta.targets.voice]\nservice_level = 1.5\n",
            "targets.voice.service_level",
            "share",
        ),
        ("[entities.dha.targets.email]\npatience_s = 60\n", "targets.email.patience_s", "deferred"),
        ("[entities.itc.targets.voice]\nmax_asa_s = -3\n", "targets.voice.max_asa_s", "positive"),
    ],
)
def test_a_bad_override_names_file_line_entity_and_key(extra: str, key: str, match: str) -> None:
    text = CENTER + extra
    # the offending key's own line in the file
    line = len(text.splitlines())
    with pytest.raises(TargetsError) as info:
        queue_targets(targets_from_dict(_targets()), parse_entities(text, "center.toml"))
    msg = str(info.value)
    entity = extra.split(".")[1]
    assert msg.startswith(f"center.toml:{line}: entity '{entity}', key '{key}': "), msg
    assert match in msg


def test_an_entity_channel_without_targets_is_an_error() -> None:
    doc = _targets()
    del doc["channels"]["email"]
    with pytest.raises(TargetsError, match=r"entities.toml:\d+: entity 'dha', key 'channels'"):
        queue_targets(targets_from_dict(doc), _center())


def test_pool_key_is_checked_and_the_default_is_never_silent() -> None:
    with pytest.raises(TargetsError, match="channel 'voice', key 'pool'"):
        targets_from_dict(_targets("agents"))
    plain = targets_from_dict(_targets())
    assert plain.pooling("voice", entities=False) == "channel"  # as before entities
    assert plain.pooling("voice", entities=True) == "queue"  # no silent pooling
    legacy = targets_from_dict(_targets(pool_queues=True))
    assert legacy.pooling("voice", entities=True) == "channel"
    assert targets_from_dict(_targets("group")).pooling("chat", entities=True) == "group"


def test_plan_notes_name_the_pooling_of_every_channel(forecast: pd.DataFrame) -> None:
    plan = plan_queues(forecast, targets_from_dict(_targets()), _center())
    assert plan.notes() == [
        "chat: pool = queue (each queue staffed alone to its own targets; the default, "
        "no pool key)",
        "email: pool = queue (each queue staffed alone to its own targets; the default, "
        "no pool key)",
        "voice: pool = queue (each queue staffed alone to its own targets; the default, "
        "no pool key)",
    ]


def test_a_forecast_queue_outside_the_entities_file_is_refused(forecast: pd.DataFrame) -> None:
    odd = forecast.copy()
    odd.loc[odd["queue"] == "itc.en", "queue"] = "itc.fr"
    with pytest.raises(InputError, match="queue 'itc.fr' on channel 'voice'"):
        _requirements(odd, None)


def test_entity_pools_need_an_entities_file(forecast: pd.DataFrame) -> None:
    with pytest.raises(TargetsError, match="'entity' needs an entities file"):
        compute_requirements(forecast, targets_from_dict(_targets("entity")), 30)


# --- staffing -------------------------------------------------------------------------------


def _by_queue(req: pd.DataFrame) -> pd.Series:
    return req.set_index(["channel", "queue", "interval_start"])["agents"]


def test_a_stricter_entity_target_raises_its_agents_and_leaves_the_rest(
    forecast: pd.DataFrame,
) -> None:
    base = _by_queue(_requirements(forecast, "queue"))
    strict = _by_queue(_requirements(forecast, "queue", STRICT_RTA_VOICE))
    assert base.index.equals(strict.index)
    assert set(base.index.get_level_values("queue")) == {
        "rta.ar",
        "rta.en",
        "itc.ar",
        "itc.en",
        "dha.ar",
    }
    mine = (base.index.get_level_values("channel") == "voice") & base.index.get_level_values(
        "queue"
    ).str.startswith("rta.")
    assert (strict[mine] >= base[mine]).all()
    assert strict[mine].sum() > base[mine].sum() * 1.05
    pd.testing.assert_series_equal(strict[~mine], base[~mine])


def test_a_stricter_entity_target_raises_a_channel_pool(forecast: pd.DataFrame) -> None:
    strict_itc = "[entities.itc.targets.voice]\nservice_level = 0.95\nanswer_within_s = 10\n"
    base = _by_queue(_requirements(forecast, "channel"))
    strict = _by_queue(_requirements(forecast, "channel", strict_itc))
    voice = base.index.get_level_values("channel") == "voice"
    assert set(base.index.get_level_values("queue")) == {"all"}
    assert (strict[voice] >= base[voice]).all()
    assert strict[voice].sum() > base[voice].sum()
    pd.testing.assert_series_equal(strict[~voice], base[~voice])
    # itc's target counts only where itc has contacts: none in these intervals
    quiet = forecast.copy()
    quiet.loc[(quiet["queue"].str.startswith("itc.")) & (quiet.index % 2 == 0), "volume"] = 0.0
    base_q = _by_queue(_requirements(quiet, "channel"))
    strict_q = _by_queue(_requirements(quiet, "channel", strict_itc))
    no_itc = (
        quiet[quiet["queue"].str.startswith("itc.")].groupby("interval_start")["volume"].sum() == 0
    )
    at = [("voice", "all", t) for t in no_itc[no_itc].index]
    assert len(at) > 10
    pd.testing.assert_series_equal(strict_q.loc[at], base_q.loc[at])


@pytest.mark.parametrize("pool", ["entity", "group", "channel"])
def test_pooled_requirements_between_the_strictest_member_and_the_silo_sum(
    forecast: pd.DataFrame, pool: str
) -> None:
    silo = _requirements(forecast, "queue", STRICT_RTA_VOICE)
    pooled = _requirements(forecast, pool, STRICT_RTA_VOICE)
    plan = plan_queues(forecast, targets_from_dict(_targets(pool)), _center(STRICT_RTA_VOICE))
    silo = silo.assign(
        pool=[plan.pool_of[(c, q)] for c, q in zip(silo["channel"], silo["queue"], strict=True)]
    )
    keys = ["channel", "pool", "interval_start"]
    total = silo.groupby(keys)["agents"].sum()
    strictest = silo.groupby(keys)["agents"].max()
    got = pooled.rename(columns={"queue": "pool"}).set_index(keys)["agents"]
    assert got.index.sort_values().equals(total.index.sort_values())
    assert (got <= total.loc[got.index]).all()
    assert (got >= strictest.loc[got.index]).all()
    # pooling saves agents somewhere (else the test would not tell the bounds apart)
    assert got.sum() < total.sum()
    expected_keys = {
        "entity": {"rta.*", "itc.*", "dha.*"},
        "group": {"group:transport", "dha.*"},
        "channel": {"all"},
    }[pool]
    assert set(pooled["queue"]) == expected_keys


def test_closed_days_of_an_entity_close_its_queues_only(forecast: pd.DataFrame) -> None:
    req = _requirements(forecast, "queue")
    day = req["interval_start"].dt.strftime("%Y-%m-%d")
    dha_voice = (req["queue"] == "dha.ar") & (req["channel"] == "voice")
    assert (req.loc[dha_voice & (day == "2026-12-08"), "agents"] == 0).all()
    assert (req.loc[dha_voice & (day == "2026-12-07"), "agents"] > 0).any()
    assert (req.loc[(req["queue"] == "itc.ar") & (day == "2026-12-08"), "agents"] > 0).any()


# --- evaluation -----------------------------------------------------------------------------


def _counts(req: pd.DataFrame) -> pd.DataFrame:
    per: pd.DataFrame = req.groupby(["channel", "interval_start"], as_index=False)[["agents"]].sum()
    return per


def test_channel_pool_queues_read_the_pool_wait_at_their_own_answer_time(
    forecast: pd.DataFrame,
) -> None:
    strict = STRICT_RTA_VOICE
    t = targets_from_dict(_targets("channel"))
    es = _center(strict)
    voice = forecast[forecast["channel"] == "voice"]
    scheduled = pd.DataFrame(
        {
            "channel": "voice",
            "interval_start": voice["interval_start"].drop_duplicates().to_numpy(),
            "agents": 18.0,
        }
    )
    frame = evaluate_queues(scheduled, voice, t, 30, entities=es)
    pooled = voice.groupby("interval_start")["volume"].sum()
    for queue, answer_within_s in [("rta.ar", 10.0), ("itc.en", 20.0), ("dha.ar", 20.0)]:
        rows = frame[frame["queue"] == queue].set_index("interval_start")
        expected = erlang_c(
            pooled.loc[rows.index].to_numpy(),
            300.0,
            np.full(len(rows), 18.0),
            interval_s=1800.0,
            answer_within_s=answer_within_s,
        )
        assert rows["service_level"].to_numpy() == pytest.approx(
            np.round(expected.service_level, 4), abs=1e-4
        )
        assert rows["asa_s"].to_numpy() == pytest.approx(np.round(expected.asa_s, 4), abs=1e-3)
    # the strict entity sees a lower service level on the same agents
    summary = summarize_service(frame, by="entity").set_index("entity")
    sl = summary["service_level"].astype(float)
    assert sl["rta"] < sl["itc"]
    assert summary.loc["rta", "target_service_level"] == 0.95
    assert summary.index[0] == "rta"  # worst gap first


def test_queue_pools_share_the_channel_agents_by_their_requirements(
    forecast: pd.DataFrame,
) -> None:
    t = targets_from_dict(_targets("queue"))
    es = _center()
    voice = forecast[forecast["channel"] == "voice"]
    req = compute_requirements(voice, t, 30, entities=es)
    scheduled = _counts(req)
    scheduled["agents"] = scheduled["agents"] * 0.9  # a roster a little short everywhere
    shares = split_scheduled(scheduled, req)
    total = shares.groupby("interval_start")["agents"].sum()
    assert total.to_numpy() == pytest.approx(
        scheduled.set_index("interval_start")["agents"].loc[total.index].to_numpy()
    )
    frame = evaluate_queues(scheduled, voice, t, 30, entities=es)
    # each queue: Erlang C on its own volume and its share of the agents
    row = frame[(frame["queue"] == "itc.ar")].iloc[30]
    need = req[(req["queue"] == "itc.ar") & (req["interval_start"] == row["interval_start"])]
    all_need = req[req["interval_start"] == row["interval_start"]]["agents"].sum()
    have = float(scheduled[scheduled["interval_start"] == row["interval_start"]]["agents"].iloc[0])
    share = have * float(need["agents"].iloc[0]) / all_need
    lo = np.floor(share)
    m_lo, m_hi = (
        erlang_c(row["volume"], 300.0, n, interval_s=1800.0, answer_within_s=20.0)
        for n in (lo, lo + 1)
    )
    frac = share - lo
    expected = (1 - frac) * float(m_lo.service_level) + frac * float(m_hi.service_level)
    assert row["agents"] == pytest.approx(share, abs=1e-4)
    assert row["service_level"] == pytest.approx(expected, abs=1e-4)
    # the requirements' own staffing meets every queue's target, per queue (on the day all
    # entities are open: on dha's closed day its forecast contacts find no agent)
    open_day = voice[voice["interval_start"] < pd.Timestamp("2026-12-08", tz=TZ)]
    full = evaluate_queues(_counts(req), open_day, t, 30, entities=es)
    per_queue = summarize_service(full, by="queue")
    assert (per_queue["gap"] >= 0).all(), per_queue


def test_summaries_weight_by_volume(forecast: pd.DataFrame) -> None:
    t = targets_from_dict(_targets("channel"))
    es = _center()
    req = compute_requirements(forecast, t, 30, entities=es)
    frame = evaluate_queues(_counts(req), forecast, t, 30, entities=es)
    by_channel = summarize_service(frame, by="channel").set_index("channel")
    voice = frame[(frame["channel"] == "voice") & frame["service_level"].notna()]
    expected = (voice["service_level"] * voice["volume"]).sum() / voice["volume"].sum()
    assert by_channel.loc["voice", "service_level"] == pytest.approx(expected, abs=1e-4)
    assert by_channel.loc["voice", "volume"] == pytest.approx(
        forecast[forecast["channel"] == "voice"]["volume"].sum()
    )
    by_queue = summarize_service(frame, by="queue")
    assert set(by_queue["queue"]) == {q.queue for q in es.queues()}
    assert set(summarize_service(frame, by="entity")["entity"]) == {"rta", "itc", "dha"}


# --- what-if of one entity's targets ----------------------------------------------------------


@pytest.mark.parametrize("pool", ["queue", "channel"])
def test_what_if_shows_one_entitys_effect_and_the_centers(
    forecast: pd.DataFrame, pool: str
) -> None:
    t = targets_from_dict(_targets(pool))
    before, after = _center(), _center(STRICT_RTA_VOICE)
    scheduled = _counts(compute_requirements(forecast, t, 30, entities=before))
    w = what_if(forecast, t, t, 30, scheduled, entities_before=before, entities_after=after)
    assert w.entities is not None and w.service_level is not None
    week = _table(w.week, "channel")
    assert week["voice"]["agent_h_after"] > week["voice"]["agent_h_before"]
    assert week["chat"]["agent_h_after"] == week["chat"]["agent_h_before"]
    ent = _table(w.entities, "entity")
    # every agent-hour is someone's: the entities add up to the center
    for when in ("before", "after"):
        assert sum(e[f"agent_h_{when}"] for e in ent.values()) == pytest.approx(
            w.week[f"agent_h_{when}"].sum(), abs=0.05
        )
    rta = ent["rta"]
    assert rta["agent_h_after"] > rta["agent_h_before"]
    if pool == "queue":  # staffed alone: the others' hours do not move
        for other in ("itc", "dha"):
            assert ent[other]["agent_h_after"] == ent[other]["agent_h_before"]
    # the same roster falls further short of rta's stricter target (voice 0.95, chat 0.80,
    # weighted by volume over its queues)
    assert 0.8 < rta["target_after"] < 0.95
    assert rta["service_level_after"] - rta["target_after"] < rta["service_level_before"] - 0.8
    if pool == "channel":  # one wait for all, read at rta's shorter answer time
        assert rta["service_level_after"] < rta["service_level_before"]
    else:  # the channel's agents follow the requirements: rta's rise takes from the others
        for other in ("itc", "dha"):
            assert ent[other]["service_level_after"] < ent[other]["service_level_before"]
    voice = _table(w.service_level, "channel")["voice"]
    assert 0.8 < voice["target_after"] < 0.95  # the queues' targets, weighted by volume
    if pool == "channel":
        assert voice["service_level_after"] < voice["service_level_before"]


def _table(frame: pd.DataFrame, key: str) -> dict[str, dict[str, float]]:
    """``{key value: {column: float}}`` of a summary frame."""
    return {
        str(row[key]): {str(c): float(v) for c, v in row.items() if c != key}
        for row in frame.to_dict("records")
    }


@pytest.mark.parametrize(("pool_queues", "pool"), [(True, "channel"), (False, "queue")])
def test_without_entities_pool_keys_match_the_legacy_switch(
    forecast: pd.DataFrame, pool_queues: bool, pool: str
) -> None:
    legacy = compute_requirements(
        forecast, targets_from_dict(_targets(pool_queues=pool_queues)), 30
    )
    keyed = compute_requirements(forecast, targets_from_dict(_targets(pool)), 30)
    pd.testing.assert_frame_equal(legacy, keyed)
    # without any key the channel is pooled, as before entities
    default = compute_requirements(forecast, targets_from_dict(_targets()), 30)
    assert set(default["queue"]) == {"all"}

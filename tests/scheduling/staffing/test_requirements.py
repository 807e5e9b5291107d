"""Forecast -> requirements: reading, pooling, the vectorised agent search, minimums, closures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scheduling.errors import InputError, TargetsError
from scheduling.staffing.requirements import (
    REQUIREMENT_COLUMNS,
    channel_metrics,
    compute_requirements,
    infer_interval_min,
    pool_forecast,
    read_forecast,
    required_agents,
)
from scheduling.staffing.targets import ChannelTargets, Targets, parse_opening_hours

VOICE_C = ChannelTargets(name="voice", model="erlang_c", service_level=0.8, answer_within_s=20)
VOICE_A = ChannelTargets(
    name="voice",
    model="erlang_a",
    service_level=0.8,
    answer_within_s=20,
    patience_s=120.0,
    max_occupancy=0.9,
    max_abandon_rate=0.05,
)
CHAT = ChannelTargets(
    name="chat",
    model="chat",
    service_level=0.8,
    answer_within_s=60,
    concurrency=3,
    handle_time_growth=0.15,
    max_occupancy=0.85,
)


def _brute_force(target: ChannelTargets, volume: float, aht: float) -> int:
    """Smallest N meeting every target, by trying N = 0, 1, 2, ... one at a time."""
    if volume == 0:
        return 0
    n = 0
    while True:
        m = channel_metrics(target, volume, aht, n, interval_s=1800.0)
        ok = (
            m.service_level >= target.service_level - 1e-12
            and m.occupancy <= target.max_occupancy + 1e-12
            and (target.max_abandon_rate is None or m.abandon_rate <= target.max_abandon_rate)
            and (target.max_asa_s is None or m.asa_s <= target.max_asa_s)
        )
        if ok:
            return n
        n += 1


def test_classic_example_needs_14_agents() -> None:
    # 13 agents give 79.6 % within 20 s, 14 give 88.8 %
    assert list(required_agents(VOICE_C, [100.0], [180.0], interval_s=1800.0)) == [14]


@pytest.mark.parametrize("target", [VOICE_C, VOICE_A, CHAT])
def test_vectorised_search_equals_brute_force(target: ChannelTargets) -> None:
    rng = np.random.default_rng(7)
    vol = np.concatenate([[0.0, 0.3, 1.0], rng.uniform(0, 600, 40), [3000.0]])
    aht = rng.uniform(60, 600, vol.size)
    got = required_agents(target, vol, aht, interval_s=1800.0)
    want = [_brute_force(target, float(v), float(a)) for v, a in zip(vol, aht, strict=True)]
    assert list(got) == want


def test_asa_cap_binds() -> None:
    capped = ChannelTargets(
        name="voice", model="erlang_c", service_level=0.5, answer_within_s=20, max_asa_s=5.0
    )
    n = required_agents(capped, [100.0], [180.0], interval_s=1800.0)
    assert float(channel_metrics(capped, 100, 180, n, interval_s=1800.0).asa_s[0]) <= 5.0
    assert float(channel_metrics(capped, 100, 180, n - 1, interval_s=1800.0).asa_s[0]) > 5.0


@settings(max_examples=30, deadline=None)
@given(vol=st.floats(0.0, 2000.0), aht=st.floats(30.0, 900.0), extra=st.floats(0.0, 500.0))
@example(vol=5.830160746236303e-194, aht=84.0, extra=1.0)
def test_more_volume_never_needs_fewer_agents(vol: float, aht: float, extra: float) -> None:
    n = required_agents(VOICE_A, [vol, vol + extra], [aht, aht], interval_s=1800.0)
    assert n[1] >= n[0]


def test_speed_path_handles_a_year_of_intervals() -> None:
    vol = np.tile(np.linspace(0, 400, 48), 365)
    n = required_agents(VOICE_A, vol, np.full(vol.size, 240.0), interval_s=1800.0)
    assert n.shape == vol.shape and n.dtype == np.int64 and n[0] == 0 and n.max() > 50


# --- reading and pooling ------------------------------------------------------------------------
def _csv(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "forecast.csv"
    p.write_text(text, encoding="utf-8")
    return p


HEADER = "channel,queue,interval_start,volume,volume_lo,volume_hi,aht_s,model\n"


def test_read_forecast_ok(tmp_path: Path) -> None:
    p = _csv(
        tmp_path,
        HEADER
        + "voice,a,2026-11-30T08:00:00+04:00,10,8,12,200,ets\n"
        + "voice,a,2026-11-30 08:30,0,0,0,,ets\n"
        + "voice,b,2026-11-30T04:00:00Z,5,4,6,100,ets\n",
    )
    f = read_forecast(p)
    assert list(f.columns[:5]) == ["channel", "queue", "interval_start", "volume", "aht_s"]
    assert str(f["interval_start"].dt.tz) == "Asia/Dubai"
    assert f["interval_start"].iloc[2] == pd.Timestamp("2026-11-30 08:00", tz="Asia/Dubai")
    assert infer_interval_min(f) == 30
    pooled = pool_forecast(f)
    first = pooled.iloc[0]
    assert first["queue"] == "all" and first["volume"] == 15
    assert first["aht_s"] == pytest.approx((10 * 200 + 5 * 100) / 15)


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("channel,interval_start,volume\nvoice,2026-11-30 08:00,1\n", "column 'aht_s'.*missing"),
        (HEADER + "voice,a,30/11/2026 08:00,1,1,1,200,m\n", "row 2, column 'interval_start'"),
        (
            HEADER + "voice,a,2026-11-30 08:00,-1,1,1,200,m\n",
            "row 2, column 'volume'.*-1 is not allowed; expected a number >= 0",
        ),
        (HEADER + "voice,a,2026-11-30 08:00,x,1,1,200,m\n", "row 2, column 'volume'.*number"),
        (HEADER + "voice,a,2026-11-30 08:00,3,1,1,,m\n", "row 2, column 'aht_s'"),
        (
            HEADER
            + "voice,a,2026-11-30 08:00,3,1,1,9,m\nvoice,a,2026-11-30T08:00+04:00,3,1,1,9,m\n",
            "row 3.*duplicate",
        ),
        ("", "empty"),
    ],
)
def test_read_forecast_errors(tmp_path: Path, body: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        read_forecast(_csv(tmp_path, body))


# --- compute_requirements -----------------------------------------------------------------------
def _forecast() -> pd.DataFrame:
    idx = pd.date_range("2026-11-30", periods=96, freq="30min", tz="Asia/Dubai")
    hour = idx.hour + idx.minute / 60
    shape = np.where((hour >= 8) & (hour < 20), 1.0, 0.2)
    rows = []
    for ch, q, base, aht in [
        ("voice", "residency", 60, 240),
        ("voice", "traffic", 40, 200),
        ("chat", "all", 30, 400),
        ("email", "all", 15, 500),
    ]:
        rows.append(
            pd.DataFrame(
                {
                    "channel": ch,
                    "queue": q,
                    "interval_start": idx,
                    "volume": base * shape,
                    "aht_s": float(aht),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _targets(pool: bool = True) -> Targets:
    chat = ChannelTargets(
        name="chat",
        model="chat",
        concurrency=3,
        answer_within_s=60,
        shrinkage=0.25,
        min_staff=1,
        opening_hours=parse_opening_hours("07:00-23:00", where="t"),
    )
    email = ChannelTargets(
        name="email",
        model="deferred",
        service_level=0.9,
        respond_within_h=24,
        staffed_hours=parse_opening_hours("07:00-23:00", where="t"),
    )
    return Targets(channels=(VOICE_A, chat, email), pool_queues=pool)


def test_compute_requirements_contract() -> None:
    req = compute_requirements(_forecast(), _targets(), 30)
    assert list(req.columns) == REQUIREMENT_COLUMNS
    assert set(req["queue"]) == {"all"} and len(req) == 3 * 96
    voice = req[req["channel"] == "voice"]
    assert voice["volume"].iloc[20] == pytest.approx(100.0)
    assert (voice["service_level"] >= 0.8 - 1e-9).all()
    assert (voice["abandon_rate"] <= 0.05 + 1e-9).all()
    assert np.allclose(voice["staff"], voice["agents"])  # voice shrinkage 0
    chat = req[req["channel"] == "chat"]
    hours = chat["interval_start"].dt.hour
    closed = (hours < 7) | (hours >= 23)
    assert (chat.loc[closed, "agents"] == 0).all()
    assert (chat.loc[~closed, "agents"] >= 1).all()
    assert np.allclose(chat["staff"], np.ceil(chat["agents"] / 0.75 * 100 - 1e-6) / 100)
    email = req[req["channel"] == "email"]
    assert (email.loc[(email["interval_start"].dt.hour < 7), "agents"] == 0).all()
    share = (email["service_level"] * email["volume"]).sum() / email["volume"].sum()
    assert share >= 0.9


def test_unpooled_and_unknown_channel() -> None:
    req = compute_requirements(_forecast(), _targets(pool=False), 30)
    assert set(req.loc[req["channel"] == "voice", "queue"]) == {"residency", "traffic"}
    f = _forecast()
    f.loc[0, "channel"] = "sms"
    with pytest.raises(TargetsError, match="'sms'"):
        compute_requirements(f, _targets(), 30)

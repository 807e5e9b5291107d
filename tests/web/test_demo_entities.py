"""The 50-entity demo center (issue #19): its entity file, its queues and its generated history.

Every test draws a short slice (days or weeks) or uses the noise-free expected values, so the
file stays fast; the full two-year history is drawn only by ``wfm demo``.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from web.demo.synthetic import (
    DEMO_AGENTS,
    DEMO_SPEC,
    DEMO_WEEK_END,
    DEMO_WEEK_START,
    expected_history,
    generate_demo_agents,
    generate_history,
    weekly_workload,
    write_demo_history,
)
from wfmcore.entities import read_entities

ARABIC = re.compile(r"[\u0600-\u06FF]")


def _series(*queues: str) -> tuple:  # type: ignore[type-arg]
    return tuple(s for s in DEMO_SPEC.series if s.queue in queues)


def test_entity_file_reads_with_the_entity_model(demo_data_dir: Path) -> None:
    entities = read_entities(demo_data_dir / "entities.toml")
    assert len(entities.active()) >= 50
    queues = entities.queue_frame()
    assert 250 <= len(queues) <= 350
    assert set(queues["channel"]) == {"voice", "chat", "whatsapp", "email"}
    assert set(queues["language"]) == {"ar", "en"}
    assert len(entities.groups) >= 5 and queues["group"].notna().all()
    for e in entities.entities:
        assert ARABIC.search(e.name_ar) and not ARABIC.search(e.name_en), e.id
    # large entities answer on every channel, small ones on voice and WhatsApp only
    assert entities.get("residency").channels == ("voice", "chat", "whatsapp", "email")
    assert entities.get("nuclear").channels == ("voice", "whatsapp")
    # overrides: stricter targets, government hours on voice, closed days
    assert entities.get("police").targets["voice"]["service_level"] == 0.90
    assert "opening_hours" in entities.get("notary").targets["voice"]
    assert entities.get("archives").closed_days
    # the generator draws exactly the file's queues
    drawn = {(s.channel, s.queue) for s in DEMO_SPEC.series}
    assert drawn == set(zip(queues["channel"], queues["queue"], strict=True))


def test_volumes_follow_a_long_tail() -> None:
    e = expected_history(DEMO_SPEC, DEMO_WEEK_START, DEMO_WEEK_START)  # a Monday
    per_queue = e.groupby(["channel", "queue"])["volume"].sum()
    per_entity = per_queue.groupby(per_queue.index.get_level_values("queue").str.split(".").str[0])
    totals = per_entity.sum().sort_values(ascending=False)
    top = totals.iloc[: max(1, round(len(totals) * 0.10))]
    assert top.sum() > 0.5 * totals.sum()  # the top 10 % of entities carry most contacts
    assert totals.iloc[0] > 3000 and totals.iloc[-1] < 100  # thousands a day .. tens a day
    small = per_queue[(per_queue >= 2) & (per_queue <= 50)]
    assert len(small) > len(per_queue) / 2  # most queues have 5-50 contacts a day (or fewer)


def test_closed_hours_and_closed_days_have_no_contacts() -> None:
    entities = read_entities(Path(__file__).parents[2] / "data" / "entities.toml")
    hours = entities.queue_hours()
    gov = _series("notary.ar", "notary.en", "archives.ar", "archives.en")
    spec = replace(DEMO_SPEC, series=gov)
    f = generate_history(spec, "2025-07-07", "2025-07-20", seed=3)  # archives closed 07-15
    assert f["offered"].sum() > 0
    for (channel, queue), rows in f.groupby(["channel", "queue"]):
        is_open = hours[(channel, queue)].is_open(pd.DatetimeIndex(rows["interval_start"]), 30)
        assert rows["offered"].to_numpy()[~is_open].sum() == 0, (channel, queue)
        if channel == "voice":
            assert (~is_open).sum() > len(rows) / 2  # government hours: closed most of the week
            assert rows["offered"].to_numpy()[is_open].sum() > 0
    local = f["interval_start"].dt.tz_localize(None)
    closed_day = f["queue"].str.startswith("archives.") & (local.dt.date == date(2025, 7, 15))
    assert closed_day.any() and f.loc[closed_day, "offered"].sum() == 0
    weekend = f["channel"].eq("voice") & local.dt.day_of_week.isin([5, 6])
    assert f.loc[weekend, "offered"].sum() == 0


def test_arabic_english_split_holds() -> None:
    f = generate_history(
        replace(
            DEMO_SPEC, series=_series("traffic.ar", "traffic.en", "residency.ar", "residency.en")
        ),
        "2025-03-01",
        "2025-03-28",
        seed=5,
    )
    drawn = f.groupby("queue")["offered"].sum()
    for entity in ("traffic", "residency"):
        specs = {s.language: s.workday_volume for s in DEMO_SPEC.series if s.entity == entity}
        ar = drawn[f"{entity}.ar"] / (drawn[f"{entity}.ar"] + drawn[f"{entity}.en"])
        assert ar == pytest.approx(specs["ar"] / (specs["ar"] + specs["en"]), abs=0.02)
    assert drawn["residency.en"] > drawn["residency.ar"]  # an expatriate-heavy entity


def test_entity_peaks_school_year_start() -> None:
    spec = replace(DEMO_SPEC, series=_series("education.ar", "municipality.ar"))
    e = expected_history(spec, date(2025, 8, 1), date(2025, 10, 31))
    day = e.assign(day=e["interval_start"].dt.tz_localize(None).dt.normalize())
    daily = day.groupby(["queue", "day"])["volume"].sum()

    def ratio(queue: str) -> float:
        q = daily[queue]
        return float(q["2025-08-25":"2025-09-05"].mean() / q["2025-10-06":"2025-10-17"].mean())

    assert ratio("education.ar") > 1.5 * ratio("municipality.ar")


def test_seeded_draw_is_reproducible() -> None:
    spec = replace(DEMO_SPEC, series=DEMO_SPEC.series[:6])
    a = generate_history(spec, "2026-01-04", "2026-01-05", seed=3)
    b = generate_history(spec, "2026-01-04", "2026-01-05", seed=3)
    c = generate_history(spec, "2026-01-04", "2026-01-05", seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a["offered"].equals(c["offered"])


def test_file_leaves_out_only_the_channels_closed_intervals(tmp_path: Path) -> None:
    series = _series("rta.ar", "notary.en")  # chat/whatsapp 07-23; notary voice government hours
    spec = replace(DEMO_SPEC, series=series)
    path = write_demo_history(tmp_path / "h.csv", spec, start="2026-03-02", end="2026-03-03")
    back = pd.read_csv(path, dtype={"interval_start": str})
    drawn = generate_history(spec, "2026-03-02", "2026-03-03", seed=20261130)
    hour = back["interval_start"].str[11:13].astype(int)
    chatty = back["channel"].isin(["chat", "whatsapp"])
    assert hour[chatty].between(7, 22).all()
    assert (back["channel"] == "voice").sum() == 2 * 2 * 48  # two voice queues, full grid
    assert back.loc[back["queue"].eq("notary.en"), "offered"].eq(0).sum() > 48  # zeros kept
    assert back["offered"].sum() == drawn["offered"].sum()  # nothing but zeros left out
    assert back[["channel", "queue"]].drop_duplicates().shape[0] == len(series)


def test_agents_cover_the_pooled_demo_week(demo_data_dir: Path) -> None:
    agents = pd.read_csv(demo_data_dir / "agents.csv", dtype=str, keep_default_na=False)
    assert len(agents) == DEMO_AGENTS >= 300
    expected = expected_history(DEMO_SPEC, DEMO_WEEK_START, DEMO_WEEK_END)
    need = weekly_workload(expected)
    # hours on the phones per channel skill (an agent with k skills counts 1/k on each)
    skills = agents["skills"].str.split(";")
    hours = agents["max_hours_week"].astype(float) * 7.5 / 8
    have = pd.Series(0.0, index=need.index)
    for s, h in zip(skills, hours, strict=True):
        for channel in s:
            have[channel] += h / len(s)
    assert 0.65 <= need.sum() / have.sum() <= 0.90
    assert (have >= 0.8 * need).all(), (have / need).round(2).to_dict()
    assert generate_demo_agents()[0]["agent_id"] == agents["agent_id"].iloc[0]
    assert np.isin(DEMO_WEEK_END.isoformat(), agents["unavailable"].str.split(";").explode())


def _entity_data_dir(
    folder: Path, demo_data_dir: Path, queues: tuple[str, ...] | None, start: str, agents: int
) -> Path:
    """A --data-dir of the 50-entity demo (or a slice of its queues and days)."""
    data = folder / "data"
    (data / "generated").mkdir(parents=True)
    for name in ("targets.toml", "rules.toml", "events.csv", "entities.toml"):
        (data / name).write_bytes((demo_data_dir / name).read_bytes())
    rows = (demo_data_dir / "agents.csv").read_text(encoding="utf-8").splitlines()
    (data / "agents.csv").write_text("\n".join(rows[: agents + 1]) + "\n", encoding="utf-8")
    spec = DEMO_SPEC if queues is None else replace(DEMO_SPEC, series=_series(*queues))
    write_demo_history(data / "generated" / "history.csv", spec, start=start)
    return data


def _run_demo(data: Path, out: Path, *extra: str) -> str:
    from click.testing import CliRunner

    from web.cli import cli

    args = ["demo", "--no-serve", "--data-dir", str(data), "-o", str(out), *extra]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output[-3000:]
    return str(result.output)


def test_demo_pipeline_on_a_slice_of_the_entity_center(tmp_path: Path, demo_data_dir: Path) -> None:
    """Forecast, staff and roster run on entity queues: WhatsApp, government hours, ar/en."""
    queues = ("rta.ar", "notary.ar")  # four channels; voice in government hours
    data = _entity_data_dir(tmp_path, demo_data_dir, queues, "2026-10-05", agents=30)
    out = tmp_path / "out"
    printed = _run_demo(data, out, "--origins", "1", "--jobs", "1", "--time-limit", "2")
    assert "rule check: 0 violation" in printed
    fc = pd.read_csv(out / "forecast.csv")
    assert set(fc["channel"]) == {"voice", "chat", "whatsapp", "email"}
    assert {(s.channel, s.queue) for s in _series(*queues)} == set(
        zip(fc["channel"], fc["queue"], strict=True)
    )
    # the notary's voice line keeps government hours: no volume forecast on the weekend
    stamps = pd.to_datetime(fc["interval_start"], utc=True).dt.tz_convert("Asia/Dubai")
    notary_weekend = fc["queue"].eq("notary.ar") & fc["channel"].eq("voice")
    notary_weekend &= stamps.dt.day_of_week.isin([5, 6])
    assert notary_weekend.any()
    assert (
        fc.loc[notary_weekend, "volume"].sum()
        < 0.05 * fc.loc[fc["queue"].eq("notary.ar") & fc["channel"].eq("voice"), "volume"].sum()
    )
    req = pd.read_csv(out / "requirements.csv")
    assert set(req["channel"]) == {"voice", "chat", "whatsapp", "email"}
    # the demo pools each channel across entities, explicitly (targets.toml), and says so
    assert set(req["queue"]) == {"all"}
    assert "pooling: voice channel" in printed.replace("=", " ") or "channel" in printed
    summary = json.loads((out / "roster.summary.json").read_text(encoding="utf-8"))
    assert set(summary["pooling"].values()) == {"channel"}


@pytest.mark.slow
def test_demo_pipeline_on_the_whole_entity_center(tmp_path: Path, demo_data_dir: Path) -> None:
    """``wfm demo --no-serve`` on all 320 queues and two years (about 10 minutes on 2 cores)."""
    data = _entity_data_dir(tmp_path, demo_data_dir, None, "2024-11-30", agents=DEMO_AGENTS)
    out = tmp_path / "out"
    printed = _run_demo(data, out, "--origins", "2", "--time-limit", "60")
    assert "rule check: 0 violation" in printed
    fc = pd.read_csv(out / "forecast.csv", usecols=["channel", "queue"])
    assert len(fc.drop_duplicates()) == len(DEMO_SPEC.series) == 320

"""``wfm staff --entities`` and ``wfm evaluate --entities`` on a 3-entity center (#19)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from web.cli import cli
from wfmcore.entities import parse_entities
from wfmcore.io import write_csv

TZ = "Asia/Dubai"
ENTITIES = """version = 1

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
channels = ["voice"]

[entities.dha.targets.voice]
service_level = 0.95
answer_within_s = 10
"""
TARGETS = """
[channels.voice]
model = "erlang_a"
pool = "queue"
service_level = 0.80
answer_within_s = 20
patience_s = 120
shrinkage = 0.2

[channels.chat]
model = "chat"
pool = "channel"
concurrency = 2
"""


@pytest.fixture()
def center(tmp_path: Path) -> dict[str, Path]:
    entities = tmp_path / "entities.toml"
    entities.write_text(ENTITIES, encoding="utf-8")
    targets = tmp_path / "targets.toml"
    targets.write_text(TARGETS, encoding="utf-8")
    starts = pd.date_range("2026-12-07", periods=48, freq="30min", tz=TZ)
    level = {"rta": 30.0, "itc": 6.0, "dha": 4.0}
    rows = [
        pd.DataFrame(
            {
                "channel": q.channel,
                "queue": q.queue,
                "interval_start": starts,
                "volume": level[q.entity] * (1.0 + 0.3 * np.sin(np.arange(48) / 6.0)),
                "aht_s": 280.0,
            }
        )
        for q in parse_entities(ENTITIES).queues()
    ]
    forecast = tmp_path / "forecast.csv"
    write_csv(pd.concat(rows, ignore_index=True), forecast)
    return {"entities": entities, "targets": targets, "forecast": forecast}


def _run(*args: str | Path) -> tuple[int, str]:
    res = CliRunner().invoke(cli, [str(a) for a in args])
    return res.exit_code, res.output


def test_staff_then_evaluate_per_entity(tmp_path: Path, center: dict[str, Path]) -> None:
    req_csv = tmp_path / "req.csv"
    code, out = _run(
        "staff",
        center["forecast"],
        "--targets",
        center["targets"],
        "--entities",
        center["entities"],
        "-o",
        req_csv,
    )
    assert code == 0, out
    assert "pooling: voice: pool = queue (each queue staffed alone" in out
    assert "pooling: chat: pool = channel (every queue of the channel pooled" in out
    req = pd.read_csv(req_csv)
    assert set(req.loc[req["channel"] == "voice", "queue"]) == {
        "rta.ar",
        "rta.en",
        "itc.ar",
        "itc.en",
        "dha.ar",
    }
    assert set(req.loc[req["channel"] == "chat", "queue"]) == {"all"}
    # dha's stricter target: more agents per contact than itc, which has more contacts
    voice = req[req["channel"] == "voice"]
    agents = voice.groupby("queue")["agents"].sum().astype(float)
    volume = voice.groupby("queue")["volume"].sum().astype(float)
    assert volume["dha.ar"] < volume["itc.ar"]
    assert agents["dha.ar"] / volume["dha.ar"] > 1.2 * agents["itc.ar"] / volume["itc.ar"]

    counts = tmp_path / "counts.csv"
    req.groupby(["channel", "interval_start"], as_index=False)[["staff"]].sum().rename(
        columns={"staff": "agents"}
    ).to_csv(counts, index=False)
    ev_csv = tmp_path / "ev.csv"
    code, out = _run(
        "evaluate",
        counts,
        "--forecast",
        center["forecast"],
        "--targets",
        center["targets"],
        "--entities",
        center["entities"],
        "--by",
        "entity",
        "--by",
        "queue",
        "-o",
        ev_csv,
    )
    assert code == 0, out
    assert "per entity" in out and "per queue" in out and "per day" not in out
    assert "Health Authority" in out
    ev = pd.read_csv(ev_csv)
    assert {"entity", "pool", "target_service_level"} <= set(ev.columns)
    dha = ev[ev["queue"] == "dha.ar"]
    assert (dha["target_service_level"] == 0.95).all()
    # the printed per-queue figure is the volume-weighted mean of the written rows
    ok = dha["service_level"].notna()
    expected = (dha["service_level"] * dha["volume"])[ok].sum() / dha["volume"][ok].sum()
    line = next(x for x in out.splitlines() if "dha.ar" in x)
    assert f"{expected:.4f}" in line.split() and float(line.split()[4]) >= 0.95


@pytest.mark.parametrize("verb", ["staff", "evaluate"])
def test_a_bad_entity_override_exits_2_naming_line_entity_and_key(
    tmp_path: Path, center: dict[str, Path], verb: str
) -> None:
    text = ENTITIES.replace("service_level = 0.95", "service_level = 95")
    center["entities"].write_text(text, encoding="utf-8")
    line = text.splitlines().index("service_level = 95") + 1
    out_csv = tmp_path / "out.csv"
    counts = tmp_path / "counts.csv"
    counts.write_text("channel,interval_start,agents\nvoice,2026-12-07T00:00:00+04:00,3\n")
    args: list[str | Path] = (
        ["staff", center["forecast"]]
        if verb == "staff"
        else ["evaluate", counts, "--forecast", center["forecast"]]
    )
    code, out = _run(
        *args, "--targets", center["targets"], "--entities", center["entities"], "-o", out_csv
    )
    assert code == 2, out
    assert (
        f"{center['entities']}:{line}: entity 'dha', key 'targets.voice.service_level': "
        "must be a share in (0, 1], got 95" in out
    )
    assert "Traceback" not in out and not out_csv.exists()


def test_by_needs_entities(center: dict[str, Path], tmp_path: Path) -> None:
    counts = tmp_path / "counts.csv"
    counts.write_text("channel,interval_start,agents\nvoice,2026-12-07T00:00:00+04:00,3\n")
    code, out = _run(
        "evaluate",
        counts,
        "--forecast",
        center["forecast"],
        "--targets",
        center["targets"],
        "--by",
        "entity",
    )
    assert code == 2 and "--by: needs --entities" in out

"""`wfm forecast --entities --levels`: a reconciled forecast of every level (#19)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from web.cli import cli
from wfmcore.io import write_csv

ENTITIES = """\
version = 1
[entities.rta]
name_en = "Roads and Transport Authority"
name_ar = "هيئة الطرق والمواصلات"
languages = ["ar", "en"]
channels = ["voice", "chat"]
[entities.dewa]
name_en = "Electricity and Water"
name_ar = "هيئة الكهرباء والمياه"
languages = ["ar", "en"]
channels = ["voice", "chat"]
opening_hours = "08:00-18:00"
[entities.tiny]
name_en = "A small entity"
name_ar = "جهة صغيرة"
languages = ["ar"]
channels = ["voice"]
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("entities")
    ds = pd.date_range("2026-01-04", periods=4 * 7 * 48, freq="30min", tz="Asia/Dubai")
    hour = np.asarray(ds.hour + ds.minute / 60)
    shape = np.where((hour >= 7) & (hour < 22), np.exp(-(((hour - 13) / 4) ** 2)), 0.0)
    rng = np.random.default_rng(5)
    frames = []
    for entity, langs, channels, scale in (
        ("rta", ("ar", "en"), ("voice", "chat"), 10.0),
        ("dewa", ("ar", "en"), ("voice", "chat"), 3.0),
        ("tiny", ("ar",), ("voice",), 0.3),
    ):
        for lang in langs:
            for channel in channels:
                frames.append(
                    pd.DataFrame(
                        {
                            "channel": channel,
                            "queue": f"{entity}.{lang}",
                            "interval_start": ds,
                            "offered": rng.poisson(scale * shape).astype(float),
                        }
                    )
                )
    history = folder / "history.csv"
    write_csv(pd.concat(frames, ignore_index=True), history)
    entities = folder / "entities.toml"
    entities.write_text(ENTITIES, encoding="utf-8")
    return history, entities


def test_forecast_with_entities_writes_coherent_levels(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    history, entities = files
    out, levels_csv = tmp_path / "forecast.csv", tmp_path / "levels.csv"
    result = CliRunner().invoke(
        cli,
        [
            "forecast", str(history), "-o", str(out), "--days", "2", "--origins", "2",
            "--models", "seasonal_naive,seasonal_avg", "--entities", str(entities),
            "--levels", str(levels_csv),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "reconciled by " in result.output and "levels.csv" in result.output
    fc = pd.read_csv(out)
    assert fc.groupby(["channel", "queue"]).ngroups == 9
    levels = pd.read_csv(levels_csv)
    assert set(levels["level"]) == {"queue", "entity", "channel", "center"}
    volume = levels.pivot_table(index="interval_start", columns=["level", "key"], values="volume")
    center = volume[("center", "all")]
    np.testing.assert_allclose(volume["queue"].sum(axis=1), center, atol=1e-6)
    np.testing.assert_allclose(volume["entity"].sum(axis=1), center, atol=1e-6)
    np.testing.assert_allclose(volume["channel"].sum(axis=1), center, atol=1e-6)
    np.testing.assert_allclose(
        volume["queue"][["voice/dewa.ar", "voice/dewa.en", "chat/dewa.ar", "chat/dewa.en"]].sum(
            axis=1
        ),
        volume[("entity", "dewa")],
        atol=1e-6,
    )
    # dewa's own hours close its queues from 18:00, even though its history has contacts then
    late = fc[fc["interval_start"].str.slice(11, 16).isin(["19:00", "20:00"])]
    assert (late[late["queue"].str.startswith("dewa.")]["volume"] == 0).all()
    assert (late[late["queue"] == "rta.ar"]["volume"] > 0).any()
    methods = pd.read_csv(out.with_name("forecast.reconciliation.csv"))
    assert int(methods["selected"].sum()) == 1


def test_levels_without_entities_is_a_usage_error(files: tuple[Path, Path], tmp_path: Path) -> None:
    history, _ = files
    result = CliRunner().invoke(
        cli,
        ["forecast", str(history), "-o", str(tmp_path / "f.csv"), "--levels", "x.csv"],
    )
    assert result.exit_code == 2
    assert "--levels needs --entities" in result.output
    assert "Traceback" not in result.output

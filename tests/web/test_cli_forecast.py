"""`wfm forecast` end to end on a small slice of demo data."""

from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from web.cli import cli
from wfmcore.io import write_csv


@pytest.fixture(scope="module")
def slice_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from web.demo.synthetic import SMALL_SPEC, generate_history

    spec = replace(SMALL_SPEC, series=(SMALL_SPEC.series[2], SMALL_SPEC.series[3]))  # voice, chat
    frame = generate_history(spec, date(2026, 9, 1), date(2026, 11, 29), seed=3)
    path = tmp_path_factory.mktemp("fc") / "history.csv"
    write_csv(frame, path)
    return path


def test_forecast_end_to_end(slice_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "forecast.csv"
    targets = tmp_path / "targets.toml"
    targets.write_text('[channels.chat]\nopening_hours = "08:00-22:00"\n', encoding="utf-8")
    overrides = tmp_path / "overrides.csv"
    overrides.write_text(
        "channel,queue,start,end,action,value,note\n"
        "voice,general,2026-12-01T09:00,2026-12-01T10:00,multiply,1.2,SMS\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli,
        [
            "forecast", str(slice_csv), "-o", str(out), "--days", "3", "--origins", "2",
            "--models", "seasonal_avg,calendar", "--targets", str(targets),
            "--overrides", str(overrides), "--plots", str(tmp_path / "plots"), "--quiet",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    fc = pd.read_csv(out)
    assert list(fc.columns)[:8] == [
        "channel", "queue", "interval_start", "volume", "volume_lo", "volume_hi", "aht_s", "model",
    ]  # fmt: skip
    assert len(fc) == 2 * 3 * 48
    assert fc["interval_start"].iloc[0] == "2026-11-30T00:00:00+04:00"
    assert (fc["volume"] >= 0).all()
    chat = fc[fc["channel"] == "chat"]
    hour = chat["interval_start"].str[11:13].astype(int)
    assert (chat.loc[(hour < 8) | (hour >= 22), "volume"] == 0).all()
    assert (fc["override"].fillna("") != "").sum() == 2
    assert fc["aht_s"].between(100, 1500).all()
    acc = pd.read_csv(tmp_path / "forecast.accuracy.csv")
    assert acc["selected"].sum() == 2
    assert {"wape", "mase", "bias", "coverage80", "wape_ratio"} <= set(acc.columns)
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == [
        "chat_all.png",
        "voice_general.png",
    ]
    assert result.output == ""


def test_forecast_prints_a_table(slice_csv: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["forecast", str(slice_csv), "-o", str(tmp_path / "f.csv"), "--days", "1",
         "--origins", "1", "--models", "seasonal_avg"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "voice/general" in result.output and "WAPE" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--models", "prophet"], "unknown model"),
        (["--start", "2026-10-01"], "inside the history"),
        (["--country", "XX"], "country"),
    ],
)
def test_bad_options_exit_2_with_a_clean_message(
    slice_csv: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "f.csv"
    result = CliRunner().invoke(cli, ["forecast", str(slice_csv), "-o", str(out), *args])
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_bad_history_file(tmp_path: Path) -> None:
    bad = tmp_path / "h.csv"
    bad.write_text("interval_start,offered\n2026-11-01T00:00,abc\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["forecast", str(bad), "-o", str(tmp_path / "f.csv")])
    assert result.exit_code == 2
    assert "error:" in result.output


def test_column_mapping_reads_other_exports(slice_csv: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(slice_csv)
    frame = frame[frame["channel"] == "voice"].rename(
        columns={"interval_start": "Start Time", "offered": "Calls"}
    )
    other = tmp_path / "export.csv"
    frame.to_csv(other, index=False)
    out = tmp_path / "f.csv"
    args = ["forecast", str(other), "-o", str(out), "--days", "1", "--origins", "1",
            "--models", "seasonal_avg", "--quiet",
            "--column", "Start Time=interval_start", "--column", "Calls=offered"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 48
    bad = CliRunner().invoke(cli, [*args[:-4], "--column", "Calls"])
    assert bad.exit_code == 2 and "FILE_NAME=NAME" in bad.output

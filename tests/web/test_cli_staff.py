"""``wfm staff`` and ``wfm evaluate`` end to end on files."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from scheduling.staffing.targets import load_targets
from web.cli import cli
from wfmcore.io import write_csv

TZ = "Asia/Dubai"


@pytest.fixture()
def forecast_csv(tmp_path: Path) -> Path:
    idx = pd.date_range("2026-11-30", periods=96, freq="30min", tz=TZ)
    hour = idx.hour + idx.minute / 60
    day = (hour >= 7) & (hour < 23)
    rows = []
    for ch, q, base, aht in [
        ("voice", "residency", 50, 240),
        ("voice", "traffic", 30, 200),
        ("chat", "all", 25, 400),
        ("email", "all", 10, 500),
    ]:
        vol = np.where(day, base, base * 0.1)
        if ch == "chat":
            vol = np.where(day, vol, 0.0)  # forecasting zeroes closed intervals
        rows.append(
            pd.DataFrame(
                {
                    "channel": ch,
                    "queue": q,
                    "interval_start": idx,
                    "volume": vol,
                    "volume_lo": vol * 0.9,
                    "volume_hi": vol * 1.1,
                    "aht_s": float(aht),
                    "model": "test",
                }
            )
        )
    path = tmp_path / "forecast.csv"
    write_csv(pd.concat(rows, ignore_index=True), path)
    return path


@pytest.fixture()
def targets_toml(repo_root: Path) -> Path:
    return repo_root / "data" / "targets.toml"


def test_staff_then_evaluate(tmp_path: Path, forecast_csv: Path, targets_toml: Path) -> None:
    runner = CliRunner()
    req_path = tmp_path / "requirements.csv"
    res = runner.invoke(
        cli, ["staff", str(forecast_csv), "--targets", str(targets_toml), "-o", str(req_path)]
    )
    assert res.exit_code == 0, res.output
    assert "voice" in res.output and "staff_hours" in res.output
    req = pd.read_csv(req_path)
    assert list(req.columns) == [
        "channel",
        "queue",
        "interval_start",
        "volume",
        "aht_s",
        "agents",
        "staff",
        "service_level",
        "asa_s",
        "occupancy",
        "abandon_rate",
    ]
    assert set(req["channel"]) == {"voice", "chat", "email"}
    assert req["interval_start"].iloc[0].endswith("+04:00")
    voice = req[req["channel"] == "voice"]
    assert (voice["agents"] >= 2).all() and (voice["service_level"] >= 0.8).all()
    present = 1 - load_targets(targets_toml)["voice"].shrinkage
    assert np.allclose(voice["staff"], np.ceil(voice["agents"] / present * 100 - 1e-6) / 100)

    # rostered agents on the phones = staff; the queue gets staff x (1 - shrinkage) >= agents
    counts = tmp_path / "counts.csv"
    req[["channel", "interval_start", "staff"]].rename(columns={"staff": "agents"}).to_csv(
        counts, index=False
    )
    out = tmp_path / "evaluation.csv"
    res = runner.invoke(
        cli,
        [
            "evaluate",
            str(counts),
            "--forecast",
            str(forecast_csv),
            "--targets",
            str(targets_toml),
            "-o",
            str(out),
            "--simulate",
            "--replications",
            "3",
            "--seed",
            "1",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "per day" in res.output and "per week" in res.output
    ev = pd.read_csv(out)
    assert {"service_level", "sim_service_level", "sim_service_level_hw"} <= set(ev.columns)
    v = ev[ev["channel"] == "voice"]
    assert (v["service_level"] >= 0.8 - 1e-4).all()
    assert v["sim_service_level"].mean() > 0.7


def test_evaluate_a_roster(tmp_path: Path, forecast_csv: Path, targets_toml: Path) -> None:
    rows = []
    for i in range(12):
        rows.append(
            (f"a{i}", "work", "voice", "2026-11-30T07:00:00+04:00", "2026-11-30T11:00:00+04:00")
        )
        rows.append(
            (f"a{i}", "break", "", "2026-11-30T11:00:00+04:00", "2026-11-30T11:15:00+04:00")
        )
        rows.append(
            (f"a{i}", "work", "voice", "2026-11-30T11:15:00+04:00", "2026-11-30T16:00:00+04:00")
        )
    roster = pd.DataFrame(rows, columns=["agent_id", "activity", "channel", "start", "end"])
    roster.insert(1, "date", "2026-11-30")
    path = tmp_path / "roster.csv"
    roster.to_csv(path, index=False)
    out = tmp_path / "ev.csv"
    res = CliRunner().invoke(
        cli,
        [
            "evaluate",
            str(path),
            "--forecast",
            str(forecast_csv),
            "--targets",
            str(targets_toml),
            "-o",
            str(out),
            "--quiet",
        ],
    )
    assert res.exit_code == 0, res.output
    assert res.output == ""
    ev = pd.read_csv(out)
    v = ev[ev["channel"] == "voice"].set_index("interval_start")
    assert v.loc["2026-11-30T11:00:00+04:00", "agents"] == pytest.approx(6.0)
    assert v.loc["2026-11-30T08:00:00+04:00", "agents"] == pytest.approx(12.0)
    assert v.loc["2026-11-30T03:00:00+04:00", "agents"] == 0.0
    chat = ev[ev["channel"] == "chat"]
    assert (chat["agents"] == 0).all()


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda d: d / "missing.csv", "missing.csv.*not found"),
        (lambda d: _write(d, "channel,interval_start\nvoice,2026-11-30\n"), "column 'volume'"),
        (
            lambda d: _write(
                d,
                "channel,queue,interval_start,volume,aht_s\n"
                "sms,all,2026-11-30 08:00,1,100\nsms,all,2026-11-30 08:30,1,100\n",
            ),
            "no targets for channel",
        ),
    ],
)
def test_staff_errors_exit_2(
    tmp_path: Path, targets_toml: Path, make: Callable[[Path], Path], match: str
) -> None:
    res = CliRunner().invoke(
        cli,
        [
            "staff",
            str(make(tmp_path)),
            "--targets",
            str(targets_toml),
            "-o",
            str(tmp_path / "r.csv"),
        ],
    )
    assert res.exit_code == 2
    assert "error:" in res.output
    assert re.search(match, res.output), res.output
    assert not (tmp_path / "r.csv").exists()


def test_bad_targets_exit_2(tmp_path: Path, forecast_csv: Path) -> None:
    bad = tmp_path / "t.toml"
    bad.write_text('[channels.voice]\nmodel = "erlang_c"\nservice_level = 80\n')
    res = CliRunner().invoke(
        cli, ["staff", str(forecast_csv), "--targets", str(bad), "-o", str(tmp_path / "r.csv")]
    )
    assert res.exit_code == 2
    assert "service_level" in res.output


def _write(folder: Path, text: str) -> Path:
    path = folder / "f.csv"
    path.write_text(text, encoding="utf-8")
    return path


# --- issue #18: closed intervals, a forecast without AHT, a night shift past the forecast ------
def _invoke(args: list[str | Path]) -> object:
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_staff_writes_no_negative_zero(
    tmp_path: Path, forecast_csv: Path, targets_toml: Path
) -> None:
    """Chat is closed at night (volume 0, no agents): its staff is written 0.0, not -0.0."""
    out = tmp_path / "req.csv"
    res = CliRunner().invoke(
        cli, ["staff", str(forecast_csv), "--targets", str(targets_toml), "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert "-0.0" not in text and ",-0," not in text
    req = pd.read_csv(out)
    closed = req[(req["channel"] == "chat") & (req["volume"] == 0)]
    assert len(closed) > 0 and (closed["staff"] == 0).all()


def test_staff_without_aht_names_the_fix_and_aht_supplies_it(
    tmp_path: Path, forecast_csv: Path, targets_toml: Path
) -> None:
    """A forecast with an empty aht_s (from a history without AHT) names --aht, which works."""
    fc = pd.read_csv(forecast_csv)
    fc.loc[fc["channel"] == "voice", "aht_s"] = np.nan
    no_aht = tmp_path / "no_aht.csv"
    fc.to_csv(no_aht, index=False)
    out = tmp_path / "req.csv"
    base: list[str | Path] = ["staff", no_aht, "--targets", targets_toml, "-o", out]
    res = CliRunner().invoke(cli, [str(a) for a in base])
    assert res.exit_code == 2, res.output
    assert "no_aht.csv" in res.output and "column 'aht_s'" in res.output
    assert "--aht SECONDS" in res.output
    assert not out.exists()
    res = CliRunner().invoke(cli, [str(a) for a in [*base, "--aht", "240"]])
    assert res.exit_code == 0, res.output
    req = pd.read_csv(out)
    voice = req[req["channel"] == "voice"]
    assert (voice["aht_s"] == 240.0).all()  # the assumed AHT where the forecast had none
    chat = req[(req["channel"] == "chat") & (req["volume"] > 0)]
    assert (chat["aht_s"] == 400.0).all()  # the forecast's own AHT is kept
    res = CliRunner().invoke(cli, [str(a) for a in [*base, "--aht", "0"]])
    assert res.exit_code == 2 and "--aht" in res.output


def test_evaluate_a_night_shift_ending_after_the_forecast(
    tmp_path: Path, forecast_csv: Path, targets_toml: Path
) -> None:
    """The last night's shift runs into the next day: the part inside is evaluated, with a note."""
    rows = [
        ("a1", "work", "voice", "2026-12-01T20:00:00+04:00", "2026-12-02T00:00:00+04:00"),
        ("a1", "break", "", "2026-12-02T00:00:00+04:00", "2026-12-02T00:15:00+04:00"),
        ("a1", "work", "voice", "2026-12-02T00:15:00+04:00", "2026-12-02T05:00:00+04:00"),
        ("a2", "work", "voice", "2026-12-01T22:00:00+04:00", "2026-12-02T02:00:00+04:00"),
    ]
    roster = pd.DataFrame(rows, columns=["agent_id", "activity", "channel", "start", "end"])
    roster.insert(1, "date", "2026-12-01")
    path = tmp_path / "roster.csv"
    roster.to_csv(path, index=False)
    out = tmp_path / "ev.csv"
    res = CliRunner().invoke(
        cli,
        ["evaluate", str(path), "--forecast", str(forecast_csv)]
        + ["--targets", str(targets_toml), "-o", str(out)],
    )
    assert res.exit_code == 0, res.output
    # a1: 4 h 45 min after midnight, a2: 2 h = 405 minutes left out, in rows 4 and 5
    assert "405 minutes of work in 2 row(s) (first: row 4)" in res.output
    assert "roster.csv" in res.output and "left out of the evaluation" in res.output
    ev = pd.read_csv(out)
    voice = ev[ev["channel"] == "voice"].set_index("interval_start")
    assert voice.loc["2026-12-01T21:00:00+04:00", "agents"] == pytest.approx(1.0)
    assert voice.loc["2026-12-01T23:30:00+04:00", "agents"] == pytest.approx(2.0)
    assert ev["interval_start"].max() == "2026-12-01T23:30:00+04:00"


def test_evaluate_refuses_a_roster_with_no_work_inside_the_forecast(
    tmp_path: Path, forecast_csv: Path, targets_toml: Path
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "agent_id,date,activity,channel,start,end\n"
        "a1,2026-12-03,work,voice,2026-12-03T08:00:00+04:00,2026-12-03T16:00:00+04:00\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        cli,
        ["evaluate", str(path), "--forecast", str(forecast_csv), "--targets", str(targets_toml)],
    )
    assert res.exit_code == 2, res.output
    assert "roster.csv, row 2" in res.output and "no work inside the forecast" in res.output

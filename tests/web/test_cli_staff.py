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

"""Every opening-hours form gets the same verdict from ``wfm forecast`` and ``wfm staff``.

Both verbs read ``opening_hours`` from the same ``targets.toml`` through one grammar
(:mod:`wfmcore.opening_hours`): a form either works for both (exit 0) or fails for both (exit 2
with a message naming ``opening_hours``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from web.cli import cli
from wfmcore.io import write_csv

TZ = "Asia/Dubai"

# every form the README documents (Configuration, `opening_hours` syntax)
GOOD: list[tuple[str, Any]] = [
    ("always", "24/7"),
    ("always-24h", "24h"),
    ("closed", "closed"),
    ("one-range", "07:00-22:00"),
    ("end-24", "07:00-24:00"),
    ("overnight", "22:00-06:00"),
    ("comma-ranges", "07:00-12:00,14:00-20:00"),
    ("list", ["07:00-12:00", "14:00-20:00"]),
    ("table", {"mon": "07:00-22:00", "fri": ["07:00-12:00", "14:00-20:00"], "sat": "closed"}),
    ("table-default", {"default": "08:00-20:00", "fri": "closed"}),
    ("table-24-7", {"mon": "24/7"}),
    ("table-24h-comma", {"default": "24h", "fri": "07:00-11:30,14:00-23:00"}),
]
BAD: list[tuple[str, Any]] = [
    ("not-a-range", "7-22"),
    ("am-pm", "7am-5pm"),
    ("empty", ""),
    ("hour-25", "07:00-25:00"),
    ("start-24", "24:00-06:00"),
    ("empty-range", "08:00-08:00"),
    ("semicolons", "07:00-12:00;14:00-20:00"),
    ("closed-and-range", "closed,07:00-12:00"),
    ("number", 24),
    ("list-of-numbers", [7, 22]),
    ("unknown-day", {"monday": "07:00-22:00"}),
    ("day-number", {"mon": 7}),
    ("day-bad-range", {"fri": "7-9"}),
]


def toml_value(value: Any) -> str:
    """*value* as a TOML value (strings, numbers, lists and inline tables are all we need)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)


@pytest.fixture(scope="module")
def history_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three weeks of 30-minute voice history with a daily and a weekly shape."""
    idx = pd.date_range("2026-11-09", "2026-11-29 23:30", freq="30min", tz=TZ)
    hour = idx.hour + idx.minute / 60
    rng = np.random.default_rng(7)
    level = np.where((hour >= 7) & (hour < 22), 40.0, 4.0) * np.where(idx.day_of_week >= 5, 0.6, 1)
    offered = rng.poisson(level)
    frame = pd.DataFrame(
        {
            "channel": "voice",
            "queue": "all",
            "interval_start": idx,
            "offered": offered,
            "handled": offered,
            "aht_s": 240.0,
        }
    )
    path = tmp_path_factory.mktemp("oh") / "history.csv"
    write_csv(frame, path)
    return path


@pytest.fixture(scope="module")
def forecast_csv(history_csv: Path) -> Path:
    """A forecast of that history made without opening hours, for ``wfm staff``."""
    out = history_csv.with_name("forecast.csv")
    result = forecast(history_csv, None, out)
    assert result.exit_code == 0, result.output
    return out


def forecast(history: Path, targets: Path | None, out: Path) -> Result:
    args = ["forecast", str(history), "-o", str(out), "--days", "1", "--origins", "0"]
    args += ["--models", "seasonal_naive", "--quiet"]
    if targets is not None:
        args += ["--targets", str(targets)]
    return CliRunner().invoke(cli, args)


def staff(forecast_file: Path, targets: Path, out: Path) -> Result:
    args = ["staff", str(forecast_file), "--targets", str(targets), "-o", str(out), "--quiet"]
    return CliRunner().invoke(cli, args)


def targets_with(folder: Path, opening_hours: Any) -> Path:
    path = folder / "targets.toml"
    path.write_text(
        "[channels.voice]\n"
        'model = "erlang_c"\n'
        "service_level = 0.80\n"
        "answer_within_s = 20\n"
        f"opening_hours = {toml_value(opening_hours)}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("opening_hours", "ok"),
    [pytest.param(v, True, id=f"good-{n}") for n, v in GOOD]
    + [pytest.param(v, False, id=f"bad-{n}") for n, v in BAD],
)
def test_forecast_and_staff_give_the_same_verdict(
    tmp_path: Path, history_csv: Path, forecast_csv: Path, opening_hours: Any, ok: bool
) -> None:
    targets = targets_with(tmp_path, opening_hours)
    fc_out, req_out = tmp_path / "forecast.csv", tmp_path / "requirements.csv"
    results = {
        "forecast": forecast(history_csv, targets, fc_out),
        "staff": staff(forecast_csv, targets, req_out),
    }
    for verb, result in results.items():
        assert "Traceback" not in result.output, (verb, result.output)
        if ok:
            assert result.exit_code == 0, (verb, result.output)
        else:
            assert result.exit_code == 2, (verb, result.output)
            assert "error:" in result.output and "opening_hours" in result.output, (
                verb,
                result.output,
            )
    assert fc_out.exists() is ok and req_out.exists() is ok


def test_closed_intervals_are_zero_in_both(
    tmp_path: Path, history_csv: Path, forecast_csv: Path
) -> None:
    targets = targets_with(tmp_path, ["07:00-12:00", "14:00-20:00"])
    fc_out, req_out = tmp_path / "forecast.csv", tmp_path / "requirements.csv"
    assert forecast(history_csv, targets, fc_out).exit_code == 0
    assert staff(forecast_csv, targets, req_out).exit_code == 0
    hour = {
        name: pd.read_csv(path)["interval_start"].str[11:13].astype(int)
        for name, path in (("forecast", fc_out), ("staff", req_out))
    }
    closed_fc = ~hour["forecast"].between(7, 11) & ~hour["forecast"].between(14, 19)
    closed_req = ~hour["staff"].between(7, 11) & ~hour["staff"].between(14, 19)
    assert (pd.read_csv(fc_out).loc[closed_fc, "volume"] == 0).all()
    assert (pd.read_csv(req_out).loc[closed_req, "agents"] == 0).all()
    assert (pd.read_csv(req_out).loc[~closed_req, "agents"] > 0).all()

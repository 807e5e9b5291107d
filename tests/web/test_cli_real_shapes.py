"""Real-shaped files through the whole chain on the command line (issue #18).

forecast -> staff -> roster -> evaluate, each verb on the file the previous one wrote, for

1. a bank history with ``offered``, ``abandoned`` and ``aht_s`` but no ``handled`` column: the
   Anonymous Bank's January 1999 calls (shared data) imported with ``wfm history import-acd``,
   its ``handled`` column then dropped, as many exports give it; and the same without
   ``aht_s`` (the forecast has no AHT; ``wfm staff`` names ``--aht``, which supplies it);
3. a synthetic Avaya-style export in naive Paris time whose doubled autumn hour is merged into
   one row per interval, under the export's own column names.

(Case 2, the demo's own roster whose Sunday night shift ends on Monday, is in
tests/web/test_cli_chain.py.)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from tests.forecasting.naive_export import column_args, naive_export, true_intervals
from web.cli import cli

BANK_TZ = "Asia/Jerusalem"
BANK_QUEUE = "NE"  # a small queue: 1 560 calls in January, a handful of agents

TARGETS = """
[channels.voice]
model = "erlang_c"
service_level = 0.80
answer_within_s = 20
max_occupancy = 0.85
shrinkage = 0.10
"""

RULES = """
[week]
days_off = 2

[[shift]]
name = "early"
length_h = 8
starts = ["07:00-10:00"]
start_step_min = 60
lunch = { length_min = 30, earliest_min = 180, latest_min = 300 }

[[shift]]
name = "late"
length_h = 8
starts = ["14:00-16:00"]
start_step_min = 60
lunch = { length_min = 30, earliest_min = 180, latest_min = 300 }
"""

AGENTS = "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week\n" + "".join(
    f"A{i},Agent {i},voice,16,40,5\n" for i in range(1, 9)
)


def _wfm(args: Sequence[str | Path], code: int = 0) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def _center(folder: Path) -> dict[str, Path]:
    paths = {
        "targets": folder / "targets.toml",
        "rules": folder / "rules.toml",
        "agents": folder / "agents.csv",
    }
    paths["targets"].write_text(TARGETS, encoding="utf-8")
    paths["rules"].write_text(RULES, encoding="utf-8")
    paths["agents"].write_text(AGENTS, encoding="utf-8")
    return paths


def _chain(
    folder: Path, forecast: Path, center: dict[str, Path], tz: str, extra: Sequence[str] = ()
) -> dict[str, Result]:
    """Run wfm staff, roster, roster --check and evaluate on *forecast*; their results."""
    req, roster = folder / "requirements.csv", folder / "roster.csv"
    common = ["--targets", center["targets"], "--tz", tz]
    out = {"staff": _wfm(["staff", forecast, *common, "-o", req, *extra])}
    text = req.read_text(encoding="utf-8")
    assert "-0.0" not in text
    out["roster"] = _wfm(
        ["roster", req, "--agents", center["agents"], "--rules", center["rules"], *common]
        + ["-o", roster, "--time-limit", "3", "--seed", "0", "--quiet"]
    )
    out["check"] = _wfm(
        ["roster", "--check", roster, "--agents", center["agents"], "--rules", center["rules"]]
        + ["--tz", tz]
    )
    assert "0 violation(s)" in out["check"].output
    out["evaluate"] = _wfm(
        ["evaluate", roster, "--forecast", forecast, *common, "-o", folder / "ev.csv", *extra]
    )
    ev = pd.read_csv(folder / "ev.csv")
    busy = ev[ev["volume"] > 0]
    assert len(busy) and busy["service_level"].between(0.0, 1.0).all()
    assert (ev["agents"] > 0).any()
    return out


# ----------------------------------------------------------------------------------------------
# case 1: a bank history without `handled`
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> dict[str, Path]:
    """January 1999 of the Anonymous Bank, queue NE: with, without handled, without AHT."""
    folder = tmp_path_factory.mktemp("bank")
    raw = shared_data / "anonymous_bank_1999" / "raw" / "january.txt"
    imported = folder / "imported.csv"
    _wfm(["history", "import-acd", raw, "-o", imported, "--quiet"])
    history = pd.read_csv(imported, dtype={"interval_start": str})
    history = history[history["queue"] == BANK_QUEUE]
    keys = ["channel", "queue", "interval_start", "offered"]
    paths = {
        "full": folder / "full.csv",
        "no_handled": folder / "no_handled.csv",
        "no_aht": folder / "no_aht.csv",
    }
    history[[*keys, "handled", "abandoned", "aht_s"]].to_csv(paths["full"], index=False)
    history[[*keys, "abandoned", "aht_s"]].to_csv(paths["no_handled"], index=False)
    history[[*keys, "abandoned"]].to_csv(paths["no_aht"], index=False)
    return {**paths, **_center(folder), "folder": folder}


def _forecast(bank: dict[str, Path], name: str) -> tuple[Path, Result]:
    out = bank["folder"] / name / "forecast.csv"
    result = _wfm(
        ["forecast", bank[name], "-o", out, "--tz", BANK_TZ, "--days", "7", "--origins", "1"]
        + ["--targets", bank["targets"]]
    )
    return out, result


def test_bank_history_without_handled_runs_the_chain(bank: dict[str, Path]) -> None:
    forecast, result = _forecast(bank, "no_handled")
    assert f"voice/{BANK_QUEUE}: AHT weighted by offered minus abandoned" in result.output
    fc = pd.read_csv(forecast)
    busy = fc["volume"] > 0
    assert busy.sum() > 100 and (fc.loc[busy, "aht_s"] > 0).all()
    # the importer's offered is handled + abandoned: the same AHT as from the full history
    full, _ = _forecast(bank, "full")
    assert fc["aht_s"].to_numpy() == pytest.approx(pd.read_csv(full)["aht_s"].to_numpy())
    # the AHT's backtest accuracy beside the volume's, in the file and on the terminal
    accuracy = pd.read_csv(forecast.with_name("forecast.accuracy.csv"))
    selected = accuracy[accuracy["selected"]].iloc[0]
    assert 0.0 < selected["aht_wape"] < 1.0 and np.isfinite(selected["aht_bias"])
    assert "AHT WAPE" in result.output and f"{selected['aht_wape']:.3f}" in result.output
    chain = _chain(forecast.parent, forecast, bank, BANK_TZ)
    assert "per week" in chain["evaluate"].output


def test_bank_history_without_aht_says_so_and_staff_names_the_fix(
    bank: dict[str, Path],
) -> None:
    forecast, result = _forecast(bank, "no_aht")
    assert "the history has no aht_s, so the forecast has no AHT" in result.output
    assert pd.read_csv(forecast)["aht_s"].isna().all()
    req = forecast.with_name("requirements.csv")
    refused = _wfm(
        ["staff", forecast, "--targets", bank["targets"], "--tz", BANK_TZ, "-o", req], code=2
    )
    assert "column 'aht_s'" in refused.output and "--aht SECONDS" in refused.output
    assert not req.exists()
    _chain(forecast.parent, forecast, bank, BANK_TZ, extra=["--aht", "180"])
    staffed = pd.read_csv(req)
    assert (staffed.loc[staffed["volume"] > 0, "aht_s"] == 180.0).all()


# ----------------------------------------------------------------------------------------------
# case 3: a naive Paris export with the doubled autumn hour merged
# ----------------------------------------------------------------------------------------------
def test_naive_paris_export_with_merged_autumn_hour_runs_the_chain(tmp_path: Path) -> None:
    tz = "Europe/Paris"
    truth = true_intervals(tz, "2024-10-07", 35)  # five weeks around Sun 27 October
    export = naive_export(truth)
    history = tmp_path / "cms_export.csv"
    export.to_csv(history, index=False)
    center = _center(tmp_path)
    check = _wfm(["history", "check", history, "--tz", tz, *column_args()])
    assert "night of 2024-10-26 to 2024-10-27" in check.output
    assert "spread evenly" in check.output
    forecast = tmp_path / "forecast.csv"
    result = _wfm(
        ["forecast", history, "-o", forecast, "--tz", tz, *column_args()]
        + ["--days", "7", "--origins", "1", "--targets", center["targets"]]
    )
    assert "night of 2024-10-26 to 2024-10-27" in result.output
    fc = pd.read_csv(forecast)
    assert fc["interval_start"].iloc[0] == "2024-11-11T00:00:00+01:00"
    assert len(fc) == 7 * 48 and (fc["volume"] > 0).all() and (fc["aht_s"] > 0).all()
    chain = _chain(tmp_path, forecast, center, tz)
    assert "per week" in chain["evaluate"].output

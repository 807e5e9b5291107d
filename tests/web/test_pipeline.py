"""End-to-end: the whole pipeline (forecast → staff → roster → check) on a slice of the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from scheduling.roster.agents import read_agents
from scheduling.roster.check import check_roster
from scheduling.roster.io import read_roster
from scheduling.roster.rules import load_rules
from web.cli import cli
from web.pipeline import PipelineInputs, run_pipeline


@pytest.fixture(scope="module")
def small_center(
    tmp_path_factory: pytest.TempPathFactory, demo_history_csv: Path, demo_data_dir: Path
) -> dict[str, Path]:
    """The last two years of demo history (two National Days) and the first 40 demo agents."""
    folder = tmp_path_factory.mktemp("center")
    raw = pd.read_csv(demo_history_csv, dtype={"interval_start": str})
    keep = raw["interval_start"] >= "2024-10-01"
    history = folder / "history.csv"
    raw[keep].to_csv(history, index=False)
    agents = pd.read_csv(demo_data_dir / "agents.csv", dtype=str, keep_default_na=False)
    agents_csv = folder / "agents.csv"
    agents.head(40).to_csv(agents_csv, index=False)
    return {
        "history": history,
        "agents": agents_csv,
        "targets": demo_data_dir / "targets.toml",
        "rules": demo_data_dir / "rules.toml",
        "events": demo_data_dir / "events.csv",
        "out": folder / "out",
    }


@pytest.fixture(scope="module")
def result(small_center: dict[str, Path]):  # type: ignore[no-untyped-def]
    inputs = PipelineInputs(
        history_csv=small_center["history"],
        targets_toml=small_center["targets"],
        agents_csv=small_center["agents"],
        rules_toml=small_center["rules"],
        events_csv=small_center["events"],
        out_dir=small_center["out"],
        origins=2,
        time_limit_s=8,
    )
    return run_pipeline(inputs)


def test_every_file_written(result) -> None:  # type: ignore[no-untyped-def]
    for name, path in result.files.items():
        assert path.is_file(), name
        assert path.stat().st_size > 0, name
    # no temporary files left behind
    assert not list(result.files["roster"].parent.glob(".*.tmp"))


def test_forecast_is_the_week_after_the_history(result) -> None:  # type: ignore[no-untyped-def]
    fc = pd.read_csv(result.files["forecast"])
    stamps = pd.to_datetime(fc["interval_start"], utc=True).dt.tz_convert("Asia/Dubai")
    assert stamps.min() == pd.Timestamp("2026-11-30 00:00", tz="Asia/Dubai")
    assert stamps.max() == pd.Timestamp("2026-12-06 23:30", tz="Asia/Dubai")
    assert (fc["volume"] >= 0).all()
    # chat is closed 23:00-07:00 in targets.toml: zero forecast, zero requirement
    chat = fc[fc["channel"] == "chat"]
    hour = stamps[chat.index].dt.hour
    assert (chat.loc[(hour < 7) | (hour >= 23), "volume"] == 0).all()
    req = result.requirements
    closed = req[(req["channel"] == "chat") & (req["interval_start"].dt.hour < 7)]
    assert (closed["agents"] == 0).all()


def test_national_day_needs_fewer_voice_agents(result) -> None:  # type: ignore[no-untyped-def]
    req = result.requirements
    voice = req[req["channel"] == "voice"]
    per_day = voice.groupby(voice["interval_start"].dt.date)["agents"].sum()
    import datetime as dt

    assert per_day[dt.date(2026, 12, 2)] < 0.6 * per_day[dt.date(2026, 11, 30)]


def test_roster_passes_the_independent_checker(result, small_center) -> None:  # type: ignore[no-untyped-def]
    roster = read_roster(result.files["roster"])
    agents = read_agents(small_center["agents"]).agents
    rules = load_rules(small_center["rules"])
    assert len(roster) > 0
    assert check_roster(roster, agents, rules, list(result.roster.dates)) == []
    summary = json.loads(result.files["summary"].read_text(encoding="utf-8"))
    assert summary["status"] in {"optimal", "feasible"}
    # 40 agents cannot cover a 120-agent center: shortage is reported, not an error
    assert result.roster.coverage["gap"].min() < 0
    week_sl = result.roster.summary.expected_service_level_week
    assert week_sl is not None and set(week_sl) == {"voice", "chat", "email"}
    assert summary["expected_service_level_week"] == week_sl  # the JSON file says the same


def test_report_names_the_figures(result) -> None:  # type: ignore[no-untyped-def]
    report = result.files["report"].read_text(encoding="utf-8")
    for needle in ("Forecast accuracy", "Agents needed", "gap", "expected weekly service level"):
        assert needle in report


def test_demo_command_bad_input_is_a_clean_error(tmp_path: Path, demo_data_dir: Path) -> None:
    data = tmp_path / "data"
    (data / "generated").mkdir(parents=True)
    for name in ("targets.toml", "rules.toml", "events.csv"):
        (data / name).write_bytes((demo_data_dir / name).read_bytes())
    (data / "agents.csv").write_text(
        "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week\n"
        "A1,Ali,voice,40,forty,5\n",
        encoding="utf-8",
    )
    # a tiny valid history so that only the agents file is wrong
    (data / "generated" / "history.csv").write_text(
        "interval_start,offered\n2026-11-01T00:00:00+04:00,1\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    res = CliRunner().invoke(
        cli, ["demo", "--no-serve", "--data-dir", str(data), "-o", str(out), "--quiet"]
    )
    assert res.exit_code == 2, res.output
    assert "agents.csv" in res.output and "row 2" in res.output
    assert "max_hours_week" in res.output
    assert "Traceback" not in res.output
    assert not out.exists()

"""The whole chain through the command line, file to file, on a small synthetic center.

``wfm forecast`` -> ``wfm staff`` -> ``wfm roster`` -> ``wfm roster --check`` -> ``wfm evaluate``,
each verb reading the file the previous one wrote. The center is not the demo: three weeks of
30-minute voice and chat history drawn here with numpy, six agents, one 8 h shift with a lunch,
both channels open 08:00-20:00. The whole chain runs in a few seconds.

The demo's own chain follows: ``wfm demo --no-serve`` on the demo center (its files and history,
a short time limit), then ``wfm evaluate`` of the roster.csv it wrote
against its forecast.csv: the Sunday night shift ends on Monday, after the forecast's last
interval (issue #18).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from tests.web.small_center import (
    AGENTS,
    CHANNELS,
    INTERVALS_PER_DAY,
    OPEN_FROM_H,
    OPEN_TO_H,
    PLAN_START,
    RULES,
    TARGETS,
    history_frame,
)
from web.cli import cli

FORECAST_COLUMNS = [
    "channel",
    "queue",
    "interval_start",
    "volume",
    "volume_lo",
    "volume_hi",
    "aht_s",
    "model",
]
REQUIREMENTS_COLUMNS = [
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
]
ROSTER_COLUMNS = ["agent_id", "date", "activity", "channel", "start", "end"]


def _wfm(args: Sequence[str | Path]) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Run the five verbs once, each on the previous one's file; return every path."""
    d = tmp_path_factory.mktemp("chain")
    paths = {
        "history": d / "history.csv",
        "targets": d / "targets.toml",
        "rules": d / "rules.toml",
        "agents": d / "agents.csv",
        "forecast": d / "out" / "forecast.csv",
        "requirements": d / "out" / "requirements.csv",
        "roster": d / "out" / "roster.csv",
        "evaluation": d / "out" / "evaluation.csv",
    }
    history_frame().to_csv(paths["history"], index=False)
    paths["targets"].write_text(TARGETS, encoding="utf-8")
    paths["rules"].write_text(RULES, encoding="utf-8")
    paths["agents"].write_text(AGENTS, encoding="utf-8")
    common = ["--targets", paths["targets"]]
    _wfm(
        ["forecast", paths["history"], "-o", paths["forecast"], *common]
        + ["--start", PLAN_START, "--days", "7", "--origins", "1", "--quiet"]
    )
    _wfm(["staff", paths["forecast"], *common, "-o", paths["requirements"], "--quiet"])
    _wfm(
        ["roster", paths["requirements"], "--agents", paths["agents"], "--rules", paths["rules"]]
        + [*common, "-o", paths["roster"], "--time-limit", "3", "--seed", "0", "--quiet"]
    )
    check = _wfm(
        ["roster", "--check", paths["roster"], "--agents", paths["agents"]]
        + ["--rules", paths["rules"]]
    )
    paths["check_output"] = d / "check.txt"
    paths["check_output"].write_text(check.output, encoding="utf-8")
    evaluation = _wfm(
        ["evaluate", paths["roster"], "--forecast", paths["forecast"], *common]
        + ["-o", paths["evaluation"]]
    )
    paths["evaluate_output"] = d / "evaluate.txt"
    paths["evaluate_output"].write_text(evaluation.output, encoding="utf-8")
    return paths


def _read(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    if "interval_start" in frame.columns:
        frame["interval_start"] = pd.to_datetime(frame["interval_start"])
    return frame


def test_forecast_covers_the_week_of_both_series(chain: dict[str, Path]) -> None:
    fc = _read(chain["forecast"])
    assert FORECAST_COLUMNS == list(fc.columns[: len(FORECAST_COLUMNS)])
    assert set(fc["channel"]) == set(CHANNELS)
    assert len(fc) == len(CHANNELS) * 7 * INTERVALS_PER_DAY
    starts = fc["interval_start"].drop_duplicates().sort_values()
    assert starts.iloc[0] == pd.Timestamp(f"{PLAN_START}T00:00:00+04:00")
    assert len(starts) == 7 * INTERVALS_PER_DAY
    hour = fc["interval_start"].dt.hour
    closed = (hour < OPEN_FROM_H) | (hour >= OPEN_TO_H)
    assert (fc.loc[closed, "volume"] == 0).all()
    open_ = fc.loc[~closed]
    assert (open_["volume"] > 0).all()
    assert (open_["volume_lo"] <= open_["volume"]).all()
    assert (open_["volume"] <= open_["volume_hi"]).all()
    assert (open_["aht_s"] > 0).all()
    accuracy = chain["forecast"].with_name("forecast.accuracy.csv")
    assert set(pd.read_csv(accuracy)["channel"]) == set(CHANNELS)


def test_requirements_row_for_row_with_the_forecast(chain: dict[str, Path]) -> None:
    fc = _read(chain["forecast"])
    req = _read(chain["requirements"])
    assert REQUIREMENTS_COLUMNS == list(req.columns[: len(REQUIREMENTS_COLUMNS)])
    assert len(req) == len(fc)
    keys = ["channel", "queue", "interval_start"]
    merged = req.merge(fc, on=keys, suffixes=("", "_fc"), validate="one_to_one")
    assert len(merged) == len(fc)
    assert merged["volume"].to_numpy() == pytest.approx(merged["volume_fc"].to_numpy())
    busy = req["volume"] > 0
    assert (req.loc[busy, "agents"] >= 1).all()
    assert (req.loc[~busy, "agents"] == 0).all()
    # staff to schedule = agents / (1 - shrinkage), shrinkage 0.10 for both channels
    assert req["staff"].to_numpy() == pytest.approx(req["agents"].to_numpy() / 0.9, abs=0.01)
    # the staffing meets the 80 % target wherever there is work
    assert (req.loc[busy, "service_level"] >= 0.8 - 1e-9).all()


def test_roster_is_a_week_of_lunch_broken_shifts(chain: dict[str, Path]) -> None:
    roster = pd.read_csv(chain["roster"])
    assert list(roster.columns) == ROSTER_COLUMNS
    agents = pd.read_csv(chain["agents"])
    skills = {
        a: set(s.split(";")) for a, s in zip(agents["agent_id"], agents["skills"], strict=True)
    }
    assert set(roster["agent_id"]) <= set(skills)
    assert set(roster["activity"]) <= {"work", "break", "lunch"}
    week = {str(d.date()) for d in pd.date_range(PLAN_START, periods=7, freq="D")}
    assert set(roster["date"]) <= week
    work = roster[roster["activity"] == "work"]
    assert all(c in skills[a] for a, c in zip(work["agent_id"], work["channel"], strict=True))
    start = pd.to_datetime(roster["start"])
    end = pd.to_datetime(roster["end"])
    shifts = roster.assign(start=start, end=end).groupby(["agent_id", "date"])
    span_h = (shifts["end"].max() - shifts["start"].min()).dt.total_seconds() / 3600
    assert (span_h == 8).all()  # the one shift type is 8 h long
    lunches = roster[roster["activity"] == "lunch"].groupby(["agent_id", "date"]).size()
    assert lunches.reindex(span_h.index).eq(1).all()  # and every shift has its lunch
    days_worked = span_h.groupby(level="agent_id").size()
    assert (days_worked <= 5).all()  # two days off each
    summary = json.loads(chain["roster"].with_name("roster.summary.json").read_text("utf-8"))
    assert summary["status"] in {"optimal", "feasible"}
    assert summary["violations"] == 0


def test_independent_check_finds_no_violation(chain: dict[str, Path]) -> None:
    assert "0 violation(s)" in chain["check_output"].read_text(encoding="utf-8")


def test_evaluate_gives_a_service_level_per_channel(chain: dict[str, Path]) -> None:
    ev = _read(chain["evaluation"])
    fc = _read(chain["forecast"])
    assert {"channel", "interval_start", "volume", "agents", "service_level"} <= set(ev.columns)
    assert len(ev) == len(fc)
    busy = ev[ev["volume"] > 0]
    assert set(busy["channel"]) == set(CHANNELS)
    assert busy["service_level"].between(0.0, 1.0).all()
    assert (busy["agents"] > 0).any()
    # the week's volume-weighted service level is the one `wfm roster` computed in memory:
    # the roster file carries everything the evaluation needs
    weighted = busy.assign(w=busy["service_level"] * busy["volume"]).groupby("channel")
    week_sl = weighted["w"].sum() / weighted["volume"].sum()
    summary = json.loads(chain["roster"].with_name("roster.summary.json").read_text("utf-8"))
    expected = summary["expected_service_level_week"]
    assert set(expected) == set(CHANNELS)
    for channel in CHANNELS:
        assert 0.0 <= week_sl[channel] <= 1.0
        assert week_sl[channel] == pytest.approx(expected[channel], abs=1e-4)
    printed = chain["evaluate_output"].read_text(encoding="utf-8")
    assert "per week" in printed
    assert all(channel in printed for channel in CHANNELS)


# --- the demo's own files: roster.csv -> evaluate (issue #18) ----------------------------------
@pytest.fixture(scope="module")
def demo_chain(
    tmp_path_factory: pytest.TempPathFactory, demo_history_csv: Path, demo_data_dir: Path
) -> dict[str, Path]:
    """``wfm demo --no-serve`` on the demo center, then ``wfm evaluate`` of its files."""
    d = tmp_path_factory.mktemp("demo")
    data, out = d / "data", d / "out"
    (data / "generated").mkdir(parents=True)
    for name in ("targets.toml", "rules.toml", "agents.csv", "events.csv"):
        (data / name).write_bytes((demo_data_dir / name).read_bytes())
    (data / "generated" / "history.csv").symlink_to(demo_history_csv)
    _wfm(
        ["demo", "--no-serve", "--data-dir", data, "-o", out, "--time-limit", "2"]
        + ["--origins", "1", "--jobs", "1", "--quiet"]
    )
    evaluation = _wfm(
        ["evaluate", out / "roster.csv", "--forecast", out / "forecast.csv"]
        + ["--targets", data / "targets.toml", "-o", out / "evaluation.csv"]
    )
    (d / "evaluate.txt").write_text(evaluation.output, encoding="utf-8")
    return {"out": out, "evaluate_output": d / "evaluate.txt"}


def test_demo_roster_evaluates_against_its_own_forecast(demo_chain: dict[str, Path]) -> None:
    out = demo_chain["out"]
    fc = pd.read_csv(out / "forecast.csv")
    end = pd.to_datetime(fc["interval_start"]).max() + pd.Timedelta(minutes=30)
    roster = pd.read_csv(out / "roster.csv")
    work = roster[roster["activity"] == "work"]
    starts, ends = pd.to_datetime(work["start"]), pd.to_datetime(work["end"])
    past = ends > end
    # the shape of the issue is there: the last night's shift runs past the forecast
    assert past.any()
    minutes = ((ends[past] - starts[past].clip(lower=end)).dt.total_seconds() / 60).sum()
    printed = demo_chain["evaluate_output"].read_text(encoding="utf-8")
    assert f"{minutes:g} minutes of work in {int(past.sum())} row(s)" in printed
    assert "left out of the evaluation" in printed
    ev = _read(out / "evaluation.csv")
    assert len(ev) == len(fc[["channel", "interval_start"]].drop_duplicates())  # queues pooled
    # the evaluation of the files is the one the demo computed in memory for its summary
    busy = ev[ev["volume"] > 0]
    weighted = busy.assign(w=busy["service_level"] * busy["volume"]).groupby("channel")
    week_sl = weighted["w"].sum() / weighted["volume"].sum()
    summary = json.loads((out / "roster.summary.json").read_text("utf-8"))
    expected = summary["expected_service_level_week"]
    assert set(expected) == set(week_sl.index)
    for channel, value in expected.items():
        assert week_sl[channel] == pytest.approx(value, abs=1e-4)

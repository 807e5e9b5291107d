"""``wfm roster`` end to end on a small center."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from web.cli import cli

RULES = """
[week]
days_off = 2
[[shift]]
name = "d"
length_h = 6
starts = ["07:00-13:00"]
start_step_min = 60
breaks = [{ length_min = 15, earliest_min = 60, latest_min = 240 }]
"""


def _center(tmp: Path, agents_rows: list[str]) -> tuple[Path, Path, Path]:
    rows = []
    for d in range(7):
        for k in range(48):
            ts = pd.Timestamp(dt.datetime(2026, 11, 30) + dt.timedelta(days=d, minutes=30 * k))
            staff = 2.0 if 16 <= k < 36 else 0.0
            rows.append(f"voice,all,{ts.isoformat()}+04:00,{staff},{staff * 0.9},{staff * 5},180")
    req = tmp / "req.csv"
    req.write_text(
        "channel,queue,interval_start,staff,agents,volume,aht_s\n" + "\n".join(rows) + "\n"
    )
    agents = tmp / "agents.csv"
    agents.write_text(
        "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week,"
        "unavailable\n" + "\n".join(agents_rows) + "\n"
    )
    rules = tmp / "rules.toml"
    rules.write_text(RULES)
    return req, agents, rules


def test_roster_then_check(tmp_path: Path) -> None:
    req, agents, rules = _center(tmp_path, ["A1,Sara,voice,24,30,5,", "A2,Omar,voice,24,30,5,"])
    out = tmp_path / "out" / "roster.csv"
    runner = CliRunner()
    res = runner.invoke(
        cli,
        [
            "roster",
            str(req),
            "--agents",
            str(agents),
            "--rules",
            str(rules),
            "-o",
            str(out),
            "--time-limit",
            "20",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "status" in res.output and "rule check: 0 violation" in res.output
    roster = pd.read_csv(out)
    assert list(roster.columns) == ["agent_id", "date", "activity", "channel", "start", "end"]
    assert set(roster["activity"]) == {"work", "break"}
    assert roster["start"].str.endswith("+04:00").all()
    cov = pd.read_csv(tmp_path / "out" / "roster.coverage.csv")
    assert {"channel", "interval_start", "required", "scheduled", "gap"} <= set(cov.columns)
    summary = json.loads((tmp_path / "out" / "roster.summary.json").read_text())
    assert summary["status"] in ("optimal", "feasible") and summary["violations"] == 0
    assert summary["paid_hours"] >= 48
    ok = runner.invoke(
        cli, ["roster", "--check", str(out), "--agents", str(agents), "--rules", str(rules)]
    )
    assert ok.exit_code == 0, ok.output
    # break a rule by hand: the checker lists it and exits non-zero
    bad = roster.copy()
    bad.loc[bad["agent_id"] == "A1", "channel"] = bad.loc[bad["agent_id"] == "A1", "channel"].map(
        lambda c: "chat" if c == "voice" else c
    )
    bad_path = tmp_path / "bad.csv"
    bad.to_csv(bad_path, index=False)
    res = runner.invoke(
        cli, ["roster", "--check", str(bad_path), "--agents", str(agents), "--rules", str(rules)]
    )
    assert res.exit_code == 1 and "skills" in res.output


def test_targets_add_expected_service_level(tmp_path: Path) -> None:
    req, agents, rules = _center(tmp_path, ["A1,Sara,voice,24,30,5,", "A2,Omar,voice,24,30,5,"])
    targets = tmp_path / "targets.toml"
    targets.write_text(
        '[channels.voice]\nmodel = "erlang_c"\nservice_level = 0.8\nanswer_within_s = 20\n'
        "max_occupancy = 0.85\nshrinkage = 0.3\n"
    )
    out = tmp_path / "r.csv"
    res = CliRunner().invoke(
        cli,
        [
            "roster",
            str(req),
            "--agents",
            str(agents),
            "--rules",
            str(rules),
            "--targets",
            str(targets),
            "-o",
            str(out),
            "--time-limit",
            "10",
            "--quiet",
        ],
    )
    assert res.exit_code == 0, res.output
    cov = pd.read_csv(tmp_path / "r.coverage.csv")
    busy = cov[cov["volume"] > 0]
    assert busy["service_level"].between(0, 1).all()
    summary = json.loads((tmp_path / "r.summary.json").read_text())
    assert 0 <= summary["expected_service_level"]["voice"] <= 1


def test_infeasible_exit_3_names_agent(tmp_path: Path) -> None:
    # 6 h shifts, at most 3 days: 18 h < 24 h
    req, agents, rules = _center(tmp_path, ["A1,Sara,voice,24,30,3,"])
    res = CliRunner().invoke(
        cli,
        [
            "roster",
            str(req),
            "--agents",
            str(agents),
            "--rules",
            str(rules),
            "-o",
            str(tmp_path / "r.csv"),
            "--quiet",
        ],
    )
    assert res.exit_code == 3
    assert "agent A1" in res.output and "at most 3 working days" in res.output
    assert not (tmp_path / "r.csv").exists()


def test_bad_input_exit_2(tmp_path: Path) -> None:
    req, agents, rules = _center(tmp_path, ["A1,Sara,voice,24,x,5,"])
    res = CliRunner().invoke(
        cli,
        [
            "roster",
            str(req),
            "--agents",
            str(agents),
            "--rules",
            str(rules),
            "-o",
            str(tmp_path / "r.csv"),
        ],
    )
    assert res.exit_code == 2 and "max_hours_week" in res.output and "row 2" in res.output

"""Options that used to be misread or ignored (issue #11).

``--interval`` on ``wfm staff`` and ``wfm evaluate``, ``--start`` on ``wfm roster``; no
``inf``/``nan`` in a written CSV; progress lines without a bound.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from scheduling.roster.solve import Progress
from scheduling.staffing.requirements import required_agents
from scheduling.staffing.targets import targets_from_dict
from web.cli import cli
from web.cli._options import progress_printer

DAY = dt.datetime(2026, 11, 30)
TARGETS = """\
[channels.voice]
model = "erlang_c"
service_level = 0.8
answer_within_s = 20
max_occupancy = 0.9
"""
PER_HALF_HOUR = 18.0  # contacts per 30 minutes from 09:00 to 10:00, AHT 180 s


def _center(tmp: Path) -> tuple[Path, Path]:
    """A 30-minute forecast (18 contacts per half-hour 09:00-10:00, 2 otherwise) and targets."""
    lines = ["channel,queue,interval_start,volume,aht_s"]
    for k in range(48):
        ts = DAY + dt.timedelta(minutes=30 * k)
        volume = PER_HALF_HOUR if k in (18, 19) else 2.0
        lines.append(f"voice,all,{ts:%Y-%m-%dT%H:%M}:00+04:00,{volume},180")
    forecast = tmp / "forecast.csv"
    forecast.write_text("\n".join(lines) + "\n")
    targets = tmp / "targets.toml"
    targets.write_text(TARGETS)
    return forecast, targets


def test_the_known_answer_at_nine() -> None:
    # what the tests below rely on: 18 calls per half-hour need 4 agents; read as 15- or
    # 60-minute volumes (the bug) they would need 6 or 3
    voice = targets_from_dict({"channels": {"voice": _voice()}})["voice"]
    assert required_agents(voice, [18], [180], interval_s=1800).tolist() == [4]
    assert required_agents(voice, [36], [180], interval_s=3600).tolist() == [4]
    assert required_agents(voice, [18], [180], interval_s=900).tolist() == [6]
    assert required_agents(voice, [18], [180], interval_s=3600).tolist() == [3]


def _voice() -> dict[str, object]:
    return {"model": "erlang_c", "service_level": 0.8, "answer_within_s": 20, "max_occupancy": 0.9}


def test_staff_interval_60_sums_the_half_hours(tmp_path: Path) -> None:
    forecast, targets = _center(tmp_path)
    out = tmp_path / "req.csv"
    res = CliRunner().invoke(
        cli, ["staff", str(forecast), "--targets", str(targets), "-o", str(out), "--interval", "60"]
    )
    assert res.exit_code == 0, res.output
    assert "30-minute intervals summed to 60-minute ones" in res.output
    req = pd.read_csv(out)
    assert len(req) == 24  # hourly rows, not the 48 half-hours read as hours
    nine = req[req["interval_start"].str.startswith("2026-11-30T09:00")].iloc[0]
    assert nine["volume"] == pytest.approx(2 * PER_HALF_HOUR)
    assert nine["agents"] == 4


@pytest.mark.parametrize("verb", ["staff", "evaluate"])
def test_a_finer_interval_is_refused(tmp_path: Path, verb: str) -> None:
    forecast, targets = _center(tmp_path)
    counts = tmp_path / "counts.csv"
    counts.write_text("channel,interval_start,agents\nvoice,2026-11-30T09:00:00+04:00,4\n")
    args = (
        ["staff", str(forecast), "--targets", str(targets), "-o", str(tmp_path / "r.csv")]
        if verb == "staff"
        else ["evaluate", str(counts), "--forecast", str(forecast), "--targets", str(targets)]
    )
    res = CliRunner().invoke(cli, [*args, "--interval", "15"])
    assert res.exit_code == 2, res.output
    assert "30-minute intervals, so --interval 15 cannot be made" in res.output
    assert not (tmp_path / "r.csv").exists()


def test_evaluate_interval_60_gives_the_half_hours_service(tmp_path: Path) -> None:
    """4 agents on 18 calls per half-hour give the same service per hour on 36 calls."""
    forecast, targets = _center(tmp_path)
    counts = tmp_path / "counts.csv"
    counts.write_text(
        "channel,interval_start,agents\n"
        + "".join(
            f"voice,{DAY + dt.timedelta(minutes=30 * k):%Y-%m-%dT%H:%M}:00+04:00,4\n"
            for k in range(48)
        )
    )
    levels = {}
    for minutes in ("30", "60"):
        out = tmp_path / f"eval{minutes}.csv"
        args = ["evaluate", str(counts), "--forecast", str(forecast), "--targets", str(targets)]
        res = CliRunner().invoke(cli, [*args, "-o", str(out), "--interval", minutes])
        assert res.exit_code == 0, res.output
        frame = pd.read_csv(out)
        nine = frame[frame["interval_start"].str.startswith("2026-11-30T09:00")].iloc[0]
        levels[minutes] = (nine["volume"], nine["agents"], nine["service_level"])
    assert levels["60"][0] == pytest.approx(2 * PER_HALF_HOUR)
    assert levels["60"][1] == pytest.approx(4)
    assert levels["60"][2] == pytest.approx(levels["30"][2], abs=1e-4)


def test_evaluate_writes_no_inf_or_nan(tmp_path: Path) -> None:
    """Nobody on the phones at 09:00: the ASA is infinite, which the CSV leaves empty."""
    forecast, targets = _center(tmp_path)
    counts = tmp_path / "counts.csv"
    counts.write_text(
        "channel,interval_start,agents\n"
        + "".join(
            f"voice,{DAY + dt.timedelta(minutes=30 * k):%Y-%m-%dT%H:%M}:00+04:00,"
            f"{0 if k == 18 else 3}\n"
            for k in range(48)
        )
    )
    out = tmp_path / "eval.csv"
    res = CliRunner().invoke(
        cli,
        [
            "evaluate",
            str(counts),
            "--forecast",
            str(forecast),
            "--targets",
            str(targets),
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    text = out.read_text()
    assert "inf" not in text and "nan" not in text.lower()
    frame = pd.read_csv(out)
    nine = frame[frame["interval_start"].str.startswith("2026-11-30T09:00")].iloc[0]
    assert nine["service_level"] == 0 and math.isnan(nine["asa_s"])


RULES = """\
[week]
days_off = 2
[[shift]]
name = "d"
length_h = 8
starts = ["07:00-10:00"]
start_step_min = 60
breaks = [{ length_min = 15, earliest_min = 120, latest_min = 240 }]
"""


def _two_weeks(tmp: Path) -> tuple[Path, Path, Path]:
    lines = ["channel,queue,interval_start,agents,staff"]
    for k in range(14 * 48):
        ts = DAY + dt.timedelta(minutes=30 * k)
        staff = 1.0 if 18 <= k % 48 < 32 else 0.0
        lines.append(f"voice,all,{ts:%Y-%m-%dT%H:%M}:00+04:00,{staff},{staff}")
    req = tmp / "req.csv"
    req.write_text("\n".join(lines) + "\n")
    agents = tmp / "agents.csv"
    agents.write_text(
        "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week\n"
        "A1,Sara,voice,16,40,5\nA2,Omar,voice,16,40,5\n"
    )
    rules = tmp / "rules.toml"
    rules.write_text(RULES)
    return req, agents, rules


def test_roster_start_rosters_that_week(tmp_path: Path) -> None:
    req, agents, rules = _two_weeks(tmp_path)
    out = tmp_path / "roster.csv"
    args = ["roster", str(req), "--agents", str(agents), "--rules", str(rules), "-o", str(out)]
    res = CliRunner().invoke(cli, [*args, "--start", "2026-12-07", "--time-limit", "10"])
    assert res.exit_code == 0, res.output
    dates = pd.to_datetime(pd.read_csv(out)["date"]).dt.date
    assert not dates.empty
    assert dates.min() >= dt.date(2026, 12, 7) and dates.max() <= dt.date(2026, 12, 13)
    coverage = pd.read_csv(tmp_path / "roster.coverage.csv")
    assert coverage["interval_start"].str.startswith("2026-12-07T00:00").iloc[0]
    assert len(coverage) == 7 * 48


def test_roster_start_outside_the_requirements_is_refused(tmp_path: Path) -> None:
    req, agents, rules = _two_weeks(tmp_path)
    out = tmp_path / "roster.csv"
    args = ["roster", str(req), "--agents", str(agents), "--rules", str(rules), "-o", str(out)]
    res = CliRunner().invoke(cli, [*args, "--start", "2026-12-10"])  # runs past 12-13
    assert res.exit_code == 2
    assert "--start 2026-12-10 --days 7 asks for 2026-12-14 (and 2 more day(s))" in res.output
    assert "cover 2026-11-30 .. 2026-12-13" in res.output
    assert not out.exists()


def test_progress_without_a_bound_says_so() -> None:
    lines: list[str] = []
    show = progress_printer(lines.append, every_s=0.0)
    show(Progress("lns", 3, 120.0, float("nan"), 4.0))
    show(Progress("lns", 4, 110.0, 100.0, 8.0))
    assert lines[0].endswith("objective 120.0, no bound yet") and "nan" not in lines[0]
    assert lines[1].endswith("objective 110.0, bound 100.0")

"""The bad-input corpus: every verb fed bad or awkward files and options (issue #11).

Each case runs the ``wfm`` command line in-process (click's ``CliRunner``) on tiny files in a
folder of its own and asserts:

- the exit status (2 bad input, 3 a roster whose hard rules cannot hold, 0 accepted with a
  warning);
- no traceback;
- the message names the file and the row, column or key (or the option) at fault;
- no output file, nor a temporary one, is left behind when the run fails (and none of the
  temporary files when it succeeds).

Run ``python tests/test_bad_input.py`` to print the counts (cases, exit codes, tracebacks,
files left behind) without pytest.
"""

from __future__ import annotations

import datetime as dt
import sys
import traceback
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from web.cli import cli

# ----------------------------------------------------------------------------------------------
# the tiny center every case starts from
# ----------------------------------------------------------------------------------------------
_WEEK0 = dt.datetime(2026, 11, 9)  # a Monday; three weeks of history, then the forecast week
_FC_DAY = dt.datetime(2026, 11, 30)


def _history(weeks: int = 3) -> str:
    rng = np.random.default_rng(7)
    lines = ["channel,queue,interval_start,offered,handled,abandoned,aht_s"]
    for k in range(weeks * 7 * 48):
        ts = _WEEK0 + dt.timedelta(minutes=30 * k)
        hour = ts.hour + ts.minute / 60
        mean = 4 + 30 * np.exp(-(((hour - 12) / 4) ** 2))
        offered = int(rng.poisson(mean))
        abandoned = min(offered, int(rng.poisson(0.5)))
        lines.append(
            f"voice,all,{ts:%Y-%m-%dT%H:%M}:00+04:00,{offered},{offered - abandoned},"
            f"{abandoned},{180 + (k % 7) * 5}"
        )
    return "\n".join(lines) + "\n"


def _forecast() -> str:
    lines = ["channel,queue,interval_start,volume,aht_s,model"]
    for k in range(48):
        ts = _FC_DAY + dt.timedelta(minutes=30 * k)
        volume = 20.0 if 16 <= k < 36 else 2.0
        lines.append(f"voice,all,{ts:%Y-%m-%dT%H:%M}:00+04:00,{volume},180,seasonal_naive")
    return "\n".join(lines) + "\n"


def _requirements() -> str:
    lines = ["channel,queue,interval_start,volume,aht_s,agents,staff"]
    for k in range(7 * 48):
        ts = _FC_DAY + dt.timedelta(minutes=30 * k)
        staff = 1.0 if 18 <= (k % 48) < 32 else 0.0
        lines.append(f"voice,all,{ts:%Y-%m-%dT%H:%M}:00+04:00,{staff * 4},180,{staff},{staff}")
    return "\n".join(lines) + "\n"


TARGETS = """\
[channels.voice]
model = "erlang_c"
service_level = 0.8
answer_within_s = 20
max_occupancy = 0.9
"""

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

AGENTS = """\
agent_id,name,skills,min_hours_week,max_hours_week,max_days_week
A1,Sara,voice,16,40,5
A2,Omar,voice,16,40,5
"""

ROSTER = """\
agent_id,date,activity,channel,start,end
A1,2026-11-30,work,voice,2026-11-30T08:00:00+04:00,2026-11-30T11:00:00+04:00
A1,2026-11-30,break,,2026-11-30T11:00:00+04:00,2026-11-30T11:15:00+04:00
A1,2026-11-30,work,voice,2026-11-30T11:15:00+04:00,2026-11-30T16:00:00+04:00
"""

COUNTS = "channel,interval_start,agents\n" + "".join(
    f"voice,{_FC_DAY + dt.timedelta(minutes=30 * k):%Y-%m-%dT%H:%M}:00+04:00,3\n" for k in range(48)
)

EVENTS = "name,start,end,effect\nCampaign,2026-12-01,2026-12-01,1.2\n"
OVERRIDES = (
    "channel,queue,start,end,action,value,note\n"
    "voice,,2026-12-01T08:00,2026-12-01T12:00,multiply,1.3,x\n"
)

_ACD_HEADER = (
    "vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\tvru_time\t"
    "q_start\tq_exit\tq_time\toutcome\tser_start\tser_exit\tser_time\tserver"
)


def _acd_row(call_id: int, day: str = "990201", minute: int = 0, outcome: str = "AGENT") -> str:
    hh, mm = divmod(7 * 60 + minute, 60)
    entry, leave = f"{hh}:{mm:02d}:00", f"{hh}:{mm:02d}:10"
    queued = "0:00:00" if outcome == "AGENT" else leave
    return (
        f"AA0101\t{call_id}\t0\t0\tPS\t{day}\t{entry}\t{leave}\t10\t{queued}\t{queued}\t0\t"
        f"{outcome}\t{leave}\t{hh}:{mm:02d}:50\t40\tDORIT"
    )


def _acd(extra: tuple[str, ...] = ()) -> str:
    rows = [
        _acd_row(1000 + i, minute=7 * i, outcome="HANG" if i % 5 == 0 else "AGENT")
        for i in range(60)
    ]
    return "\n".join([_ACD_HEADER, *rows, *extra]) + "\n"


def _base_files() -> dict[str, str | bytes]:
    history = _history()
    return {
        "history.csv": history,
        "forecast.csv": _forecast(),
        "requirements.csv": _requirements(),
        "targets.toml": TARGETS,
        "rules.toml": RULES,
        "agents.csv": AGENTS,
        "roster.csv": ROSTER,
        "counts.csv": COUNTS,
        "events.csv": EVENTS,
        "overrides.csv": OVERRIDES,
        "acd.txt": _acd(),
        # a --data-dir for `wfm demo`, laid out like data/
        "center/targets.toml": TARGETS,
        "center/rules.toml": RULES,
        "center/agents.csv": AGENTS,
        "center/events.csv": EVENTS,
        "center/generated/history.csv": history,
    }


# ----------------------------------------------------------------------------------------------
# edits of the base files
# ----------------------------------------------------------------------------------------------
def _replace_line(text: str, line: int, new: str) -> str:
    """``text`` with its 1-based ``line`` replaced by ``new``."""
    lines = text.split("\n")
    lines[line - 1] = new
    return "\n".join(lines)


def _history_row(k: int, offered: str = "10", extra: str = ",10,0,180") -> str:
    ts = _WEEK0 + dt.timedelta(minutes=30 * k)
    return f"voice,all,{ts:%Y-%m-%dT%H:%M}:00+04:00,{offered}{extra}"


def _hist_edit(line: int, new: str) -> str:
    return _replace_line(_history(), line, new)


def _rules_with(shift_extra: str, week: str = "[week]\ndays_off = 2\n", breaks: str = "") -> str:
    return (
        week
        + breaks
        + '[[shift]]\nname = "d"\nlength_h = 8\nstarts = ["07:00-10:00"]\nstart_step_min = 60\n'
        + shift_extra
    )


def _sep(text: str, sep: str) -> str:
    return text.replace(",", sep)


# ----------------------------------------------------------------------------------------------
# the cases
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One run of ``wfm``.

    its arguments (``{in}``/``{out}`` are the case's input and output folders), the files that
    differ from the base center (``None`` removes one), the exit status expected, and the texts its
    output must contain (file, row, column, key).
    """

    id: str
    argv: tuple[str, ...]
    exit_code: int
    names: tuple[str, ...]
    files: Mapping[str, str | bytes | None] = field(default_factory=dict)
    dirs: tuple[str, ...] = ()


H = ("history", "check", "{in}/history.csv")
A = ("history", "import-acd", "{in}/acd.txt", "-o", "{out}/history.csv")
F = ("forecast", "{in}/history.csv", "-o", "{out}/forecast.csv", "--origins", "0")
FM = (*F, "--models", "seasonal_naive")
S = ("staff", "{in}/forecast.csv", "--targets", "{in}/targets.toml", "-o", "{out}/req.csv")
E = (
    "evaluate",
    "{in}/roster.csv",
    "--forecast",
    "{in}/forecast.csv",
    "--targets",
    "{in}/targets.toml",
    "-o",
    "{out}/eval.csv",
)
EC = (*E[:1], "{in}/counts.csv", *E[2:])
R = (
    "roster",
    "{in}/requirements.csv",
    "--agents",
    "{in}/agents.csv",
    "--rules",
    "{in}/rules.toml",
    "-o",
    "{out}/roster.csv",
    "--time-limit",
    "5",
)
K = (
    "roster",
    "--check",
    "{in}/roster.csv",
    "--agents",
    "{in}/agents.csv",
    "--rules",
    "{in}/rules.toml",
)
D = (
    "demo",
    "--no-serve",
    "--data-dir",
    "{in}/center",
    "-o",
    "{out}/demo",
    "--origins",
    "0",
    "--time-limit",
    "5",
)
# ``wfm demo`` building and serving a web instance checks the same files before it starts
DS = ("demo", "--instance", "{out}/instance", "--data-dir", "{in}/center", "-o", "{out}/demo")


def _o(argv: tuple[str, ...], path: str) -> tuple[str, ...]:
    """``argv`` with the value after ``-o`` replaced."""
    out = list(argv)
    out[out.index("-o") + 1] = path
    return tuple(out)


def _arg(argv: tuple[str, ...], option: str, value: str) -> tuple[str, ...]:
    """``argv`` with the value after ``option`` replaced."""
    out = list(argv)
    out[out.index(option) + 1] = value
    return tuple(out)


_HIST_OK_ROW = 2 + 3 * 48  # file line of an ordinary row, 01:30 on the second day

CASES: list[Case] = [
    # -------------------------------------------------------------- wfm history check
    Case("hist-missing-file", H, 2, ("history.csv", "not found"), {"history.csv": None}),
    Case("hist-folder", ("history", "check", "{in}/center"), 2, ("center", "directory")),
    Case("hist-empty", H, 2, ("history.csv", "empty"), {"history.csv": ""}),
    Case(
        "hist-header-only",
        H,
        2,
        ("history.csv", "row 2"),
        {"history.csv": "interval_start,offered\n"},
    ),
    Case(
        "hist-missing-column",
        H,
        2,
        ("history.csv", "'offered'", "--column"),
        {"history.csv": "interval_start,calls\n2026-11-09T00:00,3\n"},
    ),
    Case(
        "hist-semicolons",
        H,
        0,
        ("history.csv", "';'"),
        {"history.csv": _sep(_history(), ";")},
    ),
    Case("hist-tabs", H, 0, ("history.csv", "tab"), {"history.csv": _sep(_history(), "\t")}),
    Case(
        "hist-not-utf8",
        H,
        2,
        ("history.csv", "row 3", "UTF-8"),
        {"history.csv": b"interval_start,offered\n2026-11-09T00:00,3\n2026-11-09T00:30,\xff\n"},
    ),
    Case(
        "hist-utf16",
        H,
        2,
        ("history.csv", "UTF-16"),
        {"history.csv": "interval_start,offered\n2026-11-09T00:00,3\n".encode("utf-16")},
    ),
    Case(
        "hist-bad-timestamp",
        H,
        2,
        ("history.csv", "row 10", "'interval_start'"),
        {"history.csv": _hist_edit(10, "voice,all,2026-11-09 25:00,10,10,0,180")},
    ),
    Case(
        "hist-negative",
        H,
        2,
        ("history.csv", "row 10", "'offered'"),
        {"history.csv": _hist_edit(10, _history_row(8, "-3", ",0,0,180"))},
    ),
    Case(
        "hist-text-count",
        H,
        2,
        ("history.csv", "row 10", "'offered'"),
        {"history.csv": _hist_edit(10, _history_row(8, "many"))},
    ),
    Case(
        "hist-handled-over-offered",
        H,
        2,
        ("history.csv", "row 10", "'handled'"),
        {"history.csv": _hist_edit(10, _history_row(8, "5", ",9,0,180"))},
    ),
    Case(
        "hist-duplicate",
        H,
        2,
        ("history.csv", "row 11", "duplicate"),
        {"history.csv": _hist_edit(11, _history_row(8))},
    ),
    Case(
        "hist-off-grid",
        H,
        2,
        ("history.csv", "row 10", "'interval_start'"),
        {"history.csv": _hist_edit(10, "voice,all,2026-11-09T04:07:00+04:00,10,10,0,180")},
    ),
    Case(
        "hist-outlier",
        H,
        0,
        ("history.csv", f"row {_HIST_OK_ROW}", "outlier"),
        {"history.csv": _hist_edit(_HIST_OK_ROW, _history_row(_HIST_OK_ROW - 2, "1e12", ",,,"))},
    ),
    Case(
        "hist-fractional",
        H,
        0,
        ("history.csv", "row 10", "'offered'", "12.5"),
        {"history.csv": _hist_edit(10, _history_row(8, "12.5", ",10,0,180"))},
    ),
    Case(
        "hist-year-1900",
        H,
        2,
        ("history.csv", "row 2", "'interval_start'", "1900"),
        {"history.csv": "interval_start,offered\n1900-01-01T00:00,3\n1900-01-01T00:30,4\n"},
    ),
    Case(
        "hist-imputed-flag",
        H,
        2,
        ("history.csv", "row 2", "'imputed'"),
        {"history.csv": "interval_start,offered,imputed\n2026-11-09T00:00,3,maybe\n"},
    ),
    Case("hist-bad-tz", (*H, "--tz", "Mars/Olympus"), 2, ("Mars/Olympus", "--tz")),
    Case("hist-interval-choice", (*H, "--interval", "45"), 2, ("'--interval'", "45")),
    Case("hist-interval-finer", (*H, "--interval", "15"), 2, ("history.csv", "15-minute")),
    Case("hist-targets-folder", (*H, "--targets", "{in}/center"), 2, ("'--targets'", "directory")),
    Case(
        "hist-targets-bad-hours",
        (*H, "--targets", "{in}/targets.toml"),
        2,
        ("targets.toml", "opening_hours"),
        {"targets.toml": TARGETS + 'opening_hours = "7-22"\n'},
    ),
    Case(
        "hist-out-not-a-folder",
        (*H, "-o", "{in}/agents.csv/clean.csv"),
        2,
        ("agents.csv", "not a folder"),
    ),
    Case(
        "hist-column-syntax",
        (*H, "--column", "DateTime"),
        2,
        ("--column: got 'DateTime'", "FILE_NAME=NAME"),
    ),
    Case(
        "hist-column-map",
        (*H, "--column", "DateTime=interval_start", "--column", "Calls=offered", "--tz", "UTC"),
        0,
        ("history.csv", "voice"),
        {
            "history.csv": "DateTime,Calls\n"
            + "".join(
                f"{_WEEK0 + dt.timedelta(minutes=30 * k):%Y-%m-%dT%H:%M}:00Z,{5 + k % 3}\n"
                for k in range(14 * 48)
            )
        },
    ),
    Case(
        "hist-dst-gap",
        (*H, "--tz", "Europe/London"),
        2,
        ("history.csv", "row 3", "does not exist"),
        {"history.csv": "interval_start,offered\n2026-03-29T00:30,3\n2026-03-29T01:00,3\n"},
    ),
    # refused as ambiguous until issue #18: a naive export that merges the doubled autumn hour
    # into one row per interval (Avaya CMS style) is accepted, each row spread over both
    Case(
        "hist-dst-merged-autumn-hour",
        (*H, "--tz", "Europe/London"),
        0,
        ("history.csv", "night of 2026-10-24 to 2026-10-25", "01:00..01:30", "spread evenly"),
        {
            "history.csv": "interval_start,offered\n"
            + "".join(f"2026-10-25T{h},4\n" for h in ("00:00", "00:30", "01:00", "01:30", "02:00"))
        },
    ),
    # -------------------------------------------------------------- wfm history import-acd
    Case("acd-missing-file", A, 2, ("acd.txt", "not found"), {"acd.txt": None}),
    Case(
        "acd-folder",
        ("history", "import-acd", "{in}/center", "-o", "{out}/h.csv"),
        2,
        ("center", "directory"),
    ),
    Case("acd-empty", A, 2, ("acd.txt", "empty"), {"acd.txt": ""}),
    Case(
        "acd-missing-column",
        A,
        2,
        ("acd.txt", "'outcome'"),
        {"acd.txt": _acd().replace("\toutcome\t", "\tresult\t")},
    ),
    Case(
        "acd-comma-separated",
        A,
        2,
        ("acd.txt", "row 1", "commas", "tabs"),
        {"acd.txt": _acd().replace("\t", ",")},
    ),
    Case(
        "acd-strict-bad-row",
        (*A, "--strict"),
        2,
        ("acd.txt", "row 5", "'outcome'"),
        {"acd.txt": _replace_line(_acd(), 5, _acd_row(9005, minute=30, outcome="LOST"))},
    ),
    Case(
        "acd-many-bad-rows",
        A,
        2,
        ("acd.txt", "row 3", "malformed"),
        {"acd.txt": _acd().replace("\tAGENT\t", "\t?\t")},
    ),
    Case(
        "acd-same-export-twice",
        (*A[:3], "{in}/acd.txt", *A[3:]),
        2,
        ("acd.txt", "row 2", "duplicate"),
    ),
    Case(
        "acd-duplicate-call",
        A,
        2,
        ("acd.txt", "row 62", "duplicate", "row 2"),
        {"acd.txt": _acd((_acd_row(1000, minute=0, outcome="HANG"),))},
    ),
    Case(
        "acd-future-date",
        A,
        2,
        ("acd.txt", "row 62", "2035"),
        {"acd.txt": _acd((_acd_row(5000, day="350105"),))},
    ),
    Case("acd-out-not-a-folder", _o(A, "{in}/agents.csv/h.csv"), 2, ("agents.csv", "not a folder")),
    Case(
        "acd-thresholds", (*A, "--answered-within", "20,soon"), 2, ("'--answered-within'", "soon")
    ),
    Case("acd-bad-tz", (*A, "--tz", "Mars/Olympus"), 2, ("Mars/Olympus",)),
    Case(
        "acd-not-utf8",
        A,
        2,
        ("acd.txt", "row 3", "UTF-8"),
        {"acd.txt": (_ACD_HEADER + "\n" + _acd_row(1) + "\n").encode() + b"\xff\xfe\n"},
    ),
    Case("acd-interval-choice", (*A, "--interval", "7"), 2, ("'--interval'", "7")),
    # -------------------------------------------------------------- wfm forecast
    Case("fc-missing-history", FM, 2, ("history.csv",), {"history.csv": None}),
    Case("fc-out-not-a-folder", _o(FM, "{in}/agents.csv/f.csv"), 2, ("agents.csv", "not a folder")),
    Case("fc-targets-folder", (*FM, "--targets", "{in}/center"), 2, ("'--targets'", "directory")),
    Case(
        "fc-events-bad-date",
        (*FM, "--events", "{in}/events.csv"),
        2,
        ("events.csv", "row 2", "start"),
        {"events.csv": "name,start,end,effect\nCampaign,2026-13-01,,1.2\n"},
    ),
    Case(
        "fc-overrides-bad-action",
        (*FM, "--overrides", "{in}/overrides.csv"),
        2,
        ("overrides.csv", "row 2", "'action'"),
        {"overrides.csv": OVERRIDES.replace("multiply", "double")},
    ),
    Case(
        "fc-override-unknown-channel",
        (*FM, "--overrides", "{in}/overrides.csv"),
        0,
        ("overrides.csv", "row 2", "'sms'"),
        {"overrides.csv": OVERRIDES.replace("voice,,", "sms,,")},
    ),
    Case(
        "fc-override-unknown-queue",
        (*FM, "--overrides", "{in}/overrides.csv"),
        0,
        ("overrides.csv", "row 2", "'billing'"),
        {"overrides.csv": OVERRIDES.replace("voice,,", "voice,billing,")},
    ),
    Case(
        "fc-unknown-model", (*F, "--models", "prophet"), 2, ("--models: unknown model 'prophet'",)
    ),
    Case("fc-start-inside", (*FM, "--start", "2026-11-10"), 2, ("2026-11-10", "--start")),
    Case(
        "fc-year-1900",
        FM,
        2,
        ("history.csv", "row 2", "1900"),
        {
            "history.csv": "interval_start,offered\n"
            + "".join(
                f"{dt.datetime(1900, 1, 1) + dt.timedelta(minutes=30 * k):%Y-%m-%dT%H:%M},3\n"
                for k in range(14 * 48)
            )
        },
    ),
    Case(
        "fc-column-syntax",
        (*FM, "--column", "Calls"),
        2,
        ("--column: got 'Calls'", "FILE_NAME=NAME"),
    ),
    Case("fc-days-zero", (*FM, "--days", "0"), 2, ("'--days'",)),
    Case("fc-jobs-zero", (*FM, "--jobs", "0"), 2, ("--jobs: got 0",)),
    Case(
        "fc-short-history",
        FM,
        2,
        ("history.csv", "voice/all", "week"),
        {"history.csv": "\n".join(_history().split("\n")[: 3 * 48]) + "\n"},
    ),
    Case(
        "fc-plots-is-file",
        (*FM, "--plots", "{in}/agents.csv"),
        2,
        ("'--plots'", "agents.csv' is a file"),
    ),
    Case("fc-start-not-a-date", (*FM, "--start", "next monday"), 2, ("'--start'", "next monday")),
    # -------------------------------------------------------------- wfm staff
    Case("staff-missing-forecast", S, 2, ("forecast.csv", "not found"), {"forecast.csv": None}),
    Case(
        "staff-targets-folder", _arg(S, "--targets", "{in}/center"), 2, ("'--targets'", "directory")
    ),
    Case("staff-targets-missing", S, 2, ("targets.toml", "not found"), {"targets.toml": None}),
    Case(
        "staff-targets-bad-toml",
        S,
        2,
        ("targets.toml", "TOML"),
        {"targets.toml": "[channels.voice\n"},
    ),
    Case(
        "staff-targets-unknown-key",
        S,
        2,
        ("targets.toml", "'voice'", "'sl'"),
        {"targets.toml": TARGETS + "sl = 0.8\n"},
    ),
    Case(
        "staff-targets-nan",
        S,
        2,
        ("targets.toml", "'voice'", "'service_level'"),
        {"targets.toml": TARGETS.replace("0.8", "nan")},
    ),
    Case(
        "staff-missing-column",
        S,
        2,
        ("forecast.csv", "'aht_s'"),
        {"forecast.csv": _forecast().replace(",aht_s,", ",aht,")},
    ),
    Case(
        "staff-negative-volume",
        S,
        2,
        ("forecast.csv", "row 5", "'volume'"),
        {
            "forecast.csv": _replace_line(
                _forecast(), 5, "voice,all,2026-11-30T01:30:00+04:00,-2,180,x"
            )
        },
    ),
    Case(
        "staff-missing-aht",
        S,
        2,
        ("forecast.csv", "row 5", "'aht_s'", "--aht SECONDS"),
        {"forecast.csv": _replace_line(_forecast(), 5, "voice,all,2026-11-30T01:30:00+04:00,2,,x")},
    ),
    Case(
        "staff-inf-volume",
        S,
        2,
        ("forecast.csv", "row 5", "'volume'"),
        {
            "forecast.csv": _replace_line(
                _forecast(), 5, "voice,all,2026-11-30T01:30:00+04:00,inf,180,x"
            )
        },
    ),
    Case(
        "staff-channel-without-targets",
        S,
        2,
        ("forecast.csv", "'sms'", "targets.toml"),
        {
            "forecast.csv": _forecast().replace(
                "\nvoice,all,2026-11-30T12", "\nsms,all,2026-11-30T12"
            )
        },
    ),
    Case(
        "staff-duplicate",
        S,
        2,
        ("forecast.csv", "row 6", "duplicate"),
        {"forecast.csv": _replace_line(_forecast(), 6, _forecast().split("\n")[4])},
    ),
    Case(
        "staff-interval-finer",
        (*S, "--interval", "15"),
        2,
        ("forecast.csv", "--interval", "30-minute"),
    ),
    Case(
        "staff-out-not-a-folder", _o(S, "{in}/agents.csv/r.csv"), 2, ("agents.csv", "not a folder")
    ),
    Case(
        "staff-year-1900",
        S,
        2,
        ("forecast.csv", "row 2", "1900"),
        {"forecast.csv": _forecast().replace("2026-11-30", "1900-01-01")},
    ),
    Case("staff-bad-tz", (*S, "--tz", "Mars/Olympus"), 2, ("Mars/Olympus",)),
    # -------------------------------------------------------------- wfm evaluate
    Case("eval-missing-schedule", E, 2, ("roster.csv", "not found"), {"roster.csv": None}),
    Case(
        "eval-forecast-folder",
        _arg(E, "--forecast", "{in}/center"),
        2,
        ("'--forecast'", "directory"),
    ),
    Case(
        "eval-targets-folder", _arg(E, "--targets", "{in}/center"), 2, ("'--targets'", "directory")
    ),
    Case(
        "eval-unknown-channel",
        E,
        2,
        ("roster.csv", "row 2", "'channel'", "'sms'"),
        {"roster.csv": ROSTER.replace(",work,voice,", ",work,sms,")},
    ),
    Case(
        "eval-counts-other-week",
        EC,
        2,
        ("counts.csv", "row 2", "'interval_start'"),
        {"counts.csv": COUNTS.replace("2026-11-30", "2027-01-04")},
    ),
    Case(
        "eval-roster-other-week",
        E,
        2,
        ("roster.csv", "row 2"),
        {"roster.csv": ROSTER.replace("2026-11-30", "2027-01-04")},
    ),
    Case(
        "eval-roster-night-past-forecast",
        E,
        0,
        ("roster.csv", "120 minutes of work in 1 row(s) (first: row 2)", "left out"),
        {
            "roster.csv": "agent_id,date,activity,channel,start,end\n"
            "A1,2026-11-30,work,voice,2026-11-30T22:00:00+04:00,2026-12-01T02:00:00+04:00\n"
        },
    ),
    Case(
        "eval-interval-finer",
        (*E, "--interval", "15"),
        2,
        ("forecast.csv", "--interval", "30-minute"),
    ),
    Case(
        "eval-out-not-a-folder", _o(E, "{in}/agents.csv/e.csv"), 2, ("agents.csv", "not a folder")
    ),
    Case(
        "eval-bad-activity",
        E,
        2,
        ("roster.csv", "row 3", "'activity'"),
        {"roster.csv": ROSTER.replace(",break,", ",nap,")},
    ),
    Case(
        "eval-end-before-start",
        E,
        2,
        ("roster.csv", "row 2", "'end'"),
        {
            "roster.csv": ROSTER.replace(
                "T08:00:00+04:00,2026-11-30T11:00", "T11:00:00+04:00,2026-11-30T08:00"
            )
        },
    ),
    Case(
        "eval-negative-agents",
        EC,
        2,
        ("counts.csv", "row 3", "'agents'"),
        {"counts.csv": _replace_line(COUNTS, 3, "voice,2026-11-30T00:30:00+04:00,-1")},
    ),
    Case("eval-replications", (*E, "--simulate", "--replications", "1"), 2, ("'--replications'",)),
    Case(
        "eval-counts-unknown-channel",
        EC,
        2,
        ("counts.csv", "'sms'", "'channel'"),
        {"counts.csv": COUNTS.replace("\nvoice,2026-11-30T12", "\nsms,2026-11-30T12")},
    ),
    # -------------------------------------------------------------- wfm roster
    Case(
        "roster-missing-requirements",
        R,
        2,
        ("requirements.csv", "not found"),
        {"requirements.csv": None},
    ),
    Case("roster-missing-agents", R, 2, ("agents.csv", "not found"), {"agents.csv": None}),
    Case("roster-missing-rules", R, 2, ("rules.toml", "not found"), {"rules.toml": None}),
    Case("roster-rules-folder", _arg(R, "--rules", "{in}/center"), 2, ("'--rules'", "directory")),
    Case("roster-rules-bad-toml", R, 2, ("rules.toml", "TOML"), {"rules.toml": "[week\n"}),
    Case(
        "roster-rules-unknown-key",
        R,
        2,
        ("rules.toml", "week.days_of"),
        {"rules.toml": RULES.replace("days_off", "days_of")},
    ),
    Case(
        "roster-rules-overlapping-breaks",
        R,
        2,
        ("rules.toml", "shift[0] (d)", "overlap"),
        {
            "rules.toml": _rules_with(
                "lunch = { length_min = 30, earliest_min = 60, latest_min = 60 }\n"
                "breaks = [{ length_min = 15, earliest_min = 75, latest_min = 75 }]\n",
                breaks="[breaks]\nmin_gap_min = 0\n",
            )
        },
    ),
    Case(
        "roster-rules-lunch-too-long",
        R,
        2,
        ("rules.toml", "lunch.length_min"),
        {
            "rules.toml": _rules_with(
                "lunch = { length_min = 600, earliest_min = 60, latest_min = 60 }\n"
            )
        },
    ),
    Case(
        "roster-rules-min-gap",
        R,
        2,
        ("rules.toml", "shift[0] (d)", "min_gap_min"),
        {
            "rules.toml": _rules_with(
                "breaks = [{ length_min = 15, earliest_min = 60, latest_min = 60 },"
                " { length_min = 15, earliest_min = 90, latest_min = 90 }]\n"
            )
        },
    ),
    Case(
        "roster-rules-nan",
        R,
        2,
        ("rules.toml", "week.min_rest_h"),
        {"rules.toml": RULES.replace("days_off = 2", "days_off = 2\nmin_rest_h = nan")},
    ),
    Case(
        "roster-agents-missing-column",
        R,
        2,
        ("agents.csv", "max_days_week"),
        {"agents.csv": AGENTS.replace(",max_days_week", ",days")},
    ),
    Case(
        "roster-agents-min-over-max",
        R,
        2,
        ("agents.csv", "row 2", "'min_hours_week'"),
        {"agents.csv": AGENTS.replace("A1,Sara,voice,16,40", "A1,Sara,voice,45,40")},
    ),
    Case(
        "roster-agents-no-skill",
        R,
        2,
        ("agents.csv", "row 3", "'skills'"),
        {"agents.csv": AGENTS.replace("A2,Omar,voice", "A2,Omar,")},
    ),
    Case(
        "roster-agents-duplicate",
        R,
        2,
        ("agents.csv", "row 3", "'agent_id'"),
        {"agents.csv": AGENTS.replace("A2,", "A1,")},
    ),
    Case(
        "roster-agents-nan-hours",
        R,
        2,
        ("agents.csv", "row 2", "'max_hours_week'"),
        {"agents.csv": AGENTS.replace("A1,Sara,voice,16,40", "A1,Sara,voice,16,nan")},
    ),
    Case(
        "roster-agent-extra-unknown-skill",
        R,
        0,
        ("agents.csv", "row 2", "'skills'", "'fax'"),
        {"agents.csv": AGENTS.replace("A1,Sara,voice,", "A1,Sara,voice;fax,")},
    ),
    Case(
        "roster-agent-only-unknown-skill",
        R,
        3,
        ("A2", "'fax'"),
        {"agents.csv": AGENTS.replace("A2,Omar,voice,", "A2,Omar,fax,")},
    ),
    Case(
        "roster-impossible-contract",
        R,
        3,
        ("A2", "48", "min_hours_week", "max_days_week"),
        {"agents.csv": AGENTS.replace("A2,Omar,voice,16,40,5", "A2,Omar,voice,48,48,5")},
    ),
    Case(
        "roster-start-window-fits-no-shift",
        R,
        3,
        ("A2", "earliest start 12:00", "earliest_start"),
        {
            "agents.csv": AGENTS.replace("max_days_week", "max_days_week,earliest_start")
            .replace("A1,Sara,voice,16,40,5", "A1,Sara,voice,16,40,5,")
            .replace("A2,Omar,voice,16,40,5", "A2,Omar,voice,16,40,5,12:00")
        },
    ),
    Case("roster-time-limit-nan", _arg(R, "--time-limit", "nan"), 2, ("'--time-limit'", "nan")),
    Case("roster-time-limit-inf", _arg(R, "--time-limit", "inf"), 2, ("'--time-limit'", "inf")),
    Case("roster-time-limit-negative", _arg(R, "--time-limit", "-1"), 2, ("'--time-limit'",)),
    Case(
        "roster-start-not-covered",
        (*R, "--start", "2027-01-04"),
        2,
        ("requirements.csv", "2027-01-04", "--start"),
    ),
    Case(
        "roster-out-not-a-folder", _o(R, "{in}/agents.csv/r.csv"), 2, ("agents.csv", "not a folder")
    ),
    Case(
        "roster-requirements-no-staff",
        R,
        2,
        ("requirements.csv", "'staff'"),
        {"requirements.csv": _requirements().replace(",staff\n", ",heads\n")},
    ),
    Case(
        "roster-requirements-negative",
        R,
        2,
        ("requirements.csv", "row 4", "'staff'"),
        {
            "requirements.csv": _replace_line(
                _requirements(), 4, "voice,all,2026-11-30T01:00:00+04:00,0,180,0,-1"
            )
        },
    ),
    Case(
        "roster-previous-bad",
        (*R, "--previous", "{in}/roster.csv"),
        2,
        ("roster.csv", "row 2", "'date'"),
        {"roster.csv": ROSTER.replace("A1,2026-11-30,work", "A1,30/11/2026,work", 1)},
    ),
    Case("roster-no-output", R[:7], 2, ("-o",)),
    Case("roster-seed-text", (*R, "--seed", "x"), 2, ("'--seed'",)),
    # -------------------------------------------------------------- wfm roster --check
    Case("check-missing-roster", K, 2, ("roster.csv", "not found"), {"roster.csv": None}),
    Case(
        "check-bad-date",
        K,
        2,
        ("roster.csv", "row 3", "'date'"),
        {"roster.csv": ROSTER.replace("A1,2026-11-30,break", "A1,2026-11-31,break")},
    ),
    Case(
        "check-bad-time",
        K,
        2,
        ("roster.csv", "row 2", "'start'"),
        {"roster.csv": ROSTER.replace("2026-11-30T08:00:00+04:00", "8 am")},
    ),
    Case(
        "check-work-without-channel",
        K,
        2,
        ("roster.csv", "row 2", "'channel'"),
        {"roster.csv": ROSTER.replace(",work,voice,2026-11-30T08", ",work,,2026-11-30T08")},
    ),
    Case(
        "check-rules-overlapping-breaks",
        K,
        2,
        ("rules.toml", "overlap"),
        {
            "rules.toml": _rules_with(
                "lunch = { length_min = 30, earliest_min = 60, latest_min = 60 }\n"
                "breaks = [{ length_min = 15, earliest_min = 75, latest_min = 75 }]\n",
                breaks="[breaks]\nmin_gap_min = 0\n",
            )
        },
    ),
    Case("check-roster-folder", _arg(K, "--check", "{in}/center"), 2, ("'--check'", "directory")),
    # -------------------------------------------------------------- wfm demo --data-dir
    Case(
        "demo-no-history",
        D,
        2,
        ("generated", "history.csv"),
        {"center/generated/history.csv": None},
    ),
    Case(
        "demo-bad-targets",
        D,
        2,
        ("targets.toml", "'voice'", "'model'"),
        {"center/targets.toml": TARGETS.replace("erlang_c", "erlang_x")},
    ),
    Case(
        "demo-bad-agents",
        D,
        2,
        ("agents.csv", "row 3", "'max_days_week'"),
        {"center/agents.csv": AGENTS.replace("A2,Omar,voice,16,40,5", "A2,Omar,voice,16,40,9")},
    ),
    Case(
        "demo-bad-rules",
        D,
        2,
        ("rules.toml", "overlap"),
        {
            "center/rules.toml": _rules_with(
                "lunch = { length_min = 30, earliest_min = 60, latest_min = 60 }\n"
                "breaks = [{ length_min = 15, earliest_min = 75, latest_min = 75 }]\n",
                breaks="[breaks]\nmin_gap_min = 0\n",
            )
        },
    ),
    Case(
        "demo-bad-events",
        D,
        2,
        ("events.csv", "row 2"),
        {"center/events.csv": "name,start,end,effect\nCampaign,2026-12-01,2026-12-01,lots\n"},
    ),
    Case(
        "demo-impossible-contract",
        D,
        3,
        ("A2", "min_hours_week"),
        {"center/agents.csv": AGENTS.replace("A2,Omar,voice,16,40,5", "A2,Omar,voice,48,48,5")},
    ),
    Case(
        "demo-serving-impossible-contract",
        DS,
        3,
        ("A2", "min_hours_week"),
        {"center/agents.csv": AGENTS.replace("A2,Omar,voice,16,40,5", "A2,Omar,voice,48,48,5")},
    ),
    Case(
        "demo-serving-bad-targets",
        DS,
        2,
        ("targets.toml", "service_level"),
        {"center/targets.toml": TARGETS.replace("service_level = 0.8", "service_level = 80")},
    ),
    Case(
        "demo-bad-history",
        D,
        2,
        ("history.csv", "row 10", "'offered'"),
        {"center/generated/history.csv": _hist_edit(10, _history_row(8, "-3", ",0,0,180"))},
    ),
    Case("demo-out-not-a-folder", _o(D, "{in}/agents.csv/demo"), 2, ("agents.csv", "not a folder")),
    Case("demo-time-limit-nan", _arg(D, "--time-limit", "nan"), 2, ("'--time-limit'", "nan")),
    Case(
        "demo-data-dir-missing",
        _arg(D, "--data-dir", "{in}/nowhere"),
        2,
        ("'--data-dir'", "nowhere"),
    ),
]


# ----------------------------------------------------------------------------------------------
# running a case
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """What one run did."""

    exit_code: int
    output: str
    traceback: bool
    left_behind: tuple[str, ...]
    missing_names: tuple[str, ...]


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def run_case(case: Case, root: Path) -> Outcome:
    """Lay out the case's files under ``root`` and run it."""
    inputs, outputs = root / "in", root / "out"
    files = dict(_base_files())
    files.update(case.files)
    for name, content in files.items():
        if content is None:
            continue
        path = inputs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    outputs.mkdir(parents=True, exist_ok=True)
    before = _files(root)
    argv = [a.replace("{in}", str(inputs)).replace("{out}", str(outputs)) for a in case.argv]
    result = CliRunner().invoke(cli, argv, catch_exceptions=True)
    output = result.output
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    if crashed:
        assert result.exc_info is not None
        output += "".join(traceback.format_exception(*result.exc_info))
    new = _files(root) - before
    if result.exit_code == 0:  # outputs are expected; temporary files never are
        new = {p for p in new if p.endswith(".tmp")}
    missing = tuple(n for n in case.names if n not in output)
    return Outcome(result.exit_code, output, crashed, tuple(sorted(new)), missing)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    outcome = run_case(case, tmp_path)
    assert not outcome.traceback, outcome.output
    assert "Traceback" not in outcome.output, outcome.output
    assert outcome.exit_code == case.exit_code, outcome.output
    assert not outcome.missing_names, f"message lacks {outcome.missing_names}:\n{outcome.output}"
    assert not outcome.left_behind, f"left behind {outcome.left_behind}"


def test_corpus_size() -> None:
    assert len(CASES) >= 80
    assert len({c.id for c in CASES}) == len(CASES)
    verbs = {c.argv[0] if c.argv[0] != "history" else " ".join(c.argv[:2]) for c in CASES}
    verbs |= {"roster --check" for c in CASES if "--check" in c.argv}
    assert verbs >= {
        "history check",
        "history import-acd",
        "forecast",
        "staff",
        "evaluate",
        "roster",
        "roster --check",
        "demo",
    }


def _readers() -> list[tuple[str, object]]:
    from forecasting.acd import read_acd
    from forecasting.calendar import load_events
    from forecasting.history import read_history
    from forecasting.opening_hours import load_opening_hours
    from forecasting.overrides import read_overrides
    from scheduling.roster.agents import read_agents
    from scheduling.roster.io import read_requirements, read_roster
    from scheduling.roster.rules import load_rules
    from scheduling.staffing.evaluate import read_schedule
    from scheduling.staffing.requirements import read_forecast
    from scheduling.staffing.targets import load_targets

    return [
        (f.__name__, f)
        for f in (
            read_acd,
            load_events,
            read_history,
            load_opening_hours,
            read_overrides,
            read_agents,
            read_requirements,
            read_roster,
            load_rules,
            read_schedule,
            read_forecast,
            load_targets,
        )
    ]


@pytest.mark.parametrize(("name", "reader"), _readers(), ids=[n for n, _ in _readers()])
def test_every_reader_refuses_a_folder_with_its_own_error(
    name: str, reader: object, tmp_path: Path
) -> None:
    """The command line refuses a folder before reading; the libraries say it too."""
    from wfmcore.errors import WfmError

    with pytest.raises(WfmError, match=str(tmp_path)):
        reader(tmp_path)  # type: ignore[operator]


def _tally() -> None:  # pragma: no cover - a report for people, run by hand
    import tempfile

    codes: Counter[int] = Counter()
    tracebacks = left = wrong_code = unnamed = 0
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            outcome = run_case(case, Path(tmp))
        codes[outcome.exit_code] += 1
        tracebacks += outcome.traceback or "Traceback" in outcome.output
        left += bool(outcome.left_behind)
        wrong_code += outcome.exit_code != case.exit_code
        unnamed += bool(outcome.missing_names)
        ok = (
            outcome.exit_code == case.exit_code
            and not outcome.traceback
            and not outcome.missing_names
            and not outcome.left_behind
        )
        print(
            f"{'ok  ' if ok else 'FAIL'} {case.id}: exit {outcome.exit_code} "
            f"(want {case.exit_code})"
            f"{' traceback' if outcome.traceback else ''}"
            f"{' left ' + ','.join(outcome.left_behind) if outcome.left_behind else ''}"
            f"{' lacks ' + repr(outcome.missing_names) if outcome.missing_names else ''}"
        )
    print(
        f"cases {len(CASES)}; exit codes {dict(sorted(codes.items()))}; tracebacks {tracebacks}; "
        f"runs leaving files behind {left}; wrong exit code {wrong_code}; "
        f"messages missing the file/row/column/key {unnamed}"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_tally())

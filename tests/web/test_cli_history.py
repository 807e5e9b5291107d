"""``wfm history check`` and ``wfm history import-acd`` end to end."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from forecasting.history import read_history
from web.cli import cli

AB_HEADER = (
    "vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\tvru_time\t"
    "q_start\tq_exit\tq_time\toutcome\tser_start\tser_exit\tser_time\tserver"
)


_CALL_IDS = itertools.count(1)


def ab_row(
    type_: str,
    exit_: str,
    outcome: str,
    q_start: str = "0:00:00",
    q_time: int = 0,
    ser_time: int = 100,
) -> str:
    return "\t".join(
        [
            "AA0101",
            str(next(_CALL_IDS)),  # each contact its own id: a repeated id is a duplicate
            "0",
            "0",
            type_,
            "990301",
            "8:00:00",
            exit_,
            "5",
            q_start,
            "0:00:00",
            str(q_time),
            outcome,
            "0:00:00",
            "0:00:00",
            str(ser_time),
            "X",
        ]
    )


def history_file(tmp_path: Path) -> Path:
    stamps = pd.date_range("2026-11-02", "2026-11-23", freq="30min", inclusive="left")
    rows = [
        f"voice,all,{t:%Y-%m-%dT%H:%M},{10 + t.hour},{9 + t.hour},1,300"
        for t in stamps
        if f"{t:%Y-%m-%d %H:%M}" != "2026-11-10 12:00"  # one gap
    ]
    path = tmp_path / "history.csv"
    path.write_text(
        "channel,queue,interval_start,offered,handled,abandoned,aht_s,note\n"
        + "\n".join(f"{r},x" for r in rows)
        + "\n",
        encoding="utf-8",
    )
    return path


def test_history_help_lists_subcommands() -> None:
    result = CliRunner().invoke(cli, ["history", "--help"])
    assert result.exit_code == 0
    assert "check" in result.output and "import-acd" in result.output
    for sub in ("check", "import-acd"):
        sub_help = CliRunner().invoke(cli, ["history", sub, "--help"])
        assert sub_help.exit_code == 0
        assert "Usage: cli history" in sub_help.output or "Usage:" in sub_help.output


def test_check_prints_summary_and_writes_filled_history(tmp_path: Path) -> None:
    path = history_file(tmp_path)
    out = tmp_path / "clean.csv"
    result = CliRunner().invoke(cli, ["history", "check", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = result.output
    assert "1 series, 30-minute intervals, time zone Asia/Dubai" in text
    assert "span 2026-11-02T00:00:00+04:00 .. 2026-11-22T23:30:00+04:00" in text
    assert "gaps imputed: 1 interval(s)" in text
    assert "ignored unknown column(s) 'note'" in text
    assert "voice: opening hours not configured; inferred" in text
    again = read_history(out)
    assert again.frame["imputed"].sum() == 1
    assert len(again.frame) == 21 * 48


def test_check_with_targets_uses_opening_hours(tmp_path: Path) -> None:
    path = history_file(tmp_path)
    targets = tmp_path / "targets.toml"
    targets.write_text(
        '[channels.voice]\nmodel = "erlang_a"\nopening_hours = "24/7"\n', encoding="utf-8"
    )
    result = CliRunner().invoke(
        cli, ["history", "check", str(path), "--targets", str(targets), "--interval", "60"]
    )
    assert result.exit_code == 0, result.output
    assert "60-minute intervals" in result.output
    assert "voice/all: 24/7" in result.output
    assert "inferred" not in result.output


def test_check_bad_file_exits_2_with_one_clean_error_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "interval_start,offered\n2026-11-30 08:00,1\n2026-11-30 08:30,-2\n", encoding="utf-8"
    )
    result = CliRunner().invoke(cli, ["history", "check", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}, row 3, column 'offered': value -2")
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_check_bad_targets_and_missing_file(tmp_path: Path) -> None:
    path = history_file(tmp_path)
    targets = tmp_path / "targets.toml"
    targets.write_text('[channels.voice]\nopening_hours = "7 to 22"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["history", "check", str(path), "--targets", str(targets)])
    assert result.exit_code == 2
    assert "error:" in result.stderr and "[channels.voice]" in result.stderr
    missing = CliRunner().invoke(cli, ["history", "check", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "file not found" in missing.stderr


def test_import_acd_writes_history_and_warns_on_malformed_rows(tmp_path: Path) -> None:
    raw = tmp_path / "march.txt"
    lines = [
        ab_row("PS", "8:00:10", "AGENT", "8:00:10", 12),
        ab_row("PS", "8:40:00", "HANG", "8:40:00", 30, 0),
        "AA0101\t2\t0\t0       PS\t990301\t8:00:00\t8:00:10\t5\t0:00:00\t0:00:00\t0\tHANG\t"
        "0:00:00\t0:00:00\t0\tX",
        ab_row("NW", "9:00:00", "AGENT", ser_time=60),
    ] + [ab_row("PS", "10:00:00", "AGENT") for _ in range(200)]
    raw.write_text(AB_HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "hist.csv"
    result = CliRunner().invoke(
        cli, ["history", "import-acd", str(raw), "-o", str(out), "--answered-within", "10,20"]
    )
    assert result.exit_code == 0, result.output
    assert "read 203 contacts (1 malformed row(s) skipped)" in result.output
    assert f"{raw}, row 4: 16 fields where the header has 17; row skipped" in result.output
    frame = pd.read_csv(out)
    assert {"answered_within_10s", "answered_within_20s", "abandoned_within_20s"} <= set(
        frame.columns
    )
    assert frame["interval_start"].iloc[0] == "1999-03-01T00:00:00+02:00"
    assert frame["offered"].sum() == 203
    row = frame[(frame["queue"] == "PS") & (frame["interval_start"].str.contains("T08:00"))]
    assert row[
        ["offered", "handled", "answered_within_10s", "answered_within_20s"]
    ].values.tolist() == [[1, 1, 0, 1]]
    checked = CliRunner().invoke(cli, ["history", "check", str(out), "--tz", "Asia/Jerusalem"])
    assert checked.exit_code == 0, checked.output
    assert "2 series" in checked.output


def test_import_acd_strict_and_bad_options(tmp_path: Path) -> None:
    raw = tmp_path / "march.txt"
    raw.write_text(
        AB_HEADER + "\n" + ab_row("PS", "8:00:10", "AGENT") + "\n" + "x\ty\n", encoding="utf-8"
    )
    out = tmp_path / "hist.csv"
    result = CliRunner().invoke(
        cli, ["history", "import-acd", str(raw), "-o", str(out), "--strict"]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {raw}, row 3: 2 fields where the header has 17")
    assert not out.exists()  # nothing half-written
    bad = CliRunner().invoke(
        cli, ["history", "import-acd", str(raw), "-o", str(out), "--answered-within", "twenty"]
    )
    assert bad.exit_code == 2 and "expected seconds" in bad.output


def test_check_maps_columns_of_the_us_bank_file(shared_data: Path) -> None:
    bank = shared_data / "us_bank_5min_2003" / "bank_calls.csv"
    args = ["history", "check", str(bank), "--tz", "UTC", "--interval", "30"]
    missing = CliRunner().invoke(cli, args)
    assert missing.exit_code == 2
    assert "map other names with --column FILE_NAME=NAME" in missing.output
    mapped = CliRunner().invoke(
        cli, [*args, "--column", "DateTime=interval_start", "--column", "Calls=offered"]
    )
    assert mapped.exit_code == 0, mapped.output
    assert "30-minute intervals" in mapped.output and "voice/all" in mapped.output

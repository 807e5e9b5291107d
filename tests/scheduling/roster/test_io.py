"""Roster and requirements readers: contract columns, offsets, located errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scheduling.errors import InputError
from scheduling.roster.io import previous_shifts, read_requirements, read_roster

HEAD = "agent_id,date,activity,channel,start,end\n"
GOOD = (
    "A1,2026-11-30,work,voice,2026-11-30T22:00:00+04:00,2026-12-01T02:00:00+04:00\n"
    "A1,2026-11-30,break,,2026-12-01T02:00:00+04:00,2026-12-01T02:15:00+04:00\n"
    "A1,2026-11-30,work,voice,2026-12-01T02:15,2026-12-01T07:00\n"
)


def write(tmp_path: Path, text: str, name: str = "r.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_roster_reads_offsets_and_naive_times_and_groups_shifts(tmp_path: Path) -> None:
    frame = read_roster(write(tmp_path, HEAD + GOOD))
    assert str(frame["start"].dt.tz) == "Asia/Dubai"
    (shift,) = previous_shifts(frame)
    assert shift.channel == "voice" and shift.date.isoformat() == "2026-11-30"
    assert shift.start == pd.Timestamp("2026-11-30T22:00:00+04:00")
    assert shift.end == pd.Timestamp("2026-12-01T07:00:00+04:00")
    assert [r[0] for r in shift.rests] == ["break"]


@pytest.mark.parametrize(
    ("line", "column"),
    [
        ("A1,2026-11-31,work,voice,2026-11-30T08:00,2026-11-30T09:00", "date"),
        ("A1,2026-11-30,nap,voice,2026-11-30T08:00,2026-11-30T09:00", "activity"),
        ("A1,2026-11-30,work,,2026-11-30T08:00,2026-11-30T09:00", "channel"),
        ("A1,2026-11-30,work,voice,8am,2026-11-30T09:00", "start"),
        ("A1,2026-11-30,work,voice,2026-11-30T09:00,2026-11-30T08:00", "end"),
    ],
)
def test_roster_errors_name_row_and_column(tmp_path: Path, line: str, column: str) -> None:
    with pytest.raises(InputError, match=f"row 2, column '{column}'"):
        read_roster(write(tmp_path, HEAD + line + "\n"))


def test_requirements_pool_defaults_and_errors(tmp_path: Path) -> None:
    p = write(tmp_path, "channel,interval_start,staff\nvoice,2026-11-30T08:00:00+04:00,3.5\n")
    req = read_requirements(p)
    assert req.loc[0, "agents"] == 3.5 and req.loc[0, "queue"] == "all"
    bad = write(tmp_path, "channel,interval_start,staff\nvoice,2026-11-30T08:00,-1\n")
    with pytest.raises(InputError, match="staff"):
        read_requirements(bad)
    with pytest.raises(InputError, match="interval_start"):
        read_requirements(write(tmp_path, "channel,staff\nvoice,1\n"))

"""The column contracts, where each library uses them, and the roster reader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import scheduling.errors
from forecasting.engine import FORECAST_COLUMNS as ENGINE_COLUMNS
from forecasting.history import HISTORY_COLUMNS as HISTORY_FRAME_COLUMNS
from scheduling.roster.io import read_roster as scheduling_read_roster
from scheduling.staffing.requirements import REQUIREMENT_COLUMNS as STAFFING_COLUMNS
from wfmcore import frames
from wfmcore.errors import InputError

HEAD = ",".join(frames.ROSTER_COLUMNS) + "\n"


def test_libraries_use_the_documented_contracts() -> None:
    assert tuple(ENGINE_COLUMNS[: len(frames.FORECAST_COLUMNS)]) == frames.FORECAST_COLUMNS
    assert HISTORY_FRAME_COLUMNS == (*frames.HISTORY_COLUMNS, "imputed")
    assert tuple(STAFFING_COLUMNS) == frames.REQUIREMENT_COLUMNS
    assert set(frames.DEMAND_COLUMNS) <= set(frames.FORECAST_COLUMNS)
    assert set(frames.HISTORY_REQUIRED) <= set(frames.HISTORY_COLUMNS)
    assert frames.AGENT_COLUMNS == frames.AGENT_REQUIRED + frames.AGENT_OPTIONAL


def test_read_roster(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        HEAD
        + "A1,2026-11-30,work,voice,2026-11-30T22:00:00+04:00,2026-12-01T02:00:00+04:00\n"
        + "A1,2026-11-30,Break,,2026-12-01T02:00,2026-12-01T02:15\n",
        encoding="utf-8",
    )
    frame = frames.read_roster(path)
    assert list(frame.columns) == [*frames.ROSTER_COLUMNS, "row"]
    assert frame["activity"].tolist() == ["work", "break"] and frame["row"].tolist() == [2, 3]
    assert frame["date"].tolist() == [dt.date(2026, 11, 30)] * 2
    assert frame["end"].iloc[1] == pd.Timestamp("2026-12-01 02:15", tz="Asia/Dubai")


@pytest.mark.parametrize(
    ("line", "column"),
    [
        (",2026-11-30,work,voice,2026-11-30T08:00,2026-11-30T09:00", "agent_id"),
        ("A1,30.11.2026,work,voice,2026-11-30T08:00,2026-11-30T09:00", "date"),
        ("A1,2026-11-30,nap,voice,2026-11-30T08:00,2026-11-30T09:00", "activity"),
        ("A1,2026-11-30,work,,2026-11-30T08:00,2026-11-30T09:00", "channel"),
        ("A1,2026-11-30,work,voice,8am,2026-11-30T09:00", "start"),
        ("A1,2026-11-30,work,voice,2026-11-30T09:00,2026-11-30T08:00", "end"),
    ],
)
def test_read_roster_errors_name_row_and_column_in_the_callers_tree(
    tmp_path: Path, line: str, column: str
) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(HEAD + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=f"row 2, column '{column}'") as info:
        frames.read_roster(path)
    assert type(info.value) is InputError
    with pytest.raises(scheduling.errors.InputError, match=f"row 2, column '{column}'"):
        scheduling_read_roster(path)

"""agents.csv reader."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scheduling.errors import InputError
from scheduling.roster.agents import read_agents

HEAD = "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week"


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "agents.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_reads_full_row_and_notes_extra_columns(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        HEAD + ",earliest_start,latest_end,unavailable,preferred_start,"
        "preferred_days_off,contract,languages\n"
        "A1,Sara,voice;chat,36,40,5,07:00,24:00,2026-12-01;2026-12-02,08:00,fri;Sat,"
        "part_time,ar\n",
    )
    agents_file = read_agents(p)
    (a,) = agents_file.agents
    assert a.skills == ("voice", "chat") and a.max_days_week == 5
    assert (a.earliest_start_min, a.latest_end_min, a.preferred_start_min) == (420, 1440, 480)
    assert a.unavailable == {dt.date(2026, 12, 1), dt.date(2026, 12, 2)}
    assert a.preferred_days_off == {4, 5} and a.group == "part_time"
    assert len(agents_file.notes) == 1 and "languages" in agents_file.notes[0]


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("A1,S,,36,40,5", "skills"),
        ("A1,S,voice,x,40,5", "min_hours_week"),
        ("A1,S,voice,41,40,5", "min_hours_week"),
        ("A1,S,voice,36,40,8", "max_days_week"),
        ("A1,S,voice,36,40,4.5", "max_days_week"),
        (",S,voice,36,40,5", "agent_id"),
    ],
)
def test_bad_values_name_row_and_column(tmp_path: Path, row: str, column: str) -> None:
    with pytest.raises(InputError, match=f"row 2, column '{column}'"):
        read_agents(write(tmp_path, HEAD + "\n" + row + "\n"))


def test_missing_column_duplicate_and_bad_time(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing column"):
        read_agents(write(tmp_path, "agent_id,name\nA,B\n"))
    with pytest.raises(InputError, match="duplicate agent_id"):
        read_agents(write(tmp_path, HEAD + "\nA,S,voice,1,2,3\nA,T,voice,1,2,3\n"))
    with pytest.raises(InputError, match="earliest_start"):
        read_agents(write(tmp_path, HEAD + ",earliest_start\nA,S,voice,1,2,3,7h\n"))
    with pytest.raises(InputError, match="not found"):
        read_agents(tmp_path / "nope.csv")

"""Bad history files: each error names the file, the row (1-based, header = 1) and the column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecasting.errors import InputError
from forecasting.history import read_history, validate_history
from forecasting.opening_hours import OpeningHours

HEADER = "channel,queue,interval_start,offered,handled,abandoned,aht_s\n"
GOOD = [
    "voice,all,2026-11-30T08:00:00+04:00,10,8,2,300\n",
    "voice,all,2026-11-30T08:30:00+04:00,12,12,0,310\n",
    "voice,all,2026-11-30T09:00:00+04:00,9,9,0,290\n",
    "voice,all,2026-11-30T09:30:00+04:00,7,6,1,280\n",
]


def body(*replace: tuple[int, str]) -> str:
    """The good file with data row i (0-based; file row i + 2) replaced."""
    rows = list(GOOD)
    for i, line in replace:
        rows[i] = line
    return HEADER + "".join(rows)


# (id, file text, tz, expected row, expected column, message pattern)
CASES = [
    (
        "unparseable-timestamp",
        body((1, "voice,all,2026-13-45 08:00,12,12,0,310\n")),
        "Asia/Dubai",
        3,
        "interval_start",
        r"cannot read '2026-13-45 08:00' as a date-time; expected ISO 8601",
    ),
    (
        "empty-timestamp",
        body((2, "voice,all,,9,9,0,290\n")),
        "Asia/Dubai",
        4,
        "interval_start",
        "empty cell; expected a date-time",
    ),
    (
        "off-grid",
        body((2, "voice,all,2026-11-30T09:10:00+04:00,9,9,0,290\n")),
        "Asia/Dubai",
        4,
        "interval_start",
        "09:10:00 is off the 30-minute grid",
    ),
    (
        "off-grid-seconds",
        body((2, "voice,all,2026-11-30T09:00:05+04:00,9,9,0,290\n")),
        "Asia/Dubai",
        4,
        "interval_start",
        "off the 30-minute grid",
    ),
    (
        "mixed-interval-lengths",
        HEADER
        + "".join(GOOD)
        + "".join(
            f"voice,all,2026-11-30T{h}:00+04:00,1,1,0,100\n"
            for h in ("10:00", "10:15", "10:30", "10:45", "11:00")
        )
        + "".join(f"voice,all,2026-11-30T{h}:00+04:00,1,1,0,100\n" for h in ("11:15",)),
        "Asia/Dubai",
        7,
        "interval_start",
        "mixed interval lengths: series voice/all has rows 30 minutes apart, then from this row 15",
    ),
    (
        "mixed-interval-lengths-between-series",
        HEADER
        + "".join(GOOD)
        + "".join(
            f"chat,all,2026-11-30T{h}:00+04:00,1,1,0,100\n"
            for h in ("08:00", "09:00", "10:00", "11:00")
        ),
        "Asia/Dubai",
        6,
        "interval_start",
        "mixed interval lengths: series chat/all has 60-minute intervals",
    ),
    (
        "duplicate",
        body((3, "voice,all,2026-11-30T08:30:00+04:00,7,6,1,280\n")),
        "Asia/Dubai",
        5,
        "interval_start",
        r"duplicate interval 2026-11-30T08:30:00\+04:00 for voice/all "
        r"\(also on row 3\)",
    ),
    (
        "duplicate-via-offset",
        body((3, "voice,all,2026-11-30T04:30:00Z,7,6,1,280\n")),
        "Asia/Dubai",
        5,
        "interval_start",
        r"duplicate interval .*also on row 3",
    ),
    (
        "negative-count",
        body((0, "voice,all,2026-11-30T08:00:00+04:00,-3,0,0,300\n")),
        "Asia/Dubai",
        2,
        "offered",
        "value -3 is not allowed; expected a count >= 0",
    ),
    (
        "non-numeric-count",
        body((2, "voice,all,2026-11-30T09:00:00+04:00,nine,9,0,290\n")),
        "Asia/Dubai",
        4,
        "offered",
        "cannot read 'nine' as a number; expected a count >= 0",
    ),
    (
        "non-numeric-handled",
        body((1, "voice,all,2026-11-30T08:30:00+04:00,12,1 2,0,310\n")),
        "Asia/Dubai",
        3,
        "handled",
        "cannot read '1 2' as a number",
    ),
    (
        "negative-aht",
        body((1, "voice,all,2026-11-30T08:30:00+04:00,12,12,0,-1\n")),
        "Asia/Dubai",
        3,
        "aht_s",
        "expected a duration in seconds >= 0",
    ),
    (
        "infinite-count",
        body((1, "voice,all,2026-11-30T08:30:00+04:00,inf,12,0,310\n")),
        "Asia/Dubai",
        3,
        "offered",
        "value inf is not allowed",
    ),
    (
        "empty-offered",
        body((3, "voice,all,2026-11-30T09:30:00+04:00,,6,1,280\n")),
        "Asia/Dubai",
        5,
        "offered",
        "empty cell; expected a count >= 0",
    ),
    (
        "handled-plus-abandoned-over-offered",
        body((2, "voice,all,2026-11-30T09:00:00+04:00,9,8,2,290\n")),
        "Asia/Dubai",
        4,
        "handled",
        r"handled \(8\) \+ abandoned \(2\) = 10 exceeds offered \(9\)",
    ),
    (
        "empty-channel",
        body((1, ",all,2026-11-30T08:30:00+04:00,12,12,0,310\n")),
        "Asia/Dubai",
        3,
        "channel",
        "empty cell; expected a channel name",
    ),
    (
        "empty-queue",
        body((1, "voice, ,2026-11-30T08:30:00+04:00,12,12,0,310\n")),
        "Asia/Dubai",
        3,
        "queue",
        "empty cell; expected a queue name",
    ),
    (
        "nonexistent-local-time",
        HEADER
        + "".join(
            f"voice,all,2024-03-31 {h},1,1,0,100\n" for h in ("00:00", "00:30", "01:00", "01:30")
        ),
        "Europe/London",
        4,
        "interval_start",
        "local time 2024-03-31 01:00 does not exist in Europe/London",
    ),
    # a fall-back time given once is a merged doubled hour, accepted with a note since issue #18
    # (tests/forecasting/test_history_dst_exports.py)
    (
        "ambiguous-not-in-time-order",
        HEADER
        + "".join(
            f"voice,all,2024-10-27 {h},1,1,0,100\n"
            for h in ("00:00", "00:30", "01:00", "01:00", "01:30", "01:30", "02:00")
        ),
        "Europe/London",
        6,
        "interval_start",
        "ambiguous timestamp 2024-10-27 01:30: .*not in time order",
    ),
]


@pytest.mark.parametrize(
    ("text", "tz", "row", "column", "pattern"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_bad_history_names_row_and_column(
    tmp_path: Path, text: str, tz: str, row: int, column: str, pattern: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=pattern) as info:
        read_history(path, tz=tz, opening_hours=OpeningHours.always())
    err = info.value
    assert (err.row, err.column) == (row, column)
    message = str(err)
    assert message.startswith(f"{path}, row {row}, column '{column}': ")


def test_missing_required_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("interval_start,calls\n2026-11-30 08:00,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing required column 'offered'; found") as info:
        read_history(path)
    assert (info.value.row, info.value.column) == (1, "offered")
    assert "'calls'" in str(info.value)


@pytest.mark.parametrize(
    "header", ["interval_start,Offered,OFFERED", "interval_start,offered,offered"]
)
def test_columns_that_repeat_or_collide_after_lower_casing(tmp_path: Path, header: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"{header}\n2026-11-30 08:00,1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="appears more than once") as info:
        read_history(path)
    assert (info.value.row, info.value.column) == (1, header.rsplit(",", 1)[1])


def test_mapping_onto_an_existing_column_collides() -> None:
    frame = pd.DataFrame({"interval_start": ["2026-11-30 08:00"], "calls": [1], "offered": [2]})
    with pytest.raises(InputError, match="both give column 'offered'") as info:
        validate_history(frame, columns={"calls": "offered"})
    assert info.value.row == 1


@pytest.mark.parametrize(
    ("data", "row", "pattern"),
    [
        (b"", 1, "file is empty"),
        (b"   \n\n", 1, "file is empty"),
        (b"interval_start,offered\n", 2, "header but no data rows"),
        (b"interval_start,offered\n\n\n", 2, "header but no data rows"),
        (
            b"interval_start,offered\n2026-11-30 08:00,1\n2026-11-30 08:30,\xe9\n",
            3,
            r"not valid UTF-8 \(byte 0xe9",
        ),
        ("interval_start,offered\n".encode("utf-16"), 1, "UTF-16"),
        (
            b"interval_start,offered\n2026-11-30 08:00,1\n2026-11-30 08:30,1,7\n",
            3,
            "3 fields where the header has 2",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "header-only",
        "header-and-blank-lines",
        "latin-1",
        "utf-16",
        "too-many-fields",
    ],
)
def test_unreadable_files_name_the_row(tmp_path: Path, data: bytes, row: int, pattern: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=pattern) as info:
        read_history(path)
    assert info.value.row == row
    assert str(info.value).startswith(f"{path}, row {row}: ")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_history(tmp_path / "nope.csv")


def test_single_row_needs_an_interval(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("interval_start,offered\n2026-11-30 08:00,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="cannot tell the interval length") as info:
        read_history(path)
    assert (info.value.row, info.value.column) == (2, "interval_start")
    h = read_history(path, interval_min=30, opening_hours=OpeningHours.always())
    assert h.frame["offered"].tolist() == [1.0]


def test_in_memory_frame_rows_count_as_in_a_csv() -> None:
    frame = pd.DataFrame(
        {"interval_start": ["2026-11-30 08:00", "2026-11-30 08:30", "x"], "offered": [1, 2, 3]}
    )
    with pytest.raises(InputError, match="cannot read 'x'") as info:
        validate_history(frame, source="api")
    assert (info.value.file, info.value.row, info.value.column) == ("api", 4, "interval_start")
    with pytest.raises(InputError, match="no data rows"):
        validate_history(frame.iloc[:0])

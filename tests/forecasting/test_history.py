"""History import: contract, column mapping, encodings, grid completion, gaps and imputation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.errors import ConfigError
from forecasting.history import HISTORY_COLUMNS, read_history, validate_history
from forecasting.opening_hours import OpeningHours

TZ = "Asia/Dubai"
ALWAYS = OpeningHours.always()


def write(tmp_path: Path, text: str, name: str = "history.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def day_rows(day: str, offered: float = 10.0, start: str = "00:00", periods: int = 48) -> str:
    stamps = pd.date_range(f"{day} {start}", periods=periods, freq="30min")
    return "".join(f"{t:%Y-%m-%dT%H:%M},{offered:g}\n" for t in stamps)


def test_minimal_file_gets_defaults_and_the_contract(tmp_path: Path) -> None:
    path = write(tmp_path, "interval_start,offered\n" + day_rows("2026-11-30", 7))
    h = read_history(path, opening_hours=ALWAYS)
    f = h.frame
    assert tuple(f.columns) == HISTORY_COLUMNS
    assert str(f["interval_start"].dtype) == "datetime64[ns, Asia/Dubai]"
    assert f["channel"].eq("voice").all() and f["queue"].eq("all").all()
    assert len(f) == 48 and f["offered"].eq(7.0).all()
    assert f["handled"].isna().all() and f["aht_s"].isna().all()
    assert not f["imputed"].any()
    assert h.interval_min == 30 and h.tz == TZ and h.gaps.empty
    assert h.warnings == ()


def test_sorted_by_channel_queue_time_and_offsets_converted(tmp_path: Path) -> None:
    text = (
        "channel,queue,interval_start,offered\n"
        "voice,b,2026-11-30T04:30:00Z,1\n"  # 08:30 in Dubai
        "chat,all,2026-11-30T08:00:00+04:00,2\n"
        "voice,b,2026-11-30 08:00,3\n"  # naive = wall clock in Dubai
        "chat,all,2026-11-30T09:30:00+05:00,4\n"  # 08:30 in Dubai
    )
    f = read_history(
        write(tmp_path, text), opening_hours={"voice": "08:00-09:00", "chat": "08:00-09:00"}
    ).frame
    open_rows = f[f["offered"] > 0]
    assert open_rows[["channel", "queue"]].values.tolist() == [
        ["chat", "all"],
        ["chat", "all"],
        ["voice", "b"],
        ["voice", "b"],
    ]
    assert [t.strftime("%H:%M%z") for t in open_rows["interval_start"]] == [
        "08:00+0400",
        "08:30+0400",
        "08:00+0400",
        "08:30+0400",
    ]
    assert open_rows["offered"].tolist() == [2.0, 4.0, 3.0, 1.0]


def test_column_names_case_insensitive_and_mapping(tmp_path: Path) -> None:
    text = (
        "Start Time,Calls Offered,HANDLED,Queue\n2026-11-30 08:00,5,4,x\n2026-11-30 08:30,6,6,x\n"
    )
    h = read_history(
        write(tmp_path, text),
        columns={"start time": "interval_start", "CALLS OFFERED": "offered"},
        opening_hours=ALWAYS,
    )
    row = h.frame[h.frame["offered"] > 0].iloc[0]
    assert (row["queue"], row["offered"], row["handled"]) == ("x", 5.0, 4.0)
    assert h.warnings == ()


def test_labels_stay_text(tmp_path: Path) -> None:
    text = (
        "channel,queue,interval_start,offered\n1,007,2026-11-30 08:00,5\n1,007,2026-11-30 08:30,6\n"
    )
    h = read_history(write(tmp_path, text), opening_hours=ALWAYS)
    assert h.series == [("1", "007")]


def test_utf8_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(
        b"\xef\xbb\xbfinterval_start,offered\n2026-11-30 08:00,5\n2026-11-30 08:30,6\n"
    )
    f = read_history(path, opening_hours=ALWAYS).frame
    assert f["offered"].sum() == 11


def test_unknown_extra_columns_warn_known_acd_columns_do_not(tmp_path: Path) -> None:
    text = (
        "interval_start,offered,contract,answered_within_20s,handle_s_sum\n"
        "2026-11-30 08:00,5,a,3,100\n2026-11-30 08:30,6,b,2,50\n"
    )
    h = read_history(write(tmp_path, text), opening_hours=ALWAYS)
    assert len(h.warnings) == 1
    assert "ignored unknown column(s) 'contract'" in h.warnings[0]
    assert "history.csv" in h.warnings[0]


def test_blank_lines_are_skipped_and_rows_keep_their_file_line(tmp_path: Path) -> None:
    text = "interval_start,offered\n2026-11-30 08:00,5\n\n2026-11-30 08:30,x\n"
    with pytest.raises(Exception, match="row 4, column 'offered'"):
        read_history(write(tmp_path, text), opening_hours=ALWAYS)


def test_gap_imputed_from_same_interval_of_neighbouring_weeks(tmp_path: Path) -> None:
    # three Mondays 08:00-09:00 (two intervals) with known values; the middle 08:30 is missing
    text = "interval_start,offered,handled,abandoned,aht_s\n"
    text += "2026-11-02 08:00,10,9,1,300\n2026-11-02 08:30,20,18,2,200\n"
    text += "2026-11-09 08:00,11,10,1,310\n"
    text += "2026-11-16 08:00,12,12,0,320\n2026-11-16 08:30,40,36,4,400\n"
    h = read_history(write(tmp_path, text), opening_hours={"voice": {"mon": "08:00-09:00"}})
    f = h.frame.set_index("interval_start")
    gap = pd.Timestamp("2026-11-09 08:30", tz=TZ)
    row = f.loc[gap]
    assert row["imputed"]
    assert row["offered"] == pytest.approx(30.0)  # mean of 20 and 40
    assert row["handled"] == pytest.approx(27.0)
    assert row["abandoned"] == pytest.approx(3.0)
    assert row["aht_s"] == pytest.approx(300.0)
    assert f["imputed"].sum() == 1
    assert h.gaps["interval_start"].tolist() == [gap]
    assert h.gaps["method"].tolist() == ["same_interval_of_week"]
    assert h.gaps["offered"].tolist() == [pytest.approx(30.0)]
    assert any("1 missing interval(s) inside opening hours imputed" in w for w in h.warnings)
    # every closed interval is zero and not imputed; the grid is complete
    closed = f[(f.index.hour < 8) | (f.index.hour >= 9) | (f.index.day_of_week != 0)]
    assert closed["offered"].eq(0).all() and not closed["imputed"].any()
    assert len(f) == 14 * 48 + 1 * 48  # 2 Nov .. 16 Nov inclusive, whole days


def test_gap_without_neighbouring_weeks_is_interpolated_never_zero(tmp_path: Path) -> None:
    text = "interval_start,offered\n2026-11-30 07:30,0\n2026-11-30 08:00,10\n"
    text += "2026-11-30 09:00,30\n2026-11-30 09:30,0\n"
    h = read_history(write(tmp_path, text), opening_hours=ALWAYS)
    f = h.frame.set_index("interval_start")
    row = f.loc[pd.Timestamp("2026-11-30 08:30", tz=TZ)]
    assert row["imputed"] and row["offered"] == pytest.approx(20.0)
    assert h.gaps["method"].tolist() == ["interpolated"]


def test_impute_false_reports_gaps_and_leaves_them_out(tmp_path: Path) -> None:
    text = "interval_start,offered\n2026-11-30 07:30,0\n2026-11-30 08:00,10\n"
    text += "2026-11-30 09:00,30\n2026-11-30 09:30,0\n"
    h = read_history(write(tmp_path, text), opening_hours=ALWAYS, impute=False)
    assert len(h.gaps) == 1
    assert pd.Timestamp("2026-11-30 08:30", tz=TZ) not in set(h.frame["interval_start"])
    assert not h.frame["imputed"].any()


def test_closed_intervals_added_as_zero_and_busy_closed_rows_kept(tmp_path: Path) -> None:
    text = "interval_start,offered\n2026-11-30 07:30,4\n2026-11-30 08:00,10\n2026-11-30 08:30,5\n"
    h = read_history(write(tmp_path, text), opening_hours={"voice": "08:00-09:00"})
    f = h.frame.set_index("interval_start")
    assert len(f) == 48 and not f["imputed"].any()
    assert f.loc[pd.Timestamp("2026-11-30 07:30", tz=TZ), "offered"] == 4  # data never dropped
    assert f["offered"].sum() == 19
    assert any("outside its opening hours" in w and "row 2" in w for w in h.warnings)


def test_opening_hours_inferred_per_channel_when_not_configured(tmp_path: Path) -> None:
    rows = []
    for day in pd.date_range("2026-10-05", periods=21, freq="D"):
        for t in pd.date_range(day, periods=48, freq="30min"):
            busy = 7 <= t.hour < 23
            rows.append(f"chat,all,{t:%Y-%m-%d %H:%M},{5 if busy else 0}")
    # one open interval missing, one night interval missing
    rows = [r for r in rows if "2026-10-14 12:00" not in r and "2026-10-14 03:00" not in r]
    path = write(tmp_path, "channel,queue,interval_start,offered\n" + "\n".join(rows) + "\n")
    h = read_history(path)
    hours = h.opening_hours[("chat", "all")]
    assert str(hours) == "daily 07:00-23:00"
    assert any(w.startswith("chat: opening hours not configured; inferred") for w in h.warnings)
    f = h.frame.set_index("interval_start")
    assert f.loc[pd.Timestamp("2026-10-14 12:00", tz=TZ), "imputed"]
    assert f.loc[pd.Timestamp("2026-10-14 12:00", tz=TZ), "offered"] == pytest.approx(5.0)
    night = f.loc[pd.Timestamp("2026-10-14 03:00", tz=TZ)]
    assert night["offered"] == 0 and not night["imputed"]


def test_long_run_of_missing_rows_drops_older_part(tmp_path: Path) -> None:
    text = "interval_start,offered\n" + day_rows("2026-01-05", 3) + day_rows("2026-03-02", 4)
    h = read_history(write(tmp_path, text), opening_hours=ALWAYS)
    assert h.frame["interval_start"].min() == pd.Timestamp("2026-03-02", tz=TZ)
    assert h.frame["offered"].eq(4).all()
    assert any("rows before were dropped" in w for w in h.warnings)


def test_aggregates_to_a_coarser_interval(tmp_path: Path) -> None:
    text = (
        "interval_start,offered,handled,abandoned,aht_s\n"
        "2026-11-30 08:00,10,10,0,100\n"
        "2026-11-30 08:15,20,10,10,400\n"
        "2026-11-30 08:30,5,5,0,50\n"
        "2026-11-30 08:45,5,5,0,50\n"
    )
    h = read_history(write(tmp_path, text), interval_min=30, opening_hours=ALWAYS)
    assert h.interval_min == 30
    f = h.frame.set_index("interval_start")
    row = f.loc[pd.Timestamp("2026-11-30 08:00", tz=TZ)]
    assert (row["offered"], row["handled"], row["abandoned"]) == (30, 20, 10)
    assert row["aht_s"] == pytest.approx((10 * 100 + 10 * 400) / 20)
    assert len(f) == 2  # open all day: the grid spans the data, not the whole day


def test_interval_not_a_multiple_is_a_config_error(tmp_path: Path) -> None:
    text = "interval_start,offered\n2026-11-30 08:00,1\n2026-11-30 08:30,1\n"
    with pytest.raises(ConfigError, match="30-minute intervals; cannot make 15-minute"):
        read_history(write(tmp_path, text), interval_min=15, opening_hours=ALWAYS)
    with pytest.raises(ConfigError, match="not supported"):
        read_history(write(tmp_path, text), interval_min=7)


def test_unknown_time_zone_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, "interval_start,offered\n2026-11-30 08:00,1\n")
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        read_history(path, tz="Mars/Olympus")


def test_validate_history_in_memory_frame_with_datetimes() -> None:
    stamps = pd.date_range("2026-11-30 08:00", periods=4, freq="30min")
    frame = pd.DataFrame(
        {"Interval_Start": stamps, "offered": [1, 2, 3, 4], "channel": "chat", "imputed": False}
    )
    h = validate_history(frame, opening_hours=ALWAYS)
    assert h.frame.loc[h.frame["offered"] > 0, "offered"].tolist() == [1, 2, 3, 4]
    assert h.frame["channel"].eq("chat").all()
    aware = frame.assign(Interval_Start=stamps.tz_localize("UTC"))
    h2 = validate_history(aware, opening_hours=ALWAYS)
    first = h2.frame.loc[h2.frame["offered"] > 0, "interval_start"].iloc[0]
    assert first == pd.Timestamp("2026-11-30 12:00", tz=TZ)


def test_imputed_column_round_trips(tmp_path: Path) -> None:
    text = "interval_start,offered,imputed\n2026-11-30 08:00,1,false\n2026-11-30 08:30,2,True\n"
    f = read_history(write(tmp_path, text), opening_hours=ALWAYS).frame.set_index("interval_start")
    assert f.loc[pd.Timestamp("2026-11-30 08:30", tz=TZ), "imputed"]
    assert not f.loc[pd.Timestamp("2026-11-30 08:00", tz=TZ), "imputed"]


def test_summary_totals(tmp_path: Path) -> None:
    text = (
        "channel,interval_start,offered,handled,abandoned,aht_s\n"
        "voice,2026-11-30 08:00,10,8,2,100\nvoice,2026-11-30 08:30,10,2,0,400\n"
        "chat,2026-11-30 08:00,3,3,0,50\nchat,2026-11-30 08:30,3,3,0,50\n"
    )
    s = read_history(write(tmp_path, text), opening_hours=ALWAYS).summary().set_index("channel")
    assert s.loc["voice", "offered"] == 20 and s.loc["voice", "handled"] == 10
    assert s.loc["voice", "aht_s"] == pytest.approx((8 * 100 + 2 * 400) / 10)
    assert s.loc["chat", "intervals"] == 2


def test_many_rows_validate_vectorised(tmp_path: Path) -> None:
    """A year of four series (70k rows) with a few problems: the first one is reported."""
    stamps = pd.date_range("2025-01-01", periods=17_520, freq="30min", tz=TZ)
    frames = [
        pd.DataFrame(
            {
                "queue": q,
                "interval_start": stamps.map(pd.Timestamp.isoformat),
                "offered": np.arange(len(stamps)) % 50,
            }
        )
        for q in "abcd"
    ]
    big = pd.concat(frames, ignore_index=True)
    big.loc[[30_000, 50_000, 60_000], "offered"] = -1
    path = tmp_path / "big.csv"
    big.to_csv(path, index=False)
    with pytest.raises(Exception, match=r"row 30002, column 'offered'.*\(and 2 more rows\)"):
        read_history(path, opening_hours=ALWAYS)


@pytest.mark.slow
def test_demo_history_loads(request: pytest.FixtureRequest) -> None:
    try:
        path = request.getfixturevalue("demo_history_csv")
    except pytest.FixtureLookupError:
        pytest.skip("demo_history_csv fixture not available")
    h = read_history(path)
    assert len(h.frame) > 400_000
    assert set(h.frame["channel"]) == {"voice", "chat", "email"}


@settings(max_examples=25, deadline=None)
@given(
    dropped=st.sets(st.integers(min_value=1, max_value=14 * 48 - 2), max_size=60),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_property_dropped_rows_come_back_imputed_and_observed_rows_unchanged(
    dropped: set[int], seed: int
) -> None:
    stamps = pd.date_range("2026-11-02", periods=14 * 48, freq="30min", tz=TZ)
    offered = np.random.default_rng(seed).poisson(20, len(stamps)).astype(float)
    keep = np.array([i not in dropped for i in range(len(stamps))])
    frame = pd.DataFrame({"interval_start": stamps[keep], "offered": offered[keep]})
    h = validate_history(frame, opening_hours=ALWAYS, interval_min=30)
    f = h.frame
    assert len(f) == len(stamps) and f["interval_start"].tolist() == list(stamps)
    assert f["imputed"].to_numpy().tolist() == (~keep).tolist()
    assert np.array_equal(f["offered"].to_numpy()[keep], offered[keep])
    assert (f["offered"] >= 0).all() and f["offered"].notna().all()
    assert len(h.gaps) == len(dropped)

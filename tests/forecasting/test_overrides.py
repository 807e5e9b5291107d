"""Planner overrides: reading (with located errors) and exact application."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.errors import InputError
from forecasting.overrides import Override, apply_overrides, read_overrides, unmatched_overrides

TZ = "Asia/Dubai"


def forecast_frame() -> pd.DataFrame:
    stamps = pd.date_range("2026-11-30", periods=96, freq="30min", tz=TZ)
    rows = []
    for channel, queue in (("voice", "a"), ("voice", "b"), ("chat", "all")):
        vol = np.full(96, 10.0)
        if channel == "chat":
            vol[:14] = 0.0  # closed before 07:00
        rows.append(
            pd.DataFrame(
                {
                    "channel": channel,
                    "queue": queue,
                    "interval_start": stamps,
                    "volume": vol,
                    "volume_lo": vol * 0.8,
                    "volume_hi": vol * 1.2,
                    "aht_s": 300.0,
                    "model": "m",
                    "volume_lo95": vol * 0.7,
                    "volume_hi95": vol * 1.3,
                    "override": "",
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overrides.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_and_apply_exactly(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "channel,queue,start,end,action,value,note\n"
        "voice,a,2026-11-30T08:00,2026-11-30T10:00,multiply,1.5,campaign\n"
        "voice,,2026-11-30T09:00:00+04:00,2026-11-30T09:30,add,-4,\n"
        "chat,*,2026-11-30,2026-11-30,add,3,all day\n",
    )
    ovs = read_overrides(path, tz=TZ)
    assert ovs[0] == Override(
        "voice",
        "a",
        pd.Timestamp("2026-11-30 08:00", tz=TZ),
        pd.Timestamp("2026-11-30 10:00", tz=TZ),
        "multiply",
        1.5,
        "campaign",
    )
    assert ovs[2].queue is None and ovs[2].end == pd.Timestamp("2026-12-01", tz=TZ)
    fc = forecast_frame()
    out = apply_overrides(fc, ovs)
    t = out["interval_start"]
    va = out[(out["queue"] == "a")].set_index("interval_start")
    assert va.loc[pd.Timestamp("2026-11-30 08:00", tz=TZ), "volume"] == 15.0
    assert va.loc[pd.Timestamp("2026-11-30 08:00", tz=TZ), "volume_hi"] == 18.0
    assert va.loc[pd.Timestamp("2026-11-30 09:00", tz=TZ), "volume"] == 11.0  # 10*1.5-4
    assert va.loc[pd.Timestamp("2026-11-30 09:00", tz=TZ), "override"] == (
        "multiply 1.5 (campaign); add -4"
    )
    assert va.loc[pd.Timestamp("2026-11-30 10:00", tz=TZ), "volume"] == 10.0  # end exclusive
    vb = out[(out["queue"] == "b")].set_index("interval_start")
    assert vb.loc[pd.Timestamp("2026-11-30 09:00", tz=TZ), "volume"] == 6.0
    assert vb.loc[pd.Timestamp("2026-11-30 09:00", tz=TZ), "volume_lo"] == 4.0
    chat = out[out["channel"] == "chat"]
    day1 = chat["interval_start"] < pd.Timestamp("2026-12-01", tz=TZ)
    opened = chat["volume"] > 0
    assert (chat.loc[day1 & ~opened, "override"] == "").all()  # closed stays closed, untouched
    assert (chat.loc[day1 & opened, "volume"] == 13.0).all()
    assert (chat.loc[~day1, "volume"] == fc.loc[fc["channel"] == "chat", "volume"][~day1]).all()
    # untouched rows equal the input; nothing is negative
    untouched = out["override"] == ""
    pd.testing.assert_frame_equal(out[untouched], fc[untouched])
    assert (out[["volume", "volume_lo", "volume_hi"]] >= 0).all().all()
    assert t.equals(fc["interval_start"])


def test_add_never_goes_negative() -> None:
    fc = forecast_frame()
    ov = Override(
        "voice", None, fc["interval_start"].min(), fc["interval_start"].max(), "add", -100.0
    )
    out = apply_overrides(fc, (ov,))
    assert out["volume"].min() == 0.0


@pytest.mark.parametrize(
    ("text", "row", "column"),
    [
        ("channel,start,end,action,value\n,2026-11-30,2026-11-30,add,1\n", 2, "channel"),
        ("channel,start,end,action,value\nvoice,yesterday,2026-11-30,add,1\n", 2, "start"),
        ("channel,start,end,action,value\nvoice,2026-11-30,2026-11-29,add,1\n", 2, "end"),
        ("channel,start,end,action,value\nvoice,2026-11-30,2026-11-30,scale,1\n", 2, "action"),
        ("channel,start,end,action,value\nvoice,2026-11-30,2026-11-30,multiply,-1\n", 2, "value"),
        ("channel,start,end,action,value\nvoice,2026-11-30,2026-11-30,add,x\n", 2, "value"),
        (
            "channel,start,end,action,value\nvoice,2026-11-30,2026-11-30,add,1\n"
            "voice,2026-11-30,2026-11-30,add,\n",
            3,
            "value",
        ),
        ("channel,start,end,value\nvoice,2026-11-30,2026-11-30,1\n", 1, "action"),
    ],
)
def test_bad_override_files_name_row_and_column(
    tmp_path: Path, text: str, row: int, column: str
) -> None:
    with pytest.raises(InputError) as info:
        read_overrides(write(tmp_path, text))
    assert info.value.row == row
    assert info.value.column == column
    assert f"row {row}" in str(info.value)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_overrides(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="empty"):
        read_overrides(write(tmp_path, ""))


@settings(max_examples=40, deadline=None)
@given(
    action=st.sampled_from(["multiply", "add"]),
    value=st.floats(-50, 50, allow_nan=False),
    first=st.integers(0, 95),
    length=st.integers(1, 96),
)
def test_override_property(action: str, value: float, first: int, length: int) -> None:
    if action == "multiply":
        value = abs(value)
    fc = forecast_frame()
    stamps = fc["interval_start"].drop_duplicates().sort_values().reset_index(drop=True)
    start = stamps[first]
    end = start + pd.Timedelta(minutes=30 * length)
    out = apply_overrides(fc, (Override("voice", "b", start, end, action, value),))
    hit = (
        (fc["channel"] == "voice")
        & (fc["queue"] == "b")
        & (fc["interval_start"] >= start)
        & (fc["interval_start"] < end)
    )
    before = fc.loc[hit, "volume"].to_numpy()
    want = before * value if action == "multiply" else before + value
    np.testing.assert_allclose(out.loc[hit, "volume"], np.clip(want, 0, None))
    pd.testing.assert_frame_equal(out[~hit], fc[~hit])
    assert (out[["volume", "volume_lo", "volume_hi"]] >= 0).all().all()


def test_overrides_that_touch_nothing_are_named_with_their_row(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "channel,queue,start,end,action,value,note\n"
        "voice,a,2026-11-30T08:00,2026-11-30T10:00,multiply,1.5,fine\n"
        "sms,,2026-11-30T08:00,2026-11-30T10:00,multiply,1.5,unknown channel\n"
        "voice,billing,2026-11-30,2026-11-30,add,3,unknown queue\n"
        "voice,,2027-01-04,2027-01-05,add,3,another week\n",
    )
    forecast = forecast_frame()
    notes = unmatched_overrides(forecast, read_overrides(path, tz=TZ))
    assert [n.split(": ", 1)[0] for n in notes] == [f"{path}, row {r}" for r in (3, 4, 5)]
    assert "channel 'sms' is not in the forecast" in notes[0]
    assert "queue 'billing' of channel 'voice' is not in the forecast" in notes[1]
    assert "is outside the forecast" in notes[2]

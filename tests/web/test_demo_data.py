"""Tests for web.demo.synthetic and the committed demo data in data/.

Most tests draw short slices; only ``test_full_demo_history_file`` reads the full demo file
(through the session fixture ``demo_history_csv``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.calendar import CalendarConfig, day_features, load_events
from forecasting.errors import ConfigError
from web.demo.synthetic import (
    AGENT_COLUMNS,
    DEMO_AGENTS,
    DEMO_EVENTS,
    DEMO_FUTURE_EVENTS,
    DEMO_WEEK_END,
    DEMO_WEEK_START,
    SMALL_SPEC,
    CenterSpec,
    SeriesSpec,
    ensure_demo_history,
    expected_history,
    generate_demo_agents,
    generate_history,
    weekly_workload,
    write_demo_history,
)

HISTORY_COLUMNS = ["channel", "queue", "interval_start", "offered", "handled", "abandoned", "aht_s"]


def _local(frame: pd.DataFrame) -> pd.DataFrame:
    ts = frame["interval_start"].dt.tz_localize(None)
    return frame.assign(day=ts.dt.normalize(), hour=ts.dt.hour + ts.dt.minute / 60)


@pytest.fixture(scope="module")
def weekend_switch() -> pd.DataFrame:
    """Voice and chat around the UAE weekend change (Dec 2021 - Feb 2022)."""
    return _local(generate_history(SMALL_SPEC, "2021-11-28", "2022-02-26", seed=7))


@pytest.fixture(scope="module")
def ramadan_2025() -> pd.DataFrame:
    """Feb - Jun 2025: Ramadan 2025-03-01..03-29, Eid al-Fitr, Eid al-Adha."""
    return _local(generate_history(SMALL_SPEC, "2025-02-01", "2025-06-30", seed=11))


def _daily(frame: pd.DataFrame, channel: str = "voice") -> pd.Series:
    return frame[frame["channel"] == channel].groupby("day")["offered"].sum()


# --- shape of the frame -----------------------------------------------------------------------


def test_columns_types_order_and_grid(weekend_switch: pd.DataFrame) -> None:
    frame = weekend_switch[HISTORY_COLUMNS]
    assert str(frame["interval_start"].dt.tz) == "Asia/Dubai"
    for col in ("offered", "handled", "abandoned"):
        assert frame[col].dtype == np.int64
    assert frame["aht_s"].dtype == np.float64
    keys = ["channel", "queue", "interval_start"]
    assert frame.equals(frame.sort_values(keys).reset_index(drop=True))
    assert not frame.duplicated(keys).any()
    n_days = (pd.Timestamp("2022-02-26") - pd.Timestamp("2021-11-28")).days + 1
    counts = frame.groupby(["channel", "queue"]).size()
    assert set(counts) == {n_days * 48}
    assert set(counts.index) == {(s.channel, s.queue) for s in SMALL_SPEC.series}


def test_totals_consistent(ramadan_2025: pd.DataFrame) -> None:
    f = ramadan_2025
    assert ((f["handled"] + f["abandoned"]) == f["offered"]).all()
    assert (f[["offered", "handled", "abandoned"]] >= 0).all().all()
    assert f["aht_s"].isna().equals(f["handled"] == 0)
    assert (f.loc[f["channel"] == "email", "abandoned"] == 0).all()
    assert f.loc[f["channel"] == "voice", "abandoned"].sum() > 0


def test_abandonment_higher_at_peaks(ramadan_2025: pd.DataFrame) -> None:
    v = ramadan_2025[(ramadan_2025["channel"] == "voice") & (ramadan_2025["offered"] > 0)]
    busy = v["offered"] >= v["offered"].quantile(0.9)
    quiet = v["offered"] <= v["offered"].quantile(0.5)
    rate_busy = v.loc[busy, "abandoned"].sum() / v.loc[busy, "offered"].sum()
    rate_quiet = v.loc[quiet, "abandoned"].sum() / v.loc[quiet, "offered"].sum()
    assert rate_busy > 1.5 * rate_quiet
    assert 0.02 < v["abandoned"].sum() / v["offered"].sum() < 0.15


def test_aht_by_channel(ramadan_2025: pd.DataFrame) -> None:
    f = ramadan_2025
    weighted = (f["aht_s"].fillna(0) * f["handled"]).groupby(f["channel"]).sum()
    aht = weighted / f.groupby("channel")["handled"].sum()
    assert aht["voice"] == pytest.approx(300, rel=0.1)
    assert aht["chat"] == pytest.approx(600, rel=0.1)
    assert aht["email"] == pytest.approx(480, rel=0.1)


def test_deterministic_with_seed() -> None:
    a = generate_history(SMALL_SPEC, "2024-05-01", "2024-05-03", seed=3)
    b = generate_history(SMALL_SPEC, "2024-05-01", "2024-05-03", seed=3)
    c = generate_history(SMALL_SPEC, "2024-05-01", "2024-05-03", seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a["offered"].equals(c["offered"])


def test_noise_mean_matches_expected() -> None:
    drawn = generate_history(SMALL_SPEC, "2024-01-01", "2024-03-31", seed=5)
    expected = expected_history(SMALL_SPEC, date(2024, 1, 1), date(2024, 3, 31))
    for channel in ("voice", "chat", "email"):
        got = drawn.loc[drawn["channel"] == channel, "offered"].sum()
        want = expected.loc[expected["channel"] == channel, "volume"].sum()
        assert got == pytest.approx(want, rel=0.03)


def test_overdispersed_but_close_to_poisson() -> None:
    # Variance/mean of interval counts in one slot of one queue across ordinary workdays.
    f = _local(generate_history(SMALL_SPEC, "2023-09-01", "2023-11-30", seed=9))
    e = _local(expected_history(SMALL_SPEC, date(2023, 9, 1), date(2023, 11, 30)))
    days = day_features(f["day"].unique())
    workdays = days.index[days["day_type"] == "workday"]
    sel = (f["queue"] == "residency") & f["day"].isin(workdays) & (f["hour"] == 10.0)
    sel_e = (e["queue"] == "residency") & e["day"].isin(workdays) & (e["hour"] == 10.0)
    resid = f.loc[sel, "offered"].to_numpy() / e.loc[sel_e, "volume"].to_numpy()
    ratio = resid.var() * e.loc[sel_e, "volume"].mean()  # var(offered)/mean under the model
    assert 1.2 < ratio < 4.0  # Poisson would be 1; the model gives ~1.7 at this volume


def test_chat_closed_outside_opening_hours(ramadan_2025: pd.DataFrame) -> None:
    chat = ramadan_2025[ramadan_2025["channel"] == "chat"]
    closed = (chat["hour"] < 7) | (chat["hour"] >= 23)
    assert (chat.loc[closed, "offered"] == 0).all()
    assert (chat.loc[~closed].groupby("hour")["offered"].sum() > 0).all()
    voice = ramadan_2025[ramadan_2025["channel"] == "voice"]
    assert (voice.groupby("hour")["offered"].sum() > 0).all()  # 24/7
    email_night = ramadan_2025[(ramadan_2025["channel"] == "email") & (ramadan_2025["hour"] < 5)]
    assert email_night["offered"].sum() > 0


def test_voice_quiet_at_night_with_two_daytime_peaks(ramadan_2025: pd.DataFrame) -> None:
    v = ramadan_2025[(ramadan_2025["channel"] == "voice") & (ramadan_2025["day"] >= "2025-04-07")]
    days = day_features(v["day"].unique())
    workdays = days.index[days["day_type"] == "workday"]
    prof = v[v["day"].isin(workdays)].groupby("hour")["offered"].mean()
    assert prof.loc[2.0:4.5].mean() < 0.05 * prof.max()
    assert 9.0 <= float(prof.idxmax()) <= 11.0  # type: ignore[arg-type]
    assert prof.loc[14.0:15.0].mean() > 0.6 * prof.max()  # second (afternoon) peak
    assert prof.loc[12.0] < prof.loc[10.0]


# --- calendar effects -------------------------------------------------------------------------


def test_weekend_regimes(weekend_switch: pd.DataFrame) -> None:
    daily = _daily(weekend_switch)
    wd = pd.Series(pd.DatetimeIndex(daily.index).day_of_week, index=daily.index)
    old = daily.index < "2021-12-31"
    new = daily.index >= "2022-01-09"
    days = day_features(daily.index)
    ordinary = days["day_type"].isin(["workday", "weekend", "short_day"]).to_numpy()
    old_fri = daily[old & ordinary & (wd == 4)].mean()
    old_thu = daily[old & ordinary & (wd == 3)].mean()
    old_sun = daily[old & ordinary & (wd == 6)].mean()
    assert old_fri < 0.6 * old_thu  # Friday was a weekend day
    assert old_sun > 0.8 * old_thu  # Sunday was a working day
    new_sun = daily[new & ordinary & (wd == 6)].mean()
    new_thu = daily[new & ordinary & (wd == 3)].mean()
    assert new_sun < 0.6 * new_thu  # Sunday is now weekend


def test_short_friday_afternoon(weekend_switch: pd.DataFrame) -> None:
    v = weekend_switch[
        (weekend_switch["channel"] == "voice") & (weekend_switch["day"] >= "2022-01-09")
    ]
    afternoon = v[(v["hour"] >= 13) & (v["hour"] < 18)].groupby("day")["offered"].sum()
    morning = v[(v["hour"] >= 8) & (v["hour"] < 12)].groupby("day")["offered"].sum()
    wd = pd.DatetimeIndex(afternoon.index).day_of_week
    fri, thu = afternoon[wd == 4].mean(), afternoon[wd == 3].mean()
    assert fri < 0.6 * thu
    # ... while Friday morning stays a working morning.
    assert morning[wd == 4].mean() > 0.8 * morning[wd == 3].mean()


def test_eid_days_lower_than_same_weekday(ramadan_2025: pd.DataFrame) -> None:
    daily = _daily(ramadan_2025)
    days = day_features(daily.index)
    eid_days = days.index[days["is_eid"]]
    assert len(eid_days) >= 6  # Eid al-Fitr and Eid al-Adha blocks
    ordinary = days[(days["day_type"] == "workday") & ~days["is_pre_eid"] & ~days["is_post_eid"]]
    for day in eid_days:
        same = ordinary.index[ordinary["weekday"] == day.day_of_week]
        if len(same) == 0:
            continue  # weekend weekday: no ordinary workday to compare with
        assert daily[day] < 0.4 * daily[same].median(), day


def test_ramadan_evening_share_higher(ramadan_2025: pd.DataFrame) -> None:
    v = ramadan_2025[ramadan_2025["channel"] == "voice"]
    evening = v[v["hour"] >= 20].groupby("day")["offered"].sum()
    share = evening / v.groupby("day")["offered"].sum()
    days = day_features(share.index)
    ram = share[(days["day_type"] == "ramadan_workday").to_numpy()]
    other = share[(days["day_type"] == "workday").to_numpy()]
    assert len(ram) > 15 and len(other) > 40
    assert ram.mean() > 2.0 * other.mean()
    # ... and Ramadan workdays have a lower daytime volume.
    daily = _daily(ramadan_2025)
    day_v = v[(v["hour"] >= 8) & (v["hour"] < 14)].groupby("day")["offered"].sum()
    assert day_v[ram.index].mean() < 0.9 * day_v[other.index].mean()
    assert daily.index.equals(share.index)


def test_pre_and_post_eid_and_national_day_expected() -> None:
    e = _local(expected_history(SMALL_SPEC, date(2025, 3, 1), date(2025, 12, 31)))
    daily = e[e["channel"] == "voice"].groupby("day")["volume"].sum()
    days = day_features(daily.index)
    plain = days[(days["day_type"] == "workday") & (days["event"] == "")]
    tuesday = daily[plain.index[plain["weekday"] == 1]].median()
    wednesday = daily[plain.index[plain["weekday"] == 2]].median()
    # Eid al-Fitr 2025 block 03-30..04-01; 04-02 (Wednesday) is the first catch-up day.
    assert daily[pd.Timestamp("2025-04-02")] > 1.25 * wednesday
    # Pre-Eid rush: Thursday 2025-03-27 (Ramadan) above Thursday 2025-03-20 (Ramadan too).
    assert daily[pd.Timestamp("2025-03-27")] > 1.1 * daily[pd.Timestamp("2025-03-20")]
    # National Day 2025-12-02 (Tuesday) is a holiday.
    assert daily[pd.Timestamp("2025-12-02")] < 0.5 * tuesday


def test_trend_and_summer_dip() -> None:
    e = _local(expected_history(SMALL_SPEC, date(2021, 1, 1), date(2026, 11, 29)))
    chat = e[e["channel"] == "chat"].groupby(e["day"].dt.year)["volume"].sum()
    assert chat[2025] > 1.3 * chat[2022]
    voice = e[e["channel"] == "voice"]
    days = day_features(voice["day"].unique())
    plain = days.index[(days["day_type"] == "workday") & (days["event"] == "")]
    per_day = voice[voice["day"].isin(plain)].groupby("day")["volume"].sum()
    when = pd.DatetimeIndex(per_day.index)
    aug = per_day[(when.month == 8) & (when.year == 2024)].mean()
    octo = per_day[(when.month == 10) & (when.year == 2023)].mean()
    assert aug < 0.92 * octo


def test_events_move_volume() -> None:
    e = _local(expected_history(SMALL_SPEC, date(2023, 6, 7), date(2023, 6, 14)))
    daily = e[e["channel"] == "voice"].groupby("day")["volume"].sum()
    # Telephony outage 2023-06-14 (Wednesday, effect 0.55) against the Wednesday before.
    ratio = daily[pd.Timestamp("2023-06-14")] / daily[pd.Timestamp("2023-06-07")]
    assert ratio == pytest.approx(0.55, rel=0.02)


def test_dst_zone_keeps_every_interval() -> None:
    spec = CenterSpec(
        series=(SeriesSpec("voice", "all", 1000.0, 300.0, "voice", abandon_rate=0.05),),
        tz="Europe/London",
        calendar=CalendarConfig(country="GB"),
        start=date(2024, 3, 30),
        end=date(2024, 10, 28),
    )
    f = _local(generate_history(spec, seed=1))
    per_day = f.groupby("day").size()
    assert per_day[pd.Timestamp("2024-03-31")] == 46
    assert per_day[pd.Timestamp("2024-10-27")] == 50
    assert per_day[pd.Timestamp("2024-06-01")] == 48
    assert f["interval_start"].is_unique


def test_other_interval_lengths() -> None:
    f30 = generate_history(SMALL_SPEC, "2024-05-01", "2024-05-01", seed=1)
    spec60 = CenterSpec(series=SMALL_SPEC.series, interval_min=60)
    f60 = generate_history(spec60, "2024-05-01", "2024-05-01", seed=1)
    assert len(f30) == 5 * 48 and len(f60) == 5 * 24
    e30 = expected_history(SMALL_SPEC, date(2024, 5, 1), date(2024, 5, 1))["volume"].sum()
    e60 = expected_history(spec60, date(2024, 5, 1), date(2024, 5, 1))["volume"].sum()
    assert e60 == pytest.approx(e30)


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: SeriesSpec("voice", "x", 10.0, 300.0, "fax"), "profile"),
        (lambda: SeriesSpec("chat", "x", 10.0, 600.0, "chat", open_from_h=23, open_to_h=7), "open"),
        (lambda: SeriesSpec("voice", "x", -1.0, 300.0, "voice"), "volume"),
        (lambda: CenterSpec(series=()), "at least one"),
        (lambda: CenterSpec(series=SMALL_SPEC.series, interval_min=7), "divide"),
        (lambda: CenterSpec(series=SMALL_SPEC.series[:1] * 2), "unique"),
        (lambda: generate_history(SMALL_SPEC, "2024-05-02", "2024-05-01"), "before"),
        (lambda: generate_history(SMALL_SPEC, "2024-13-01", "2024-05-01"), "YYYY-MM-DD"),
    ],
)
def test_bad_specs(factory: Callable[[], object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        factory()


# --- calibration ------------------------------------------------------------------------------


def test_demo_week_calibration() -> None:
    expected = expected_history(SMALL_SPEC, DEMO_WEEK_START, DEMO_WEEK_END)
    assert expected["interval_start"].dt.tz_localize(None).dt.normalize().nunique() == 7
    staff_h = weekly_workload(expected)
    # hours on the phones that 120 agents x 40 paid hours can give: a 9 h day shift has 8
    # paid hours and two paid 15-minute breaks, so 7.5 h on the phones
    share = staff_h.sum() / (120 * 40 * 7.5 / 8)
    assert 0.65 <= share <= 0.85
    assert staff_h["voice"] > staff_h["chat"] > staff_h["email"]


# --- files ------------------------------------------------------------------------------------


def test_write_demo_history_is_atomic_and_readable(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "history.csv"
    write_demo_history(path, SMALL_SPEC, start="2024-05-01", end="2024-05-02", seed=2)
    assert [p.name for p in path.parent.iterdir()] == ["history.csv"]  # no temp file left
    back = pd.read_csv(path)
    assert list(back.columns) == HISTORY_COLUMNS
    # chat (first in the file) is closed before 07:00: those rows are zero by the channel's
    # opening hours and left out of the file
    assert back["interval_start"].iloc[0] == "2024-05-01T07:00:00+04:00"
    frame = generate_history(SMALL_SPEC, "2024-05-01", "2024-05-02", seed=2)
    hour = frame["interval_start"].dt.hour
    frame = frame[(frame["channel"] != "chat") | hour.between(7, 22)].reset_index(drop=True)
    assert (back["offered"].to_numpy() == frame["offered"].to_numpy()).all()
    parsed = pd.to_datetime(back["interval_start"]).dt.tz_convert("Asia/Dubai")
    assert (parsed.to_numpy() == frame["interval_start"].to_numpy()).all()


def test_failed_write_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from web.demo import synthetic

    path = tmp_path / "history.csv"
    path.write_text("old\n", encoding="utf-8")

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(synthetic.pd.DataFrame, "to_csv", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        write_demo_history(path, start="2024-05-01", end="2024-05-01")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["history.csv"]


def test_ensure_demo_history_regenerates_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web.demo import synthetic

    calls: list[Path] = []

    def fake_write(path: Path, *args: object, **kwargs: object) -> Path:
        calls.append(Path(path))
        Path(path).write_text("x\n", encoding="utf-8")
        return Path(path)

    monkeypatch.setattr(synthetic, "write_demo_history", fake_write)
    path = tmp_path / "generated" / "history.csv"
    path.parent.mkdir()
    assert ensure_demo_history(path) == path and len(calls) == 1
    ensure_demo_history(path)
    assert len(calls) == 1  # up to date: not redrawn
    (tmp_path / "generated" / "history.csv.version").write_text("0:0\n", encoding="utf-8")
    ensure_demo_history(path)
    assert len(calls) == 2  # stale version stamp: redrawn


def test_full_demo_history_file(demo_history_csv: Path) -> None:
    frame = pd.read_csv(demo_history_csv)
    assert list(frame.columns) == HISTORY_COLUMNS
    n_days = (pd.Timestamp("2026-11-29") - pd.Timestamp("2021-01-01")).days + 1
    assert len(frame) == (4 * 48 + 32) * n_days  # chat's night (23:00-07:00) left out
    starts = frame.groupby(["channel", "queue"])["interval_start"].agg(["first", "last"])
    assert set(starts.drop("chat")["first"]) == {"2021-01-01T00:00:00+04:00"}
    assert set(starts.drop("chat")["last"]) == {"2026-11-29T23:30:00+04:00"}
    assert starts.loc["chat"].iloc[0].tolist() == [
        "2021-01-01T07:00:00+04:00",
        "2026-11-29T22:30:00+04:00",
    ]
    assert ((frame["handled"] + frame["abandoned"]) == frame["offered"]).all()


def test_committed_agents_match_generator(demo_data_dir: Path) -> None:
    path = demo_data_dir / "agents.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows == generate_demo_agents()
    assert list(rows[0]) == list(AGENT_COLUMNS)


def test_demo_agents_content(demo_data_dir: Path) -> None:
    agents = pd.read_csv(demo_data_dir / "agents.csv", dtype=str, keep_default_na=False)
    assert len(agents) == DEMO_AGENTS and agents["agent_id"].is_unique
    assert agents["name"].is_unique
    skills = agents["skills"].str.split(";")
    assert all(set(s) <= {"voice", "chat", "whatsapp", "email"} for s in skills)
    counts = agents["skills"].value_counts()
    assert counts["voice"] > counts.drop("voice").max()  # voice-only majority group
    assert {"voice;chat", "chat;whatsapp;email", "voice;chat;whatsapp;email"} <= set(counts.index)
    lo, hi = agents["min_hours_week"].astype(int), agents["max_hours_week"].astype(int)
    assert (lo <= hi).all()
    full = agents["contract"] == "full_time"
    assert (lo[full] == 40).all() and (hi[full] == 40).all()
    assert (agents.loc[full, "max_days_week"] == "5").all()
    part = ~full
    assert part.sum() >= 10
    assert lo[part].between(20, 30).all() and hi[part].between(20, 30).all()
    assert agents.loc[part, "max_days_week"].isin(["4", "5"]).all()
    week = {str(d.date()) for d in pd.date_range(DEMO_WEEK_START, DEMO_WEEK_END)}
    unavailable = [d for cell in agents["unavailable"] if cell for d in cell.split(";")]
    assert unavailable and set(unavailable) <= week
    hhmm = r"^$|^([01]\d|2[0-3]):[0-5]\d$"
    for col in ("earliest_start", "latest_end", "preferred_start"):
        assert agents[col].str.match(hhmm).all(), col
        assert (agents[col] != "").sum() >= 5, col
    day_names = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
    offs = [d for cell in agents["preferred_days_off"] if cell for d in cell.split(";")]
    assert offs and set(offs) <= day_names
    assert set(agents["languages"]) <= {"ar", "en", "ar;en"}
    # Capacity: several hundred agents, 36-40 contracted hours on average (the demo week's
    # need against it: tests/web/test_demo_entities.py)
    assert 36 * DEMO_AGENTS <= hi.sum() <= 40 * DEMO_AGENTS


def test_demo_events_file(demo_data_dir: Path) -> None:
    events = load_events(demo_data_dir / "events.csv")
    assert set(events) == set(DEMO_EVENTS + DEMO_FUTURE_EVENTS)
    assert any(DEMO_WEEK_START <= e.start <= DEMO_WEEK_END for e in events)


def test_coming_monday_is_the_first_monday_after_today() -> None:
    from web.demo.synthetic import coming_monday

    assert coming_monday(date(2026, 12, 7)) == date(2026, 12, 14)  # a Monday: the next one
    assert coming_monday(date(2026, 12, 9)) == date(2026, 12, 14)
    assert coming_monday(date(2026, 12, 13)) == date(2026, 12, 14)
    assert coming_monday() > date.today() and coming_monday().weekday() == 0


def test_the_served_demo_plans_the_coming_week(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """History up to the Sunday before the coming Monday; unavailable days in that week."""
    import contextlib

    from web.cli._demo import _center
    from web.demo import synthetic

    monday = synthetic.coming_monday(date(2027, 3, 3))  # Wednesday -> Mon 2027-03-08
    drawn: list[object] = []
    real = synthetic.write_demo_history

    def short_draw(path: Path, *args: object, end: date | None = None, **kw: object) -> Path:
        drawn.append(end)  # the same generator, on the last four weeks only (fast)
        assert end is not None
        return real(path, start=end - pd.Timedelta(days=27).to_pytimedelta(), end=end)

    monkeypatch.setattr(synthetic, "write_demo_history", short_draw)
    with contextlib.ExitStack() as stack:
        files, history = _center(stack, None, tmp_path, lambda _m: None, week_start=monday)
        with files.agents_csv.open(encoding="utf-8") as fh:
            agents = list(csv.DictReader(fh))
        _center(stack, None, tmp_path, lambda _m: None, week_start=monday)  # up to date
    assert drawn == [date(2027, 3, 7)]
    last = pd.read_csv(history)["interval_start"].max()
    assert last == "2027-03-07T23:30:00+04:00"
    week = {str(d.date()) for d in pd.date_range(monday, periods=7)}
    off = {d for row in agents for d in row["unavailable"].split(";") if d}
    assert off and off <= week

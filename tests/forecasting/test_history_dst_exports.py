"""Naive-local-time exports across both DST nights, in two zones (issue #18, case 3).

An interval report in wall-clock time (Avaya CMS style) merges the doubled autumn hour into one
row per interval and has no rows for the spring hour that does not exist. The history reader
accepts the merged hour with a note naming the night, spreading each merged row evenly over the
two occurrences; the spring night keeps working as before (no gap, no note).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import InputError
from forecasting.history import read_history
from tests.forecasting.naive_export import EXPORT_COLUMNS, naive_export, true_intervals

#: zone -> (first day of a 3-day window around the autumn night, the night's note, its date)
AUTUMN = {
    "Europe/Paris": ("2024-10-26", "2024-10-26 to 2024-10-27", "2024-10-27"),
    "America/New_York": ("2024-11-02", "2024-11-02 to 2024-11-03", "2024-11-03"),
}
SPRING = {
    "Europe/Paris": ("2024-03-30", "2024-03-31"),
    "America/New_York": ("2024-03-09", "2024-03-10"),
}


def _read(tmp_path: Path, export: pd.DataFrame, tz: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "export.csv"
    export.to_csv(path, index=False)
    return read_history(path, tz=tz, columns=EXPORT_COLUMNS)


@pytest.mark.parametrize("tz", sorted(AUTUMN))
def test_merged_autumn_hour_is_spread_over_both_occurrences(tmp_path: Path, tz: str) -> None:
    first_day, night, day = AUTUMN[tz]
    truth = true_intervals(tz, first_day, 3)
    export = naive_export(truth)
    assert len(export) == len(truth) - 2  # the two doubled 30-minute intervals merged
    history = _read(tmp_path, export, tz)
    frame = history.frame
    # the real grid is back: one row per real interval, 49 on the long day
    assert len(frame) == len(truth)
    assert (frame["interval_start"].to_numpy() == truth["interval_start"].to_numpy()).all()
    assert history.gaps.empty
    # the night's totals are what the ACD counted
    for col in ("offered", "handled", "abandoned"):
        assert frame[col].sum() == pytest.approx(float(truth[col].sum()))
    # each occurrence holds half of the merged row, with its AHT
    wall = frame["interval_start"].dt.tz_localize(None)
    doubled = wall.duplicated(keep=False).to_numpy()
    assert doubled.sum() == 4 and frame.loc[doubled, "imputed"].all()
    assert not frame.loc[~doubled, "imputed"].any()
    for stamp, rows in frame[doubled].groupby(wall[doubled]):
        merged = export[export["Interval"] == f"{stamp:%Y-%m-%d %H:%M}"].iloc[0]
        assert rows["offered"].tolist() == [merged["Calls Offered"] / 2] * 2
        assert rows["aht_s"].tolist() == pytest.approx([merged["Avg ACD Time"]] * 2)
        offsets = {t.utcoffset() for t in rows["interval_start"]}
        assert len(offsets) == 2  # summer time, then winter time
    notes = [w for w in history.warnings if "clocks went back" in w]
    assert len(notes) == 1
    assert night in notes[0] and tz in notes[0] and "spread evenly" in notes[0]
    assert day in notes[0]


@pytest.mark.parametrize("tz", sorted(SPRING))
def test_spring_gap_keeps_working(tmp_path: Path, tz: str) -> None:
    first_day, day = SPRING[tz]
    truth = true_intervals(tz, first_day, 3)
    export = naive_export(truth)
    assert len(export) == len(truth)  # nothing merged: the hour that does not exist has no row
    history = _read(tmp_path, export, tz)
    frame = history.frame
    assert len(frame) == len(truth)
    assert history.gaps.empty and not frame["imputed"].any()
    on_day = frame[frame["interval_start"].dt.strftime("%Y-%m-%d") == day]
    assert len(on_day) == 46  # a 23-hour day
    assert frame["offered"].sum() == float(truth["offered"].sum())
    assert not [w for w in history.warnings if "clocks" in w or "missing" in w]


def test_both_occurrences_given_are_still_read_from_file_order(tmp_path: Path) -> None:
    tz = "Europe/Paris"
    truth = true_intervals(tz, "2024-10-26", 3)
    export = truth.assign(
        interval_start=truth["interval_start"].dt.strftime("%Y-%m-%d %H:%M")
    ).drop(columns=["aht_s"])
    path = tmp_path / "h.csv"
    export.to_csv(path, index=False)
    history = read_history(path, tz=tz)
    assert not [w for w in history.warnings if "clocks went back" in w]
    assert history.frame["offered"].tolist() == truth["offered"].astype(float).tolist()
    assert not history.frame["imputed"].any()


def test_a_doubled_row_given_with_its_offset_is_a_duplicate(tmp_path: Path) -> None:
    """The merged row's second occurrence must not sit beside that occurrence written again."""
    tz = "Europe/Paris"
    export = naive_export(true_intervals(tz, "2024-10-26", 3))
    extra = export[export["Interval"] == "2024-10-27 02:00"].copy()
    extra["Interval"] = "2024-10-27T02:00:00+01:00"
    export = pd.concat([export, extra], ignore_index=True)
    with pytest.raises(InputError, match="duplicate interval 2024-10-27T02:00:00\\+01:00"):
        _read(tmp_path, export, tz)


def test_history_check_counts_match_the_export(tmp_path: Path) -> None:
    """The summary a planner reads totals what the export holds, across the merged night."""
    tz = "America/New_York"
    export = naive_export(true_intervals(tz, "2024-11-02", 3))
    summary = _read(tmp_path, export, tz).summary()
    assert summary["offered"].iloc[0] == float(export["Calls Offered"].sum())
    assert summary["handled"].iloc[0] == float(export["ACD Calls"].sum())
    weighted = np.nansum(export["Avg ACD Time"] * export["ACD Calls"]) / export["ACD Calls"].sum()
    assert summary["aht_s"].iloc[0] == pytest.approx(weighted)


def test_a_newest_first_export_is_read_too(tmp_path: Path) -> None:
    """Merged rows need no file order: an export sorted newest first reads the same."""
    tz = "Europe/Paris"
    export = naive_export(true_intervals(tz, "2024-10-26", 3))
    forward = _read(tmp_path, export, tz).frame
    backward = _read(tmp_path, export.iloc[::-1], tz).frame
    assert backward["offered"].tolist() == forward["offered"].tolist()
    assert backward["interval_start"].tolist() == forward["interval_start"].tolist()

"""ACD per-contact importer: known answers against the published Anonymous Bank aggregation."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from forecasting.acd import (
    ACD_FORMATS,
    ANONYMOUS_BANK,
    AcdFormat,
    aggregate_acd,
    read_acd,
    read_acd_records,
)
from forecasting.errors import ConfigError, InputError
from forecasting.history import read_history

MONTHS = ("january.txt", "february.txt", "october.txt")
AB_HEADER = (
    "vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\tvru_time\t"
    "q_start\tq_exit\tq_time\toutcome\tser_start\tser_exit\tser_time\tserver"
)


_CALL_IDS = itertools.count(1)


def ab_row(
    type_: str,
    date: str,
    entry: str,
    exit_: str,
    q_start: str,
    q_time: int,
    outcome: str,
    ser_time: int,
) -> str:
    return "\t".join(
        [
            "AA0101",
            str(next(_CALL_IDS)),  # each contact its own id: a repeated id is a duplicate
            "0",
            "0",
            type_,
            date,
            entry,
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


@pytest.fixture(scope="module")
def bank_import(shared_data: Path):  # type: ignore[no-untyped-def]
    raw = shared_data / "anonymous_bank_1999" / "raw"
    return read_acd([raw / m for m in MONTHS])


@pytest.fixture(scope="module")
def published(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(
        shared_data / "anonymous_bank_1999" / "anonymous_bank_1999_30min_by_type_jan_feb_oct.csv"
    )


PAIRS = [
    ("offered_to_agents", "offered"),
    ("answered", "handled"),
    ("abandoned", "abandoned"),
    ("vru_only", "ivr_only"),
    ("phantom", "ignored"),
    ("sum_ser_time_answered_s", "handle_s_sum"),
    ("sum_q_time_answered_s", "wait_handled_s_sum"),
    ("sum_q_time_abandoned_s", "wait_abandoned_s_sum"),
    ("answered_within_20s", "answered_within_20s"),
    ("answered_within_60s", "answered_within_60s"),
    ("abandoned_within_20s", "abandoned_within_20s"),
]


def test_interval_totals_match_published_aggregation(bank_import, published) -> None:  # type: ignore[no-untyped-def]
    f = bank_import.frame
    mine = f.assign(
        interval_start=f["interval_start"].dt.strftime("%Y-%m-%d %H:%M:%S"), type=f["queue"]
    )
    merged = published.merge(
        mine, on=["interval_start", "type"], how="outer", suffixes=("_pub", ""), indicator=True
    )
    # every published (interval, type) is in ours; ours has extra rows only where nothing happened
    assert not (merged["_merge"] == "left_only").any()
    extra = merged[merged["_merge"] == "right_only"]
    assert (extra[["offered", "ivr_only", "ignored"]].sum(axis=1) == 0).all()
    both = merged[merged["_merge"] == "both"]
    assert len(both) == 9_848
    for pub, ours in PAIRS:
        pub_col = f"{pub}_pub" if pub in mine.columns else pub
        mismatch = both[both[pub_col] != both[ours]]
        assert mismatch.empty, f"{pub} vs {ours}: {len(mismatch)} rows differ"
    published_aht = both["mean_ser_time_answered_s"].dropna()
    assert both.loc[published_aht.index, "aht_s"].round(2).tolist() == pytest.approx(
        published_aht.tolist(), abs=0.006
    )


def test_totals_match_source_md(bank_import) -> None:  # type: ignore[no-untyped-def]
    f = bank_import.frame
    assert (f["offered"].sum(), f["handled"].sum(), f["abandoned"].sum()) == (94_253, 85_083, 9_170)
    by_type = f.groupby("queue")["offered"].sum()
    assert by_type[["PS", "NW", "NE", "IN", "TT", "PE"]].tolist() == [
        64_226,
        16_934,
        7_040,
        3_366,
        2_265,
        422,
    ]
    assert bank_import.records == 99_566
    assert bank_import.frame["interval_start"].dt.tz is not None


def test_malformed_october_rows_are_warned_and_skipped(bank_import, shared_data: Path) -> None:  # type: ignore[no-untyped-def]
    assert bank_import.skipped == 2
    october = str(shared_data / "anonymous_bank_1999" / "raw" / "october.txt")
    malformed = [w for w in bank_import.warnings if "fields where the header has 17" in w]
    assert malformed == [
        f"{october}, row 7315: 16 fields where the header has 17; row skipped",
        f"{october}, row 14247: 16 fields where the header has 17; row skipped",
    ]


def test_strict_fails_on_the_first_malformed_row(shared_data: Path) -> None:
    october = shared_data / "anonymous_bank_1999" / "raw" / "october.txt"
    with pytest.raises(InputError, match="16 fields where the header has 17 .strict mode.") as info:
        read_acd(october, strict=True)
    assert info.value.row == 7315
    assert info.value.file == str(october)


def test_grid_and_missing_days(bank_import) -> None:  # type: ignore[no-untyped-def]
    f = bank_import.frame
    days = f["interval_start"].dt.strftime("%Y-%m-%d")
    assert "1999-01-12" not in set(days)  # absent in the source data: left missing
    assert pd.Timestamp("1999-01-12") in bank_import.missing_days
    per_series_day = f.groupby(["queue", days]).size()
    assert (per_series_day == 48).all()


def test_anonymous_bank_definitions_on_a_tiny_file(tmp_path: Path) -> None:
    rows = [
        # answered after 15 s in queue, 100 s talk
        ab_row("PS", "990301", "8:00:00", "8:00:10", "8:00:10", 15, "AGENT", 100),
        # answered without queueing
        ab_row("PS", "990301", "8:10:00", "8:10:05", "0:00:00", 0, "AGENT", 200),
        # answered after 45 s
        ab_row("PS", "990301", "8:20:00", "8:20:05", "8:20:05", 45, "AGENT", 300),
        # abandoned from the queue after 30 s
        ab_row("PS", "990301", "8:29:00", "8:29:58", "8:29:58", 30, "HANG", 0),
        # hung up in the voice menu: not offered to agents
        ab_row("PS", "990301", "8:05:00", "8:05:30", "0:00:00", 0, "HANG", 0),
        # ghost call
        ab_row("NW", "990301", "8:06:00", "8:06:01", "0:00:00", 0, "PHANTOM", 0),
        # crossed midnight: vru_exit < vru_entry -> next day 00:00
        ab_row(" TT", "990301", "23:59:50", "0:00:20", "0:00:20", 5, "AGENT", 50),
    ]
    path = tmp_path / "march.txt"
    path.write_text(AB_HEADER + "\r\n" + "\r\n".join(rows) + "\r\n", encoding="utf-8")
    result = read_acd(path, answered_within_s=(20, 60))
    f = result.frame.set_index(["queue", "interval_start"])
    tz = "Asia/Jerusalem"
    ps = f.loc[("PS", pd.Timestamp("1999-03-01 08:00", tz=tz))]
    assert (ps["offered"], ps["handled"], ps["abandoned"]) == (4, 3, 1)
    assert (ps["ivr_only"], ps["ignored"]) == (1, 0)
    assert ps["aht_s"] == pytest.approx(200.0)
    assert ps["handle_s_sum"] == 600
    assert ps["wait_handled_s_sum"] == 60 and ps["wait_abandoned_s_sum"] == 30
    assert (ps["answered_within_20s"], ps["answered_within_60s"]) == (2, 3)
    assert (ps["abandoned_within_20s"], ps["abandoned_within_60s"]) == (0, 1)
    nw = f.loc[("NW", pd.Timestamp("1999-03-01 08:00", tz=tz))]
    assert (nw["offered"], nw["ignored"]) == (0, 1)
    tt = f.loc[("TT", pd.Timestamp("1999-03-02 00:00", tz=tz))]  # type stripped, next day
    assert (tt["offered"], tt["handled"], tt["answered_within_20s"]) == (1, 1, 1)
    # both days are complete grids for every type
    assert f.groupby(level="queue").size().tolist() == [96, 96, 96]
    assert result.frame["offered"].sum() == 5


def test_too_many_malformed_rows_is_an_error(tmp_path: Path) -> None:
    rows = [ab_row("PS", "990301", "8:00:00", "8:00:10", "0:00:00", 0, "AGENT", 10) for _ in "abc"]
    rows.append(ab_row("PS", "990301", "8:00:00", "8:00:10", "0:00:00", 0, "TRANSFER", 10))
    path = tmp_path / "bad.txt"
    path.write_text(AB_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(
        InputError,
        match="column 'outcome': cannot read 'TRANSFER'; expected "
        "one of AGENT, HANG, PHANTOM .1 of 4 rows are malformed",
    ) as info:
        read_acd(path)
    assert info.value.row == 5


@pytest.mark.parametrize(
    ("column_index", "value", "column", "expected"),
    [
        (5, "99-03-01", "date", "a date"),
        (7, "8:61:00", "vru_exit", "a time of day"),
        (11, "-4", "q_time", "seconds >= 0"),
        (15, "ten", "ser_time", "seconds >= 0"),
    ],
)
def test_unreadable_values_name_row_and_column(
    tmp_path: Path, column_index: int, value: str, column: str, expected: str
) -> None:
    good = ab_row("PS", "990301", "8:00:00", "8:00:10", "0:00:00", 0, "AGENT", 10)
    fields = good.split("\t")
    fields[column_index] = value
    path = tmp_path / "bad.txt"
    path.write_text(AB_HEADER + "\n" + good + "\n" + "\t".join(fields) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=f"column '{column}': cannot read .*expected {expected}"):
        read_acd(path, strict=True)
    records, warnings, skipped = read_acd_records(path, max_bad_share=0.6)
    assert skipped == 1 and len(records) == 1
    assert warnings[0].startswith(f"{path}, row 3, column '{column}'")


def test_missing_column_and_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text("date\tvru_exit\n990301\t8:00:00\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column 'vru_entry' of the 'anonymous_bank'"):
        read_acd(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="file is empty"):
        read_acd(path)
    path.write_text(AB_HEADER + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="no contact rows"):
        read_acd(path)


def test_custom_format_csv_with_datetimes(tmp_path: Path) -> None:
    fmt = AcdFormat(
        name="acme",
        arrival_column="Arrived",
        outcome_column="Result",
        wait_column="Wait",
        handle_column="Talk",
        queue_column="Skill",
        answered_outcomes=("answered",),
        abandoned_outcomes=("abandoned",),
        channel="chat",
        tz="Asia/Dubai",
    )
    path = tmp_path / "acme.csv"
    path.write_text(
        "Arrived,Skill,Wait,Talk,Result\n"
        '2026-11-30T08:01:00,"sales, north",0:00:10,0:05:00,answered\n'
        '2026-11-30T08:14:59,"sales, north",0:01:30,0:00:00,abandoned\n'
        '2026-11-30T04:20:00Z,"sales, north",5,200,answered\n',
        encoding="utf-8",
    )
    records, _, _ = read_acd_records(path, format=fmt)
    assert records["arrival"].dt.strftime("%H:%M").tolist() == ["08:01", "08:14", "08:20"]
    frame, missing = aggregate_acd(records, interval_min=15, answered_within_s=(20,))
    assert missing == ()
    row = frame.set_index("interval_start").loc[pd.Timestamp("2026-11-30 08:00", tz="Asia/Dubai")]
    assert (row["channel"], row["queue"], row["offered"], row["abandoned"]) == (
        "chat",
        "sales, north",
        2,
        1,
    )
    assert row["aht_s"] == 300 and row["answered_within_20s"] == 1
    assert len(frame) == 96


def test_format_by_name_and_unknown_name(tmp_path: Path) -> None:
    assert ACD_FORMATS["anonymous_bank"] is ANONYMOUS_BANK
    with pytest.raises(
        ConfigError, match="unknown ACD format 'genesys'; expected one of anonymous_bank"
    ):
        read_acd(tmp_path / "x.txt", format="genesys")


def test_imported_history_reads_back(tmp_path: Path, bank_import) -> None:  # type: ignore[no-untyped-def]
    from wfmcore.io import write_csv

    path = tmp_path / "hist.csv"
    write_csv(bank_import.frame, path)
    h = read_history(path, tz="Asia/Jerusalem", max_gap_days=400)
    assert h.interval_min == 30
    assert sorted({q for _, q in h.series}) == ["AA", "IN", "NE", "NW", "PE", "PS", "TT"]
    # no warning about the ACD statistics columns; 12 January is a gap, imputed and reported
    assert not any("ignored unknown column" in w for w in h.warnings)
    jan12 = h.frame[h.frame["interval_start"].dt.strftime("%Y-%m-%d") == "1999-01-12"]
    assert jan12["imputed"].any()
    observed = h.frame[~h.frame["imputed"]]
    assert observed["offered"].sum() == 94_253


def test_the_same_export_twice_is_refused_naming_both_rows(tmp_path: Path) -> None:
    rows = [
        ab_row("PS", "990301", "8:00:00", f"8:0{i}:10", "0:00:00", 0, "AGENT", 10) for i in range(3)
    ]
    path = tmp_path / "march.txt"
    path.write_text(AB_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert read_acd(path).records == 3
    with pytest.raises(
        InputError, match=r"march\.txt, row 2: duplicate contact: vru\+line, call_id"
    ) as info:
        read_acd([path, path])
    assert f"also on {path}, row 2 (and 2 more rows)" in str(info.value)


def test_a_repeated_call_id_inside_one_file_is_refused(tmp_path: Path) -> None:
    first = ab_row("PS", "990301", "8:00:00", "8:00:10", "0:00:00", 0, "AGENT", 10)
    again = first.replace("8:00:10", "9:00:10")  # another call, the same id
    path = tmp_path / "march.txt"
    path.write_text(AB_HEADER + "\n" + first + "\n" + again + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3: duplicate contact: .* also on .*row 2"):
        read_acd(path)


def test_without_ids_repeated_records_are_counted_in_a_warning(tmp_path: Path) -> None:
    fmt = AcdFormat(
        name="plain",
        arrival_column="Arrived",
        outcome_column="Result",
        wait_column="Wait",
        handle_column="Talk",
        tz="Asia/Dubai",
    )
    path = tmp_path / "plain.csv"
    path.write_text(
        "Arrived,Wait,Talk,Result\n"
        + "2026-11-30T08:01:00,10,300,answered\n" * 3
        + "2026-11-30T08:02:00,10,300,answered\n",
        encoding="utf-8",
    )
    records, warnings, _ = read_acd_records(path, format=fmt)
    assert len(records) == 4
    assert warnings == (
        f"{path}, row 3: 2 record(s) repeat every field of an earlier one (first: {path}, row 2);"
        " counted as they are",
    )


@pytest.mark.parametrize("date", ["350105", "681231"])
def test_contacts_dated_in_the_future_are_refused_with_their_row(tmp_path: Path, date: str) -> None:
    rows = [
        ab_row("PS", "990301", "8:00:00", "8:00:10", "0:00:00", 0, "AGENT", 10),
        ab_row("PS", date, "8:00:00", "8:00:10", "0:00:00", 0, "AGENT", 10),
    ]
    path = tmp_path / "march.txt"
    path.write_text(AB_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 3: a contact dated 20\d\d-\d\d-\d\d is outside"):
        read_acd(path)


def test_a_file_with_other_separators_is_named(tmp_path: Path) -> None:
    path = tmp_path / "march.csv"
    row = ab_row("PS", "990301", "8:00:00", "8:00:10", "0:00:00", 0, "AGENT", 10)
    path.write_text((AB_HEADER + "\n" + row + "\n").replace("\t", ","), encoding="utf-8")
    with pytest.raises(InputError, match="row 1: the fields are separated by commas, not tabs"):
        read_acd(path)

"""History uploads.

Validation by the CLI's readers, the interval rows, the history frame, the chart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from forecasting.acd import read_acd
from forecasting.history import History, read_history, validate_history
from web.app.extensions import db
from web.app.models import (
    Channel,
    HistoryRow,
    HistoryUpload,
    Queue,
    TargetsVersion,
)
from web.app.services._common import (
    _bulk_insert,
    _float,
    _label,
    actor,
    audit,
    check_length,
    fit_length,
    latest,
    local_ts,
    settings,
    to_local,
    to_utc,
)
from web.app.services._documents import opening_hours_of


def import_history(path: Path, filename: str, *, kind: str = "interval") -> HistoryUpload:
    """Validate an uploaded history and add it with its interval rows.

    The upload is an interval CSV or an ACD per-contact export.

    Raises
    ------
    wfmcore.errors.InputError
        The file is not valid (names the row and column); nothing is added.
    """
    center = settings()
    hours = opening_hours_of(latest(TargetsVersion))
    history: History
    if kind == "acd":
        acd = read_acd([path], format="anonymous_bank", interval_min=center.interval_min)
        frame = acd.frame[
            [
                c
                for c in (
                    "channel",
                    "queue",
                    "interval_start",
                    "offered",
                    "handled",
                    "abandoned",
                    "aht_s",
                )
                if c in acd.frame.columns
            ]
        ]
        history = validate_history(frame, source=filename, tz=center.tz, opening_hours=hours)
        history = dataclasses.replace(history, warnings=(*acd.warnings, *history.warnings))
    else:
        history = read_history(path, tz=center.tz, opening_hours=hours)
    return save_history(history, filename, kind=kind)


def save_history(history: History, filename: str, *, kind: str = "interval") -> HistoryUpload:
    """Add a validated history and its rows (one bulk insert) to the session."""
    f = history.frame
    summary = history.summary()
    for key, column in (("channel", HistoryRow.channel), ("queue", HistoryRow.queue)):
        for name in sorted({str(x) for x in f[key].unique()}):
            check_length(name, column, key)
    filename = fit_length(filename, HistoryUpload.filename)
    summary_rows = [
        {
            "channel": str(r["channel"]),
            "queue": str(r["queue"]),
            "first": pd.Timestamp(r["first"]).isoformat(),
            "last": pd.Timestamp(r["last"]).isoformat(),
            "intervals": int(r["intervals"]),
            "imputed": int(r["imputed"]),
            "offered": float(r["offered"]),
            "handled": _float(r["handled"]),
            "abandoned": _float(r["abandoned"]),
            "aht_s": _float(r["aht_s"]),
        }
        for r in summary.to_dict("records")
    ]
    upload = HistoryUpload(
        filename=filename,
        kind=kind,
        interval_min=history.interval_min,
        tz=history.tz,
        first_utc=to_utc(pd.Series([f["interval_start"].min()]))[0],
        last_utc=to_utc(pd.Series([f["interval_start"].max()]))[0],
        rows=len(f),
        imputed=int(f["imputed"].sum()),
        summary_json=json.dumps(summary_rows),
        warnings_json=json.dumps(list(history.warnings)),
        opening_hours_json=json.dumps(
            {f"{c}/{q}": str(oh) for (c, q), oh in sorted(history.opening_hours.items())}
        ),
        created_by=actor(),
    )
    db.session.add(upload)
    db.session.flush()
    rows = pd.DataFrame(
        {
            "history_id": upload.id,
            "channel": f["channel"].astype(str),
            "queue": f["queue"].astype(str),
            "interval_start": to_utc(f["interval_start"]),
            "offered": f["offered"].astype(float),
            "handled": f["handled"].astype(float),
            "abandoned": f["abandoned"].astype(float),
            "aht_s": f["aht_s"].astype(float),
            "imputed": f["imputed"].astype(bool),
        }
    )
    _bulk_insert(HistoryRow, rows)
    upload.chart_json = json.dumps(_history_chart_data(upload, CHART_WEEKS))
    _add_channels(summary_rows)
    audit("history_uploaded", f"history:{upload.id}", f"{filename}: {len(f):,} interval rows")
    return upload


def _add_channels(series: Sequence[dict[str, Any]]) -> None:
    """Add the channels and queues of a history to the settings' list (never removes)."""
    for item in series:
        channel = db.session.scalar(select(Channel).where(Channel.name == item["channel"]))
        if channel is None:
            channel = Channel(name=item["channel"], description="")
            db.session.add(channel)
        if item["queue"] not in {q.name for q in channel.queues}:
            channel.queues.append(Queue(name=item["queue"]))


def history_frame(history_id: int) -> History:
    """A stored history as the library's :class:`~forecasting.history.History`.

    Read through the driver's cursor (plain tuples, times as the driver gives them), not as
    SQLAlchemy rows with a Python ``datetime`` each: a 50-entity history has millions of rows
    (#19; the row objects took 25 s per million).
    """
    upload = db.get_or_404(HistoryUpload, history_id)
    table = HistoryRow.__table__
    columns = [
        "channel",
        "queue",
        "interval_start",
        "offered",
        "handled",
        "abandoned",
        "aht_s",
        "imputed",
    ]
    stmt = (
        select(*(table.c[c] for c in columns))
        .where(table.c.history_id == int(history_id))
        .order_by(table.c.channel, table.c.queue, table.c.interval_start)
    )
    connection = db.session.connection()
    sql = str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    # SQLite gives ISO text, PostgreSQL naive datetimes: numpy parses both in C
    stamps = np.array(values[2], dtype="datetime64[us]")
    frame = pd.DataFrame(
        {
            "channel": pd.Series(np.array(values[0], dtype=object), dtype=object).astype(str),
            "queue": pd.Series(np.array(values[1], dtype=object), dtype=object).astype(str),
            "interval_start": to_local(pd.Series(stamps), upload.tz).array,
            **{c: np.array(v, dtype=float) for c, v in zip(columns[3:7], values[3:7], strict=True)},
            "imputed": np.array(values[7], dtype=bool),
        }
    )
    gaps = pd.DataFrame(columns=["channel", "queue", "interval_start", "offered", "method"])
    return History(
        frame=frame,
        interval_min=upload.interval_min,
        tz=upload.tz,
        gaps=gaps,
        warnings=tuple(upload.warnings),
        source=upload.filename,
    )


#: Weeks of history the history page charts (stored with each upload).
CHART_WEEKS = 4


def history_chart(history_id: int, weeks: int = CHART_WEEKS) -> dict[str, Any]:
    """Offered contacts per channel and interval over the last ``weeks`` weeks (chart data).

    The default is the chart stored with the upload.
    """
    upload = db.get_or_404(HistoryUpload, history_id)
    if weeks != CHART_WEEKS:
        return _history_chart_data(upload, weeks)
    if upload.chart_json in ("", "{}"):  # an upload from before revision 0002: fill it once
        upload.chart_json = json.dumps(_history_chart_data(upload, weeks))
        db.session.commit()
    return dict(json.loads(upload.chart_json))


def _history_chart_data(upload: HistoryUpload, weeks: int) -> dict[str, Any]:
    """Chart data of an upload's last ``weeks`` weeks, one range query per series.

    Each query uses the ``(history_id, channel, interval_start)`` index instead of scanning the
    whole upload.
    """
    since = upload.last_utc - dt.timedelta(days=7 * weeks) + dt.timedelta(minutes=1)
    parts: list[Any] = []
    for channel in sorted({str(item["channel"]) for item in upload.summary}):
        stmt = select(HistoryRow.channel, HistoryRow.interval_start, HistoryRow.offered).where(
            HistoryRow.history_id == upload.id,
            HistoryRow.channel == channel,
            HistoryRow.interval_start >= since,
        )
        parts.extend(db.session.execute(stmt).all())
    frame = pd.DataFrame(parts, columns=["channel", "t", "offered"])
    return _wide_chart(frame, "t", "offered", upload.tz)


def _wide_chart(frame: pd.DataFrame, time_col: str, value_col: str, tz: str) -> dict[str, Any]:
    if frame.empty:
        return {"labels": [], "series": {}}
    wide = frame.pivot_table(index=time_col, columns="channel", values=value_col, aggfunc="sum")
    wide = wide.sort_index().fillna(0.0)
    labels = [_label(local_ts(t, tz)) for t in pd.DatetimeIndex(wide.index).to_pydatetime()]
    return {
        "labels": labels,
        "series": {str(c): np.round(wide[c].to_numpy(float), 2).tolist() for c in wide.columns},
    }

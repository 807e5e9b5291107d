"""History uploads.

Validation by the CLI's readers, the interval rows, the history frame, the chart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import secrets
from collections.abc import Callable, Sequence
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
    JobContextLike,
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
from web.app.services._entities import current_entities, map_history_frame
from wfmcore.errors import InputError


def read_history_upload(path: Path, filename: str, *, kind: str = "interval") -> History:
    """Read and validate an uploaded history: an interval CSV or an ACD per-contact export.

    Raises
    ------
    wfmcore.errors.InputError
        The file is not valid (names the row and column).
    """
    center = settings()
    hours = opening_hours_of(latest(TargetsVersion))
    if kind != "acd":
        return read_history(path, tz=center.tz, opening_hours=hours)
    acd = read_acd([path], format="anonymous_bank", interval_min=center.interval_min)
    columns = ("channel", "queue", "interval_start", "offered", "handled", "abandoned", "aht_s")
    frame = acd.frame[[c for c in columns if c in acd.frame.columns]]
    history = validate_history(frame, source=filename, tz=center.tz, opening_hours=hours)
    return dataclasses.replace(history, warnings=(*acd.warnings, *history.warnings))


def map_history(history: History) -> tuple[History, list[dict[str, Any]]]:
    """A history's rows onto the entities' queues (:func:`map_history_frame`); names held back.

    Raises
    ------
    wfmcore.errors.InputError
        Every row was held back (the message lists the names): nothing to store.
    """
    frame, unmapped, renamed = map_history_frame(history.frame, current_entities())
    if frame is history.frame:
        return history, []
    if frame.empty:
        names = ", ".join(f"{u['channel']}/{u['acd_queue']}" for u in unmapped[:20])
        more = f" and {len(unmapped) - 20} more" if len(unmapped) > 20 else ""
        raise InputError(
            f"no queue of the file is an entity's queue or mapped: {names}{more}; "
            "map them on the queue mapping page and upload the file again",
            file=history.source,
            column="queue",
        )
    hours: dict[tuple[str, str], Any] = {}
    for (c, q), oh in history.opening_hours.items():
        if (c, q) in renamed:
            hours.setdefault((c, renamed[(c, q)]), oh)
    return dataclasses.replace(history, frame=frame, opening_hours=hours), unmapped


def import_history(
    path: Path,
    filename: str,
    *,
    kind: str = "interval",
    progress: Callable[[int, int], None] | None = None,
) -> HistoryUpload:
    """Validate an uploaded history, map its queues and add it with its interval rows.

    The upload is an interval CSV or an ACD per-contact export. Queue names that are neither
    an entity's queue nor mapped are held back and listed on the upload (``unmapped``).

    Raises
    ------
    wfmcore.errors.InputError
        The file is not valid (names the row and column); nothing is added.
    """
    history = read_history_upload(path, filename, kind=kind)
    history, unmapped = map_history(history)
    return save_history(history, filename, kind=kind, unmapped=unmapped, progress=progress)


def save_history(
    history: History,
    filename: str,
    *,
    kind: str = "interval",
    unmapped: Sequence[dict[str, Any]] = (),
    progress: Callable[[int, int], None] | None = None,
    chunk: int = 50_000,
    created_by: str | None = None,
) -> HistoryUpload:
    """Add a validated history and its rows (bulk inserts in chunks) to the session.

    ``progress(done, total)`` is called after each chunk (it may raise to stop: the caller
    rolls back). ``created_by``: who uploaded it (a job's user; default the signed-in one).
    """
    created_by = created_by or actor()
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
        unmapped_json=json.dumps(list(unmapped)),
        created_by=created_by,
    )
    db.session.add(upload)
    db.session.flush()
    utc = pd.DatetimeIndex(f["interval_start"]).tz_convert("UTC").tz_localize(None)
    rows = pd.DataFrame(
        {
            "history_id": upload.id,
            "channel": f["channel"].astype(str),
            "queue": f["queue"].astype(str),
            "interval_start": utc.to_numpy(),
            "offered": f["offered"].astype(float),
            "handled": f["handled"].astype(float),
            "abandoned": f["abandoned"].astype(float),
            "aht_s": f["aht_s"].astype(float),
            "imputed": f["imputed"].astype(bool),
        }
    )
    # Sparse storage (#19): an interval with nothing in it (no contact offered, handled or
    # abandoned, no AHT, not imputed) is not stored; history_frame() completes each series' grid
    # from the upload's summary, as the forecasting engine would. Most intervals of a small queue
    # are empty: the 50-entity demo stores 3.3 M of its 9.3 M rows.
    empty = (
        (rows["offered"] == 0)
        & rows["handled"].fillna(0.0).eq(0.0)
        & rows["abandoned"].fillna(0.0).eq(0.0)
        & rows["aht_s"].isna()
        & ~rows["imputed"]
    )
    rows = rows.loc[~empty.to_numpy()]
    total = len(rows)
    for start in range(0, total, chunk):
        _bulk_insert(HistoryRow, rows.iloc[start : start + chunk], chunk, fast=True)
        if progress is not None:
            progress(min(start + chunk, total), total)
    upload.chart_json = json.dumps(_history_chart_data(upload, CHART_WEEKS))
    _add_channels(summary_rows)
    held = f"; {len(unmapped)} queue name(s) held back (unmapped)" if unmapped else ""
    detail = f"{filename}: {len(f):,} interval rows{held}"
    audit("history_uploaded", f"history:{upload.id}", detail, username=created_by)
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
    frame = _complete_series(frame, upload)
    gaps = pd.DataFrame(columns=["channel", "queue", "interval_start", "offered", "method"])
    return History(
        frame=frame,
        interval_min=upload.interval_min,
        tz=upload.tz,
        gaps=gaps,
        warnings=tuple(upload.warnings),
        source=upload.filename,
    )


def _complete_series(frame: pd.DataFrame, upload: HistoryUpload) -> pd.DataFrame:
    """Put back the empty intervals :func:`save_history` did not store.

    Each series runs from its first to its last interval (the upload's summary) at the upload's
    interval length; an interval without a stored row has 0 offered, handled and abandoned, no
    AHT, and is not imputed. Stored rows are returned as they are.
    """
    step = pd.Timedelta(minutes=upload.interval_min)
    parts = []
    stored = dict(tuple(frame.groupby(["channel", "queue"], sort=False)))
    for item in upload.summary:
        key = (str(item["channel"]), str(item["queue"]))
        first = pd.Timestamp(item["first"]).tz_convert(upload.tz)
        last = pd.Timestamp(item["last"]).tz_convert(upload.tz)
        grid = pd.date_range(first, last, freq=step)
        part = stored.get(key)
        if part is not None and len(part) == len(grid):
            parts.append(part)
            continue
        full = pd.DataFrame({"channel": key[0], "queue": key[1], "interval_start": grid})
        if part is None:
            part = full.iloc[:0].assign(
                offered=[], handled=[], abandoned=[], aht_s=[], imputed=np.array([], dtype=bool)
            )
        merged = full.merge(
            part.drop(columns=["channel", "queue"]), on="interval_start", how="left", sort=False
        )
        for column in ("offered", "handled", "abandoned"):
            merged[column] = merged[column].astype(float).fillna(0.0)
        merged["aht_s"] = merged["aht_s"].astype(float)
        merged["imputed"] = merged["imputed"].astype("boolean").fillna(False).astype(bool)
        parts.append(merged)
    if not parts:
        return frame
    return pd.concat(parts, ignore_index=True).reindex(columns=frame.columns)


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


# --- the upload job ---------------------------------------------------------------------------

_STORED = re.compile(r"history-[0-9a-f]{32}\.upload")


def uploads_folder() -> Path:
    """The instance folder where uploads wait for their job (created when missing)."""
    from flask import current_app

    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(stream: Any) -> str:
    """Write an uploaded file into :func:`uploads_folder` atomically; its stored name.

    The bytes go to a hidden ``.part`` file first, renamed once complete, so a job never reads
    half a file. ``stream`` is a binary file object (Werkzeug's ``FileStorage.stream``).
    """
    folder = uploads_folder()
    name = f"history-{secrets.token_hex(16)}.upload"
    part = folder / f".{name}.part"
    with part.open("wb") as out:
        while block := stream.read(1 << 20):
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    os.replace(part, folder / name)
    return name


def stored_upload(name: str) -> Path:
    """The path of a stored upload by its name (only names :func:`store_upload` makes)."""
    if not _STORED.fullmatch(name):
        raise InputError(f"not a stored upload: {name!r}")
    return uploads_folder() / name


def run_history_job(ctx: JobContextLike, params: dict[str, Any]) -> str:
    """The ``history`` job: read, validate, map and store an uploaded history.

    ``params``: ``upload`` (the stored file's name), ``filename`` (as uploaded), ``kind``
    (``interval`` or ``acd``). Every row goes in within the runner's one transaction, so a
    failure or a cancellation leaves nothing; the stored file is removed either way.
    """
    from web.app.messages import progress_text
    from web.app.services._common import temp_file

    path = stored_upload(str(params["upload"]))
    filename = str(params.get("filename") or "history.csv")
    kind = "acd" if params.get("kind") == "acd" else "interval"
    try:
        ctx.progress(0.02, progress_text("reading", name=filename))
        data = path.read_bytes()
        with temp_file(data, ".csv" if kind == "interval" else ".txt", filename) as tmp:
            del data
            history = read_history_upload(tmp, filename, kind=kind)
        ctx.progress(0.3, progress_text("history_read", rows=f"{len(history.frame):,}"))
        ctx.check_cancel()
        history, unmapped = map_history(history)
        ctx.progress(0.35, progress_text("inserting", done=0, total=f"{len(history.frame):,}"))
        ctx.check_cancel()

        # SQLite has one writer: while this transaction inserts, a progress row written on
        # another connection would wait for it; there only a cancellation is looked for
        shared = db.engine.dialect.name != "sqlite"

        def stored(done: int, total: int) -> None:
            if shared:
                ctx.progress(
                    0.35 + 0.6 * done / max(total, 1),
                    progress_text("inserting", done=f"{done:,}", total=f"{total:,}"),
                )
            ctx.check_cancel()

        upload = save_history(
            history,
            filename,
            kind=kind,
            unmapped=unmapped,
            progress=stored,
            created_by=str(params.get("username") or "system"),
        )
        return f"history:{upload.id}"
    finally:
        path.unlink(missing_ok=True)

"""Helpers every service uses.

The acting user, the audit log, the settings row, time conversions (UTC in the database, the
center's zone on the pages), temporary files for the CLI's readers, bulk inserts.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import tempfile
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from flask import current_app, has_app_context
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import String, event, insert, inspect, select
from sqlalchemy.orm import Mapper, Session

from web.app.extensions import db
from web.app.models import (
    AuditEntry,
    CenterSettings,
)
from wfmcore.defaults import DEFAULT_COUNTRY, DEFAULT_TZ
from wfmcore.errors import InputError, WfmError

M = TypeVar("M")


def actor() -> str:
    """The signed-in user's name, or ``system`` (jobs, commands)."""
    try:
        if current_user and current_user.is_authenticated:
            return str(current_user.username)
    except RuntimeError:  # outside a request
        pass
    return "system"


def audit(action: str, target: str = "", detail: str = "", *, username: str | None = None) -> None:
    """Add an audit entry to the session (committed with the unit of work it records)."""
    db.session.add(
        AuditEntry(
            username=username or actor(),
            action=action,
            target=target,
            detail=detail[:2000],
        )
    )


#: What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(value: Any) -> Any:
    """A cell value that a spreadsheet shows as text, never runs as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    ``'`` (the OWASP rule), so ``=HYPERLINK(...)`` in an agent's name stays text in Excel and
    LibreOffice. A plain number (``-2.5``) and anything that is not text are left as they are.

    Parameters
    ----------
    value
        One cell of an export (CSV or Excel).

    Returns
    -------
    Any
        ``value``, or ``"'" + value`` when it would start a formula.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return value if _PLAIN_NUMBER.fullmatch(value) else "'" + value
    return value


def settings() -> CenterSettings:
    """The center's settings row, created with the defaults when missing."""
    row = db.session.get(CenterSettings, 1)
    if row is None:
        row = CenterSettings(id=1, tz=DEFAULT_TZ, country=DEFAULT_COUNTRY, interval_min=30)
        db.session.add(row)
        db.session.flush()
    return row


def latest(model: type[M]) -> M | None:
    """The newest row of ``model`` (highest id)."""
    key: Any = model
    row: M | None = db.session.scalar(select(key).order_by(key.id.desc()).limit(1))
    return row


def to_utc(values: pd.Series) -> list[dt.datetime]:
    """Tz-aware timestamps as naive UTC datetimes (how the database stores time)."""
    stamps = pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None)
    return list(stamps.to_pydatetime())


def to_local(values: Sequence[Any] | pd.Series, tz: str) -> pd.Series:
    """Naive UTC datetimes (or ISO strings, as a raw SQLite query returns them) in zone ``tz``.

    Through ``datetime64`` first: ``pd.to_datetime`` on a column of Python datetimes is slow.
    """
    raw = values.to_numpy() if isinstance(values, pd.Series) else list(values)
    stamps = np.asarray(raw, dtype="datetime64[us]")
    return pd.Series(pd.DatetimeIndex(stamps).tz_localize("UTC").tz_convert(tz))


@functools.lru_cache(maxsize=16)
def _zone(tz: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(tz)


def local_ts(value: dt.datetime, tz: str) -> dt.datetime:
    """One naive UTC datetime as a local, zone-aware datetime (fast: pages convert thousands)."""
    return value.replace(tzinfo=dt.UTC).astimezone(_zone(tz))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for a bulk insert: NaN becomes NULL, values are Python objects.

    Column by column (one ``to_numpy(object)`` each), not through ``DataFrame.where`` on the
    whole frame: a history upload has millions of rows.
    """
    columns = [str(c) for c in frame.columns]
    values: list[list[Any]] = []
    for c in frame.columns:
        series = frame[c]
        array = series.to_numpy(dtype=object)
        if series.hasnans:
            array[series.isna().to_numpy()] = None
        values.append(array.tolist())
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _float(x: Any) -> float | None:
    if x is None:
        return None
    value = float(x)
    return None if math.isnan(value) else value


@contextmanager
def temp_file(content: str | bytes, suffix: str, name: str = "upload") -> Iterator[Path]:
    """A temporary file holding ``content``, named ``name + suffix`` (messages name it)."""
    with tempfile.TemporaryDirectory(prefix="wfm-") as folder:
        path = Path(folder) / f"{Path(name).stem or 'upload'}{suffix}"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        try:
            yield path
        except WfmError as exc:  # messages name the file as uploaded, not the server's path
            exc.args = tuple(
                a.replace(f"{folder}/", "") if isinstance(a, str) else a for a in exc.args
            )
            if isinstance(getattr(exc, "file", None), str):
                exc.file = Path(exc.file).name  # type: ignore[attr-defined]
            raise


def _bulk_insert(
    model: type[Any], rows: pd.DataFrame, chunk: int = 50_000, *, fast: bool = False
) -> None:
    """``INSERT`` many rows, in chunks, inside the current transaction.

    A Core ``INSERT`` executed with many parameter sets (the driver's executemany, batched by
    SQLAlchemy's *insertmanyvalues*): no ORM bookkeeping per row. With ``fast`` (millions of
    rows: a history upload) the driver is given the rows itself, on the session's connection
    and so in its transaction: ``COPY ... FROM STDIN`` on PostgreSQL (psycopg), one
    ``executemany`` of tuples on SQLite (times as SQLAlchemy stores them there).
    """
    table = model.__table__
    dialect = db.engine.dialect
    for i in range(0, len(rows), chunk):
        part = rows.iloc[i : i + chunk]
        if fast and dialect.name == "postgresql" and dialect.driver == "psycopg":
            _copy_rows(table, part)
        elif fast and dialect.name == "sqlite":
            _executemany_rows(table, part)
        else:
            db.session.execute(insert(table), _records(part))


def _tuples(table: Any, frame: pd.DataFrame, *, sqlite: bool) -> list[tuple[Any, ...]]:
    """A frame's rows as tuples of Python values for the driver (NaN and NaT as ``None``)."""
    from sqlalchemy import Date, DateTime

    values: list[list[Any]] = []
    for name in frame.columns:
        series = frame[name]
        kind = table.c[name].type
        if isinstance(kind, DateTime) and sqlite:
            text = pd.DatetimeIndex(series).strftime("%Y-%m-%d %H:%M:%S.%f")
            array = np.asarray(text, dtype=object)
        elif isinstance(kind, DateTime):
            array = np.asarray(pd.DatetimeIndex(series).to_pydatetime(), dtype=object)
        elif isinstance(kind, Date) and sqlite:
            array = np.asarray(pd.DatetimeIndex(series).strftime("%Y-%m-%d"), dtype=object)
        else:
            array = series.to_numpy(dtype=object)
        if series.hasnans:
            array[series.isna().to_numpy()] = None
        values.append(array.tolist())
    return list(zip(*values, strict=True))


def _executemany_rows(table: Any, frame: pd.DataFrame) -> None:
    columns = [str(c) for c in frame.columns]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    db.session.connection().exec_driver_sql(sql, _tuples(table, frame, sqlite=True))


def _copy_rows(table: Any, frame: pd.DataFrame) -> None:
    columns = [str(c) for c in frame.columns]
    raw = db.session.connection().connection.driver_connection
    assert raw is not None
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for row in _tuples(table, frame, sqlite=False):
            copy.write_row(row)


def _label(ts: dt.datetime) -> str:
    """A chart's time label: local wall time as ``YYYY-MM-DD HH:MM``.

    app.js says it in the page's locale (no English month or day names here).
    """
    return f"{ts:%Y-%m-%d %H:%M}"


@dataclass(frozen=True, slots=True)
class JobContextLike:
    """What a job handler may call (see :class:`web.app.jobs.JobContext`)."""

    progress: Callable[..., None]
    check_cancel: Callable[[], None]
    stop: Any = None


def column_length(column: Any) -> int | None:
    """The length ``N`` of a ``String(N)`` model column (``Agent.name``), else ``None``."""
    length = getattr(column.property.columns[0].type, "length", None)
    return int(length) if length else None


def _too_long(field: str, limit: int, got: int) -> str:
    if has_app_context():
        return str(
            gettext(
                "%(field)s is too long: at most %(n)s characters (got %(got)s)",
                field=field,
                n=limit,
                got=got,
            )
        )
    return f"{field} is too long: at most {limit} characters (got {got})"


def check_length(
    value: str, column: Any, field: str | None = None, *, row: int | None = None
) -> str:
    """``value`` when it fits the ``String(N)`` ``column``, else an :class:`InputError`.

    Parameters
    ----------
    value
        The text a form or an import is about to store.
    column
        The model attribute it goes into (``Agent.name``): its length is the limit.
    field
        The name the message gives (the column's name by default).
    row
        The file's row, for an import.

    Returns
    -------
    str
        ``value`` unchanged.
    """
    limit = column_length(column)
    name = field or column.key
    if limit is not None and len(value) > limit:
        raise InputError(_too_long(name, limit, len(value)), row=row, column=name)
    return value


def fit_length(value: str, column: Any) -> str:
    """``value`` cut to the ``String(N)`` ``column`` (for names that only label, e.g. files)."""
    limit = column_length(column)
    return value if limit is None else value[:limit]


def center_today() -> dt.date:
    """Today in the center's zone (the ``TODAY`` setting, ``YYYY-MM-DD``, fixes it for tests)."""
    fixed = current_app.config.get("TODAY") if has_app_context() else None
    if fixed:
        return dt.date.fromisoformat(str(fixed))
    return dt.datetime.now(_zone(settings().tz)).date()


@event.listens_for(Session, "before_flush")
def _string_lengths(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse, as an input error, any text longer than its ``String(N)`` column.

    The last guard (forms and imports check first, naming their field): without it PostgreSQL
    fails the whole transaction (``StringDataRightTruncation``) where SQLite stores the text.
    """
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for key, name, length in _bounded_columns(state.mapper):
            value = state.dict.get(key)  # loaded values only: no query inside a flush
            if isinstance(value, str) and len(value) > length:
                raise InputError(_too_long(name, length, len(value)), column=name)


@functools.cache
def _bounded_columns(mapper: Mapper[Any]) -> tuple[tuple[str, str, int], ...]:
    """A model's ``String(N)`` columns: attribute, column name and N (read once per model)."""
    out = []
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        length = getattr(column.type, "length", None)
        if isinstance(column.type, String) and length:
            out.append((attr.key, str(column.name), int(length)))
    return tuple(out)

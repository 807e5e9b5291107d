"""Roster exports: the ``ROSTER.csv`` format and an Excel workbook.

Every text cell goes through :func:`~web.app.services._common.spreadsheet_safe`, and the
workbook's text cells are typed as text (``quotePrefix``), so a name such as
``=HYPERLINK(...)`` is never a live formula in Excel or LibreOffice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from sqlalchemy import select

from web.app.extensions import db
from web.app.models import (
    Shift,
    ShiftActivity,
)
from web.app.services._common import local_ts, settings, spreadsheet_safe
from web.app.services._roster import roster_grid
from wfmcore.frames import ROSTER_COLUMNS


def _roster_rows(roster_id: int) -> list[tuple[str, dt.date, str, str, dt.datetime, dt.datetime]]:
    """A stored roster's rows (``ROSTER_COLUMNS``, local times), straight from one query."""
    center = settings()
    stmt = (
        select(
            Shift.agent_id,
            Shift.date,
            ShiftActivity.activity,
            ShiftActivity.channel,
            ShiftActivity.start_utc,
            ShiftActivity.end_utc,
        )
        .join(Shift, ShiftActivity.shift_id == Shift.id)
        .where(Shift.roster_id == roster_id)
        .order_by(Shift.agent_id, Shift.date, ShiftActivity.start_utc)
    )
    return [
        (aid, day, act, chan, local_ts(start, center.tz), local_ts(end, center.tz))
        for aid, day, act, chan, start, end in db.session.execute(stmt)
    ]


def roster_csv(roster_id: int) -> str:
    """The roster CSV (``ROSTER_COLUMNS``, ISO times with offset), as ``wfm roster`` writes."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ROSTER_COLUMNS)
    for aid, day, act, chan, start, end in _roster_rows(roster_id):
        values = [aid, day.isoformat(), act, chan, start.isoformat(), end.isoformat()]
        writer.writerow([spreadsheet_safe(v) for v in values])
    return buf.getvalue()


def roster_xlsx(roster_id: int) -> bytes:
    """An Excel workbook.

    The grid (agents x days) and the activity rows (write-only mode: streamed, several times faster
    than a full workbook).
    """
    from flask_babel import gettext
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from web.app.i18n import day_label, hijri_label

    grid = roster_grid(roster_id)
    # the grid sheet is read by people: its headers are in the reader's language; the
    # activities sheet keeps the roster file's column names (a contract other tools read)
    days = [f"{day_label(d)} ({hijri_label(d)})" for d in grid["dates"]]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("grid")
    bold = Font(bold=True)

    def text_row(target: Any, values: list[Any], font: Font | None = None) -> list[Any]:
        out = []
        for value in values:
            cell = WriteOnlyCell(target, value=spreadsheet_safe(value))
            if isinstance(value, str):
                cell.data_type = "s"  # never "f": openpyxl makes "=..." a formula
                cell.quotePrefix = True
            if font is not None:
                cell.font = font
            out.append(cell)
        return out

    sheet.append(text_row(sheet, [gettext("agent"), gettext("name"), *days], bold))
    for row in grid["rows"]:
        values = [row["agent_id"], row["name"]]
        for d in grid["dates"]:
            c = row["cells"].get(d)
            values.append(
                f"{c['start']}-{c['end']} {c['channel']} ({', '.join(c['rests'])})"
                if c
                else gettext("off")
            )
        sheet.append(text_row(sheet, values))
    rows = book.create_sheet("activities")
    rows.append(list(ROSTER_COLUMNS))
    for aid, day, act, chan, start, end in _roster_rows(roster_id):
        times = [f"{start:%Y-%m-%d %H:%M}", f"{end:%Y-%m-%d %H:%M}"]
        rows.append(text_row(rows, [aid, day.isoformat(), act, chan, *times]))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()

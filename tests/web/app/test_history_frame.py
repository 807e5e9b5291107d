"""A stored history read back for a job (``history_frame``), on SQLite and PostgreSQL.

The read goes through the driver's cursor, not SQLAlchemy row objects (#19: the 50-entity demo
stores about 11 million rows); what it returns must be what was stored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from flask import Flask


def test_history_frame_returns_what_was_stored(any_app: Flask) -> None:
    from forecasting.history import validate_history
    from web.app.extensions import db
    from web.app.services import history_frame, save_history

    stamps = pd.date_range("2026-03-01", periods=96, freq="30min", tz="Asia/Dubai")
    rng = np.random.default_rng(1)
    parts = []
    for channel, queue in (("voice", "rta.ar"), ("whatsapp", "rta.en"), ("chat", "tax.en")):
        offered = rng.poisson(4.0, stamps.size).astype(float)
        handled = np.maximum(offered - 1, 0)
        parts.append(
            pd.DataFrame(
                {
                    "channel": channel,
                    "queue": queue,
                    "interval_start": stamps,
                    "offered": offered,
                    "handled": handled,
                    "abandoned": offered - handled,
                    "aht_s": np.where(handled > 0, 300.5, np.nan),  # NULLs come back as NaN
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True).drop(index=[5, 6])  # a gap: imputed rows
    history = validate_history(frame, source="h.csv", tz="Asia/Dubai")
    assert history.frame["imputed"].any()
    with any_app.app_context():
        upload = save_history(history, "h.csv")
        db.session.commit()
        back = history_frame(upload.id).frame
    want = history.frame.reset_index(drop=True)
    assert list(back.columns) == list(want.columns)
    assert back["interval_start"].dt.tz is not None
    assert str(back["interval_start"].dt.tz) == "Asia/Dubai"
    assert (back["interval_start"] == want["interval_start"]).all()
    assert back["channel"].tolist() == want["channel"].astype(str).tolist()
    assert back["queue"].tolist() == want["queue"].astype(str).tolist()
    for col in ("offered", "handled", "abandoned", "aht_s"):
        np.testing.assert_allclose(back[col].to_numpy(), want[col].to_numpy(), equal_nan=True)
        assert back[col].dtype == np.float64
    assert back["imputed"].tolist() == want["imputed"].tolist()
    assert back["aht_s"].isna().any()


def test_empty_intervals_are_not_stored_but_come_back(any_app: Flask) -> None:
    """Sparse storage (#19): a small queue's empty intervals take no rows, and read back as 0."""
    from sqlalchemy import func, select

    from forecasting.history import validate_history
    from web.app.extensions import db
    from web.app.models import HistoryRow
    from web.app.services import history_frame, save_history

    stamps = pd.date_range("2026-03-01", periods=4 * 48, freq="30min", tz="Asia/Dubai")
    rng = np.random.default_rng(7)
    offered = rng.poisson(0.3, stamps.size).astype(float)
    offered[0] = offered[-1] = 0.0  # the series starts and ends on empty intervals
    frame = pd.DataFrame(
        {
            "channel": "whatsapp",
            "queue": "tiny.ar",
            "interval_start": stamps,
            "offered": offered,
            "handled": offered,
            "abandoned": 0.0,
            "aht_s": np.where(offered > 0, 200.0, np.nan),
        }
    )
    history = validate_history(frame, source="tiny.csv", tz="Asia/Dubai")
    with any_app.app_context():
        upload = save_history(history, "tiny.csv")
        db.session.commit()
        stored = db.session.scalar(
            select(func.count()).select_from(HistoryRow).where(HistoryRow.history_id == upload.id)
        )
        back = history_frame(upload.id).frame
    assert stored == int((offered > 0).sum()) < stamps.size / 2
    assert upload.rows == stamps.size  # the upload still says what was read
    want = history.frame.reset_index(drop=True)
    assert len(back) == len(want) and (back["interval_start"] == want["interval_start"]).all()
    for col in ("offered", "handled", "abandoned", "aht_s"):
        np.testing.assert_allclose(back[col].to_numpy(), want[col].to_numpy(), equal_nan=True)
    assert not back["imputed"].any()

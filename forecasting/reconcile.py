"""Coherent forecasts over the queue -> entity / channel -> center hierarchy (issue #19).

A center's queues (channel x entity x language) are grouped two ways: by entity and by channel,
both summing to the center. That is a *grouped* structure; its summing matrix ``S`` has one row
per series (aggregates first, then the queues) and one column per queue. Base forecasts of every
series are reconciled into coherent ones (the queues sum exactly to every total) with the
``hierarchicalforecast`` library (Nixtla): bottom-up, OLS, WLS by structure and MinT with
shrinkage (Wickramasuriya, Athanasopoulos & Hyndman 2019).

Method choice is out of sample: at every backtest origin the covariance MinT needs is estimated on
the *other* origins' errors (leave one origin out), the origin's base forecasts are reconciled,
and the method with the lowest pooled queue-level WAPE over all origins wins (ties go to the
simpler one, in the order of :data:`METHODS`). The errors are the engine's rolling-origin
week-ahead backtest errors, the horizon the forecast is used at, not one-step fitted residuals.

Reconciled forecasts are made non-negative by setting negative queue values to zero and summing
again (the aggregates stay exact sums). Closed queue intervals stay zero the same way.

Bands are calibrated afterwards on the *reconciled* backtest errors of each series, per horizon
band (:mod:`forecasting._intervals`, as the engine does for base forecasts), so that they stay
calibrated at queue and total level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from forecasting._intervals import calibrate
from forecasting.errors import InputError

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Reconciliation methods, simpler first (the simpler wins a tie). ``top_down`` splits the
#: center's base forecast by each queue's recent share per time of day; ``mint_top_down`` is the
#: mean of the ``mint_shrink`` and ``top_down`` queue forecasts (both coherent, so is their mean).
METHODS: tuple[str, ...] = (
    "bottom_up",
    "ols",
    "wls_struct",
    "mint_shrink",
    "top_down",
    "mint_top_down",
)

#: Weeks of history the top-down shares are estimated on, and the pseudo-count (contacts of the
#: center) pulling each time-of-day share towards the queue's overall share.
SHARE_WEEKS = 4
SHARE_PRIOR = 20.0

#: Levels of the hierarchy, top first.
LEVELS: tuple[str, ...] = ("center", "channel", "entity", "queue")

#: Key of the center's single series.
CENTER_KEY = "all"

#: Columns of the levels frame (:func:`levels_frame`).
LEVEL_COLUMNS = [
    "level",
    "key",
    "interval_start",
    "volume",
    "volume_lo",
    "volume_hi",
    "volume_lo95",
    "volume_hi95",
]

#: Queues under this many contacts a day (in the backtest weeks) count as small in the report.
SMALL_PER_DAY = 50.0


def queue_key(channel: str, queue: str) -> str:
    """Key of a queue series in the levels frame: ``channel/queue`` (e.g. ``voice/rta.ar``)."""
    return f"{channel}/{queue}"


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """A grouped hierarchy of queues and its summing matrix.

    Attributes
    ----------
    rows
        ``(level, key)`` of every series of ``S``: the distinct aggregates first, then the queues.
    S
        Summing matrix ``(len(rows), len(bottom))`` of 0/1.
    bottom
        ``(channel, queue)`` of every queue, in column order.
    aliases
        Every aggregate ``(level, key)``, including the duplicates left out of ``S`` (a channel
        with one queue, an entity with the same queues as a channel, ...), mapped to the row of
        ``S`` that holds the same series.
    """

    rows: tuple[tuple[str, str], ...]
    S: FloatArray
    bottom: tuple[tuple[str, str], ...]
    aliases: Mapping[tuple[str, str], int] = field(default_factory=dict)

    @property
    def n_bottom(self) -> int:
        """Number of queues."""
        return len(self.bottom)

    @property
    def n_aggregates(self) -> int:
        """Number of distinct aggregate series (rows of ``S`` above the queues)."""
        return len(self.rows) - len(self.bottom)

    @property
    def idx_bottom(self) -> NDArray[np.intp]:
        """Rows of ``S`` that are queues."""
        return np.arange(self.n_aggregates, len(self.rows), dtype=np.intp)

    def aggregate(self, bottom_values: FloatArray) -> FloatArray:
        """Every series of ``S`` from queue values ``(n_bottom, ...)`` (exact sums)."""
        b = np.asarray(bottom_values, dtype=np.float64)
        return np.tensordot(self.S, b, axes=(1, 0))


def build_hierarchy(frame: pd.DataFrame) -> Hierarchy:
    """The summing matrix of a hierarchy frame.

    Parameters
    ----------
    frame
        One row per queue: ``channel``, ``queue`` and optionally ``entity`` (missing or empty:
        the queue belongs to no entity; without the column the levels are queue, channel and
        center only). ``wfmcore.entities.EntitySet.queue_frame()`` gives such a frame.

    Returns
    -------
    Hierarchy
        Aggregates in the order center, channels, entities (each sorted); an aggregate with a
        single queue, or with the same queues as one before it, is an alias, not a row.

    Raises
    ------
    InputError
        No ``channel``/``queue`` column, no row, or a queue listed twice.
    """
    for col in ("channel", "queue"):
        if col not in frame.columns:
            raise InputError(f"hierarchy has no '{col}' column", column=col)
    if frame.empty:
        raise InputError("hierarchy has no queue")
    pairs = [(str(c), str(q)) for c, q in zip(frame["channel"], frame["queue"], strict=True)]
    dup = pd.Series(pairs).duplicated()
    if dup.any():
        c, q = pairs[int(np.flatnonzero(dup.to_numpy())[0])]
        raise InputError(f"hierarchy lists queue {queue_key(c, q)} twice", column="queue")
    order = sorted(range(len(pairs)), key=lambda i: pairs[i])
    bottom = tuple(pairs[i] for i in order)
    entities: list[str | None] = []
    if "entity" in frame.columns:
        raw = frame["entity"].tolist()
        entities = [_entity(raw[i]) for i in order]
    else:
        entities = [None] * len(bottom)
    col_of = {b: j for j, b in enumerate(bottom)}
    groups: list[tuple[tuple[str, str], frozenset[int]]] = [
        (("center", CENTER_KEY), frozenset(range(len(bottom))))
    ]
    for channel in sorted({c for c, _ in bottom}):
        groups.append(
            (("channel", channel), frozenset(col_of[b] for b in bottom if b[0] == channel))
        )
    for entity in sorted({e for e in entities if e is not None}):
        groups.append(
            (
                ("entity", entity),
                frozenset(j for j, e in enumerate(entities) if e == entity),
            )
        )
    agg_rows: list[tuple[tuple[str, str], frozenset[int]]] = []
    aliases: dict[tuple[str, str], int] = {}
    seen: dict[frozenset[int], int] = {}
    single: list[tuple[tuple[str, str], int]] = []
    for key, members in groups:
        if len(members) == 1:
            single.append((key, next(iter(members))))
        elif members in seen:
            aliases[key] = seen[members]
        else:
            seen[members] = len(agg_rows)
            aliases[key] = len(agg_rows)
            agg_rows.append((key, members))
    n_agg = len(agg_rows)
    for key, j in single:
        aliases[key] = n_agg + j
    S = np.zeros((n_agg + len(bottom), len(bottom)))
    for i, (_, members) in enumerate(agg_rows):
        S[i, sorted(members)] = 1.0
    S[n_agg:] = np.eye(len(bottom))
    rows = tuple(k for k, _ in agg_rows) + tuple(("queue", queue_key(c, q)) for c, q in bottom)
    return Hierarchy(rows=rows, S=S, bottom=bottom, aliases=aliases)


def _entity(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


# -------------------------------------------------------------------------------------------------
# reconciliation


def reconcile(
    hier: Hierarchy,
    y_hat: FloatArray,
    method: str,
    residuals: FloatArray | None = None,
    closed: BoolArray | None = None,
    shares: FloatArray | None = None,
) -> FloatArray:
    """Coherent, non-negative forecasts of every series from base forecasts.

    Parameters
    ----------
    hier
        The hierarchy.
    y_hat
        Base forecasts ``(len(hier.rows), horizon)``.
    method
        One of :data:`METHODS`.
    residuals
        Errors ``(len(hier.rows), observations)`` (actual - forecast) for ``mint_shrink``.
    closed
        Closed queue intervals ``(n_bottom, horizon)``: reconciled to zero.
    shares
        Each queue's share of the center at each interval ``(n_bottom, horizon)``
        (:func:`top_down_shares`), for ``top_down`` and ``mint_top_down``.

    Returns
    -------
    numpy.ndarray
        ``(len(hier.rows), horizon)``: queues reconciled, negatives set to zero, aggregates their
        exact sums.
    """
    y_hat = np.asarray(y_hat, dtype=np.float64)
    if method not in METHODS:
        raise ValueError(f"unknown reconciliation method {method!r}; known: {', '.join(METHODS)}")
    if hier.n_aggregates == 0 or method == "bottom_up":
        bottom = y_hat[hier.idx_bottom]
    elif method == "top_down":
        bottom = _top_down(hier, y_hat, shares)
    elif method == "mint_top_down":
        mint = _library_bottom(hier, y_hat, "mint_shrink", residuals)
        bottom = 0.5 * (np.clip(mint, 0.0, None) + _top_down(hier, y_hat, shares))
    else:
        bottom = _library_bottom(hier, y_hat, method, residuals)
    bottom = np.clip(bottom, 0.0, None)
    if closed is not None:
        bottom = np.where(closed, 0.0, bottom)
    return hier.aggregate(bottom)


def _top_down(hier: Hierarchy, y_hat: FloatArray, shares: FloatArray | None) -> FloatArray:
    """The center's base forecast split by the queues' shares."""
    if shares is None:
        raise ValueError("top_down needs the queues' shares")
    center = hier.aliases.get(("center", CENTER_KEY), 0)
    out: FloatArray = np.asarray(shares, dtype=np.float64) * np.clip(y_hat[center], 0.0, None)
    return out


def top_down_shares(
    history: FloatArray,
    slots: NDArray[np.intp],
    target_slots: NDArray[np.intp],
    day_length: int,
    weeks: int = SHARE_WEEKS,
    prior: float = SHARE_PRIOR,
) -> FloatArray:
    """Each queue's share of the center per time of day, from its recent history.

    Parameters
    ----------
    history
        Queue history ``(n_bottom, T)`` up to the forecast origin.
    slots
        Time-of-day slot (0 .. day_length - 1) of each history interval ``(T,)``.
    target_slots
        Slot of each interval to forecast ``(horizon,)``.
    day_length
        Slots per day.
    weeks
        Weeks of history used (the last ones).
    prior
        Pseudo-count of center contacts at the queue's overall share: a slot with few contacts
        gets about the overall share, a busy slot its own.

    Returns
    -------
    numpy.ndarray
        ``(n_bottom, horizon)``; each column sums to 1 (or is the overall share where the
        recent weeks hold no contact at all).
    """
    n = int(weeks * 7 * day_length)
    y = np.asarray(history, dtype=np.float64)[:, -n:]
    sl = np.asarray(slots)[-n:]
    total = float(y.sum())
    n_b = y.shape[0]
    overall = y.sum(axis=1) / total if total > 0 else np.full(n_b, 1.0 / n_b)
    num = np.zeros((n_b, day_length))
    for j in range(n_b):
        num[j] = np.bincount(sl, weights=y[j], minlength=day_length)[:day_length]
    den = num.sum(axis=0)
    share = (num + prior * overall[:, None]) / (den + prior)[None, :]
    share /= np.maximum(share.sum(axis=0, keepdims=True), 1e-12)
    picked: FloatArray = share[:, np.asarray(target_slots)]
    return picked


def _library_bottom(
    hier: Hierarchy, y_hat: FloatArray, method: str, residuals: FloatArray | None
) -> FloatArray:
    """The queue rows reconciled by ``hierarchicalforecast`` (imported here: it loads slowly)."""
    from hierarchicalforecast.methods import MinTrace

    kwargs: dict[str, Any] = {}
    if method == "mint_shrink":
        if residuals is None:
            raise ValueError("mint_shrink needs backtest residuals")
        res = np.asarray(residuals, dtype=np.float64)
        kwargs = {"y_insample": res, "y_hat_insample": np.zeros_like(res)}
    out = MinTrace(method=method).fit_predict(S=hier.S, y_hat=y_hat, **kwargs)
    mean = np.asarray(out["mean"], dtype=np.float64)
    return mean[hier.idx_bottom]


def reconcile_backtest(
    hier: Hierarchy,
    actual: FloatArray,
    base: FloatArray,
    method: str,
    closed: BoolArray | None = None,
    shares: FloatArray | None = None,
) -> FloatArray:
    """Reconciled backtest forecasts, each origin's covariance estimated on the other origins.

    Parameters
    ----------
    hier
        The hierarchy.
    actual, base
        Actuals and base forecasts ``(len(hier.rows), origins, horizon)``.
    method
        One of :data:`METHODS`.
    closed
        Closed queue intervals ``(n_bottom, origins, horizon)``.
    shares
        Top-down shares ``(n_bottom, origins, horizon)``, each from the history before its origin.

    Returns
    -------
    numpy.ndarray
        ``(len(hier.rows), origins, horizon)``. With a single origin MinT uses that origin's own
        errors (there is no other).
    """
    n, k, h = base.shape
    err = actual - base
    out = np.empty_like(base, dtype=np.float64)
    for i in range(k):
        others = np.arange(k) != i if k > 1 else np.ones(k, dtype=bool)
        res = err[:, others, :].reshape(n, -1) if "mint" in method else None
        out[:, i, :] = reconcile(
            hier,
            base[:, i, :],
            method,
            residuals=res,
            closed=None if closed is None else closed[:, i, :],
            shares=None if shares is None else shares[:, i, :],
        )
    return out


def pooled_wape(actual: FloatArray, forecast: FloatArray) -> float:
    """``sum |a - f| / sum a`` over every value (NaN when the actuals sum to zero)."""
    total = float(np.sum(actual))
    if total <= 0:
        return float("nan")
    return float(np.sum(np.abs(actual - forecast)) / total)


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The outcome of :func:`choose_and_reconcile`.

    Attributes
    ----------
    method
        The method chosen (one of :data:`METHODS`).
    reconciled
        Reconciled final forecasts ``(len(rows), horizon)``.
    bands
        ``volume_lo``, ``volume_hi``, ``volume_lo95``, ``volume_hi95`` per series, each
        ``(len(rows), horizon)``.
    methods
        One row per method: ``method``, ``selected``, ``wape_queue`` (pooled over every queue
        interval), ``wape_small`` (queues under :data:`SMALL_PER_DAY` a day), ``wape_center``,
        each also as a ratio to the seasonal naive (``*_ratio``); ``coverage80`` /
        ``coverage95`` at queue and center level for the chosen method.
    series
        One row per series of the hierarchy: ``level``, ``key``, ``base_wape``, ``wape``,
        ``naive_wape``, ``per_day``, ``coverage80``, ``coverage95``.
    calibrations
        Interval calibration per row (None without a backtest).
    note
        Why a method was forced, if one was.
    hierarchy
        The hierarchy reconciled over.
    actual
        Backtest actuals ``(len(rows), origins, horizon)`` (None without a backtest).
    backtests
        Backtest forecasts of the same shape: ``base`` (each series on its own), ``naive``
        (seasonal naive) and each method tried (each origin reconciled with the others' errors).
    """

    method: str
    reconciled: FloatArray
    bands: dict[str, FloatArray]
    methods: pd.DataFrame
    series: pd.DataFrame
    calibrations: tuple[Any, ...]
    note: str = ""
    hierarchy: Hierarchy | None = None
    actual: FloatArray | None = None
    backtests: Mapping[str, FloatArray] = field(default_factory=dict)


def choose_and_reconcile(
    hier: Hierarchy,
    y_hat: FloatArray,
    closed: BoolArray,
    *,
    actual: FloatArray | None,
    base: FloatArray | None,
    naive: FloatArray | None,
    bt_closed: BoolArray | None,
    day_length: int,
    methods: Sequence[str] = METHODS,
    lead: NDArray[np.intp] | None = None,
    shares: FloatArray | None = None,
    bt_shares: FloatArray | None = None,
) -> Reconciliation:
    """Pick the method on the backtest, reconcile the final forecasts and calibrate their bands.

    Parameters
    ----------
    hier
        The hierarchy.
    y_hat
        Base final forecasts ``(len(rows), horizon)``.
    closed
        Closed queue intervals of the final forecast ``(n_bottom, horizon)``.
    actual, base, naive
        Backtest actuals, base forecasts (the engine's selected candidate) and seasonal naive
        forecasts, ``(len(rows), origins, horizon)``; None without a backtest (bottom-up, rough
        Poisson-like bands).
    bt_closed
        Closed queue intervals of the backtest ``(n_bottom, origins, horizon)``.
    day_length
        Intervals per day (horizon bands of the calibration).
    methods
        Candidates (default :data:`METHODS`).
    lead
        0-based lead of each final forecast interval (default ``arange(horizon)``).
    shares, bt_shares
        Top-down shares of the final forecast ``(n_bottom, horizon)`` and of the backtest
        ``(n_bottom, origins, horizon)`` (:func:`top_down_shares`); without them the top-down
        methods are not tried.

    Returns
    -------
    Reconciliation
    """
    rows = [f"{level}:{key}" for level, key in hier.rows]
    qidx = hier.idx_bottom
    if actual is None or base is None or actual.shape[1] == 0:
        rec = reconcile(hier, y_hat, "bottom_up", closed=closed)
        s = np.sqrt(rec)
        bands = {
            "volume_lo": np.clip(rec - 1.2815515655446004 * s, 0.0, None),
            "volume_hi": rec + 1.2815515655446004 * s,
            "volume_lo95": np.clip(rec - 1.959963984540054 * s, 0.0, None),
            "volume_hi95": rec + 1.959963984540054 * s,
        }
        table = pd.DataFrame([{"method": "bottom_up", "selected": True, "origins": 0}]).reindex(
            columns=_METHOD_COLUMNS
        )
        series = pd.DataFrame(
            {"level": [r[0] for r in hier.rows], "key": [r[1] for r in hier.rows]}
        )
        return Reconciliation(
            "bottom_up",
            rec,
            bands,
            table,
            series.reindex(columns=_SERIES_COLUMNS),
            tuple(None for _ in rows),
            "no backtest: bottom-up",
            hier,
        )
    k, h = actual.shape[1], actual.shape[2]
    per_day = actual.reshape(actual.shape[0], -1).sum(axis=1) / max(k * h / day_length, 1e-9)
    small = per_day[qidx] < SMALL_PER_DAY
    center = hier.aliases.get(("center", CENTER_KEY), qidx[0])
    recs: dict[str, FloatArray] = {}
    records: list[dict[str, object]] = []
    note = ""
    if shares is None or bt_shares is None:
        methods = [m for m in methods if "top_down" not in m]
    for method in methods:
        if method == "mint_top_down" and {"mint_shrink", "top_down"} <= recs.keys():
            # the mean of two coherent, non-negative, closed-at-zero forecasts is one too
            recs[method] = 0.5 * (recs["mint_shrink"] + recs["top_down"])
            continue
        try:
            recs[method] = reconcile_backtest(hier, actual, base, method, bt_closed, bt_shares)
        except Exception as exc:  # the library raises bare Exception on ill-conditioned input
            note = f"{method} left out: {exc}"
            continue
    naive_q = _wapes(actual, naive, qidx, small, center) if naive is not None else None
    for method, rec_bt in recs.items():
        w = _wapes(actual, rec_bt, qidx, small, center)
        row: dict[str, object] = {"method": method, "origins": k, **w}
        for name in ("wape_queue", "wape_small", "wape_center"):
            row[f"{name}_ratio"] = (
                _ratio(w[name], naive_q[name]) if naive_q is not None else float("nan")
            )
        records.append(row)
    base_w = _wapes(actual, base, qidx, small, center)
    chosen = min(
        records,
        key=lambda rec: (_nan_inf(_num(rec["wape_queue"])), METHODS.index(str(rec["method"]))),
    )
    method = str(chosen["method"])
    for record in records:
        record["selected"] = record["method"] == method
    records.insert(
        0,
        {
            "method": "base",
            "selected": False,
            "origins": k,
            **base_w,
            **{
                f"{n}_ratio": _ratio(base_w[n], naive_q[n]) if naive_q is not None else float("nan")
                for n in ("wape_queue", "wape_small", "wape_center")
            },
        },
    )
    rec_bt = recs[method]
    residuals = (actual - base).reshape(actual.shape[0], -1) if "mint" in method else None
    rec = reconcile(hier, y_hat, method, residuals=residuals, closed=closed, shares=shares)
    calibrations = []
    bands = {key: np.zeros_like(rec) for key in _BAND_KEYS}
    counts = np.zeros((len(rows), 3), dtype=np.int64)
    for r in range(len(rows)):
        cal = calibrate(actual[r], rec_bt[r], day_length)
        calibrations.append(cal)
        applied = cal.apply(rec[r], lead)
        for key, src in _BAND_KEYS.items():
            bands[key][r] = applied[src]
        counts[r] = coverage_counts(actual[r : r + 1], rec_bt[r : r + 1], day_length)
    _nest(rec, bands)
    with np.errstate(invalid="ignore", divide="ignore"):
        cov80 = np.where(counts[:, 2] > 0, counts[:, 0] / counts[:, 2], np.nan)
        cov95 = np.where(counts[:, 2] > 0, counts[:, 1] / counts[:, 2], np.nan)
    pooled = counts[qidx].sum(axis=0)
    hits = (
        (pooled[0] / pooled[2], pooled[1] / pooled[2])
        if pooled[2] > 0
        else (float("nan"), float("nan"))
    )
    for record in records:
        if record["method"] == method:
            record["coverage80_queue"], record["coverage95_queue"] = hits
            record["coverage80_center"] = cov80[center]
            record["coverage95_center"] = cov95[center]
    series = pd.DataFrame(
        {
            "level": [lv for lv, _ in hier.rows],
            "key": [key for _, key in hier.rows],
            "base_wape": [pooled_wape(actual[r], base[r]) for r in range(len(rows))],
            "wape": [pooled_wape(actual[r], rec_bt[r]) for r in range(len(rows))],
            "naive_wape": [
                pooled_wape(actual[r], naive[r]) if naive is not None else np.nan
                for r in range(len(rows))
            ],
            "per_day": per_day,
            "coverage80": cov80,
            "coverage95": cov95,
        }
    )
    return Reconciliation(
        method,
        rec,
        bands,
        pd.DataFrame(records).reindex(columns=_METHOD_COLUMNS),
        series.reindex(columns=_SERIES_COLUMNS),
        tuple(calibrations),
        note,
        hier,
        actual,
        {"base": base, **({"naive": naive} if naive is not None else {}), **recs},
    )


_BAND_KEYS = {
    "volume_lo": "lo-80",
    "volume_hi": "hi-80",
    "volume_lo95": "lo-95",
    "volume_hi95": "hi-95",
}

_METHOD_COLUMNS = [
    "method",
    "selected",
    "origins",
    "wape_queue",
    "wape_small",
    "wape_center",
    "wape_queue_ratio",
    "wape_small_ratio",
    "wape_center_ratio",
    "coverage80_queue",
    "coverage95_queue",
    "coverage80_center",
    "coverage95_center",
]

_SERIES_COLUMNS = [
    "level",
    "key",
    "base_wape",
    "wape",
    "naive_wape",
    "per_day",
    "coverage80",
    "coverage95",
]


def _wapes(
    actual: FloatArray,
    forecast: FloatArray,
    qidx: NDArray[np.intp],
    small: BoolArray,
    center: int,
) -> dict[str, float]:
    return {
        "wape_queue": pooled_wape(actual[qidx], forecast[qidx]),
        "wape_small": pooled_wape(actual[qidx][small], forecast[qidx][small])
        if small.any()
        else float("nan"),
        "wape_center": pooled_wape(actual[center], forecast[center]),
    }


def coverage_counts(actual: FloatArray, forecast: FloatArray, day_length: int) -> NDArray[np.int64]:
    """Hits of the 80 % and 95 % bands and open intervals, each origin calibrated on the others.

    Parameters
    ----------
    actual, forecast
        Backtest actuals and forecasts ``(series, origins, horizon)``.
    day_length
        Intervals per day.

    Returns
    -------
    numpy.ndarray
        ``[hits80, hits95, open intervals]`` summed over the series (zeros with one origin).
    """
    out = np.zeros(3, dtype=np.int64)
    k = actual.shape[1]
    if k < 2:
        return out
    for r in range(actual.shape[0]):
        for i in range(k):
            others = np.arange(k) != i
            cal = calibrate(actual[r, others], forecast[r, others], day_length)
            b = cal.apply(forecast[r, i])
            a = actual[r, i]
            open_ = (forecast[r, i] > 0) | (a > 0)
            out[0] += int(np.sum(((a >= b["lo-80"]) & (a <= b["hi-80"]))[open_]))
            out[1] += int(np.sum(((a >= b["lo-95"]) & (a <= b["hi-95"]))[open_]))
            out[2] += int(open_.sum())
    return out


def _nest(point: FloatArray, bands: dict[str, FloatArray]) -> None:
    """Make ``0 <= lo95 <= lo80 <= point <= hi80 <= hi95`` hold in place (zero point: all zero)."""
    lo80 = np.clip(np.minimum(bands["volume_lo"], point), 0.0, None)
    hi80 = np.maximum(bands["volume_hi"], point)
    bands["volume_lo"] = lo80
    bands["volume_hi"] = hi80
    bands["volume_lo95"] = np.clip(np.minimum(bands["volume_lo95"], lo80), 0.0, None)
    bands["volume_hi95"] = np.maximum(bands["volume_hi95"], hi80)


def _ratio(a: float, b: float) -> float:
    return float(a / b) if np.isfinite(a) and np.isfinite(b) and b > 0 else float("nan")


def _num(x: object) -> float:
    return float(x) if isinstance(x, int | float | np.floating) else float("nan")


def _nan_inf(x: float) -> float:
    return float("inf") if not np.isfinite(x) else x


# -------------------------------------------------------------------------------------------------
# levels frame


def levels_frame(
    hier: Hierarchy,
    stamps: pd.DatetimeIndex,
    queue_values: Mapping[str, FloatArray],
    calibrations: Sequence[Any],
    lead: NDArray[np.intp] | None = None,
) -> pd.DataFrame:
    """The forecast at every level, from the (reconciled, overridden) queue forecasts.

    Parameters
    ----------
    hier
        The hierarchy.
    stamps
        Interval starts of the forecast.
    queue_values
        ``volume`` and the four band columns per queue, each ``(n_bottom, len(stamps))``.
    calibrations
        Interval calibration per row of ``S`` (None: Poisson-like bands): aggregate bands are
        the aggregate's own calibrated bands around its (re-summed) point.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LEVEL_COLUMNS`: every queue, and every aggregate (duplicates included, each
        under its own level and key).
    lead
        0-based lead of each of *stamps* after the history (horizon band of the calibration).
    """
    volume = hier.aggregate(queue_values["volume"])
    n_agg = hier.n_aggregates
    agg_bands: dict[str, FloatArray] = {key: np.zeros((n_agg, len(stamps))) for key in _BAND_KEYS}
    for r in range(n_agg):
        cal = calibrations[r] if r < len(calibrations) else None
        point = volume[r]
        if cal is not None:
            applied = cal.apply(point, lead)
            for key, src in _BAND_KEYS.items():
                agg_bands[key][r] = applied[src]
        else:
            s = np.sqrt(point)
            agg_bands["volume_lo"][r] = point - 1.2815515655446004 * s
            agg_bands["volume_hi"][r] = point + 1.2815515655446004 * s
            agg_bands["volume_lo95"][r] = point - 1.959963984540054 * s
            agg_bands["volume_hi95"][r] = point + 1.959963984540054 * s
    agg_point = volume[:n_agg]
    _nest(agg_point, agg_bands)
    all_bands = {
        key: np.vstack([agg_bands[key], np.asarray(queue_values[key], dtype=np.float64)])
        for key in _BAND_KEYS
    }
    all_points = np.vstack([agg_point, np.asarray(queue_values["volume"], dtype=np.float64)])
    entries: list[tuple[str, str, int]] = [(lv, key, r) for r, (lv, key) in enumerate(hier.rows)]
    listed = {(lv, key) for lv, key, _ in entries}
    for (lv, key), r in hier.aliases.items():
        if (lv, key) not in listed:
            entries.append((lv, key, r))
    entries.sort(key=lambda e: (LEVELS.index(e[0]), e[1]))
    frames = []
    for lv, key, r in entries:
        frames.append(
            pd.DataFrame(
                {
                    "level": lv,
                    "key": key,
                    "interval_start": stamps,
                    "volume": all_points[r],
                    **{k: all_bands[k][r] for k in _BAND_KEYS},
                }
            )
        )
    return pd.concat(frames, ignore_index=True).reindex(columns=LEVEL_COLUMNS)


def reconciliation_table(methods: pd.DataFrame) -> str:
    """A short text table of the methods' backtest figures (the chosen one marked ``*``)."""
    lines = [
        f"{'reconciliation':<16} {'WAPE q':>7} {'vs naive':>8} {'small':>7} {'vs naive':>8} "
        f"{'center':>7} {'vs naive':>8} {'cov80 q':>7}"
    ]
    for row in methods.itertuples(index=False):
        name = str(row.method) + (" *" if bool(row.selected) else "")
        lines.append(
            f"{name:<16} {_f(row.wape_queue, 7)} {_f(row.wape_queue_ratio, 8)} "
            f"{_f(row.wape_small, 7)} {_f(row.wape_small_ratio, 8)} {_f(row.wape_center, 7)} "
            f"{_f(row.wape_center_ratio, 8)} {_f(row.coverage80_queue, 7)}"
        )
    return "\n".join(lines)


def _f(x: object, width: int) -> str:
    try:
        value = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return " " * (width - 1) + "-"
    return f"{value:>{width}.3f}" if np.isfinite(value) else " " * (width - 1) + "-"

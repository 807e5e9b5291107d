"""The two-stage calendar model: daily totals with calendar regressors times intraday profiles.

Stage 1 forecasts each day's total. It is a weighted ridge regression of ``log(1 + total)`` on
calendar regressors built from :func:`forecasting.calendar.day_features`:

* weekday regime: base type (workday / short day / weekend) and weekday x base type, so the
  UAE switch from a Fri-Sat to a Sat-Sun weekend in 2022 is two regimes, not one confused weekday;
* public holidays, by holiday family (Eid al-Fitr, Eid al-Adha, Arafah, National Day, ...) and by
  day inside an Eid block;
* Ramadan by base type, its first days and its last ten days;
* days before and after each Eid block (one term per distance and Eid kind);
* planner events by name: an event seen in the history gets a learned coefficient; a new one
  with an ``effect`` factor multiplies its days;
* yearly Fourier terms (when a year of history exists) and a piecewise-linear trend.

Recent days weigh more (half-life one year) but old Ramadans and Eids still count, which is what
lets a model trained on two Ramadans forecast the third. A local level correction (mean residual of
the last two weeks) adapts the forecast to the current level.

Stage 2 splits each daily total with an intraday profile (share of the day per wall-clock interval)
learned per day type: ordinary days per weekday over recent weeks, and holiday / Ramadan / short-day
profiles over every such day in the history. The profile is renormalised over the intervals that
exist (DST days) and are open, so the interval forecast sums exactly to the daily forecast
(:attr:`TwoStageCalendar.daily_forecast_`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from forecasting.models._base import (
    FeatureFunc,
    FloatArray,
    ForecastModel,
    ModelContext,
    OpenFunc,
)

#: Intraday profiles (shares of the day per wall-clock slot) by day-type key.
Profiles = dict[tuple[str, ...], FloatArray]

_BASE_TYPES = ("workday", "short_day", "weekend")
_HOLIDAY_FAMILIES = (
    ("eid al-fitr", "eid_fitr"),
    ("eid al-adha", "eid_adha"),
    ("arafat", "arafah"),
    ("arafah", "arafah"),
    ("national day", "national_day"),
    ("commemoration", "commemoration"),
    ("new year's day", "new_year"),
    ("islamic new year", "hijri_new_year"),
    ("hijri new year", "hijri_new_year"),
    ("prophet", "prophet_birthday"),
    ("isra", "isra_miraj"),
)
_FALLBACK = {
    "ramadan_short_day": ("ramadan_workday", "short_day", "workday"),
    "ramadan_workday": ("workday",),
    "ramadan_weekend": ("weekend", "ramadan_workday", "workday"),
    "short_day": ("workday",),
    "holiday": ("weekend", "workday"),
    "weekend": ("workday",),
    "workday": (),
}


class TwoStageCalendar(ForecastModel):
    """Daily totals with calendar regressors times a per-day-type intraday profile.

    Parameters
    ----------
    context
        Shared settings; ``context.features`` (the calendar) is required.
    is_open
        Optional ``is_open(timestamps) -> bool array`` (opening hours): the profile is
        renormalised over open intervals so closing never loses volume from the daily total.
    ridge
        L2 penalty on the regression coefficients (0/1 regressors, days as observations).
    halflife_days
        Half-life of the observation weights.
    profile_weeks
        Recent weeks used for the profiles of ordinary day types.
    """

    alias = "calendar"
    min_weeks = 3.0
    needs_calendar = True

    def __init__(
        self,
        context: ModelContext | None = None,
        *,
        is_open: OpenFunc | None = None,
        ridge: float = 1.0,
        halflife_days: float = 365.0,
        profile_weeks: int = 8,
    ) -> None:
        super().__init__(context)
        self.is_open = is_open
        self.ridge = ridge
        self.halflife_days = halflife_days
        self.profile_weeks = profile_weeks

    # ----------------------------------------------------------------------------------------
    # fit

    def _fit(self, y: FloatArray, ds: pd.DatetimeIndex | None) -> None:
        assert ds is not None
        ctx = self.context
        wall = ds.tz_localize(None) if ds.tz is not None else ds
        wall_ns = np.asarray(wall.as_unit("ns").asi8)
        day_ns = 86_400 * 10**9
        slot = (wall_ns % day_ns) // (ctx.interval_min * 60 * 10**9)
        first_days, codes = np.unique(wall_ns // day_ns, return_inverse=True)
        codes = codes.reshape(-1)
        dates = pd.DatetimeIndex(first_days * day_ns)
        n_days = len(dates)
        # weighted counts are float64 (numpy's stub says intp): astype(copy=False) tells mypy
        totals = np.bincount(codes, weights=y, minlength=n_days).astype(np.float64, copy=False)
        counts = np.bincount(codes, minlength=n_days)
        # complete days only (a DST day has one hour less or more)
        complete = counts >= ctx.day_length - 60 // ctx.interval_min
        self.last_date_ = dates[-1]
        cal = self._calendar()
        # every series of a run fits on the same days at each origin: what depends only on the
        # days (and on which of them count) is computed once per run (see _memo)
        feats = _memo(cal, ("feats", dates), lambda: _with_previous_day(cal, dates))
        feats_complete = feats[complete]
        self.design_ = _Design.learn(
            feats_complete,
            ridge=self.ridge,
            cols=_memo(cal, ("raw", dates, complete), lambda: _raw_columns(feats_complete)),
        )

        # stage 1: weighted ridge on log totals of the days the series was open; closed days
        # (zero total: weekends of a weekday-only center, holidays it closes) are a separate,
        # per-day-kind decision so they neither distort the regression nor its smearing factor
        open_day = complete & (totals > 0)
        self.closed_share_ = _closed_shares(
            feats_complete,
            totals[complete] > 0,
            keys=_memo(cal, ("keys", dates, complete), lambda: _closure_keys(feats_complete)),
        )
        train_dates = dates[open_day]
        feats_open = feats[open_day]
        x = self.design_.matrix(
            feats_open,
            train_dates,
            cols=_memo(cal, ("raw", dates, open_day), lambda: _raw_columns(feats_open)),
        )
        target = np.log1p(totals[open_day])
        age = (dates[-1] - train_dates).days.to_numpy().astype(float)
        w = 0.5 ** (age / self.halflife_days)
        self.coef_ = _weighted_ridge(x, target, w, self.design_.penalty)
        resid = target - x @ self.coef_
        recent = age < 14
        self.level_ = float(resid[recent].mean()) if recent.any() else 0.0
        tail = resid[age < 56]
        self.smear_ = float(np.mean(np.exp(tail - tail.mean()))) if tail.size else 1.0
        self.resid_sd_ = float(np.std(tail)) if tail.size else 0.0

        # stage 2: profiles (sum of volumes per wall-clock slot over the chosen days)
        matrix = (
            np.bincount(codes * ctx.day_length + slot, weights=y, minlength=n_days * ctx.day_length)
            .astype(np.float64, copy=False)
            .reshape(n_days, ctx.day_length)
        )
        self.profiles_ = _learn_profiles(
            matrix[complete], feats_complete, totals[complete], self.profile_weeks
        )
        self._set_sigma_from_seasonal_errors(y)

    # ----------------------------------------------------------------------------------------
    # predict

    def daily_totals(self, dates: pd.DatetimeIndex) -> pd.Series:
        """Stage-1 forecast of the daily totals for future *dates* (naive midnights)."""
        cal = self._calendar()
        feats = _memo(cal, ("feats", dates), lambda: _with_previous_day(cal, dates))
        x = self.design_.matrix(
            feats,
            dates,
            clamp_after=self.last_date_,
            cols=_memo(cal, ("raw", dates), lambda: _raw_columns(feats)),
        )
        log_total = x @ self.coef_ + self.level_
        total = np.expm1(log_total) * self.smear_
        effect = feats["event_effect"].to_numpy(dtype=float)
        # an event already in the training data has a learned coefficient: its stated effect
        # would count it twice
        learned = np.array(
            [
                bool(ev) and all(f"event_{p}" in self.design_.names for p in ev.split("; "))
                for ev in feats["event"].astype(str)
            ],
            dtype=bool,
        )
        total = np.where(np.isnan(effect) | learned, total, total * effect)
        keys = _memo(cal, ("keys", dates), lambda: _closure_keys(feats))
        # a holiday never seen before behaves like the holidays seen so far
        generic = self.closed_share_.get("holiday:*", 0.0)
        closed = np.array(
            [
                self.closed_share_.get(k, generic if k.startswith("holiday:") else 0.0) > 0.5
                for k in keys
            ]
        )
        total = np.where(closed, 0.0, total)
        return pd.Series(np.clip(total, 0.0, None), index=dates, name="total")

    def _predict_mean(self, h: int) -> FloatArray:
        future = self.future_index(h)
        wall = future.tz_localize(None)
        day_key = wall.normalize()
        dates = pd.DatetimeIndex(day_key.unique())
        totals = self.daily_totals(dates)
        feats = self._calendar()(dates)
        rows = zip(
            feats["day_type"].astype(str),
            feats["weekday"],
            feats["holiday_name"].astype(str),
            strict=True,
        )
        profiles = np.stack(
            [
                _pick_profile(self.profiles_, day_type, int(weekday), holiday_name)
                for day_type, weekday, holiday_name in rows
            ]
        )
        stamps, day, weights = self._day_weights(dates, profiles)
        # every future interval starts one of the days' intervals (same grid); -1 would be NaN
        pos = stamps.get_indexer(future)
        found = pos >= 0
        out = np.full(h, np.nan)
        out[found] = totals.to_numpy()[day[pos[found]]] * weights[pos[found]]
        self.daily_forecast_ = totals
        return out

    def _calendar(self) -> FeatureFunc:
        """The calendar feature function; ``fit`` refuses a context without one."""
        features = self.context.features
        assert features is not None
        return features

    def _day_weights(
        self, dates: pd.DatetimeIndex, profiles: FloatArray
    ) -> tuple[pd.DatetimeIndex, NDArray[np.intp], FloatArray]:
        """Share of its day per interval of consecutive *dates*, one profile row per date.

        Each profile is renormalised over the intervals that exist on its day (23 or 25 hours on
        DST days; a repeated wall-clock hour counts twice) and are open.

        Returns
        -------
        (DatetimeIndex, ndarray, ndarray)
            Every interval start of the days, the position of its day in *dates*, its share.
        """
        ctx = self.context
        assert self.ds_ is not None
        tz = self.ds_.tz
        step = pd.Timedelta(minutes=ctx.interval_min)
        bounds = pd.DatetimeIndex([*dates, dates[-1] + pd.Timedelta(days=1)])
        if tz is not None:
            bounds = bounds.tz_localize(
                tz, nonexistent="shift_forward", ambiguous=np.ones(len(bounds), dtype=bool)
            )
        stamps = pd.date_range(bounds[0], bounds[-1], freq=step, inclusive="left")
        day = np.searchsorted(np.asarray(bounds.asi8), np.asarray(stamps.asi8), side="right") - 1
        wall = stamps.tz_localize(None) if tz is not None else stamps
        slots = ((wall.hour * 60 + wall.minute) // ctx.interval_min).to_numpy()
        is_open = np.ones(len(stamps), dtype=bool)
        if self.is_open is not None:
            is_open = np.asarray(self.is_open(stamps), dtype=bool)
        shares = np.where(is_open, profiles[day, slots], 0.0)
        total = np.bincount(day, weights=shares, minlength=len(dates))
        # no profile mass where open: spread evenly over the open intervals
        empty = total <= 0
        shares = np.where(empty[day], is_open.astype(float), shares)
        n_open = np.bincount(day, weights=is_open.astype(float), minlength=len(dates))
        total = np.where(empty, np.maximum(n_open, 1.0), total)
        return stamps, day, shares / total[day]


# -------------------------------------------------------------------------------------------------
# per-run memo

T = TypeVar("T")


def _memo(
    features: FeatureFunc,
    key: tuple[str, pd.DatetimeIndex] | tuple[str, pd.DatetimeIndex, NDArray[np.bool_]],
    compute: Callable[[], T],
) -> T:
    """``compute()``, remembered by the calendar lookup when it keeps a memo.

    *key* names what is computed, the days and, optionally, which of them are used; the result
    depends on nothing else (the calendar is the lookup's own). Results are shared: read-only.
    """
    memo = getattr(features, "memo", None)
    if memo is None:
        return compute()
    name, dates, *rest = key
    # the mask has one bit per day, so the days fix its length
    raw = (name, np.asarray(dates.asi8).tobytes(), *(np.packbits(m).tobytes() for m in rest))
    value: T = memo(raw, compute)
    return value


# -------------------------------------------------------------------------------------------------
# closed days


def _with_previous_day(features: FeatureFunc, dates: pd.DatetimeIndex) -> pd.DataFrame:
    """Calendar features plus ``prev_holiday``: the day before was a holiday."""
    feats = features(dates).copy()
    prev = features(dates - pd.Timedelta(days=1))
    feats["prev_holiday"] = prev["is_holiday"].to_numpy(dtype=bool)
    return feats


def _closure_keys(feats: pd.DataFrame) -> list[str]:
    """Kind of day that decides whether a center opens: holiday family, else weekday x base."""
    names = feats["holiday_name"].astype(str).to_numpy()
    holiday = feats["is_holiday"].to_numpy(dtype=bool)
    weekend = feats["is_weekend"].to_numpy(dtype=bool)
    short = feats["is_short_day"].to_numpy(dtype=bool)
    weekday = feats["weekday"].to_numpy()
    keys = []
    for i in range(len(feats)):
        if holiday[i]:
            # by exact name: a center may close on one federal holiday and open on another
            keys.append("holiday:" + names[i])
        else:
            base = "weekend" if weekend[i] else "short_day" if short[i] else "workday"
            keys.append(f"{weekday[i]}:{base}")
    return keys


def _closed_shares(
    feats: pd.DataFrame,
    is_open: NDArray[np.bool_],
    last: int = 8,
    keys: list[str] | None = None,
) -> dict[str, float]:
    """Share of closed days among the last *last* days of each kind (*keys*: their kinds)."""
    kinds = np.array(_closure_keys(feats) if keys is None else keys, dtype=object)
    out: dict[str, float] = {}
    for key in set(kinds):
        sel = np.flatnonzero(kinds == key)[-last:]
        out[str(key)] = float(1.0 - is_open[sel].mean())
    holidays = np.flatnonzero(feats["is_holiday"].to_numpy(dtype=bool))[-last:]
    if holidays.size:
        out["holiday:*"] = float(1.0 - is_open[holidays].mean())
    return out


# -------------------------------------------------------------------------------------------------
# design matrix


def _holiday_family(name: str) -> str:
    lowered = name.lower()
    for key, family in _HOLIDAY_FAMILIES:
        if key in lowered:
            return family
    return "other"


def _raw_columns(feats: pd.DataFrame) -> dict[str, FloatArray]:
    """0/1 regressors by name for each date of *feats*."""
    n = len(feats)
    weekday = feats["weekday"].to_numpy()
    weekend = feats["is_weekend"].to_numpy(dtype=bool)
    short = feats["is_short_day"].to_numpy(dtype=bool)
    holiday = feats["is_holiday"].to_numpy(dtype=bool)
    ramadan = feats["is_ramadan"].to_numpy(dtype=bool)
    ramadan_day = feats["ramadan_day"].to_numpy()
    base = np.where(weekend, "weekend", np.where(short, "short_day", "workday"))
    cols: dict[str, FloatArray] = {}

    def put(name: str, mask: NDArray[np.bool_]) -> None:
        values = mask.astype(np.float64)
        if name in cols:
            cols[name] = np.maximum(cols[name], values)
        else:
            cols[name] = values

    for b in _BASE_TYPES[1:]:
        put(f"base_{b}", base == b)
    for wd in range(7):
        for b in _BASE_TYPES:
            put(f"wd{wd}_{b}", (weekday == wd) & (base == b))
    put("holiday", holiday)
    if "prev_holiday" in feats:
        # first day after a holiday: the catch-up of contacts that waited
        put("after_holiday", feats["prev_holiday"].to_numpy(dtype=bool) & ~holiday & ~weekend)
    put("holiday_on_workday", holiday & (base != "weekend"))
    names = feats["holiday_name"].astype(str).to_numpy()
    labels: dict[str, NDArray[np.bool_]] = {}

    def mark(label: str, row: int) -> None:
        labels.setdefault(label, np.zeros(n, dtype=bool))[row] = True

    for row in np.flatnonzero(holiday).tolist():
        for part in str(names[row]).split(";"):
            mark(f"hol_{_holiday_family(part)}", row)
    # position inside an Eid block
    is_eid = feats["is_eid"].to_numpy(dtype=bool)
    kind = feats["eid_kind"].astype(str).to_numpy()
    run: list[int] = []
    for row in range(n):
        run.append((run[-1] + 1 if row and is_eid[row - 1] else 1) if is_eid[row] else 0)
    for row in np.flatnonzero(is_eid).tolist():
        mark(f"eid_{kind[row]}_day{min(run[row], 5)}", row)
    for b in _BASE_TYPES:
        put(f"ramadan_{b}", ramadan & (base == b) & ~holiday)
    put("ramadan_first3", ramadan & (ramadan_day >= 1) & (ramadan_day <= 3))
    put("ramadan_last10", ramadan & (ramadan_day >= 20))
    to_eid = feats["days_to_eid"].to_numpy()
    after_eid = feats["days_after_eid"].to_numpy()
    for row in np.flatnonzero(to_eid > 0).tolist():
        mark(f"pre_{kind[row]}_{to_eid[row]}", row)
    for row in np.flatnonzero(after_eid > 0).tolist():
        mark(f"post_{kind[row]}_{after_eid[row]}", row)
    events = feats["event"].astype(str).to_numpy()
    for row in np.flatnonzero(events != "").tolist():
        for part in str(events[row]).split("; "):
            mark(f"event_{part}", row)
    for label, mask in labels.items():
        put(label, mask)
    return cols


class _Design:
    """Remembers the regressors seen in training so future rows get the same columns."""

    def __init__(self, names: list[str], t0: pd.Timestamp, knots: FloatArray, yearly: bool) -> None:
        self.names = names
        self.t0 = t0
        self.knots = knots
        self.yearly = yearly
        self.penalty: FloatArray = np.array([], dtype=np.float64)

    @classmethod
    def learn(
        cls, feats: pd.DataFrame, ridge: float, cols: dict[str, FloatArray] | None = None
    ) -> _Design:
        """The regressors present in training *feats*, the trend knots and the ridge penalties.

        *cols* are ``_raw_columns(feats)`` when the caller has them.
        """
        cols = _raw_columns(feats) if cols is None else cols
        names = sorted(k for k, v in cols.items() if v.any())
        dates = pd.DatetimeIndex(feats.index)
        t0 = dates[0]
        span = (dates[-1] - t0).days
        # trend knots every 13 weeks, none in the last 8 weeks (too little data to bend there)
        knots = np.arange(91.0, max(span - 56, 0), 91.0)
        design = cls(names, t0, knots, yearly=span >= 365)
        n_trend = 1 + len(knots)
        n_year = 4 if design.yearly else 0
        penalty = np.concatenate(
            [[0.0], np.full(len(names), ridge), [0.0], np.full(n_trend - 1, 10.0 * ridge)]
        )
        design.penalty = np.concatenate([penalty, np.full(n_year, ridge)])
        return design

    def matrix(
        self,
        feats: pd.DataFrame,
        dates: pd.DatetimeIndex,
        clamp_after: pd.Timestamp | None = None,
        cols: dict[str, FloatArray] | None = None,
    ) -> FloatArray:
        """Design matrix ``(len(dates), n_coef)`` of *feats* with the training columns.

        Intercept, the learned 0/1 regressors, the piecewise-linear trend (held flat after
        *clamp_after*) and, with a year of history, the yearly Fourier terms. *cols* are
        ``_raw_columns(feats)`` when the caller has them.
        """
        cols = _raw_columns(feats) if cols is None else cols
        n = len(feats)
        parts = [np.ones((n, 1))]
        parts.append(
            np.column_stack([cols.get(k, np.zeros(n)) for k in self.names])
            if self.names
            else np.zeros((n, 0))
        )
        days = (dates - self.t0).days.to_numpy().astype(float)
        if clamp_after is not None:
            # hold the trend flat beyond the history: one week ahead needs no extrapolation
            days = np.minimum(days, float((clamp_after - self.t0).days))
        years = days / 365.25
        parts.append(years[:, None])
        parts.append(np.maximum(0.0, (days[:, None] - self.knots[None, :]) / 365.25))
        if self.yearly:
            doy = dates.day_of_year.to_numpy().astype(float)
            ang = 2 * np.pi * doy / 365.25
            parts.append(
                np.column_stack([np.sin(ang), np.cos(ang), np.sin(2 * ang), np.cos(2 * ang)])
            )
        return np.hstack(parts)


def _weighted_ridge(x: FloatArray, y: FloatArray, w: FloatArray, penalty: FloatArray) -> FloatArray:
    xw = x * w[:, None]
    # einsum, not BLAS: a multi-threaded GEMM this small takes 50x longer on a busy 2-core machine
    a = np.einsum("ij,ik->jk", x, xw) + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
    b = np.einsum("ij,i->j", xw, y)
    return np.linalg.solve(a, b)


# -------------------------------------------------------------------------------------------------
# intraday profiles


def _profile_key(day_type: str, weekday: int, holiday_name: str) -> list[tuple[str, ...]]:
    keys: list[tuple[str, ...]] = []
    if day_type == "holiday":
        keys.append(("holiday", _holiday_family(holiday_name.split(";")[0])))
    keys.append((day_type, str(weekday)))
    keys.append((day_type,))
    return keys


def _learn_profiles(
    matrix: FloatArray, feats: pd.DataFrame, totals: FloatArray, profile_weeks: int
) -> Profiles:
    day_types = feats["day_type"].astype(str).to_numpy()
    weekdays = feats["weekday"].to_numpy()
    names = feats["holiday_name"].astype(str).to_numpy()
    dates = pd.DatetimeIndex(feats.index)
    recent = (dates[-1] - dates).days.to_numpy() < 7 * profile_weeks
    ordinary = np.isin(day_types, ("workday", "weekend", "short_day"))
    groups: dict[tuple[str, ...], list[int]] = {}
    for i in np.flatnonzero(totals > 0).tolist():
        if ordinary[i] and not recent[i]:
            continue  # ordinary days: recent weeks only; rare day types: all history
        for key in _profile_key(day_types[i], int(weekdays[i]), names[i]):
            groups.setdefault(key, []).append(i)
    profiles: Profiles = {}
    for key, rows in groups.items():
        if len(key) == 2 and key[0] != "holiday" and len(rows) < 2:
            continue
        if len(key) == 2 and not ordinary[rows[0]] and len(rows) < 3:
            continue
        rows = rows[-max(profile_weeks * 4, 60) :]
        sums = matrix[rows].sum(axis=0)
        profiles[key] = sums / sums.sum()
    positive = np.flatnonzero((totals > 0) & recent)
    if positive.size == 0:
        positive = np.flatnonzero(totals > 0)
    if positive.size:
        sums = matrix[positive].sum(axis=0)
        profiles[("all",)] = sums / sums.sum()
    else:
        profiles[("all",)] = np.full(matrix.shape[1], 1.0 / matrix.shape[1])
    return profiles


def _pick_profile(
    profiles: Profiles,
    day_type: str,
    weekday: int,
    holiday_name: str = "",
) -> FloatArray:
    chain = [day_type, *_FALLBACK.get(day_type, ())]
    for i, dt in enumerate(chain):
        candidates: list[tuple[str, ...]] = []
        if dt == "holiday" and holiday_name:
            candidates.append(("holiday", _holiday_family(holiday_name.split(";")[0])))
        candidates += [(dt, str(weekday)), (dt,)] if i == 0 or dt != "holiday" else [(dt,)]
        for key in candidates:
            if key in profiles:
                return profiles[key]
    return profiles[("all",)]

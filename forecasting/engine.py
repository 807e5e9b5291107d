"""The forecasting orchestrator: many series in, one forecast frame and one accuracy report out.

For every series (channel x queue) of a history frame it

1. backtests the candidate models on a rolling origin (the last ``origins`` weeks, refit at each
   origin, one-week horizon) and scores WAPE, MASE and bias (:mod:`forecasting.backtest`);
2. adds the mean of the best two (and three) models as combination candidates;
3. selects the candidate with the lowest backtest WAPE (ties go to the simpler one);
4. calibrates 80 % and 95 % intervals on the selected candidate's backtest errors per horizon band
   and reports their coverage, each origin scored with intervals calibrated on the others
   (:mod:`forecasting._intervals`);
5. refits the selected model(s) on the whole history, forecasts the requested days, sets closed
   intervals to zero, forecasts AHT, and applies planner overrides (:mod:`forecasting.overrides`).

AHT is forecast by :class:`~forecasting.models.AhtModel`, weighted by the contacts handled;
where the history has no ``handled`` counts, by offered minus abandoned, else by offered (a
warning says which). Its accuracy is backtested at the same origins as the volume's and reported
beside it (``aht_wape``, ``aht_bias``: weighted by the contacts handled in the test weeks). A
history without ``aht_s`` gives a forecast without AHT, and a warning says so.

Fan-out
-------
Series are independent. :func:`map_series` is the one place that runs them in parallel: with
``joblib.Parallel`` on this machine (``n_jobs``), or on a Dask distributed cluster
(``ForecastConfig(dask="tcp://scheduler:8786")``, or ``"local"`` for a ``LocalCluster``; the
``dask`` extra), a few series per task. Both give the same numbers in the same order as one
process. Any other joblib backend works by wrapping the call::

    import ray; from ray.util.joblib import register_ray   # pip install ray
    register_ray()
    with joblib.parallel_config(backend="ray"):
        result = run_forecast(history, ForecastConfig(n_jobs=-1))

Short history (documented fallback, never a crash): a series needs one full week (else
:class:`~forecasting.errors.InsufficientHistoryError` naming it). Models that need more than there
is are left out with a note; with fewer than two weeks there is no backtest: the seasonal naive
forecast is used with Poisson-like intervals, and the report says so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
import uuid
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol, SupportsFloat, TypeVar, cast

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from numpy.typing import ArrayLike, NDArray

from forecasting._intervals import IntervalCalibration, calibrate, holdout_coverage
from forecasting._opening import infer_open_slots
from forecasting.backtest import BacktestResult, backtest
from forecasting.calendar import CalendarConfig, day_features
from forecasting.errors import ConfigError, InputError, InsufficientHistoryError
from forecasting.models import BASELINE, MODELS, AhtModel, ModelContext, make_model
from forecasting.models._base import FloatArray, ForecastModel, OpenFunc, gaussian_bands
from wfmcore import frames
from wfmcore.defaults import MINUTES_PER_DAY, MINUTES_PER_WEEK

if TYPE_CHECKING:
    from forecasting.overrides import Override
    from forecasting.reconcile import Hierarchy, Reconciliation

#: Models run by ``models="auto"``. MSTL runs only when asked for: it never won a series in the
#: benchmarks (bench/forecast_bench.py) and costs the most per fit.
AUTO_MODELS: tuple[str, ...] = (
    "seasonal_naive",
    "seasonal_avg",
    "profile",
    "holt_winters",
    "calendar",
)

#: The forecast frame: the documented contract (:data:`wfmcore.frames.FORECAST_COLUMNS`), then the
#: 95 % band and the planner override applied, if any.
FORECAST_COLUMNS = [*frames.FORECAST_COLUMNS, "volume_lo95", "volume_hi95", "override"]

ACCURACY_COLUMNS = [
    "channel",
    "queue",
    "model",
    "selected",
    "origins",
    "wape",
    "mase",
    "bias",
    "wape_ratio",
    "mase_ratio",
    "coverage80",
    "coverage95",
    "aht_wape",
    "aht_bias",
    "fit_s",
    "note",
]

# simpler first: wins ties in selection
_SIMPLICITY = {name: i for i, name in enumerate(MODELS)}


class OpeningHoursLike(Protocol):
    """Anything with ``is_open(timestamps, interval_min)`` (e.g. ``wfmcore.OpeningHours``)."""

    def is_open(self, timestamps: pd.DatetimeIndex, interval_min: int | None = None) -> ArrayLike:
        """Whether each interval of *interval_min* minutes starting at *timestamps* is open."""


@dataclass(frozen=True, slots=True)
class ForecastConfig:
    """Options of one forecasting run.

    Parameters
    ----------
    start
        First day to forecast (local date); default the day after the history ends.
    days
        Days to forecast.
    models
        Model aliases to try, or ``None`` for :data:`AUTO_MODELS`. The seasonal naive baseline
        always runs.
    origins
        Rolling-origin backtest windows (weeks); 0 disables the backtest (seasonal naive is used).
    combine
        Largest combination of top models tried (1 = no combinations).
    calendar
        Calendar (holiday country, weekends, events); default UAE.
    fit_weeks
        Recent weeks the interval-level models fit on.
    n_jobs
        Parallel workers (joblib; -1 = all cores).
    dask
        Run the series on a Dask distributed cluster instead (``pip install
        'contact-wfm[dask]'``): ``"local"`` starts a ``LocalCluster`` of one single-threaded
        worker process per core for the run, anything else is the address of a running
        scheduler (``tcp://host:8786``). ``n_jobs`` is then ignored; the results are the same as
        a local run's, in the same order.
    """

    start: dt.date | None = None
    days: int = 7
    models: tuple[str, ...] | None = None
    origins: int = 4
    combine: int = 2
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    fit_weeks: int = 6
    n_jobs: int = 1
    dask: str | None = None

    def __post_init__(self) -> None:
        """Check the options.

        Raises
        ------
        ConfigError
            Fewer than one day, origins outside 0 .. 52, a combination under 1, fewer than two
            fit weeks, or an unknown model alias.
        """
        if self.days < 1:
            raise ConfigError(f"days must be at least 1, got {self.days}")
        if self.origins < 0 or self.origins > 52:
            raise ConfigError(f"origins must be 0..52, got {self.origins}")
        if self.combine < 1:
            raise ConfigError(f"combine must be at least 1, got {self.combine}")
        if self.fit_weeks < 2:
            raise ConfigError(f"fit_weeks must be at least 2, got {self.fit_weeks}")
        for name in self.models or ():
            if name not in MODELS:
                raise ConfigError(f"unknown model {name!r}; known models: {', '.join(MODELS)}")
        if self.dask is not None and not self.dask.strip():
            raise ConfigError("dask must be 'local' or a scheduler address, got an empty string")

    def model_list(self) -> tuple[str, ...]:
        """Candidate aliases, baseline first."""
        names = self.models or AUTO_MODELS
        return (BASELINE, *[n for n in names if n != BASELINE])


@dataclass(frozen=True, slots=True)
class SeriesForecast:
    """Everything computed for one series."""

    channel: str
    queue: str
    forecast: pd.DataFrame
    accuracy: pd.DataFrame
    backtest: BacktestResult | None
    selected: str
    #: With ``SeriesTask.keep_backtest``: the selected candidate's backtest forecasts
    #: ``(origins, horizon)``, the closed intervals of those windows, and of the forecast rows.
    backtest_forecast: FloatArray | None = None
    backtest_closed: NDArray[np.bool_] | None = None
    closed: NDArray[np.bool_] | None = None


@dataclass(frozen=True, slots=True)
class ForecastResult:
    """Output of :func:`run_forecast`.

    Attributes
    ----------
    forecast
        The forecast frame (columns :data:`FORECAST_COLUMNS`).
    accuracy
        One row per series and candidate (columns :data:`ACCURACY_COLUMNS`).
    series
        Per-series details (backtests) keyed by ``(channel, queue)``.
    interval_min
        Interval length used.
    elapsed_s
        Wall time of the run.
    warnings
        Notes for the planner (e.g. overrides that touched nothing, naming their file and row).
    levels
        With a hierarchy: the coherent forecast at every level (columns
        :data:`forecasting.reconcile.LEVEL_COLUMNS`: ``level`` queue, entity, channel or center,
        ``key``, ``interval_start``, ``volume`` and its 80 % / 95 % bands); else None.
    reconciliation
        With a hierarchy: the reconciliation (:class:`forecasting.reconcile.Reconciliation`):
        the method chosen, the backtest figures of each method (``.methods``) and of every
        series (``.series``); else None.
    """

    forecast: pd.DataFrame
    accuracy: pd.DataFrame
    series: dict[tuple[str, str], SeriesForecast]
    interval_min: int
    elapsed_s: float
    warnings: tuple[str, ...] = ()
    levels: pd.DataFrame | None = None
    reconciliation: Reconciliation | None = None


# -------------------------------------------------------------------------------------------------
# fan-out

T = TypeVar("T")
R = TypeVar("R")
_MISSING = object()


def map_series(
    func: Callable[[T], R],
    items: Sequence[T],
    *,
    n_jobs: int = 1,
    progress: Callable[[int], object] | None = None,
    dask: str | None = None,
) -> list[R]:
    """Apply *func* to every item, in parallel with joblib or on Dask; results in input order.

    This is the one fan-out point of the library. *dask* sends the items to a Dask distributed
    cluster; without it, wrapping the call in ``joblib.parallel_config(backend="ray")`` (or
    any joblib backend) runs it there.

    Parameters
    ----------
    func
        A picklable top-level function.
    items
        Its arguments (one per series).
    n_jobs
        Workers; 1 runs in this process (no pickling), -1 uses every core.
    progress
        Called with 1 after each finished item (e.g. ``tqdm.update``).
    dask
        ``"local"`` (a ``LocalCluster`` for this call) or a scheduler address; ``None`` runs
        with joblib.

    Raises
    ------
    ConfigError
        *dask* is given but ``distributed`` is not installed, or the scheduler cannot be
        reached.
    """
    if dask is not None and items:
        return _map_dask(func, items, dask, progress)
    if n_jobs == 1 or len(items) <= 1:
        out = []
        for item in items:
            out.append(func(item))
            if progress is not None:
                progress(1)
        return out
    results: dict[int, R] = {}
    runner = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    for index, result in runner(delayed(_indexed)(func, i, item) for i, item in enumerate(items)):
        results[index] = result
        if progress is not None:
            progress(1)
    return [results[i] for i in range(len(items))]


def _indexed(func: Callable[[T], R], index: int, item: T) -> tuple[int, R]:
    return index, func(item)


#: Seconds to wait for a Dask scheduler before giving up.
DASK_CONNECT_TIMEOUT_S = 20


def _map_dask(
    func: Callable[[T], R],
    items: Sequence[T],
    address: str,
    progress: Callable[[int], object] | None,
) -> list[R]:
    """:func:`map_series` on a Dask distributed cluster, a few items per task."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ConfigError(
            "running on Dask needs the dask extra: pip install 'contact-wfm[dask]'"
        ) from None
    with contextlib.ExitStack() as stack:
        try:
            if address.strip().lower() == "local":
                cluster = stack.enter_context(
                    LocalCluster(processes=True, threads_per_worker=1, dashboard_address=":0")
                )
                client = stack.enter_context(Client(cluster, set_as_default=False))
            else:
                client = stack.enter_context(
                    Client(address.strip(), timeout=DASK_CONNECT_TIMEOUT_S, set_as_default=False)
                )
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from None
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        # a few series per task: one task per series costs more in scheduling than small series
        # take to forecast, one task per worker leaves nothing to balance
        size = max(1, min(16, -(-len(items) // (4 * workers))))
        chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
        # scattered, not embedded in the task graph: the series' arrays are most of the bytes
        data = client.scatter(chunks, hash=False)
        futures = client.map(_run_chunk, [func] * len(chunks), data, pure=False)
        position = {future.key: i for i, future in enumerate(futures)}
        done: dict[int, list[R]] = {}
        for future in as_completed(futures, loop=client.loop):
            out: list[R] = future.result()
            done[position[future.key]] = out
            if progress is not None:
                progress(len(out))
        return [result for i in range(len(chunks)) for result in done[i]]


def _run_chunk(func: Callable[[T], R], items: list[T]) -> list[R]:
    return [func(item) for item in items]


# -------------------------------------------------------------------------------------------------
# calendar and opening hours, picklable


class CalendarLookup:
    """``features(dates)`` backed by a precomputed frame (computes missing dates on demand).

    Answers are memoised per exact *dates*: every series of a run asks for the same spans (its
    training days at each origin, the forecast days), so only the first asks pandas. The answers
    are shared: callers must not modify them. The memo is not pickled: a worker process keeps
    one lookup per run, whatever number of batches it receives.
    """

    #: Answers kept; the memo starts afresh when full.
    MEMO_SIZE = 256

    def __init__(self, config: CalendarConfig, frame: pd.DataFrame | None = None) -> None:
        self.config = config
        self.frame = frame if frame is not None else day_features([], config)
        self._memo: dict[bytes, pd.DataFrame] = {}
        self._derived: dict[Hashable, object] = {}
        #: Names this lookup across processes (see :func:`_restore_lookup`).
        self.token = uuid.uuid4().hex

    def __call__(self, dates: pd.DatetimeIndex) -> pd.DataFrame:
        """Calendar features of *dates* (naive midnights), one row per date in their order."""
        dates = pd.DatetimeIndex(dates).as_unit("ns")
        key = dates.asi8.tobytes()
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        missing = dates.difference(pd.DatetimeIndex(self.frame.index))
        if len(missing):
            extra = day_features(missing, self.config)
            self.frame = pd.concat([self.frame, extra]).sort_index()
            self._memo.clear()
            self._derived.clear()
        if len(self._memo) >= self.MEMO_SIZE:
            self._memo.clear()
        out = self._memo[key] = self.frame.reindex(dates)
        return out

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` remembered under *key* for this run (derived calendar work).

        The calendar model keys its design columns by the days they cover: every series asks
        for the same days at the same origins.
        """
        hit = self._derived.get(key, _MISSING)
        if hit is not _MISSING:
            return cast(T, hit)
        if len(self._derived) >= self.MEMO_SIZE:
            self._derived.clear()
        value = self._derived[key] = compute()
        return value

    def __reduce__(
        self,
    ) -> tuple[Callable[..., CalendarLookup], tuple[str, CalendarConfig, pd.DataFrame]]:
        """Pickle the calendar, not the memo; a worker keeps one lookup per run (see below)."""
        return _restore_lookup, (self.token, self.config, self.frame)


#: Lookups unpickled in this process, by run token: a worker process that forecasts many
#: batches of one run keeps one memo for all of them instead of starting afresh per batch.
_LIVE_LOOKUPS: dict[str, CalendarLookup] = {}


def _restore_lookup(token: str, config: CalendarConfig, frame: pd.DataFrame) -> CalendarLookup:
    live = _LIVE_LOOKUPS.get(token)
    if live is None:
        if len(_LIVE_LOOKUPS) >= 4:
            _LIVE_LOOKUPS.clear()
        live = _LIVE_LOOKUPS[token] = CalendarLookup(config, frame)
        live.token = token
    return live


class _IsOpen:
    """Opening hours of one channel as ``is_open(timestamps) -> bool array``."""

    def __init__(self, hours: OpeningHoursLike, interval_min: int) -> None:
        self.hours = hours
        self.interval_min = interval_min

    def __call__(self, timestamps: pd.DatetimeIndex) -> NDArray[np.bool_]:
        """Whether the interval starting at each of *timestamps* is open."""
        return np.asarray(self.hours.is_open(timestamps, self.interval_min), dtype=np.bool_)


def infer_closed(
    train_y: FloatArray, train_ds: pd.DatetimeIndex, future: pd.DatetimeIndex, weeks: int = 8
) -> NDArray[np.bool_]:
    """Future intervals whose interval of the week looks closed in the last ``weeks`` weeks.

    Used when no opening hours are given. An interval of the week is closed (forecast 0) when it
    had no contact in those weeks and the history reader's rule does not read it as open either
    (:func:`forecasting._opening.infer_open_slots`: sparse but steady, like the night of a small
    24/7 queue, where a half-hour may well go eight weeks without a contact).
    """
    step_min = int((train_ds[1] - train_ds[0]).total_seconds() // 60) if len(train_ds) > 1 else 30
    per_week = MINUTES_PER_WEEK // step_min
    n = min(train_y.size, weeks * per_week)
    if n < per_week:
        return np.zeros(len(future), dtype=bool)
    tail_ds = train_ds[-n:]
    wall = tail_ds.tz_localize(None) if tail_ds.tz is not None else tail_ds
    sow = np.asarray(
        wall.day_of_week * (MINUTES_PER_DAY // step_min)
        + (wall.hour * 60 + wall.minute) // step_min
    )
    week = np.asarray((wall.normalize() - pd.to_timedelta(wall.day_of_week, unit="D")).asi8)
    week = np.unique(week, return_inverse=True)[1].reshape(-1)
    counts = np.full((int(week.max()) + 1, per_week), np.nan)
    y = np.asarray(train_y[-n:], dtype=np.float64)
    known = ~np.isnan(y)
    counts[week[known], sow[known]] = y[known]
    is_open = infer_open_slots(counts, step_min) | (np.nansum(counts, axis=0) > 0)
    fwall = future.tz_localize(None) if future.tz is not None else future
    fsow = (
        fwall.day_of_week * (MINUTES_PER_DAY // step_min)
        + (fwall.hour * 60 + fwall.minute) // step_min
    )
    return np.asarray(~is_open[np.asarray(fsow)], dtype=np.bool_)


class _Closed:
    """``closed(train_y, train_ds, future_ds)``: configured opening hours, else inferred."""

    def __init__(self, is_open: OpenFunc | None) -> None:
        self.is_open = is_open

    def __call__(
        self, train_y: FloatArray, train_ds: pd.DatetimeIndex, future: pd.DatetimeIndex
    ) -> NDArray[np.bool_]:
        """Which of the *future* intervals are closed, given the training series."""
        if self.is_open is not None:
            return ~self.is_open(future)
        return infer_closed(train_y, train_ds, future)


# -------------------------------------------------------------------------------------------------
# one series


@dataclass(frozen=True, slots=True)
class SeriesTask:
    """The inputs of :func:`forecast_series` (picklable)."""

    channel: str
    queue: str
    y: FloatArray
    ds: pd.DatetimeIndex
    aht_s: FloatArray
    handled: FloatArray
    future: pd.DatetimeIndex
    models: tuple[str, ...]
    context: ModelContext
    is_open: OpenFunc | None
    origins: int
    combine: int
    note: str = ""
    keep_backtest: bool = False


def forecast_series(task: SeriesTask) -> SeriesForecast:
    """Backtest, select, calibrate and forecast one series (see the module docstring)."""
    ctx = task.context
    week = ctx.week_length
    n = task.y.size
    name = f"{task.channel}/{task.queue}"
    if n < week:
        raise InsufficientHistoryError(
            f"series {name}: needs at least one full week of history ({week} intervals of "
            f"{ctx.interval_min} min), got {n}"
        )
    closed = _Closed(task.is_open)
    origins = min(task.origins, n // week - 1)
    notes = [task.note] if task.note else []
    rows: list[dict[str, str | bool | int | float]] = []
    bt: BacktestResult | None = None
    bt_forecast: FloatArray | None = None
    calibration: IntervalCalibration | None = None
    if origins >= 1:
        train_weeks = (n - origins * week) / week
        usable = [m for m in task.models if make_model(m, ctx).min_weeks <= train_weeks]
        for m in task.models:
            if m not in usable:
                notes.append(f"{m} skipped: history too short")
        factories = {m: _Factory(m, ctx, task.is_open) for m in usable}
        bt = backtest(task.y, task.ds, factories, horizon=week, origins=origins, closed=closed)
        for m, msg in bt.failed.items():
            notes.append(f"{m} failed: {msg}")
        scores = score_candidates(bt, task.combine, ctx.day_length)
        best = select_candidate(scores)
        selected, members = best.label, best.members
        bt_forecast = best.forecast
        calibration = calibrate(bt.actual, best.forecast, ctx.day_length)
        aht_wape, aht_bias = _aht_backtest(task, bt.origins, week)
        for sc in scores:
            rows.append(
                {
                    "model": sc.label,
                    "selected": sc.label == selected,
                    "origins": origins,
                    "wape": sc.wape,
                    "mase": sc.mase,
                    "bias": sc.bias,
                    "wape_ratio": sc.wape_ratio,
                    "mase_ratio": sc.mase_ratio,
                    "coverage80": sc.coverage80,
                    "coverage95": sc.coverage95,
                    "aht_wape": aht_wape,
                    "aht_bias": aht_bias,
                    "fit_s": sc.fit_s,
                }
            )
    else:
        notes.append("under two weeks of history: no backtest; seasonal naive, rough intervals")
        selected, members = BASELINE, (BASELINE,)
        rows.append({"model": BASELINE, "selected": True, "origins": 0})

    # final fit on all history
    h = _steps_until(task.ds[-1], task.future[-1], ctx.interval_min) if len(task.future) else 0
    forecast = _final_forecast(task, members, h, calibration, closed)
    forecast["model"] = selected
    accuracy = pd.DataFrame(rows)
    accuracy.insert(0, "queue", task.queue)
    accuracy.insert(0, "channel", task.channel)
    accuracy["note"] = "; ".join(notes)
    accuracy = accuracy.reindex(columns=ACCURACY_COLUMNS)
    if not task.keep_backtest:
        return SeriesForecast(task.channel, task.queue, forecast, accuracy, bt, selected)
    bt_closed = None
    if bt is not None:
        bt_closed = np.stack(
            [
                closed(task.y[:s], task.ds[:s], task.ds[s : s + week])
                for s in np.asarray(bt.origins, dtype=int)
            ]
        )
    future_closed = closed(task.y, task.ds, pd.DatetimeIndex(forecast["interval_start"]))
    return SeriesForecast(
        task.channel,
        task.queue,
        forecast,
        accuracy,
        bt,
        selected,
        backtest_forecast=bt_forecast,
        backtest_closed=bt_closed,
        closed=np.asarray(future_closed, dtype=bool),
    )


class _Factory:
    """Picklable zero-argument model factory."""

    def __init__(self, alias: str, ctx: ModelContext, is_open: OpenFunc | None) -> None:
        self.alias, self.ctx, self.is_open = alias, ctx, is_open

    def __call__(self) -> ForecastModel:
        """A fresh, unfitted model."""
        return make_model(self.alias, self.ctx, self.is_open)


@dataclass(frozen=True, slots=True)
class CandidateScore:
    """Backtest accuracy of one candidate (a model or the mean of several).

    Attributes
    ----------
    label
        Model alias, or ``combo(a+b)`` for the mean of models ``a`` and ``b``.
    members
        The model aliases averaged.
    forecast
        Backtest forecasts ``(origins, horizon)``.
    wape, mase, bias
        Over all origins (MASE: mean over origins).
    wape_ratio, mase_ratio
        Divided by the seasonal naive's (NaN when the baseline is missing).
    coverage80, coverage95
        Empirical coverage of backtest-calibrated intervals, each origin held out in turn.
    fit_s
        Seconds to fit and predict once (sum over members).
    """

    label: str
    members: tuple[str, ...]
    forecast: FloatArray
    wape: float
    mase: float
    bias: float
    wape_ratio: float
    mase_ratio: float
    coverage80: float
    coverage95: float
    fit_s: float


def score_candidates(bt: BacktestResult, combine: int, day_length: int) -> list[CandidateScore]:
    """Score every backtested model and the means of the best 2..*combine* of them.

    Parameters
    ----------
    bt
        A backtest of one series.
    combine
        Largest combination tried (1 = none).
    day_length
        Intervals per day (horizon bands of the interval calibration).
    """
    members_by_label: dict[str, tuple[str, ...]] = {m: (m,) for m in bt.forecasts}
    ranked = sorted(bt.forecasts, key=lambda m: _nan_last(bt.score(bt.forecasts[m])["wape"]))
    for k in range(2, min(combine, len(ranked)) + 1):
        members = tuple(sorted(ranked[:k], key=lambda m: _SIMPLICITY.get(m, 99)))
        members_by_label["combo(" + "+".join(members) + ")"] = members
    base = bt.score(bt.forecasts[BASELINE]) if BASELINE in bt.forecasts else None
    out = []
    for label, members in members_by_label.items():
        fc = np.mean([bt.forecasts[m] for m in members], axis=0)
        s = bt.score(fc)
        c80, c95 = holdout_coverage(bt.actual, fc, day_length)
        out.append(
            CandidateScore(
                label=label,
                members=members,
                forecast=fc,
                wape=s["wape"],
                mase=s["mase"],
                bias=s["bias"],
                wape_ratio=_ratio(s["wape"], base["wape"] if base else np.nan),
                mase_ratio=_ratio(s["mase"], base["mase"] if base else np.nan),
                coverage80=c80,
                coverage95=c95,
                fit_s=float(sum(bt.fit_s[m] for m in members)),
            )
        )
    return out


def select_candidate(scores: Sequence[CandidateScore]) -> CandidateScore:
    """The lowest backtest WAPE; ties go to fewer members, then to simpler models."""
    return min(
        scores,
        key=lambda sc: (
            _nan_last(sc.wape),
            len(sc.members),
            max(_SIMPLICITY.get(m, 99) for m in sc.members),
        ),
    )


def _nan_last(x: float) -> float:
    return np.inf if np.isnan(x) else x


def _ratio(a: float, b: float) -> float:
    return float(a / b) if np.isfinite(a) and np.isfinite(b) and b > 0 else float("nan")


def _steps_until(last: pd.Timestamp, target: pd.Timestamp, interval_min: int) -> int:
    return int(round((target - last).total_seconds() / (60 * interval_min)))


def _final_forecast(
    task: SeriesTask,
    members: Sequence[str],
    h: int,
    calibration: IntervalCalibration | None,
    closed: _Closed,
) -> pd.DataFrame:
    ctx = task.context
    if h <= 0:
        return pd.DataFrame(columns=FORECAST_COLUMNS)
    means = []
    for m in members:
        model = make_model(m, ctx, task.is_open).fit(task.y, task.ds)
        means.append(model.predict(h)["mean"])
    mean = np.mean(means, axis=0)
    step = pd.Timedelta(minutes=ctx.interval_min)
    stamps = pd.date_range(task.ds[-1] + step, periods=h, freq=step)
    is_closed = closed(task.y, task.ds, stamps)
    mean = np.where(is_closed, 0.0, mean)
    if calibration is not None:
        bands = calibration.apply(mean)
    else:
        bands = gaussian_bands(mean, np.sqrt(mean))
    keep = stamps.isin(task.future)
    aht = _aht_forecast(task, stamps[keep])
    frame = pd.DataFrame(
        {
            "channel": task.channel,
            "queue": task.queue,
            "interval_start": stamps[keep],
            "volume": bands["mean"][keep],
            "volume_lo": np.where(is_closed, 0.0, bands["lo-80"])[keep],
            "volume_hi": np.where(is_closed, 0.0, bands["hi-80"])[keep],
            "aht_s": aht,
            "model": "",
            "volume_lo95": np.where(is_closed, 0.0, bands["lo-95"])[keep],
            "volume_hi95": np.where(is_closed, 0.0, bands["hi-95"])[keep],
            "override": "",
        }
    )
    return frame


def _aht_forecast(task: SeriesTask, stamps: pd.DatetimeIndex) -> FloatArray:
    if not np.isfinite(task.aht_s).any():
        return np.full(len(stamps), np.nan)
    model = AhtModel(task.context).fit(task.aht_s, task.handled, task.ds)
    return model.predict_at(stamps)


def _aht_backtest(task: SeriesTask, origins: NDArray[np.intp], horizon: int) -> tuple[float, float]:
    """WAPE and bias of the AHT forecast at the volume backtest's origins.

    At each origin the AHT model is refitted on the history before it and forecasts the next
    *horizon* intervals; errors are weighted by the contacts handled (the AHT weights) in those
    intervals: ``WAPE = sum(w |f - a|) / sum(w a)``, ``bias = sum(w (f - a)) / sum(w a)``.
    NaN when the history has no AHT.
    """
    if not np.isfinite(task.aht_s).any():
        return float("nan"), float("nan")
    abs_err = signed = total = 0.0
    for s in origins:
        s = int(s)
        model = AhtModel(task.context).fit(task.aht_s[:s], task.handled[:s], task.ds[:s])
        window = slice(s, s + horizon)
        forecast = model.predict_at(task.ds[window])
        actual, weight = task.aht_s[window], task.handled[window]
        ok = np.isfinite(actual) & np.isfinite(forecast) & np.isfinite(weight) & (weight > 0)
        w, a, f = weight[ok], actual[ok], forecast[ok]
        abs_err += float(np.sum(w * np.abs(f - a)))
        signed += float(np.sum(w * (f - a)))
        total += float(np.sum(w * a))
    if total <= 0:
        return float("nan"), float("nan")
    return abs_err / total, signed / total


def aht_weight_notes(history: pd.DataFrame) -> dict[tuple[str, str], str]:
    """What the AHT of each series is weighted by, where it is not the handled contacts.

    Parameters
    ----------
    history
        History contract frame (``channel``, ``queue``, ``offered`` and optional ``handled``,
        ``abandoned``, ``aht_s``).

    Returns
    -------
    dict
        ``(channel, queue)`` -> a note, for series whose intervals with an AHT lack
        ``handled`` (weighted by offered - abandoned, else offered), and for series without any
        AHT (the forecast has none).
    """
    n = len(history)
    key, keys = _series_codes(
        _column(history, "channel", "voice"), _column(history, "queue", "all")
    )
    no = np.zeros(n, dtype=bool)
    aht = history["aht_s"].notna().to_numpy() if "aht_s" in history else no
    handled = history["handled"].notna().to_numpy() if "handled" in history else no
    abandoned = history["abandoned"].notna().to_numpy() if "abandoned" in history else no
    ok = key >= 0

    def count(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
        return np.bincount(key[ok & mask], minlength=len(keys))

    rows = count(np.ones(n, dtype=bool))
    with_aht, lacking = count(aht), count(aht & ~handled)
    lacking_abandoned = count(aht & ~handled & abandoned)
    notes: dict[tuple[str, str], str] = {}
    for code in np.flatnonzero(rows).tolist():
        channel, queue = keys[code]
        name = f"{channel}/{queue}"
        k = (str(channel), str(queue))
        if with_aht[code] == 0:
            notes[k] = (
                f"{name}: the history has no aht_s, so the forecast has no AHT; staffing needs "
                "one (wfm staff --aht SECONDS, or an aht_s column in the history)"
            )
            continue
        if lacking[code] == 0:
            continue
        by = (
            "offered minus abandoned"
            if lacking_abandoned[code] == lacking[code]
            else "offered"
            if lacking_abandoned[code] == 0
            else "offered minus abandoned where abandoned is given, else offered"
        )
        where = (
            "the history has no handled counts"
            if lacking[code] == with_aht[code]
            else f"{lacking[code]} of {with_aht[code]} intervals with an AHT have no handled count"
        )
        notes[k] = f"{name}: AHT weighted by {by} ({where})"
    return notes


def _aht_weight_array(
    offered: FloatArray, handled: FloatArray, abandoned: FloatArray
) -> FloatArray:
    """The AHT weight of each row: handled, else offered - abandoned (>= 0), else offered."""
    answered = np.clip(offered - abandoned, 0.0, None)
    fallback = np.where(np.isnan(answered), offered, answered)
    out: FloatArray = np.where(np.isnan(handled), fallback, handled)
    return out


def _numbers(history: pd.DataFrame, name: str) -> FloatArray:
    """A numeric column as float64 (NaN where missing or not a number; all NaN without it)."""
    if name not in history:
        return np.full(len(history), np.nan)
    column = history[name]
    if not pd.api.types.is_float_dtype(column.dtype) or not isinstance(column.dtype, np.dtype):
        column = pd.to_numeric(column, errors="coerce")
    return np.asarray(column.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


# -------------------------------------------------------------------------------------------------
# whole history


def run_forecast(
    history: pd.DataFrame,
    config: ForecastConfig | None = None,
    *,
    interval_min: int | None = None,
    opening_hours: Mapping[str, OpeningHoursLike]
    | Mapping[tuple[str, str], OpeningHoursLike]
    | None = None,
    overrides: Sequence[Override] | pd.DataFrame | None = None,
    progress: Callable[[int], object] | None = None,
    hierarchy: pd.DataFrame | None = None,
) -> ForecastResult:
    """Forecast every series of a history frame.

    Parameters
    ----------
    history
        History contract frame: ``channel``, ``queue``, ``interval_start`` (tz-aware), ``offered``;
        optional ``handled`` and ``aht_s``. Missing intervals inside a series count as zero.
    config
        Run options (:class:`ForecastConfig`).
    interval_min
        Interval length in minutes; default: inferred from the timestamps. A coarser interval than
        the data's aggregates the history first.
    opening_hours
        Opening hours per channel (:class:`wfmcore.opening_hours.OpeningHours`) or per
        ``(channel, queue)`` (e.g. :meth:`wfmcore.entities.EntitySet.queue_hours`; a queue's entry
        wins over its channel's); closed intervals are forecast as zero. Channels without an
        entry get closed intervals inferred from history (intervals of the week without a
        contact in eight weeks).
    overrides
        Planner overrides (:func:`forecasting.overrides.read_overrides`), applied last.
    progress
        Called with 1 per finished series (aggregates of a hierarchy included).
    hierarchy
        Optional queue hierarchy, one row per queue: ``channel``, ``queue`` and optionally
        ``entity`` (e.g. ``wfmcore.entities.EntitySet.queue_frame()``). When given, the history is
        also summed per entity, per channel and for the center, those totals are forecast as
        extra series, and every level is reconciled (:mod:`forecasting.reconcile`): the queue
        rows of the forecast are the reconciled ones and :attr:`ForecastResult.levels` holds
        every level. History queues the hierarchy does not list belong to no entity (a warning
        names them); listed queues without history are left out (a warning names them). Every
        queue is put on the common grid of the history (intervals before its first or after its
        last row count as zero) so that all series share the backtest origins.

    Returns
    -------
    ForecastResult

    Raises
    ------
    InputError
        Missing columns or an empty history.
    ConfigError
        A start date inside the history, or an interval finer than the data.
    InsufficientHistoryError
        A series with less than one week of history.
    """
    from forecasting.overrides import apply_overrides, unmatched_overrides

    t0 = time.perf_counter()
    config = config or ForecastConfig()
    frame, step_min = prepare_history(history, interval_min)
    aht_notes = aht_weight_notes(history)
    tz = frame["interval_start"].dt.tz
    last = frame["interval_start"].max()
    step = pd.Timedelta(minutes=step_min)
    first_future = last + step
    first_wall = first_future.tz_localize(None)
    # default: the first whole day after the history
    start_date = config.start or (
        first_wall.date()
        if first_wall == first_wall.normalize()
        else first_wall.date() + dt.timedelta(days=1)
    )
    start_ts = _local_midnight(start_date, tz)
    end_ts = _local_midnight(start_date + dt.timedelta(days=config.days), tz)
    if end_ts <= first_future:
        raise ConfigError(
            f"start {start_date} (--start) is inside the history (last interval "
            f"{last.isoformat()}); forecast days after the history"
        )
    future = pd.date_range(max(start_ts, first_future), end_ts, freq=step, inclusive="left")
    first_day = frame["interval_start"].min().tz_localize(None).normalize()
    all_days = pd.date_range(first_day, end_ts.tz_localize(None).normalize(), freq="D")
    lookup = CalendarLookup(config.calendar, day_features(all_days, config.calendar))
    ctx = ModelContext(interval_min=step_min, features=lookup, fit_weeks=config.fit_weeks)
    tasks = []
    hier_warnings: list[str] = []
    hier: Hierarchy | None = None
    grid: pd.DatetimeIndex | None = None
    if hierarchy is not None:
        hier, hier_warnings = hierarchy_of(hierarchy, frame)
        grid = pd.date_range(
            frame["interval_start"].min(), frame["interval_start"].max(), freq=step
        )
    for (channel, queue), group in _groups(frame):
        group, note = _complete_grid(group, step) if grid is None else _pad_grid(group, grid)
        hours = _hours_of(opening_hours, str(channel), str(queue))
        tasks.append(
            SeriesTask(
                channel=str(channel),
                queue=str(queue),
                y=group["offered"].to_numpy(dtype=float),
                ds=pd.DatetimeIndex(group["interval_start"]),
                aht_s=group["aht_s"].to_numpy(dtype=float),
                handled=group["handled"].to_numpy(dtype=float),
                future=future,
                models=config.model_list(),
                context=ctx,
                is_open=_IsOpen(hours, step_min) if hours is not None else None,
                origins=config.origins,
                combine=config.combine,
                note="; ".join(
                    n for n in (note, aht_notes.get((str(channel), str(queue)), "")) if n
                ),
                keep_backtest=hier is not None,
            )
        )
    agg_tasks = _aggregate_tasks(hier, tasks) if hier is not None else []
    outcomes = map_series(
        forecast_series,
        [*tasks, *agg_tasks],
        n_jobs=config.n_jobs,
        progress=progress,
        dask=config.dask,
    )
    agg_outcomes, outcomes = outcomes[len(tasks) :], outcomes[: len(tasks)]
    forecast = pd.concat([o.forecast for o in outcomes], ignore_index=True)
    forecast = forecast.reindex(columns=FORECAST_COLUMNS)
    accuracy = pd.concat([o.accuracy for o in outcomes], ignore_index=True)
    warnings: list[str] = list(aht_notes.values()) + hier_warnings
    rec: Reconciliation | None = None
    if hier is not None:
        forecast, accuracy, rec = _reconcile_outcomes(
            hier, tasks, outcomes, agg_outcomes, accuracy, first_future, step, ctx.day_length
        )
        if rec.note:
            warnings.append(f"reconciliation: {rec.note}")
    if overrides is not None and len(overrides):
        warnings += unmatched_overrides(forecast, overrides)
        forecast = apply_overrides(forecast, overrides, opening_hours=opening_hours)
    levels = None
    if hier is not None and rec is not None:
        levels = _levels(hier, forecast, rec, first_future, step)
    return ForecastResult(
        forecast=forecast,
        accuracy=accuracy,
        series={(o.channel, o.queue): o for o in outcomes},
        interval_min=step_min,
        elapsed_s=time.perf_counter() - t0,
        warnings=tuple(warnings),
        levels=levels,
        reconciliation=rec,
    )


# -------------------------------------------------------------------------------------------------
# hierarchy (forecasting.reconcile)


def hierarchy_of(hierarchy: pd.DataFrame, frame: pd.DataFrame) -> tuple[Hierarchy, list[str]]:
    """The hierarchy of a history's queues.

    Parameters
    ----------
    hierarchy
        One row per queue: ``channel``, ``queue``, optional ``entity``.
    frame
        History frame (``channel``, ``queue``).

    Returns
    -------
    (Hierarchy, list of str)
        The hierarchy of the queues the history has (a queue the frame does not list joins no
        entity; a listed queue without history is left out) and notes naming both kinds.
    """
    from forecasting.reconcile import build_hierarchy, queue_key

    for col in ("channel", "queue"):
        if col not in hierarchy.columns:
            raise InputError(f"hierarchy has no '{col}' column", column=col)
    listed = hierarchy.assign(
        channel=hierarchy["channel"].astype(str), queue=hierarchy["queue"].astype(str)
    )
    seen = frame[["channel", "queue"]].drop_duplicates().astype(str)
    both = listed.merge(seen, on=["channel", "queue"], how="outer", indicator=True)
    warnings = []
    unseen = both[both["_merge"] == "left_only"]
    if len(unseen):
        names = ", ".join(
            queue_key(c, q) for c, q in zip(unseen["channel"], unseen["queue"], strict=True)
        )
        warnings.append(f"hierarchy queues without history, left out: {names}")
    unlisted = both[both["_merge"] == "right_only"]
    if len(unlisted):
        names = ", ".join(
            queue_key(c, q) for c, q in zip(unlisted["channel"], unlisted["queue"], strict=True)
        )
        warnings.append(f"history queues the hierarchy does not list (no entity): {names}")
    used = both[both["_merge"] != "left_only"].drop(columns="_merge")
    return build_hierarchy(used), warnings


def _pad_grid(group: pd.DataFrame, grid: pd.DatetimeIndex) -> tuple[pd.DataFrame, str]:
    """*group* on the whole history's grid: intervals it lacks count as zero (a note says so)."""
    g = group.set_index("interval_start").reindex(grid)
    missing = int(g["offered"].isna().sum())
    g["offered"] = g["offered"].fillna(0.0)
    g["handled"] = g["handled"].fillna(0.0)
    g["channel"], g["queue"] = group["channel"].iloc[0], group["queue"].iloc[0]
    g.index.name = "interval_start"
    note = f"{missing} missing intervals counted as zero" if missing else ""
    return g.reset_index(), note


class _AnyOpen:
    """Open when any of the member queues is open (picklable)."""

    def __init__(self, members: Sequence[OpenFunc]) -> None:
        self.members = tuple(members)

    def __call__(self, timestamps: pd.DatetimeIndex) -> NDArray[np.bool_]:
        """Whether any member is open at each of *timestamps*."""
        out = np.zeros(len(timestamps), dtype=bool)
        for member in self.members:
            out |= np.asarray(member(timestamps), dtype=bool)
        return out


def _aggregate_tasks(hier: Hierarchy, tasks: Sequence[SeriesTask]) -> list[SeriesTask]:
    """One task per aggregate of *hier*: the sum of its queues (channel = level, queue = key)."""
    by_key = {(t.channel, t.queue): t for t in tasks}
    out = []
    for r in range(hier.n_aggregates):
        level, key = hier.rows[r]
        members = [by_key[hier.bottom[j]] for j in np.flatnonzero(hier.S[r])]
        first = members[0]
        opens = [m.is_open for m in members]
        out.append(
            replace(
                first,
                channel=level,
                queue=key,
                y=np.sum([m.y for m in members], axis=0),
                aht_s=np.full(first.y.size, np.nan),
                handled=np.zeros(first.y.size),
                is_open=_AnyOpen([o for o in opens if o is not None])
                if all(o is not None for o in opens)
                else None,
                note="",
                keep_backtest=True,
            )
        )
    return out


def _reconcile_outcomes(
    hier: Hierarchy,
    tasks: Sequence[SeriesTask],
    queues: Sequence[SeriesForecast],
    aggregates: Sequence[SeriesForecast],
    accuracy: pd.DataFrame,
    first_future: pd.Timestamp,
    step: pd.Timedelta,
    day_length: int,
) -> tuple[pd.DataFrame, pd.DataFrame, Reconciliation]:
    """Reconcile the base forecasts; the queue rows of the forecast and accuracy frames."""
    from forecasting.reconcile import choose_and_reconcile, top_down_shares

    by_key = {(o.channel, o.queue): o for o in queues}
    task_of = {(t.channel, t.queue): t for t in tasks}
    history = np.stack([task_of[b].y for b in hier.bottom])
    step_min = int(step.total_seconds() // 60)
    ds = task_of[hier.bottom[0]].ds
    ordered = [*aggregates, *(by_key[b] for b in hier.bottom)]
    y_hat = np.stack([o.forecast["volume"].to_numpy(dtype=float) for o in ordered])
    closed = np.stack([np.asarray(by_key[b].closed, dtype=bool) for b in hier.bottom])
    stamps = pd.DatetimeIndex(ordered[0].forecast["interval_start"])
    lead = np.asarray(np.round((stamps - first_future) / step), dtype=np.intp)
    actual = base = naive = bt_closed = None
    if all(o.backtest is not None and o.backtest_forecast is not None for o in ordered):
        actual = np.stack([o.backtest.actual for o in ordered if o.backtest is not None])
        base = np.stack([o.backtest_forecast for o in ordered if o.backtest_forecast is not None])
        naive = np.stack(
            [o.backtest.forecasts[BASELINE] for o in ordered if o.backtest is not None]
        )
        bt_closed = np.stack([np.asarray(by_key[b].backtest_closed, bool) for b in hier.bottom])
    slots = _slots(ds, step_min)
    shares = top_down_shares(history, slots, _slots(stamps, step_min), day_length)
    bt_shares = None
    first_bt = ordered[0].backtest
    if actual is not None and first_bt is not None:
        width = actual.shape[2]
        bt_shares = np.stack(
            [
                top_down_shares(history[:, :s], slots[:s], slots[s : s + width], day_length)
                for s in np.asarray(first_bt.origins, dtype=int)
            ],
            axis=1,
        )
    rec = choose_and_reconcile(
        hier,
        y_hat,
        closed,
        actual=actual,
        base=base,
        naive=naive,
        bt_closed=bt_closed,
        day_length=day_length,
        lead=lead,
        shares=shares,
        bt_shares=bt_shares,
    )
    frames = []
    n_agg = hier.n_aggregates
    for j, b in enumerate(hier.bottom):
        f = by_key[b].forecast.copy()
        f["volume"] = rec.reconciled[n_agg + j]
        for col, band in rec.bands.items():
            f[col] = band[n_agg + j]
        frames.append(f)
    forecast = pd.concat(frames, ignore_index=True).reindex(columns=FORECAST_COLUMNS)
    forecast = forecast.sort_values(["channel", "queue", "interval_start"], kind="stable")
    from forecasting.reconcile import queue_key

    figures = {
        str(key): (float(w), float(nw), float(c80), float(c95))
        for key, w, nw, c80, c95 in zip(
            rec.series["key"],
            rec.series["wape"],
            rec.series["naive_wape"],
            rec.series["coverage80"],
            rec.series["coverage95"],
            strict=True,
        )
    }
    origins = rec.methods["origins"].iloc[0]
    rows = []
    for c, q in hier.bottom:
        w, nw, c80, c95 = figures[queue_key(c, q)]
        rows.append(
            {
                "channel": c,
                "queue": q,
                "model": f"reconciled({rec.method})",
                "selected": False,
                "origins": int(origins) if pd.notna(origins) else 0,
                "wape": w,
                "wape_ratio": _ratio(w, nw),
                "coverage80": c80,
                "coverage95": c95,
                "note": f"reconciled over the hierarchy by {rec.method}, chosen by backtest",
            }
        )
    extra = pd.DataFrame(rows).reindex(columns=ACCURACY_COLUMNS)
    accuracy = pd.concat([accuracy, extra], ignore_index=True)
    accuracy = accuracy.sort_values(["channel", "queue"], kind="stable", ignore_index=True)
    return forecast.reset_index(drop=True), accuracy, rec


def _slots(stamps: pd.DatetimeIndex, step_min: int) -> NDArray[np.intp]:
    """Time-of-day slot (wall clock) of each interval start."""
    return np.asarray((stamps.hour * 60 + stamps.minute) // step_min, dtype=np.intp)


def _levels(
    hier: Hierarchy,
    forecast: pd.DataFrame,
    rec: Reconciliation,
    first_future: pd.Timestamp,
    step: pd.Timedelta,
) -> pd.DataFrame:
    """The levels frame from the final (reconciled, overridden) queue rows."""
    from forecasting.reconcile import levels_frame

    cols = ["volume", "volume_lo", "volume_hi", "volume_lo95", "volume_hi95"]
    values: dict[str, list[FloatArray]] = {c: [] for c in cols}
    stamps: pd.DatetimeIndex | None = None
    groups = dict(tuple(forecast.groupby(["channel", "queue"], sort=False)))
    for b in hier.bottom:
        g = groups[b].sort_values("interval_start")
        stamps = pd.DatetimeIndex(g["interval_start"])
        for c in cols:
            values[c].append(g[c].to_numpy(dtype=float))
    assert stamps is not None
    lead = np.asarray(np.round((stamps - first_future) / step), dtype=np.intp)
    return levels_frame(
        hier, stamps, {c: np.stack(v) for c, v in values.items()}, rec.calibrations, lead
    )


def _hours_of(
    opening_hours: Mapping[str, OpeningHoursLike]
    | Mapping[tuple[str, str], OpeningHoursLike]
    | None,
    channel: str,
    queue: str,
) -> OpeningHoursLike | None:
    """A series' opening hours: its ``(channel, queue)`` entry, else its channel's."""
    if not opening_hours:
        return None
    table: Mapping[object, OpeningHoursLike] = opening_hours  # type: ignore[assignment]
    return table.get((channel, queue), table.get(channel))


def _local_midnight(day: dt.date, tz: dt.tzinfo | None) -> pd.Timestamp:
    ts = pd.Timestamp(day)
    if tz is None:
        return ts
    return ts.tz_localize(tz, nonexistent="shift_forward", ambiguous=False)


_REQUIRED = ("interval_start", "offered")


def prepare_history(history: pd.DataFrame, interval_min: int | None) -> tuple[pd.DataFrame, int]:
    """Check columns, fill defaults and (optionally) aggregate to a coarser interval.

    Returns
    -------
    (DataFrame, int)
        Frame with each series (channel, queue) in one block of rows in time order (the
        blocks in any order; :func:`_groups` visits them sorted), ``handled`` and ``aht_s``
        present, and the interval length in minutes. ``handled`` holds the AHT weights: the handled
        contacts, else offered minus abandoned, else offered (see :func:`aht_weight_notes`).
    """
    for col in _REQUIRED:
        if col not in history.columns:
            raise InputError(f"history has no '{col}' column", column=col)
    if history.empty:
        raise InputError("history is empty")
    # one pass over the rows with numpy: at 1,000 two-year series (35 million rows) pandas'
    # copy, multi-key sort and groupby took longer than forecasting the series
    channel = _column(history, "channel", "voice")
    queue = _column(history, "queue", "all")
    key, _ = _series_codes(channel, queue)
    offered = _numbers(history, "offered")
    bad = np.isnan(offered) | (offered < 0)
    if bad.any():
        raise InputError(
            f"'offered' must be a number >= 0 in every interval ({int(bad.sum())} are not; "
            "impute gaps first, e.g. with forecasting.history.read_history)",
            column="offered",
        )
    columns = {
        "offered": offered,
        "handled": _numbers(history, "handled"),
        "abandoned": _numbers(history, "abandoned"),
        "aht_s": _numbers(history, "aht_s"),
    }
    columns["handled"] = _aht_weight_array(offered, columns["handled"], columns["abandoned"])
    ts = pd.DatetimeIndex(history["interval_start"])
    if ts.tz is None:
        raise InputError("interval_start must be tz-aware", column="interval_start")
    ts = ts.as_unit("ns")
    stamp = np.asarray(ts.asi8)
    order = _sort_order(key, stamp)
    if order is not None:
        key, stamp, ts = key[order], stamp[order], ts[order]
        channel, queue = channel[order], queue[order]
        columns = {name: values[order] for name, values in columns.items()}
    keep = key >= 0  # rows without a channel or queue belong to no series (as in groupby)
    if not keep.all():
        key, stamp, ts = key[keep], stamp[keep], ts[keep]
        channel, queue = channel[keep], queue[keep]
        columns = {name: values[keep] for name, values in columns.items()}
    frame = pd.DataFrame(
        {"channel": channel, "queue": queue, "interval_start": ts, **columns}, copy=False
    )
    within = np.diff(key) == 0
    data_min = int(np.diff(stamp)[within].min() // (60 * 10**9)) if within.any() else 30
    if data_min <= 0:
        raise InputError("duplicate intervals in history", column="interval_start")
    step_min = interval_min or data_min
    if step_min < data_min or step_min % data_min:
        raise ConfigError(
            f"interval {step_min} min cannot be made from {data_min}-minute history "
            "(it must be a multiple)"
        )
    if step_min != data_min:
        frame = _aggregate(frame, step_min)
    return frame.reset_index(drop=True), step_min


def _sort_order(key: NDArray[np.int64], stamp: NDArray[np.int64]) -> NDArray[np.intp] | None:
    """An order giving each series one block, in time order; ``None`` when they have it.

    A history whose series each come in one block, in time order (as read_history returns
    them), is left as it is: :func:`_groups` visits the blocks in (channel, queue) order.
    """
    new_run = np.diff(key) != 0
    time_sorted = bool((new_run | (np.diff(stamp) >= 0)).all())
    run_key = key[np.flatnonzero(np.concatenate([[True], new_run]))]
    if time_sorted and np.unique(run_key).size == run_key.size:
        return None
    return np.lexsort((stamp, key))  # stable, like a sort by channel, queue, time


def _column(history: pd.DataFrame, name: str, default: str) -> NDArray[np.object_]:
    """A key column as an object array, *default* in every row when the history has none."""
    if name in history:
        return np.asarray(history[name].to_numpy(), dtype=object)
    return np.full(len(history), default, dtype=object)


def _runs(
    channel: NDArray[np.object_], queue: NDArray[np.object_]
) -> tuple[NDArray[np.intp], NDArray[np.int64], list[tuple[object, object]]]:
    """Runs of rows with the same (channel, queue), each keyed in sorted (channel, queue) order.

    Rows of a series usually come together, so only the first row of each run is hashed (a
    history of 35 million rows has a few thousand runs).

    Returns
    -------
    (ndarray, ndarray, list)
        The first row of each run, its key (-1 without a channel or queue), and the
        ``(channel, queue)`` of each key.
    """
    n = channel.size
    change = np.ones(n, dtype=bool)
    if n > 1:
        change[1:] = (channel[1:] != channel[:-1]) | (queue[1:] != queue[:-1])
    starts = np.flatnonzero(change)
    c_code, c_values = pd.factorize(channel[starts], sort=True)
    q_code, q_values = pd.factorize(queue[starts], sort=True)
    width = max(len(q_values), 1)
    run_key = np.where((c_code < 0) | (q_code < 0), -1, c_code * width + q_code).astype(np.int64)
    keys = [(c_values[k // width], q_values[k % width]) for k in range(len(c_values) * width)]
    return starts, run_key, keys


def _series_codes(
    channel: NDArray[np.object_], queue: NDArray[np.object_]
) -> tuple[NDArray[np.int64], list[tuple[object, object]]]:
    """The series of each row as an integer, in sorted (channel, queue) order; -1 without one.

    Returns
    -------
    (ndarray, list)
        One code per row, and the ``(channel, queue)`` of each code.
    """
    starts, run_key, keys = _runs(channel, queue)
    codes = np.repeat(run_key, np.diff(np.append(starts, channel.size)))
    return codes, keys


def _groups(frame: pd.DataFrame) -> Iterator[tuple[tuple[object, object], pd.DataFrame]]:
    """``frame.groupby(["channel", "queue"], sort=True)`` for a frame with one block per series.

    The blocks are visited in (channel, queue) order, whatever their order in *frame*.
    """
    channel = np.asarray(frame["channel"].to_numpy(), dtype=object)
    queue = np.asarray(frame["queue"].to_numpy(), dtype=object)
    starts, run_key, keys = _runs(channel, queue)
    ends = np.append(starts[1:], len(frame))
    for run in np.argsort(run_key, kind="stable").tolist():
        if run_key[run] >= 0:
            yield keys[run_key[run]], frame.iloc[starts[run] : ends[run]]


def _aggregate(frame: pd.DataFrame, step_min: int) -> pd.DataFrame:
    ts = frame["interval_start"]
    wall = ts.dt.tz_localize(None)
    # step back to the wall-clock interval boundary in absolute time (DST-safe)
    frame = frame.assign(
        interval_start=ts - (wall - wall.dt.floor(f"{step_min}min")),
        _work=frame["aht_s"].fillna(0) * frame["handled"],
        _w=frame["handled"].where(frame["aht_s"].notna(), 0),
    )
    out = frame.groupby(["channel", "queue", "interval_start"], as_index=False).agg(
        offered=("offered", "sum"),
        handled=("handled", "sum"),
        _work=("_work", "sum"),
        _w=("_w", "sum"),
    )
    out["aht_s"] = np.where(out["_w"] > 0, out["_work"] / out["_w"].where(out["_w"] > 0, 1), np.nan)
    return out.drop(columns=["_work", "_w"])


def _complete_grid(group: pd.DataFrame, step: pd.Timedelta) -> tuple[pd.DataFrame, str]:
    ts = pd.DatetimeIndex(group["interval_start"])
    full = pd.date_range(ts[0], ts[-1], freq=step)
    if len(full) == len(ts):
        return group, ""
    g = group.set_index("interval_start").reindex(full)
    missing = int(g["offered"].isna().sum())
    g["offered"] = g["offered"].fillna(0.0)
    g["handled"] = g["handled"].fillna(0.0)
    g.index.name = "interval_start"
    return g.reset_index(), f"{missing} missing intervals counted as zero"


def summary_table(accuracy: pd.DataFrame) -> str:
    """A short text table: one line per series with the selected model and its accuracy.

    Volume: WAPE, WAPE relative to the seasonal naive's, MASE and the 80 % interval's coverage;
    AHT: the backtest WAPE and bias of the AHT forecast (``-`` where there is none).
    """
    sel = accuracy[accuracy["selected"].fillna(False).astype(bool)]
    lines = [
        f"{'series':<24} {'model':<34} {'WAPE':>6} {'vs naive':>8} {'MASE':>6} {'cov80':>6} "
        f"{'AHT WAPE':>8} {'AHT bias':>8}",
    ]
    for row in sel.itertuples(index=False):
        name = f"{row.channel}/{row.queue}"
        lines.append(
            f"{name:<24} {row.model:<34} {_fmt(row.wape)} {_fmt(row.wape_ratio, 8)} "
            f"{_fmt(row.mase)} {_fmt(row.coverage80)} {_fmt(row.aht_wape, 8)} "
            f"{_fmt(row.aht_bias, 8)}"
        )
    return "\n".join(lines)


def _fmt(x: object, width: int = 6) -> str:
    dash = " " * (width - 1) + "-"
    if not isinstance(x, SupportsFloat | str):
        return dash
    try:
        value = float(x)
    except (TypeError, ValueError):
        return dash
    return f"{value:>{width}.3f}" if np.isfinite(value) else dash

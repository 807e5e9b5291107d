"""The one interface every forecasting model follows.

A model knows one series. ``fit(y, ds)`` takes the values (``y``, float array, one value per
interval, no gaps) and their tz-aware interval starts (``ds``), keeps its fitted state in
trailing-underscore attributes and returns ``self``; ``predict(h)`` returns a dict of float arrays
of length ``h``: ``mean``, ``lo-80``, ``hi-80``, ``lo-95``, ``hi-95`` for the ``h`` intervals that
follow the last one seen in ``fit``. ``alias`` names the model in the forecast's ``model`` column
and in reports.

Models own only rough intervals (from their in-sample errors); :mod:`forecasting.engine` replaces
them with intervals calibrated from backtest errors.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ClassVar, Protocol, Self

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from forecasting.errors import ConfigError, InsufficientHistoryError
from wfmcore.defaults import MINUTES_PER_DAY

#: Keys of the dict returned by :meth:`ForecastModel.predict`.
PREDICTION_KEYS = ("mean", "lo-80", "hi-80", "lo-95", "hi-95")

_Z = {80: 1.2815515655446004, 95: 1.959963984540054}

#: ``features(dates) -> DataFrame`` indexed by date (the :func:`forecasting.calendar.day_features`
#: columns). Calendar-aware models call it for past and future dates.
FeatureFunc = Callable[[pd.DatetimeIndex], pd.DataFrame]

#: ``is_open(timestamps) -> bool array``: opening hours of one channel.
OpenFunc = Callable[[pd.DatetimeIndex], NDArray[np.bool_]]

#: Values per interval: contacts (or seconds), float64.
FloatArray = NDArray[np.float64]


class FittedSmoothing(Protocol):
    """What the models use of a fitted statsmodels smoothing result (statsmodels has no stubs).

    Fitted on a float array, statsmodels returns float arrays.
    """

    @property
    def resid(self) -> FloatArray:
        """In-sample residuals, one per fitted interval."""

    @property
    def level(self) -> FloatArray:
        """Smoothed level after each fitted interval."""

    @property
    def season(self) -> FloatArray:
        """Smoothed seasonal component after each fitted interval."""

    def forecast(self, steps: int) -> FloatArray:
        """Point forecasts of the *steps* intervals after the fitted ones."""


@dataclass(frozen=True, slots=True)
class ModelContext:
    """What every model of one run shares.

    Parameters
    ----------
    interval_min
        Interval length in minutes (15, 30 or 60, any divisor of a day works).
    features
        Calendar feature function for dates (``None``: models that need it are not available).
    fit_weeks
        How many recent weeks the interval-level models (ETS, MSTL) fit on; keeps them fast.
    """

    interval_min: int = 30
    features: FeatureFunc | None = None
    fit_weeks: int = 6

    def __post_init__(self) -> None:
        if self.interval_min <= 0 or MINUTES_PER_DAY % self.interval_min:
            raise ConfigError(f"interval must divide a day, got {self.interval_min} minutes")

    @property
    def day_length(self) -> int:
        """Intervals per day."""
        return MINUTES_PER_DAY // self.interval_min

    @property
    def week_length(self) -> int:
        """Intervals per week (the weekly season length)."""
        return 7 * self.day_length


class ForecastModel(ABC):
    """Base class: one series in, ``h`` intervals out.

    Subclasses set ``alias`` and ``min_weeks`` (full weeks of history they need) and implement
    :meth:`_fit` and :meth:`_predict_mean`.
    """

    alias: ClassVar[str] = "model"
    #: Full weeks of history needed to fit; shorter input raises InsufficientHistoryError.
    min_weeks: ClassVar[float] = 1.0
    #: Whether the model needs the calendar feature function.
    needs_calendar: ClassVar[bool] = False

    def __init__(self, context: ModelContext | None = None) -> None:
        self.context = context or ModelContext()
        self.y_: FloatArray | None = None
        self.ds_: pd.DatetimeIndex | None = None
        self.sigma_: float = 0.0

    def fit(self, y: FloatArray, ds: pd.DatetimeIndex | None = None) -> Self:
        """Fit on one series.

        Parameters
        ----------
        y
            Values per interval (contacts), shape ``(n,)``, no NaN.
        ds
            Interval starts (tz-aware), shape ``(n,)``; required by calendar-aware models.

        Returns
        -------
        Self
            The fitted model.
        """
        y = np.asarray(y, dtype=np.float64)
        if y.ndim != 1:
            raise ConfigError("a model fits one series (a 1-d array)")
        if np.isnan(y).any():
            raise ConfigError("series has missing values; impute them before fitting")
        need = int(np.ceil(self.min_weeks * self.context.week_length))
        if y.size < need:
            raise InsufficientHistoryError(
                f"model {self.alias!r} needs at least {self.min_weeks:g} weeks of history "
                f"({need} intervals), got {y.size}"
            )
        if ds is not None and len(ds) != y.size:
            raise ConfigError("y and ds must have the same length")
        if self.needs_calendar and (ds is None or self.context.features is None):
            raise ConfigError(f"model {self.alias!r} needs timestamps and a calendar")
        self.y_ = y
        self.ds_ = ds
        with quiet_numerics():
            self._fit(y, ds)
        return self

    def predict(self, h: int) -> dict[str, FloatArray]:
        """Forecast the ``h`` intervals after the fitted history.

        Returns
        -------
        dict of str to ndarray
            ``mean``, ``lo-80``, ``hi-80``, ``lo-95``, ``hi-95``, each of shape ``(h,)``, never
            negative.
        """
        if self.y_ is None:
            raise ConfigError(f"model {self.alias!r} is not fitted")
        if h <= 0:
            raise ConfigError(f"horizon must be positive, got {h}")
        with quiet_numerics():
            mean = np.asarray(self._predict_mean(h), dtype=np.float64)
        mean = np.clip(np.nan_to_num(mean, nan=0.0, posinf=0.0, neginf=0.0), 0.0, None)
        return gaussian_bands(mean, self.sigma_)

    def future_index(self, h: int) -> pd.DatetimeIndex:
        """The ``h`` interval starts after the fitted history (absolute time, DST-safe)."""
        if self.ds_ is None:
            raise ConfigError(f"model {self.alias!r} was fitted without timestamps")
        step = pd.Timedelta(minutes=self.context.interval_min)
        return pd.date_range(self.ds_[-1] + step, periods=h, freq=step)

    @abstractmethod
    def _fit(self, y: FloatArray, ds: pd.DatetimeIndex | None) -> None: ...

    @abstractmethod
    def _predict_mean(self, h: int) -> FloatArray: ...

    def _set_sigma_from_seasonal_errors(self, y: FloatArray) -> None:
        """Rough spread: the std of last-week-to-this-week changes over the fit window."""
        m = self.context.week_length
        if y.size > m:
            tail = y[-min(y.size, 4 * m) :]
            diff = tail[m:] - tail[:-m]
            self.sigma_ = float(np.std(diff) / np.sqrt(2.0)) if diff.size else 0.0


def gaussian_bands(mean: FloatArray, sigma: float | FloatArray) -> dict[str, FloatArray]:
    """Mean with symmetric normal bands at 80 % and 95 %, clipped at zero."""
    out = {"mean": mean}
    for level, z in _Z.items():
        out[f"lo-{level}"] = np.clip(mean - z * sigma, 0.0, None)
        out[f"hi-{level}"] = mean + z * sigma
    return out


def tile_season(season: FloatArray, h: int) -> FloatArray:
    """Repeat one seasonal cycle to length ``h``."""
    reps = -(-h // season.size)
    return np.tile(season, reps)[:h]


@contextmanager
def quiet_numerics() -> Iterator[None]:
    """Silence the expected numerical warnings of statsmodels/numpy inside model code.

    Convergence and overflow warnings are part of normal fitting on count data; callers see the
    result (or a fallback), never the warning.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            yield

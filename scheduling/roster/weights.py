"""Under-staffing weights derived from the service level lost, per channel and interval.

With ``[weights] under_staffing_from = "service_level"`` in ``rules.toml``, the k-th missing
agent in an interval costs in proportion to the contacts it leaves unanswered within the
target time: ``volume x (SL(N - k + 1) - SL(N - k))`` from the channel's queue model
(Erlang C, Erlang A or chat, :func:`scheduling.staffing.requirements.fractional_metrics`),
where ``N`` is the agents the interval needs on the phones, each present ``1 - shrinkage`` of
the time (so the queue gets ``N (1 - shrinkage)``). So a missing agent costs more at a busy
hour than at a quiet one, and more on a small queue (where one agent is a large share of the
capacity) than on a large pool.

Scale: per channel, the weights are normalised so that the *first* missing agent costs, on
average over the intervals with contacts, what ``under_staffing[0]`` says; the other soft
weights keep their meaning. Each interval's weights never decrease with k (the penalty stays
convex, which the model and its bounds rely on), never fall below ``FLOOR`` times
``under_staffing[0]`` (an agent needed for the occupancy cap or a minimum staff still
matters) and never exceed ``CAP`` times the last fixed weight. Deferred channels (e-mail)
and intervals without contacts keep the fixed list.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from scheduling.errors import InputError
from scheduling.roster.problem import RosterProblem
from scheduling.roster.records import Note
from scheduling.staffing.requirements import fractional_metrics
from scheduling.staffing.targets import Targets

FLOOR = 0.2
CAP = 5.0
QUEUE_MODELS = ("erlang_c", "erlang_a", "chat")


def _demand(
    problem: RosterProblem, requirements: pd.DataFrame, channel: str
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Offered contacts and mean handle time per interval of the problem, queues pooled."""
    rows = requirements[requirements["channel"] == channel]
    vol = np.zeros(problem.n_intervals)
    work = np.zeros(problem.n_intervals)
    starts = pd.to_datetime(rows["interval_start"]).dt.tz_convert(problem.tz)
    minutes = (starts - problem.origin).dt.total_seconds().to_numpy() / 60
    idx = (minutes // problem.interval_min).astype(int)
    ok = (idx >= 0) & (idx < problem.n_intervals)
    v = rows["volume"].to_numpy(dtype=float)
    a = np.nan_to_num(rows["aht_s"].to_numpy(dtype=float), nan=0.0)
    np.add.at(vol, idx[ok], np.nan_to_num(v[ok], nan=0.0))
    np.add.at(work, idx[ok], np.nan_to_num(v[ok] * a[ok], nan=0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        aht = np.where(vol > 0, work / vol, 0.0)
    return vol, aht


def service_level_weights(
    problem: RosterProblem, requirements: pd.DataFrame, targets: Targets
) -> dict[str, NDArray[np.float64]]:
    """Under-staffing weights per queueing channel, in points per agent-hour.

    Each channel gets an (intervals x segments) array (see the module docstring); deferred
    channels are left out.

    Raises
    ------
    InputError
        The requirements lack ``volume`` or ``aht_s``, or a channel has no targets.
    """
    missing = [c for c in ("volume", "aht_s") if c not in requirements.columns]
    if missing:
        raise InputError(
            'rules: weights.under_staffing_from = "service_level" needs requirements with '
            f"{' and '.join(missing)} (as `wfm staff` writes them)"
        )
    fixed = np.asarray(problem.rules.weights.under_staffing, dtype=float)
    n_seg = len(fixed)
    interval_s = problem.interval_min * 60.0
    out: dict[str, NDArray[np.float64]] = {}
    for c in problem.channels:
        if c not in targets:
            raise InputError(f"targets: no targets for channel {c!r} of the requirements")
        target = targets[c]
        if target.model not in QUEUE_MODELS:
            continue
        vol, aht = _demand(problem, requirements, c)
        # heads needed on the phones; the queue gets them less the unscheduled shrinkage
        need = np.ceil(problem.staff[c] - 1e-6).astype(int)
        live = (vol > 0) & (need > 0)
        if not live.any():
            continue
        present = 1.0 - target.shrinkage
        sl = np.zeros((n_seg + 1, problem.n_intervals))  # sl[k]: with k agents missing
        for k in range(n_seg + 1):
            n = np.maximum(need - k, 0)
            m = fractional_metrics(target, vol, aht, np.maximum(n, 1) * present, interval_s)
            sl[k] = np.where(n > 0, np.nan_to_num(m.service_level, nan=0.0), 0.0)
        loss = vol * (sl[:-1] - sl[1:])  # contacts late because of the k-th missing agent
        loss = np.maximum(loss, 0.0).T  # (intervals, segments)
        ref = float(loss[live, 0].mean())
        if ref <= 0:
            continue
        w = fixed[0] * loss / ref
        w = np.clip(w, FLOOR * fixed[0], CAP * fixed[-1])
        w = np.maximum.accumulate(w, axis=1)  # convex: the k-th missing agent costs no less
        out[c] = np.where(live[:, None], w, fixed[None, :])
    return out


def with_service_level_weights(
    problem: RosterProblem, requirements: pd.DataFrame, targets: Targets
) -> RosterProblem:
    """``problem`` with :func:`service_level_weights` as its under-staffing weights."""
    weights = service_level_weights(problem, requirements, targets)
    fixed = [c for c in problem.channels if c not in weights]
    note = Note(
        "sl_weights.fixed" if fixed else "sl_weights",
        "under-staffing weights from the service level lost per interval"
        + (f" ({', '.join(sorted(weights))})" if weights else "")
        + (f"; fixed weights for {', '.join(fixed)}" if fixed else ""),
        channels=", ".join(sorted(weights)),
        fixed=", ".join(fixed),
    )
    return dataclasses.replace(problem, under_weights=weights, notes=(*problem.notes, note))

"""Erlang B and Erlang C (M/M/N) formulas, vectorised and stable for any size.

All functions take numpy-broadcastable arrays: ``traffic_erl`` (offered load in Erlangs,
``arrival rate x mean handle time``) and ``agents`` (number of servers, may be fractional only
where stated). Erlang B is computed in log space from the Poisson distribution,
``B(N, A) = P[Poisson(A) = N] / P[Poisson(A) <= N]`` (``scipy.special`` regularised incomplete
gamma), so there are no factorials and no overflow: it is exact to 10,000+ agents and Erlangs.
Where that ratio underflows (load far above the agents), the upward recursion
``B(n) = A B(n-1) / (n + A B(n-1))`` from a well-conditioned start is used instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class QueueMetrics:
    """Performance of a queue per interval (arrays of one shape).

    Attributes
    ----------
    wait_probability
        Share of offered contacts that wait (find every agent busy).
    service_level
        Share of offered contacts answered within the answer time (abandons count as misses).
    asa_s
        Average speed of answer of answered contacts, seconds (``inf`` when unstable).
    occupancy
        Share of agent time spent handling contacts.
    abandon_rate
        Share of offered contacts that abandon (0 for Erlang C).
    """

    wait_probability: FloatArray
    service_level: FloatArray
    asa_s: FloatArray
    occupancy: FloatArray
    abandon_rate: FloatArray


def _as_float(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def log_erlang_b(traffic_erl: ArrayLike, agents: ArrayLike) -> FloatArray:
    """Natural log of the Erlang B blocking probability ``B(N, A)``.

    Parameters
    ----------
    traffic_erl
        Offered load A >= 0, Erlangs.
    agents
        Whole number of servers N >= 0.

    Returns
    -------
    numpy.ndarray
        ``log B`` (``0`` for N = 0; ``-inf`` for A = 0 and N > 0).
    """
    a, n = np.broadcast_arrays(_as_float(traffic_erl), np.floor(_as_float(agents)))
    a = np.atleast_1d(a).astype(np.float64)
    n = np.atleast_1d(n).astype(np.float64)
    out = np.zeros(a.shape, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        pos = (a > 0) & (n > 0)
        out[(a <= 0) & (n > 0)] = -np.inf
        logpmf = special.xlogy(n[pos], a[pos]) - a[pos] - special.gammaln(n[pos] + 1.0)
        logcdf = np.log(special.pdtr(n[pos], a[pos]))
        val = logpmf - logcdf
        good = np.isfinite(val)
        sub = out[pos]
        sub[good] = val[good]
        if not good.all():
            sub[~good] = _log_erlang_b_recursion(a[pos][~good], n[pos][~good])
        out[pos] = np.minimum(sub, 0.0)
    return out.reshape(np.broadcast_shapes(np.shape(traffic_erl), np.shape(agents)))


def _log_erlang_b_recursion(a: FloatArray, n: FloatArray) -> FloatArray:
    """Erlang B by the stable reciprocal recursion ``1/B(k) = 1 + (k/A)/B(k-1)``.

    Only used where the Poisson ratio underflows, i.e. A far above N, where the recursion
    is short enough (N steps) and the reciprocal stays small.
    """
    inv = np.ones_like(a)
    n_max = int(n.max()) if n.size else 0
    for k in range(1, n_max + 1):
        active = k <= n
        inv = np.where(active, 1.0 + (k / a) * inv, inv)
    return -np.log(inv)


def erlang_b(traffic_erl: ArrayLike, agents: ArrayLike) -> FloatArray:
    """Erlang B blocking probability (M/M/N/N), stable for any size.

    Parameters
    ----------
    traffic_erl
        Offered load, Erlangs.
    agents
        Whole number of servers.

    Returns
    -------
    numpy.ndarray
        Probability that an arrival finds every server busy, in [0, 1].
    """
    return np.exp(log_erlang_b(traffic_erl, agents))


def erlang_c_wait_probability(traffic_erl: ArrayLike, agents: ArrayLike) -> FloatArray:
    """Erlang C probability of waiting (M/M/N), stable for any size.

    ``C = N B / (N - A (1 - B))`` for ``A < N``; 1 when ``A >= N`` (the queue is unstable).

    Parameters
    ----------
    traffic_erl
        Offered load A, Erlangs.
    agents
        Whole number of agents N.

    Returns
    -------
    numpy.ndarray
        Share of arrivals that wait, in [0, 1].
    """
    a, n = np.broadcast_arrays(_as_float(traffic_erl), np.floor(_as_float(agents)))
    b = erlang_b(a, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = n * b / (n - a * (1.0 - b))
    c = np.where(a >= n, 1.0, c)
    c = np.where((a <= 0) & (n > 0), 0.0, c)
    return np.clip(c, 0.0, 1.0)


def erlang_c(
    volume: ArrayLike,
    aht_s: ArrayLike,
    agents: ArrayLike,
    *,
    interval_s: float,
    answer_within_s: ArrayLike,
) -> QueueMetrics:
    """Erlang C performance for *volume* contacts in an interval of *interval_s* seconds.

    Parameters
    ----------
    volume
        Contacts offered in the interval.
    aht_s
        Mean handle time, seconds (> 0).
    agents
        Whole number of agents.
    interval_s
        Interval length, seconds.
    answer_within_s
        Answer-time target T, seconds.

    Returns
    -------
    QueueMetrics
        ``service_level = 1 - C exp(-(N - A) T / AHT)``, ``asa_s = C AHT / (N - A)``,
        ``occupancy = min(A / N, 1)``, ``abandon_rate = 0``.
    """
    vol, aht = np.broadcast_arrays(_as_float(volume), _as_float(aht_s))
    return erlang_c_from_load(vol * aht / float(interval_s), aht, agents, answer_within_s)


def erlang_c_from_load(
    traffic_erl: ArrayLike, aht_s: ArrayLike, agents: ArrayLike, answer_within_s: ArrayLike
) -> QueueMetrics:
    """Erlang C performance from the offered load *traffic_erl* (Erlangs); see :func:`erlang_c`."""
    a, aht, n, t = np.broadcast_arrays(
        _as_float(traffic_erl),
        _as_float(aht_s),
        np.floor(_as_float(agents)),
        _as_float(answer_within_s),
    )
    c = erlang_c_wait_probability(a, n)
    stable = n > a
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        sl = np.where(stable, 1.0 - c * np.exp(-(n - a) * t / aht), 0.0)
        asa = np.where(stable, c * aht / (n - a), np.inf)
        occ = np.where(n > 0, np.minimum(a / n, 1.0), np.where(a > 0, 1.0, 0.0))
    idle = a <= 0
    sl = np.where(idle, 1.0, sl)
    asa = np.where(idle, 0.0, asa)
    return QueueMetrics(
        wait_probability=c,
        service_level=np.clip(sl, 0.0, 1.0),
        asa_s=asa,
        occupancy=occ,
        abandon_rate=np.zeros_like(a),
    )


def service_level(
    traffic_erl: ArrayLike, agents: ArrayLike, aht_s: ArrayLike, answer_within_s: ArrayLike
) -> FloatArray:
    """Erlang C share answered within *answer_within_s* for load *traffic_erl* (Erlangs).

    Parameters
    ----------
    traffic_erl
        Offered load A, Erlangs.
    agents
        Whole number of agents N.
    aht_s
        Mean handle time, seconds.
    answer_within_s
        Answer-time target, seconds.
    """
    return erlang_c_from_load(traffic_erl, aht_s, agents, answer_within_s).service_level

"""Erlang A (M/M/N+M): Poisson arrivals, exponential handle times, exponential patience.

Exact formulas of the birth–death chain (Palm; Mandelbaum & Zeltyn), written with the
regularised incomplete gamma function ``P(b, x)`` of ``scipy.special`` and evaluated in log
space, so they hold for thousands of agents. With ``mu = 1/AHT``, ``theta = 1/patience``,
``x = lambda/theta``, ``b = N mu/theta`` and ``rho = lambda/(N mu)``:

* ``J = Gamma(b+1) x^-b e^x P(b, x)`` (sum over queue lengths), ``S = 1/B(N, A) - 1``
  (states with a free agent, relative to state N), ``P(wait) = J / (S + J)``;
* ``P(abandon) = P(wait) (1 - (1 - 1/J)/rho)``;
* the offered wait ``V`` of a delayed contact has ``P(V > t) ~ P(b, x e^{-theta t})`` and a contact
  is answered when ``V`` is shorter than its patience, so
  ``P(answered within T | wait) = b (P(b+1, x) - P(b+1, x u)) / (x P(b, x))``, ``u = e^{-theta T}``;
* abandoned within s: ``1 - (b P(b+1,x) + x u P(b, x u) - b P(b+1, x u)) / (x P(b, x))``.

**Service-level convention.** ``service_level`` is the share of *offered* contacts answered within
T; abandons count as misses. With ``abandon_threshold_s = s > 0`` it is instead answered within T
divided by (offered - abandoned within s): short abandons are ignored, as many ACDs report.
``asa_s`` is the mean wait of *answered* contacts.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from scheduling.staffing.erlang import FloatArray, QueueMetrics, log_erlang_b

_TINY = 1e-280
_IDLE_ERL = 1e-12


def _f(x: ArrayLike) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def erlang_a(
    volume: ArrayLike,
    aht_s: ArrayLike,
    agents: ArrayLike,
    *,
    interval_s: float,
    answer_within_s: ArrayLike,
    patience_s: ArrayLike,
    abandon_threshold_s: ArrayLike = 0.0,
    compute_asa: bool = True,
) -> QueueMetrics:
    """Erlang A performance for *volume* contacts in an interval of *interval_s* seconds.

    Parameters
    ----------
    volume
        Contacts offered in the interval.
    aht_s
        Mean handle time, seconds (> 0).
    agents
        Whole number of agents N (>= 0).
    interval_s
        Interval length, seconds.
    answer_within_s
        Answer-time target T, seconds.
    patience_s
        Mean patience (time a caller waits before hanging up), seconds (> 0).
    abandon_threshold_s
        Abandons within this many seconds are left out of the service level's denominator
        (0 = share of all offered contacts, the default).
    compute_asa
        ``False`` skips the (costlier) ASA series and returns ``nan`` for ``asa_s``.

    Returns
    -------
    QueueMetrics
        Wait probability, service level (see the module's convention), ASA of answered contacts,
        occupancy ``A (1 - P(abandon)) / N``, abandonment rate.
    """
    vol, aht, n, t, pat, thr = np.broadcast_arrays(
        _f(volume),
        _f(aht_s),
        np.floor(_f(agents)),
        _f(answer_within_s),
        _f(patience_s),
        _f(abandon_threshold_s),
    )
    shape = vol.shape
    vol, aht, n, t, pat, thr = (
        np.atleast_1d(v).astype(np.float64) for v in (vol, aht, n, t, pat, thr)
    )
    lam = vol / float(interval_s)  # per second
    a = lam * aht
    theta = 1.0 / pat
    x = lam / theta
    b = n / aht / theta
    pw = np.zeros_like(a)
    pab_cond = np.zeros_like(a)
    sl_cond = np.zeros_like(a)
    abs_cond = np.zeros_like(a)
    asa = np.zeros_like(a)
    # a load below 1e-12 Erlangs is no load: nobody waits (avoids 0/0 in the formulas)
    idle = a <= _IDLE_ERL
    busy_all = (n <= 0) & ~idle
    act = ~idle & (n > 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        xa, ba, na, aa = x[act], b[act], n[act], a[act]
        p_b = special.gammainc(ba, xa)
        log_j = special.gammaln(ba + 1.0) - ba * np.log(xa) + xa + np.log(p_b)
        # where P(b, x) underflows (x far below b) sum the series of J directly
        small = ~(p_b > _TINY)
        if small.any():
            log_j[small] = np.log(_j_series(xa[small], ba[small]))
        log_b = log_erlang_b(aa, na)
        log_s = np.log1p(-np.exp(log_b)) - log_b  # log(1/B - 1)
        pw_a = special.expit(log_j - log_s)
        inv_j = np.exp(-log_j)
        rho = aa / na
        pab_c = np.clip(1.0 - (1.0 - inv_j) / rho, 0.0, 1.0)
        u_t = np.exp(-t[act] * theta[act])
        p_b1 = special.gammainc(ba + 1.0, xa)
        p_b1_t = special.gammainc(ba + 1.0, xa * u_t)
        slc = ba * (p_b1 - p_b1_t) / (xa * p_b)
        u_s = np.exp(-thr[act] * theta[act])
        if small.any():
            # the same ratios from the series S(b, x), with the P(b, x) factors cancelled
            xs, bs, us = xa[small], ba[small], u_t[small]
            s0 = np.exp(log_j[small])
            s1 = _j_series(xs, bs + 1.0)
            ratio_b = bs / (bs + 1.0)
            shift_t = np.exp((bs + 1.0) * np.log(us) + xs * (1.0 - us))
            slc[small] = ratio_b * (s1 - shift_t * _j_series(xs * us, bs + 1.0)) / s0
        absc = np.zeros_like(xa)
        short = thr[act] > 0
        if short.any():  # only for the "ignore short abandons" convention
            xs2, bs2, us2, pb2, pb12 = xa[short], ba[short], u_s[short], p_b[short], p_b1[short]
            absc[short] = 1.0 - (
                bs2 * pb12
                + xs2 * us2 * special.gammainc(bs2, xs2 * us2)
                - bs2 * special.gammainc(bs2 + 1.0, xs2 * us2)
            ) / (xs2 * pb2)
            small_short = small & short
            if small_short.any():
                xs3, bs3, uss3 = xa[small_short], ba[small_short], u_s[small_short]
                s03 = np.exp(log_j[small_short])
                ratio3 = bs3 / (bs3 + 1.0)
                shift_s = np.exp(bs3 * np.log(uss3) + xs3 * (1.0 - uss3))
                absc[small_short] = (
                    1.0
                    - (
                        ratio3 * _j_series(xs3, bs3 + 1.0)
                        + uss3 * shift_s * _j_series(xs3 * uss3, bs3)
                        - ratio3 * uss3 * shift_s * _j_series(xs3 * uss3, bs3 + 1.0)
                    )
                    / s03
                )
        pw[act] = pw_a
        pab_cond[act] = pab_c
        sl_cond[act] = np.clip(slc, 0.0, 1.0 - pab_c)
        abs_cond[act] = np.clip(absc, 0.0, pab_c)
        asa[act] = _asa_answered(xa, ba, theta[act], pw_a, pab_c) if compute_asa else np.nan
    pw[busy_all] = 1.0
    pab_cond[busy_all] = 1.0
    pab = pw * pab_cond
    answered_within = (1.0 - pw) + pw * sl_cond
    denom = 1.0 - pw * abs_cond
    with np.errstate(divide="ignore", invalid="ignore"):
        sl = np.where(denom > 0, answered_within / denom, 0.0)
        occ = np.where(n > 0, np.minimum(a * (1.0 - pab) / n, 1.0), np.where(a > 0, 1.0, 0.0))
    sl = np.where(idle, 1.0, sl)
    sl = np.where(busy_all, 0.0, sl)
    asa = np.where(busy_all, np.inf, asa)
    return QueueMetrics(
        wait_probability=pw.reshape(shape),
        service_level=np.clip(sl, 0.0, 1.0).reshape(shape),
        asa_s=asa.reshape(shape),
        occupancy=occ.reshape(shape),
        abandon_rate=np.clip(pab, 0.0, 1.0).reshape(shape),
    )


def _j_series(x: FloatArray, b: FloatArray, max_terms: int = 1_000_000) -> FloatArray:
    """``S(b, x) = sum_j x^j / ((b+1)...(b+j))`` by direct summation.

    Used only where ``P(b, x)`` underflows, i.e. x well below b, where the terms fall at least
    geometrically (ratio ``x / b``); ``P(b, x) = x^b e^-x S(b, x) / Gamma(b + 1)``.
    """
    total = np.ones_like(x)
    term = np.ones_like(x)
    for j in range(1, max_terms + 1):
        term = term * x / (b + j)
        total = total + term
        if np.all(term < 1e-17 * total):
            break
    return total


def _asa_answered(
    x: FloatArray, b: FloatArray, theta: FloatArray, pw: FloatArray, pab: FloatArray
) -> FloatArray:
    """Mean wait of answered contacts, seconds.

    A delayed arrival that finds ``j`` contacts queued reaches an agent after ``V_j``, a sum of
    exponentials with rates ``N mu + k theta`` (k = 0..j), and is answered if ``V_j`` is shorter
    than its own patience; ``E[V_j; answered] = (b/(b+j+1)) (psi(b+j+2) - psi(b+1)) / theta``.
    The arrival sees ``j`` with weight ``x^j / ((b+1)...(b+j))`` (PASTA). The sum runs over a
    window of ``j`` around the mode wide enough to hold all but a negligible share of the mass.
    """
    ev_answered = np.empty_like(x)
    half_all = int(np.ceil(12.0 * np.sqrt(float(np.max(x, initial=0.0))) + 40.0))
    chunk = max(1, 2_000_000 // (2 * half_all + 1))  # bound the block's memory
    for lo in range(0, x.size, chunk):
        xs, bs = x[lo : lo + chunk], b[lo : lo + chunk]
        mode = np.maximum(xs - bs, 0.0)
        half = int(np.ceil(12.0 * np.sqrt(float(np.max(xs, initial=0.0))) + 40.0))
        start = np.maximum(np.floor(mode) - half, 0.0)
        j = start[:, None] + np.arange(2 * half + 1, dtype=np.float64)[None, :]
        bb = bs[:, None]
        logw = j * np.log(xs[:, None]) - (special.gammaln(bb + j + 1.0) - special.gammaln(bb + 1.0))
        logw -= logw.max(axis=1, keepdims=True)
        w = np.exp(logw)
        w /= w.sum(axis=1, keepdims=True)
        ev = (bb / (bb + j + 1.0)) * (special.digamma(bb + j + 2.0) - special.digamma(bb + 1.0))
        ev_answered[lo : lo + chunk] = (w * ev).sum(axis=1)
    ev_answered /= theta
    answered = 1.0 - pw * pab
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(answered > 0, pw * ev_answered / answered, np.inf)
    return out

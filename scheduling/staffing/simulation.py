"""A compact discrete-event simulation of a contact queue over consecutive intervals.

Poisson arrivals with a rate per interval; exponential or lognormal handle times (mean per
interval); exponential patience (or none); first-come first-served; a staffing level per
interval. The queue carries over from one interval to the next, which Erlang formulas ignore.
When staffing drops, agents finish the contact in hand before leaving. Contacts still queued at
the end of the horizon are followed until they are answered or abandon (staffing stays at the
last interval's level), so every offered contact has an outcome.

Chat: with ``concurrency = k > 1`` each agent holds up to ``k`` chats; a new chat goes to the
least-loaded agent, and its handle time is drawn at the mean ``aht_s (1 + growth (m - 1))``
where ``m`` is the agent's concurrency including the new chat.

Statistics are recorded per *arrival* interval, with the same conventions as the analytic
models (service level = answered within T / offered; abandons count as misses; optionally
abandons within ``abandon_threshold_s`` leave the denominator). Confidence intervals are
Student-t 95 % over independent replications.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Per-replication, per-interval counts of a simulation (arrays ``[replications, intervals]``).

    Use :meth:`service_level`, :meth:`abandon_rate`, :meth:`asa_s`, :meth:`occupancy` for the
    ratios, and :func:`mean_ci` for a mean with its 95 % half-width over replications.
    """

    offered: FloatArray
    answered: FloatArray
    answered_within: FloatArray
    abandoned: FloatArray
    abandoned_short: FloatArray
    wait_answered_s: FloatArray
    busy_s: FloatArray
    capacity_s: FloatArray

    def select(self, columns: NDArray[np.bool_]) -> SimulationResult:
        """The same replications restricted to the intervals where *columns* is true."""
        return SimulationResult(
            **{f.name: getattr(self, f.name)[:, columns] for f in dataclasses.fields(self)}
        )

    def _ratio(self, num: FloatArray, den: FloatArray, axis: int | None) -> FloatArray:
        if axis is not None:
            num = np.asarray(num).sum(axis=axis)
            den = np.asarray(den).sum(axis=axis)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den > 0, num / den, np.nan)

    def service_level(self, axis: int | None = None) -> FloatArray:
        """Answered within T / (offered - short abandons); *axis* = 1 pools the intervals."""
        return self._ratio(self.answered_within, self.offered - self.abandoned_short, axis)

    def abandon_rate(self, axis: int | None = None) -> FloatArray:
        """Abandoned / offered."""
        return self._ratio(self.abandoned, self.offered, axis)

    def asa_s(self, axis: int | None = None) -> FloatArray:
        """Mean wait of answered contacts, seconds."""
        return self._ratio(self.wait_answered_s, self.answered, axis)

    def occupancy(self, axis: int | None = None) -> FloatArray:
        """Busy time / staffed time (slots for chat)."""
        return self._ratio(self.busy_s, self.capacity_s, axis)


def mean_ci(samples: ArrayLike, confidence: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Mean over replications (axis 0) and the Student-t half-width of its confidence interval.

    NaN samples (no contacts in that interval and replication) are left out.
    """
    x = np.asarray(samples, dtype=np.float64)
    count = np.sum(~np.isnan(x), axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.nanmean(np.where(count > 0, x, 0.0), axis=0)
        mean = np.where(count > 0, mean, np.nan)
        centered = np.where(np.isnan(x), 0.0, x - mean)
        var = np.where(count > 1, (centered**2).sum(axis=0) / np.maximum(count - 1, 1), np.nan)
        tq = stats.t.ppf(0.5 + confidence / 2.0, np.maximum(count - 1, 1))
        half = np.where(count > 1, tq * np.sqrt(var / np.maximum(count, 1)), np.nan)
    return mean, half


def simulate_queue(
    volume: ArrayLike,
    aht_s: ArrayLike,
    agents: ArrayLike,
    *,
    interval_min: float,
    answer_within_s: float,
    patience_s: float | None = None,
    abandon_threshold_s: float = 0.0,
    service: str = "exponential",
    aht_cv: float = 1.0,
    concurrency: int = 1,
    handle_time_growth: float = 0.0,
    replications: int = 10,
    seed: int = 0,
) -> SimulationResult:
    """Simulate the queue interval by interval, *replications* times.

    Parameters
    ----------
    volume
        Expected contacts per interval (Poisson mean).
    aht_s
        Mean handle time per interval, seconds (the alone-handled time for chat).
    agents
        Agents on duty per interval (rounded to whole agents).
    interval_min
        Interval length, minutes.
    answer_within_s
        Answer-time target T, seconds.
    patience_s
        Mean of the exponential patience, seconds; ``None`` = nobody abandons.
    abandon_threshold_s
        Abandons within this many seconds leave the service level's denominator.
    service
        ``"exponential"`` or ``"lognormal"`` handle times.
    aht_cv
        Coefficient of variation of lognormal handle times.
    concurrency
        Chats an agent holds at once.
    handle_time_growth
        Relative handle-time increase per extra concurrent chat.
    replications
        Independent runs (>= 2 for a confidence interval).
    seed
        Seed of the random generator (results are reproducible).

    Returns
    -------
    SimulationResult
    """
    if service not in ("exponential", "lognormal"):
        raise ValueError(f"service must be 'exponential' or 'lognormal', got {service!r}")
    vol = np.asarray(volume, dtype=np.float64)
    aht = np.nan_to_num(np.asarray(aht_s, dtype=np.float64), nan=0.0)
    staff = np.rint(np.asarray(agents, dtype=np.float64)).astype(np.int64)
    rng = np.random.default_rng(seed)
    shape = (replications, vol.size)
    fields = {f.name: np.zeros(shape) for f in dataclasses.fields(SimulationResult)}
    interval_s = float(interval_min) * 60.0
    for r in range(replications):
        out = {k: v[r] for k, v in fields.items()}
        _one_run(
            rng,
            vol,
            aht,
            staff,
            interval_s,
            float(answer_within_s),
            patience_s,
            float(abandon_threshold_s),
            service,
            float(aht_cv),
            int(concurrency),
            float(handle_time_growth),
            out,
        )
    return SimulationResult(**fields)


def _one_run(
    rng: np.random.Generator,
    vol: FloatArray,
    aht: FloatArray,
    staff: NDArray[np.int64],
    interval_s: float,
    t_target: float,
    patience_s: float | None,
    thr_s: float,
    service: str,
    cv: float,
    k: int,
    growth: float,
    out: dict[str, FloatArray],
) -> None:
    n_int = vol.size
    counts = rng.poisson(np.maximum(vol, 0.0))
    total = int(counts.sum())
    ivl = np.repeat(np.arange(n_int), counts)
    arr_t = (ivl + rng.random(total)) * interval_s
    order = np.argsort(arr_t, kind="stable")
    arr_t, ivl = arr_t[order], ivl[order]
    mean_h = aht[ivl]
    if service == "exponential":
        base = rng.exponential(1.0, total)
    else:
        sigma2 = np.log1p(cv * cv)
        base = rng.lognormal(-sigma2 / 2.0, np.sqrt(sigma2), total)
    handle = base * mean_h  # at concurrency 1; scaled by the concurrency factor at start
    if patience_s is None:
        patience = np.full(total, np.inf)
    else:
        patience = rng.exponential(float(patience_s), total)
    np.add.at(out["offered"], ivl, 1.0)
    out["capacity_s"][:] = staff * interval_s * k
    # plain Python lists: element access in the event loop is much faster than on arrays
    arr_l: list[float] = arr_t.tolist()
    ivl_l: list[int] = ivl.tolist()
    hand_l: list[float] = handle.tolist()
    pat_l: list[float] = patience.tolist()
    staff_l: list[int] = staff.tolist()
    answered = [0.0] * n_int
    within = [0.0] * n_int
    abandoned = [0.0] * n_int
    ab_short = [0.0] * n_int
    waited = [0.0] * n_int
    busy_acc = [0.0] * n_int
    inf = math.inf

    loads = [0] * (max(staff_l, default=0) + 1)
    busy = 0  # busy slots
    completions: list[tuple[float, int]] = []  # (time, agent)
    queue: deque[int] = deque()
    last_t = 0.0
    cur = 0  # current staffing interval
    level = staff_l[0] if n_int else 0

    def account(t_to: float) -> None:
        nonlocal last_t
        # integrate busy slots over [last_t, t_to) into interval bins (within the horizon)
        t0 = last_t
        while busy and t0 < t_to:
            b = int(t0 // interval_s)
            if b >= n_int:
                break
            t1 = min(t_to, (b + 1) * interval_s)
            busy_acc[b] += busy * (t1 - t0)
            t0 = t1
        last_t = t_to

    def pick_agent() -> int:
        if k == 1:  # one contact per agent: any free agent will do (O(1))
            return 0 if busy < level else -1
        best, best_load = -1, k
        for a in range(level):
            la = loads[a]
            if la < best_load:
                best, best_load = a, la
                if la == 0:
                    break
        return best

    def dispatch(t: float) -> None:
        nonlocal busy
        while queue:
            agent = pick_agent()
            if agent < 0:
                return
            c = queue.popleft()
            wait = t - arr_l[c]
            i = ivl_l[c]
            if wait > pat_l[c]:
                abandoned[i] += 1.0
                if pat_l[c] <= thr_s:
                    ab_short[i] += 1.0
                continue
            answered[i] += 1.0
            waited[i] += wait
            if wait <= t_target:
                within[i] += 1.0
            loads[agent] += 1
            busy += 1
            h = hand_l[c] * (1.0 + growth * (loads[agent] - 1)) if k > 1 else hand_l[c]
            heapq.heappush(completions, (t + h, agent))

    nxt = 0
    while True:
        t_arr = arr_l[nxt] if nxt < total else inf
        t_done = completions[0][0] if completions else inf
        t_bnd = (cur + 1) * interval_s if cur + 1 < n_int else inf
        t = min(t_arr, t_done, t_bnd)
        if t == inf:
            # horizon over and nobody left to serve the queue: the patient ones abandon,
            # the endlessly patient are never answered (misses)
            for c in queue:
                if pat_l[c] < inf:
                    abandoned[ivl_l[c]] += 1.0
                    if pat_l[c] <= thr_s:
                        ab_short[ivl_l[c]] += 1.0
            break
        account(t)
        if t == t_bnd:
            cur += 1
            level = staff_l[cur]
            dispatch(t)
        elif t == t_done:
            _, agent = heapq.heappop(completions)
            loads[agent] -= 1
            busy -= 1
            dispatch(t)
        else:
            queue.append(nxt)
            nxt += 1
            dispatch(t)
    out["answered"][:] = answered
    out["answered_within"][:] = within
    out["abandoned"][:] = abandoned
    out["abandoned_short"][:] = ab_short
    out["wait_answered_s"][:] = waited
    out["busy_s"][:] = busy_acc

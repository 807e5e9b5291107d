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
    spec = _QueueSpec(
        interval_s=float(interval_min) * 60.0,
        answer_within_s=float(answer_within_s),
        patience_s=patience_s,
        abandon_threshold_s=float(abandon_threshold_s),
        service=service,
        aht_cv=float(aht_cv),
        concurrency=int(concurrency),
        handle_time_growth=float(handle_time_growth),
    )
    rng = np.random.default_rng(seed)
    fields = {
        f.name: np.zeros((replications, vol.size)) for f in dataclasses.fields(SimulationResult)
    }
    for r in range(replications):
        arrivals = _draw_arrivals(rng, vol, aht, spec)
        loop = _EventLoop(arrivals, staff.tolist(), spec)
        loop.run()
        _record(fields, r, arrivals, loop, staff, spec)
    return SimulationResult(**fields)


@dataclass(frozen=True, slots=True)
class _QueueSpec:
    """The queue's settings, the same for every replication (seconds)."""

    interval_s: float
    answer_within_s: float
    patience_s: float | None
    abandon_threshold_s: float
    service: str
    aht_cv: float
    concurrency: int
    handle_time_growth: float


@dataclass(frozen=True, slots=True)
class _Arrivals:
    """One replication's contacts in arrival order, as plain lists.

    Arrival time, arrival interval, handle time when handled alone, patience (``inf`` when
    nobody abandons). Lists, because element access in the event loop is much faster than on
    arrays.
    """

    n_intervals: int
    time_s: list[float]
    interval: list[int]
    handle_s: list[float]
    patience_s: list[float]


def _draw_arrivals(
    rng: np.random.Generator, vol: FloatArray, aht: FloatArray, spec: _QueueSpec
) -> _Arrivals:
    """Draw one replication's contacts.

    Poisson counts per interval, uniform arrival times within it, handle times and patience,
    drawn in this order, so a seed gives the same contacts.
    """
    counts = rng.poisson(np.maximum(vol, 0.0))
    total = int(counts.sum())
    ivl = np.repeat(np.arange(vol.size), counts)
    arr_t = (ivl + rng.random(total)) * spec.interval_s
    order = np.argsort(arr_t, kind="stable")
    arr_t, ivl = arr_t[order], ivl[order]
    if spec.service == "exponential":
        base = rng.exponential(1.0, total)
    else:
        sigma2 = np.log1p(spec.aht_cv * spec.aht_cv)
        base = rng.lognormal(-sigma2 / 2.0, np.sqrt(sigma2), total)
    handle = base * aht[ivl]  # at concurrency 1; scaled by the concurrency factor at start
    if spec.patience_s is None:
        patience = np.full(total, np.inf)
    else:
        patience = rng.exponential(float(spec.patience_s), total)
    return _Arrivals(vol.size, arr_t.tolist(), ivl.tolist(), handle.tolist(), patience.tolist())


class _EventLoop:
    """First-come first-served service of one replication's contacts, event by event.

    An event is an arrival, a completion, or the next interval's staffing; the tallies are per
    arrival interval.

    When staffing drops, agents finish the contact in hand. After the last interval, queued
    contacts are served at the last level until they are answered or abandon.
    """

    def __init__(self, arrivals: _Arrivals, staff: list[int], spec: _QueueSpec) -> None:
        n = arrivals.n_intervals
        self.arr, self.staff, self.spec = arrivals, staff, spec
        self.answered, self.within, self.waited = [0.0] * n, [0.0] * n, [0.0] * n
        self.abandoned, self.abandoned_short, self.busy_s = [0.0] * n, [0.0] * n, [0.0] * n
        self.loads = [0] * (max(staff, default=0) + 1)  # contacts per agent
        self.busy = 0  # busy slots
        self.completions: list[tuple[float, int]] = []  # heap of (time, agent)
        self.queue: deque[int] = deque()
        self.last_t = 0.0
        self.cur = 0  # current staffing interval
        self.level = staff[0] if n else 0

    def run(self) -> None:
        """Process every event in time order until nothing is left to happen."""
        arr_t, total, n_int = self.arr.time_s, len(self.arr.time_s), self.arr.n_intervals
        interval_s, inf = self.spec.interval_s, math.inf
        completions = self.completions
        nxt = 0
        while True:
            t_arr = arr_t[nxt] if nxt < total else inf
            t_done = completions[0][0] if completions else inf
            t_bnd = (self.cur + 1) * interval_s if self.cur + 1 < n_int else inf
            t = min(t_arr, t_done, t_bnd)
            if t == inf:
                self._abandon_the_rest()
                return
            if self.busy:
                self._account(t)
            self.last_t = t
            if t == t_bnd:
                self.cur += 1
                self.level = self.staff[self.cur]
            elif t == t_done:
                _, agent = heapq.heappop(completions)
                self.loads[agent] -= 1
                self.busy -= 1
            else:
                self.queue.append(nxt)
                nxt += 1
            self._dispatch(t)

    def _account(self, t_to: float) -> None:
        """Integrate the busy slots over ``[last_t, t_to)`` into interval bins of the horizon."""
        t0, interval_s, busy = self.last_t, self.spec.interval_s, self.busy
        n_int = self.arr.n_intervals
        while t0 < t_to:
            b = int(t0 // interval_s)
            if b >= n_int:
                break
            t1 = min(t_to, (b + 1) * interval_s)
            self.busy_s[b] += busy * (t1 - t0)
            t0 = t1

    def _pick_agent(self) -> int:
        """A free agent (the least loaded for chat), or -1 when every slot is busy."""
        k = self.spec.concurrency
        if k == 1:  # one contact per agent: any free agent will do (O(1))
            return 0 if self.busy < self.level else -1
        best, best_load = -1, k
        loads = self.loads
        for a in range(self.level):
            la = loads[a]
            if la < best_load:
                best, best_load = a, la
                if la == 0:
                    break
        return best

    def _dispatch(self, t: float) -> None:
        """Serve the queue head while an agent is free; the impatient ones abandon."""
        arr, spec, queue = self.arr, self.spec, self.queue
        k, growth = spec.concurrency, spec.handle_time_growth
        while queue:
            agent = self._pick_agent()
            if agent < 0:
                return
            c = queue.popleft()
            wait = t - arr.time_s[c]
            i = arr.interval[c]
            if wait > arr.patience_s[c]:
                self.abandoned[i] += 1.0
                if arr.patience_s[c] <= spec.abandon_threshold_s:
                    self.abandoned_short[i] += 1.0
                continue
            self.answered[i] += 1.0
            self.waited[i] += wait
            if wait <= spec.answer_within_s:
                self.within[i] += 1.0
            self.loads[agent] += 1
            self.busy += 1
            h = arr.handle_s[c]
            if k > 1:
                h *= 1.0 + growth * (self.loads[agent] - 1)
            heapq.heappush(self.completions, (t + h, agent))

    def _abandon_the_rest(self) -> None:
        """Close the queue once the horizon is over and nobody is left to serve it.

        The patient ones abandon; the endlessly patient are never answered (misses).
        """
        for c in self.queue:
            patience = self.arr.patience_s[c]
            if patience < math.inf:
                i = self.arr.interval[c]
                self.abandoned[i] += 1.0
                if patience <= self.spec.abandon_threshold_s:
                    self.abandoned_short[i] += 1.0


def _record(
    fields: dict[str, FloatArray],
    r: int,
    arrivals: _Arrivals,
    loop: _EventLoop,
    staff: NDArray[np.int64],
    spec: _QueueSpec,
) -> None:
    """Replication ``r``'s per-interval statistics into row ``r`` of the result arrays."""
    n_int = arrivals.n_intervals
    offered = np.bincount(np.asarray(arrivals.interval, dtype=np.int64), minlength=n_int)
    fields["offered"][r] = offered
    fields["capacity_s"][r] = staff * spec.interval_s * spec.concurrency
    fields["answered"][r] = loop.answered
    fields["answered_within"][r] = loop.within
    fields["abandoned"][r] = loop.abandoned
    fields["abandoned_short"][r] = loop.abandoned_short
    fields["wait_answered_s"][r] = loop.waited
    fields["busy_s"][r] = loop.busy_s

"""Which intervals of the week a channel is open, inferred from its history.

Used when no opening hours are configured, by the history reader (which imputes missing
intervals only where the channel is open) and by the forecast (which forecasts zero where it is
closed). The input is a table of contacts per week (rows) and interval of the week (columns),
NaN where a week has no row for the interval.

An interval of the week is **open** when

1. it had contacts in at least half of the weeks (:data:`OPEN_SHARE`); or
2. it is *sparse but steady*: it had contacts in some week, and the intervals of the
   :data:`SIDE_MIN` minutes before it, or of those after it (each run including the interval
   itself, leaving out the intervals open by rule 1), had contacts in at least half of the weeks,
   at a mean rate that makes the interval's own count of weeks with contacts plausible (not
   significantly fewer than a Poisson process at that rate gives, at level :data:`ALPHA`); or
3. it lies in a run of at most :data:`FILL_MIN` minutes of intervals not open by the rules
   above, between open ones, and the contacts seen in that run are what a Poisson process at
   the rate of the open intervals on its quieter side would plausibly give (at level
   :data:`FILL_ALPHA`).

Rule 2 reads the night of a small 24/7 queue as open: with 0.3 contacts per half-hour, a
half-hour has contacts in only a quarter of the weeks, but every three-hour run of them has
contacts almost every week, at a rate the interval matches. Rule 3 fills the odd half-hour of
such a night that had no contact at all. A closed interval after busy ones stays closed, stray
contacts or not: the busy hours are left out of the run reaching back to them, and the run on
its other side has (almost) no contacts; a lunch closure between busy hours is not filled, as the
busy rate on both sides makes its silence implausible. Judging each side on its own keeps the
first and last intervals of a sparse open period open.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binom

#: An interval of the week is open when it had contacts in at least this share of the weeks.
OPEN_SHARE = 0.5
#: Length of the runs of intervals before and after an interval that rule 2 judges, minutes.
SIDE_MIN = 180
#: Rules 2 and 3 keep an interval open unless what it had is this unlikely.
ALPHA = 0.001
#: Longest run of intervals rule 3 fills, minutes.
FILL_MIN = 120
#: Rule 3 fills a run unless its few contacts are this unlikely (it tests many runs of a
#: sparse week, each on a rate estimated from a few intervals, so it asks for more evidence).
FILL_ALPHA = 0.0001


def infer_open_slots(counts: np.ndarray, interval_min: int) -> np.ndarray:
    """Open intervals of the week (see the module docstring).

    Parameters
    ----------
    counts
        Contacts, shape ``(weeks, intervals of the week)``; NaN where a week has no row for the
        interval.
    interval_min
        Interval length in minutes.

    Returns
    -------
    numpy.ndarray
        Boolean, one per interval of the week.
    """
    counts = np.asarray(counts, dtype=np.float64)
    n_weeks, n_slots = counts.shape
    observed = ~np.isnan(counts)
    values = np.where(observed, counts, 0.0)
    busy = observed & (values > 0)
    seen = observed.sum(axis=0)
    busy_weeks = busy.sum(axis=0)
    # a missing row is unknown rather than zero, unless the slot is missing in most weeks (an
    # export that leaves out intervals without contacts)
    base = np.maximum(seen, n_weeks / 2)
    share = np.divide(busy_weeks, base, out=np.zeros(n_slots), where=base > 0)
    is_open = share >= OPEN_SHARE
    run = max(1, SIDE_MIN // interval_min)
    # runs leave out the busy intervals (open by rule 1): they say nothing about a quiet one
    quiet = ~is_open
    quiet_busy = busy & quiet
    quiet_total = np.where(quiet, values.sum(axis=0), 0.0)
    quiet_seen = np.where(quiet, seen, 0)
    steady = np.zeros(n_slots, dtype=bool)
    for sign in (1, -1):  # the run after each interval, then the run before it
        any_busy = np.zeros_like(busy)
        total = np.zeros(n_slots)
        cells = np.zeros(n_slots)
        for k in range(run + 1):
            shift = -sign * k  # np.roll by -k brings interval s + k to s (wrapping the week)
            any_busy |= np.roll(quiet_busy, shift, axis=1)
            total += np.roll(quiet_total, shift)
            cells += np.roll(quiet_seen, shift)
        run_share = any_busy.sum(axis=0) / max(n_weeks, 1)
        rate = np.divide(total, cells, out=np.zeros(n_slots), where=cells > 0)
        plausible = binom.cdf(busy_weeks, seen, 1.0 - np.exp(-rate)) >= ALPHA
        steady |= quiet & (run_share >= OPEN_SHARE) & plausible & (busy_weeks > 0)
    is_open |= steady
    return _fill_quiet_runs(
        is_open, values.sum(axis=0), seen, max(1, FILL_MIN // interval_min), run
    )


def _fill_quiet_runs(
    is_open: np.ndarray, total: np.ndarray, seen: np.ndarray, longest: int, side_len: int
) -> np.ndarray:
    """Rule 3.

    open the runs of at most *longest* closed intervals whose few contacts fit the rate of the open
    intervals among the *side_len* on their quieter side (the week wraps).
    """
    n = is_open.size
    if is_open.all() or not is_open.any():
        return is_open
    out = is_open.copy()
    start = int(np.flatnonzero(is_open)[0])  # walk the week from an open interval
    k = 0
    while k < n:
        s = (start + k) % n
        if is_open[s]:
            k += 1
            continue
        length = 0
        while not is_open[(s + length) % n]:
            length += 1
        gap = [(s + j) % n for j in range(length)]
        if length <= longest:
            # the quieter side decides: a quiet run between a sparse night and a busy day is
            # judged against the night; a closure between two busy periods stays closed
            rates = []
            for side in (
                [(s - 1 - j) % n for j in range(side_len)],
                [(s + length + j) % n for j in range(side_len)],
            ):
                side = [f for f in side if is_open[f]]
                cells = float(seen[side].sum())
                if cells:
                    rates.append(float(total[side].sum()) / cells)
            expected = min(rates, default=0.0) * float(seen[gap].sum())
            if expected == 0 or poisson_cdf(float(total[gap].sum()), expected) >= FILL_ALPHA:
                out[gap] = True
        k += length
    return out


def poisson_cdf(k: float, mean: float) -> float:
    """P(X <= k) for a Poisson variable of mean *mean*."""
    from scipy.stats import poisson

    return float(poisson.cdf(k, mean))

"""Chat with concurrency: each agent holds up to ``k`` chats at once.

Model (chosen for being conservative and exact where it matters):

* A chat handled while its agent holds ``k`` chats takes
  ``aht_s x (1 + handle_time_growth x (k - 1))`` on average (``aht_s`` is the handle time of a
  chat handled alone; ``handle_time_growth`` is the share added per extra concurrent chat).
* ``N`` agents are treated as ``N x k`` independent slots, each serving one chat at the
  *full-concurrency* handle time: an Erlang C queue (or Erlang A with ``patience_s``) with
  ``N k`` servers and load ``volume x aht_k / interval``.

A chat waits only when every slot is busy, i.e. when every agent holds ``k`` chats, and in those
states the model's completion rate ``N k / aht_k`` is the true one, so the wait distribution
given a wait is exact; the model only overstates how busy the slots are below full concurrency
(chats there are faster), so its service level is a lower bound. With
``handle_time_growth = 0`` it is exact. Tests check both facts against a simulation of agents
with ``k`` slots whose chats slow down with the agent's current concurrency.
``occupancy`` is the share of chat *slots* in use.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from scheduling.staffing.erlang import FloatArray, QueueMetrics, erlang_c
from scheduling.staffing.erlang_a import erlang_a


def chat_aht_s(aht_s: ArrayLike, concurrency: int, handle_time_growth: float) -> FloatArray:
    """Handle time of a chat at full concurrency, seconds: ``aht_s (1 + growth (k - 1))``."""
    return np.asarray(aht_s, dtype=np.float64) * (1.0 + handle_time_growth * (concurrency - 1))


def chat_metrics(
    volume: ArrayLike,
    aht_s: ArrayLike,
    agents: ArrayLike,
    *,
    interval_s: float,
    answer_within_s: ArrayLike,
    concurrency: int,
    handle_time_growth: float = 0.0,
    patience_s: ArrayLike | None = None,
    compute_asa: bool = True,
) -> QueueMetrics:
    """Service level, ASA, slot occupancy (and abandonment) of a chat queue.

    Parameters
    ----------
    volume
        Chats offered in the interval.
    aht_s
        Handle time of a chat handled alone, seconds.
    agents
        Whole number of agents.
    interval_s
        Interval length, seconds.
    answer_within_s
        Answer-time target, seconds.
    concurrency
        Chats an agent holds at once, k >= 1.
    handle_time_growth
        Relative handle-time increase per extra concurrent chat (e.g. 0.15).
    patience_s
        Mean patience of a waiting chat, seconds; ``None`` for no abandonment (Erlang C).
    compute_asa
        Passed to :func:`scheduling.staffing.erlang_a.erlang_a`.

    Returns
    -------
    QueueMetrics
        As for voice, computed on ``agents x concurrency`` slots (see the module docstring).
    """
    k = int(concurrency)
    slots = np.floor(np.asarray(agents, dtype=np.float64)) * k
    aht_k = chat_aht_s(aht_s, k, handle_time_growth)
    if patience_s is None:
        return erlang_c(
            volume, aht_k, slots, interval_s=interval_s, answer_within_s=answer_within_s
        )
    return erlang_a(
        volume,
        aht_k,
        slots,
        interval_s=interval_s,
        answer_within_s=answer_within_s,
        patience_s=patience_s,
        compute_asa=compute_asa,
    )

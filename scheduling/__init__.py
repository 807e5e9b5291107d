"""Staffing math (Erlang C/A, chat, deferred work), simulation and roster optimisation.

Public API is re-exported here; implementation helpers live in ``_``-prefixed modules.
"""

from scheduling.errors import (
    InfeasibleError,
    InputError,
    RulesError,
    SchedulingError,
    TargetsError,
)

__all__ = [
    "InfeasibleError",
    "InputError",
    "RulesError",
    "SchedulingError",
    "TargetsError",
]

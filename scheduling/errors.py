"""Errors raised by :mod:`scheduling`.

::

    wfmcore.errors.WfmError
     └── SchedulingError
          ├── InputError        bad input file (agents, requirements, roster): file, row, column
          │                     (also a wfmcore.errors.InputError)
          ├── TargetsError      bad targets.toml: names the channel and key
          ├── RulesError        bad rules.toml: names the key
          ├── InfeasibleError   the hard rules cannot all hold: says which agent and which rules
          └── SolveAborted      the solve was aborted on request (a cancelled job): no roster

Every message is meant to be shown to a planner as it is.
"""

from __future__ import annotations

from wfmcore import errors as _core


class SchedulingError(_core.WfmError):
    """Base class of every error the scheduling library raises on purpose."""


class InputError(_core.InputError, SchedulingError):
    """A problem in an input file, located by file, row (1-based, header = 1) and column.

    See :class:`wfmcore.errors.InputError`.
    """


class TargetsError(SchedulingError, ValueError):
    """An invalid service target; the message names the channel and the key."""


class RulesError(SchedulingError, ValueError):
    """An invalid labour rule; the message names the key."""


class SolveAborted(SchedulingError):
    """The solve was aborted on request before it had a roster (e.g. a cancelled job)."""


class InfeasibleError(SchedulingError):
    """The hard rules cannot all hold.

    Parameters
    ----------
    message
        A planner-readable explanation naming the agents and rules in conflict.
    conflicts
        One line per conflicting (agent, rule) found, e.g. from CP-SAT assumptions.
    """

    def __init__(self, message: str, conflicts: list[str] | None = None) -> None:
        self.conflicts = list(conflicts or [])
        super().__init__(message)

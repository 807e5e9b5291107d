"""Errors raised by :mod:`scheduling`.

::

    SchedulingError
     ├── InputError        bad input file (agents, requirements, roster): file, row, column
     ├── TargetsError      bad targets.toml: names the channel and key
     ├── RulesError        bad rules.toml: names the key
     └── InfeasibleError   the hard rules cannot all hold: says which agent and which rules

Every message is meant to be shown to a planner as it is.
"""

from __future__ import annotations


class SchedulingError(Exception):
    """Base class of every error the scheduling library raises on purpose."""


class InputError(SchedulingError, ValueError):
    """A problem in an input file, located by file, row (1-based, header = 1) and column."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.detail = message
        where = [str(file)] if file is not None else []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class TargetsError(SchedulingError, ValueError):
    """An invalid service target; the message names the channel and the key."""


class RulesError(SchedulingError, ValueError):
    """An invalid labour rule; the message names the key."""


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

"""The planner's screens, one module per screen group, on one blueprint.

:mod:`~web.app.planner.history` (upload, summary, chart), :mod:`~web.app.planner.forecast`
(jobs, chart, accuracy, overrides), :mod:`~web.app.planner.requirements`,
:mod:`~web.app.planner.roster` (job, grid, coverage, hand edits, re-optimise, publish, export),
:mod:`~web.app.planner.agents`, :mod:`~web.app.planner.rules`,
:mod:`~web.app.planner.settings`, :mod:`~web.app.planner.entities` (entities and the queue
map), :mod:`~web.app.planner.audit`, and the dashboard, job pages
and the agent's own shifts in :mod:`~web.app.planner.home`.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("planner", __name__)

# the view modules register their routes on ``bp``
from web.app.planner import (  # noqa: E402, F401
    agents,
    audit,
    entities,
    forecast,
    history,
    home,
    manager,
    requirements,
    roster,
    rules,
    selfservice,
    settings,
)

__all__ = ["bp"]

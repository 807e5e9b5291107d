"""The one way the roster code creates a CP-SAT solver.

CP-SAT catches Ctrl-C (SIGINT) by default while it solves, and afterwards leaves the signal to
its default action, which kills the process at once. The roster solves many small models (the
greedy start, the explainer, every neighbourhood of the search), so a Ctrl-C would sometimes
stop one small model as if its time limit had come and sometimes kill the whole run. Our
solvers leave SIGINT alone: whoever runs the roster decides what Ctrl-C does (the ``wfm``
command line stops the search through :func:`~scheduling.roster.solve.solve`'s ``stop`` event).
"""

from __future__ import annotations

from ortools.sat.python import cp_model


def new_solver() -> cp_model.CpSolver:
    """A ``CpSolver`` that does not touch the SIGINT handler."""
    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False
    return solver

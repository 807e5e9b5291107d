"""Ctrl-C during ``wfm roster`` and ``wfm demo``.

- While the roster search runs, the **first** Ctrl-C stops it: the best roster found so far is
  kept, with its bound and gap, and the files are written as after a time limit (exit status 0,
  or what the run would give anyway). One line says so.
- A **second** Ctrl-C, or the first one before the search starts (reading, forecasting,
  staffing), aborts at once: nothing is written, exit status 130, no traceback.

Python runs a signal handler only in the main thread, between two Python steps, never while
the main thread waits inside CP-SAT; so the search runs in a worker thread (:meth:`Interrupts.run`)
while the main thread waits in short steps, ready to handle the signal at once. Files are
written by the main thread after the worker has returned.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any, TypeVar, cast

T = TypeVar("T")

#: Exit status after an abort by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130

STOPPING = "stopping: keeping the best roster so far ... (press Ctrl-C again to abort)"


class Interrupts:
    """The Ctrl-C policy above, installed for the duration of a ``with`` block.

    ``stop`` is the event the roster search watches (:func:`scheduling.roster.solve.solve`);
    ``searching`` says whether a first Ctrl-C should stop the search (``True``) or abort.
    """

    def __init__(self, echo: Callable[[str], None]) -> None:
        self.stop = threading.Event()
        self.searching = False
        self._echo = echo
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.searching and not self.stop.is_set():
            self.stop.set()
            self._echo(STOPPING)
            return
        self.stop.set()  # let the search's threads wind down
        raise KeyboardInterrupt

    def run(
        self, func: Callable[..., T], *args: Any, searching: bool | None = None, **kwargs: Any
    ) -> T:
        """``func(*args, **kwargs)`` in a worker thread, the main thread waiting for it.

        ``searching`` sets :attr:`searching` for the duration (``None`` leaves it to ``func``,
        e.g. a pipeline that says when its search starts). A Ctrl-C that aborts raises
        :class:`KeyboardInterrupt` here, in the main thread; the worker is a daemon thread and
        ends with the process.
        """
        result: dict[str, Any] = {}

        def target() -> None:
            try:
                result["value"] = func(*args, **kwargs)
            except BaseException as exc:  # re-raised in the main thread below
                result["error"] = exc

        worker = threading.Thread(target=target, name="wfm-work", daemon=True)
        before = self.searching
        if searching is not None:
            self.searching = searching
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.1)
        finally:
            self.searching = before
        if "error" in result:
            raise result["error"]
        return cast(T, result["value"])

"""Background jobs: the ``jobs`` table and the runner that works through it.

A view only *enqueues* a job (:func:`enqueue`) and returns; the page then polls
``/api/jobs/<id>``. The runner (:func:`run_pending`) claims the oldest queued job with an atomic
``UPDATE ... WHERE status = 'queued'`` (so several runners never take the same job), calls its
handler from :data:`HANDLERS`, and records progress on its own short transactions while the
handler's work stays in the session's one transaction: it is committed when the handler
returns, and rolled back when the handler raises or the job is cancelled, so a failed or
cancelled job leaves no half-written version.

Where it runs:

- beside the web server, in a process of its own (``JOB_WORKER = "process"``, the default):
  ``wfm serve`` and ``wfm demo`` start the same loop as ``wfm worker`` as a child process at a
  lower CPU priority and stop it with the server (:mod:`web.app.worker`), so a solve never
  competes with the pages for the web process's interpreter;
- in the app, one daemon thread (:func:`start_worker_thread`; ``JOB_WORKER = "thread"``);
- in ``wfm worker``, the same loop (:func:`worker_loop`) as a separate process against the same
  database (set ``JOB_WORKER = "off"`` in the app then);
- in tests, :func:`run_pending` called directly (``JOB_WORKER = "off"``).

While a job runs, a heartbeat thread writes ``jobs.heartbeat_at`` every
:data:`HEARTBEAT_S` seconds (``jobs.worker`` names the runner, ``host:pid``) and looks for a
cancellation; a running job whose heartbeat is older than ``JOB_STALE_S`` (its runner died) is
marked failed by :func:`reap_stale` instead of staying "running" forever.

Cancelling sets ``cancel_requested``; the heartbeat sees it within a second and sets the job's
``stop`` event, which the roster solve watches (CP-SAT's search is stopped from a watcher
thread, the neighbourhood search between steps); the runner then rolls the job back.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import func, select, update

from scheduling.errors import InfeasibleError
from web.app.extensions import db
from web.app.models import Job, utcnow
from web.app.services import JobContextLike
from wfmcore.errors import WfmError

log = logging.getLogger(__name__)

Handler = Callable[[JobContextLike, dict[str, Any]], str]


def _handlers() -> dict[str, Handler]:
    from web.app import services

    return {
        "forecast": services.run_forecast_job,
        "requirements": services.run_requirements_job,
        "roster": services.run_roster_job,
        "history": services.run_history_job,
    }


#: Job kinds and their handlers (each returns the result reference, e.g. ``roster:3``).
HANDLERS: dict[str, Handler] = {}

#: Seconds between two heartbeats of a running job (and looks for a cancellation).
HEARTBEAT_S = 1.0

#: Set when this process's runner is shutting down (the server stops): running jobs stop and
#: are rolled back, marked failed with :data:`SHUTDOWN_MESSAGE`.
SHUTDOWN = threading.Event()

SHUTDOWN_MESSAGE = (
    "the job runner was stopped (the server shut down) while it ran; nothing was saved"
)


def worker_name() -> str:
    """The name of the runner in this process, as stored in ``jobs.worker``: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


class JobCancelled(Exception):
    """Raised inside a job when its cancellation was requested."""


class JobContext:
    """What a running job's handler reports to and asks of the runner.

    Progress goes to the ``jobs`` row at most every ``min_interval_s`` (the solver reports
    hundreds of solutions), on a connection of its own, so the handler's transaction is not
    touched; it may be called from any thread (the solver's callbacks). A new bound is always
    written; clock ticks (a fraction alone) never crowd out a report with a message, objective
    or bound; the fraction never goes backwards. ``stop`` is set when a cancellation is seen.
    """

    def __init__(
        self,
        job_id: int,
        min_interval_s: float = 0.5,
        echo: Callable[[int, float, str, float | None, float | None], None] | None = None,
    ) -> None:
        self.job_id = job_id
        self.echo = echo
        self.min_interval_s = min_interval_s
        self.stop = threading.Event()
        # the solver reports from its own threads, outside the app context: keep the engine
        self.engine = db.engine
        self._last = 0.0  # last report of any kind (monotonic s)
        self._last_info = 0.0  # last report with a message, an objective or a bound
        self._bound: float | None = None
        self._fraction = 0.0
        self._lock = threading.Lock()

    def progress(
        self,
        fraction: float,
        message: str = "",
        *,
        objective: float | None = None,
        bound: float | None = None,
    ) -> None:
        """Record progress (0..1) and a message; for a roster the objective and bound."""
        # the solver reports an unknown bound as NaN: store and show it as unknown
        objective = objective if objective is not None and math.isfinite(objective) else None
        bound = bound if bound is not None and math.isfinite(bound) else None
        now = time.monotonic()
        informative = bool(message) or objective is not None or bound is not None
        with self._lock:  # held while writing, so that reports land in order
            new_bound = bound is not None and bound != self._bound
            last = self._last_info if informative else self._last
            if fraction < 1.0 and not new_bound and now - last < self.min_interval_s:
                return  # a clock tick never hides a solver report: they are throttled apart
            self._last = now
            if informative:
                self._last_info = now
            if bound is not None:
                self._bound = bound
            fraction = max(self._fraction, min(1.0, float(fraction)))  # never backwards
            self._fraction = fraction
            if self.echo is not None and (informative or fraction >= 1.0):
                self.echo(self.job_id, fraction, message, objective, bound)  # not the ticks
            values: dict[str, Any] = {"progress": max(0.0, fraction)}
            if message:
                values["message"] = message
            if objective is not None:
                values["objective"] = objective
            if bound is not None:
                values["bound"] = bound
            with self.engine.begin() as conn:
                conn.execute(update(Job).where(Job.id == self.job_id).values(**values))
                wanted = conn.execute(
                    select(Job.cancel_requested).where(Job.id == self.job_id)
                ).scalar()
        if wanted or SHUTDOWN.is_set():
            self.stop.set()

    def beat(self) -> None:
        """Write the heartbeat and look for a cancellation (sets ``stop`` when asked)."""
        with self.engine.begin() as conn:
            conn.execute(update(Job).where(Job.id == self.job_id).values(heartbeat_at=utcnow()))
            wanted = conn.execute(
                select(Job.cancel_requested).where(Job.id == self.job_id)
            ).scalar()
        if wanted or SHUTDOWN.is_set():
            self.stop.set()

    def cancel_requested(self) -> bool:
        """Whether someone asked to cancel the job (or the runner is shutting down)."""
        if self.stop.is_set() or SHUTDOWN.is_set():
            self.stop.set()
            return True
        with self.engine.connect() as conn:
            wanted = conn.execute(
                select(Job.cancel_requested).where(Job.id == self.job_id)
            ).scalar()
        if wanted:
            self.stop.set()
        return bool(wanted)

    def check_cancel(self) -> None:
        """Raise :class:`JobCancelled` when a cancellation was requested."""
        if self.cancel_requested():
            raise JobCancelled()

    def as_context(self) -> JobContextLike:
        """The handler's view of this context."""
        return JobContextLike(
            progress=self.progress, check_cancel=self.check_cancel, stop=self.stop
        )


def enqueue(kind: str, params: dict[str, Any], created_by: str) -> Job:
    """Add a queued job to the session (the caller commits)."""
    if kind not in (HANDLERS or _handlers()):
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(
        kind=kind,
        status="queued",
        params_json=json.dumps({**params, "username": created_by}),
        created_by=created_by,
    )
    db.session.add(job)
    db.session.flush()
    return job


def request_cancel(job: Job) -> None:
    """Ask for a job to stop; a queued job is cancelled at once."""
    if job.status == "queued":
        job.status = "cancelled"
        job.finished_at = utcnow()
        job.message = "cancelled before it started"
    elif job.status == "running":
        job.cancel_requested = True


def _claim_next() -> int | None:
    """Mark the oldest queued job running and return its id (``None`` when there is none)."""
    for _ in range(5):
        job_id = db.session.scalar(
            select(Job.id).where(Job.status == "queued").order_by(Job.id).limit(1)
        )
        db.session.rollback()
        if job_id is None:
            return None
        with db.engine.begin() as conn:
            claimed = conn.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "queued")
                .values(
                    status="running",
                    started_at=utcnow(),
                    heartbeat_at=utcnow(),
                    worker=worker_name(),
                    progress=0.0,
                )
            ).rowcount
        if claimed == 1:
            return int(job_id)
    return None


def _finish(job_id: int, **values: Any) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job_id).values(finished_at=utcnow(), **values))


#: A terminal's view of progress: job id, fraction, message, objective, bound.
Echo = Callable[[int, float, str, float | None, float | None], None]


def run_job(job_id: int, echo: Echo | None = None) -> str:
    """Run one claimed job to its end; returns its final status (``echo`` sees progress).

    A heartbeat thread runs beside the handler (:meth:`JobContext.beat`). A roster job's final
    objective and bound are those of the roster it saved (its summary), so the job page and the
    roster page show the same figures.
    """
    handlers = HANDLERS or _handlers()
    job = db.session.get(Job, job_id)
    assert job is not None
    kind, params = job.kind, job.params
    ctx = JobContext(job_id, echo=echo)
    with _heartbeat(ctx):
        status = _run_handler(ctx, handlers, kind, params)
    return status


def _run_handler(
    ctx: JobContext, handlers: dict[str, Handler], kind: str, params: dict[str, Any]
) -> str:
    job_id = ctx.job_id
    try:
        handler = handlers[kind]
        ctx.check_cancel()
        result = handler(ctx.as_context(), params)
        ctx.check_cancel()
        db.session.commit()
    except JobCancelled:
        db.session.rollback()
        if SHUTDOWN.is_set():
            _finish(job_id, status="failed", message=SHUTDOWN_MESSAGE)
            return "failed"
        _finish(job_id, status="cancelled", message="cancelled; nothing was saved")
        return "cancelled"
    except InfeasibleError as exc:  # the rules that block it, as the CLI prints them
        db.session.rollback()
        lines = [f"infeasible roster: {exc}", *(f"- {line}" for line in exc.conflicts)]
        _finish(job_id, status="failed", message="\n".join(lines))
        return "failed"
    except WfmError as exc:
        db.session.rollback()
        _finish(job_id, status="failed", message=str(exc))
        return "failed"
    except Exception as exc:  # any bug: logged, the user sees a short message
        db.session.rollback()
        log.error("job %s (%s) failed:\n%s", job_id, kind, traceback.format_exc())
        _finish(job_id, status="failed", message=f"internal error ({type(exc).__name__})")
        return "failed"
    _finish(
        job_id,
        status="succeeded",
        progress=1.0,
        result=result,
        message="done",
        **_result_figures(result),
    )
    return "succeeded"


def _result_figures(result: str) -> dict[str, float | None]:
    """A roster result's objective and bound as its summary states them (else nothing)."""
    from web.app.models import RosterVersion

    kind, _, ident = str(result).partition(":")
    if kind != "roster" or not ident.isdigit():
        return {}
    roster = db.session.get(RosterVersion, int(ident))
    if roster is None:
        return {}
    summary = roster.summary

    def number(value: Any) -> float | None:
        ok = isinstance(value, int | float) and math.isfinite(value)
        return float(value) if ok else None

    return {
        "objective": number(summary.get("objective")),
        "bound": number(summary.get("best_bound")),
    }


class _heartbeat:  # noqa: N801 - used as a context manager, like contextlib's helpers
    """While the block runs, beat every :data:`HEARTBEAT_S` seconds in a thread."""

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, name="wfm-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self.done.wait(HEARTBEAT_S):
            try:
                self.ctx.beat()
            except Exception:  # a busy database: the next beat tries again
                log.warning("heartbeat of job %s:\n%s", self.ctx.job_id, traceback.format_exc())

    def __enter__(self) -> None:
        self.thread.start()

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()


def reap_stale(stale_s: float) -> list[int]:
    """Mark failed every running job whose runner gave no sign of life for ``stale_s`` seconds.

    Reads first and writes only when there is such a job, so a page calling it never waits for
    a runner's write lock. Returns the ids marked failed.
    """
    cutoff = utcnow() - dt.timedelta(seconds=stale_s)
    last = func.coalesce(Job.heartbeat_at, Job.started_at)
    stale = list(
        db.session.execute(
            select(Job.id, Job.worker, last).where(Job.status == "running", last < cutoff)
        ).all()
    )
    db.session.rollback()
    marked: list[int] = []
    for job_id, worker, seen in stale:
        who = f" ({worker})" if worker else ""
        message = (
            f"the job runner{who} stopped while it ran (no sign of life since {seen:%H:%M:%S} "
            "UTC); nothing was saved: run it again"
        )
        with db.engine.begin() as conn:
            changed = conn.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "running", last < cutoff)
                .values(status="failed", message=message, finished_at=utcnow())
            ).rowcount
        if changed:
            log.warning("job %s: %s", job_id, message)
            marked.append(int(job_id))
    return marked


def run_pending(limit: int | None = None, echo: Echo | None = None) -> int:
    """Run queued jobs one after another in this thread (inside an app context).

    Parameters
    ----------
    limit
        At most this many jobs (default: until the queue is empty).
    echo
        Called with each progress report (``wfm demo`` prints them).

    Returns
    -------
    int
        Jobs run.
    """
    count = 0
    while limit is None or count < limit:
        job_id = _claim_next()
        if job_id is None:
            break
        run_job(job_id, echo)
        db.session.remove()
        count += 1
    return count


def worker_loop(
    app: Flask,
    stop: threading.Event | None = None,
    poll_s: float | None = None,
) -> None:
    """Run jobs as they are queued until ``stop`` is set (``wfm worker``, the app's thread).

    Between jobs it marks failed the running jobs whose runner died (:func:`reap_stale`); it
    ends, too, once :data:`SHUTDOWN` is set (the worker process's signal handlers set it).
    """
    stop = stop or threading.Event()
    wait = float(poll_s if poll_s is not None else app.config["JOB_POLL_S"])
    stale_s = float(app.config.get("JOB_STALE_S", 30.0))
    while not stop.is_set() and not SHUTDOWN.is_set():
        try:
            with app.app_context():
                reap_stale(stale_s)
                ran = run_pending(limit=1)
        except Exception:  # the database may be briefly unavailable: try again later
            log.error("job runner:\n%s", traceback.format_exc())
            ran = 0
        if not ran:
            stop.wait(wait)


def start_worker_thread(app: Flask) -> threading.Thread:
    """Start the in-process runner.

    One daemon thread (it dies with the process; setting ``app.extensions["wfm_job_stop"]`` ends it
    sooner).
    """
    stop = threading.Event()
    thread = threading.Thread(target=worker_loop, args=(app, stop), name="wfm-jobs", daemon=True)
    app.extensions["wfm_job_thread"] = thread
    app.extensions["wfm_job_stop"] = stop
    thread.start()
    return thread

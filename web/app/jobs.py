"""Background jobs: the ``jobs`` table and the runner that works through it.

A view only *enqueues* a job (:func:`enqueue`) and returns; the page then polls
``/api/jobs/<id>``. The runner (:func:`run_pending`) claims the oldest queued job with an atomic
``UPDATE ... WHERE status = 'queued'`` (so several runners never take the same job), calls its
handler from :data:`HANDLERS`, and records progress on its own short transactions while the
handler's work stays in the session's one transaction: it is committed when the handler
returns, and rolled back when the handler raises or the job is cancelled, so a failed or
cancelled job leaves no half-written version.

Where it runs:

- in the app, one daemon thread (:func:`start_worker_thread`; ``JOB_WORKER = "thread"``, the
  default);
- in ``wfm worker``, the same loop (:func:`worker_loop`) as a separate process against the same
  database (set ``JOB_WORKER = "off"`` in the app then);
- in tests, :func:`run_pending` called directly (``JOB_WORKER = "off"``).

Cancelling sets ``cancel_requested``; the runner sees it at the next progress report or step
boundary and stops the job there (a roster solve is also told to stop through the ``stop``
event where the solver accepts one; see :func:`web.pipeline.roster_step`).
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select, update

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
    }


#: Job kinds and their handlers (each returns the result reference, e.g. ``roster:3``).
HANDLERS: dict[str, Handler] = {}


class JobCancelled(Exception):
    """Raised inside a job when its cancellation was requested."""


class JobContext:
    """What a running job's handler reports to and asks of the runner.

    Progress goes to the ``jobs`` row at most every ``min_interval_s`` (the solver reports
    hundreds of solutions), on a connection of its own, so the handler's transaction is not
    touched; it may be called from any thread (the solver's callbacks). ``stop`` is set when
    a cancellation is seen.
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
        self._last = 0.0
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
        with self._lock:
            if now - self._last < self.min_interval_s and fraction < 1.0:
                return
            self._last = now
        if self.echo is not None:
            self.echo(self.job_id, fraction, message, objective, bound)
        values: dict[str, Any] = {"progress": max(0.0, min(1.0, float(fraction)))}
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
        if wanted:
            self.stop.set()

    def cancel_requested(self) -> bool:
        """Whether someone asked to cancel the job."""
        if self.stop.is_set():
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
                .values(status="running", started_at=utcnow(), progress=0.0)
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
    """Run one claimed job to its end; returns its final status (``echo`` sees progress)."""
    handlers = HANDLERS or _handlers()
    job = db.session.get(Job, job_id)
    assert job is not None
    kind, params = job.kind, job.params
    ctx = JobContext(job_id, echo=echo)
    try:
        handler = handlers[kind]
        ctx.check_cancel()
        result = handler(ctx.as_context(), params)
        ctx.check_cancel()
        db.session.commit()
    except JobCancelled:
        db.session.rollback()
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
    _finish(job_id, status="succeeded", progress=1.0, result=result, message="done")
    return "succeeded"


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
    app: Flask, stop: threading.Event | None = None, poll_s: float | None = None
) -> None:
    """Run jobs as they are queued until ``stop`` is set (``wfm worker``, the app's thread)."""
    stop = stop or threading.Event()
    wait = float(poll_s if poll_s is not None else app.config["JOB_POLL_S"])
    while not stop.is_set():
        try:
            with app.app_context():
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

"""The job worker process beside the server (``JOB_WORKER = "process"``, issue #17).

A real child process (``python -m web.app.worker``) on the test's database: it runs a roster
job, names itself in ``jobs.worker``, stops with the server (no orphan), and a job it was
running when it died or was stopped is marked failed, never left "running" and never half
saved.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals and process groups")


def _wait(cond: Callable[[], bool], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _job(app: Flask, kind: str = "roster") -> Any:
    from web.app.extensions import db
    from web.app.models import Job

    with app.app_context():
        job = db.session.scalars(
            select(Job).where(Job.kind == kind).order_by(Job.id.desc())
        ).first()
        assert job is not None
        db.session.expunge(job)
        db.session.remove()
        return job


def _rosters(app: Flask) -> int:
    from web.app.extensions import db
    from web.app.models import RosterVersion

    with app.app_context():
        n = int(db.session.scalar(select(func.count()).select_from(RosterVersion)) or 0)
        db.session.remove()
        return n


def _staffed(app: Flask, h: Any) -> Any:
    """History, forecast and requirements through the pages (jobs run here); the client."""
    c = app.test_client()
    assert h.sign_in(c, "planner").status_code == 302
    h.upload_and_staff(app, c)
    return c


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_runs_jobs_in_a_worker_process_and_stops_it(
    app: Flask, h: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``wfm serve``'s serve_app: the worker runs the roster job; stopping the server stops it."""
    import waitress

    from web.cli._serve import serve_app

    c = _staffed(app, h)
    h.post(c, "/roster/run", {"time_limit_s": "2"})
    app.config["JOB_WORKER"] = "process"
    app.config["JOB_POLL_S"] = 0.2
    seen: dict[str, Any] = {}

    def fake_serve(wsgi: Any, **kw: Any) -> None:  # the server runs until the job is done
        proc = wsgi.extensions["wfm_job_process"]
        seen["pid"] = proc.pid
        _wait(lambda: _job(app).status in ("succeeded", "failed"), 120, "the roster job")
        seen["alive_while_serving"] = proc.poll() is None
        # Ctrl+C / SIGTERM: waitress returns

    monkeypatch.setattr(waitress, "serve", fake_serve)
    serve_app(app, "127.0.0.1", 5997)
    job = _job(app)
    assert job.status == "succeeded", job.message
    assert job.worker.endswith(f":{seen['pid']}")  # run by the child, not this process
    assert job.heartbeat_at is not None and _rosters(app) == 1
    assert seen["alive_while_serving"]
    proc = app.extensions["wfm_job_process"]
    assert proc.returncode == 0 and not _alive(proc.pid)  # stopped cleanly, no orphan


def test_stopping_the_worker_mid_job_fails_the_job_and_saves_nothing(app: Flask, h: Any) -> None:
    from web.app.worker import start_worker_process, stop_worker_process

    c = _staffed(app, h)
    h.post(c, "/roster/run", {"time_limit_s": "120"})
    app.config["JOB_POLL_S"] = 0.2
    proc = start_worker_process(app)
    try:
        _wait(lambda: _job(app).status == "running", 60, "the worker to claim the job")
        time.sleep(1.0)
    finally:
        t0 = time.perf_counter()
        code = stop_worker_process(proc)
        took = time.perf_counter() - t0
    assert code == 0 and took < 10.0, (code, took)
    job = _job(app)
    assert job.status == "failed" and "server shut down" in job.message
    assert _rosters(app) == 0


def test_a_job_whose_worker_was_killed_is_marked_failed(app: Flask, h: Any) -> None:
    """SIGKILL leaves the row "running": the next runner's look at stale heartbeats fails it."""
    from web.app.jobs import reap_stale
    from web.app.worker import start_worker_process

    c = _staffed(app, h)
    h.post(c, "/roster/run", {"time_limit_s": "120"})
    app.config["JOB_POLL_S"] = 0.2
    proc = start_worker_process(app)
    try:
        _wait(lambda: _job(app).status == "running", 60, "the worker to claim the job")
        time.sleep(1.5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert _job(app).status == "running"
    time.sleep(2.0)
    with app.app_context():
        assert reap_stale(1.5) == [_job(app).id]
    job = _job(app)
    assert job.status == "failed" and f":{proc.pid}" in job.message
    assert "stopped while it ran" in job.message and _rosters(app) == 0


def test_a_worker_that_dies_while_serving_is_started_again(
    app: Flask, h: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its running job is failed (stale heartbeat) and the queue goes on with the new one."""
    import waitress

    from web.app import worker
    from web.cli._serve import serve_app

    monkeypatch.setattr(worker, "WATCH_S", 0.2)
    c = _staffed(app, h)
    app.config.update(JOB_WORKER="process", JOB_POLL_S=0.2, JOB_STALE_S=2.0)
    pids: list[int] = []

    def fake_serve(wsgi: Any, **kw: Any) -> None:
        first = wsgi.extensions["wfm_job_process"]
        pids.append(first.pid)
        h.post(c, "/roster/run", {"time_limit_s": "120"})
        _wait(lambda: _job(app).status == "running", 60, "the first worker to claim the job")
        first.send_signal(signal.SIGKILL)
        _wait(lambda: wsgi.extensions["wfm_job_process"] is not first, 30, "a new worker")
        pids.append(wsgi.extensions["wfm_job_process"].pid)
        _wait(lambda: _job(app).status == "failed", 60, "the killed worker's job to fail")
        h.post(c, "/roster/run", {"time_limit_s": "2"})
        _wait(lambda: _job(app).status == "succeeded", 120, "the new worker to run a job")

    monkeypatch.setattr(waitress, "serve", fake_serve)
    serve_app(app, "127.0.0.1", 5996)
    assert len(pids) == 2 and pids[0] != pids[1]
    assert _job(app).worker.endswith(f":{pids[1]}") and _rosters(app) == 1
    assert not _alive(pids[1])

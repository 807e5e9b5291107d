"""The job runner.

Progress, cancellation, failure, the claim, the thread, and transaction safety (a failed or
cancelled job writes nothing).
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from wfmcore.errors import InputError


def _count(app: Flask, model: Any) -> int:
    from web.app.extensions import db

    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _job(app: Flask, job_id: int) -> Any:
    from web.app.extensions import db
    from web.app.models import Job

    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job is not None
        db.session.expunge(job)
        return job


def _enqueue(app: Flask, kind: str, params: dict[str, Any] | None = None) -> int:
    from web.app.extensions import db
    from web.app.jobs import enqueue

    with app.app_context():
        job = enqueue(kind, params or {}, "planner")
        db.session.commit()
        return int(job.id)


@pytest.fixture()
def fake_handlers(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Replace the job kinds with test handlers (each may write an audit row)."""
    from web.app import jobs

    handlers: dict[str, Any] = {}
    monkeypatch.setattr(jobs, "HANDLERS", handlers)
    return handlers


def _write_audit(note: str) -> None:
    from web.app.services import audit

    audit("test_job_write", note, username="job")


def test_progress_objective_bound_and_result(app: Flask, fake_handlers: dict[str, Any]) -> None:
    from web.app.extensions import db
    from web.app.jobs import run_pending
    from web.app.models import AuditEntry, Job

    seen: list[tuple[float, str | None, float | None, float | None]] = []

    def handler(ctx: Any, params: dict[str, Any]) -> str:
        ctx.progress(0.25, "a quarter", objective=120.0, bound=100.0)
        with db.engine.connect() as conn:  # what a polling page sees meanwhile
            row = conn.execute(
                select(Job.progress, Job.message, Job.objective, Job.bound, Job.status)
            ).one()
        seen.append((row[0], row[1], row[2], row[3]))
        assert row[4] == "running"
        _write_audit(params["note"])
        return "roster:42"

    fake_handlers["fake"] = handler
    job_id = _enqueue(app, "fake", {"note": "kept"})
    with app.app_context():
        assert run_pending() == 1
    assert seen == [(0.25, "a quarter", 120.0, 100.0)]
    job = _job(app, job_id)
    assert (job.status, job.progress, job.result) == ("succeeded", 1.0, "roster:42")
    assert job.started_at is not None and job.finished_at is not None
    with app.app_context():
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.target == "kept"))


def test_failed_job_writes_nothing_and_says_why(app: Flask, fake_handlers: dict[str, Any]) -> None:
    from web.app.jobs import run_pending
    from web.app.models import AuditEntry

    before = _count(app, AuditEntry)

    def domain(ctx: Any, params: dict[str, Any]) -> str:
        _write_audit("half")
        raise InputError("no agents can work on Monday", file="agents.csv", row=3)

    def bug(ctx: Any, params: dict[str, Any]) -> str:
        _write_audit("half")
        raise KeyError("internal")

    fake_handlers.update(domain=domain, bug=bug)
    first, second = _enqueue(app, "domain"), _enqueue(app, "bug")
    with app.app_context():
        assert run_pending() == 2
    job = _job(app, first)
    assert job.status == "failed"
    assert job.message == "agents.csv, row 3: no agents can work on Monday"
    job = _job(app, second)
    assert job.status == "failed" and job.message == "internal error (KeyError)"
    assert _count(app, AuditEntry) == before


def test_cancel_a_running_job_rolls_it_back(app: Flask, fake_handlers: dict[str, Any]) -> None:
    from web.app.extensions import db
    from web.app.jobs import run_pending
    from web.app.models import AuditEntry, Job

    before = _count(app, AuditEntry)
    stop_seen: list[bool] = []

    def long_job(ctx: Any, params: dict[str, Any]) -> str:
        _write_audit("half")
        with db.engine.begin() as conn:  # someone presses Cancel
            conn.execute(update(Job).values(cancel_requested=True))
        ctx.progress(0.5, "working")
        stop_seen.append(ctx.stop.is_set())
        ctx.check_cancel()
        raise AssertionError("not reached")

    fake_handlers["long"] = long_job
    job_id = _enqueue(app, "long")
    with app.app_context():
        run_pending()
    job = _job(app, job_id)
    assert job.status == "cancelled" and "nothing was saved" in job.message
    assert stop_seen == [True]
    assert _count(app, AuditEntry) == before


def test_an_unknown_bound_is_stored_as_unknown(
    app: Flask, signed_in: dict[str, FlaskClient], fake_handlers: dict[str, Any]
) -> None:
    """The neighbourhood search reports its bound as NaN; JSON has no NaN."""

    def handler(ctx: Any, params: dict[str, Any]) -> str:
        ctx.progress(0.5, "lns", objective=7000.0, bound=float("nan"))
        raise InputError("stop here, keep the progress")

    fake_handlers["fake"] = handler
    job_id = _enqueue(app, "fake")
    with app.app_context():
        from web.app.jobs import run_pending

        run_pending()
    state = signed_in["manager"].get(f"/api/jobs/{job_id}")
    assert b"NaN" not in state.data
    assert state.get_json()["objective"] == 7000.0 and state.get_json()["bound"] is None


def test_cancel_through_the_page(
    app: Flask, signed_in: dict[str, FlaskClient], h: Any, fake_handlers: dict[str, Any]
) -> None:
    fake_handlers["fake"] = lambda ctx, params: "x:1"
    job_id = _enqueue(app, "fake")
    c = signed_in["planner"]
    assert c.get(f"/api/jobs/{job_id}").get_json()["status"] == "queued"
    response = h.post(c, f"/jobs/{job_id}/cancel")
    assert response.status_code == 302
    state = c.get(f"/api/jobs/{job_id}").get_json()
    assert state["status"] == "cancelled" and state["done"] is True
    with app.app_context():
        from web.app.jobs import run_pending

        assert run_pending() == 0  # a cancelled job never starts
    # the manager may watch but not cancel
    assert h.post(signed_in["manager"], f"/jobs/{job_id}/cancel").status_code == 403


def test_a_job_is_claimed_once(app: Flask, fake_handlers: dict[str, Any]) -> None:
    from web.app.jobs import _claim_next

    fake_handlers["fake"] = lambda ctx, params: "x:1"
    job_id = _enqueue(app, "fake")
    with app.app_context():
        assert _claim_next() == job_id
        assert _claim_next() is None
    assert _job(app, job_id).status == "running"


def test_the_worker_thread_runs_queued_jobs(tmp_path: Path, h: Any, monkeypatch: Any) -> None:
    from web.app import jobs
    from web.app.jobs import worker_loop

    app = h.make_app(tmp_path / "instance")
    done = threading.Event()

    def handler(ctx: Any, params: dict[str, Any]) -> str:
        done.set()
        return "x:1"

    monkeypatch.setattr(jobs, "HANDLERS", {"fake": handler})
    job_id = _enqueue(app, "fake")
    stop = threading.Event()
    thread = threading.Thread(target=worker_loop, args=(app, stop, 0.05), daemon=True)
    thread.start()
    try:
        assert done.wait(30)
        for _ in range(300):  # the status is written just after the handler returns
            if _job(app, job_id).status == "succeeded":
                break
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert _job(app, job_id).status == "succeeded"


def test_job_page_shows_progress(
    app: Flask, signed_in: dict[str, FlaskClient], fake_handlers: dict[str, Any]
) -> None:
    fake_handlers["roster"] = lambda ctx, params: "roster:1"
    job_id = _enqueue(app, "roster")
    page = signed_in["manager"].get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "job-bar" in page and "Solver objective" in page and f'data-job="{job_id}"' in page
    assert "Cancel" not in page  # managers watch; planners cancel
    assert "Cancel" in signed_in["planner"].get(f"/jobs/{job_id}").get_data(as_text=True)


# --- transaction safety on the real jobs ---------------------------------------------------


def _planner(app: Flask, h: Any) -> FlaskClient:
    client = app.test_client()
    assert h.sign_in(client, "planner").status_code == 302
    return client


def test_a_solve_that_raises_leaves_no_roster(
    any_app: Flask, h: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite and PostgreSQL."""
    import web.pipeline
    from scheduling.errors import SchedulingError
    from web.app.models import CoverageRow, Job, RosterVersion, Shift

    app = any_app
    c = _planner(app, h)
    h.upload_and_staff(app, c)

    def broken_solve(*args: Any, **kwargs: Any) -> Any:
        raise SchedulingError("no roster found within the time limit")

    monkeypatch.setattr(web.pipeline, "solve", broken_solve)
    h.post(c, "/roster/run", {"time_limit_s": "2"})
    h.run_jobs(app)
    assert _count(app, RosterVersion) == 0 and _count(app, Shift) == 0
    with app.app_context():
        from web.app.extensions import db

        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert job is not None and job.status == "failed"
        assert "no roster found" in job.message
    monkeypatch.undo()

    # a failure after the shifts are written, before the coverage: still nothing
    import web.app.services._roster as roster_services

    def broken_coverage(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(roster_services, "_insert_coverage", broken_coverage)
    h.post(c, "/roster/run", {"time_limit_s": "2"})
    h.run_jobs(app)
    for model in (RosterVersion, Shift, CoverageRow):
        assert _count(app, model) == 0, model


def test_a_cancelled_solve_leaves_no_roster(
    any_app: Flask, h: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite and PostgreSQL."""
    import web.pipeline
    from web.app.extensions import db
    from web.app.models import Job, RosterVersion, Shift

    app = any_app
    c = _planner(app, h)
    h.upload_and_staff(app, c)
    real_solve = web.pipeline.solve

    def solve_then_cancel(*args: Any, **kwargs: Any) -> Any:
        result = real_solve(*args, **kwargs)
        with db.engine.begin() as conn:  # Cancel pressed while the solver ran
            conn.execute(update(Job).where(Job.kind == "roster").values(cancel_requested=True))
        return result

    monkeypatch.setattr(web.pipeline, "solve", solve_then_cancel)
    h.post(c, "/roster/run", {"time_limit_s": "2"})
    h.run_jobs(app)
    with app.app_context():
        job = db.session.scalars(select(Job).where(Job.kind == "roster")).one()
        assert job.status == "cancelled"
    assert _count(app, RosterVersion) == 0 and _count(app, Shift) == 0


def test_an_impossible_contract_fails_the_roster_job_naming_the_rule(app: Flask, h: Any) -> None:
    """The job checks contracts against the rules first, and says which rule blocks it."""
    from web.app.extensions import db
    from web.app.models import Agent, Job, RosterVersion

    c = _planner(app, h)
    h.upload_and_staff(app, c)
    with app.app_context():
        omar = db.session.scalars(select(Agent).where(Agent.agent_id == "A2")).one()
        omar.min_hours_week = omar.max_hours_week = 80.0  # 5 days cannot hold 80 paid hours
        db.session.commit()
    h.post(c, "/roster/run", {"time_limit_s": "2"})
    h.run_jobs(app)
    assert _count(app, RosterVersion) == 0
    with app.app_context():
        job = db.session.scalars(select(Job).where(Job.kind == "roster")).one()
        assert job.status == "failed"
        assert job.message.startswith("infeasible roster: ")
        assert "A2" in job.message and "min_hours_week" in job.message
        page = c.get(f"/jobs/{job.id}").get_data(as_text=True)
        assert "min_hours_week" in page


# --- issue #17: wall time, one objective, visible progress, prompt cancel, heartbeat -------


def _last_job(app: Flask, kind: str = "roster") -> Any:
    from web.app.extensions import db
    from web.app.models import Job

    with app.app_context():
        job = db.session.scalars(
            select(Job).where(Job.kind == kind).order_by(Job.id.desc())
        ).first()
        assert job is not None
        db.session.expunge(job)
        return job


@pytest.fixture()
def slow_lps(monkeypatch: pytest.MonkeyPatch) -> None:
    """LP relaxations that take 30 s unless their time limit is shorter (as HiGHS's does).

    The demo's take 20-40 s on 2 cores; the small center's would otherwise take milliseconds.
    """
    import importlib

    solve_module = importlib.import_module("scheduling.roster.solve")

    def slow(real: Any, none: Any) -> Any:
        def run(problem: Any, time_limit_s: float | None = None) -> Any:
            wait = 30.0 if time_limit_s is None else min(30.0, time_limit_s)
            time.sleep(wait)
            return real(problem) if wait >= 30.0 else none

        return run

    objective = solve_module.lp_objective_solution
    pipeline = importlib.import_module("web.pipeline")
    under = pipeline.lp_under_staffing_bound
    monkeypatch.setattr(solve_module, "lp_objective_solution", slow(objective, (None, set())))
    monkeypatch.setattr(pipeline, "lp_under_staffing_bound", slow(under, None))


def test_a_roster_job_ends_within_its_time_limit(app: Flask, h: Any, slow_lps: None) -> None:
    """The form's limit is the whole job's wall time: inputs, greedy, search, LP, check, save."""
    c = _planner(app, h)
    h.upload_and_staff(app, c)
    limit = 4.0
    h.post(c, "/roster/run", {"time_limit_s": f"{limit:g}"})
    t0 = time.perf_counter()
    h.run_jobs(app)
    elapsed = time.perf_counter() - t0
    job = _last_job(app)
    assert job.status == "succeeded", job.message
    took = (job.finished_at - job.started_at).total_seconds()
    assert took <= limit + 1.5 and elapsed <= limit + 2.0, (took, elapsed)


def test_the_job_page_and_the_roster_page_show_the_same_objective_and_bound(
    app: Flask, h: Any
) -> None:
    from web.app.extensions import db
    from web.app.models import RosterVersion

    c = _planner(app, h)
    h.upload_and_staff(app, c)
    h.post(c, "/roster/run", {"time_limit_s": "2"})
    h.run_jobs(app)
    job = _last_job(app)
    assert job.status == "succeeded" and job.result.startswith("roster:")
    with app.app_context():
        roster = db.session.get(RosterVersion, int(job.result.split(":")[1]))
        assert roster is not None
        summary = roster.summary
    assert summary["objective"] is not None
    state = c.get(f"/api/jobs/{job.id}").get_json()
    assert state["objective"] == summary["objective"]
    assert state["bound"] == summary["best_bound"]
    # as the two pages print them
    job_page = c.get(f"/jobs/{job.id}").get_data(as_text=True)
    roster_page = c.get(f"/roster/{roster.id}").get_data(as_text=True)
    roster_page = re.sub(r"<bdi[^>]*>|</bdi>", "", roster_page)  # as read: no isolate tags
    shown = f"{summary['objective']:.1f}"
    assert f'id="job-objective">{shown}<' in job_page
    assert f"objective {shown}" in roster_page


def _watch_job(app: Flask, c: FlaskClient, h: Any) -> list[dict[str, Any]]:
    """Run the queued roster job in a thread; what ``/api/jobs/<id>`` said every 0.2 s."""
    job_id = _last_job(app).id
    runner = threading.Thread(target=lambda: h.run_jobs(app), daemon=True)
    runner.start()
    seen: list[dict[str, Any]] = []
    while runner.is_alive():
        seen.append(c.get(f"/api/jobs/{job_id}").get_json())
        time.sleep(0.2)
    runner.join()
    return [s for s in seen if s["status"] == "running"]


def test_progress_moves_while_the_solver_is_silent(app: Flask, h: Any, slow_lps: None) -> None:
    """No solver report comes while the LP is solved: the bar still moves with the clock."""
    c = _planner(app, h)
    h.upload_and_staff(app, c)
    h.post(c, "/roster/run", {"time_limit_s": "4"})
    fractions = [s["progress"] for s in _watch_job(app, c, h)]
    assert fractions == sorted(fractions)  # never backwards
    assert len(set(fractions)) >= 3 and max(fractions) >= 0.5, fractions


def test_progress_moves_and_the_bound_appears_before_the_end(app: Flask, h: Any) -> None:
    c = _planner(app, h)
    h.upload_and_staff(app, c)
    h.post(c, "/roster/run", {"time_limit_s": "3"})
    running = _watch_job(app, c, h)
    fractions = [s["progress"] for s in running]
    assert fractions == sorted(fractions)  # never backwards
    assert len(set(fractions)) >= 3 and max(fractions) >= 0.5  # it moved, with the clock
    assert any(s["bound"] is not None for s in running)  # the bound, before the job ended


def test_cancel_stops_a_running_solve_within_seconds(
    app: Flask, h: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stop reaches CP-SAT through the heartbeat, not at the next solver report."""
    import importlib

    from scheduling.roster.solve import SolverOptions
    from web.app.extensions import db
    from web.app.jobs import run_pending
    from web.app.models import Job, RosterVersion

    c = _planner(app, h)
    h.upload_and_staff(app, c)
    pipeline = importlib.import_module("web.pipeline")
    real_solve = pipeline.solve
    searching = threading.Event()

    def long_search(problem: Any, options: SolverOptions, **kwargs: Any) -> Any:
        # a search that would not end by itself for a long time: no gap stop, no reports
        searching.set()
        slow = SolverOptions(time_limit_s=120.0, seed=options.seed, relative_gap=-1.0)
        return real_solve(problem, slow, stop=kwargs.get("stop"))

    monkeypatch.setattr(pipeline, "solve", long_search)
    h.post(c, "/roster/run", {"time_limit_s": "120"})
    runner = threading.Thread(target=lambda: h.run_jobs(app), daemon=True)
    runner.start()
    assert searching.wait(60)
    time.sleep(1.0)  # inside CP-SAT now
    with app.app_context():
        db.session.execute(update(Job).where(Job.kind == "roster").values(cancel_requested=True))
        db.session.commit()
    t0 = time.perf_counter()
    runner.join(60)
    latency = time.perf_counter() - t0
    job = _last_job(app)
    assert job.status == "cancelled" and latency < 5.0, (job.status, latency)
    assert _count(app, RosterVersion) == 0
    with app.app_context():
        assert run_pending() == 0


def test_a_running_job_whose_runner_died_is_marked_failed(
    app: Flask, fake_handlers: dict[str, Any]
) -> None:
    import datetime as dt

    from web.app.extensions import db
    from web.app.jobs import reap_stale
    from web.app.models import Job, utcnow

    fake_handlers["fake"] = lambda ctx, params: "x:1"
    alive, dead = _enqueue(app, "fake"), _enqueue(app, "fake")
    with app.app_context():
        now = utcnow()
        for job_id, beat in ((alive, now), (dead, now - dt.timedelta(minutes=5))):
            db.session.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(status="running", started_at=beat, heartbeat_at=beat, worker="h:42")
            )
        db.session.commit()
        assert reap_stale(30.0) == [dead]
        assert reap_stale(30.0) == []
    assert _job(app, alive).status == "running"
    job = _job(app, dead)
    assert job.status == "failed" and job.finished_at is not None
    assert "h:42" in job.message and "stopped while it ran" in job.message


def test_the_job_page_fails_a_job_whose_runner_died(
    app: Flask, signed_in: dict[str, FlaskClient], fake_handlers: dict[str, Any]
) -> None:
    """No runner left to notice: the polled status does, instead of "running" forever."""
    import datetime as dt

    from web.app.extensions import db
    from web.app.models import Job, utcnow

    fake_handlers["fake"] = lambda ctx, params: "x:1"
    job_id = _enqueue(app, "fake")
    old = utcnow() - dt.timedelta(minutes=5)
    with app.app_context():
        db.session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status="running", started_at=old, heartbeat_at=old, worker="h:42")
        )
        db.session.commit()
    state = signed_in["manager"].get(f"/api/jobs/{job_id}").get_json()
    assert state["status"] == "failed" and state["done"] is True
    assert "stopped while it ran" in state["message"]


def test_a_running_job_heartbeats_and_names_its_runner(
    app: Flask, fake_handlers: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from web.app import jobs
    from web.app.extensions import db
    from web.app.models import Job

    monkeypatch.setattr(jobs, "HEARTBEAT_S", 0.05)
    beats: list[Any] = []

    def handler(ctx: Any, params: dict[str, Any]) -> str:
        for _ in range(3):
            time.sleep(0.3)
            with db.engine.connect() as conn:
                beats.append(conn.execute(select(Job.heartbeat_at, Job.worker)).one())
        return "x:1"

    fake_handlers["fake"] = handler
    _enqueue(app, "fake")
    with app.app_context():
        jobs.run_pending()
    assert all(w.endswith(f":{os.getpid()}") for _, w in beats)
    times = [b for b, _ in beats]
    assert times == sorted(times) and len(set(times)) == 3  # fresh at every look


def test_cancel_during_the_greedy_start_is_prompt(
    app: Flask, h: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The greedy start is built agent by agent: a cancel stops it at the next agent."""
    import importlib

    from web.app.extensions import db
    from web.app.models import Job, RosterVersion

    greedy = importlib.import_module("scheduling.roster._greedy")
    real_build = greedy.build_model
    building = threading.Event()

    def slow_build(*args: Any, **kwargs: Any) -> Any:  # 1 s per agent, like a large center
        building.set()
        time.sleep(1.0)
        return real_build(*args, **kwargs)

    c = _planner(app, h)
    h.upload_and_staff(app, c)
    monkeypatch.setattr(greedy, "build_model", slow_build)
    h.post(c, "/roster/run", {"time_limit_s": "120"})
    runner = threading.Thread(target=lambda: h.run_jobs(app), daemon=True)
    runner.start()
    assert building.wait(60)
    time.sleep(1.5)  # in the greedy start, with agents left to place
    with app.app_context():
        db.session.execute(update(Job).where(Job.kind == "roster").values(cancel_requested=True))
        db.session.commit()
    t0 = time.perf_counter()
    runner.join(60)
    latency = time.perf_counter() - t0
    job = _last_job(app)
    assert job.status == "cancelled" and latency < 3.0, (job.status, latency, job.message)
    assert _count(app, RosterVersion) == 0

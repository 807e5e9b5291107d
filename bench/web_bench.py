"""Server time per page of the web app on the demo instance (a benchmark, not a test).

Builds a demo instance (the full demo center: 518k history rows, 120 agents; forecast,
requirements and roster run as jobs, as ``wfm demo`` does) unless ``--instance`` names an
existing one, signs in as the planner with the Flask test client, and requests every planner
page and chart endpoint ``--repeat`` times (after one warm-up request), printing the median and
95th percentile of the server time. That includes the roster grid of all 120 agents x 7 days
and the coverage data of a week at 30 minutes. Goal: every page under 300 ms.

Then it does it again while a roster job of the whole demo (120 agents) runs in the job worker
process, as ``wfm serve`` runs it (``python -m web.app.worker`` at ``--nice``), and prints both
and their ratio: a solve must not slow the pages down. ``--nice 10 --nice 0`` measures with
each priority in turn; ``--no-job`` skips that part.

    python bench/web_bench.py                      # a fresh demo instance in a temp folder
    python bench/web_bench.py --instance wfm-demo  # an instance `wfm demo` made

The timings are wall-clock times of ``client.get`` in this process (no network), on whatever
else the machine is doing: compare pages with each other, not runs on different days.
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

GOAL_MS = 300.0


def build_instance(folder: Path, time_limit_s: float) -> None:
    """A demo instance in ``folder`` (as ``wfm demo --no-serve`` would leave it, served)."""
    from web.app.demo import build_demo_instance, prepare_instance
    from web.cli._serve import make_app, upgrade_database
    from web.demo import demo_center_files
    from web.demo.synthetic import ensure_demo_history

    prepare_instance(folder, force=True)
    history = folder / "history.csv"
    ensure_demo_history(history)
    app = make_app(folder, JOB_WORKER="off")
    upgrade_database(app)
    with demo_center_files() as files:
        t0 = time.perf_counter()
        if files.entities_toml is not None:  # the 50-entity center: forecast reconciled (#19)
            from web.app.extensions import db
            from web.app.services import save_entities

            with app.app_context():
                save_entities(files.entities_toml.read_text(encoding="utf-8"), "entities.toml")
                db.session.commit()
        build_demo_instance(
            app,
            files,
            history,
            origins=4,
            jobs=2,
            time_limit_s=time_limit_s,
            say=lambda m: print(f"  {m}"),
        )
        print(f"demo instance built in {time.perf_counter() - t0:.0f} s")


def main() -> None:
    """Build (or reuse) a demo instance and print each page's server time."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument(
        "--nice",
        type=int,
        action="append",
        default=None,
        help="CPU priority increment of the worker process (repeat to compare; default 10)",
    )
    parser.add_argument("--no-job", action="store_true", help="only the pages, no job running")
    args = parser.parse_args()

    from sqlalchemy import select

    from web.app.extensions import db
    from web.app.models import (
        ForecastVersion,
        HistoryUpload,
        Job,
        RequirementSet,
        RosterVersion,
        Shift,
    )
    from web.cli._serve import create_user, make_app

    with tempfile.TemporaryDirectory(prefix="wfm-bench-") as tmp:
        folder = args.instance or Path(tmp) / "instance"
        if args.instance is None:
            build_instance(folder, args.time_limit)
        app = make_app(folder, JOB_WORKER="off", TESTING=True, LOGIN_RATE_LIMIT="1000/minute")
        password = secrets.token_urlsafe(12)
        with app.app_context():
            create_user("bench-planner", "planner", password)
            models = {
                "h": HistoryUpload,
                "f": ForecastVersion,
                "r": RequirementSet,
                "x": RosterVersion,
                "j": Job,
            }
            ids = {
                k: db.session.scalar(select(m.id).order_by(m.id.desc()))  # type: ignore[attr-defined]
                for k, m in models.items()
            }
            shifts = db.session.query(Shift).filter(Shift.roster_id == ids["x"]).count()
            from web.app.services import current_entities

            entities = current_entities()
            # an entity's scope (#19): the first entity of the file, and one of its queues
            ids["e"] = entities.entities[0].id if entities is not None else ""
            first = entities.entities[0].queues()[0] if entities is not None else None
            ids["q"] = f"{first.channel}/{first.queue}" if first is not None else "voice/residency"
        print(f"instance {folder}: roster {ids['x']} with {shifts} shifts")
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        response = client.post(
            "/login",
            data={"username": "bench-planner", "password": password, "csrf_token": token.group(1)},
        )
        assert response.status_code == 302, response.status_code
        # the service per entity is computed once per roster, targets and entities version
        # (then kept): its first request is timed alone, then the pages as the others
        t0 = time.perf_counter()
        table = client.get("/entities/service").get_data(as_text=True)
        print(f"service per entity, first request: {1000 * (time.perf_counter() - t0):.0f} ms")
        worst = re.search(r'<tr data-entity="([^"]+)"', table)
        ids["e"] = worst.group(1) if worst else "none"
        pages = [
            ("dashboard", "/planner"),
            ("history list", "/history"),
            ("history", "/history/{h}"),
            ("history chart data (4 weeks)", "/api/history/{h}/chart"),
            ("forecast list", "/forecast"),
            ("forecast", "/forecast/{f}"),
            ("forecast chart data", "/api/forecast/{f}/chart?scope=queue:{q}"),
            ("requirements", "/requirements/{r}"),
            ("requirements chart data", "/api/requirements/{r}/chart"),
            ("roster list", "/roster"),
            ("roster grid (all agents x 7 days)", "/roster/{x}"),
            ("coverage data (week, 30 min)", "/api/roster/{x}/coverage"),
        ]
        if ids["e"]:  # the scope picker's pages (#19)
            pages += [
                ("forecast, an entity", "/forecast/{f}?scope=entity:{e}"),
                ("forecast, searched by name", "/forecast/{f}?q=%D9%87%D9%8A%D8%A6%D8%A9"),
                ("forecast chart, an entity", "/api/forecast/{f}/chart?scope=entity:{e}"),
                ("forecast chart, a channel", "/api/forecast/{f}/chart?scope=channel:voice"),
                ("forecast chart, the center", "/api/forecast/{f}/chart?scope=center"),
                ("requirements, an entity", "/requirements/{r}?scope=entity:{e}"),
                ("requirements chart, an entity", "/api/requirements/{r}/chart?scope=entity:{e}"),
                ("roster, an entity", "/roster/{x}?scope=entity:{e}"),
                ("coverage data, an entity", "/api/roster/{x}/coverage?scope=entity:{e}"),
            ]
        pages += [
            ("job status", "/api/jobs/{j}"),
            ("agents", "/agents"),
            ("rules", "/rules"),
            ("settings", "/settings"),
            ("audit", "/audit"),
            ("roster CSV export", "/roster/{x}/export.csv"),
            ("roster Excel export", "/roster/{x}/export.xlsx"),
            ("manager dashboard", "/manager"),
            ("service per entity (table)", "/entities/service"),
            ("service per entity (search)", "/entities/service?q=health"),
            ("entity drill-down (the worst)", "/entities/service/{e}"),
        ]
        urls = [(name, pattern.format(**ids)) for name, pattern in pages]
        idle = time_pages(client, urls, args.repeat)
        print_table("no job running", idle)
        if args.no_job:
            return
        for nice in args.nice or [10]:
            busy, job_line = with_roster_job(app, client, urls, args.repeat, nice)
            print_table(f"a roster job running in the worker process (nice {nice})", busy)
            print(job_line)
            print_ratio(idle, busy)


Timing = dict[str, tuple[float, float, int]]


def time_pages(client: Any, urls: list[tuple[str, str]], repeat: int) -> Timing:
    """Median and 95th percentile (ms) and size of each page, after one warm-up request."""
    out: Timing = {}
    for name, url in urls:
        first = client.get(url)
        assert first.status_code == 200, (url, first.status_code)
        size = len(first.data)
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get(url)
            _ = response.data
            times.append((time.perf_counter() - t0) * 1000)
            response.close()
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        out[name] = (statistics.median(times), p95, size)
    return out


def print_table(title: str, timing: Timing) -> None:
    """One line per page: median, p95, bytes, and whether the p95 is under the goal."""
    print(f"\n== {title} ==")
    print(f"{'page':<36}{'median ms':>10}{'p95 ms':>9}{'bytes':>10}  under {GOAL_MS:.0f} ms")
    for name, (median, p95, size) in timing.items():
        verdict = "yes" if p95 < GOAL_MS else "NO"
        print(f"{name:<36}{median:>10.1f}{p95:>9.1f}{size:>10,}  {verdict}")
    medians = [m for m, _, _ in timing.values()]
    p95s = [p for _, p, _ in timing.values()]
    print(
        f"{'all pages: median of medians / worst p95':<36}{statistics.median(medians):>10.1f}"
        f"{max(p95s):>9.1f}"
    )


def print_ratio(idle: Timing, busy: Timing) -> None:
    """Per page, the median and p95 with the job over without it."""
    print(f"\n{'page':<36}{'median x':>10}{'p95 x':>9}   (with the job / without)")
    for name, (median, p95, _) in idle.items():
        b_median, b_p95, _ = busy[name]
        print(f"{name:<36}{b_median / median:>10.2f}{b_p95 / p95:>9.2f}")


def with_roster_job(
    app: Any, client: Any, urls: list[tuple[str, str]], repeat: int, nice: int
) -> tuple[Timing, str]:
    """Time the pages while the worker process solves the week's roster; then cancel it."""
    from sqlalchemy import select, update

    from web.app.extensions import db
    from web.app.jobs import enqueue
    from web.app.models import Job, RequirementSet, RulesVersion
    from web.app.worker import start_worker_process, stop_worker_process

    with app.app_context():
        params = {
            "requirement_set_id": db.session.scalar(
                select(RequirementSet.id).order_by(RequirementSet.id.desc())
            ),
            "rules_id": db.session.scalar(select(RulesVersion.id).order_by(RulesVersion.id.desc())),
            "time_limit_s": 600.0,  # longer than the timing: it is cancelled after it
            "seed": 0,
        }
        job_id = enqueue("roster", params, "bench").id
        db.session.commit()
    app.config["JOB_NICE"] = nice
    app.config["JOB_POLL_S"] = 0.2
    proc = start_worker_process(app)

    def job() -> Job:
        with app.app_context():
            row = db.session.get(Job, job_id)
            assert row is not None
            db.session.expunge(row)
            db.session.remove()
            return row

    try:
        while job().status == "queued":
            time.sleep(0.2)
        time.sleep(3.0)  # into the greedy start and the LP
        t0 = time.perf_counter()
        timing = time_pages(client, urls, repeat)
        during = time.perf_counter() - t0
        state = job()
        line = (
            f"job {job_id}: {state.status} during the {during:.0f} s of timing, "
            f"progress {state.progress:.0%}, {state.message!r}"
        )
        with app.app_context():
            db.session.execute(update(Job).where(Job.id == job_id).values(cancel_requested=True))
            db.session.commit()
        t0 = time.perf_counter()
        while not job().done and time.perf_counter() - t0 < 60:
            time.sleep(0.1)
        line += f"; cancelled -> {job().status} in {time.perf_counter() - t0:.1f} s"
    finally:
        stop_worker_process(proc)
    return timing, line


if __name__ == "__main__":
    main()

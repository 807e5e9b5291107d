"""A large history upload through the web app's job (a benchmark, not a test).

Generates a synthetic interval history (``--queues`` series of ``--days`` days at 30 minutes
under an ACD's own queue names, one name left unmapped), sets up entities and a queue map, then
does what a planner's upload does: the request stores the file and enqueues the ``history`` job,
the runner reads, validates, maps and inserts every row in one transaction. Prints the time of
each phase (from the job's progress reports) and rows per second.

    python bench/history_upload_bench.py                      # ~3M rows on SQLite
    python bench/history_upload_bench.py --database postgresql+psycopg://...

Wall-clock times on whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def synthetic_history(queues: int, days: int, seed: int = 1) -> tuple[str, list[str]]:
    """CSV text of ``queues`` voice series (names ``ACD_<n>``) over ``days`` days at 30 min."""
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2024-01-01", periods=days * 48, freq="30min", tz="Asia/Dubai")
    hour = stamps.hour.to_numpy() + stamps.minute.to_numpy() / 60
    shape = np.clip(np.sin((hour - 6) / 16 * np.pi), 0, None)
    names = [f"ACD_{n:03d}" for n in range(queues)]
    parts = []
    for n, name in enumerate(names):
        offered = rng.poisson(shape * (2 + 30 * rng.random()))
        frame = pd.DataFrame(
            {
                "interval_start": stamps.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "channel": "voice",
                "queue": name,
                "offered": offered,
                "handled": offered,
                "abandoned": 0,
                "aht_s": np.where(offered > 0, 240 + n % 60, np.nan).round(1),
            }
        )
        parts.append(frame)
    text = pd.concat(parts).to_csv(index=False)
    return text, names


def entities_toml(names: list[str]) -> str:
    """One entity per queue name but the last (which stays unmapped)."""
    out = ["version = 1", ""]
    for n, _ in enumerate(names[:-1]):
        out += [
            f"[entities.e{n:03d}]",
            f'name_en = "Entity {n}"',
            f'name_ar = "جهة {n}"',
            'languages = ["ar"]',
            'channels = ["voice"]',
            "",
        ]
    return "\n".join(out)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, default=86)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: SQLite)")
    args = parser.parse_args()

    from web.app import create_app
    from web.app.extensions import db
    from web.app.jobs import enqueue, run_pending
    from web.app.models import HistoryRow, Job
    from web.app.services import save_entities, save_queue_map_entry, settings, store_upload
    from web.cli._serve import upgrade_database

    t0 = time.perf_counter()
    text, names = synthetic_history(args.queues, args.days)
    data = text.encode()
    rows = text.count("\n") - 1
    print(f"generated {rows:,} rows, {len(data) / 1e6:.0f} MB in {time.perf_counter() - t0:.1f} s")
    with tempfile.TemporaryDirectory() as folder:
        config: dict[str, Any] = {"JOB_WORKER": "off", "SECRET_KEY": "bench", "TESTING": True}
        if args.database:
            config["DATABASE_URL"] = args.database
        app = create_app(config, instance_path=Path(folder) / "instance")
        upgrade_database(app)
        with app.app_context():
            settings()
            save_entities(entities_toml(names), "entities.toml")
            for n, name in enumerate(names[:-1]):
                save_queue_map_entry(name, "voice", f"e{n:03d}", "ar")
            db.session.commit()
            start = time.perf_counter()
            stored = store_upload(io.BytesIO(data))
            job = enqueue(
                "history", {"upload": stored, "filename": "big.csv", "kind": "interval"}, "bench"
            )
            job_id = job.id
            db.session.commit()
            request_s = time.perf_counter() - start
            marks: list[tuple[float, str]] = []

            def echo(_job: int, _fraction: float, message: str, *_: Any) -> None:
                marks.append((time.perf_counter(), message))

            begin = time.perf_counter()
            run_pending(echo=echo)
            total = time.perf_counter() - begin
            final = db.session.get(Job, job_id)
            assert final is not None
            stored_rows = db.session.scalar(db.select(db.func.count()).select_from(HistoryRow))
            print(f"request (store the file, enqueue): {request_s:.2f} s")
            last = begin
            for at, message in marks:
                print(f"  +{at - last:6.1f} s  {message}")
                last = at
            print(f"job {final.status} ({final.message}) in {total:.1f} s")
            print(
                f"{rows:,} rows read, {stored_rows:,} stored ({db.engine.dialect.name}): "
                f"{rows / total:,.0f} rows/s end to end"
            )


if __name__ == "__main__":
    main()

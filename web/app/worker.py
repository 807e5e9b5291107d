"""The job worker process beside the web server (``JOB_WORKER = "process"``).

``wfm serve`` and ``wfm demo`` run the app in waitress and, beside it, this module as a child
process (``python -m web.app.worker``): the same loop as ``wfm worker``
(:func:`web.app.jobs.worker_loop`) against the same database, at a lower CPU priority
(``JOB_NICE``). A solve then never holds the web process's interpreter, and on a small machine
the kernel gives the pages the CPU first.

The child ends with the server: :func:`job_worker` sends it SIGTERM when the server stops
(Ctrl+C or SIGTERM), waits for it, and kills it if it does not end in time; the child also
watches its parent and stops when it is gone, so it is never left behind. A child that dies
while the server runs is started again (at most :data:`MAX_RESTARTS` times); the job it was
running is marked failed by the next runner's look at stale heartbeats. A job running at that
moment is stopped, rolled back and marked failed ("the job runner was stopped ...").
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

from flask import Flask

log = logging.getLogger(__name__)

#: Seconds the server waits for the worker to stop before killing it.
STOP_TIMEOUT_S = 15.0

#: The folder holding the ``web`` package (put first on the child's path: the same code runs).
_SOURCE_ROOT = Path(__file__).resolve().parents[2]


def worker_command(app: Flask) -> list[str]:
    """The command line of the worker process for ``app`` (same interpreter, same code)."""
    return [
        sys.executable,
        "-m",
        "web.app.worker",
        "--instance",
        str(app.instance_path),
        "--parent",
        str(os.getpid()),
        "--nice",
        str(int(app.config.get("JOB_NICE", 10))),
        "--poll",
        str(float(app.config["JOB_POLL_S"])),
    ]


def start_worker_process(app: Flask) -> subprocess.Popen[bytes]:
    """Start the worker process for ``app``'s instance and database.

    The child gets this process's environment, with ``WFM_DATABASE_URL`` set to the app's
    database and the source folder first on ``PYTHONPATH``.
    """
    env = dict(os.environ)
    env["WFM_DATABASE_URL"] = str(app.config["DATABASE_URL"])
    env["WFM_JOB_STALE_S"] = str(float(app.config.get("JOB_STALE_S", 30.0)))
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(_SOURCE_ROOT) + (os.pathsep + path if path else "")
    return subprocess.Popen(worker_command(app), env=env)


def stop_worker_process(proc: subprocess.Popen[bytes], timeout_s: float = STOP_TIMEOUT_S) -> int:
    """Ask the worker to stop (SIGTERM), wait, kill it after ``timeout_s``; its exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return int(proc.returncode)


@contextlib.contextmanager
def job_worker(app: Flask) -> Iterator[subprocess.Popen[bytes] | None]:
    """Run the app's worker process (when ``JOB_WORKER`` is ``process``) while the block runs.

    In the main thread SIGTERM is turned into :class:`SystemExit` meanwhile, so that a server
    stopped that way still stops its worker (waitress returns on either).
    """
    if app.config["JOB_WORKER"] != "process":
        yield None
        return
    proc = start_worker_process(app)
    app.extensions["wfm_job_process"] = proc
    stopping = threading.Event()
    watcher = threading.Thread(
        target=_restart_when_dead, args=(app, stopping), name="wfm-worker-watch", daemon=True
    )
    watcher.start()
    previous = None
    in_main = threading.current_thread() is threading.main_thread()
    if in_main:

        def on_term(_signum: int, _frame: FrameType | None) -> None:
            raise SystemExit(0)

        previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield proc
    finally:
        stopping.set()
        watcher.join()
        if in_main:
            signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)
        stop_worker_process(app.extensions["wfm_job_process"])


#: Seconds between two looks at whether the worker process is still there.
WATCH_S = 2.0

#: How many times a worker process that died is started again (then jobs wait: say so).
MAX_RESTARTS = 5


def _restart_when_dead(app: Flask, stopping: threading.Event) -> None:
    """Start the worker again when it died while the server runs (its job is failed by it)."""
    restarts = 0
    while not stopping.wait(WATCH_S):
        proc: subprocess.Popen[bytes] = app.extensions["wfm_job_process"]
        if proc.poll() is None or stopping.is_set():
            continue
        if restarts >= MAX_RESTARTS:
            log.error("job worker died %d times: not started again; jobs wait", restarts + 1)
            return
        restarts += 1
        log.error("job worker %s ended (status %s): starting it again", proc.pid, proc.returncode)
        app.extensions["wfm_job_process"] = start_worker_process(app)


def main(argv: Sequence[str] | None = None) -> int:
    """The worker process: run jobs until SIGTERM/SIGINT or until the parent is gone."""
    parser = argparse.ArgumentParser(prog="python -m web.app.worker")
    parser.add_argument("--instance", type=Path, required=True)
    parser.add_argument("--parent", type=int, default=0, help="stop when this process is gone")
    parser.add_argument("--nice", type=int, default=0, help="CPU priority increment")
    parser.add_argument("--poll", type=float, default=1.0)
    args = parser.parse_args(argv)
    if args.nice > 0:
        os.nice(args.nice)

    from web.app import create_app
    from web.app.jobs import SHUTDOWN, worker_loop

    app = create_app({"JOB_WORKER": "off"}, instance_path=args.instance)
    stop = threading.Event()

    def shut(_signum: int, _frame: FrameType | None) -> None:
        SHUTDOWN.set()
        stop.set()

    signal.signal(signal.SIGTERM, shut)
    signal.signal(signal.SIGINT, shut)
    # the loop runs in a thread, so that this (main) thread handles the signals at once
    loop = threading.Thread(
        target=worker_loop, args=(app, stop, args.poll), name="wfm-worker", daemon=True
    )
    loop.start()
    while loop.is_alive():
        loop.join(0.5)
        if args.parent and os.getppid() != args.parent:  # orphaned: the server is gone
            shut(signal.SIGTERM, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())

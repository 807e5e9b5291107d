"""Ctrl-C (SIGINT) during ``wfm roster`` and ``wfm demo``, on a real process (issue #11).

The first Ctrl-C during the roster search keeps the best roster so far and writes the files as
after a time limit; a second one aborts at once, writing nothing (exit status 130), as does a
Ctrl-C before the search. No traceback in any case.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 240


_STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_process_outlives_its_test() -> Iterator[None]:
    """Kill a ``wfm`` a failed assertion left running (it would hold a CPU, or a port)."""
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class Wfm:
    """``wfm ARGS`` in a subprocess, its stderr read line by line in a thread.

    The subprocess runs the console script's entry point.
    """

    def __init__(self, *args: str, cwd: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "web._main", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        _STARTED.append(self.proc)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.stdout: list[str] = []
        self.readers = [
            threading.Thread(target=self._read_stderr, daemon=True),
            threading.Thread(target=self._read_stdout, daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line)
        self.lines.put(None)

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        self.stdout.extend(self.proc.stdout)

    def wait_for(self, text: str) -> None:
        """Block until a line of stderr contains ``text``."""
        while True:
            line = self.lines.get(timeout=TIMEOUT_S)
            assert line is not None, f"exited before {text!r}:\n{''.join(self.seen)}"
            self.seen.append(line)
            if text in line:
                return

    def interrupt(self) -> None:
        self.proc.send_signal(signal.SIGINT)

    def finish(self) -> tuple[int, str]:
        """Exit status and everything printed (stdout and stderr)."""
        code = self.proc.wait(timeout=TIMEOUT_S)
        while (line := self.lines.get(timeout=TIMEOUT_S)) is not None:
            self.seen.append(line)
        for reader in self.readers:
            reader.join(TIMEOUT_S)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        return code, "".join(self.stdout) + "".join(self.seen)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A week for 25 agents under the demo rules.

    Large enough for the neighbourhood search, which runs until its time limit unless stopped.
    """
    folder = tmp_path_factory.mktemp("center")
    lines = ["channel,queue,interval_start,agents,staff"]
    for k in range(7 * 48):
        ts = dt.datetime(2026, 11, 30) + dt.timedelta(minutes=30 * k)
        staff = 12.0 if 16 <= k % 48 < 40 else 3.0
        lines.append(f"voice,all,{ts:%Y-%m-%dT%H:%M}:00+04:00,{staff},{staff}")
    (folder / "req.csv").write_text("\n".join(lines) + "\n")
    (folder / "agents.csv").write_text(
        "agent_id,name,skills,min_hours_week,max_hours_week,max_days_week\n"
        + "".join(f"A{i:02d},Agent {i},voice,32,40,5\n" for i in range(25))
    )
    (folder / "rules.toml").write_text((REPO / "data" / "rules.toml").read_text())
    return folder


def _roster(center: Path, out: Path) -> Wfm:
    return Wfm(
        "roster",
        str(center / "req.csv"),
        "--agents",
        str(center / "agents.csv"),
        "--rules",
        str(center / "rules.toml"),
        "-o",
        str(out / "roster.csv"),
        "--time-limit",
        "600",
        cwd=out,
    )


def test_first_ctrl_c_keeps_the_best_roster(center: Path, tmp_path: Path) -> None:
    wfm = _roster(center, tmp_path)
    wfm.wait_for("greedy start ready")
    wfm.interrupt()
    code, output = wfm.finish()
    assert code == 0, output
    assert "stopping: keeping the best roster so far" in output
    assert "Traceback" not in output
    assert _files(tmp_path) == ["roster.coverage.csv", "roster.csv", "roster.summary.json"]
    summary = json.loads((tmp_path / "roster.summary.json").read_text())
    assert summary["status"] == "feasible" and summary["violations"] == 0
    assert any("stopped on request" in note for note in summary["notes"])


def test_second_ctrl_c_aborts_writing_nothing(center: Path, tmp_path: Path) -> None:
    wfm = _roster(center, tmp_path)
    wfm.wait_for("greedy start ready")
    wfm.interrupt()
    wfm.wait_for("stopping: keeping the best roster so far")
    wfm.interrupt()
    code, output = wfm.finish()
    assert code == 130, output
    assert "aborted (Ctrl-C): nothing written" in output
    assert "Traceback" not in output
    assert _files(tmp_path) == []


def test_ctrl_c_while_starting_up_aborts_quietly(center: Path, tmp_path: Path) -> None:
    wfm = _roster(center, tmp_path)
    # after the interpreter has started (before, the operating system's default ends the
    # process) and long before the first line: Python is still importing the libraries
    time.sleep(1.0)
    wfm.interrupt()
    code, output = wfm.finish()
    assert code == 130, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
    assert _files(tmp_path) == []


def test_ctrl_c_before_the_search_aborts(center: Path, tmp_path: Path) -> None:
    """``wfm demo`` forecasts before it rosters: a Ctrl-C then aborts, writing nothing."""
    data = tmp_path / "data"
    (data / "generated").mkdir(parents=True)
    history = ["channel,queue,interval_start,offered"]
    for k in range(8 * 7 * 48):
        ts = dt.datetime(2026, 10, 5) + dt.timedelta(minutes=30 * k)
        history.append(f"voice,all,{ts:%Y-%m-%dT%H:%M}:00+04:00,{10 + k % 7}")
    (data / "generated" / "history.csv").write_text("\n".join(history) + "\n")
    (data / "targets.toml").write_text(
        '[channels.voice]\nmodel = "erlang_c"\nservice_level = 0.8\nanswer_within_s = 20\n'
    )
    (data / "agents.csv").write_text((center / "agents.csv").read_text())
    (data / "rules.toml").write_text((center / "rules.toml").read_text())
    (data / "events.csv").write_text("name,start,end,effect\n")
    out = tmp_path / "out"
    wfm = Wfm(
        "demo", "--no-serve", "--data-dir", str(data), "-o", str(out), "--jobs", "1", cwd=tmp_path
    )
    wfm.wait_for("forecasting")
    wfm.interrupt()
    code, output = wfm.finish()
    assert code == 130, output
    assert "aborted (Ctrl-C): nothing written" in output and "Traceback" not in output
    assert not out.exists() or _files(out) == []

"""The atomic writer: the usual file mode, and nothing left behind by a failing write."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import wfmcore.io
from wfmcore import ConfigError, atomic_open, check_writable, write_csv, write_text


@pytest.fixture()
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_written_files_get_the_usual_mode(tmp_path: Path, umask_022: None) -> None:
    text, csv, raw = tmp_path / "a.txt", tmp_path / "sub" / "b.csv", tmp_path / "c.bin"
    write_text("hello\n", text)
    write_csv(pd.DataFrame({"x": [1]}), csv)
    with atomic_open(raw, "wb") as fh:
        fh.write(b"\x00\x01")
    assert [mode(p) for p in (text, csv, raw)] == [0o644, 0o644, 0o644]
    os.umask(0o027)
    write_text("again\n", text)  # replacing a file gives the mode a new file would get
    assert mode(text) == 0o640


def test_write_csv_and_text_contents(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"t": pd.DatetimeIndex(["2026-11-30 08:00", None], tz="Asia/Dubai"), "n": [1.5, 2.0]}
    )
    write_csv(frame, tmp_path / "f.csv")
    assert (tmp_path / "f.csv").read_bytes() == b"t,n\n2026-11-30T08:00:00+04:00,1.5\n,2.0\n"
    write_text("a\nb\n", tmp_path / "t.txt")
    assert (tmp_path / "t.txt").read_bytes() == b"a\nb\n"


def test_a_failing_write_leaves_neither_target_nor_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError, match="boom"), atomic_open(target) as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_text("old\n", target)

    with pytest.raises(UnicodeEncodeError):
        write_text("new \ud800 text\n", target)  # a lone surrogate cannot be UTF-8
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_non_finite_numbers_are_written_as_empty_cells(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"asa_s": [12.5, float("inf"), float("nan"), -float("inf")], "n": [1, 2, 3, 4]}
    )
    write_csv(frame, tmp_path / "x.csv")
    assert (tmp_path / "x.csv").read_text().splitlines() == ["asa_s,n", "12.5,1", ",2", ",3", ",4"]


def test_check_writable_says_what_is_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "file.csv").write_text("x")
    (tmp_path / "folder").mkdir()
    assert (
        check_writable(tmp_path / "new" / "deeper" / "out.csv") == tmp_path / "new/deeper/out.csv"
    )
    assert check_writable(tmp_path / "folder", folder=True) == tmp_path / "folder"
    with pytest.raises(ConfigError, match=r"file\.csv is not a folder"):
        check_writable(tmp_path / "file.csv" / "out.csv")
    with pytest.raises(ConfigError, match="it is a folder; expected a file"):
        check_writable(tmp_path / "folder")
    with pytest.raises(ConfigError, match="it is a file; expected a folder"):
        check_writable(tmp_path / "file.csv", folder=True)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_check_writable_refuses_a_read_only_folder(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match="no permission to write"):
            check_writable(locked / "out.csv")
    finally:
        locked.chmod(0o700)


def test_check_writable_asks_the_operating_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a read-only folder gives a user who is not root (who may write anywhere)."""
    monkeypatch.setattr(wfmcore.io.os, "access", lambda path, mode: False)
    with pytest.raises(ConfigError, match=f"no permission to write in the folder {tmp_path}"):
        check_writable(tmp_path / "out.csv")

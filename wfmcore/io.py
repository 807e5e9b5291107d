"""File output that never leaves a half-written file behind.

Every file ``wfm`` writes goes through :func:`atomic_open`: the data go to a temporary file
beside the target, which is renamed onto it only once completely written, so a reader sees the
old file or the new one, never half of one. The file gets the usual mode of a new file
(``0o666`` less the umask: ``0644`` under umask ``022``), as ``open()`` would give it.

:func:`check_writable` tells, before any work starts, whether an output path can be written
(its folder exists or can be created, and the user may write there), so that a run never
computes for minutes only to fail when it saves.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, TextIO, overload

import numpy as np
import pandas as pd

from wfmcore.errors import ConfigError

__all__ = ["atomic_open", "check_writable", "write_csv", "write_text"]

_TRIES = 100


def _create_temp(path: Path, binary: bool) -> tuple[int, Path]:
    """Create a new, empty temporary file beside *path*; return its descriptor and name.

    ``tempfile.mkstemp`` would create it with mode 0600; ``os.open`` with 0o666 lets the
    process umask decide, as for any ordinary new file.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    if binary:
        flags |= getattr(os, "O_BINARY", 0)
    for _ in range(_TRIES):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary file name beside {path}")  # pragma: no cover


@overload
def atomic_open(
    path: str | Path, mode: Literal["w"] = "w", encoding: str | None = "utf-8"
) -> AbstractContextManager[TextIO]: ...
@overload
def atomic_open(
    path: str | Path, mode: Literal["wb"], encoding: str | None = "utf-8"
) -> AbstractContextManager[BinaryIO]: ...
def atomic_open(
    path: str | Path, mode: Literal["w", "wb"] = "w", encoding: str | None = "utf-8"
) -> AbstractContextManager[IO[Any]]:
    """Open a temporary file beside *path*; on success rename it onto *path*.

    Parent folders are created. Text is written as given (no newline translation). On any
    exception the temporary file is removed and *path* is left as it was.

    Parameters
    ----------
    path
        The file to write.
    mode
        ``"w"`` (text) or ``"wb"`` (bytes).
    encoding
        Text encoding (ignored for bytes).

    Returns
    -------
    contextlib.AbstractContextManager
        Gives the open file: a text file for ``"w"``, a binary one for ``"wb"``.
    """
    return _atomic_open(Path(path), mode, encoding)


@contextmanager
def _atomic_open(path: Path, mode: str, encoding: str | None) -> Iterator[IO[Any]]:
    """The context manager of :func:`atomic_open`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    binary = "b" in mode
    fd, tmp = _create_temp(path, binary)
    try:
        with (
            os.fdopen(fd, mode) if binary else os.fdopen(fd, mode, encoding=encoding, newline="")
        ) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def check_writable(
    path: str | Path, *, folder: bool = False, error: type[ConfigError] = ConfigError
) -> Path:
    """Check that *path* can be written, before any work is done.

    The nearest existing folder on the way to *path* must be a folder (not a file) that the user
    may write in; missing folders below it are created when the file is written.

    Parameters
    ----------
    path
        A file to write, or (``folder=True``) a folder to write files into.
    folder
        Whether *path* is a folder.
    error
        The :class:`~wfmcore.errors.ConfigError` class to raise.

    Returns
    -------
    pathlib.Path
        *path*.

    Raises
    ------
    ConfigError
        Naming *path* and what is in the way.
    """
    path = Path(path)
    if path.exists() and path.is_dir() != folder:
        what = "a folder; expected a file" if not folder else "a file; expected a folder"
        raise error(f"{path}: cannot write there: it is {what}")
    probe = path if folder else path.parent
    probe = probe if str(probe) else Path(".")
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise error(f"{path}: cannot write there: {probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise error(f"{path}: cannot write there: no permission to write in the folder {probe}")
    return path


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write *frame* as UTF-8 CSV atomically; datetimes as ISO 8601 with their UTC offset.

    Missing and non-finite numbers (NaN, inf) are written as empty cells: a person reading
    the file never sees ``nan`` or ``inf``.
    """
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].map(lambda t: t.isoformat() if pd.notna(t) else "")
        elif out[col].dtype.kind == "f":
            out[col] = out[col].where(np.isfinite(out[col].to_numpy()))
    with atomic_open(Path(path), "w", encoding="utf-8") as fh:
        out.to_csv(fh, index=False, lineterminator="\n")


def write_text(text: str, path: str | Path) -> None:
    """Write *text* atomically (UTF-8)."""
    with atomic_open(Path(path), "w", encoding="utf-8") as fh:
        fh.write(text)

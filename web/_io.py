"""File output that never leaves a half-written file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pandas as pd


@contextmanager
def atomic_open(path: Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside *path*; on success rename it onto *path*.

    On any exception the temporary file is removed and *path* is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None) as fh:
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


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write *frame* as UTF-8 CSV atomically; datetimes as ISO 8601 with their UTC offset."""
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].map(lambda t: t.isoformat() if pd.notna(t) else "")
    with atomic_open(Path(path), "w", encoding="utf-8") as fh:
        out.to_csv(fh, index=False, lineterminator="\n")


def write_text(text: str, path: Path) -> None:
    """Write *text* atomically."""
    with atomic_open(Path(path), "w", encoding="utf-8") as fh:
        fh.write(text)

"""The ``wfm`` console script's entry point: Ctrl-C is handled from the first moment.

Importing the command line takes a few seconds (pandas, OR-Tools, statsmodels). A Ctrl-C in
that time would print a ``KeyboardInterrupt`` traceback; here it ends the process quietly with
exit status 130 (nothing has been read or written yet). :func:`web.cli.main` then takes over.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType


def _abort(signum: int, frame: FrameType | None) -> None:
    sys.stderr.write("aborted (Ctrl-C): nothing written\n")
    sys.stderr.flush()
    os._exit(130)


def main() -> None:
    """Run ``wfm``."""
    signal.signal(signal.SIGINT, _abort)
    from web.cli import main as cli_main

    cli_main()


if __name__ == "__main__":  # pragma: no cover
    main()

"""The ``wfm`` command line: one click group, one module per verb family.

Each ``_verb.py`` module defines click commands and is registered in :data:`_COMMAND_MODULES`.
Domain errors (every :class:`wfmcore.errors.WfmError`: the libraries' trees and the shared
kernel's) become a one-line ``error: ...`` message and exit status 2 (3 for an infeasible
roster), never a traceback; Ctrl-C becomes ``aborted`` and exit status 130 (see
:mod:`web.cli._interrupt` for the roster search, where the first Ctrl-C keeps the best roster).
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from typing import Any

import click

from scheduling.errors import InfeasibleError
from web.cli._interrupt import EXIT_INTERRUPTED
from wfmcore.errors import WfmError

# Modules that each expose a ``COMMANDS`` list of click commands, in --help order.
_COMMAND_MODULES = [
    "web.cli._demo",
    "web.cli._history",
    "web.cli._forecast",
    "web.cli._staff",
    "web.cli._roster",
    "web.cli._serve",
]

EXIT_INPUT_ERROR = 2
EXIT_INFEASIBLE = 3


class WfmGroup(click.Group):
    """A click group that turns the libraries' domain errors into clean messages."""

    def invoke(self, ctx: click.Context) -> Any:  # click.Group.invoke returns Any
        """Run the command; on a domain error print ``error: ...`` and exit 2 (3: infeasible)."""
        try:
            return super().invoke(ctx)
        except InfeasibleError as exc:
            click.echo(f"error: infeasible roster: {exc}", err=True)
            for line in exc.conflicts:
                click.echo(f"  - {line}", err=True)
            ctx.exit(EXIT_INFEASIBLE)
        except WfmError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_INPUT_ERROR)
        except UnicodeDecodeError as exc:  # pragma: no cover - readers wrap this already
            click.echo(f"error: file is not valid UTF-8: {exc}", err=True)
            ctx.exit(EXIT_INPUT_ERROR)
        except KeyboardInterrupt:
            click.echo("aborted (Ctrl-C): nothing written", err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=WfmGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="contact-wfm", prog_name="wfm")
def cli() -> None:
    """contact-wfm: forecast contacts, staff to service targets, roster agents."""


for _name in _COMMAND_MODULES:
    for _command in importlib.import_module(_name).COMMANDS:
        cli.add_command(_command)


def main() -> None:
    """Console-script entry point.

    It is reached through :mod:`web._main`, which handles Ctrl-C while this module is imported.

    After an abort by Ctrl-C (exit status 130) the process ends at once, without waiting for
    the roster search's threads to notice.
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        cli.main(prog_name="wfm")
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
        raise


if __name__ == "__main__":  # pragma: no cover
    main()

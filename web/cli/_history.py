"""History verbs (filled in by the history-import work)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []

"""Verbs of this family are registered here as they land."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []

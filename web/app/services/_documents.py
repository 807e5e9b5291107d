"""Stored documents (rules, targets, events).

They are validated by the CLI's readers, so the messages match the command line's.
"""

from __future__ import annotations

from forecasting.calendar import Event, load_events
from forecasting.opening_hours import OpeningHours, load_opening_hours
from scheduling.roster.rules import RosterRules, load_rules
from scheduling.staffing.targets import Targets, load_targets
from web.app.extensions import db
from web.app.models import (
    CenterSettings,
    RulesVersion,
    Shift,
    TargetsVersion,
)
from web.app.services._common import actor, audit, check_length, fit_length, temp_file


def rules_of(version: RulesVersion) -> RosterRules:
    """The labour rules of a stored ``rules.toml`` version."""
    with temp_file(version.text, ".toml", version.filename or "rules") as path:
        return load_rules(path)


def targets_of(version: TargetsVersion) -> Targets:
    """The service targets of a stored ``targets.toml`` version."""
    with temp_file(version.text, ".toml", version.filename or "targets") as path:
        return load_targets(path)


def opening_hours_of(version: TargetsVersion | None) -> dict[str, OpeningHours] | None:
    """Per channel, the opening hours a targets version gives (``None`` without targets)."""
    if version is None:
        return None
    with temp_file(version.text, ".toml", version.filename or "targets") as path:
        return load_opening_hours(path)


def events_of(center: CenterSettings) -> tuple[Event, ...]:
    """The planner events stored in the settings (``events.csv`` text)."""
    if not center.events_csv.strip():
        return ()
    with temp_file(center.events_csv, ".csv", "events") as path:
        return load_events(path)


def save_rules(text: str, filename: str) -> RulesVersion:
    """Validate ``rules.toml`` text (the CLI's messages) and add it as the current version."""
    with temp_file(text, ".toml", filename or "rules") as path:
        rules = load_rules(path)
    for st in rules.shift_types:  # a shift's type is stored with it
        check_length(st.name, Shift.shift_type, "shift type")
    filename = fit_length(filename, RulesVersion.filename)
    row = RulesVersion(text=text, filename=filename, created_by=actor())
    db.session.add(row)
    db.session.flush()
    audit("rules_uploaded", f"rules:{row.id}", filename)
    return row


def save_targets(text: str, filename: str) -> TargetsVersion:
    """Validate ``targets.toml`` text and add it as the current version."""
    with temp_file(text, ".toml", filename or "targets") as path:
        targets = load_targets(path)
    for name in targets.names:  # a channel's name is stored with shifts and coverage rows
        check_length(name, Shift.channel, "channel")
    filename = fit_length(filename, TargetsVersion.filename)
    row = TargetsVersion(text=text, filename=filename, created_by=actor())
    db.session.add(row)
    db.session.flush()
    audit("targets_uploaded", f"targets:{row.id}", filename)
    return row

"""The managers' targets editor and the what-if.

The form holds one field per channel and key (``voice.service_level``); :func:`targets_form_dict`
turns it into the targets document, validated by
:func:`scheduling.staffing.targets.targets_from_dict` (the rules of ``targets.toml``), and a
:class:`~scheduling.errors.TargetsError` names the channel and key, which
:func:`field_of_error` maps back to the form field. :func:`what_if_numbers` is
:func:`scheduling.staffing.whatif.what_if` on the stored forecast and the published roster.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import tomllib
from typing import Any

import pandas as pd
from flask_babel import gettext
from sqlalchemy import select

from scheduling.errors import TargetsError
from scheduling.staffing.evaluate import roster_to_scheduled
from scheduling.staffing.targets import Targets, targets_from_dict
from scheduling.staffing.whatif import what_if
from web.app.extensions import db
from web.app.models import ForecastVersion, RosterVersion, TargetsVersion
from web.app.services._common import actor, audit, latest
from web.app.services._documents import save_targets
from web.app.services._forecast import forecast_frame
from web.app.services._roster import roster_frame_of

#: The editable keys, in the form's order, with their kind (``share``, ``number``, ``int``,
#: ``hours``) and the models that use them (``None``: every model).
TARGET_FIELDS: tuple[tuple[str, str, frozenset[str] | None], ...] = (
    ("service_level", "share", None),
    ("answer_within_s", "number", frozenset({"erlang_c", "erlang_a", "chat"})),
    ("max_asa_s", "number", frozenset({"erlang_c", "erlang_a", "chat"})),
    ("max_abandon_rate", "share", frozenset({"erlang_a", "chat"})),
    ("max_occupancy", "share", None),
    ("shrinkage", "share", None),
    ("patience_s", "number", frozenset({"erlang_a", "chat"})),
    ("concurrency", "int", frozenset({"chat"})),
    ("respond_within_h", "number", frozenset({"deferred"})),
    ("min_staff", "int", None),
    ("opening_hours", "hours", None),
)
_ERROR = re.compile(r"channel '([^']+)', key '([^']+)'")


def target_field_labels() -> dict[str, str]:
    """Each targets key's human label in the page's language.

    The editor shows the key beside it as a hint: ``targets.toml`` and the errors name it.
    """
    return {
        "model": gettext("model"),
        "service_level": gettext("service level (share answered in time)"),
        "answer_within_s": gettext("answer time (s)"),
        "max_asa_s": gettext("ASA cap (s)"),
        "max_abandon_rate": gettext("abandonment cap (share)"),
        "max_occupancy": gettext("maximum occupancy (share)"),
        "shrinkage": gettext("shrinkage (share)"),
        "patience_s": gettext("patience (s)"),
        "concurrency": gettext("concurrency (chats at once)"),
        "respond_within_h": gettext("response window (h)"),
        "min_staff": gettext("minimum staff"),
        "opening_hours": gettext("opening hours"),
    }


def current_targets_document() -> tuple[TargetsVersion | None, dict[str, Any]]:
    """The current targets version and its document (``{}`` without one)."""
    version = latest(TargetsVersion)
    return version, (tomllib.loads(version.text) if version is not None else {})


def targets_form_dict(form: Any, base: dict[str, Any]) -> dict[str, Any]:
    """The targets document from the editor's form, on top of ``base`` (the current one).

    Keys the form leaves empty are removed; numbers are parsed (a text that is not a number is
    kept as text, so the library's validation names the field).
    """
    out: dict[str, Any] = json.loads(json.dumps(base))
    channels: dict[str, Any] = out.setdefault("channels", {})
    for name, table in channels.items():
        model = form.get(f"{name}.model")
        if model:
            table["model"] = model
        for key, kind, _models in TARGET_FIELDS:
            field = f"{name}.{key}"
            if field not in form:
                continue
            text = str(form.get(field, "")).strip()
            if not text:
                table.pop(key, None)
            elif kind == "hours":
                table[key] = text
            else:
                table[key] = _number(text, kind)
    return out


def _number(text: str, kind: str) -> Any:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return text
    if kind == "int" and value.is_integer():
        return int(value)
    return value


def _problems() -> list[tuple[re.Pattern[str], str]]:
    """The targets validator's messages and their translations (``value`` is what was typed)."""
    return [
        (
            re.compile(r"must be a share in \(0, 1\], got (?P<value>.+)"),
            gettext("must be a share in (0, 1], got %(value)s"),
        ),
        (
            re.compile(r"must be in \(0, 1\], got (?P<value>.+)"),
            gettext("must be in (0, 1], got %(value)s"),
        ),
        (
            re.compile(r"must be in \[0, 1\), got (?P<value>.+)"),
            gettext("must be in [0, 1), got %(value)s"),
        ),
        (
            re.compile(r"must not be negative, got (?P<value>.+)"),
            gettext("must not be negative, got %(value)s"),
        ),
        (
            re.compile(r"must be positive, got (?P<value>.+)"),
            gettext("must be positive, got %(value)s"),
        ),
        (
            re.compile(r"must be at least 1, got (?P<value>.+)"),
            gettext("must be at least 1, got %(value)s"),
        ),
        (
            re.compile(r"expected a number, got (?P<value>.+)"),
            gettext("expected a number, got %(value)s"),
        ),
        (
            re.compile(r"expected a whole number, got (?P<value>.+)"),
            gettext("expected a whole number, got %(value)s"),
        ),
    ]


def error_message(exc: TargetsError) -> str:
    """A targets error in the page's language (the library's words in English).

    ``channel 'voice', key 'service_level': must be a share in (0, 1], got 1.5``; a message
    without a known form stays as the library wrote it.
    """
    text = str(exc)
    match = re.fullmatch(r"channel '([^']+)', key '([^']+)': (.*)", text, flags=re.S)
    if match is None:
        return text
    channel, key, problem = match.groups()
    for pattern, template in _problems():
        found = pattern.fullmatch(problem)
        if found:
            problem = template % {"value": found.group("value")}
            break
    return str(
        gettext(
            "channel '%(channel)s', key '%(key)s': %(problem)s",
            channel=channel,
            key=key,
            problem=problem,
        )
    )


def field_of_error(exc: TargetsError) -> str | None:
    """The form field (``channel.key``) a targets error names, if any."""
    match = _ERROR.search(str(exc))
    return f"{match.group(1)}.{match.group(2)}" if match else None


def validate_targets_form(form: Any) -> tuple[dict[str, Any], Targets | None, dict[str, str]]:
    """The form's document, its validated targets, and errors per field (empty when valid)."""
    _version, base = current_targets_document()
    doc = targets_form_dict(form, base)
    try:
        return doc, targets_from_dict(doc), {}
    except TargetsError as exc:
        return doc, None, {field_of_error(exc) or "_": error_message(exc)}


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, int) or not value.is_integer() else f"{value:.1f}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def targets_toml(doc: dict[str, Any]) -> str:
    """A targets document as ``targets.toml`` text (the shape :func:`targets_from_dict` reads)."""
    lines = []
    if "pool_queues" in doc:
        lines.append(f"pool_queues = {_toml_value(doc['pool_queues'])}\n")
    for name, table in doc.get("channels", {}).items():
        lines.append(f"[channels.{name}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items())
        lines.append("")
    return "\n".join(lines)


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    out = []
    for name, table in after.get("channels", {}).items():
        old = before.get("channels", {}).get(name, {})
        for key in sorted(set(old) | set(table)):
            if old.get(key) != table.get(key):
                out.append(f"{name}.{key}: {old.get(key, '-')} -> {table.get(key, '-')}")
    return out


def save_targets_form(form: Any) -> tuple[TargetsVersion | None, dict[str, str]]:
    """Validate the editor's form and store it as a new targets version naming what changed.

    Returns
    -------
    tuple
        The new version (``None`` when invalid or unchanged) and the errors per field.
    """
    _version, base = current_targets_document()
    doc, targets, errors = validate_targets_form(form)
    if targets is None:
        return None, errors
    changes = _changes(base, doc)
    if not changes:
        return None, {}
    row = save_targets(targets_toml(doc), "targets editor")
    row.note = "; ".join(changes)
    audit("targets_edited", f"targets:{row.id}", row.note)
    return row, {}


def latest_published() -> RosterVersion | None:
    """The newest published roster version."""
    stmt = (
        select(RosterVersion)
        .where(RosterVersion.status == "published")
        .order_by(RosterVersion.id.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None:
        return []
    return [{str(k): _clean(v) for k, v in rec.items()} for rec in frame.to_dict("records")]


def what_if_numbers(form: Any) -> dict[str, Any]:
    """The what-if of the editor's form against the current targets, as JSON-ready records.

    ``errors`` (per field) when the form is invalid; else ``week`` and ``daily`` (staffing
    hours before and after per channel), ``service_level`` (the published roster's expected
    service level before and after) and what they were computed on.
    """
    _doc, after, errors = validate_targets_form(form)
    if after is None:
        return {"errors": errors}
    version, base = current_targets_document()
    forecast = latest(ForecastVersion)
    if version is None or forecast is None:
        return {"errors": {"_": gettext("The what-if needs a forecast and targets.")}}
    before = targets_from_dict(base)
    frame = forecast_frame(forecast.id)
    frame = frame[frame["channel"].isin(after.names)]
    roster = latest_published()
    scheduled = None
    if roster is not None:
        shifts = roster_frame_of(roster.id)
        if not shifts.empty:
            scheduled = roster_to_scheduled(shifts, frame["interval_start"], forecast.interval_min)
    try:
        result = what_if(frame, before, after, forecast.interval_min, scheduled)
    except TargetsError as exc:
        return {"errors": {field_of_error(exc) or "_": error_message(exc)}}
    return {
        "errors": {},
        "forecast_id": forecast.id,
        "roster_id": roster.id if roster is not None else None,
        "week": _records(result.week),
        "daily": _records(result.daily),
        "service_level": _records(result.service_level),
        "by": actor(),
    }

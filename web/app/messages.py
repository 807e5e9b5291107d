"""What the libraries and the job runner say, in the page's language: codes to templates.

The libraries stay free of Flask and speak English; what they report carries a stable code
(the roster checker's :attr:`~scheduling.roster.check.Violation.code`, a solver
:class:`~scheduling.roster.records.Note`'s ``code``, a job's status and kind, an audit action).
This module maps each code to a ``lazy_gettext`` template with named parameters, and fills it
with the parameters isolated left to right (``<bdi dir="ltr">``), so that times, ranges,
numbers, ids and ISO dates keep their order inside Arabic text. Templates reach it through
the globals and the ``ltr`` filter that :func:`init_messages` registers.

Something without a known code (a row stored before the codes existed, a future code) is
shown as it was stored, isolated, rather than hidden: never a traceback, never a blank.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask
from flask_babel import LazyString, gettext, lazy_gettext
from markupsafe import Markup, escape

from wfmcore.errors import InputError

#: The roster checker's rules (``Violation.rule``), as the checker's table names them.
RULES: dict[str, LazyString] = {
    "agent": lazy_gettext("unknown agent"),
    "horizon": lazy_gettext("outside the week"),
    "structure": lazy_gettext("shift structure"),
    "skills": lazy_gettext("skills"),
    "shift_type": lazy_gettext("shift type"),
    "breaks": lazy_gettext("lunch and breaks"),
    "time_off": lazy_gettext("time off"),
    "earliest_start": lazy_gettext("earliest start"),
    "latest_end": lazy_gettext("latest end"),
    "min_hours_week": lazy_gettext("minimum hours a week"),
    "max_hours_week": lazy_gettext("maximum hours a week"),
    "max_days_week": lazy_gettext("most days a week"),
    "days_off": lazy_gettext("days off"),
    "days_off_consecutive": lazy_gettext("days off together"),
    "max_night_shifts": lazy_gettext("night shifts"),
    "min_rest": lazy_gettext("minimum rest"),
    "max_consecutive_days": lazy_gettext("consecutive days"),
    "locked_shifts": lazy_gettext("locked shifts"),
}

#: The checker's messages by ``Violation.code`` (its parameters by name).
VIOLATIONS: dict[str, LazyString] = {
    "agent": lazy_gettext("unknown agent id"),
    "horizon": lazy_gettext("outside %(first)s to %(last)s"),
    "structure.overlap": lazy_gettext("rows overlap at %(at)s"),
    "structure.hole": lazy_gettext("a hole between %(start)s and %(end)s"),
    "structure.start_day": lazy_gettext("the shift starts on %(day)s, not on its date"),
    "structure.work_ends": lazy_gettext("a shift must start and end with work"),
    "skills": lazy_gettext("works %(channel)s without the skill (%(skills)s)"),
    "shift_type": lazy_gettext("no shift type allows %(hours)s h from %(start)s on %(channels)s"),
    "shift_type.group": lazy_gettext(
        "no shift type allows %(hours)s h from %(start)s on %(channels)s for group %(group)s"
    ),
    "shift_type.no_channel": lazy_gettext(
        "no shift type allows %(hours)s h from %(start)s, no channel"
    ),
    "shift_type.no_channel.group": lazy_gettext(
        "no shift type allows %(hours)s h from %(start)s, no channel, for group %(group)s"
    ),
    "breaks.lunch_count": lazy_gettext("%(n)s lunch(es); shift type %(shift_type)s has %(want)s"),
    "breaks.break_count": lazy_gettext("%(n)s break(s); shift type %(shift_type)s has %(want)s"),
    "breaks.lunch_window": lazy_gettext(
        "lunch %(at)s min after the start for %(length)s min: outside its rule"
    ),
    "breaks.break_windows": lazy_gettext("breaks outside their windows or of the wrong length"),
    "breaks.gap": lazy_gettext("rest periods less than %(minutes)s min apart"),
    "time_off": lazy_gettext("works on approved time off"),
    "time_off.next_day": lazy_gettext("works into approved time off on %(day)s"),
    "earliest_start": lazy_gettext("starts at %(time)s"),
    "latest_end": lazy_gettext("ends at %(time)s"),
    "min_hours_week": lazy_gettext("week of %(week)s: %(hours)s h paid, fewer than %(limit)s h"),
    "max_hours_week": lazy_gettext("week of %(week)s: %(hours)s h paid, more than %(limit)s h"),
    "max_days_week": lazy_gettext("week of %(week)s: %(days)s working days, more than %(limit)s"),
    "days_off": lazy_gettext("week of %(week)s: %(days)s days off, fewer than %(limit)s"),
    "days_off_consecutive": lazy_gettext("week of %(week)s: no two days off in a row"),
    "max_night_shifts": lazy_gettext(
        "week of %(week)s: %(nights)s night shifts, more than %(limit)s"
    ),
    "min_rest": lazy_gettext("%(hours)s h rest after the shift of %(day)s, less than %(limit)s h"),
    "max_consecutive_days": lazy_gettext(
        "%(days)s days in a row from %(day)s, more than %(limit)s"
    ),
    "locked_shifts": lazy_gettext("differs from the locked previous roster"),
}

#: The solver's notes by ``Note.code`` (``scheduling.roster``), and the web layer's own.
NOTES: dict[str, LazyString] = {
    "stopped": lazy_gettext("stopped on request"),
    "stopped.greedy": lazy_gettext("stopped on request: the greedy start is returned"),
    "stopped.before_cpsat": lazy_gettext(
        "stopped on request before CP-SAT found a roster: greedy roster returned"
    ),
    "stopped.no_bound": lazy_gettext("stopped on request; the LP bound was not ready"),
    "greedy_fallback": lazy_gettext(
        "CP-SAT found no roster in the time limit: greedy roster returned (allow more time)"
    ),
    "restricted": lazy_gettext(
        "search restricted to the shifts of the LP relaxation's solution and the greedy start; "
        "bound from the LP relaxation"
    ),
    "lp_bound_late": lazy_gettext("the LP bound was not ready within the time limit: gap unknown"),
    "lp_under_late": lazy_gettext(
        "the LP bound on under-staffing was not ready within the time limit"
    ),
    "greedy_ate_limit": lazy_gettext(
        "the greedy start took %(took)s s of the %(limit)s s time limit: almost no time was "
        "left to improve it (allow more time)"
    ),
    "lns": lazy_gettext(
        "large-neighbourhood search: %(steps)s CP-SAT steps over a few agents or days each "
        "(%(improved)s improved the roster); bound from the LP relaxation"
    ),
    "sl_weights": lazy_gettext(
        "under-staffing weights from the service level lost per interval (%(channels)s)"
    ),
    "sl_weights.fixed": lazy_gettext(
        "under-staffing weights from the service level lost per interval (%(channels)s); "
        "fixed weights for %(fixed)s"
    ),
    "reoptimised": lazy_gettext("re-optimised around %(n)s locked shift(s)"),
    "locks_dropped": lazy_gettext("locked shift(s) dropped, no longer allowed: %(shifts)s"),
    "edited": lazy_gettext("edited by hand: %(agent)s %(day)s"),
}

#: A roster version's note (``rosters.note``), by the code in its summary's ``version_note``.
VERSION_NOTES: dict[str, LazyString] = {
    "reoptimised": lazy_gettext("re-optimised"),
    "edited_published": lazy_gettext("edited from published version %(id)s"),
    "trade": lazy_gettext("shift trade %(id)s"),
}

#: How a solve ended (``RosterStatus``).
SOLVER_STATUS: dict[str, LazyString] = {
    "optimal": lazy_gettext("optimal"),
    "feasible": lazy_gettext("feasible"),
    "infeasible": lazy_gettext("infeasible"),
}

#: A job's status.
JOB_STATUS: dict[str, LazyString] = {
    "queued": lazy_gettext("queued"),
    "running": lazy_gettext("running"),
    "succeeded": lazy_gettext("succeeded"),
    "failed": lazy_gettext("failed"),
    "cancelled": lazy_gettext("cancelled"),
}

#: A job's kind (``web.app.jobs`` handlers).
JOB_KINDS: dict[str, LazyString] = {
    "forecast": lazy_gettext("forecast"),
    "requirements": lazy_gettext("requirements"),
    "roster": lazy_gettext("roster"),
    "history": lazy_gettext("history upload"),
}

#: The runner's and the handlers' fixed job messages.
JOB_MESSAGES: dict[str, LazyString] = {
    "done": lazy_gettext("done"),
    "cancelled; nothing was saved": lazy_gettext("cancelled; nothing was saved"),
    "cancelled before it started": lazy_gettext("cancelled before it started"),
    "checking and saving": lazy_gettext("checking and saving"),
    "saving": lazy_gettext("saving"),
    "saving the forecast": lazy_gettext("saving the forecast"),
    "computing requirements": lazy_gettext("computing requirements"),
}

#: A running job's progress lines with parameters. The job row stores the English line, made
#: by :func:`progress_text` from the template itself, so :func:`job_message` can say it in the
#: page's language (the jobs table has no column for a code).
JOB_PROGRESS: dict[str, LazyString] = {
    "history_read": lazy_gettext("history read: %(rows)s rows"),
    "series": lazy_gettext("%(done)s/%(total)s series"),
    "rostering": lazy_gettext("rostering %(n)s agents"),
    "solving": lazy_gettext("%(phase)s: solution %(n)s"),
    "reading": lazy_gettext("reading %(name)s"),
    "inserting": lazy_gettext("%(done)s of %(total)s rows stored"),
}

#: How a channel's queues are staffed (``QueuePlan.pooling``, ``targets.toml``'s ``pool``),
#: shown on the requirements page instead of the library's English note (#19).
POOLINGS: dict[str, LazyString] = {
    "queue": lazy_gettext("each queue staffed alone to its own targets"),
    "entity": lazy_gettext("each entity's languages pooled"),
    "group": lazy_gettext("each entity group's queues pooled"),
    "channel": lazy_gettext("every queue of the channel pooled into one"),
}


def pooling_text(mode: object) -> Markup:
    """What a pooling code means, translated (an unknown code is shown as it is)."""
    return _lookup(POOLINGS, mode)


_FIELD = re.compile(r"%\((\w+)\)s")


def _english(template: LazyString) -> str:
    """A lazy template's msgid (its English)."""
    return str(template._args[0])


def _pattern(template: LazyString) -> re.Pattern[str]:
    parts = _FIELD.split(_english(template))
    # split gives text, name, text, name, ...: the text literally, each field as a group
    rx = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
    )
    return re.compile(f"^{rx}$", re.S)


_PROGRESS_PATTERNS = {key: _pattern(t) for key, t in JOB_PROGRESS.items()}


def progress_text(key: str, **params: object) -> str:
    """The English progress line ``key`` with ``params`` (what a job handler reports)."""
    return _english(JOB_PROGRESS[key]) % {k: str(v) for k, v in params.items()}


#: Audit actions (``audit(action, ...)`` in the web layer).
AUDIT_ACTIONS: dict[str, LazyString] = {
    "agent_activated": lazy_gettext("agent activated"),
    "agent_added": lazy_gettext("agent added"),
    "agent_deactivated": lazy_gettext("agent deactivated"),
    "agent_edited": lazy_gettext("agent edited"),
    "agents_imported": lazy_gettext("agents imported"),
    "channel_removed": lazy_gettext("channel removed"),
    "channel_saved": lazy_gettext("channel saved"),
    "events_uploaded": lazy_gettext("events uploaded"),
    "feed_token_reset": lazy_gettext("calendar link reset"),
    "forecast_generated": lazy_gettext("forecast generated"),
    "forecast_overridden": lazy_gettext("forecast overridden"),
    "forecast_requested": lazy_gettext("forecast requested"),
    "history_uploaded": lazy_gettext("history uploaded"),
    "job_cancel_requested": lazy_gettext("job cancellation requested"),
    "language_set": lazy_gettext("language chosen"),
    "preferences_saved": lazy_gettext("preferences saved"),
    "requirements_generated": lazy_gettext("requirements computed"),
    "requirements_requested": lazy_gettext("requirements requested"),
    "roster_generated": lazy_gettext("roster generated"),
    "roster_publication_declined": lazy_gettext("roster publication declined"),
    "roster_publication_requested": lazy_gettext("roster publication requested"),
    "roster_published": lazy_gettext("roster published"),
    "roster_reoptimise_requested": lazy_gettext("re-optimisation requested"),
    "roster_reoptimised": lazy_gettext("roster re-optimised"),
    "roster_requested": lazy_gettext("roster requested"),
    "rules_uploaded": lazy_gettext("rules uploaded"),
    "setting_changed": lazy_gettext("setting changed"),
    "settings_changed": lazy_gettext("settings changed"),
    "shift_edited": lazy_gettext("shift edited"),
    "sign_in": lazy_gettext("signed in"),
    "sign_in_failed": lazy_gettext("sign-in failed"),
    "sign_out": lazy_gettext("signed out"),
    "user_deactivated": lazy_gettext("user deactivated"),
    "roster_publish_override": lazy_gettext("roster published over the checker's violations"),
    "targets_edited": lazy_gettext("targets edited"),
    "targets_uploaded": lazy_gettext("targets uploaded"),
    "time_off_cancelled": lazy_gettext("time off cancelled"),
    "time_off_approved": lazy_gettext("time off approved"),
    "time_off_declined": lazy_gettext("time off declined"),
    "time_off_requested": lazy_gettext("time off requested"),
    "trade_accepted": lazy_gettext("trade accepted"),
    "trade_applied": lazy_gettext("trade applied"),
    "trade_cancelled": lazy_gettext("trade cancelled"),
    "trade_declined": lazy_gettext("trade declined"),
    "trade_offered": lazy_gettext("trade offered"),
    "trade_refused": lazy_gettext("trade refused"),
    "user_saved": lazy_gettext("user saved"),
    "entities_imported": lazy_gettext("entities imported"),
    "entity_added": lazy_gettext("entity added"),
    "entity_edited": lazy_gettext("entity edited"),
    "entity_activated": lazy_gettext("entity activated"),
    "entity_deactivated": lazy_gettext("entity deactivated"),
    "queue_map_saved": lazy_gettext("queue mapping saved"),
    "queue_map_deleted": lazy_gettext("queue mapping deleted"),
    "queue_map_imported": lazy_gettext("queue mapping imported"),
    "history_upload_requested": lazy_gettext("history upload requested"),
}


def isolate(value: object) -> Markup:
    """``value`` escaped in a left-to-right isolate: ``<bdi dir="ltr">…</bdi>``.

    For times, ranges, numbers, ids and ISO dates inside right-to-left text (the ``ltr``
    template filter). ``None`` and ``""`` give an empty string, not an empty isolate.
    """
    if value is None or value == "":
        return Markup("")
    return Markup('<bdi dir="ltr">%s</bdi>') % (value,)


def embed(value: object) -> Markup:
    """``value`` escaped in an isolate of its own direction: ``<bdi>…</bdi>``.

    For names and free text from the data (agents' names, usernames, notes), which may be
    Arabic or Latin. ``None`` and ``""`` give an empty string.
    """
    if value is None or value == "":
        return Markup("")
    return Markup("<bdi>%s</bdi>") % (value,)


def say(template: str | LazyString, params: Mapping[str, object] | Iterable[Any] = ()) -> Markup:
    """The translated ``template`` filled with ``params``, each escaped and isolated.

    A parameter that is :class:`~markupsafe.Markup` already (a translated phrase) is kept as
    it is.
    """
    values = dict(params)
    text = Markup(escape(str(template)))
    if not values and "%(" not in text:  # nothing to fill (a missing parameter raises)
        return text
    return text % {k: v if isinstance(v, Markup) else isolate(v) for k, v in values.items()}


def _lookup(table: Mapping[str, LazyString], code: object) -> Markup:
    label = table.get(str(code)) if code is not None else None
    return say(label) if label is not None else isolate(code)


def rule_label(rule: object) -> Markup:
    """A checker rule's name (``min_rest`` → *minimum rest*)."""
    return _lookup(RULES, rule)


def violation_text(violation: Mapping[str, Any] | Any) -> Markup:
    """What a stored violation (a dict) or a :class:`Violation` says, translated."""
    get = violation.get if isinstance(violation, Mapping) else lambda k: getattr(violation, k, None)
    code = get("code") or ""
    template = VIOLATIONS.get(code)
    if template is None:
        return isolate(get("message") or get("rule") or "")
    params = get("params") or {}
    try:
        return say(template, params)
    except (KeyError, TypeError, ValueError):  # parameters of another version: the English
        return isolate(get("message") or "")


def summary_notes(summary: Mapping[str, Any]) -> list[Markup]:
    """A roster summary's notes, translated where their code is known."""
    notes = list(summary.get("notes") or [])
    codes = list(summary.get("note_codes") or [])
    out = []
    for i, note in enumerate(notes):
        coded = codes[i] if i < len(codes) else None
        if isinstance(coded, Mapping) and coded.get("code") in NOTES:
            out.append(say(NOTES[coded["code"]], coded.get("params") or {}))
        else:
            out.append(isolate(note))
    return out


def version_note(note: str | None, summary: Mapping[str, Any] | None = None) -> Markup:
    """A roster version's note, translated when its summary holds the note's code."""
    coded = (summary or {}).get("version_note")
    if isinstance(coded, Mapping) and coded.get("code") in VERSION_NOTES:
        return say(VERSION_NOTES[coded["code"]], coded.get("params") or {})
    if note in ("re-optimised",):
        return say(VERSION_NOTES["reoptimised"])
    return isolate(note)


def solver_status(status: object) -> Markup:
    """How the solve ended (``optimal``, ``feasible``, ``infeasible``)."""
    return _lookup(SOLVER_STATUS, status)


def job_status(status: object) -> str:
    """A job's status in the current language (plain text: JSON and badges)."""
    label = JOB_STATUS.get(str(status))
    return str(label) if label is not None else str(status)


def job_kind(kind: object) -> str:
    """A job's kind in the current language."""
    label = JOB_KINDS.get(str(kind))
    return str(label) if label is not None else str(kind)


def job_message(message: str | None) -> str:
    """A job's message: translated when it is a fixed one or a progress line, else as stored."""
    label = JOB_MESSAGES.get(message or "")
    if label is not None:
        return str(label)
    for key, pattern in _PROGRESS_PATTERNS.items():
        if (m := pattern.match(message or "")) is not None:
            values = {k: f"\u2066{v}\u2069" for k, v in m.groupdict().items()}  # LRI ... PDI
            return str(JOB_PROGRESS[key]) % values
    return message or ""


def audit_action(action: object) -> Markup:
    """An audit action's name (the code itself stays in the filter box and the export)."""
    return _lookup(AUDIT_ACTIONS, action)


def error_text(exc: BaseException | str) -> Markup:
    """An upload's error for the page: the location in the page's language, then the detail.

    An :class:`~wfmcore.errors.InputError` says *file, row, column* in the page's language and
    its detail (the library's English sentence) isolated; anything else as it reads.
    """
    if not isinstance(exc, InputError):
        return isolate(str(exc))
    where: list[Markup] = []
    if exc.file is not None:
        where.append(isolate(exc.file))
    if exc.row is not None:
        where.append(say(lazy_gettext("row %(row)s"), {"row": exc.row}))
    if exc.column is not None:
        where.append(say(lazy_gettext("column %(column)s"), {"column": exc.column}))
    detail = isolate(exc.detail)
    if not where:
        return detail
    return Markup(gettext("%(where)s: %(detail)s")) % {
        "where": Markup(gettext(", ")).join(where),
        "detail": detail,
    }


def init_messages(app: Flask) -> None:
    """Register the ``ltr`` filter and the helpers above as template globals."""
    app.add_template_filter(isolate, "ltr")
    app.add_template_filter(embed, "bdi")
    app.jinja_env.globals.update(
        rule_label=rule_label,
        violation_text=violation_text,
        summary_notes=summary_notes,
        version_note=version_note,
        solver_status=solver_status,
        job_status=job_status,
        job_kind=job_kind,
        job_message=job_message,
        audit_action=audit_action,
        error_text=error_text,
        pooling_text=pooling_text,
    )


__all__ = [
    "AUDIT_ACTIONS",
    "JOB_KINDS",
    "JOB_MESSAGES",
    "JOB_PROGRESS",
    "JOB_STATUS",
    "NOTES",
    "POOLINGS",
    "RULES",
    "SOLVER_STATUS",
    "VERSION_NOTES",
    "VIOLATIONS",
    "audit_action",
    "embed",
    "error_text",
    "init_messages",
    "isolate",
    "job_kind",
    "job_message",
    "job_status",
    "pooling_text",
    "progress_text",
    "rule_label",
    "say",
    "solver_status",
    "summary_notes",
    "version_note",
    "violation_text",
]

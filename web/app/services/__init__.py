"""The thin glue between the database and the libraries.

Rows in, frames out (and back): the history, forecast, requirement, shift and coverage tables
become the libraries' documented frames here, and the library results become rows. Every
computation is a library call, the same the ``wfm`` verbs make: the steps of
:mod:`web.pipeline`, :func:`scheduling.staffing.requirements.compute_requirements`, the
roster solve (through :func:`web.pipeline.roster_step`) and
:func:`scheduling.roster.check.check_roster`. Stored documents (rules, targets, agents,
events) are validated by the same readers as the files the CLI reads, so the messages match.

Each ``save_*``/``import_*``/``edit_*`` function adds everything that belongs together to the
session and leaves the commit to its caller, so a unit of work is one transaction (the views
and the job runner commit once, or roll back on any error).

One private module per concern: ``_common`` (the acting user, audit, settings, time
conversions, temporary files, bulk inserts), ``_documents`` (rules, targets, events),
``_history``, ``_forecast``, ``_requirements``, ``_agents``, ``_roster`` (jobs, versions,
grid, coverage, hand edits, publishing), ``_export`` (CSV and Excel) and ``_selfservice``
(an agent's weeks, calendar feed, time off and preferences), ``_targets`` (the managers'
targets editor and what-if) and ``_manager`` (approvals, settings, the week's dashboard).
"""

from web.app.services._agents import (
    AGENT_FIELDS,
    agent_records,
    agents_csv_text,
    import_agents,
    save_agent,
    validate_agent_values,
)
from web.app.services._common import (
    JobContextLike,
    actor,
    audit,
    latest,
    local_ts,
    settings,
    temp_file,
    to_local,
    to_utc,
)
from web.app.services._documents import (
    events_of,
    opening_hours_of,
    rules_of,
    save_rules,
    save_targets,
    targets_of,
)
from web.app.services._export import roster_csv, roster_xlsx
from web.app.services._forecast import (
    FORECAST_FRAME_COLUMNS,
    add_override,
    forecast_chart,
    forecast_frame,
    forecast_series,
    run_forecast_job,
    save_forecast,
)
from web.app.services._history import (
    CHART_WEEKS,
    history_chart,
    history_frame,
    import_history,
    save_history,
)
from web.app.services._manager import (
    SETTINGS_DEFAULTS,
    awaiting_publication,
    decide_time_off,
    decided_time_off,
    flag,
    get_setting,
    pending_time_off,
    request_publication,
    set_budget,
    set_setting,
    week_dashboard,
)
from web.app.services._requirements import (
    REQUIREMENT_VALUES,
    requirements_chart,
    requirements_daily,
    requirements_frame,
    run_requirements_job,
    save_requirements,
)
from web.app.services._roster import (
    copy_roster,
    coverage_chart,
    coverage_frame_of,
    edit_shift,
    publish_roster,
    roster_dates,
    roster_frame_of,
    roster_grid,
    run_roster_job,
    save_roster,
)
from web.app.services._selfservice import (
    WEEKDAY_KEYS,
    AgentDay,
    activity_label,
    agent_for_token,
    agent_roster_frame,
    cancel_time_off,
    feed_ics,
    has_feed,
    my_time_off,
    my_weeks,
    published_weeks,
    request_time_off,
    reset_feed_token,
    save_preferences,
)
from web.app.services._targets import (
    TARGET_FIELDS,
    current_targets_document,
    field_of_error,
    latest_published,
    save_targets_form,
    targets_form_dict,
    targets_toml,
    validate_targets_form,
    what_if_numbers,
)

__all__ = [
    "SETTINGS_DEFAULTS",
    "TARGET_FIELDS",
    "awaiting_publication",
    "current_targets_document",
    "decide_time_off",
    "decided_time_off",
    "field_of_error",
    "flag",
    "get_setting",
    "latest_published",
    "pending_time_off",
    "request_publication",
    "save_targets_form",
    "set_budget",
    "set_setting",
    "targets_form_dict",
    "targets_toml",
    "validate_targets_form",
    "week_dashboard",
    "what_if_numbers",
    "WEEKDAY_KEYS",
    "AgentDay",
    "activity_label",
    "agent_for_token",
    "agent_roster_frame",
    "cancel_time_off",
    "feed_ics",
    "has_feed",
    "my_time_off",
    "my_weeks",
    "published_weeks",
    "request_time_off",
    "reset_feed_token",
    "save_preferences",
    "AGENT_FIELDS",
    "CHART_WEEKS",
    "FORECAST_FRAME_COLUMNS",
    "REQUIREMENT_VALUES",
    "JobContextLike",
    "actor",
    "add_override",
    "agent_records",
    "agents_csv_text",
    "audit",
    "copy_roster",
    "coverage_chart",
    "coverage_frame_of",
    "edit_shift",
    "events_of",
    "forecast_chart",
    "forecast_frame",
    "forecast_series",
    "history_chart",
    "history_frame",
    "import_agents",
    "import_history",
    "latest",
    "local_ts",
    "opening_hours_of",
    "publish_roster",
    "requirements_chart",
    "requirements_daily",
    "requirements_frame",
    "roster_csv",
    "roster_dates",
    "roster_frame_of",
    "roster_grid",
    "roster_xlsx",
    "rules_of",
    "run_forecast_job",
    "run_requirements_job",
    "run_roster_job",
    "save_agent",
    "save_forecast",
    "save_history",
    "save_requirements",
    "save_roster",
    "save_rules",
    "save_targets",
    "settings",
    "targets_of",
    "temp_file",
    "to_local",
    "to_utc",
    "validate_agent_values",
]

"""The small shared kernel of contact-wfm: what :mod:`forecasting` and :mod:`scheduling` both need.

It imports neither library (a test checks), so the two libraries share one vocabulary without
importing each other:

- :mod:`wfmcore.defaults`: the default time zone and holiday country, weekdays, minutes per day;
- :mod:`wfmcore.errors`: the error base (:class:`WfmError`, :class:`InputError`,
  :class:`ConfigError`) that each library's error tree extends;
- :mod:`wfmcore.opening_hours`: the one opening-hours grammar and its :class:`OpeningHours`;
- :mod:`wfmcore.parse`: times of day, time zones, and the column parsers of the CSV readers;
- :mod:`wfmcore.frames`: the documented column contracts and the roster CSV reader;
- :mod:`wfmcore.io`: the atomic file writer every output goes through.
"""

from wfmcore.defaults import (
    DEFAULT_COUNTRY,
    DEFAULT_TZ,
    FIRST_DATE,
    LAST_DATE,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    WEEKDAYS,
)
from wfmcore.errors import (
    ConfigError,
    InputError,
    WfmError,
)
from wfmcore.frames import (
    AGENT_COLUMNS,
    AGENT_OPTIONAL,
    AGENT_REQUIRED,
    DEMAND_COLUMNS,
    FORECAST_COLUMNS,
    HISTORY_COLUMNS,
    HISTORY_REQUIRED,
    REQUIREMENT_COLUMNS,
    ROSTER_ACTIVITIES,
    ROSTER_COLUMNS,
    read_roster,
)
from wfmcore.io import (
    atomic_open,
    check_writable,
    write_csv,
    write_text,
)
from wfmcore.opening_hours import (
    OpeningHours,
)
from wfmcore.parse import (
    check_tz,
    first_bad,
    format_hhmm,
    more,
    parse_hhmm,
    parse_numbers,
    parse_text,
    parse_timestamps,
    read_csv_checked,
    sniff_separator,
    to_datetimes,
)

__all__ = [
    "AGENT_COLUMNS",
    "AGENT_OPTIONAL",
    "AGENT_REQUIRED",
    "DEFAULT_COUNTRY",
    "DEFAULT_TZ",
    "DEMAND_COLUMNS",
    "FIRST_DATE",
    "FORECAST_COLUMNS",
    "HISTORY_COLUMNS",
    "HISTORY_REQUIRED",
    "LAST_DATE",
    "MINUTES_PER_DAY",
    "MINUTES_PER_WEEK",
    "REQUIREMENT_COLUMNS",
    "ROSTER_ACTIVITIES",
    "ROSTER_COLUMNS",
    "WEEKDAYS",
    "ConfigError",
    "InputError",
    "OpeningHours",
    "WfmError",
    "atomic_open",
    "check_tz",
    "check_writable",
    "first_bad",
    "format_hhmm",
    "more",
    "parse_hhmm",
    "parse_numbers",
    "parse_text",
    "parse_timestamps",
    "read_csv_checked",
    "read_roster",
    "sniff_separator",
    "to_datetimes",
    "write_csv",
    "write_text",
]

"""The small shared kernel of contact-wfm: what :mod:`forecasting` and :mod:`scheduling` both need.

It imports neither library (a test checks), so the two libraries can share one vocabulary without
importing each other.
"""

from wfmcore.defaults import (
    DEFAULT_COUNTRY,
    DEFAULT_TZ,
    MINUTES_PER_DAY,
    MINUTES_PER_WEEK,
    WEEKDAYS,
)

__all__ = [
    "DEFAULT_COUNTRY",
    "DEFAULT_TZ",
    "MINUTES_PER_DAY",
    "MINUTES_PER_WEEK",
    "WEEKDAYS",
]

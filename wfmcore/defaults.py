"""Defaults and calendar constants every part of contact-wfm shares."""

from __future__ import annotations

#: The center's time zone when none is configured (the UAE: UTC+4, no daylight saving).
DEFAULT_TZ = "Asia/Dubai"
#: The holiday calendar when none is configured (``holidays`` country code).
DEFAULT_COUNTRY = "AE"
#: Weekday keys, Monday first (``datetime.date.weekday()`` order).
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Minutes in a wall-clock day and week.
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY

"""Defaults and calendar constants every part of contact-wfm shares."""

from __future__ import annotations

import datetime as _dt

#: The center's time zone when none is configured (the UAE: UTC+4, no daylight saving).
DEFAULT_TZ = "Asia/Dubai"
#: The holiday calendar when none is configured (``holidays`` country code).
DEFAULT_COUNTRY = "AE"
#: Weekday keys, Monday first (``datetime.date.weekday()`` order).
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Minutes in a wall-clock day and week.
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY
#: The dates any input file may hold (inclusive). Contact-center records are later than 1970,
#: and the time-zone database's rules are reliable from then on; a year such as 1900 would be
#: read in local mean time (e.g. +03:41:12 in Dubai). Readers refuse dates outside this range,
#: naming the file and row; the forecasting calendar narrows it further to what it supports.
FIRST_DATE = _dt.date(1970, 1, 1)
LAST_DATE = _dt.date(2099, 12, 31)

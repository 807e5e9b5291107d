"""Opening hours per channel from targets.toml (the grammar itself: tests/wfmcore)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecasting.errors import ConfigError
from forecasting.opening_hours import OpeningHours, load_opening_hours

MONDAY = pd.Timestamp("2026-11-30", tz="Asia/Dubai")  # a Monday


def at(day: int, hhmm: str) -> pd.Timestamp:
    h, m = map(int, hhmm.split(":"))
    return MONDAY + pd.Timedelta(days=day, hours=h, minutes=m)


def test_forecasting_uses_the_kernel_record() -> None:
    import forecasting
    import wfmcore

    assert forecasting.OpeningHours is OpeningHours is wfmcore.OpeningHours


def test_load_opening_hours_reads_only_that_key(tmp_path: Path) -> None:
    path = tmp_path / "targets.toml"
    path.write_text(
        """
pool_queues = true
[channels.voice]
model = "erlang_a"
opening_hours = "24/7"
[channels.chat]
model = "chat"
unknown_key_for_scheduling = 1
opening_hours = "07:00-23:00"
[channels.email]
model = "deferred"
[channels.social.opening_hours]
default = "08:00-20:00"
fri = "closed"
""",
        encoding="utf-8",
    )
    hours = load_opening_hours(path)
    assert sorted(hours) == ["chat", "social", "voice"]  # email sets none: inferred later
    assert hours["voice"].is_always_open
    assert str(hours["chat"]) == "daily 07:00-23:00"
    assert hours["social"].is_open([at(4, "10:00"), at(3, "10:00")]).tolist() == [False, True]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "[channels.chat]\nopening_hours = 'x'\n",
            r"\[channels.chat\] opening_hours: cannot read 'x'",
        ),
        (
            "[channels.chat.opening_hours]\nfri = '7-9'\n",
            r"\[channels.chat\] opening_hours: fri: cannot read '7-9'",
        ),
        ("[channels.chat\n", "invalid TOML"),
        ("channels = 3\n", "must be a table"),
    ],
)
def test_load_opening_hours_errors_name_file_and_channel(
    tmp_path: Path, text: str, match: str
) -> None:
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=match) as info:
        load_opening_hours(path)
    assert str(path) in str(info.value)


def test_load_opening_hours_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_opening_hours(tmp_path / "nope.toml")

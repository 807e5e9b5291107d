"""targets.toml: the demo file, opening hours, and the bad-target suite."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scheduling.errors import TargetsError
from scheduling.staffing.targets import OpeningHours, load_targets, parse_opening_hours


def test_demo_targets_file(repo_root: Path) -> None:
    t = load_targets(repo_root / "data" / "targets.toml")
    assert t.names == ["voice", "chat", "whatsapp", "email"]
    assert t.pool_queues is True
    voice, chat, email = t["voice"], t["chat"], t["email"]
    assert (voice.model, voice.service_level, voice.answer_within_s) == ("erlang_a", 0.8, 20)
    assert voice.patience_s == 120 and voice.opening_hours.is_always_open
    assert (chat.model, chat.concurrency, chat.answer_within_s) == ("chat", 3, 60)
    assert (email.model, email.service_level, email.respond_within_h) == ("deferred", 0.9, 24)
    assert email.opening_hours.is_always_open and not email.working_hours.is_always_open
    with pytest.raises(TargetsError, match="'sms'"):
        t["sms"]


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "targets.toml"
    p.write_text(body, encoding="utf-8")
    return p


BAD = [
    ('[channels.voice]\nmodel = "erlang_c"\nservice_level = 1.2\n', "voice.*service_level"),
    ('[channels.voice]\nmodel = "erlang_c"\nanswer_within_s = -5\n', "voice.*answer_within_s"),
    ('[channels.voice]\nmodel = "erlang_c"\nmax_occupancy = 0\n', "voice.*max_occupancy"),
    ('[channels.voice]\nmodel = "erlang_c"\nshrinkage = 1.0\n', "voice.*shrinkage"),
    ('[channels.voice]\nmodel = "erlang_c"\nservce_level = 0.8\n', "voice.*servce_level.*unknown"),
    ('[channels.voice]\nmodel = "erlang_x"\n', "voice.*model.*erlang_x"),
    ("[channels.voice]\nservice_level = 0.8\n", "voice.*model.*missing"),
    ('[channels.voice]\nmodel = "erlang_a"\n', "voice.*patience_s.*required"),
    ('[channels.voice]\nmodel = "erlang_a"\npatience_s = 0\n', "voice.*patience_s.*positive"),
    ('[channels.voice]\nmodel = "erlang_c"\npatience_s = 60\n', "voice.*patience_s"),
    ('[channels.chat]\nmodel = "chat"\nconcurrency = 0\n', "chat.*concurrency"),
    ('[channels.chat]\nmodel = "chat"\nconcurrency = 2.5\n', "chat.*concurrency.*whole"),
    ('[channels.voice]\nmodel = "erlang_c"\nconcurrency = 2\n', "voice.*concurrency.*chat"),
    ('[channels.email]\nmodel = "deferred"\n', "email.*respond_within_h.*required"),
    ('[channels.email]\nmodel = "deferred"\nrespond_within_h = -1\n', "email.*respond_within_h"),
    ('[channels.voice]\nmodel = "erlang_c"\nservice_level = "high"\n', "voice.*service_level"),
    ('[channels.voice]\nmodel = "erlang_c"\nmin_staff = -1\n', "voice.*min_staff"),
    ('[channels.voice]\nmodel = "erlang_c"\nopening_hours = "7-22"\n', "voice.*opening_hours"),
    (
        '[channels.voice]\nmodel = "erlang_c"\nopening_hours = "07:00-25:00"\n',
        "voice.*opening_hours",
    ),
    (
        '[channels.voice]\nmodel = "erlang_c"\n'
        'opening_hours = { mon = "07:00-22:00", xyz = "closed" }\n',
        "voice.*opening_hours.*xyz",
    ),
    ('[channels.voice]\nmodel = "erlang_c"\nstaffed_hours = "24/7"\n', "voice.*staffed_hours"),
    ('pool_queues = "yes"\n[channels.voice]\nmodel = "erlang_c"\n', "pool_queues"),
    ('colour = 1\n[channels.voice]\nmodel = "erlang_c"\n', "colour"),
    ("pool_queues = true\n", "no channels"),
    ("[channels.voice\nmodel = 1\n", "not valid TOML"),
]


@pytest.mark.parametrize(("body", "match"), BAD)
def test_bad_targets(tmp_path: Path, body: str, match: str) -> None:
    with pytest.raises(TargetsError, match=match):
        load_targets(_write(tmp_path, body))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TargetsError, match="not found"):
        load_targets(tmp_path / "nope.toml")


def test_opening_hours_masks() -> None:
    ts = pd.Series(
        pd.to_datetime(
            [
                "2026-11-30 06:30",  # Mon
                "2026-11-30 07:00",
                "2026-11-30 21:30",
                "2026-11-30 22:00",
                "2026-12-04 13:30",  # Fri
                "2026-12-04 15:00",
                "2026-12-05 10:00",  # Sat
                "2026-12-06 01:00",  # Sun, after Saturday's overnight range
            ]
        ).tz_localize("Asia/Dubai")
    )
    hours = parse_opening_hours(
        {
            "default": "07:00-22:00",
            "fri": ["07:00-12:00", "14:00-20:00"],
            "sat": "20:00-02:00",
            "sun": "closed",
        },
        where="test",
    )
    assert list(hours.is_open(ts)) == [False, True, True, False, False, True, False, True]
    assert OpeningHours.always().is_open(ts).all()
    assert parse_opening_hours("00:00-24:00", where="t").is_always_open

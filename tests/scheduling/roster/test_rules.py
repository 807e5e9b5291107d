"""rules.toml reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduling.errors import RulesError
from scheduling.roster.rules import load_rules

SHIFT = '[[shift]]\nname = "d"\nlength_h = 9\nstarts = ["06:00-08:00"]\n'


def test_demo_rules_load(repo_root: Path) -> None:
    rules = load_rules(repo_root / "data" / "rules.toml")
    day = rules.shift_types[0]
    assert day.paid_min == 480 and day.start_times()[:2] == [360, 390]
    assert rules.min_rest_min == 720 and rules.max_night_shifts_week == 4
    assert list(rules.weights.under_staffing) == sorted(rules.weights.under_staffing)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "shift"),
        (SHIFT + "[week]\nmin_rest = 12\n", "week.min_rest"),
        (SHIFT + "[week]\nmin_rest_h = -1\n", "week.min_rest_h"),
        (SHIFT.replace('"06:00-08:00"', '"6-8"'), "starts"),
        (SHIFT + "lunch = { length_min = 60, earliest_min = 300, latest_min = 200 }\n", "lunch"),
        (SHIFT + "lunch = { length_min = 60, earliest_min = 180, latest_min = 500 }\n", "lunch"),
        (
            SHIFT + "lunch = { length_min = 50, earliest_min = 180, latest_min = 300 }\n",
            "lunch.length_min",
        ),
        (SHIFT + "[weights]\nunder_staffing = [10, 5]\n", "weights.under_staffing"),
        (SHIFT + '[weights]\nover_staffing = "a"\n', "weights.over_staffing"),
        (SHIFT + SHIFT, "shift.name"),
        ("[week\n", "TOML"),
    ],
)
def test_bad_rules_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    p = tmp_path / "rules.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match=key.replace("[", r"\[").replace(".", r"\.")):
        load_rules(p)

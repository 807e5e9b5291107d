"""A small synthetic center for the CLI chain and the web app tests (not the demo).

Three weeks of 30-minute voice and chat history drawn with numpy (Poisson arrivals, a two-peak
day, half volume at the weekend, zero when closed), six agents, one 8 h shift with a lunch,
both channels open 08:00-20:00.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FIRST_DAY = pd.Timestamp("2025-10-06")  # a Monday; no UAE holiday or Ramadan day near it
HISTORY_DAYS = 21
PLAN_START = "2025-10-27"  # the Monday after the history
INTERVALS_PER_DAY = 48
OPEN_FROM_H, OPEN_TO_H = 8, 20
CHANNELS = {"voice": (5.0, 300.0), "chat": (4.0, 420.0)}  # (peak contacts / 30 min, AHT s)

TARGETS = f"""
[channels.voice]
model = "erlang_c"
service_level = 0.80
answer_within_s = 20
max_occupancy = 0.85
shrinkage = 0.10
opening_hours = "{OPEN_FROM_H:02d}:00-{OPEN_TO_H:02d}:00"

[channels.chat]
model = "chat"
concurrency = 2
service_level = 0.80
answer_within_s = 60
max_occupancy = 0.85
shrinkage = 0.10
opening_hours = "{OPEN_FROM_H:02d}:00-{OPEN_TO_H:02d}:00"
"""

RULES = """
[week]
days_off = 2

[[shift]]
name = "day"
length_h = 8
starts = ["08:00-12:00"]
start_step_min = 60
lunch = { length_min = 30, earliest_min = 180, latest_min = 300 }
"""

AGENTS = """agent_id,name,skills,min_hours_week,max_hours_week,max_days_week
A1,Sara,voice,30,40,5
A2,Omar,voice,30,40,5
A3,Mona,voice;chat,30,40,5
A4,Ali,voice;chat,30,40,5
A5,Huda,chat,30,40,5
A6,Khalid,chat;voice,20,40,5
"""


def history_frame(seed: int = 7) -> pd.DataFrame:
    """Poisson arrivals with a two-peak day, half volume at the weekend, zero when closed."""
    rng = np.random.default_rng(seed)
    day = np.repeat(np.arange(HISTORY_DAYS), INTERVALS_PER_DAY)
    slot = np.tile(np.arange(INTERVALS_PER_DAY), HISTORY_DAYS)
    hour = slot / 2 + 0.25
    is_open = (slot >= 2 * OPEN_FROM_H) & (slot < 2 * OPEN_TO_H)
    weekday = (FIRST_DAY.day_of_week + day) % 7
    shape = (
        0.4 + np.exp(-0.5 * ((hour - 11) / 2.5) ** 2) + 0.6 * np.exp(-0.5 * ((hour - 16) / 2) ** 2)
    )
    stamps = FIRST_DAY + pd.to_timedelta(day, unit="D") + pd.to_timedelta(30 * slot, unit="min")
    text = stamps.strftime("%Y-%m-%dT%H:%M:%S") + "+04:00"
    frames = []
    for channel, (peak, aht_s) in CHANNELS.items():
        lam = np.where(is_open, peak * np.where(weekday >= 5, 0.5, 1.0) * shape, 0.0)
        offered = rng.poisson(lam)
        aht = np.where(offered > 0, np.round(aht_s * rng.uniform(0.9, 1.1, lam.size), 1), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "channel": channel,
                    "interval_start": text,
                    "offered": offered,
                    "handled": offered,
                    "abandoned": 0,
                    "aht_s": aht,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)

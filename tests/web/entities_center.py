"""A small center with entities for the scope pages' tests (#19): two entities, five queues.

``rta`` (Arabic and English, voice and chat, group ``transport``) and ``dha`` (Arabic, voice).
Each queue's history is the small center's for its channel, drawn with its own seed. The
targets staff voice queue by queue and pool chat over the whole channel, so the pages have both
an entity whose agents add up and one whose pool cannot be split.
"""

from __future__ import annotations

import pandas as pd

from tests.web.small_center import TARGETS, history_frame

ENTITIES = """\
version = 1

[groups.transport]
name_en = "Transport and mobility"
name_ar = "النقل والتنقل"

[entities.rta]
name_en = "Roads and Transport Authority"
name_ar = "هيئة الطرق والمواصلات"
group = "transport"
languages = ["ar", "en"]
channels = ["voice", "chat"]

[entities.dha]
name_en = "Dubai Health Authority"
name_ar = "هيئة الصحة بدبي"
languages = ["ar"]
channels = ["voice"]
"""

#: The small center's targets, voice staffed queue by queue, chat pooled over the channel.
POOLED_TARGETS = TARGETS.replace(
    'model = "erlang_c"', 'model = "erlang_c"\npool = "queue"'
).replace('model = "chat"', 'model = "chat"\npool = "channel"')

QUEUES = (
    ("voice", "rta.ar", 11),
    ("voice", "rta.en", 12),
    ("chat", "rta.ar", 13),
    ("chat", "rta.en", 14),
    ("voice", "dha.ar", 15),
)


def entities_history_csv() -> str:
    """Three weeks of 30-minute history, one series per queue."""
    parts = []
    for channel, queue, seed in QUEUES:
        f = history_frame(seed)
        parts.append(f[f["channel"] == channel].assign(queue=queue))
    frame = pd.concat(parts, ignore_index=True)
    cols = ["channel", "queue", *[c for c in frame.columns if c not in ("channel", "queue")]]
    return frame[cols].to_csv(index=False)

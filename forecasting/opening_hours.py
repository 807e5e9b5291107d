"""Opening hours per channel from ``targets.toml``, for the history reader and the forecast.

The grammar and the :class:`~wfmcore.opening_hours.OpeningHours` record live in the shared
kernel (:mod:`wfmcore.opening_hours`), which staffing reads too; this module reads the
``opening_hours`` key of each ``[channels.<name>]`` table and reports problems as
:class:`~forecasting.errors.ConfigError` naming the file, the channel and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path

from forecasting.errors import ConfigError
from wfmcore import errors as _core
from wfmcore.opening_hours import OpeningHours

__all__ = ["OpeningHours", "load_opening_hours"]


def load_opening_hours(targets_path: str | Path) -> dict[str, OpeningHours]:
    """Read ``[channels.<name>].opening_hours`` from a ``targets.toml`` file.

    Other keys are ignored here (the staffing library validates them).

    Parameters
    ----------
    targets_path
        Path of the TOML file.

    Returns
    -------
    dict of str to OpeningHours
        One entry per channel that sets ``opening_hours``; channels without the key are left
        out (the history reader then infers their hours from the data).

    Raises
    ------
    ConfigError
        Unreadable file, invalid TOML, or an invalid ``opening_hours`` value (the message names
        the file, the channel and the key).
    """
    path = Path(targets_path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:  # a folder, no permission
        raise ConfigError(f"{path}: cannot read the file ({exc.strerror})") from None
    channels = data.get("channels", {})
    if not isinstance(channels, Mapping):
        raise ConfigError(f"{path}: 'channels' must be a table of [channels.<name>] tables")
    result: dict[str, OpeningHours] = {}
    for name, table in channels.items():
        if not isinstance(table, Mapping) or "opening_hours" not in table:
            continue
        try:
            result[str(name)] = OpeningHours.parse(table["opening_hours"])
        except _core.ConfigError as exc:
            raise ConfigError(f"{path}: [channels.{name}] opening_hours: {exc}") from None
    return result

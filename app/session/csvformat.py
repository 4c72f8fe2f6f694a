"""The GluteFire CSV recording format, version 1 (documented in docs/csv-format.md).

Leading ``# key: value`` metadata lines, one header row, then one row per sample:
``time_s, <label>_<unit>..., <label>_env_<unit>..., events``. Empty raw cells mean the sample
never arrived (link outage, lost packet); time keeps running across them.
"""

from __future__ import annotations

FORMAT_NAME = "glutefire-csv"
FORMAT_VERSION = 1
TIME_COLUMN = "time_s"
EVENTS_COLUMN = "events"
ENV_INFIX = "_env_"


def raw_column(label: str, unit: str) -> str:
    return f"{label}_{unit}"


def env_column(label: str, unit: str) -> str:
    return f"{label}{ENV_INFIX}{unit}"


def header(labels: tuple[str, ...], units: tuple[str, ...]) -> list[str]:
    cols = [TIME_COLUMN]
    cols += [raw_column(lb, u) for lb, u in zip(labels, units)]
    cols += [env_column(lb, u) for lb, u in zip(labels, units)]
    cols.append(EVENTS_COLUMN)
    return cols


def time_decimals(sample_rate_hz: float) -> int:
    """Enough decimals to give every sample its own time stamp."""
    d = 0
    while 10**d < sample_rate_hz * 2 and d < 9:
        d += 1
    return d

"""The GluteFire CSV recording format, version 1 (documented in docs/csv-format.md).

Leading ``# key: value`` metadata lines, one header row, then one row per sample:
``time_s, <label>_<unit>..., <label>_env_<unit>..., events``. Empty raw cells mean the sample
never arrived (link outage, lost packet); time keeps running across them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from app.analysis.mvic import MvicReference
from app.muscles import mvic_position

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
    """Decimals of the time column: enough that two samples never share a stamp (10^d >= 2 fs:
    1 and 2 kHz get 4), and more when the sample period is no short decimal, so every stamp is
    within 0.1 % of a period of the truth and a reader gets the rate back from the times
    (777.5 Hz: 6, 3 kHz: 7; at most 9)."""
    unique = 0
    while 10**unique < sample_rate_hz * 2 and unique < 9:
        unique += 1
    period = 1.0 / sample_rate_hz
    precise = min(9, max(unique, math.ceil(math.log10(500.0 * sample_rate_hz))))
    for d in range(unique, precise):  # 1 kHz: 0.0010 is the period exactly; 4 kHz: 0.00025
        if abs(round(period, d) - period) <= 1e-9 * period:
            return d
    return precise


# -- %MVIC references in the metadata (``# mvic: ...``), so a file carries its own normalisation --
def format_mvic(refs: Mapping[str, MvicReference]) -> str:
    """``gluteus_maximus_L=312.4 uV maximal 100% 500ms x3 2026-11-22T10:00:00+00:00, ...``.

    Fields after the value: method, effort (% of maximal), window, number of contractions and,
    when known, when it was recorded (no spaces inside a field; parts separated by ", ").
    """
    parts = []
    for label, r in refs.items():
        fields = [f"{label}={r.value_uv:.2f} uV", r.method, f"{r.fraction * 100:g}%", f"{r.window_ms:g}ms",
                  f"x{r.n_contractions}"]
        if r.recorded_at:
            fields.append(r.recorded_at)
        parts.append(" ".join(fields))
    return ", ".join(parts)


def parse_mvic(text: str) -> dict[str, MvicReference]:
    """The references of a ``mvic`` metadata value; parts that do not parse are skipped."""
    out: dict[str, MvicReference] = {}
    for part in text.split(","):
        label, eq, rest = part.strip().partition("=")
        fields = rest.split()
        if not eq or not label or len(fields) < 2 or fields[1] != "uV":
            continue
        try:
            value = float(fields[0])
        except ValueError:
            continue
        if not (0.1 <= value <= 1e5 and math.isfinite(value)):  # µV: below 0.1 or above 100 mV is no reference
            continue
        method, fraction, window, count, when = "maximal", 1.0, 500.0, 1, ""
        for f in fields[2:]:
            try:
                if f in ("maximal", "submaximal"):
                    method = f
                elif f.endswith("%"):
                    fraction = float(f[:-1]) / 100.0
                elif f.endswith("ms"):
                    window = float(f[:-2])
                elif f.startswith("x"):
                    count = int(f[1:])
                elif "T" in f:
                    when = f
            except ValueError:
                continue
        if not 0 < fraction <= 1:
            fraction = 1.0
        label = label.strip()  # the file does not carry the test position: the muscle's usual one
        out[label] = MvicReference(label, value, method, window, count, fraction, when, mvic_position(label))
    return out


#: what makes a spreadsheet run a cell as a formula (OWASP "CSV injection"): = + - @, and a tab or
#: CR before them
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SPLITS = re.compile(r"([,;\t])")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_cell(text: str) -> str:
    """A text cell a spreadsheet shows as text: one starting like a formula gets a leading ' (as
    spreadsheets expect for literal text). Numbers ("-3.5") are left as they are."""
    stripped = text.lstrip(" ")
    if stripped[:1] in FORMULA_START and not _is_number(stripped):
        return "'" + text
    return text


def safe_text(text: str, first: bool = True) -> str:
    """Text on one line in which no piece is a formula when a spreadsheet splits it at commas,
    semicolons or tabs (even inside quotes: a ';'-splitting spreadsheet ignores a quote that does
    not start its field). ``first=False`` leaves the first piece (after ``# key:``) as it is."""
    parts = _SPLITS.split(" ".join(str(text).split()))
    return "".join(p if i % 2 or (i == 0 and not first) else safe_cell(p) for i, p in enumerate(parts))


def safe_meta(value: str) -> str:
    """A metadata value: one line, no formula in any cell of its ``# key: value`` line (a patch
    named "x,=cmd|…")."""
    return safe_text(value, first=False)

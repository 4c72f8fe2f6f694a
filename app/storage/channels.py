"""Channel labels and units of other tools' files (EDF, BDF, XDF) in GluteFire's terms.

Our recordings hold microvolts (docs/csv-format.md), so a foreign channel's unit decides whether
it is read (volts of any prefix, scaled to µV; ``counts`` kept as they are) or left out (a
temperature, an accelerometer in g). EDF's label field has 16 characters (EDF+ spec, "standard
texts": ``EMG <specification>``), so muscle labels get short forms that read back to our own.
"""

from __future__ import annotations

import re

from app.muscles import SIDES

#: unit words in EDF physical dimensions and XDF channel metadata (the XDF meta-data spec says
#: "microvolts") and their factor to µV; "\ufffdV" is a Latin-1 "µV" read as ASCII
_TO_UV = {
    "uv": 1.0, "µv": 1.0, "μv": 1.0, "\ufffdv": 1.0, "microvolts": 1.0, "microvolt": 1.0,
    "mv": 1e3, "millivolts": 1e3, "millivolt": 1e3,
    "v": 1e6, "volts": 1e6, "volt": 1e6,
    "nv": 1e-3, "nanovolts": 1e-3, "nanovolt": 1e-3,
}
#: a unit kept as it is: devices with no volts scale (docs/csv-format.md ``units``)
COUNTS = "counts"

#: short muscle names for EDF's 16-character label: ``EMG GluMax L`` (and back)
EDF_MUSCLES: dict[str, str] = {
    "gluteus_maximus": "GluMax",
    "gluteus_medius": "GluMed",
    "hamstring": "Hamstr",
    "lumbar_erector": "LumbES",
    "tensor_fasciae_latae": "TFL",
}
_FROM_EDF = {short: muscle for muscle, short in EDF_MUSCLES.items()}
EDF_LABEL_CHARS = 16


def microvolt_factor(unit: str) -> float | None:
    """What multiplies a value in ``unit`` to µV; 1.0 for counts; None: not a voltage."""
    u = unit.strip().lower()
    if u in (COUNTS, "count"):
        return 1.0
    return _TO_UV.get(u)


def our_unit(unit: str) -> str:
    """The unit a channel has once scaled: ``uV``, or ``counts``."""
    return COUNTS if unit.strip().lower() in (COUNTS, "count") else "uV"


def edf_labels(labels: tuple[str, ...]) -> tuple[str, ...]:
    """Our labels as EDF+ labels (printable ASCII, at most 16 characters, all different)."""
    out: list[str] = []
    for i, label in enumerate(labels):
        muscle, _, side = label.rpartition("_")
        if muscle in EDF_MUSCLES and side in SIDES:
            text = f"EMG {EDF_MUSCLES[muscle]} {side}"
        else:
            ascii_label = "".join(c if 32 < ord(c) < 127 else "_" for c in label) or f"ch{i + 1}"
            text = f"EMG {ascii_label}" if len(ascii_label) <= EDF_LABEL_CHARS - 4 else ascii_label
            text = text[:EDF_LABEL_CHARS]
        while text in out:  # a long label cut to the same 16 characters as another: number it
            tag = f"~{i + 1}"
            text = text[: EDF_LABEL_CHARS - len(tag)] + tag
        out.append(text)
    return tuple(out)


def label_from_foreign(text: str, i: int) -> str:
    """A foreign channel label in our terms: ``EMG GluMax L`` -> ``gluteus_maximus_L``,
    ``EMG RQuadriceps`` -> ``RQuadriceps``; characters a CSV column name cannot hold become ``_``."""
    s = text.strip()
    if s.upper().startswith("EMG "):
        s = s[4:].strip()
    parts = s.split()
    if len(parts) == 2 and parts[0] in _FROM_EDF and parts[1] in SIDES:
        return f"{_FROM_EDF[parts[0]]}_{parts[1]}"
    clean = re.sub(r"[^A-Za-z0-9_]+", "_", s).strip("_")
    return clean or f"ch{i + 1}"


def unique(labels: list[str]) -> tuple[str, ...]:
    """Labels made different where two are the same (``x``, ``x_2``): columns need their own names."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for label in labels:
        n = seen.get(label, 0) + 1
        seen[label] = n
        out.append(label if n == 1 else f"{label}_{n}")
    return tuple(out)

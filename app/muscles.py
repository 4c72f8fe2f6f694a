"""Muscle labels used for channels, in the user's words.

A channel label is ``<muscle>_<side>`` (``gluteus_maximus_L``); it names CSV columns
(``gluteus_maximus_L_uV``), settings keys and the muscle a simulated channel imitates.
Electrode sites follow SENIAM recommendations (Hermens et al. 2000, seniam.org).
"""

from __future__ import annotations

from dataclasses import dataclass

MUSCLES: dict[str, str] = {
    "gluteus_maximus": "Gluteus maximus",
    "gluteus_medius": "Gluteus medius",
    "hamstring": "Hamstring",
    "lumbar_erector": "Lumbar erector",
}

SIDES: dict[str, str] = {"L": "left", "R": "right"}

# Channel sets offered for the simulated patch, in the order a clinician would pick them.
PRESETS: dict[str, tuple[str, ...]] = {
    "Glute max + hamstring (left)": ("gluteus_maximus_L", "hamstring_L"),
    "Glute max left / right": ("gluteus_maximus_L", "gluteus_maximus_R"),
    "Glute max, hamstring, lumbar erector (left)": (
        "gluteus_maximus_L",
        "hamstring_L",
        "lumbar_erector_L",
    ),
    "Glute max + glute med (left)": ("gluteus_maximus_L", "gluteus_medius_L"),
    "Glute max only (left)": ("gluteus_maximus_L",),
    "Both sides, four muscles (8 channels)": (
        "gluteus_maximus_L",
        "gluteus_maximus_R",
        "gluteus_medius_L",
        "gluteus_medius_R",
        "hamstring_L",
        "hamstring_R",
        "lumbar_erector_L",
        "lumbar_erector_R",
    ),
}
DEFAULT_PRESET = "Glute max + hamstring (left)"


@dataclass(frozen=True)
class Muscle:
    """A muscle on one side, parsed from a channel label."""

    muscle: str
    side: str

    @property
    def label(self) -> str:
        return f"{self.muscle}_{self.side}"


def parse_label(label: str) -> Muscle | None:
    """Return the muscle a label names, or None for free-form labels (``ch1``)."""
    base, _, side = label.rpartition("_")
    if base in MUSCLES and side in SIDES:
        return Muscle(base, side)
    return None


def display_name(label: str) -> str:
    """'gluteus_maximus_L' -> 'Gluteus maximus L'; unknown labels are shown as they are."""
    m = parse_label(label)
    if m is None:
        return label
    return f"{MUSCLES[m.muscle]} {m.side}"


def validate_label(label: str) -> str:
    """A label must be usable as a CSV column stem: letters, digits, underscore."""
    if not label or not all(c.isalnum() or c == "_" for c in label):
        from app.errors import UserError

        raise UserError(f"Channel label {label!r} may only contain letters, digits and '_'.")
    return label

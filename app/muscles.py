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
    "tensor_fasciae_latae": "Tensor fasciae latae",
}

SIDES: dict[str, str] = {"L": "left", "R": "right"}

#: the maximal-contraction test position used for each muscle's %MVIC reference (manual-muscle-test
#: positions as in SENIAM, Hermens et al. 2000; Contreras et al. 2015 for gluteus maximus); a
#: report must state it (ISEK; Besomi et al. 2020, CEDE)
MVIC_POSITIONS: dict[str, str] = {
    "gluteus_maximus": "prone, knee bent 90°, hip extension against resistance",
    "gluteus_medius": "side-lying, hip abduction against resistance",
    "hamstring": "prone, knee flexion at 45° against resistance",
    "lumbar_erector": "prone, trunk extension against resistance",
    "tensor_fasciae_latae": "side-lying, hip abduction with flexion against resistance",
}

#: what a clinician writes on a chart, for places with little room (compact tiles)
SHORT_NAMES: dict[str, str] = {
    "gluteus_maximus": "Glute max",
    "gluteus_medius": "Glute med",
    "hamstring": "Hamstring",
    "lumbar_erector": "Lumbar ES",
    "tensor_fasciae_latae": "TFL",
}

# Channel sets offered for the simulated patch, in the order a clinician would pick them.
PRESETS: dict[str, tuple[str, ...]] = {
    "Glute max + hamstring (left)": ("gluteus_maximus_L", "hamstring_L"),
    "Glute max left / right": ("gluteus_maximus_L", "gluteus_maximus_R"),
    "Glute max + hamstring, both sides": ("gluteus_maximus_L", "gluteus_maximus_R", "hamstring_L", "hamstring_R"),
    "Glute max, hamstring, lumbar (left)": (
        "gluteus_maximus_L",
        "hamstring_L",
        "lumbar_erector_L",
    ),
    "Glute max + glute med (left)": ("gluteus_maximus_L", "gluteus_medius_L"),
    "Glute max only (left)": ("gluteus_maximus_L",),
    "All four muscles, both sides (8)": (
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


#: where the electrodes go (SENIAM, Hermens et al. 2000; seniam.org), for reports (ISEK/CEDE ask
#: for the placement to be stated)
ELECTRODE_SITES: dict[str, str] = {
    "gluteus_maximus": "half way between the sacral vertebrae and the greater trochanter (SENIAM)",
    "gluteus_medius": "half way between the iliac crest and the greater trochanter (SENIAM)",
    "hamstring": "biceps femoris, half way between the ischial tuberosity and the lateral epicondyle of the tibia "
                 "(SENIAM)",
    "lumbar_erector": "longissimus, two finger widths lateral to the L1 spinous process (SENIAM)",
    "tensor_fasciae_latae": "proximal third of the line from the anterior superior iliac spine to the lateral "
                            "femoral condyle (no SENIAM site; common practice)",
}


def electrode_site(label: str) -> str:
    m = parse_label(label)
    return "as fitted (free-form channel)" if m is None else ELECTRODE_SITES[m.muscle]


def mvic_position(label: str) -> str:
    """The test position of a channel's %MVIC reference ('' for an unnamed channel)."""
    m = parse_label(label)
    return "" if m is None else MVIC_POSITIONS[m.muscle]


def valid_names() -> str:
    """The channel labels a person may give, for an error message."""
    muscles = ", ".join(MUSCLES)
    return f"a muscle ({muscles}) with a side _L or _R, e.g. gluteus_maximus_L, or ch1, ch2, … for unnamed channels"


def short_name(label: str) -> str:
    """'gluteus_maximus_L' -> 'Glute max L'; unknown labels are shown as they are."""
    m = parse_label(label)
    return label if m is None else f"{SHORT_NAMES[m.muscle]} {m.side}"


def validate_muscle_label(label: str) -> str:
    """A channel label must name a known muscle and side (or be a plain ch1..chN): a typo such as
    ``glute_L`` would otherwise go unnoticed into every recording."""
    label = label.strip()
    generic = label.startswith("ch") and label[2:].isdigit() and int(label[2:]) >= 1
    if parse_label(label) is None and not generic:
        from app.errors import UserError

        raise UserError(f"Unknown channel {label!r}; use {valid_names()}.")
    return label


def validate_label(label: str) -> str:
    """A label must be usable as a CSV column stem: letters, digits, underscore."""
    if not label or not all(c.isalnum() or c == "_" for c in label):
        from app.errors import UserError

        raise UserError(f"Channel label {label!r} may only contain letters, digits and '_'.")
    return label

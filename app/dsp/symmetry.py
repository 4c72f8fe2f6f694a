"""Left/right symmetry of activation.

Symmetry index SI = (R − L) / (0.5 (R + L)) × 100% (Robinson, Herzog & Nigg 1987, J Manipulative
Physiol Ther 10:172): 0 is symmetric, positive means the right side works harder. A gap above
15% is flagged, the threshold commercial glute-EMG garments use (Athos).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.muscles import MUSCLES, parse_label

FLAG_PERCENT = 15.0


@dataclass(frozen=True)
class Symmetry:
    muscle: str
    left: float
    right: float
    index_percent: float

    @property
    def flagged(self) -> bool:
        return abs(self.index_percent) > FLAG_PERCENT

    def sentence(self) -> str:
        if not self.flagged:
            return f"{MUSCLES.get(self.muscle, self.muscle)}: left and right within {FLAG_PERCENT:.0f}%."
        weaker = "left" if self.index_percent > 0 else "right"
        return f"{MUSCLES.get(self.muscle, self.muscle)}: the {weaker} side works {abs(self.index_percent):.0f}% less."


def symmetry_index(left: float, right: float) -> float:
    total = 0.5 * (left + right)
    return 0.0 if total <= 0 else (right - left) / total * 100.0


def pairs(values: dict[str, float]) -> list[Symmetry]:
    """SI for every muscle present on both sides in ``values`` (label -> activation)."""
    out = []
    for label, v in values.items():
        m = parse_label(label)
        if m is None or m.side != "L":
            continue
        right = values.get(f"{m.muscle}_R")
        if right is not None:
            out.append(Symmetry(m.muscle, v, right, symmetry_index(v, right)))
    return out

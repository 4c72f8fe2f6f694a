"""Left/right symmetry of activation per muscle pair (labels ending ``_L`` / ``_R``).

Symmetry index (Robinson, Herzog & Nigg 1987, J Manipulative Physiol Ther 10:172):

    SI = (R - L) / (0.5 (R + L)) x 100%

0 is symmetric; positive means the right side is more active. It is computed for the peak and
for the mean activation of each muscle (mean over its reps, in the envelope's unit: µV or
%MVIC; with µV the two sides' electrode contact matters, %MVIC removes it). A gap above 15% is
flagged (the threshold commercial glute-EMG garments use, Athos). Note SI is relative to the
average of both sides: R 20% below L gives SI = -22%.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.muscles import MUSCLES, parse_label

FLAG_PERCENT = 15.0


def symmetry_index(left: float, right: float) -> float:
    """SI in % ((R - L) / mean of both); 0 when neither side is active."""
    total = 0.5 * (left + right)
    return 0.0 if total <= 0 else (right - left) / total * 100.0


def _muscle_name(muscle: str) -> str:
    return MUSCLES.get(muscle, muscle)


def _weaker_by(left: float, right: float) -> tuple[str, float]:
    """('left'/'right', % the weaker side is below the stronger one)."""
    if right < left:
        return "right", (1.0 - right / left) * 100.0 if left > 0 else 0.0
    return "left", (1.0 - left / right) * 100.0 if right > 0 else 0.0


@dataclass(frozen=True)
class Symmetry:
    """SI of one measure of one muscle (the simple form: one value per side)."""

    muscle: str
    left: float
    right: float
    index_percent: float

    @property
    def flagged(self) -> bool:
        return abs(self.index_percent) > FLAG_PERCENT

    def sentence(self) -> str:
        name = _muscle_name(self.muscle)
        if not self.flagged:
            return f"{name}: left and right within {FLAG_PERCENT:.0f}%."
        weaker = "left" if self.index_percent > 0 else "right"
        return f"{name}: the {weaker} side works {abs(self.index_percent):.0f}% less."


def pairs(values: Mapping[str, float]) -> list[Symmetry]:
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


@dataclass(frozen=True)
class PairSymmetry:
    """Peak and mean SI of one muscle pair."""

    muscle: str
    left_peak: float
    right_peak: float
    left_mean: float
    right_mean: float
    unit: str = "µV"

    @property
    def peak_index_percent(self) -> float:
        return symmetry_index(self.left_peak, self.right_peak)

    @property
    def mean_index_percent(self) -> float:
        return symmetry_index(self.left_mean, self.right_mean)

    @property
    def flagged(self) -> bool:
        return abs(self.peak_index_percent) > FLAG_PERCENT or abs(self.mean_index_percent) > FLAG_PERCENT

    def sentence(self) -> str:
        name = _muscle_name(self.muscle)
        sp, sm = self.peak_index_percent, self.mean_index_percent
        if not self.flagged:
            return f"{name}: left and right within {FLAG_PERCENT:.0f}% (SI peak {sp:+.0f}%, mean {sm:+.0f}%)."
        use_peak = abs(sp) >= abs(sm)
        left, right = (self.left_peak, self.right_peak) if use_peak else (self.left_mean, self.right_mean)
        weaker, by = _weaker_by(left, right)
        stronger = "left" if weaker == "right" else "right"
        what = "peak" if use_peak else "average"
        return (f"{name}: the {weaker} side's {what} activation is {by:.0f}% below the {stronger} "
                f"(SI {sp if use_peak else sm:+.0f}%, flagged above {FLAG_PERCENT:.0f}%).")

    def to_dict(self) -> dict[str, Any]:
        return {
            "muscle": self.muscle,
            "unit": self.unit,
            "left_peak": round(self.left_peak, 3),
            "right_peak": round(self.right_peak, 3),
            "peak_index_percent": round(self.peak_index_percent, 1),
            "left_mean": round(self.left_mean, 3),
            "right_mean": round(self.right_mean, 3),
            "mean_index_percent": round(self.mean_index_percent, 1),
            "flagged": self.flagged,
            "sentence": self.sentence(),
        }


def symmetry(peaks: Mapping[str, float], means: Mapping[str, float],
             units: Mapping[str, str] | None = None) -> list[PairSymmetry]:
    """Peak and mean SI of every muscle with both sides in ``peaks`` and ``means``.

    Pairs whose two sides are in different units (one normalised, one not) are skipped.
    """
    out = []
    for label in peaks:
        m = parse_label(label)
        if m is None or m.side != "L":
            continue
        r = f"{m.muscle}_R"
        if r not in peaks or label not in means or r not in means:
            continue
        unit_l = (units or {}).get(label, "µV")
        if unit_l != (units or {}).get(r, "µV"):
            continue
        out.append(PairSymmetry(m.muscle, peaks[label], peaks[r], means[label], means[r], unit_l))
    return out

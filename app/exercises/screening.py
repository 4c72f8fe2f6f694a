"""The seed article's three screening tests, EMG-backed, each a scripted routine with a result card.

- **Single-leg bridge** (seed 004: "lie supine, knee bent, and drive the heel; if the pelvis wobbles
  or the hamstring cramps, suspect glute laziness"): per side, does gluteus maximus fire before the
  hamstring, and how strongly?
- **Trendelenburg** (single-leg stance; "if the opposite hip dips, medius is offline"): gluteus
  medius activation of the stance side, left against right (symmetry index as in
  ``app.analysis.symmetry``: SI = (R − L) / mean(L, R) × 100 %, flagged beyond 15 %).
- **Hip drive** (hip hinge or a light kettlebell swing; "if lumbar extension initiates the arc,
  sequencing is off"): gluteus maximus against lumbar erector onset order.

Cards say what was measured, the numbers and the rule. The rules are this product's operational
reading of the seed's field tests, not validated diagnostic criteria: the card says so. Onsets
within 20 ms count as together (the detector's error; ``app.analysis.firing_order``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.analysis.firing_order import TOGETHER_MS
from app.errors import UserError
from app.exercises.scoring import RepScore

SYMMETRY_FLAG_PERCENT = 15.0
#: without %MVIC references the two sides are compared in raw µV, which differ between sides by
#: electrode site, skin and tissue alone (why EMG is normalised: Halaki & Ginn 2012, "Normalization
#: of EMG signals", InTech); only a gap this large is flagged then, and the card says to calibrate.
#: (A healthy simulated person reads -19 % in µV, 0 % in % MVIC.)
SYMMETRY_FLAG_UV_PERCENT = 35.0
CAVEAT = "An operational reading of the seed article's field test, not a validated diagnostic criterion."


@dataclass(frozen=True)
class ScreeningProtocol:
    sets: int
    reps: int
    hold_s: float
    rest_s: float
    set_rest_s: float
    goal_mvic_pct: float


@dataclass(frozen=True)
class ResultCard:
    """What a screening test found, in words a patient and a referrer read."""

    test: str
    title: str
    measured: str
    lines: tuple[str, ...]
    rule: str
    verdict: str
    flagged: bool
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"test": self.test, "title": self.title, "measured": self.measured, "lines": list(self.lines),
                "rule": self.rule, "verdict": self.verdict, "flagged": self.flagged, "caveat": CAVEAT,
                "data": self.data}

    def text(self) -> str:
        return "\n".join([self.title, self.measured, *self.lines, f"Rule: {self.rule}", self.verdict])


@dataclass(frozen=True)
class ScreeningTest:
    """A screening routine: what the person does (as a drill the protocol runner can run) and how
    its scores become a card."""

    id: str
    name: str
    kind: str
    instructions: tuple[str, ...]
    cues: tuple[str, ...]
    targets: tuple[str, ...]
    compensators: tuple[str, ...]
    unilateral: bool
    typical_mvic_pct: dict[str, float]
    protocol: ScreeningProtocol
    measured: str
    rule: str

    def evaluate(self, scores: Sequence[RepScore]) -> ResultCard:
        return _EVALUATE[self.id](self, list(scores))


def _side_name(side: str | None) -> str:
    return {"L": "Left", "R": "Right"}.get(side or "", "Both")


def _order_lines(test: ScreeningTest, scores: list[RepScore], late_muscle: str) -> tuple[list[str], dict[str, Any], list[str]]:
    """Per side: how often the glute led, the median lead, the peak; and the sides that failed."""
    lines, data, failed = [], {}, []
    for side in sorted({s.side for s in scores}, key=lambda x: x or ""):
        mine = [s for s in scores if s.side == side]
        led = sum(bool(s.glute_led) for s in mine)
        leads = [s.lead_ms for s in mine if s.lead_ms is not None]
        peaks = [s.peak for s in mine if s.peak is not None]
        unit = mine[0].unit if mine else "µV"
        med = float(np.median(leads)) if leads else None
        peak = float(np.mean(peaks)) if peaks else None
        u = "% MVIC" if unit.startswith("%") else f" {unit}"
        when = ("no helper fired" if med is None else f"the glute led by a median {med:.0f} ms" if med > TOGETHER_MS
                else f"the glute came a median {-med:.0f} ms after the {late_muscle}" if med < -TOGETHER_MS
                else "together with the helpers")
        lines.append(f"{_side_name(side)}: glute first in {led} of {len(mine)}; {when}"
                     + (f"; glute peak {peak:.0f}{u}" if peak is not None else ""))
        data[side or "both"] = {"reps": len(mine), "glute_led": led, "median_lead_ms": med, "mean_peak": peak,
                                "unit": unit}
        if led * 3 < 2 * len(mine):  # fewer than two thirds
            failed.append(_side_name(side).lower())
    return lines, data, failed


def _bridge(test: ScreeningTest, scores: list[RepScore]) -> ResultCard:
    lines, data, failed = _order_lines(test, scores, "hamstring")
    verdict = (f"The hamstring leads the glute on the {' and '.join(failed)} side: suspect gluteal amnesia there."
               if failed else "The glute leads the hamstring on both sides.")
    return ResultCard(test.id, "Single-leg bridge", test.measured, tuple(lines), test.rule, verdict, bool(failed), data)


def _hip_drive(test: ScreeningTest, scores: list[RepScore]) -> ResultCard:
    lines, data, failed = _order_lines(test, scores, "lower back")
    verdict = ("The lower back starts the movement before the glute: the hip drive is out of sequence."
               if failed else "The glute starts the hip drive; the lower back follows.")
    return ResultCard(test.id, "Hip-drive test", test.measured, tuple(lines), test.rule, verdict, bool(failed), data)


def _trendelenburg(test: ScreeningTest, scores: list[RepScore]) -> ResultCard:
    by_side: dict[str, float] = {}
    unit = scores[0].unit if scores else "µV"
    for side in ("L", "R"):
        peaks = [s.peak for s in scores if s.side == side and s.peak is not None]
        if peaks:
            by_side[side] = float(np.mean(peaks))
    u = "% MVIC" if unit.startswith("%") else f" {unit}"
    lines = [f"{_side_name(side)} stance: gluteus medius {v:.0f}{u}" for side, v in by_side.items()]
    data: dict[str, Any] = {"unit": unit, **{f"medius_{side}": v for side, v in by_side.items()}}
    if len(by_side) < 2 or sum(by_side.values()) <= 0:
        return ResultCard(test.id, "Trendelenburg", test.measured, tuple(lines), test.rule,
                          "Not enough to compare: both sides need a stance with the medius working.", False, data)
    left, right = by_side["L"], by_side["R"]
    si = (right - left) / ((left + right) / 2) * 100.0
    normalised = unit.startswith("%")
    band = SYMMETRY_FLAG_PERCENT if normalised else SYMMETRY_FLAG_UV_PERCENT
    data["symmetry_index_percent"] = si
    data["flag_beyond_percent"] = band
    lines.append(f"Symmetry index (R − L) / mean: {si:+.0f}% (flagged beyond ±{band:.0f}%)")
    rule = test.rule
    if not normalised:
        lines.append("Compared in µV: electrodes and skin alone can make the sides differ, so only an index beyond "
                     f"±{band:.0f}% is flagged. Calibrate both sides for the ±{SYMMETRY_FLAG_PERCENT:.0f}% rule.")
        rule = rule.replace(f"±{SYMMETRY_FLAG_PERCENT:.0f}%", f"±{band:.0f}% in µV (±{SYMMETRY_FLAG_PERCENT:.0f}% in % MVIC)")
    flagged = abs(si) > band
    weak = "right" if si < 0 else "left"
    share = min(left, right) / max(left, right) * 100.0
    if flagged:
        verdict = (f"The {weak} gluteus medius reaches {share:.0f}% of the other side's level in single-leg stance: "
                   f"a weak {weak} medius (as a positive Trendelenburg on the {weak}).")
    elif normalised:
        verdict = "Left and right gluteus medius work alike in single-leg stance."
    else:
        verdict = "No side difference beyond what the electrodes alone can make (in µV; calibrate for the finer rule)."
    return ResultCard(test.id, "Trendelenburg", test.measured, tuple(lines), rule, verdict, flagged, data)


_EVALUATE = {"single_leg_bridge": _bridge, "trendelenburg": _trendelenburg, "hip_drive": _hip_drive}

SCREENING_TESTS: dict[str, ScreeningTest] = {
    t.id: t
    for t in (
        ScreeningTest(
            "single_leg_bridge", "Single-leg bridge", "reps",
            ("Lie on your back, one knee bent, the other leg straight.",
             "Drive through the heel and lift the hips; hold; lower slowly. Then the other side."),
            ("Drive the heel into the floor",),
            ("gluteus_maximus",), ("hamstring",), True,
            {"gluteus_maximus": 50.0, "hamstring": 30.0},  # simulated levels; single-leg bridge ~54% MVIC (Neto 2019)
            ScreeningProtocol(1, 3, 3.0, 3.0, 0.0, 40.0),
            "Onset of gluteus maximus against the hamstring on each side, three bridges per side.",
            f"The glute leads (or fires within {TOGETHER_MS:.0f} ms of) the hamstring in at least two of three "
            "bridges on a side."),
        ScreeningTest(
            "trendelenburg", "Trendelenburg", "hold",
            ("Stand tall on one leg, the other foot just off the floor, hands on the hips.",
             "Keep the pelvis level for ten seconds; then the other leg."),
            ("Keep the hips level",),
            ("gluteus_medius",), ("tensor_fasciae_latae",), True,
            {"gluteus_medius": 35.0, "tensor_fasciae_latae": 15.0},  # simulated levels (estimate)
            ScreeningProtocol(1, 2, 10.0, 5.0, 0.0, 20.0),
            "Gluteus medius activation of the stance side (peak of each 10 s stance), left against right.",
            f"A symmetry index (R − L) / mean beyond ±{SYMMETRY_FLAG_PERCENT:.0f}% flags the weaker side's "
            "medius."),
        ScreeningTest(
            "hip_drive", "Hip-drive test", "reps",
            ("Stand with the feet hip-width apart, a light kettlebell or nothing in the hands.",
             "Hinge at the hips and drive them forward to stand tall, five times."),
            ("Drive the hips forward",),
            ("gluteus_maximus",), ("lumbar_erector",), False,
            {"gluteus_maximus": 40.0, "lumbar_erector": 30.0, "hamstring": 30.0},  # simulated levels (estimate)
            ScreeningProtocol(1, 5, 2.0, 3.0, 0.0, 30.0),
            "Onset of gluteus maximus against the lumbar erector in five hip drives.",
            f"The glute starts (or fires within {TOGETHER_MS:.0f} ms of) the lumbar erector in at least two "
            "thirds of the drives."),
    )
}


def screening_test(test_id: str) -> ScreeningTest:
    """The test named ``test_id``; one sentence listing the valid ones otherwise."""
    if test_id not in SCREENING_TESTS:
        raise UserError(f"Unknown screening test {test_id!r}; choose one of: {', '.join(SCREENING_TESTS)}.")
    return SCREENING_TESTS[test_id]

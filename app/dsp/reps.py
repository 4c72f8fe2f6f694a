"""Reps and holds from the envelope: onset, duration, time above target, peak, mean, steadiness.

Each burst is one rep (or one isometric hold). Steadiness is the coefficient of variation of the
envelope over the middle 60% of the hold (SD / mean; lower = steadier), the usual measure of a
sustained contraction's consistency in biofeedback reports (e.g. MyoTrac / BioGraph hold stats).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Rep:
    onset_s: float
    duration_s: float
    time_above_target_s: float
    peak: float
    mean: float
    steadiness_cv: float

    def to_dict(self) -> dict:
        return {k: round(v, 4) for k, v in asdict(self).items()}


def reps_from_bursts(envelope: np.ndarray, fs: float, bursts: list[tuple[float, float]],
                     target: float | None = None) -> list[Rep]:
    """One ``Rep`` per (onset_s, offset_s) on a single channel's envelope."""
    out = []
    for on, off in bursts:
        a, b = int(on * fs), max(int(on * fs) + 1, int(off * fs))
        seg = envelope[a:b]
        seg = seg[np.isfinite(seg)]
        if seg.size == 0:
            continue
        mid = seg[int(0.2 * seg.size) : max(int(0.2 * seg.size) + 1, int(0.8 * seg.size))]
        cv = float(mid.std() / mid.mean()) if mid.mean() > 0 else 0.0
        above = float(np.count_nonzero(seg > target) / fs) if target is not None else 0.0
        out.append(Rep(on, off - on, above, float(seg.max()), float(seg.mean()), cv))
    return out

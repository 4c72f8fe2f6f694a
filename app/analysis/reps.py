"""Reps and holds from the envelope: onset, duration, time above target, peak, mean, steadiness.

Each burst of the onset detector (``app.analysis.onset``) is one rep or one isometric hold. Per rep:
duration, time the envelope spent above the channel's target, peak and mean of the envelope (in
the envelope's unit: µV, or %MVIC after normalisation), and steadiness = coefficient of
variation (SD / mean) of the envelope over the middle 60% of the hold, leaving out the rise and
the release (a standard consistency measure of sustained contractions, e.g. in force and EMG
steadiness studies: Enoka et al. 2003, J Electromyogr Kinesiol 13:1; lower = steadier).

The peak is the best ``PEAK_WINDOW_S`` (500 ms) mean of the envelope (the whole rep when it is
shorter): the same window as the %MVIC reference (ISEK CEDE matrix, Besomi et al. 2020), so a
rep peak in %MVIC compares like with like, and steady enough for the 90%-of-best stopping rule.
The maximum of a 70 ms RMS wanders +-10% between identical reps, which fired that rule on
steady simulated bridges.

A causal envelope lags the signal (moving RMS of N samples: (N-1)/2); give ``delay_s`` and the
rep's envelope samples are taken that much later, aligned with the burst's onset and offset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.analysis.onset import Burst, OnsetSettings, detect_bursts

HOLD_MIDDLE = 0.6  # steadiness: the middle 60% of a hold
PEAK_WINDOW_S = 0.5  # peak: the best mean over this long


@dataclass(frozen=True)
class Rep:
    """One rep or hold on one channel (amplitudes in ``unit``)."""

    onset_s: float
    duration_s: float
    time_above_target_s: float
    peak: float
    mean: float
    steadiness_cv: float
    unit: str = "µV"

    @property
    def offset_s(self) -> float:
        return self.onset_s + self.duration_s

    def to_dict(self) -> dict[str, Any]:
        return {
            "onset_s": round(self.onset_s, 4),
            "offset_s": round(self.offset_s, 4),
            "duration_s": round(self.duration_s, 4),
            "time_above_target_s": round(self.time_above_target_s, 4),
            "peak": round(self.peak, 3),
            "mean": round(self.mean, 3),
            "steadiness_cv": round(self.steadiness_cv, 4),
            "unit": self.unit,
        }


def _rep(envelope: np.ndarray, fs: float, on: float, off: float, target: float | None,
         delay_s: float, unit: str, middle: float) -> Rep | None:
    d = int(round(delay_s * fs))
    a = max(0, int(round(on * fs)) + d)
    b = min(envelope.size, max(a + 1, int(round(off * fs)) + d))
    seg = envelope[a:b]
    seg = seg[np.isfinite(seg)]
    if seg.size == 0:
        return None
    edge = 0.5 * (1.0 - middle)
    i, j = int(edge * seg.size), max(int(edge * seg.size) + 1, int((1.0 - edge) * seg.size))
    mid = seg[i:j]
    mm = float(mid.mean())
    cv = float(mid.std() / mm) if mm > 0 else 0.0
    above = float(np.count_nonzero(seg > target) / fs) if target is not None else 0.0
    w = max(1, min(seg.size, int(round(PEAK_WINDOW_S * fs))))
    c = np.concatenate(([0.0], np.cumsum(seg)))
    peak = float(np.max(c[w:] - c[:-w]) / w)
    return Rep(on, off - on, above, peak, float(seg.mean()), cv, unit)


def reps_from_bursts(envelope: np.ndarray, fs: float, bursts: Sequence[tuple[float, float] | Burst],
                     target: float | None = None, delay_s: float = 0.0, unit: str = "µV",
                     middle: float = HOLD_MIDDLE) -> list[Rep]:
    """One ``Rep`` per burst ((onset_s, offset_s) or ``Burst``) of one channel's envelope."""
    out = []
    env = np.asarray(envelope, dtype=np.float64)
    for b in bursts:
        on, off = (b.onset_s, b.offset_s) if isinstance(b, Burst) else b
        r = _rep(env, fs, on, off, target, delay_s, unit, middle)
        if r is not None:
            out.append(r)
    return out


def segment_reps(envelope: np.ndarray, fs: float, bursts: Sequence[Sequence[tuple[float, float] | Burst]],
                 thresholds: Sequence[float | None] | None = None, delay_s: float = 0.0,
                 units: Sequence[str] | str = "µV", middle: float = HOLD_MIDDLE) -> list[list[Rep]]:
    """Reps of every channel of a (channels, n) envelope; ``thresholds[ch]`` = target or None."""
    env = np.atleast_2d(envelope)
    c = env.shape[0]
    thr = list(thresholds) if thresholds is not None else [None] * c
    un = [units] * c if isinstance(units, str) else list(units)
    return [reps_from_bursts(env[ch], fs, bursts[ch], thr[ch], delay_s, un[ch], middle) for ch in range(c)]


def reps_from_envelope(envelope: np.ndarray, fs: float, thresholds: Sequence[float | None] | None = None,
                       settings: OnsetSettings | None = None, units: Sequence[str] | str = "µV") -> list[list[Rep]]:
    """Segment reps straight from an envelope (e.g. a device's own envelope output): the
    double-threshold onset detector on the envelope, then ``segment_reps``.

    Times are the envelope's: a causal envelope shows a rise at once but keeps a burst for
    its window (moving RMS) or decay (low-pass) after the muscle stops, so offsets run late.
    """
    s = settings or OnsetSettings(detector="envelope", input="envelope")
    env = np.atleast_2d(np.asarray(envelope, dtype=np.float64))
    return segment_reps(env, fs, detect_bursts(env, fs, s), thresholds, 0.0, units)


@dataclass(frozen=True)
class RepSummary:
    count: int
    mean_duration_s: float
    best_peak: float
    mean_peak: float
    mean_mean: float
    total_time_above_target_s: float
    mean_steadiness_cv: float
    unit: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "mean_duration_s": round(self.mean_duration_s, 3),
            "best_peak": round(self.best_peak, 3),
            "mean_peak": round(self.mean_peak, 3),
            "mean_mean": round(self.mean_mean, 3),
            "total_time_above_target_s": round(self.total_time_above_target_s, 3),
            "mean_steadiness_cv": round(self.mean_steadiness_cv, 4),
            "unit": self.unit,
        }


def summarize_reps(reps: Sequence[Rep], unit: str = "µV") -> RepSummary | None:
    if not reps:
        return None
    return RepSummary(
        len(reps),
        float(np.mean([r.duration_s for r in reps])),
        float(max(r.peak for r in reps)),
        float(np.mean([r.peak for r in reps])),
        float(np.mean([r.mean for r in reps])),
        float(sum(r.time_above_target_s for r in reps)),
        float(np.mean([r.steadiness_cv for r in reps])),
        reps[0].unit or unit,
    )

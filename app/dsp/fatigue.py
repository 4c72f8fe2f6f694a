"""Muscle fatigue from the EMG spectrum, and the seed's stopping rule.

Median (MDF) and mean (MNF) power frequency of the band-passed signal per contraction (Welch PSD,
~0.25 s segments), and their slope over the session by least squares, in Hz/min and %/min of the
first value. A falling MDF is the classic sign of fatigue (Basmajian & De Luca 1985; Merletti,
Knaflitz & De Luca 1990, J Appl Physiol 69:1810). Compare contractions at similar force: MNF
depends on force below ~25-30% MVC.

``StoppingRule``: stop for the day when the quality of effort drops below 90% of the session's
best for N consecutive reps (seed article: "when velocity drops below 90% of best effort, the
nervous system is done learning for the day"), applied to rep peaks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal


def spectrum_frequencies(segment: np.ndarray, fs: float) -> tuple[float, float]:
    """(MDF, MNF) in Hz of a band-passed segment."""
    seg = segment[np.isfinite(segment)]
    nper = min(seg.size, int(2 ** np.floor(np.log2(max(16, 0.25 * fs)))))
    f, p = signal.welch(seg, fs, nperseg=nper)
    band = (f >= 20) & (f <= min(450, fs / 2))
    f, p = f[band], p[band]
    c = np.cumsum(p)
    if c[-1] <= 0:
        return float("nan"), float("nan")
    mdf = float(np.interp(c[-1] / 2, c, f))
    mnf = float(np.sum(f * p) / np.sum(p))
    return mdf, mnf


@dataclass(frozen=True)
class FatigueTrend:
    times_s: list[float]
    mdf_hz: list[float]
    mnf_hz: list[float]
    mdf_slope_hz_per_min: float
    mdf_slope_percent_per_min: float

    def to_dict(self) -> dict:
        return {
            "mdf_hz": [round(v, 1) for v in self.mdf_hz],
            "mnf_hz": [round(v, 1) for v in self.mnf_hz],
            "mdf_slope_hz_per_min": round(self.mdf_slope_hz_per_min, 2),
            "mdf_slope_percent_per_min": round(self.mdf_slope_percent_per_min, 2),
        }


def fatigue_trend(filtered: np.ndarray, fs: float, bursts: list[tuple[float, float]],
                  min_len_s: float = 0.3) -> FatigueTrend | None:
    """MDF/MNF per contraction (its middle 60%) and the MDF slope; None with fewer than 3."""
    t, mdf, mnf = [], [], []
    for on, off in bursts:
        if off - on < min_len_s:
            continue
        a = int((on + 0.2 * (off - on)) * fs)
        b = int((off - 0.2 * (off - on)) * fs)
        md, mn = spectrum_frequencies(filtered[a:b], fs)
        if np.isfinite(md):
            t.append(on)
            mdf.append(md)
            mnf.append(mn)
    if len(t) < 3:
        return None
    slope = float(np.polyfit(np.array(t) / 60.0, mdf, 1)[0])
    return FatigueTrend(t, mdf, mnf, slope, slope / mdf[0] * 100.0)


class StoppingRule:
    """Feed rep peaks; ``done`` turns True once ``consecutive`` reps stay below 90% of the best."""

    def __init__(self, fraction: float = 0.9, consecutive: int = 3) -> None:
        self.fraction = fraction
        self.consecutive = consecutive
        self.best = 0.0
        self.below = 0
        self.done = False

    def add(self, peak: float) -> bool:
        self.best = max(self.best, peak)
        self.below = self.below + 1 if peak < self.fraction * self.best else 0
        if self.below >= self.consecutive:
            self.done = True
        return self.done

    def message(self) -> str:
        if not self.done:
            return ""
        return (f"Done for today: the last {self.below} reps stayed below "
                f"{self.fraction * 100:.0f}% of your best.")

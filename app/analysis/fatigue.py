"""Muscle fatigue from the EMG spectrum, and the seed article's stopping rule.

Median frequency (MDF: splits the power spectrum into two halves) and mean frequency (MNF:
power-weighted mean) of the band-passed signal, from a Welch PSD (Welch 1967; Hann windows of
0.25 s, 50% overlap, 20-450 Hz). One value per contraction (its middle 60%, away from the rise
and the release) or, in holds longer than ``long_hold_s``, one per ``epoch_s`` epoch. Their trend
over the session: least-squares slope in Hz/min and in %/min of the fitted value at the first
point. A falling MDF/MNF is the classic sign of fatigue (Basmajian & De Luca 1985; Merletti,
Knaflitz & De Luca 1990, J Appl Physiol 69:1810; MDF is the more robust at low SNR). Compare
contractions at similar force: MNF depends on force below ~25-30% MVC.

``StoppingRule``: stop for the day once the quality of effort stays below 90% of the session's
best for N consecutive reps (seed article: "when velocity drops below 90% of best effort, the
nervous system is done learning for the day"), applied to rep peaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import t as student_t

from app.analysis.onset import Burst

#: shortest stretch of session a slope is given for
MIN_TREND_SPAN_S = 10.0
#: |MDF slope| below this (%/min) reads as steady: per-rep MDF scatters by ~5 Hz, so smaller
#: slopes over a session of reps are not a finding (sustained holds fall by tens of %/min)
STEADY_PERCENT_PER_MIN = 10.0
#: a verdict (tiring / rising / steady) needs this many points over this long: with 4 reps the
#: slope's own standard error is too unreliable (2 degrees of freedom) to trust
VERDICT_POINTS = 6
VERDICT_SPAN_S = 20.0


@dataclass(frozen=True)
class FatigueSettings:
    segment_s: float = 0.25  # Welch segment (Hann, 50% overlap): 4 Hz resolution
    middle: float = 0.6  # share of a contraction analysed (its middle)
    min_len_s: float = 0.3  # shorter contractions are skipped
    long_hold_s: float = 4.0  # holds at least this long are cut into epochs
    epoch_s: float = 1.0
    low_hz: float = 20.0
    high_hz: float = 450.0


def _welch_many(x: np.ndarray, fs: float, spans: list[tuple[int, int]], s: FatigueSettings
                ) -> tuple[np.ndarray, np.ndarray]:
    """Welch PSDs of many segments of ``x`` in one FFT call: (frequencies, (segments, bins)).

    Hann windows of ``segment_s`` (shorter segments: their own length, each alone), 50% overlap,
    mean removed per window; scaled as a density (the scale cancels in MDF and MNF).
    """
    nper = max(16, int(round(s.segment_s * fs)))
    frames: list[np.ndarray] = []
    owner: list[int] = []
    short: list[tuple[int, np.ndarray]] = []
    for k, (a, b) in enumerate(spans):
        seg = x[a:b]
        if seg.size < nper:
            short.append((k, seg))
            continue
        step = nper // 2
        nfr = 1 + (seg.size - nper) // step
        idx = np.arange(nper)[None, :] + step * np.arange(nfr)[:, None]
        frames.append(seg[idx])
        owner += [k] * nfr
    f = np.fft.rfftfreq(nper, 1.0 / fs)
    psd = np.full((len(spans), f.size), np.nan)
    if frames:
        fr = np.concatenate(frames)
        fr = fr - fr.mean(axis=1, keepdims=True)
        win = np.hanning(nper + 1)[:-1]  # periodic Hann, as scipy's welch uses
        spec = np.abs(np.fft.rfft(fr * win, axis=1)) ** 2 / (fs * np.sum(win * win))
        own = np.asarray(owner)
        starts = np.flatnonzero(np.r_[True, own[1:] != own[:-1]])
        psd[own[starts]] = np.add.reduceat(spec, starts, axis=0) / np.diff(np.r_[starts, own.size])[:, None]
    for k, seg in short:  # a short segment: one window of its own length, resampled onto f
        if seg.size >= 16:
            win = np.hanning(seg.size + 1)[:-1]
            sp = np.abs(np.fft.rfft((seg - seg.mean()) * win)) ** 2 / (fs * np.sum(win * win))
            psd[k] = np.interp(f, np.fft.rfftfreq(seg.size, 1.0 / fs), sp)
    return f, psd


def _mdf_mnf(f: np.ndarray, psd: np.ndarray, s: FatigueSettings, fs: float) -> tuple[np.ndarray, np.ndarray]:
    band = (f >= s.low_hz) & (f <= min(s.high_hz, 0.5 * fs))
    fb, p = f[band], psd[:, band]
    c = np.cumsum(p, axis=1)
    total = c[:, -1] if fb.size else np.zeros(psd.shape[0])
    mdf = np.full(psd.shape[0], np.nan)
    mnf = np.full(psd.shape[0], np.nan)
    ok = np.isfinite(total) & (total > 0) & (fb.size >= 2)
    for i in np.flatnonzero(ok):
        mdf[i] = np.interp(0.5 * total[i], c[i], fb)
    mnf[ok] = (p[ok] * fb).sum(axis=1) / total[ok]
    return mdf, mnf


def spectrum_frequencies(segment: np.ndarray, fs: float, settings: FatigueSettings | None = None) -> tuple[float, float]:
    """(MDF, MNF) in Hz of a band-passed segment; NaN when it carries no power."""
    s = settings or FatigueSettings()
    seg = np.asarray(segment, dtype=np.float64)
    seg = seg[np.isfinite(seg)]
    if seg.size < 16:
        return float("nan"), float("nan")
    f, psd = _welch_many(seg, fs, [(0, seg.size)], s)
    mdf, mnf = _mdf_mnf(f, psd, s, fs)
    return float(mdf[0]), float(mnf[0])


def spectral_points(filtered: np.ndarray, fs: float, bursts: Sequence[tuple[float, float] | Burst],
                    settings: FatigueSettings | None = None) -> list[tuple[float, float, float]]:
    """(time_s, MDF, MNF) per contraction, or per epoch inside long holds."""
    s = settings or FatigueSettings()
    x = np.nan_to_num(np.asarray(filtered, dtype=np.float64))
    spans: list[tuple[float, float]] = []
    for b in bursts:
        on, off = (b.onset_s, b.offset_s) if isinstance(b, Burst) else b
        dur = off - on
        if dur < s.min_len_s:
            continue
        edge = 0.5 * (1.0 - s.middle) * dur
        if dur >= s.long_hold_s:
            # epochs tiling the hold after its rise and before its release
            edge = min(edge, 0.5)
            n_ep = int((dur - 2 * edge) // s.epoch_s)
            spans += [(on + edge + k * s.epoch_s, on + edge + (k + 1) * s.epoch_s) for k in range(n_ep)]
        else:
            spans.append((on + edge, off - edge))
    if not spans:
        return []
    idx = [(max(0, int(a * fs)), min(x.size, int(z * fs))) for a, z in spans]
    f, psd = _welch_many(x, fs, idx, s)
    mdf, mnf = _mdf_mnf(f, psd, s, fs)
    return [(0.5 * (a + z), float(md), float(mn)) for (a, z), md, mn in zip(spans, mdf, mnf) if np.isfinite(md)]


def _slope(t_s: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """(slope per minute, slope in % per minute of the fitted value at the first point, and the
    standard error of the latter: residual SD / sqrt(sum (t - mean t)^2), NaN with 2 points)."""
    tm = t_s / 60.0
    slope, icpt = np.polyfit(tm, y, 1)
    first = icpt + slope * tm[0]
    if not first > 0:
        return float(slope), float("nan"), float("nan")
    sxx = float(np.sum((tm - tm.mean()) ** 2))
    resid = y - (icpt + slope * tm)
    se = float(np.sqrt(np.sum(resid * resid) / (tm.size - 2) / sxx)) if tm.size > 2 and sxx > 0 else float("nan")
    return float(slope), float(slope / first * 100.0), se / first * 100.0


@dataclass(frozen=True)
class FatigueTrend:
    times_s: list[float]
    mdf_hz: list[float]
    mnf_hz: list[float]
    mdf_slope_hz_per_min: float
    mdf_slope_percent_per_min: float
    mnf_slope_hz_per_min: float = float("nan")
    mnf_slope_percent_per_min: float = float("nan")
    mdf_slope_se_percent_per_min: float = float("nan")

    @property
    def word(self) -> str:
        """With at least 6 points over 20 s: 'tiring' / 'rising' when the MDF slope passes
        +-10 %/min and differs from 0 (t-test
        on the regression slope, 95% two-sided, n - 2 degrees of freedom); 'steady' when it is
        within +-10 %/min and so is its 95% interval; else 'no clear trend yet'.

        Per-rep MDF scatters by several Hz, so over a short session a slope of tens of %/min can
        be noise; the interval says whether it is."""
        slope, se = self.mdf_slope_percent_per_min, self.mdf_slope_se_percent_per_min
        n = len(self.mdf_hz)
        span = self.times_s[-1] - self.times_s[0] if self.times_s else 0.0
        if not (np.isfinite(slope) and np.isfinite(se)) or n < VERDICT_POINTS or span < VERDICT_SPAN_S:
            return "no clear trend yet"
        half = float(student_t.ppf(0.975, n - 2)) * se
        if slope < -STEADY_PERCENT_PER_MIN and slope + half < 0:
            return "tiring"
        if slope > STEADY_PERCENT_PER_MIN and slope - half > 0:
            return "rising"
        if abs(slope) + half <= STEADY_PERCENT_PER_MIN:
            return "steady"
        return "no clear trend yet"

    @property
    def fatiguing(self) -> bool:
        """MDF clearly falling (the spectrum compresses with fatigue)."""
        return self.word == "tiring"

    def sentence(self) -> str:
        """For a report: the numbers with the slope's standard error."""
        first, last = self.mdf_hz[0], self.mdf_hz[-1]
        trend = {"tiring": "falling: the muscle is tiring"}.get(self.word, self.word)
        return (f"Median frequency {first:.0f} -> {last:.0f} Hz over {len(self.mdf_hz)} points "
                f"({_signed(self.mdf_slope_percent_per_min, 1)} ± {self.mdf_slope_se_percent_per_min:.1f} %/min), {trend}.")

    def fitted_mdf_hz(self) -> tuple[float, float]:
        """The regression line's MDF at the first and the last point: what the verdict rests on
        (single contractions scatter by several Hz, so first -> last can say "114 -> 94 Hz" on a
        steady trend)."""
        t = np.asarray(self.times_s)
        y = np.asarray(self.mdf_hz)
        slope = self.mdf_slope_hz_per_min / 60.0
        at = float(np.mean(y)) + slope * (t[[0, -1]] - float(np.mean(t)))
        return float(at[0]), float(at[1])

    def plain(self) -> str:
        """For the person: the verdict first, then what it rests on (the fitted trend, not the
        scatter of single reps), without statistics."""
        first, last = self.fitted_mdf_hz()
        freq = f"median frequency {first:.0f} → {last:.0f} Hz"
        slope = abs(self.mdf_slope_percent_per_min)
        if self.word == "tiring":
            return f"tiring: {freq}, falling about {slope:.0f}% a minute"
        if self.word == "rising":
            return f"rising: {freq}, about {slope:.0f}% a minute"
        if self.word == "steady":
            return f"steady: {freq}"
        return f"no clear trend yet ({freq})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "points": len(self.mdf_hz),
            "times_s": [round(v, 3) for v in self.times_s],
            "mdf_hz": [round(v, 1) for v in self.mdf_hz],
            "mnf_hz": [round(v, 1) for v in self.mnf_hz],
            "mdf_slope_hz_per_min": round(self.mdf_slope_hz_per_min, 2),
            "mdf_slope_percent_per_min": round(self.mdf_slope_percent_per_min, 2),
            "mnf_slope_hz_per_min": round(self.mnf_slope_hz_per_min, 2),
            "mnf_slope_percent_per_min": round(self.mnf_slope_percent_per_min, 2),
            "mdf_slope_se_percent_per_min": round(self.mdf_slope_se_percent_per_min, 2),
            "trend": self.word,
            "fatiguing": self.fatiguing,
            "sentence": self.sentence(),
        }


def _signed(value: float, decimals: int) -> str:
    """'+1.5' / '-1.5', and '0.0' rather than '-0.0' or '+0.0'."""
    text = f"{value:+.{decimals}f}"
    return text[1:] if float(text) == 0.0 else text


def trend_from_points(points: Sequence[tuple[float, float, float]], min_points: int = 3,
                      min_span_s: float = MIN_TREND_SPAN_S) -> FatigueTrend | None:
    """Slopes of (time_s, MDF, MNF) points, as gathered offline or rep by rep live; None with
    fewer than ``min_points`` or when they span less than ``min_span_s`` (a slope "per minute"
    from a few seconds is an extrapolation that swings by hundreds of %/min)."""
    if len(points) < max(2, min_points):
        return None
    t = np.array([p[0] for p in points])
    mdf = np.array([p[1] for p in points])
    mnf = np.array([p[2] for p in points])
    if np.ptp(t) <= 0 or np.ptp(t) < min_span_s:
        return None
    md = _slope(t, mdf)
    mn = _slope(t, mnf)
    return FatigueTrend(t.tolist(), mdf.tolist(), mnf.tolist(), md[0], md[1], mn[0], mn[1], md[2])


def fatigue_trend(filtered: np.ndarray, fs: float, bursts: Sequence[tuple[float, float] | Burst],
                  min_len_s: float | None = None, settings: FatigueSettings | None = None,
                  min_points: int = 3) -> FatigueTrend | None:
    """MDF/MNF per contraction (or epoch) and their slopes; None with fewer than ``min_points``."""
    s = settings or FatigueSettings()
    if min_len_s is not None:
        s = FatigueSettings(s.segment_s, s.middle, min_len_s, s.long_hold_s, s.epoch_s, s.low_hz, s.high_hz)
    return trend_from_points(spectral_points(filtered, fs, bursts, s), min_points)


#: the seed articles' rule: stop for today once 3 reps in a row stay below 90% of the best
STOP_FRACTION = 0.9
STOP_CONSECUTIVE = 3


class StoppingRule:
    """Feed rep peaks; ``done`` turns True once ``consecutive`` reps in a row stay below
    ``fraction`` of the session's best (the best so far, including the rep just fed).

    The message describes the reps that triggered the rule and the best rep at that moment; it
    does not change with the reps that follow (a new best after it must not rewrite why it fired).
    """

    def __init__(self, fraction: float = STOP_FRACTION, consecutive: int = STOP_CONSECUTIVE) -> None:
        if not 0 < fraction <= 1 or consecutive < 1:
            raise ValueError("fraction must be in (0, 1] and consecutive >= 1")
        self.fraction = fraction
        self.consecutive = consecutive
        self.best = 0.0
        self.best_rep = 0
        self.reps = 0
        self.below = 0
        self.done = False
        self.done_at_rep: int | None = None
        self._trigger: tuple[int, int, int] | None = None  # first and last rep below, best rep then

    def add(self, peak: float) -> bool:
        self.reps += 1
        if peak > self.best:
            self.best, self.best_rep = float(peak), self.reps
        self.below = self.below + 1 if peak < self.fraction * self.best else 0
        if self.below >= self.consecutive and not self.done:
            self.done, self.done_at_rep = True, self.reps
            self._trigger = (self.reps - self.below + 1, self.reps, self.best_rep)
        return self.done

    @property
    def reason(self) -> str:
        if self._trigger is None:
            return ""
        first, last, best_rep = self._trigger
        reps = f"rep {last}" if first == last else f"reps {first} to {last}"
        verb = "stayed" if first == last else "all stayed"
        return (f"{reps} {verb} below {self.fraction * 100:.0f}% of your best (rep {best_rep}), "
                "so the muscle is no longer learning the pattern well")

    def message(self) -> str:
        return f"Done for today: {self.reason}." if self.done else ""

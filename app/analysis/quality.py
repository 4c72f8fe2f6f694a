"""Signal quality per channel, with a verdict and one sentence a physiotherapist can act on.

Measured at rest (a few seconds before a session, or rolling during one):

- Noise floor: RMS of the band-passed (20-450 Hz) signal in the quietest 1 s. Good surface EMG
  at rest reads a few µV; above 15 µV suggests poor skin contact (Hermens et al. 2000, SENIAM;
  Konrad 2005, "The ABC of EMG"; De Luca et al. 2010, J Biomech 43:1573).
- Mains hum: power within ±1 Hz of 50 or 60 Hz and their harmonics (Welch PSD, 1 Hz bins) over
  the 20-450 Hz power, and the hum's RMS in µV. Flagged when it dominates the rest signal
  (ratio > 0.3) *and* is large enough to matter (> 8 µV RMS).
- Clipping: share of samples at the recording's rails, counted only when an extreme value
  repeats (a saturated amplifier holds its rail; a live signal touches its maximum once).
- Flat line: almost no variation (SD < 0.05 µV): the electrode or lead is off, or the channel is
  dead.
- Drift: SD of 100 ms means of the raw signal (what the band-pass removes: electrode potential
  drift, cable movement); > 200 µV means a lifting electrode or a moving cable.

Verdict: "bad" (flat line, clipping: the channel cannot be used), "check" (hum, noise, drift: usable,
fix when you can) or "good".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy import signal

from app.dsp.filters import FilterSettings, design_bandpass
from app.dsp.ring import RingBuffer
from app.muscles import display_name

NOISE_LIMIT_UV = 15.0
HUM_LIMIT = 0.3
HUM_LIMIT_UV = 8.0
CLIP_LIMIT = 0.001
DRIFT_LIMIT_UV = 200.0
FLAT_SD_UV = 0.05
FLAT_WINDOW_S = 2.0  # live: flat over the newest this many seconds


@dataclass(frozen=True)
class QualitySettings:
    noise_limit_uv: float = NOISE_LIMIT_UV
    hum_ratio_limit: float = HUM_LIMIT
    hum_limit_uv: float = HUM_LIMIT_UV
    clip_limit: float = CLIP_LIMIT
    drift_limit_uv: float = DRIFT_LIMIT_UV
    flat_sd_uv: float = FLAT_SD_UV
    quiet_window_s: float = 1.0  # noise floor: the quietest window of this length
    rest_window_s: float = 4.0  # hum and drift: the quietest stretch of this length
    harmonics: int = 8
    rails_uv: tuple[float, float] | None = None  # the amplifier's range, when known


@dataclass(frozen=True)
class Quality:
    label: str
    noise_floor_uv: float
    hum_ratio: float
    clipped_fraction: float
    flat: bool
    hum_uv: float = 0.0
    mains_hz: float = 50.0
    drift_uv: float = 0.0
    settings: QualitySettings = field(default_factory=QualitySettings, repr=False, compare=False)

    @property
    def hum(self) -> bool:
        s = self.settings
        return self.hum_ratio > s.hum_ratio_limit and self.hum_uv > s.hum_limit_uv

    @property
    def clipping(self) -> bool:
        return self.clipped_fraction > self.settings.clip_limit

    @property
    def noisy(self) -> bool:
        return self.noise_floor_uv > self.settings.noise_limit_uv

    @property
    def drifting(self) -> bool:
        return self.drift_uv > self.settings.drift_limit_uv

    @property
    def ok(self) -> bool:
        return not self.problems()

    @property
    def verdict(self) -> str:
        if self.flat or self.clipping:
            return "bad"
        return "check" if self.problems() else "good"

    def problems(self) -> list[str]:
        """One sentence per problem, the worst first."""
        name = display_name(self.label)
        if self.flat:
            return [f"{name}: no signal at all — the electrode or lead is off."]
        out = []
        if self.clipping:
            out.append(f"{name}: the signal is clipping — lower the gain or check the electrode.")
        if self.hum:
            out.append(f"{name}: strong {self.mains_hz:g} Hz mains hum — press the electrodes down "
                       "or move away from the power cable.")
        if self.drifting:
            out.append(f"{name}: the baseline drifts a lot — the electrode may be lifting; press it "
                       "down and keep the cable still.")
        if self.noisy:
            out.append(f"{name}: noisy at rest ({self.noise_floor_uv:.0f} µV) — clean the skin and "
                       "re-apply the electrode.")
        return out

    @property
    def reason(self) -> str:
        """The one sentence for this channel."""
        p = self.problems()
        if p:
            return p[0]
        if not np.isfinite(self.noise_floor_uv):
            return f"{display_name(self.label)}: signal present (rest noise not measured yet)."
        return f"{display_name(self.label)}: good contact (rest noise {self.noise_floor_uv:.1f} µV)."

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "ok": self.ok,
            "reason": self.reason,
            "noise_floor_uv": round(self.noise_floor_uv, 2),
            "hum_ratio": round(self.hum_ratio, 3),
            "hum_uv": round(self.hum_uv, 2),
            "mains_hz": self.mains_hz,
            "clipped_fraction": round(self.clipped_fraction, 5),
            "drift_uv": round(self.drift_uv, 2),
            "flat": self.flat,
            "problems": self.problems(),
        }


def _quietest(power: np.ndarray, n: int) -> int:
    """Start of the lowest-mean window of ``n`` samples (windows every n/10 samples)."""
    if power.size <= n:
        return 0
    hop = max(1, n // 10)
    nb = power.size // hop
    k = max(1, n // hop)
    b = power[: nb * hop].reshape(nb, hop).sum(axis=1)
    w = np.zeros(nb - k + 1)
    for i in range(k):
        w += b[i : nb - k + 1 + i]
    return int(np.argmin(w)) * hop


def _hum(x: np.ndarray, fs: float, mains: Sequence[float], harmonics: int) -> tuple[float, float, float]:
    """(hum power ratio, hum RMS µV, mains frequency) of a band-passed segment, best of ``mains``."""
    nper = min(x.size, int(fs))
    if nper < 16:
        return 0.0, 0.0, float(mains[0])
    f, p = signal.welch(x, fs, nperseg=nper)
    df = f[1] - f[0]
    band = (f >= 20.0) & (f <= min(450.0, 0.45 * fs))
    total = p[band].sum()
    best = (0.0, 0.0, float(mains[0]))
    if total <= 0:
        return best
    for m in mains:
        mask = np.zeros_like(band)
        for h in range(1, harmonics + 1):
            if m * h < min(450.0, 0.45 * fs):
                mask |= np.abs(f - m * h) <= 1.0 + 1e-9
        hp = p[band & mask].sum()
        ratio = float(hp / total)
        if ratio > best[0]:
            best = (ratio, float(np.sqrt(hp * df)), float(m))
    return best


def _clipped(x: np.ndarray, rails: tuple[float, float] | None) -> float:
    if x.size == 0:
        return 0.0
    lo, hi = (rails if rails is not None else (float(x.min()), float(x.max())))
    span = hi - lo
    if span <= 0:
        return 0.0
    tol = 1e-6 * span
    at = np.count_nonzero(x >= hi - tol) + np.count_nonzero(x <= lo + tol)
    if rails is None and at < 4:  # a live signal touches its own extremes once each
        return 0.0
    return float(at / x.size)


def _drift(x: np.ndarray, fs: float) -> float:
    n = max(1, int(0.1 * fs))
    nb = x.size // n
    if nb < 2:
        return 0.0
    means = x[: nb * n].reshape(nb, n).mean(axis=1)
    return float(means.std())


def assess(raw: np.ndarray, fs: float, labels: Sequence[str], mains_hz: float | None = 50.0,
           settings: QualitySettings | None = None, filtered: np.ndarray | None = None) -> list[Quality]:
    """Quality of each channel of a (channels, n) recording (a few seconds of rest or more).

    ``mains_hz`` None checks 50 and 60 Hz and reports the stronger. ``filtered``: the band-passed
    signal if already at hand (saves one filter pass).
    """
    s = settings or QualitySettings()
    x = np.nan_to_num(np.atleast_2d(np.asarray(raw, dtype=np.float64)))
    if filtered is None:
        filtered = signal.sosfilt(design_bandpass(FilterSettings(), fs), x - x[:, :1], axis=1)
    filt = np.nan_to_num(np.atleast_2d(filtered))
    settle = min(int(0.1 * fs), x.shape[1] // 4)  # the band-pass's start-up
    mains = (50.0, 60.0) if mains_hz is None else (float(mains_hz),)
    n_quiet = max(2, min(x.shape[1] - settle, int(s.quiet_window_s * fs)))
    n_rest = max(2, min(x.shape[1] - settle, int(s.rest_window_s * fs)))
    out = []
    for ch, label in enumerate(labels):
        f = filt[ch, settle:]
        xr = x[ch]
        flat = bool(np.std(xr) < s.flat_sd_uv)
        if flat:
            out.append(Quality(label, float(np.sqrt(np.mean(f * f))) if f.size else 0.0, 0.0, 0.0, True,
                               0.0, mains[0], 0.0, s))
            continue
        p = f * f
        a = _quietest(p, n_quiet)
        noise = float(np.sqrt(p[a : a + n_quiet].mean())) if f.size else 0.0
        b = _quietest(p, n_rest)
        ratio, hum_uv, m = _hum(f[b : b + n_rest], fs, mains, s.harmonics)
        drift = _drift(xr[settle + b : settle + b + n_rest], fs)
        out.append(Quality(label, noise, ratio, _clipped(xr, s.rails_uv), False, hum_uv, m, drift, s))
    return out


class QualityMonitor:
    """Rolling quality during a session.

    ``process(block, rest)`` keeps the newest ``window_s`` of every sample (for flat line and
    clipping, which matter most during contractions) and, separately, the newest ``window_s`` of
    samples taken while nobody contracts (``rest=True``: noise floor, hum and drift are rest
    measures; a 10 s hold must not read as a 200 µV "noise floor"). ``assess()`` judges both;
    before ``min_rest_s`` of rest has been seen only flat line and clipping are reported. Flat
    line is judged on the newest ``FLAT_WINDOW_S``, so a lead that comes off shows in 2 s.
    """

    def __init__(self, fs: float, labels: Sequence[str], window_s: float = 10.0, mains_hz: float | None = None,
                 settings: QualitySettings | None = None, min_rest_s: float = 2.0) -> None:
        self.fs = fs
        self.labels = tuple(labels)
        self.mains_hz = mains_hz
        self.settings = settings or QualitySettings()
        cap = max(1, int(window_s * fs))
        self._all = RingBuffer(len(self.labels), cap)
        self._rest = RingBuffer(len(self.labels), cap)
        self._min_rest = int(min_rest_s * fs)

    def process(self, block: np.ndarray, rest: bool = True) -> None:
        b = np.nan_to_num(np.atleast_2d(np.asarray(block, dtype=np.float64)))
        self._all.write(b)
        if rest:
            self._rest.write(b)

    @property
    def seconds(self) -> float:
        return min(self._all.total, self._all.capacity) / self.fs

    @property
    def rest_seconds(self) -> float:
        return min(self._rest.total, self._rest.capacity) / self.fs

    def assess(self) -> list[Quality]:
        """One ``Quality`` per channel, or [] before half a second of signal."""
        if self._all.total < int(0.5 * self.fs):
            return []
        every, _ = self._all.latest(self._all.capacity)
        s = self.settings
        if self._rest.total >= self._min_rest:
            rest, _ = self._rest.latest(self._rest.capacity)
            base = assess(rest, self.fs, self.labels, self.mains_hz, s)
        else:  # no rest seen yet: rest measures unknown, not "bad"
            base = [Quality(lb, float("nan"), 0.0, 0.0, False, 0.0, self.mains_hz or 50.0, 0.0, s) for lb in self.labels]
        recent = every[:, -int(FLAT_WINDOW_S * self.fs) :]  # a lead coming off shows within seconds
        return [
            replace(q, clipped_fraction=_clipped(every[ch], s.rails_uv), flat=bool(np.std(recent[ch]) < s.flat_sd_uv))
            for ch, q in enumerate(base)
        ]

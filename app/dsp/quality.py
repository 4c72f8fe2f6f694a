"""Signal quality per channel, in sentences a physiotherapist can act on.

- Noise floor: RMS of the band-passed signal in the quietest second (good surface EMG at rest:
  a few µV; > 15 µV suggests poor contact; Hermens et al. 2000 SENIAM; Konrad 2005).
- Mains hum: power within ±1 Hz of 50/60 Hz and harmonics relative to the 20-450 Hz band.
- Clipping: share of samples at the recording's extreme values (a saturated amplifier).
- Flat line / lead-off: (almost) no variation at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from app.dsp.filters import FilterSettings, design_bandpass
from app.muscles import display_name

NOISE_LIMIT_UV = 15.0
HUM_LIMIT = 0.3
CLIP_LIMIT = 0.001


@dataclass(frozen=True)
class Quality:
    label: str
    noise_floor_uv: float
    hum_ratio: float
    clipped_fraction: float
    flat: bool

    @property
    def ok(self) -> bool:
        return not self.problems()

    def problems(self) -> list[str]:
        name = display_name(self.label)
        out = []
        if self.flat:
            out.append(f"{name}: no signal at all — the electrode or lead is off.")
        else:
            if self.clipped_fraction > CLIP_LIMIT:
                out.append(f"{name}: the signal is clipping — lower the gain or check the electrode.")
            if self.hum_ratio > HUM_LIMIT:
                out.append(f"{name}: strong mains hum — press the electrodes down, move away from power cables, or turn on the mains filter.")
            if self.noise_floor_uv > NOISE_LIMIT_UV:
                out.append(f"{name}: noisy at rest ({self.noise_floor_uv:.0f} µV) — clean the skin and re-apply the electrode.")
        return out

    def to_dict(self) -> dict:
        return {
            "noise_floor_uv": round(self.noise_floor_uv, 2),
            "hum_ratio": round(self.hum_ratio, 3),
            "clipped_fraction": round(self.clipped_fraction, 5),
            "flat": self.flat,
            "ok": self.ok,
            "problems": self.problems(),
        }


def assess(raw: np.ndarray, fs: float, labels: tuple[str, ...], mains_hz: float = 50.0) -> list[Quality]:
    """Quality of each channel of a (channels, n) recording of at least a second or two."""
    x = np.nan_to_num(np.asarray(raw, dtype=np.float64))
    filt = signal.sosfiltfilt(design_bandpass(FilterSettings(), fs), x, axis=1)
    n = max(2, min(x.shape[1], int(fs)))
    out = []
    for ch, label in enumerate(labels):
        f = filt[ch]
        c = np.cumsum(np.concatenate(([0.0], f * f)))
        win = (c[n:] - c[:-n]) / n
        noise = float(np.sqrt(max(0.0, win.min()))) if win.size else float(np.std(f))
        freqs, p = signal.welch(x[ch] - x[ch].mean(), fs, nperseg=min(x.shape[1], int(fs)))
        band = (freqs >= 20) & (freqs <= min(450, fs / 2))
        hum_mask = np.zeros_like(band)
        for h in range(1, 10):
            fh = mains_hz * h
            if fh < min(450, fs / 2):
                hum_mask |= np.abs(freqs - fh) <= 1.0
        total = p[band].sum()
        hum = float(p[band & hum_mask].sum() / total) if total > 0 else 0.0
        lo, hi = x[ch].min(), x[ch].max()
        span = hi - lo
        clipped = float(np.mean((x[ch] >= hi - 1e-9 * max(1.0, span)) | (x[ch] <= lo + 1e-9 * max(1.0, span)))) if span > 0 else 1.0
        flat = bool(np.std(x[ch]) < 0.05)
        out.append(Quality(label, noise, hum, clipped if not flat else 0.0, flat))
    return out

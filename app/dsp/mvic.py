"""%MVIC normalisation: the reference from maximal (or submaximal) calibration contractions.

Reference = mean, over the calibration contractions, of each contraction's best ``window_ms`` RMS
(default 500 ms; ISEK CEDE normalisation matrix, Besomi et al. 2020, JEK 53:102438). For people
who cannot contract maximally (pain), a submaximal reference recorded at a known fraction of
effort gives "%ref" values scaled by that fraction; reports say which was used.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass

import numpy as np

from app.dsp.bursts import detect_bursts
from app.dsp.filters import FilterSettings, design_bandpass
from app.errors import UserError


@dataclass(frozen=True)
class MvicReference:
    label: str
    value_uv: float
    method: str  # "maximal" or "submaximal"
    window_ms: float
    n_contractions: int
    fraction: float = 1.0  # effort of the reference contractions (1.0 = maximal)
    recorded_at: str = ""

    def percent(self, envelope_uv: np.ndarray | float) -> np.ndarray | float:
        """Envelope in %MVIC (or %ref x fraction for a submaximal reference)."""
        return np.asarray(envelope_uv) / self.value_uv * 100.0 * self.fraction

    def uv(self, percent: float) -> float:
        """A %MVIC target back to µV (what the live threshold needs)."""
        return percent / 100.0 / self.fraction * self.value_uv

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> MvicReference:
        return cls(**d)


def best_window_rms(filtered: np.ndarray, fs: float, window_ms: float) -> float:
    """Highest moving RMS over ``window_ms`` in a band-passed segment."""
    n = max(1, int(window_ms * fs / 1000.0))
    if filtered.size < n:
        return float(np.sqrt(np.mean(filtered**2))) if filtered.size else 0.0
    c = np.cumsum(np.concatenate(([0.0], filtered**2)))
    return float(np.sqrt(np.max((c[n:] - c[:-n]) / n)))


def reference_from_recording(raw: np.ndarray, fs: float, labels: tuple[str, ...], window_ms: float = 500.0,
                             expected: int = 3, fraction: float = 1.0) -> list[MvicReference]:
    """One reference per channel from a calibration recording of ``expected`` contractions."""
    from scipy import signal

    if not 0 < fraction <= 1:
        raise UserError("The reference effort must be between 0 and 100%.")
    filt = signal.sosfiltfilt(design_bandpass(FilterSettings(), fs), np.nan_to_num(raw), axis=1)
    bursts = detect_bursts(raw, fs)
    now = _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds")
    out = []
    for ch, label in enumerate(labels):
        found = [b for b in bursts[ch] if b.offset_s - b.onset_s >= window_ms / 1000.0]
        if not found:
            raise UserError(f"No contraction of at least {window_ms:g} ms was found on {label}; try again, holding each contraction.")
        best = sorted((best_window_rms(filt[ch, int(b.onset_s * fs) : int(b.offset_s * fs)], fs, window_ms) for b in found), reverse=True)
        vals = best[:expected]
        out.append(MvicReference(label, float(np.mean(vals)), "maximal" if fraction == 1.0 else "submaximal",
                                 window_ms, len(vals), fraction, now))
    return out

"""Causal streaming filters whose state carries across blocks.

Defaults follow surface-EMG recommendations: band-pass 20-450 Hz (De Luca et al. 2010,
J Biomech 43:1573; SENIAM; Merletti 1999), the upper edge clipped below Nyquist; a 50/60 Hz notch
only where hum is present (it also removes EMG power). All channels go through one ``sosfilt``
call on a (channels, n) array; the state ``zi`` is initialised from the first sample of each
channel (``sosfilt_zi * x0``) so a DC offset does not ring at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from app.errors import UserError

#: mains frequencies a notch (and the hum check) may be set to
MAINS_HZ = (50.0, 60.0)


@dataclass(frozen=True)
class FilterSettings:
    """What the live pipeline and the offline analysis apply, written to every recording."""

    highpass_hz: float = 20.0
    lowpass_hz: float = 450.0
    bandpass_order: int = 2  # per edge; the band-pass is of order 2*bandpass_order
    notch_hz: float = 0.0  # 0 = off; 50 or 60 where mains hum shows
    notch_q: float = 30.0
    envelope: str = "rms"  # "rms" (moving RMS) or "linear" (rectify + low-pass)
    rms_window_ms: float = 70.0  # delay = window / 2 = 35 ms
    envelope_cutoff_hz: float = 6.0  # linear envelope: 2nd-order Butterworth, delay ~37.5 ms

    def validated(self, sample_rate_hz: float) -> FilterSettings:
        """Check the numbers against the sample rate; one clear sentence when they do not fit."""
        nyq = sample_rate_hz / 2.0
        if self.highpass_hz <= 0 or self.highpass_hz >= nyq * 0.9:
            raise UserError(
                f"The high-pass corner must be above 0 Hz and below {nyq * 0.9:g} Hz "
                f"at {sample_rate_hz:g} Hz sampling."
            )
        if self.lowpass_hz <= self.highpass_hz:
            raise UserError("The low-pass corner must be above the high-pass corner.")
        if self.notch_hz not in (0.0, *MAINS_HZ):
            raise UserError("The mains notch must be off, 50 Hz or 60 Hz.")
        if self.envelope not in ("rms", "linear"):
            raise UserError("The envelope must be 'rms' (moving RMS) or 'linear' (low-pass).")
        if not 10.0 <= self.rms_window_ms <= 1000.0:
            raise UserError("The RMS window must be between 10 and 1000 ms.")
        if not 0.5 <= self.envelope_cutoff_hz <= 50.0:
            raise UserError("The envelope cut-off must be between 0.5 and 50 Hz.")
        return self

    def effective_lowpass_hz(self, sample_rate_hz: float) -> float:
        """The low-pass corner actually used: clipped to 90% of Nyquist."""
        return min(self.lowpass_hz, 0.45 * sample_rate_hz)

    def envelope_delay_s(self, sample_rate_hz: float) -> float:
        """Documented envelope delay (see docs/algorithms.md)."""
        if self.envelope == "rms":
            n = rms_window_samples(self.rms_window_ms, sample_rate_hz)
            return (n - 1) / 2.0 / sample_rate_hz
        # low-frequency group delay of a 2nd-order Butterworth low-pass: sqrt(2) / (2 pi fc)
        return float(np.sqrt(2.0) / (2.0 * np.pi * self.envelope_cutoff_hz))

    def describe(self, sample_rate_hz: float) -> str:
        """One line for recordings and the status bar."""
        bp = (
            f"band-pass {self.highpass_hz:g}-{self.effective_lowpass_hz(sample_rate_hz):g} Hz "
            f"Butterworth order {2 * self.bandpass_order} causal"
        )
        notch = f"; notch {self.notch_hz:g} Hz Q {self.notch_q:g}" if self.notch_hz else "; no notch"
        if self.envelope == "rms":
            env = f"; envelope moving RMS {self.rms_window_ms:g} ms"
        else:
            env = f"; envelope rectify + low-pass {self.envelope_cutoff_hz:g} Hz order 2"
        return bp + notch + env


def rms_window_samples(window_ms: float, sample_rate_hz: float) -> int:
    return max(1, int(round(window_ms * 1e-3 * sample_rate_hz)))


def design_bandpass(settings: FilterSettings, sample_rate_hz: float) -> np.ndarray:
    """Band-pass (plus optional notch) as one SOS cascade."""
    hi = settings.effective_lowpass_hz(sample_rate_hz)
    sos = signal.butter(
        settings.bandpass_order,
        [settings.highpass_hz, hi],
        btype="bandpass",
        fs=sample_rate_hz,
        output="sos",
    )
    if settings.notch_hz:
        b, a = signal.iirnotch(settings.notch_hz, settings.notch_q, fs=sample_rate_hz)
        sos = np.vstack([sos, signal.tf2sos(b, a)])
    return np.asarray(sos, dtype=np.float64)


try:  # scipy's compiled SOS kernel, the thing signal.sosfilt calls after validating its input
    from scipy.signal._sosfilt import _sosfilt as _sos_kernel
except ImportError:  # pragma: no cover - a future scipy may move it; the public path still works
    _sos_kernel = None


class StreamingSOS:
    """An SOS filter applied block by block to (channels, n) arrays, state carried across blocks.

    For live blocks (8 ch x 20 samples) scipy 1.17's public ``sosfilt`` spends ~50 µs validating
    and dispatching per call, about 10x the filtering itself; the validated coefficients and state
    are kept in the kernel's own layout and handed to scipy's compiled kernel directly, falling
    back to the public function if that kernel is not importable. Tests check both agree.
    """

    def __init__(self, sos: np.ndarray, n_channels: int) -> None:
        self.sos = np.ascontiguousarray(sos, dtype=np.float64)
        self.n_channels = n_channels
        self._zi_unit = signal.sosfilt_zi(self.sos)  # (sections, 2)
        self._zi: np.ndarray | None = None  # (channels, sections, 2), the kernel's layout

    def reset(self) -> None:
        """Forget the state; the next block re-initialises it from its first sample."""
        self._zi = None

    def process(self, x: np.ndarray) -> np.ndarray:
        if x.shape[1] == 0:
            return x.astype(np.float64, copy=True)
        if self._zi is None:
            # steady state for a constant input equal to each channel's first sample
            self._zi = np.ascontiguousarray(self._zi_unit[None, :, :] * x[:, 0, None, None])
        if _sos_kernel is not None:
            y = np.array(x, dtype=np.float64, order="C")  # filtered in place
            _sos_kernel(self.sos, y, self._zi)
            return y
        zi = np.moveaxis(self._zi, 0, 1)  # public layout (sections, channels, 2)
        y, zi = signal.sosfilt(self.sos, x, axis=1, zi=zi)
        self._zi = np.ascontiguousarray(np.moveaxis(zi, 1, 0))
        return y

"""A physiologically plausible surface-EMG generator, used by the simulated patch and by tests.

Surface EMG is modelled as Gaussian noise shaped to the typical sEMG power spectrum and
amplitude-modulated by muscle activation (the "filtered noise" model: De Luca 1979; Shwedyk,
Balasubramanian & Scott 1977; spectral shape after Merletti & Lo Conte 1995): band-limited to
~20-450 Hz with most power near 50-150 Hz (median frequency ~80-110 Hz fresh). Muscle fatigue
compresses the spectrum toward low frequencies (lower median frequency) while amplitude rises
(Basmajian & De Luca 1985). On top: a white noise floor (electrode/amplifier), mains hum and slow
baseline wander (electrode potential drift, movement).

Everything is streaming (state carried across blocks) so the simulator and offline generation
produce statistically identical signals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

#: Shaping low-pass corner of fresh muscle and of fatigued muscle (median frequency drops ~30%).
FRESH_SHAPE_HZ = 140.0
FATIGUED_SHAPE_HZ = 70.0


def _shaping_sos(fs: float, shape_hz: float) -> np.ndarray:
    hi = min(450.0, 0.45 * fs)
    bp = signal.butter(2, [20.0, hi], btype="bandpass", fs=fs, output="sos")
    lp = signal.butter(1, min(shape_hz, 0.4 * fs), btype="lowpass", fs=fs, output="sos")
    sos = np.vstack([bp, lp])
    # normalise so unit-variance white noise comes out with unit variance (RMS 1)
    _, h = signal.sosfreqz(sos, worN=8192, fs=fs)
    gain = np.sqrt(np.mean(np.abs(h) ** 2))
    sos = sos.copy()
    sos[0, :3] /= gain
    return sos


class ShapedNoise:
    """Streaming unit-RMS EMG-like noise for ``n_channels`` independent channels."""

    def __init__(self, fs: float, n_channels: int, shape_hz: float, rng: np.random.Generator) -> None:
        self._rng = rng
        # scipy's sosfilt with the state carried across blocks (the simulator's 50 calls per
        # second do not need the DSP chain's faster kernel; devices/ stays below dsp/)
        self._sos = _shaping_sos(fs, shape_hz)
        self._zi = np.zeros((self._sos.shape[0], n_channels, 2))
        self.n_channels = n_channels
        self.next(int(fs * 0.2))  # warm up so the first block is already stationary

    def next(self, n: int) -> np.ndarray:
        y, self._zi = signal.sosfilt(self._sos, self._rng.standard_normal((self.n_channels, n)), axis=1, zi=self._zi)
        return np.asarray(y)


@dataclass(frozen=True)
class Artefacts:
    """Non-EMG content: white noise floor, mains hum and baseline wander (all µV)."""

    noise_floor_uv: float = 3.0
    hum_uv: float = 4.0
    mains_hz: float = 50.0
    wander_uv: float = 25.0


class EmgModel:
    """Turns activation amplitude (µV RMS, shape (channels, n)) into raw surface EMG, block by block.

    ``fatigue`` in [0, 1] per sample blends fresh and fatigued spectra with equal power, so the
    amplitude stays what ``activation`` says while the median frequency slides down.
    """

    def __init__(
        self,
        fs: float,
        n_channels: int,
        rng: np.random.Generator,
        artefacts: Artefacts | None = None,
    ) -> None:
        self.fs = fs
        self.n_channels = n_channels
        self.art = artefacts or Artefacts()
        self._rng = rng
        self._fresh = ShapedNoise(fs, n_channels, FRESH_SHAPE_HZ, rng)
        self._tired = ShapedNoise(fs, n_channels, FATIGUED_SHAPE_HZ, rng)
        self._floor = ShapedNoise(fs, n_channels, 0.4 * fs, rng)
        self._t = 0  # samples generated
        self._phase = rng.uniform(0, 2 * np.pi, size=(n_channels, 3))

    def next(self, activation_uv: np.ndarray, fatigue: np.ndarray | None = None) -> np.ndarray:
        n = activation_uv.shape[1]
        fresh = self._fresh.next(n)
        tired = self._tired.next(n)
        if fatigue is None:
            emg = fresh
        else:
            f = np.clip(fatigue, 0.0, 1.0)
            emg = np.sqrt(1.0 - f) * fresh + np.sqrt(f) * tired
        out = activation_uv * emg
        art = self.art
        if art.noise_floor_uv:
            out += art.noise_floor_uv * self._floor.next(n)
        t = (self._t + np.arange(n)) / self.fs
        if art.hum_uv:
            out += art.hum_uv * np.sqrt(2) * np.sin(2 * np.pi * art.mains_hz * t + self._phase[:, :1])
        if art.wander_uv:
            out += art.wander_uv * (
                0.7 * np.sin(2 * np.pi * 0.15 * t + self._phase[:, 1:2])
                + 0.3 * np.sin(2 * np.pi * 0.41 * t + self._phase[:, 2:3])
            )
        self._t += n
        return out


def synthesize(
    activation_uv: np.ndarray,
    fs: float,
    seed: int = 0,
    artefacts: Artefacts | None = None,
    fatigue: np.ndarray | None = None,
) -> np.ndarray:
    """Whole-signal convenience: raw EMG (channels, n) in µV for a given activation envelope.

    With ``Artefacts(noise_floor_uv=s, hum_uv=0, wander_uv=0)`` the signal-to-noise ratio of a
    contraction at amplitude A (µV RMS) is ``20*log10(A/s)`` dB.
    """
    act = np.atleast_2d(np.asarray(activation_uv, dtype=np.float64))
    model = EmgModel(fs, act.shape[0], np.random.default_rng(seed), artefacts)
    return model.next(act, None if fatigue is None else np.atleast_2d(fatigue))

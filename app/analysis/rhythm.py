"""The movement's rhythm: how long one cycle of a repeated exercise or of walking lasts, from the
envelopes alone.

Why it matters for counting: a person repeats a drill or walks at a steady pace, and a muscle
may burst more than once per cycle — the hamstrings in late swing and again at loading
(biphasic hamstring activity in gait: Winter 1991, *The Biomechanics and Motor Control of Human
Gait*, 2nd ed.; Di Nardo et al. 2015, J Electromyogr Kinesiol 25:800, found one to three
activations per stride in most lower-limb muscles), a knee extension dips and comes back. A
clinician counts cycles, not bursts. With the cycle's length known, ``segments.py`` joins the
bursts that start within 0.6 of a cycle (at most 4 s) of a rep into that rep, and a walking burst of 0.25 s is a
contraction rather than a fragment.

Method: each channel's envelope is averaged into 50 ms bins (20 Hz; the cycle's shape is far
slower), smoothed over 0.2 s, its mean removed, and its autocorrelation taken (FFT, unbiased:
each lag divided by its number of products). The channels' autocorrelations, each normalised
to 1 at lag 0, are averaged, so a rhythm all muscles share stands out over any one channel's
noise. The cycle is the first autocorrelation peak between ``min_s`` and half the window that
reaches ``octave`` (75 %) of the highest peak — the highest peak alone is often two cycles (an
octave error, as in pitch detection: de Cheveigné & Kawahara 2002, J Acoust Soc Am 111:1917) or
the slow swell of a long walk, and a biphasic muscle's half-cycle peak is far lower than the full
cycle's. No rhythm is claimed when the best peak is below ``min_strength`` (0.45; self-paced reps
at random intervals reach 0.42): irregular reps are counted by the signal rules alone.

Checked against the goniometer's cycle and the touchdowns on 67 recordings (docs/algorithms.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RATE_HZ = 20.0


@dataclass(frozen=True)
class RhythmRules:
    min_s: float = 0.5  # faster than 2 Hz is tremor or running, not a rep or a stride
    max_s: float = 12.0  # a hold-and-rest cycle of up to 12 s
    min_strength: float = 0.45
    octave: float = 0.75
    smooth_s: float = 0.2
    min_cycles: float = 2.0  # the window must hold this many cycles for one to be claimed


@dataclass(frozen=True)
class Rhythm:
    period_s: float
    strength: float  # the averaged autocorrelation at the period, 0..1


def bin_size(fs: float) -> int:
    """Samples per bin: ``round(fs / 20)``; the bins' own rate is then ``fs / bin_size(fs)``
    (250 Hz: 12 samples, 20.83 bins a second), which is what their lags are timed by."""
    return max(1, int(round(fs / RATE_HZ)))


def bin_rate(fs: float) -> float:
    return float(fs) / bin_size(fs)


def binned(envelope: np.ndarray, fs: float) -> np.ndarray:
    """(channels, n) envelope → (channels, n // k) means of ~50 ms bins (k = ``bin_size(fs)``)."""
    env = np.nan_to_num(np.atleast_2d(np.asarray(envelope, dtype=np.float64)))
    k = bin_size(fs)
    m = env.shape[1] // k
    return env[:, : m * k].reshape(env.shape[0], m, k).mean(axis=2)


def movement_rhythm(bins: np.ndarray, fs: float, rules: RhythmRules | None = None) -> Rhythm | None:
    """The cycle of (channels, m) envelopes binned by ``binned(envelope, fs)``, or None when
    there is none. ``fs`` is the envelope's own rate: the bins' lags are timed by ``bin_rate(fs)``."""
    r = rules or RhythmRules()
    rate_hz = bin_rate(fs)
    x = np.atleast_2d(np.asarray(bins, dtype=np.float64))
    m = x.shape[1]
    w = max(1, int(round(r.smooth_s * rate_hz)))
    hi = min(int(r.max_s * rate_hz), int(m / r.min_cycles))
    lo = max(1, int(r.min_s * rate_hz))
    if hi <= lo + 2:
        return None
    acc = np.zeros(hi + 2)
    used = 0
    for row in x:
        s = np.convolve(row, np.ones(w) / w, mode="same") if w > 1 else row
        s = s - s.mean()
        f = np.fft.rfft(s, 2 * m)
        ac = np.fft.irfft(f * np.conj(f), 2 * m)[: hi + 2]
        if ac[0] <= 1e-12:  # a flat channel (disconnected, all zero) says nothing
            continue
        acc += ac / ac[0] * m / (m - np.arange(hi + 2))
        used += 1
    if not used:
        return None
    acc /= used
    inner = acc[lo : hi + 1]
    peaks = np.flatnonzero((inner[1:-1] > inner[:-2]) & (inner[1:-1] >= inner[2:])) + 1
    if not peaks.size:
        return None
    values = inner[peaks]
    best = float(values.max())
    if best < r.min_strength:
        return None
    first = int(peaks[np.flatnonzero(values >= r.octave * best)[0]])
    return Rhythm((lo + first) / rate_hz, float(inner[first]))


class RhythmMonitor:
    """Live: the rhythm of the last ``window_s``, re-estimated every ``every_s`` from 50 ms bins
    kept as the blocks arrive (a few kB), so the DSP thread never looks at raw history."""

    def __init__(self, fs: float, n_channels: int, window_s: float = 30.0, every_s: float = 2.0,
                 rules: RhythmRules | None = None) -> None:
        self.fs = float(fs)
        self.k = bin_size(fs)
        self.rate = bin_rate(fs)  # bins a second
        self.rules = rules or RhythmRules()
        self._cap = int(window_s * self.rate)
        self._bins = np.zeros((n_channels, 0))
        self._carry = np.zeros((n_channels, 0))
        self._every = max(1, int(every_s * self.rate))
        self._since = 0
        self.rhythm: Rhythm | None = None

    def process(self, envelope: np.ndarray) -> bool:
        """Take a (channels, n) block; True when the estimate was refreshed."""
        x = np.concatenate([self._carry, np.nan_to_num(np.atleast_2d(envelope))], axis=1)
        m = x.shape[1] // self.k
        self._carry = x[:, m * self.k:]
        if not m:
            return False
        self._bins = np.concatenate([self._bins, binned(x[:, : m * self.k], self.fs)], axis=1)[:, -self._cap:]
        self._since += m
        if self._since < self._every:
            return False
        self._since = 0
        self.rhythm = movement_rhythm(self._bins, self.fs, self.rules)
        return True

    @property
    def seconds(self) -> float:
        """How much of the window the bins fill."""
        return self._bins.shape[1] / self.rate

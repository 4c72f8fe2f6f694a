"""Is the muscle firing above its target right now? Threshold crossings with hysteresis.

A channel turns "firing" when its envelope rises above the target and stops when it falls below
``release`` x target (default 90%), so noise around the line does not make the indicator flicker
(the usual Schmitt-trigger rule of biofeedback goal lines, e.g. MyoTrac's threshold cues).
Works sample-exactly on whole blocks without a Python loop over samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_RELEASE = 0.85


@dataclass(frozen=True)
class Crossing:
    """A channel crossed its target at absolute sample ``index`` (rising=True: began firing)."""

    channel: int
    index: int
    rising: bool


class FiringDetector:
    """Per-channel firing state over a stream of envelope blocks."""

    def __init__(self, n_channels: int, thresholds: np.ndarray, release: float = DEFAULT_RELEASE):
        self.release = release
        self.thresholds = np.asarray(thresholds, dtype=np.float64).copy()
        self.firing = np.zeros(n_channels, dtype=bool)
        #: absolute sample index where the current state began (firing or resting)
        self.since = np.zeros(n_channels, dtype=np.int64)

    def set_thresholds(self, thresholds: np.ndarray) -> None:
        self.thresholds = np.asarray(thresholds, dtype=np.float64).copy()

    def process(self, envelope: np.ndarray, start_index: int) -> list[Crossing]:
        """Update from a block (channels, n) whose first sample has absolute ``start_index``."""
        n = envelope.shape[1]
        out: list[Crossing] = []
        if n == 0:
            return out
        thr = self.thresholds[:, None]
        # +1 where surely on, -1 where surely off, 0 in the hysteresis band (or NaN gap: off)
        with np.errstate(invalid="ignore"):
            vote = np.where(envelope > thr, 1, np.where(envelope < thr * self.release, -1, 0))
        vote[np.isnan(envelope)] = -1
        for ch in range(envelope.shape[0]):
            v = vote[ch]
            idx = np.flatnonzero(v)
            if idx.size == 0:
                continue
            vals = v[idx] > 0
            prev = np.concatenate(([self.firing[ch]], vals[:-1]))
            changes = np.flatnonzero(vals != prev)
            for c in changes:
                out.append(Crossing(ch, start_index + int(idx[c]), bool(vals[c])))
            if changes.size:
                self.since[ch] = start_index + int(idx[changes[-1]])
            self.firing[ch] = bool(vals[-1])
        out.sort(key=lambda c: c.index)
        return out

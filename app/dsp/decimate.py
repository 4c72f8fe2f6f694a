"""Min/max decimation for display: painting cost independent of the sample rate.

Each display column ("bin") keeps the minimum and maximum of the band-passed signal and the
envelope's maximum over its samples, so spikes stay visible while a 10 s window at any rate is
drawn with a fixed ~2 x 1000 points (pyqtgraph measurements in docs/performance.md: 7.5 ms/frame
versus 15-17 ms for full setData at 8 ch x 2 kHz). Partial bins carry over between blocks.
NaN (gap) samples are ignored; a bin made only of gaps is NaN, which breaks the drawn line.
"""

from __future__ import annotations

import numpy as np

DISPLAY_BINS_PER_WINDOW = 1000  # ~ the plot width in pixels at 1280 px
DISPLAY_WINDOW_S = 10.0


def bin_size_for(sample_rate_hz: float, window_s: float = DISPLAY_WINDOW_S,
                 bins: int = DISPLAY_BINS_PER_WINDOW) -> int:
    return max(1, int(round(sample_rate_hz * window_s / bins)))


class MinMaxDecimator:
    """Turns (channels, n) blocks into whole bins of (min, max, envelope max)."""

    def __init__(self, n_channels: int, bin_size: int) -> None:
        self.bin_size = bin_size
        self._carry_x = np.empty((n_channels, 0))
        self._carry_e = np.empty((n_channels, 0))

    def process(self, x: np.ndarray, env: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x = np.concatenate([self._carry_x, x], axis=1)
        env = np.concatenate([self._carry_e, env], axis=1)
        b = self.bin_size
        nb = x.shape[1] // b
        used = nb * b
        self._carry_x = x[:, used:]
        self._carry_e = env[:, used:]
        c = x.shape[0]
        xs = x[:, :used].reshape(c, nb, b)
        es = env[:, :used].reshape(c, nb, b)
        # fmin/fmax skip NaN without warnings; an all-NaN bin stays NaN
        return np.fmin.reduce(xs, axis=2), np.fmax.reduce(xs, axis=2), np.fmax.reduce(es, axis=2)

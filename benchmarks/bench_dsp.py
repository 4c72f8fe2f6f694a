"""DSP throughput: 8 channels x 2 kHz in 10 ms blocks through the live worker path, one core.

Target (docs/performance.md): >= 100x real time. Measures the full per-block work of the DSP
thread: band-pass + notch + envelope, firing detection, display decimation, ring writes.
"""

from __future__ import annotations

import time

import numpy as np

from app.dsp.filters import FilterSettings
from app.dsp.ring import RingBuffer
from app.dsp.worker import DspWorker


def run(seconds: float = 60.0, channels: int = 8, fs: float = 2000.0, block_ms: float = 10.0) -> dict:
    rng = np.random.default_rng(0)
    n_block = int(fs * block_ms / 1000)
    data = rng.standard_normal((channels, int(seconds * fs))) * 50
    results = {}
    for name, settings in (("bandpass_rms", FilterSettings()), ("bandpass_notch_rms", FilterSettings(notch_hz=50.0))):
        ring = RingBuffer(channels, int(fs * 30))
        worker = DspWorker(ring, fs, settings, np.full(channels, 50.0))
        t0 = time.perf_counter()
        for i in range(0, data.shape[1], n_block):
            ring.write(data[:, i : i + n_block])
            worker.process_available()
        dt = time.perf_counter() - t0
        results[name] = {
            "seconds_of_data": seconds,
            "wall_s": round(dt, 3),
            "x_real_time": round(seconds / dt, 1),
            "us_per_block": round(dt / (data.shape[1] / n_block) * 1e6, 1),
        }
    return {"channels": channels, "sample_rate_hz": fs, "block_ms": block_ms, "target_x_real_time": 100, **results}


if __name__ == "__main__":
    print(run())

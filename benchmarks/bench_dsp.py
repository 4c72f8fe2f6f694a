"""DSP throughput: 8 channels x 2 kHz in 10 ms blocks through the live worker path, one core.

Target (docs/performance.md): >= 100x real time. Measures the full per-block work of the DSP
thread: band-pass + notch + envelope, firing detection, display decimation, ring writes; then the
same with the live analysis sink the window adds (onsets, reps, fatigue, firing order, quality)
on a simulated bridges session, with the per-block p99 and worst case (a block that closes a rep
on all 8 channels does the most work).
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
    results["with_live_analysis"] = _live(seconds, channels, fs, n_block)
    return {"channels": channels, "sample_rate_hz": fs, "block_ms": block_ms, "target_x_real_time": 100, **results}


def _live(seconds: float, channels: int, fs: float, n_block: int) -> dict:
    """Worker alone vs worker + LiveAnalysis on the same simulated 8-channel bridges."""
    from app.analysis.live import LiveAnalysis
    from app.devices.emg_model import EmgModel
    from app.devices.simulator import SimulatedPatch
    from app.muscles import PRESETS

    labels = PRESETS["All four muscles, both sides (8)"][:channels]
    patch = SimulatedPatch(labels=labels, scenario="bridges", sample_rate_hz=fs)
    data = patch.generate(int(seconds * fs), EmgModel(fs, len(labels), np.random.default_rng(1)))
    out: dict = {}
    for name in ("worker_only", "worker_and_live_analysis"):
        ring = RingBuffer(len(labels), int(fs * 30))
        worker = DspWorker(ring, fs, FilterSettings(), np.full(len(labels), 50.0))
        live = None
        if name != "worker_only":
            live = LiveAnalysis(fs, labels, envelope_delay_s=worker.delay_s)
            worker.add_sink(live)
        times = []
        t0 = time.perf_counter()
        for i in range(0, data.shape[1], n_block):
            t1 = time.perf_counter()
            ring.write(data[:, i : i + n_block])
            worker.process_available()
            times.append(time.perf_counter() - t1)
        dt = time.perf_counter() - t0
        ms = np.array(times) * 1e3
        out[name] = {
            "x_real_time": round(seconds / dt, 1),
            "us_per_block": round(dt / len(times) * 1e6, 1),
            "p99_block_ms": round(float(np.percentile(ms, 99)), 2),
            "max_block_ms": round(float(ms.max()), 2),
        }
        if live is not None:
            live.flush()
            out[name]["reps_found"] = sum(len(c.reps) for c in live.snapshot().channels)
    return out


if __name__ == "__main__":
    print(run())

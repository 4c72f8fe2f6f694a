"""Memory over a long recorded session: 8 ch x 2 kHz streamed and recorded at max speed.

Target: RSS <= 250 MB and growth <= 10 MB per hour of session. The simulated patch runs faster
than real time (``speed``, kept below what the DSP + CSV writer sustain so nothing queues up;
``dsp_overrun_samples`` must stay 0), so a long session costs a minute or two, not an hour.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from app.devices.simulator import SimulatedPatch
from app.muscles import PRESETS
from app.session.stream import LiveStream
from benchmarks.results_file import rss_mb


def run(minutes: float = 20.0, speed: float = 15.0) -> dict:
    labels = PRESETS["All four muscles, both sides (8)"]
    src = SimulatedPatch(labels=labels, sample_rate_hz=2000, scenario="bridges", seed=1, speed=speed)
    stream = LiveStream(src)
    out = Path(tempfile.mkdtemp()) / "long.csv"
    stream.start_recording(out)
    stream.start()
    fs = src.sample_rate_hz
    samples: list[tuple[float, float]] = []
    t0 = time.perf_counter()
    target = int(minutes * 60 * fs)
    while stream.worker.processed_samples < target:
        time.sleep(0.5)
        samples.append((stream.worker.processed_samples / fs / 60.0, rss_mb()))
        if stream.worker.error is not None:
            raise RuntimeError(stream.worker.error)
    wall = time.perf_counter() - t0
    overruns = stream.worker.overrun_samples
    rows = stream.recorder.rows if stream.recorder else 0
    stream.stop()
    size_mb = out.stat().st_size / 1e6
    out.unlink()
    # growth after warm-up (first 10% of the session)
    warm = [s for s in samples if s[0] >= minutes * 0.1]
    growth_per_h = (warm[-1][1] - warm[0][1]) / max(1e-9, warm[-1][0] - warm[0][0]) * 60 if len(warm) > 1 else 0.0
    return {
        "session_minutes": minutes,
        "speed_x_real_time_achieved": round(minutes * 60 / wall, 1),
        "rss_mb_max": round(max(r for _, r in samples), 1),
        "rss_growth_mb_per_hour": round(growth_per_h, 2),
        "csv_mb_per_minute": round(size_mb / minutes, 2),
        "recorder_rows_per_s": round(rows / wall),
        "dsp_overrun_samples": overruns,
        "target_rss_mb": 250,
        "target_growth_mb_per_hour": 10,
    }


if __name__ == "__main__":
    print(run())
